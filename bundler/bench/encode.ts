/**
 * Encode cost per telemetry record on QuickJS itself: `mote-agent bench-encode` (envelope to CBOR,
 * then the MQTT PUBLISH frame) run by the host binary (QuickJS, native x86_64), by the armhf
 * binary under qemu-arm (emulated: a relative figure, not a device's speed), and the same function
 * under Node (V8) in this process, all in the same run. Prints numbers only.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureEncodeCost, type EncodeCost } from '../../agent/src/commands/bench-encode.ts';
import { allRecords } from '../fixtures/telemetry-samples.ts';
import { agentBinary } from '../paths.ts';

const ROUNDS = { node: 20_000, quickjs: 5_000, qemu: 1_000 };

function agentCosts(command: string, args: string[], records: string, rounds: number): EncodeCost[] {
  const output = execFileSync(command, [...args, 'bench-encode', records, '--rounds', String(rounds), '--json'], { encoding: 'utf8' });
  return (JSON.parse(output) as { costs: EncodeCost[] }).costs;
}

const directory = mkdtempSync(join(tmpdir(), 'mote-bench-encode-'));
try {
  const records = join(directory, 'records.json');
  writeFileSync(records, JSON.stringify(allRecords));
  const node = allRecords.map(([module, record]) => measureEncodeCost({ monotonicNs: () => process.hrtime.bigint() }, module, record, ROUNDS.node));
  const quickjs = agentCosts(agentBinary.host, [], records, ROUNDS.quickjs);
  const qemu = agentCosts('qemu-arm', [agentBinary.armhf], records, ROUNDS.qemu);

  console.log('encode cost per record, microseconds: CBOR envelope + MQTT PUBLISH frame (the work run does per record)');
  console.log('  QuickJS = mote-agent on this x86_64 host; qemu-arm = the armhf binary emulated (relative only); Node = V8');
  const head = ['module', 'kind', 'bytes', 'QuickJS', 'frame', 'Node', 'frame', 'QJS/Node', 'qemu-arm'];
  console.log(head.map((h, i) => (i < 2 ? h.padEnd(11) : h.padStart(9))).join(''));
  let quickjsTotal = 0;
  let nodeTotal = 0;
  allRecords.forEach(([module], i) => {
    const [q, n, e] = [quickjs[i]!, node[i]!, qemu[i]!];
    quickjsTotal += q.encodeUs + q.packetUs;
    nodeTotal += n.encodeUs + n.packetUs;
    const cells = [q.bytes, q.encodeUs, q.packetUs, n.encodeUs, n.packetUs].map((v, k) => (k === 0 ? String(v) : v.toFixed(1)).padStart(9));
    const ratio = `${((q.encodeUs + q.packetUs) / (n.encodeUs + n.packetUs)).toFixed(1)}x`.padStart(9);
    console.log(`${module.padEnd(11)}${q.kind.padEnd(11)}${cells.join('')}${ratio}${(e.encodeUs + e.packetUs).toFixed(1).padStart(9)}`);
  });
  const perRecord = quickjsTotal / allRecords.length;
  console.log(`mean per record on QuickJS ${perRecord.toFixed(1)} us (Node ${(nodeTotal / allRecords.length).toFixed(1)} us): at 10 modules sampled each second, ${((perRecord * 10) / 10_000).toFixed(3)}% of one core of this host`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
