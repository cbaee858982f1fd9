/*
 * The decoder of LZ4's block format, in which the bundler compresses the agent's bytecode and
 * binary assets (bundler/build/lz-block.ts describes the format).
 */
#ifndef MOTE_LZ_BLOCK_H
#define MOTE_LZ_BLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Decodes `in` into exactly `out_size` bytes of `out`; 0 on success, -1 when `in` is not such a block. */
int lz_block_decode(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size);

#endif
