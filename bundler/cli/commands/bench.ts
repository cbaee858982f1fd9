/**
 * `mote bench [name...]`: runs the benchmarks in bundler/bench/ (each a script that measures
 * Mote and its reference in the same run and prints ratios), then the armhf size report.
 * Benchmarks print numbers; none of them is a test.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { repoRoot } from '../../paths.ts';
import { parseCommandLine } from '../options.ts';

const BENCH_DIR = join(repoRoot, 'bundler', 'bench');

function benchNames(): string[] {
  return readdirSync(BENCH_DIR).filter((f) => f.endsWith('.ts') && !f.includes('-')).map((f) => f.slice(0, -3)).sort();
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the benchmarks (ratios against libbpf, bpftool, JSON, measured in the same run)',
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, { help: { type: 'boolean', short: 'h' } }, true);
    const known = benchNames();
    if (values.help) {
      console.log(`usage: mote bench [name...]\n\nBenchmarks: ${known.join(', ')}. Without names, all of them and the size report.`);
      return 0;
    }
    const unknown = positionals.filter((name) => !known.includes(name));
    if (unknown.length) throw new UsageError(`unknown benchmark ${unknown.join(', ')}; known: ${known.join(', ')}`);
    let failed = false;
    for (const name of positionals.length ? positionals : known) {
      console.log(`\n== bench ${name}`);
      const result = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH_DIR, `${name}.ts`)], { cwd: repoRoot, stdio: 'inherit' });
      failed ||= result.status !== 0;
    }
    if (positionals.length === 0) {
      console.log('\n== size');
      spawnSync(process.execPath, [join(repoRoot, 'bundler', 'cli', 'mote.mjs'), 'size'], { cwd: repoRoot, stdio: 'inherit' });
    }
    return failed ? 1 : 0;
  },
};
