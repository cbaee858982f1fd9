/*
 * TLS client sessions for mote:sys — implementation over mbedTLS. See tls.h for the contract of
 * every export. Mechanism only: argument conversion, mbedTLS calls, errors -> SysError shape.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/pem.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "mbedtls/version.h"

#include "errno_names.h"
#include "tls.h"

/* mbedTLS 2.28 (Mote's pin) and 3.x (what distributions such as Yocto's wrynose ship) differ in
 * a few places; these name each difference once. In 3.x: the server hello error is folded into
 * DECODE_ERROR, parsing a key and checking a key pair take the random generator, the context's
 * hostname and incoming message are private fields, and PSA crypto must be initialised before a
 * handshake (TLS 1.3 is on in its default configuration). */
#if MBEDTLS_VERSION_MAJOR >= 3
#include "psa/crypto.h"
#define TLS_ERR_BAD_SERVER_HELLO MBEDTLS_ERR_SSL_DECODE_ERROR
#define TLS_PARSE_KEY(pk, key, length) \
    mbedtls_pk_parse_key(pk, key, length, NULL, 0, mbedtls_ctr_drbg_random, &random_generator)
#define TLS_CHECK_PAIR(public_key, private_key) \
    mbedtls_pk_check_pair(public_key, private_key, mbedtls_ctr_drbg_random, &random_generator)
#define TLS_SSL_FIELD(ssl, field) ((ssl).MBEDTLS_PRIVATE(field))
#else
#define TLS_ERR_BAD_SERVER_HELLO MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO
#define TLS_PARSE_KEY(pk, key, length) mbedtls_pk_parse_key(pk, key, length, NULL, 0)
#define TLS_CHECK_PAIR(public_key, private_key) mbedtls_pk_check_pair(public_key, private_key)
#define TLS_SSL_FIELD(ssl, field) ((ssl).field)
#endif

/* mbedTLS's error for a socket failure; the session keeps the errno. */
#define SOCKET_FAILED (-0x004E)

struct tls_session {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config config;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
    int fd;
    int socket_errno;   /* errno of the last failed send or recv, 0 if none */
    const char *socket_call;
};

static JSClassID tls_session_class_id;

/* One random generator for every session, seeded from the kernel on first use. */
static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context random_generator;
static int random_ready;

/* Throws an Error shaped like mote:sys's SysError: "<call>: <detail> (<code>)", .errno, .code,
 * .call. Always returns JS_EXCEPTION. */
