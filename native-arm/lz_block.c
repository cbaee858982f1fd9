/*
 * LZ4 block decoding, bounds-checked: every length and offset is checked against what is left
 * of the input and the output before it is used.
 */
#include <string.h>

#include "lz_block.h"

/* A length of 15 in the token goes on in bytes, each added, until one is below 255. */
static int read_length(const uint8_t **at, const uint8_t *end, size_t *length)
{
    unsigned byte;
    do {
        if (*at >= end)
            return -1;
        byte = *(*at)++;
        *length += byte;
    } while (byte == 255);
    return 0;
}

int lz_block_decode(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size)
{
    const uint8_t *at = in, *end = in + in_size;
    uint8_t *to = out, *out_end = out + out_size;
    while (at < end) {
        unsigned token = *at++;
        size_t literals = token >> 4;
        if (literals == 15 && read_length(&at, end, &literals) < 0)
            return -1;
        if ((size_t)(end - at) < literals || (size_t)(out_end - to) < literals)
            return -1;
        memcpy(to, at, literals);
        to += literals;
        at += literals;
        if (at == end)
            break;
        if (end - at < 2)
            return -1;
        size_t offset = at[0] | (size_t)at[1] << 8;
        at += 2;
        size_t match = token & 15;
        if (match == 15 && read_length(&at, end, &match) < 0)
            return -1;
        match += 4;
        if (offset == 0 || offset > (size_t)(to - out) || (size_t)(out_end - to) < match)
            return -1;
        /* Byte by byte: a match may overlap the bytes it produces (a run). */
        for (const uint8_t *from = to - offset; match > 0; match--)
            *to++ = *from++;
    }
    return to == out_end ? 0 : -1;
}
