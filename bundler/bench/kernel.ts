/**
 * Kernel-side benchmark, against libbpf measured in the same run:
 *  - object load time: `mote-agent load --no-attach` against `bpftool prog loadall` (libbpf) on
 *    the same CO-RE objects (both relocate against /sys/kernel/btf/vmlinux, create the maps and
 *    load every program);
 *  - map read time per entry: the agent's in-process dump (batch lookup, decoded through BTF)
 *    against `bpftool map dump -j` on the same map of 10k and 100k entries.
 * Prints medians and ratios; nothing here is a pass/fail test. Needs root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureSources } from '../fixtures/bpf-fixtures.ts';
import { kernelFixture, runLoadWithWorkload } from '../fixtures/kernel-fixtures.ts';
import { compileBpf } from '../build/bpf-compile.ts';
import { ensureHostBtf } from '../btf/index.ts';
import { agentBinary } from '../paths.ts';
import { median, timeMs } from './bench-timing.ts';

const ROUNDS = 5;

function ensureBpffs(): void {
  spawnSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf'], { stdio: 'ignore' });
}

async function loadTimes(): Promise<void> {
  const host = await ensureHostBtf();
  const names = ['execsnoop', 'opensnoop', 'runqlat', 'biolatency', 'tcpconnect'];
  console.log(`object load time, median of ${ROUNDS} (mote-agent load --no-attach vs bpftool prog loadall, both libbpf-style CO-RE against the kernel BTF)`);
  console.log(`${'object'.padEnd(14)} ${'mote ms'.padStart(9)} ${'libbpf ms'.padStart(10)} ${'ratio'.padStart(6)}`);
  const pinDir = `/sys/fs/bpf/mote-bench-${process.pid}`;
  for (const source of fixtureSources('tools').filter((s) => names.includes(s.name))) {
    const object = (await compileBpf({ source: source.path, arch: 'x86', includeDirs: [join(host.headerPath, '..')] })).path;
    const mote: number[] = [];
    const libbpf: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      mote.push(timeMs(() => execFileSync(agentBinary.host, ['load', object, '--no-attach', '--seconds', '0', '--json'], { stdio: 'ignore' })));
      libbpf.push(timeMs(() => execFileSync('bpftool', ['prog', 'loadall', object, pinDir], { stdio: 'ignore' })));
      rmSync(pinDir, { recursive: true, force: true });
    }
    const m = median(mote);
    const l = median(libbpf);
    console.log(`${source.name.padEnd(14)} ${m.toFixed(1).padStart(9)} ${l.toFixed(1).padStart(10)} ${(m / l).toFixed(2).padStart(6)}`);
  }
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
  await loadTimes();
  await mapReadTimes();
}
