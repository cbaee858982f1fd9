/**
 * Compresses the agent's bytecode and binary assets for linking into mote-agent: they are about
 * half its size, and they repeat themselves (atom names, BTF strings, zeroed sections), so
 * LZ77 halves them. The format is LZ4's block format, chosen because its decoder is a dozen lines of
 * C (native-arm/lz_block.c), needs no memory of its own and runs at memory speed:
 *
 *   sequence := token [literal length bytes] literals [offset (u16 LE) [match length bytes]]
 *   token    := literal length (high 4 bits) | match length - 4 (low 4 bits); 15 means that
 *               bytes follow, each added, until one is below 255
 *
 * The last sequence has literals only. As the format asks, the last 5 bytes are literals and no
 * match starts in the last 12. Matches are found greedily through hash chains (depth 64): a
 * slower, denser search than a fast LZ4 encoder's, since this runs once per build.
 */

const MIN_MATCH = 4;
const MAX_OFFSET = 65535;
const LAST_LITERALS = 5;
const MATCH_START_LIMIT = 12;
const HASH_BITS = 16;
const CHAIN_DEPTH = 64;

function hash4(input: Uint8Array, at: number): number {
  const word = (input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16) | (input[at + 3]! << 24)) >>> 0;
  return Math.imul(word, 2654435761) >>> (32 - HASH_BITS);
}

/** Appends a length's continuation bytes (the part beyond the token's 15). */
function pushLength(out: number[], rest: number): void {
  while (rest >= 255) {
    out.push(255);
    rest -= 255;
  }
  out.push(rest);
}

export function compressBlock(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const previous = new Int32Array(input.length).fill(-1);
  const matchEndLimit = input.length - LAST_LITERALS;
  let literalStart = 0;
  let at = 0;
  const insert = (position: number) => {
    const h = hash4(input, position);
    previous[position] = head[h]!;
    head[h] = position;
  };
  const emit = (literalEnd: number, offset: number, matchLength: number) => {
    const literals = literalEnd - literalStart;
    const token = (Math.min(literals, 15) << 4) | (matchLength ? Math.min(matchLength - MIN_MATCH, 15) : 0);
    out.push(token);
    if (literals >= 15) pushLength(out, literals - 15);
    for (let i = literalStart; i < literalEnd; i++) out.push(input[i]!);
    if (!matchLength) return;
    out.push(offset & 0xff, offset >> 8);
    if (matchLength - MIN_MATCH >= 15) pushLength(out, matchLength - MIN_MATCH - 15);
  };
  while (at + MATCH_START_LIMIT <= input.length) {
    let bestLength = 0;
    let bestFrom = 0;
    let candidate = head[hash4(input, at)]!;
    for (let depth = 0; depth < CHAIN_DEPTH && candidate >= 0 && at - candidate <= MAX_OFFSET; depth++, candidate = previous[candidate]!) {
      let length = 0;
      while (at + length < matchEndLimit && input[candidate + length] === input[at + length]) length++;
      if (length > bestLength) {
        bestLength = length;
        bestFrom = candidate;
      }
    }
    if (bestLength < MIN_MATCH) {
      insert(at);
      at++;
      continue;
    }
    emit(at, at - bestFrom, bestLength);
    const end = at + bestLength;
    for (; at < end; at++) if (at + MIN_MATCH <= input.length) insert(at);
    literalStart = at;
  }
  emit(input.length, 0, 0);
  return Uint8Array.from(out);
}
