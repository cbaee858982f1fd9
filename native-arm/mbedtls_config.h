/*
 * mbedTLS configuration for mote-agent (used instead of mbedTLS's full default config.h through
 * MBEDTLS_CONFIG_FILE). Only what a TLS 1.2 client needs to verify a server and optionally present
 * a client certificate:
 *   key exchange    ECDHE-ECDSA and ECDHE-RSA, on secp256r1 and secp384r1
 *   ciphers         AES-GCM (128 and 256) and ChaCha20-Poly1305
 *   hashes          SHA-256 and SHA-384 (SHA-512 code)
 *   certificates    X.509 parsing and chain verification, PEM and DER, RSA (PKCS#1 v1.5) and
 *                   ECDSA signatures; unencrypted RSA, SEC1 and PKCS#8 private keys
 *   randomness      the kernel's getrandom/urandom through mbedTLS's entropy pool and CTR-DRBG
 * Not included: TLS 1.0/1.1/1.3, CBC suites, static RSA key exchange, renegotiation, session
 * tickets, SHA-1, encrypted private keys, the PSA crypto layer, the server side.
 * The Makefile keys its build folders on this file's content, so editing it rebuilds mbedTLS.
 */
#ifndef MOTE_MBEDTLS_CONFIG_H
#define MOTE_MBEDTLS_CONFIG_H

/* System support */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_DEPRECATED_REMOVED

/* Size over speed: table-light AES and SHA, small ECC windows */
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_SMALLER
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECP_NIST_OPTIM

/* Curves */
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED

/* Cipher modes and padding */
#define MBEDTLS_PKCS1_V15

/* Key exchanges */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED

/* TLS features */
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE

/* Record buffers: a server may send full 16 KiB records; what the client sends (its application data, its
 * certificate chain) fits 4 KiB records, which saves 12 KiB of RAM per connection. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

/* Modules */
#define MBEDTLS_AES_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_GCM_C
#define MBEDTLS_MD_C
#define MBEDTLS_OID_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_RSA_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

#include "mbedtls/check_config.h"

#endif
