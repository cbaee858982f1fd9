/** The key the OTA corpus packages are signed with (test/fuzz/engine/seeds.ts): a test key, public by design. */
export const FUZZ_RELEASE_SECRET = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
