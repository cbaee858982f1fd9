/**
 * BTF benchmark (Node): what reading a kernel's BTF costs Mote. For this machine's
 * /sys/kernel/btf/vmlinux and each armhf kernel BTF that `mote btf` has cached: Btf.parse (checks and indexes the
 * blob), the first name lookup (builds the name index), one CO-RE candidate search, and, for
 * scale, decoding every type, which is what parsing cost when it decoded eagerly. Prints medians;
 * nothing here is a pass/fail test. The QuickJS cost shows in the kernel bench (`load --no-attach`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Btf } from '../../agent/src/btf/btf.ts';
import { moteCacheDir } from '../btf/cache.ts';
import { HOST_KERNEL_BTF } from '../btf/index.ts';

const ROUNDS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median time of `run` on a fresh parse each round, after an untimed `prepare`. */
function timeMs(bytes: Uint8Array, run: (btf: Btf) => void, prepare: (btf: Btf) => void = () => {}): number {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const btf = Btf.parse(bytes);
    prepare(btf);
    const start = process.hrtime.bigint();
    run(btf);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

function report(label: string, bytes: Uint8Array): void {
  const parse = median(Array.from({ length: ROUNDS }, () => {
    const start = process.hrtime.bigint();
    Btf.parse(bytes);
    return Number(process.hrtime.bigint() - start) / 1e6;
  }));
  const firstLookup = timeMs(bytes, (btf) => btf.idsByName('task_struct'));
  const nextLookup = timeMs(bytes, (btf) => btf.idsByEssentialName('trace_event_raw_sys_enter'), (btf) => btf.idsByName('task_struct'));
  const decodeAll = timeMs(bytes, (btf) => {
    for (const t of btf.all()) void t;
  });
  const types = Btf.parse(bytes).count;
  console.log(
    `${label.padEnd(34)} ${(bytes.length / 1e6).toFixed(1).padStart(6)} ${String(types).padStart(8)} ${parse.toFixed(1).padStart(9)} ` +
      `${firstLookup.toFixed(1).padStart(13)} ${nextLookup.toFixed(2).padStart(14)} ${decodeAll.toFixed(1).padStart(11)}`,
  );
}

console.log(`Btf costs under Node, median of ${ROUNDS} (ms)`);
console.log(`${'BTF'.padEnd(34)} ${'MB'.padStart(6)} ${'types'.padStart(8)} ${'parse'.padStart(9)} ${'first lookup'.padStart(13)} ${'next lookup'.padStart(14)} ${'decode all'.padStart(11)}`);
if (existsSync(HOST_KERNEL_BTF)) report('host', new Uint8Array(readFileSync(HOST_KERNEL_BTF)));
else console.log(`host: skipped, ${HOST_KERNEL_BTF} does not exist`);
const armhfCache = moteCacheDir('armhf-btf');
const armhf = readdirSync(armhfCache).map((dir) => join(armhfCache, dir, 'vmlinux.btf')).filter((path) => existsSync(path));
for (const path of armhf) report(`armhf ${path.split('/').at(-2)!.split('_')[0]}`, new Uint8Array(readFileSync(path)));
if (armhf.length === 0) console.log("armhf: skipped, no cached armhf BTF; 'mote btf' makes one");
