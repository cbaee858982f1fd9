/**
 * Writes the fuzz corpora's seed inputs (test/fuzz/corpus/<target>/), all made from real
 * inputs: a CO-RE snippet compiled by clang (the unit fuzz test's) and its sections, an armhf
 * object compiled by gcc, a 32-bit ARM
 * target BTF made by pahole, envelopes and a status as the agent encodes them, what mosquitto
 * sends an agent (CONNACK, SUBACK, PUBACK, PINGRESP, a PUBLISH on its OTA topic), and a signed
 * package. Run once with `npx tsx test/fuzz/seeds.ts` when the formats change; findings are
 * added beside the seeds by hand, named after what they found.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { parseElf } from '../../agent/src/elf/parse.ts';
import { encodeEnvelope, encodeStatus } from '../../agent/src/telemetry/codec.ts';
import { signPackage } from '../../agent/src/ota/signature.ts';
import { allRecords, BOOT_ID, envelopeOf } from '../../bundler/fixtures/telemetry-samples.ts';
import { samplePackage } from '../ota/packages.ts';
import { compileBpf, targetBtfFromC } from '../unit/support/clang.ts';
import { CORE_SNIPPET_C, CORE_TARGET_C } from '../support/fuzz/core-snippet.ts';
import { FUZZ_RELEASE_SECRET } from './targets/release-key.ts';

const corpus = join(import.meta.dirname, 'corpus');

function seed(target: string, name: string, bytes: Uint8Array): void {
  mkdirSync(join(corpus, target), { recursive: true });
  writeFileSync(join(corpus, target, name), bytes);
}

const object = compileBpf(CORE_SNIPPET_C);
seed('core', 'snippet.bpf.o', object);

// The ELF reader also reads 32-bit ARM binaries (uprobe offsets): a small armhf object with relocations.
const armDir = mkdtempSync(join(tmpdir(), 'mote-fuzz-seed-'));
writeFileSync(join(armDir, 'bump.c'), 'extern int counter; int bump(int by) { counter += by; return counter; }\n');
execFileSync('arm-linux-gnueabihf-gcc', ['-O1', '-c', 'bump.c', '-o', 'bump.o'], { cwd: armDir });
seed('elf', 'armhf-bump.o', readFileSync(join(armDir, 'bump.o')));
rmSync(armDir, { recursive: true });
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
