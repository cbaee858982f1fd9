/**
 * Ed25519 from @noble/ed25519, made synchronous with @noble/hashes' SHA-512 so it runs on
 * QuickJS (no WebCrypto there). Verification and key ids only need these; signing and key
 * generation run on the build host.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = sha512;

export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const KEY_ID_BYTES = 8;

/** First 8 bytes of SHA-512 of the public key: names the key in a package's signature. */
export function keyIdOf(publicKey: Uint8Array): Uint8Array {
  return sha512(publicKey).slice(0, KEY_ID_BYTES);
}

/** RFC 8032 verification, strict: no non-canonical points, no small-order public keys. */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return ed.verify(signature, message, publicKey, { zip215: false });
}

export function signEd25519(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed.sign(message, secretKey);
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return ed.getPublicKey(secretKey);
}

/** A fresh secret key from the platform's CSPRNG (crypto.getRandomValues; host only). */
export function randomSecretKey(): Uint8Array {
  return ed.utils.randomSecretKey();
}
