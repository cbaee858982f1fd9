/**
 * The fuzz targets' seed inputs, made at run time from real inputs into build/fuzz/seeds/<kind>/:
 * a CO-RE snippet compiled by clang (the unit fuzz test's) and its sections, an armhf object
 * compiled by gcc, a 32-bit ARM target BTF made by pahole, envelopes and a status as the agent
 * encodes them, what mosquitto sends an agent (CONNACK, SUBACK, PUBACK, PINGRESP, a PUBLISH on its
 * OTA topic), and a signed package. Being build outputs, they are not committed: only findings
 * are (test/fuzz/corpus/<kind>/). The compilers' outputs are cached in build/cache/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { buildCacheDir, hashStrings } from '../../../bundler/build/content-cache.ts';
import { buildDir } from '../../../bundler/paths.ts';
import { parseElf } from '../../../agent/src/elf/parse.ts';
import { encodeEnvelope, encodeStatus } from '../../../agent/src/telemetry/codec.ts';
import { signPackage } from '../../../agent/src/ota/signature.ts';
import { allRecords, BOOT_ID, envelopeOf } from '../../../bundler/fixtures/telemetry-samples.ts';
import { samplePackage } from '../../ota/packages.ts';
import { compileBpf, targetBtfFromC } from '../../unit/support/clang.ts';
import { CORE_SNIPPET_C, CORE_TARGET_C } from '../../support/fuzz/core-snippet.ts';
import { FUZZ_RELEASE_SECRET } from '../targets/release-key.ts';

const ARMHF_OBJECT_C = 'extern int counter; int bump(int by) { counter += by; return counter; }\n';

/** Writes every seed into a fresh folder under build/fuzz/, then puts it in place of the old one. */
function writeSeeds(into: string): void {
  const seed = (kind: string, name: string, bytes: Uint8Array): void => {
    mkdirSync(join(into, kind), { recursive: true });
    writeFileSync(join(into, kind, name), bytes);
  };
  const object = compileBpf(CORE_SNIPPET_C);
  seed('core', 'snippet.bpf.o', object);

  // The ELF reader also reads 32-bit ARM binaries (uprobe offsets): a small armhf object with relocations.
  seed('elf', 'armhf-bump.o', armhfObject());
  const elf = parseElf(object);
  seed('btf', 'snippet.btf', elf.sectionByName('.BTF')!.data);
  seed('btf-ext', 'snippet.btf.ext', elf.sectionByName('.BTF.ext')!.data);
  const target = new Uint8Array(readFileSync(targetBtfFromC(CORE_TARGET_C, 'arm')));
  seed('btf', 'target.btf', target);

  for (const [module, record] of allRecords) seed('envelope', `${module}.cbor`, encodeEnvelope(envelopeOf(module, record)));
  seed(
    'envelope',
    'status.cbor',
    encodeStatus({
      schemaVersion: 1, deviceId: 'board-7', bootId: BOOT_ID, timeMs: 1_764_000_000_000, state: 'online', agentVersion: '0.1.0',
      release: '6.1.0-31-armmp-lpae', machine: 'armv7l',
      modules: [{ name: 'syscount', version: '2', variant: 'tracepoint' }, { name: 'bitehist', version: '1', error: 'no kprobes' }],
      counters: { sent: 120, dropped: 0, reconnects: 1, depth: 3, rejected: 0, malformed: 0 },
    }),
  );

  const stream = (version: 4 | 5, packets: Packet[]) => Buffer.concat(packets.map((p) => mqttPacket.generate(p, { protocolVersion: version })));
  for (const version of [4, 5] as const) {
    const connack: Packet = version === 5 ? { cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { receiveMaximum: 1 } } : { cmd: 'connack', sessionPresent: false, returnCode: 0 };
    seed('mqtt', `v${version}-session.bin`, stream(version, [
      connack,
      { cmd: 'suback', messageId: 1, granted: [1] },
      { cmd: 'puback', messageId: 2 },
      { cmd: 'pingresp' },
      { cmd: 'publish', topic: 'mote/v1/dev/ota/install', payload: Buffer.from([0xa1, 0x00, 0x01]), qos: 1, messageId: 7, retain: false, dup: false },
      { cmd: 'puback', messageId: 3 },
      { cmd: 'disconnect' },
    ]));
  }
  seed('mqtt', 'v4-refused.bin', stream(4, [{ cmd: 'connack', sessionPresent: false, returnCode: 5 }]));

  seed('ota', 'syscount.pkg', signPackage(samplePackage({ objects: { x86_64: object }, btfs: { '6.1.0-31-armmp': target } }), FUZZ_RELEASE_SECRET));
}

/** gcc's armhf object of ARMHF_OBJECT_C, cached by its source. */
function armhfObject(): Uint8Array {
  const cached = join(buildCacheDir('fuzz-seeds'), `bump-${hashStrings(ARMHF_OBJECT_C)}.o`);
  if (!existsSync(cached)) {
    const dir = mkdtempSync(join(buildCacheDir('fuzz-seeds'), 'gcc-'));
    writeFileSync(join(dir, 'bump.c'), ARMHF_OBJECT_C);
    execFileSync('arm-linux-gnueabihf-gcc', ['-O1', '-c', 'bump.c', '-o', 'bump.o'], { cwd: dir });
    renameSync(join(dir, 'bump.o'), cached);
    rmSync(dir, { recursive: true });
  }
  return new Uint8Array(readFileSync(cached));
}

let seedsRoot: string | undefined;

/** build/fuzz/seeds/, made once per process: the seed folder of each corpus kind is `<root>/<kind>`. */
export function fuzzSeeds(): string {
  if (seedsRoot === undefined) {
    const root = join(buildDir, 'fuzz', 'seeds');
    mkdirSync(join(buildDir, 'fuzz'), { recursive: true });
    const fresh = mkdtempSync(join(buildDir, 'fuzz', 'seeds-'));
    writeSeeds(fresh);
    rmSync(root, { recursive: true, force: true });
    renameSync(fresh, root);
    seedsRoot = root;
  }
  return seedsRoot;
}