static JSValue throw_tls_error(JSContext *ctx, const char *call, int number, const char *code,
                               const char *detail)
{
    char message[768];
    snprintf(message, sizeof(message), "%s: %s (%s)", call, detail, code);
    JSValue error = JS_NewError(ctx);
    if (JS_IsException(error))
        return error;
    JS_DefinePropertyValueStr(ctx, error, "message", JS_NewString(ctx, message),
                              JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    JS_DefinePropertyValueStr(ctx, error, "name", JS_NewString(ctx, "SysError"),
                              JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    JS_SetPropertyStr(ctx, error, "errno", JS_NewInt32(ctx, number));
    JS_SetPropertyStr(ctx, error, "code", JS_NewString(ctx, code));
    JS_SetPropertyStr(ctx, error, "call", JS_NewString(ctx, call));
    return JS_Throw(ctx, error);
}

/* A short description of an mbedTLS error code, by the code or its module (this build carries
 * no mbedTLS string tables; the code in the message finds the rest in mbedTLS's error.h). */
static const char *describe_mbedtls_error(int code)
{
    switch (code) {
    case MBEDTLS_ERR_SSL_CONN_EOF: return "the peer closed the connection";
    case MBEDTLS_ERR_SSL_INVALID_RECORD: return "the peer sent a record that is not TLS";
    case MBEDTLS_ERR_SSL_INVALID_MAC: return "a record failed authentication";
    case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE: return "the peer sent an unexpected message";
    case TLS_ERR_BAD_SERVER_HELLO: return "the server's hello is malformed or offers nothing "
                                          "this client supports";
    case MBEDTLS_ERR_SSL_ALLOC_FAILED: return "out of memory";
    case MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED: return "the kernel gave no entropy";
    case MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT: return "no PEM block found";
    }
    unsigned high = (unsigned)(-code) & 0xFF80u;
    if (high >= 0x1080 && high <= 0x1480) return "malformed PEM";
    if (high >= 0x2080 && high <= 0x2980) return "malformed or unsupported X.509 certificate";
    if (high >= 0x3880 && high <= 0x3F80) return "malformed or unsupported key";
    if (high >= 0x4080 && high <= 0x4480) return "RSA operation failed";
    if (high >= 0x4B00 && high <= 0x4F80) return "elliptic curve operation failed (unsupported curve?)";
    if (high >= 0x6080 && high <= 0x7F80) return "TLS protocol error";
    return "mbedTLS error";
}

/* Throws for an mbedTLS error code: the socket's errno when the socket failed, else code 'ETLS'
 * with a description of the code prefixed by `what`. */
static JSValue throw_mbedtls(JSContext *ctx, const char *call, struct tls_session *session,
                             int result, const char *what)
{
    char detail[512];
    if (result == SOCKET_FAILED && session && session->socket_errno) {
        int number = session->socket_errno;
        snprintf(detail, sizeof(detail), "%s: %s", session->socket_call, strerror(number));
        return throw_tls_error(ctx, call, number, errno_name(number), detail);
    }
    snprintf(detail, sizeof(detail), "%s: %s (mbedTLS -0x%04x)", what,
             describe_mbedtls_error(result), (unsigned)-result);
    return throw_tls_error(ctx, call, result, "ETLS", detail);
}

/* mbedTLS's send callback: send(2) without SIGPIPE; EAGAIN becomes WANT_WRITE. */
static int send_to_socket(void *context, const unsigned char *bytes, size_t length)
{
    struct tls_session *session = context;
    ssize_t count = send(session->fd, bytes, length, MSG_NOSIGNAL);
    if (count >= 0)
        return (int)count;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    session->socket_errno = errno;
    session->socket_call = "send";
    return SOCKET_FAILED;
}

/* mbedTLS's receive callback: recv(2); EAGAIN becomes WANT_READ, end of stream returns 0. */
static int receive_from_socket(void *context, unsigned char *bytes, size_t length)
{
    struct tls_session *session = context;
    ssize_t count = recv(session->fd, bytes, length, 0);
    if (count >= 0)
        return (int)count;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return MBEDTLS_ERR_SSL_WANT_READ;
    session->socket_errno = errno;
    session->socket_call = "recv";
    return SOCKET_FAILED;
}

/* Frees everything a session holds (not the fd) and the session itself. */
static void free_session(struct tls_session *session)
{
    mbedtls_ssl_free(&session->ssl);
    mbedtls_ssl_config_free(&session->config);
    mbedtls_x509_crt_free(&session->ca);
    mbedtls_x509_crt_free(&session->cert);
    mbedtls_pk_free(&session->key);
    free(session);
}

/* The class finalizer: frees a session the script dropped without tlsClose. */
static void tls_session_finalizer(JSRuntime *rt, JSValue value)
{
    struct tls_session *session = JS_GetOpaque(value, tls_session_class_id);
    if (session)
        free_session(session);
}

static JSClassDef tls_session_class = { "TlsSession", .finalizer = tls_session_finalizer };

/* The session behind a handle, or NULL with an exception (not a session, or closed). */
static struct tls_session *get_session(JSContext *ctx, JSValueConst value, const char *call)
{
    if (tls_session_class_id == 0 || JS_GetClassID(value) != tls_session_class_id) {
        JS_ThrowTypeError(ctx, "%s: expected a session returned by tlsOpen", call);
        return NULL;
    }
    struct tls_session *session = JS_GetOpaque(value, tls_session_class_id);
    if (!session)
        throw_tls_error(ctx, call, EBADF, "EBADF", "the TLS session is closed; open a new one");
    return session;
}

/* Pointer and length of a Uint8Array's bytes; -1 with an exception otherwise. */
static int get_uint8_array(JSContext *ctx, JSValueConst value, uint8_t **bytes, size_t *length)
{
    size_t offset, size, element_size, buffer_size;
    JSValue buffer = JS_GetTypedArrayBuffer(ctx, value, &offset, &size, &element_size);
    if (JS_IsException(buffer))
        return -1;
    uint8_t *data = JS_GetArrayBuffer(ctx, &buffer_size, buffer);
    JS_FreeValue(ctx, buffer);
    if (!data)
        return -1;
    *bytes = data + offset;
    *length = size;
    return 0;
}

/* Copies options[name] (a Uint8Array, or undefined when optional) into a NUL-terminated buffer,
 * as mbedTLS's PEM parsers want. Sets *out to NULL when absent. Returns -1 with an exception. */
static int get_pem_option(JSContext *ctx, JSValueConst options, const char *name, int required,
                          unsigned char **out, size_t *out_length)
{
    *out = NULL;
    JSValue value = JS_GetPropertyStr(ctx, options, name);
    if (JS_IsException(value))
        return -1;
    if (JS_IsUndefined(value)) {
        if (required)
            JS_ThrowTypeError(ctx, "tlsOpen: options.%s is required (PEM bytes)", name);
        return required ? -1 : 0;
    }
    uint8_t *bytes;
    size_t length;
    int failed = get_uint8_array(ctx, value, &bytes, &length);
    JS_FreeValue(ctx, value);
    if (failed)
        return -1;
    *out = malloc(length + 1);
    if (!*out) {
        JS_ThrowOutOfMemory(ctx);
        return -1;
    }
    memcpy(*out, bytes, length);
    (*out)[length] = '\0';
    *out_length = length + 1;
    return 0;
}

/* Seeds the shared random generator from the kernel once (and, on mbedTLS 3, initialises PSA
 * crypto); returns 0, or mbedTLS's (or PSA's) result with *step naming what failed. A failed
 * attempt frees what it set up, so the next session tries afresh. */
static int ensure_random(const char **step)
{
    static const unsigned char personalization[] = "mote-agent tls";
    if (random_ready)
        return 0;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&random_generator);
    int result = mbedtls_ctr_drbg_seed(&random_generator, mbedtls_entropy_func, &entropy,
                                       personalization, sizeof(personalization) - 1);
    if (result != 0)
        *step = "seeding the random generator from the kernel";
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
    if (result == 0 && (result = (int)psa_crypto_init()) != 0)
        *step = "initialising PSA crypto (a PSA status, not an mbedTLS error code)";
#endif
    if (result != 0) {
        mbedtls_ctr_drbg_free(&random_generator);
        mbedtls_entropy_free(&entropy);
        return result;
    }
    random_ready = 1;
    return 0;
}

/* Parses the CA certificates, and the client certificate and key if given, into the session.
 * Returns 0, or -1 with an exception whose message names the input that failed. */
static int load_credentials(JSContext *ctx, struct tls_session *session, JSValueConst options)
{
    unsigned char *ca = NULL, *cert = NULL, *key = NULL;
    size_t ca_length = 0, cert_length = 0, key_length = 0;
    int result = -1;
    char detail[512];
    if (get_pem_option(ctx, options, "ca", 1, &ca, &ca_length) ||
        get_pem_option(ctx, options, "cert", 0, &cert, &cert_length) ||
        get_pem_option(ctx, options, "key", 0, &key, &key_length))
        goto done;
    if (!cert != !key) {
        JS_ThrowTypeError(ctx, "tlsOpen: give both options.cert and options.key, or neither");
        goto done;
    }
    /* A CA bundle may hold certificates this build cannot parse (other curves); the ones it can
     * parse are used, and none parsed is an error. */
    int parsed = mbedtls_x509_crt_parse(&session->ca, ca, ca_length);
    if (parsed < 0 || session->ca.version == 0) {
        snprintf(detail, sizeof(detail),
                 "no usable CA certificate in the CA data (%s); give PEM certificates "
                 "(-----BEGIN CERTIFICATE-----) with RSA or ECDSA P-256/P-384 keys",
                 parsed < 0 ? describe_mbedtls_error(parsed) : "none could be parsed");
        throw_tls_error(ctx, "tlsOpen", parsed, "ETLSCONFIG", detail);
        goto done;
    }
    if (cert) {
        int failed = mbedtls_x509_crt_parse(&session->cert, cert, cert_length);
        if (failed != 0) {
            snprintf(detail, sizeof(detail),
                     "the client certificate does not parse (%s); give a PEM certificate",
                     describe_mbedtls_error(failed));
            throw_tls_error(ctx, "tlsOpen", failed, "ETLSCONFIG", detail);
            goto done;
        }
        failed = TLS_PARSE_KEY(&session->key, key, key_length);
        if (failed == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
            throw_tls_error(ctx, "tlsOpen", failed, "ETLSCONFIG",
                            "the client key is encrypted; store it unencrypted "
                            "(openssl pkey -in key.pem -out plain.pem) with mode 0600");
            goto done;
        }
        if (failed != 0) {
            snprintf(detail, sizeof(detail),
                     "the client key does not parse (%s); give an unencrypted PEM key "
                     "(RSA, EC or PKCS#8)", describe_mbedtls_error(failed));
            throw_tls_error(ctx, "tlsOpen", failed, "ETLSCONFIG", detail);
            goto done;
        }
        failed = TLS_CHECK_PAIR(&session->cert.pk, &session->key);
        if (failed != 0) {
            throw_tls_error(ctx, "tlsOpen", failed, "ETLSCONFIG",
                            "the client key does not match the client certificate; give the key "
                            "the certificate was issued for");
            goto done;
        }
    }
    result = 0;
done:
    free(ca);
    free(cert);
    free(key);
    return result;
}

/* tlsOpen(fd, { serverName, ca, cert?, key? }) -> session. See tls.h. */
static JSValue js_tls_open(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    int fd;
    if (JS_ToInt32(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (!JS_IsObject(argv[1]))
        return JS_ThrowTypeError(ctx, "tlsOpen: expected options { serverName, ca, cert?, key? }");
    JSValue name_value = JS_GetPropertyStr(ctx, argv[1], "serverName");
    const char *server_name = JS_IsString(name_value) ? JS_ToCString(ctx, name_value) : NULL;
    JS_FreeValue(ctx, name_value);
    if (!server_name || !*server_name) {
        if (server_name)
            JS_FreeCString(ctx, server_name);
        return JS_ThrowTypeError(ctx, "tlsOpen: options.serverName is required: the server's "
                                      "certificate is verified against it");
    }
    JSRuntime *runtime = JS_GetRuntime(ctx);
    if (tls_session_class_id == 0)
        JS_NewClassID(&tls_session_class_id);
    if (!JS_IsRegisteredClass(runtime, tls_session_class_id))
        JS_NewClass(runtime, tls_session_class_id, &tls_session_class);

    struct tls_session *session = calloc(1, sizeof(*session));
    if (!session) {
        JS_FreeCString(ctx, server_name);
        return JS_ThrowOutOfMemory(ctx);
    }
    session->fd = fd;
    mbedtls_ssl_init(&session->ssl);
    mbedtls_ssl_config_init(&session->config);
    mbedtls_x509_crt_init(&session->ca);
    mbedtls_x509_crt_init(&session->cert);
    mbedtls_pk_init(&session->key);

    int result = 0;
    const char *step = NULL;
    /* Seeded first: mbedTLS 3 needs the generator to parse the client key. */
    if ((result = ensure_random(&step)) != 0)
        ;
    else if (load_credentials(ctx, session, argv[1]) < 0) {
        JS_FreeCString(ctx, server_name);
        free_session(session);
        return JS_EXCEPTION;
    } else if ((result = mbedtls_ssl_config_defaults(&session->config, MBEDTLS_SSL_IS_CLIENT,
                                                   MBEDTLS_SSL_TRANSPORT_STREAM,
                                                   MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
        step = "configuring TLS";
    if (!step) {
        mbedtls_ssl_conf_authmode(&session->config, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(&session->config, &session->ca, NULL);
        mbedtls_ssl_conf_rng(&session->config, mbedtls_ctr_drbg_random, &random_generator);
        if (session->cert.version != 0 &&
            (result = mbedtls_ssl_conf_own_cert(&session->config, &session->cert, &session->key)) != 0)
            step = "using the client certificate";
        else if ((result = mbedtls_ssl_setup(&session->ssl, &session->config)) != 0)
            step = "setting up the session";
        else if ((result = mbedtls_ssl_set_hostname(&session->ssl, server_name)) != 0)
            step = "setting the server name";
    }
    JS_FreeCString(ctx, server_name);
    if (step) {
        free_session(session);
        return throw_mbedtls(ctx, "tlsOpen", NULL, result, step);
    }
    mbedtls_ssl_set_bio(&session->ssl, session, send_to_socket, receive_from_socket, NULL);

    JSValue handle = JS_NewObjectClass(ctx, (int)tls_session_class_id);
    if (JS_IsException(handle)) {
        free_session(session);
        return handle;
    }
    JS_SetOpaque(handle, session);
    return handle;
}

/* True when name is an IPv4 or IPv6 address literal rather than a DNS name. */
static int is_address(const char *name)
{
    struct in6_addr address;
    return inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1;
}

/* Appends to `out` one sentence per verification flag: what is wrong and what to do. */
static void describe_verify_flags(uint32_t flags, const char *server_name, char *out, size_t size)
{
    static const struct { uint32_t flag; const char *text; } reasons[] = {
        { MBEDTLS_X509_BADCERT_NOT_TRUSTED,
          "it is not signed by any of the given CA certificates: give the CA that issued the "
          "server's certificate" },
        { MBEDTLS_X509_BADCERT_EXPIRED,
          "it has expired: renew it, or check this device's clock" },
        { MBEDTLS_X509_BADCERT_FUTURE,
          "it is not valid yet: check this device's clock (is the time set?)" },
        { MBEDTLS_X509_BADCERT_MISSING, "the server sent no certificate" },
        { MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
          MBEDTLS_X509_BADCERT_NS_CERT_TYPE,
          "its key usage does not allow a TLS server: reissue it with serverAuth usage" },
        { MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
          MBEDTLS_X509_BADCERT_BAD_KEY,
          "it uses a signature or key this agent does not accept: use RSA (2048 bits or more) "
          "or ECDSA P-256/P-384 with SHA-256 or SHA-384" },
    };
    size_t used = 0;
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
        used += snprintf(out, size,
                         " it is not issued for '%s' (hostname mismatch): connect by a name the "
                         "certificate's subjectAltName lists, or reissue it for this name%s;",
                         server_name,
                         is_address(server_name)
                             ? " (addresses are not matched, only DNS names: give the server "
                               "name to verify separately)"
                             : "");
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]) && used < size; i++)
        if (flags & reasons[i].flag)
            used += snprintf(out + used, size - used, " %s;", reasons[i].text);
    if (used == 0)
        snprintf(out, size, " verification failed (flags 0x%x);", (unsigned)flags);
    else if (used < size)
        out[used - 1] = '\0'; /* the last ';' */
}

/* The name of a TLS alert the peer sent, with a hint for the usual ones. */
static const char *describe_alert(int alert)
{
    switch (alert) {
    case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE:
        return "handshake failure: if the server requires a client certificate, give one (and its "
               "key); else it shares no cipher suite with this client (ECDHE with AES-GCM or "
               "ChaCha20-Poly1305, TLS 1.2)";
    case MBEDTLS_SSL_ALERT_MSG_BAD_CERT:
        return "bad certificate: the server rejected the client certificate";
    case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA:
        return "unknown CA: the server does not trust the client certificate's issuer; use a "
               "certificate from a CA the server trusts";
    case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED:
        return "certificate expired: renew the client certificate";
    case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION:
        return "protocol version: the server accepts none of the TLS versions this client offers";
    case 116:
        return "certificate required: the server requires a client certificate; give one and its key";
    default:
        return "see the server's log for why";
    }
}

/* Throws for a fatal alert from the server, naming the alert and what ended (`what`): the
 * handshake, or, under TLS 1.3, where the server judges the client certificate after the
 * client's side of the handshake is done, the session at its first read. */
static JSValue throw_alert(JSContext *ctx, const char *call, struct tls_session *session, int result,
                           const char *what)
{
    char detail[640];
    const unsigned char *message = TLS_SSL_FIELD(session->ssl, in_msg);
    int alert = message ? message[1] : 0;
    snprintf(detail, sizeof(detail), "the server ended %s with alert %d, %s", what, alert,
             describe_alert(alert));
    return throw_tls_error(ctx, call, result, "ETLS", detail);
}

/* Throws for a failed handshake: certificate verification, an alert from the peer, a peer that
 * does not speak TLS, or anything else mbedTLS reports. */
static JSValue throw_handshake_failure(JSContext *ctx, struct tls_session *session, int result)
{
    char detail[640];
    if (result == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        uint32_t flags = mbedtls_ssl_get_verify_result(&session->ssl);
        int used = snprintf(detail, sizeof(detail), "the server's certificate was rejected:");
        const char *hostname = TLS_SSL_FIELD(session->ssl, hostname);
        describe_verify_flags(flags, hostname ? hostname : "",
                              detail + used, sizeof(detail) - (size_t)used);
        return throw_tls_error(ctx, "tlsHandshake", (int)flags, "ETLSVERIFY", detail);
    }
    if (result == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
        return throw_alert(ctx, "tlsHandshake", session, result, "the handshake");
    int number = session->socket_errno;
    if (result == SOCKET_FAILED && (number == EPIPE || number == ECONNRESET)) {
        snprintf(detail, sizeof(detail),
                 "%s: %s: the server ended the connection during the handshake; it may require a "
                 "client certificate (give one and its key), or not speak TLS on this port",
                 session->socket_call, strerror(number));
        return throw_tls_error(ctx, "tlsHandshake", number, errno_name(number), detail);
    }
    if (result == MBEDTLS_ERR_SSL_INVALID_RECORD || result == TLS_ERR_BAD_SERVER_HELLO ||
        result == MBEDTLS_ERR_SSL_CONN_EOF)
        return throw_mbedtls(ctx, "tlsHandshake", session, result,
                             "the server closed the connection or does not speak TLS on this "
                             "port; check that the port is its TLS listener");
    return throw_mbedtls(ctx, "tlsHandshake", session, result, "the handshake failed");
}

/* The readiness a WANT_READ / WANT_WRITE result asks for, or NULL for any other result. */
static const char *wanted_readiness(int result)
{
    if (result == MBEDTLS_ERR_SSL_WANT_READ)
        return "want-read";
    if (result == MBEDTLS_ERR_SSL_WANT_WRITE)
        return "want-write";
    return NULL;
}

/* tlsHandshake(session) -> 'done' | 'want-read' | 'want-write'. See tls.h. */
static JSValue js_tls_handshake(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    struct tls_session *session = get_session(ctx, argv[0], "tlsHandshake");
    if (!session)
        return JS_EXCEPTION;
    int result = mbedtls_ssl_handshake(&session->ssl);
    if (result == 0)
        return JS_NewString(ctx, "done");
    const char *wanted = wanted_readiness(result);
    if (wanted)
        return JS_NewString(ctx, wanted);
    return throw_handshake_failure(ctx, session, result);
}

/* The body of tlsRead and tlsWrite: one mbedtls_ssl_read or mbedtls_ssl_write over the bytes.
 * Returns the count (0 once the peer closed, when reading), a readiness string, or throws. */
static JSValue transfer(JSContext *ctx, JSValueConst *argv, const char *call, int writing)
{
    struct tls_session *session = get_session(ctx, argv[0], call);
    uint8_t *bytes;
    size_t length;
    if (!session || get_uint8_array(ctx, argv[1], &bytes, &length))
        return JS_EXCEPTION;
    int result = writing ? mbedtls_ssl_write(&session->ssl, bytes, length)
                         : mbedtls_ssl_read(&session->ssl, bytes, length);
    if (result >= 0)
        return JS_NewInt32(ctx, result);
    if (!writing && result == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
        return JS_NewInt32(ctx, 0);
    const char *wanted = wanted_readiness(result);
    if (wanted)
        return JS_NewString(ctx, wanted);
    if (result == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
        return throw_alert(ctx, call, session, result, "the session");
    return throw_mbedtls(ctx, call, session, result, writing ? "writing failed" : "reading failed");
}

/* tlsRead(session, bytes) -> count | 'want-read' | 'want-write'; 0 when the peer closed. */
static JSValue js_tls_read(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    return transfer(ctx, argv, "tlsRead", 0);
}

/* tlsWrite(session, bytes) -> count | 'want-read' | 'want-write'. See tls.h. */
static JSValue js_tls_write(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    return transfer(ctx, argv, "tlsWrite", 1);
}

/* tlsClose(session): close_notify if the socket takes it now, then frees. Closing twice is a
 * no-op. See tls.h. */
static JSValue js_tls_close(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
    if (tls_session_class_id == 0 || JS_GetClassID(argv[0]) != tls_session_class_id)
        return JS_ThrowTypeError(ctx, "tlsClose: expected a session returned by tlsOpen");
    struct tls_session *session = JS_GetOpaque(argv[0], tls_session_class_id);
    if (!session)
        return JS_UNDEFINED;
    mbedtls_ssl_close_notify(&session->ssl);
    JS_SetOpaque(argv[0], NULL);
    free_session(session);
    return JS_UNDEFINED;
}

const JSCFunctionListEntry mote_tls_functions[] = {
    JS_CFUNC_DEF("tlsOpen", 2, js_tls_open),
    JS_CFUNC_DEF("tlsHandshake", 1, js_tls_handshake),
    JS_CFUNC_DEF("tlsRead", 2, js_tls_read),
    JS_CFUNC_DEF("tlsWrite", 2, js_tls_write),
    JS_CFUNC_DEF("tlsClose", 1, js_tls_close),
};

const size_t mote_tls_function_count = sizeof(mote_tls_functions) / sizeof(mote_tls_functions[0]);
