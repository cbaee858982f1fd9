/**
 * The agent's cache files (agent/src/kernel/cache-file.ts) made by hand, for tests that hand the
 * agent entries it did not write: its digest written again here, and the file layout.
 */
/** The binding's hash (native-arm/sys_module.c js_hash), written again here to make entries by hand. */
export function agentHash(bytes: Uint8Array): string {
  const mask = (1n << 64n) - 1n;
  const multiplier = 0x9e3779b97f4a7c15n;
  const mix = (h: bigint, value: bigint) => (((h ^ value) * multiplier) & mask) ^ (h >> 29n);
  const lanes = [0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  for (; i + 32 <= bytes.length; i += 32) {
    for (let k = 0; k < 4; k++) {
      lanes[k] = ((lanes[k]! ^ view.getBigUint64(i + 8 * k, true)) * multiplier) & mask;
      lanes[k] = lanes[k]! ^ (lanes[k]! >> 32n);
    }
  }
  let h = (BigInt(bytes.length) * multiplier) & mask;
  for (const lane of lanes) h = mix(h, lane);
  for (; i < bytes.length; i++) h = mix(h, BigInt(bytes[i]!));
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & mask;
  h ^= h >> 33n;
  return h.toString(16).padStart(16, '0');
}

/** A cache file as the agent writes it: the digest of the body, a newline, the body. */
export function cacheFileText(body: object): string {
  const text = JSON.stringify(body);
  return `${agentHash(new TextEncoder().encode(text))}\n${text}`;
}
