/** Size limits of OTA packages, checked before a byte of them is parsed. */

/** Largest package a device accepts: two architectures' objects and a few BTFs fit easily. */
export const MAX_PACKAGE_BYTES = 1024 * 1024;
