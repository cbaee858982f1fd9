/**
 * Kernel-side benchmark, against bpftool measured in the same run (object load times are in
 * load.ts):
 *  - map read time per entry: the agent's in-process dump (batch lookup, decoded through BTF)
 *    against `bpftool map dump -j` on the same map of 10k and 100k entries.
 * Prints medians and ratios; nothing here is a pass/fail test. Needs root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { kernelFixture, runLoadWithWorkload } from '../fixtures/kernel-fixtures.ts';
import { median, timeMs } from './bench-timing.ts';

function ensureBpffs(): void {
  spawnSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf'], { stdio: 'ignore' });
}

async function mapReadTimes(): Promise<void> {
  console.log('\nmap read time per entry (hash map, key u32, value 16 B struct decoded through BTF)');
  console.log(`${'entries'.padStart(8)} ${'mote us/entry'.padStart(14)} ${'bpftool us/entry'.padStart(17)} ${'ratio'.padStart(6)}   (mote: in-process batch dump; bpftool: whole 'map dump -j' process)`);
  const object = await kernelFixture('fill_map');
  for (const entries of [10_000, 100_000]) {
    let bpftoolMs = 0;
    const run = await runLoadWithWorkload(object, { calls: 1, udpPort: 0, execs: 0, spinMs: 0 }, ['--seconds', '4', '--set', `entries=${entries}`, '--dump', 'batch'], undefined, () => {
      const samples: number[] = [];
      for (let round = 0; round < 3; round++) samples.push(timeMs(() => execFileSync('bpftool', ['-j', 'map', 'dump', 'name', 'filled'], { stdio: 'ignore', maxBuffer: 1 << 30 })));
      bpftoolMs = median(samples);
    });
    const map = run.result?.maps.find((m) => m.name === 'filled') as { dumpMs: number; entries: unknown[] } | undefined;
    if (!map || map.entries.length !== entries) throw new Error(`the agent dumped ${map?.entries.length ?? 'no'} entries, expected ${entries}: ${run.stderr}`);
    const moteUs = (map.dumpMs * 1000) / entries;
    const bpftoolUs = (bpftoolMs * 1000) / entries;
    console.log(`${String(entries).padStart(8)} ${moteUs.toFixed(2).padStart(14)} ${bpftoolUs.toFixed(2).padStart(17)} ${(moteUs / bpftoolUs).toFixed(2).padStart(6)}`);
  }
}

if (process.getuid?.() !== 0) {
  console.log('kernel bench skipped: it loads BPF programs, run it as root');
} else {
  ensureBpffs();
  mkdirSync('/sys/fs/bpf', { recursive: true });
  await mapReadTimes();
}
