/**
 * Key files. `<prefix>.pub` holds one line, `mote-ed25519-public <64 hex digits> [comment]`;
 * `<prefix>.key` holds `mote-ed25519-secret <64 hex digits>` and must stay on the build host.
 * A trusted key is a public key with its id (keyIdOf) and where it came from, for messages.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { MoteError } from '../errors.ts';
import { keyIdOf, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES } from './ed25519.ts';

export class KeyFileError extends MoteError {}

const PUBLIC_TAG = 'mote-ed25519-public';
const SECRET_TAG = 'mote-ed25519-secret';

export interface TrustedKey {
  keyId: Uint8Array;
  publicKey: Uint8Array;
  /** The file it was read from, or another label. */
  source: string;
}

export function formatPublicKey(publicKey: Uint8Array, comment: string): string {
  return `${PUBLIC_TAG} ${bytesToHex(publicKey)}${comment ? ` ${comment}` : ''}\n`;
}

export function formatSecretKey(secretKey: Uint8Array): string {
  return `${SECRET_TAG} ${bytesToHex(secretKey)}\n`;
}

function parseKeyLine(text: string, tag: string, size: number, source: string): Uint8Array {
  const [first, hex] = text.trim().split(/\s+/, 2);
  if (first !== tag || hex === undefined || !/^[0-9a-f]+$/.test(hex) || hex.length !== size * 2) {
    const other = first === PUBLIC_TAG ? 'a public key' : first === SECRET_TAG ? 'a secret key' : 'not a Mote key';
    throw new KeyFileError(`${source}: expected '${tag} <${size * 2} hex digits>' but the file is ${other}; make keys with 'mote keygen --out <prefix>'`);
  }
  return hexToBytes(hex);
}

export function parsePublicKey(text: string, source: string): TrustedKey {
  const publicKey = parseKeyLine(text, PUBLIC_TAG, PUBLIC_KEY_BYTES, source);
  return { keyId: keyIdOf(publicKey), publicKey, source };
}

export function parseSecretKey(text: string, source: string): Uint8Array {
  return parseKeyLine(text, SECRET_TAG, SECRET_KEY_BYTES, source);
}

export function keyIdHex(keyId: Uint8Array): string {
  return bytesToHex(keyId);
}
