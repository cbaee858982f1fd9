/*
 * TLS client sessions for mote:sys, over mbedTLS (configured by mbedtls_config.h: TLS 1.2,
 * ECDHE-ECDSA/RSA with AES-GCM or ChaCha20-Poly1305, X.509 verification, PEM).
 *
 * Mechanism only: a session encrypts and decrypts over a socket fd that the caller opened (for
 * example with tcpConnect) and still owns. Nothing here blocks or waits. When mbedTLS needs the
 * socket to become readable or writable, a call returns 'want-read' or 'want-write' and the
 * caller calls it again once the fd is ready (in QuickJS: os.setReadHandler/setWriteHandler).
 * The server's certificate is always verified against the CA certificates given and the server
 * name; there is no mode without verification and no plaintext fallback.
 *
 * Exports, appended to mote:sys's own (see sys_module.h):
 *   tlsOpen(fd, { serverName, ca, cert?, key? }) -> session
 *       Prepares a client session on a connected (or connecting) socket. serverName is sent as
 *       SNI and must match the server certificate. ca, cert and key are Uint8Arrays holding PEM
 *       (or DER) data: the CA certificates to trust, and optionally a client certificate chain
 *       with its unencrypted private key (both or neither). No I/O happens yet.
 *   tlsHandshake(session) -> 'done' | 'want-read' | 'want-write'
 *       Advances the handshake as far as the socket allows.
 *   tlsRead(session, bytes: Uint8Array) -> count | 'want-read' | 'want-write'
 *       Decrypts into bytes. 0 means the peer closed the session (close_notify or end of stream).
 *       mbedTLS may hold more decrypted bytes than one call takes, so read until 'want-read'.
 *   tlsWrite(session, bytes: Uint8Array) -> count | 'want-read' | 'want-write'
 *       Encrypts and sends up to one record (4 KiB) of bytes; returns how many were taken. After
 *       'want-write' or 'want-read', call again with the same bytes once the socket is ready.
 *   tlsClose(session)
 *       Sends close_notify if the socket takes it at once, then frees the session. The fd stays
 *       open: the caller closes it. A session that is garbage-collected is freed likewise,
 *       without close_notify.
 *
 * Errors are thrown as SysError-shaped Errors (name 'SysError', .errno, .code, .call), with a
 * message that says what failed and what to do:
 *   code 'ETLSVERIFY'  the server certificate failed verification; errno holds mbedTLS's
 *                      MBEDTLS_X509_BADCERT_* flags (not trusted by the CA certificates,
 *                      hostname mismatch, expired, not yet valid, ...)
 *   code 'ETLSCONFIG'  tlsOpen could not use the CA, certificate or key; errno is mbedTLS's code
 *   code 'ETLS'        any other TLS failure (alert from the peer, not TLS, ...); errno is
 *                      mbedTLS's (negative) error code
 *   an errno name      the socket failed under TLS (ECONNRESET, EPIPE, ...); errno is the errno
 */
#ifndef MOTE_TLS_H
#define MOTE_TLS_H

#include <stddef.h>

#include "quickjs.h"

/* The TLS exports, for mote:sys to add to its module's export list. */
extern const JSCFunctionListEntry mote_tls_functions[];

/* The number of entries in mote_tls_functions. */
extern const size_t mote_tls_function_count;

#endif
