import { describe, expect, it } from 'vitest';
import { encodePlain } from '../../agent/src/telemetry/cbor.ts';
import { decodeCanonical, encodeCanonical } from '../../agent/src/ota/canonical.ts';
import { encodePackage, parsePackage } from '../../agent/src/ota/package.ts';
import { compareVersions } from '../../agent/src/ota/version.ts';
import { verifyPackage } from '../../agent/src/ota/verify.ts';
import { canonicalWithCbor2 } from '../support/cbor2.ts';
import { deviceFacts, makeKey, rejectionOf, samplePackage, signed } from './packages.ts';

const key = makeKey('release');

describe('canonical encoding', () => {
  it('sorts keys by their encoded bytes whatever the insertion order', () => {
    const a = encodeCanonical(new Map<unknown, unknown>([[3, 'x'], [1, new Map([['bb', 1], ['a', 2], ['ccc', 3]])], [0, [1, 2]]]));
    const b = encodeCanonical(new Map<unknown, unknown>([[0, [1, 2]], [1, new Map([['ccc', 3], ['a', 2], ['bb', 1]])], [3, 'x']]));
    expect(Buffer.from(a).toString('hex')).toBe(Buffer.from(b).toString('hex'));
    expect(Buffer.from(a).toString('hex')).toBe('a30082010201a3616102626262016363636303036178');
  });

  it('matches python3-cbor2 canonical output for a whole package', () => {
    const bytes = signed(key);
    expect(canonicalWithCbor2(bytes)).toBe(Buffer.from(bytes).toString('hex'));
  });

  it.each([
    ['unsorted keys', encodePlain(new Map([[1, 0], [0, 0]]))],
    ['a long-form integer head', Uint8Array.of(0xa1, 0x00, 0x18, 0x01)],
    ['an indefinite-length text', Uint8Array.of(0xa1, 0x00, 0x7f, 0x61, 0x61, 0xff)],
    ['a duplicate key', Uint8Array.of(0xa2, 0x00, 0x01, 0x00, 0x02)],
    ['trailing bytes', Uint8Array.of(0xa1, 0x00, 0x01, 0x00)],
    ['a tag', Uint8Array.of(0xa1, 0x00, 0xc1, 0x01)],
    ['a float', Uint8Array.of(0xa1, 0x00, 0xfa, 0x3f, 0xc0, 0x00, 0x00)],
  ])('refuses %s', (_what, bytes) => {
    expect(() => decodeCanonical(bytes)).toThrow();
    expect(rejectionOf(() => parsePackage(bytes))).toBe('malformed');
  });
});

describe('package codec', () => {
  it('round-trips every field', () => {
    const parsed = parsePackage(signed(key));
    const { module } = parsed;
    const plain = (record: Record<string, Uint8Array | undefined>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Uint8Array.from(v!)]));
    expect({ ...module, objects: plain(module.objects), btfs: plain(module.btfs) }).toEqual(samplePackage());
    expect(Uint8Array.from(parsed.signature.keyId)).toEqual(key.trusted.keyId);
    expect(parsed.signature.signature).toHaveLength(64);
  });

  it.each<[string, Uint8Array, RegExp]>([
    ['not a map', encodeCanonical([1, 2]), /not a CBOR map/],
    ['a missing version', encodeCanonical(new Map<number, unknown>([[0, 1], [1, 'syscount']])), /field 2 \(version\) is missing/],
    ['a bad module name', encodeCanonical(new Map<number, unknown>([[0, 1], [1, 'a/b']])), /module name\) 'a\/b'/],
    ['a future format', encodeCanonical(new Map<number, unknown>([[0, 2], [1, 'syscount']])), /format\) must be 1/],
    ['an unknown field', encodeCanonical(new Map<number, unknown>([[0, 1], [1, 'syscount'], [9, 0]])), /unknown field 9/],
    ['a version that is no version', encodePackage(samplePackage({ version: 'v2' }), { keyId: new Uint8Array(8), signature: new Uint8Array(64) }), /'v2' is not a version/],
    ['a short signature', encodeCanonical(new Map<number, unknown>([...samplePackageMap(), [7, [new Uint8Array(8), new Uint8Array(10)]]])), /64-byte/],
  ])('names the problem with %s', (_what, bytes, message) => {
    expect(() => parsePackage(bytes)).toThrow(message);
    expect(rejectionOf(() => parsePackage(bytes))).toBe('malformed');
  });
});

