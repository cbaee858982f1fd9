/**
 * Signing and checking packages. The signed message is "mote-package-v1", a zero byte, then
 * the canonical package body (package.cddl); the signature names its key by key id.
 */
import { encodePackage, encodePackageBody, type ModulePackage, type ParsedPackage } from './package.ts';
import { keyIdOf, publicKeyOf, signEd25519, verifyEd25519 } from './ed25519.ts';
import { keyIdHex, type TrustedKey } from './keys.ts';
import { OtaRejection } from './rejection.ts';

/** ASCII "mote-package-v1" and a zero byte (no TextEncoder on QuickJS). */
const SIGNING_CONTEXT = Uint8Array.from('mote-package-v1\u0000', (c) => c.charCodeAt(0));

function signedMessage(body: Uint8Array): Uint8Array {
  const message = new Uint8Array(SIGNING_CONTEXT.length + body.length);
  message.set(SIGNING_CONTEXT);
  message.set(body, SIGNING_CONTEXT.length);
  return message;
}

/** The package file for `module`, signed with `secretKey`. */
export function signPackage(module: ModulePackage, secretKey: Uint8Array): Uint8Array {
  const signature = signEd25519(signedMessage(encodePackageBody(module)), secretKey);
  return encodePackage(module, { keyId: keyIdOf(publicKeyOf(secretKey)), signature });
}

/** Throws OtaRejection 'unknown-key' or 'bad-signature' unless a trusted key signed `parsed`. */
export function checkSignature(parsed: ParsedPackage, trusted: readonly TrustedKey[]): TrustedKey {
  const { keyId, signature } = parsed.signature;
  const name = parsed.module.name;
  const id = keyIdHex(keyId);
  const key = trusted.find((k) => keyIdHex(k.keyId) === id);
  if (!key) {
    const known = trusted.length ? trusted.map((k) => keyIdHex(k.keyId)).join(', ') : 'none';
    throw new OtaRejection('unknown-key', `package '${name}' is signed by key ${id}, which this device does not trust (trusted: ${known}); sign it with a trusted key or add its .pub with --ota-key`, name);
  }
  if (!verifyEd25519(signature, signedMessage(parsed.body), key.publicKey)) {
    throw new OtaRejection('bad-signature', `package '${name}': the signature by key ${id} does not match the content, so it was altered after signing; pack and sign it again`, name);
  }
  return key;
}
