/*
 * The C reference of `mote bench ota`: Ed25519 verification with Debian's libsodium, the work
 * the agent does in QuickJS for a package signature. Signs a message of the given length with a
 * fresh key, then times crypto_sign_verify_detached over it and prints the median in JSON.
 * Built with -DLINK_SIZE_PROBE it is instead the smallest program that links verification (what
 * the binding would add), and with -DLINK_SIZE_BASELINE the same program without it: the two
 * sizes' difference is what libsodium's verification would cost mote-agent.
 *
 * usage: ed25519-verify-bench MESSAGE_BYTES REPEAT
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(LINK_SIZE_PROBE) || defined(LINK_SIZE_BASELINE)
int main(int argc, char **argv)
{
#ifdef LINK_SIZE_PROBE
    if (sodium_init() < 0)
        return 1;
    return crypto_sign_verify_detached((const unsigned char *)argv[0], (const unsigned char *)argv[1], (unsigned long long)argc, (const unsigned char *)argv[2]);
#else
    return argc > 3 ? argv[1][0] : 0;
#endif
}
#else
static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 3 || sodium_init() < 0) {
        fputs("usage: ed25519-verify-bench MESSAGE_BYTES REPEAT\n", stderr);
        return 2;
    }
    size_t length = strtoul(argv[1], NULL, 10);
    int repeat = atoi(argv[2]);
    unsigned char public_key[crypto_sign_PUBLICKEYBYTES], secret_key[crypto_sign_SECRETKEYBYTES], signature[crypto_sign_BYTES];
    unsigned char *message = malloc(length ? length : 1);
    double *times = malloc(sizeof(double) * (repeat > 0 ? repeat : 1));
    if (!message || !times || repeat < 1)
        return 2;
    randombytes_buf(message, length);
    crypto_sign_keypair(public_key, secret_key);
    crypto_sign_detached(signature, NULL, message, length, secret_key);
    for (int i = 0; i < repeat; i++) {
        double start = now_ms();
        if (crypto_sign_verify_detached(signature, message, length, public_key) != 0) {
            fputs("ed25519-verify-bench: a valid signature did not verify\n", stderr);
            return 1;
        }
        times[i] = now_ms() - start;
    }
    qsort(times, repeat, sizeof(double), by_value);
    printf("{\"verifyMs\":%.4f}\n", times[repeat / 2]);
    return 0;
}
#endif