function samplePackageMap(): Map<number, unknown> {
  const map = new Map(parsePackageMap(signed(key)));
  map.delete(7);
  return map;
}

function parsePackageMap(bytes: Uint8Array): Map<number, unknown> {
  return decodeCanonical(bytes) as Map<number, unknown>;
}

describe('package verification', () => {
  const other = makeKey('other');
  const facts = deviceFacts([key]);

  it('accepts a package signed by a trusted key, also the second of two (rotation)', () => {
    expect(verifyPackage(signed(key), facts).module.version).toBe('2');
    const rotated = deviceFacts([other, key]);
    expect(verifyPackage(signed(other), rotated).signedBy.source).toBe('other');
  });

  it('rejects a valid signature by an unknown key, naming the key', () => {
    expect(rejectionOf(() => verifyPackage(signed(other), facts))).toBe('unknown-key');
    expect(() => verifyPackage(signed(other), facts)).toThrow(/does not trust/);
  });

  it('rejects any altered byte of content or signature as a bad signature', () => {
    const bytes = signed(key);
    const objectAt = Buffer.from(bytes).indexOf(Buffer.from(samplePackage().objects.x86_64!.subarray(0, 16)));
    const signatureAt = bytes.length - 10;
    for (const at of [objectAt + 100, signatureAt]) {
      const altered = Uint8Array.from(bytes);
      altered[at]! ^= 0x01;
      expect(rejectionOf(() => verifyPackage(altered, facts))).toBe('bad-signature');
    }
  });

  it('rejects a signature moved onto other content', () => {
    const original = parsePackage(signed(key));
    const swapped = encodePackage(samplePackage({ manifest: '{"name":"syscount","intervalMs":1}' }), original.signature);
    expect(rejectionOf(() => verifyPackage(swapped, facts))).toBe('bad-signature');
  });

  it.each([['1'], ['0.9'], ['1.0.0']])('rejects version %s against a stored 1 as stale', (version) => {
    expect(rejectionOf(() => verifyPackage(signed(key, { version }), facts))).toBe('stale-version');
  });

  it('rejects what is over the size limit before parsing it', () => {
    expect(rejectionOf(() => verifyPackage(new Uint8Array(2 * 1024 * 1024), facts))).toBe('too-large');
    expect(rejectionOf(() => verifyPackage(signed(key), { ...facts, maxPackageBytes: 1000 }))).toBe('too-large');
  });

  it('rejects packages for newer agents, other architectures and unsupported kernels', () => {
    expect(rejectionOf(() => verifyPackage(signed(key, { minAgentVersion: '0.2' }), facts))).toBe('agent-too-old');
    expect(rejectionOf(() => verifyPackage(signed(key, { objects: { armhf: new Uint8Array(4) } }), facts))).toBe('unsupported-arch');
    expect(rejectionOf(() => verifyPackage(signed(key), { ...facts, kernelProblem: () => 'no BTF for 6.1.0-99' }))).toBe('unsupported-kernel');
  });

  it('rejects every truncation of a package as malformed', () => {
    const bytes = signed(key, { objects: { x86_64: new Uint8Array(40) }, btfs: { '6.1': new Uint8Array(30) } });
    const verdicts = new Set<string>();
    for (let length = 0; length < bytes.length; length++) verdicts.add(rejectionOf(() => verifyPackage(bytes.subarray(0, length), facts)));
    expect([...verdicts]).toEqual(['malformed']);
  });
});

describe('versions', () => {
  it.each([
    ['1', '2', -1],
    ['2', '10', -1],
    ['1.0', '1', 0],
    ['1.0.1', '1.1', -1],
    ['0.1.0-dev', '0.1.0', 0],
    ['3.2.1', '3.2', 1],
  ])('%s against %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});
