/**
 * `npm run fuzz [-- --seconds N] [target...]`: each fuzz target (all by default) under libFuzzer
 * for N seconds (default 300), one after another, keeping what it finds new in
 * build/fuzz/corpus/<target>/ for the next campaign. Then it replays the starting and the kept
 * corpus of each target and prints a table: inputs run, libFuzzer's coverage counters and
 * features, and the statements and branches of agent/src covered; build/fuzz/coverage.md has the
 * same per file. Exits 1 on any finding, with
 * the saved input's path (build/fuzz/findings/<target>/): fix the bug, then add the input to
 * test/fuzz/corpus/<target>/ under a name that says what it found.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir } from '../../bundler/paths.ts';
import { startingCorpus, FUZZ_TARGETS, fuzzTarget, replayCorpus } from './engine/run.ts';
import type { FileSummary } from './engine/runner.ts';

function parseArgs(argv: string[]): { seconds: number; targets: string[] } {
  let seconds = 300;
  const targets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--seconds') {
      seconds = Number(argv[++i]);
      if (!Number.isInteger(seconds) || seconds < 1) usage(`--seconds takes a whole number of seconds, got '${argv[i]}'`);
    } else if (arg in FUZZ_TARGETS) targets.push(arg);
    else usage(`unknown argument '${arg}'`);
  }
  return { seconds, targets: targets.length > 0 ? targets : Object.keys(FUZZ_TARGETS) };
}

function usage(problem: string): never {
  console.error(`npm run fuzz: ${problem}. Usage: npm run fuzz -- [--seconds N] [${Object.keys(FUZZ_TARGETS).join('|')}...]`);
  process.exit(2);
}

function total(files: FileSummary[], which: 'statements' | 'branches'): string {
  const [covered, all] = files.reduce(([c, t], f) => [c + f[which][0], t + f[which][1]], [0, 0]);
  return `${covered}/${all} (${((100 * covered) / Math.max(all, 1)).toFixed(1)}%)`;
}

const { seconds, targets } = parseArgs(process.argv.slice(2));
const rows: string[] = [];
const perFile: string[] = ['| target | file | statements covered | branches covered |', '|---|---|---|---|'];
let findings = 0;
for (const target of targets) {
  const workDir = join(buildDir, 'fuzz', 'corpus', target);
  console.log(`${target}: fuzzing for ${seconds} s`);
  const result = await fuzzTarget(target, { seconds, workDir });
  if (result.status !== 0) {
    findings++;
    console.log(`${target}: FINDING (status ${result.status})${result.finding ? `: ${result.finding}` : ''}\n${result.log.split('\n').slice(-25).join('\n')}`);
  }
  const replay = await replayCorpus(target, [...startingCorpus(target), workDir]);
  const own = replay.files.filter((f) => f.file.startsWith('agent/src/'));
  const libraries = replay.files.filter((f) => !f.file.startsWith('agent/src/'));
  rows.push(
    `| ${target} | ${result.executions} | ${result.execsPerSecond} | ${result.initial.cov} → ${result.final.cov} | ${result.initial.ft} → ${result.final.ft} | ${replay.inputs} | ${total(own, 'statements')} | ${total(own, 'branches')} | ${libraries.length > 0 ? total(libraries, 'branches') : '-'} | ${result.status === 0 ? 'none' : result.finding ?? `status ${result.status}`} |`,
  );
  console.log(rows.at(-1));
  for (const f of own) perFile.push(`| ${target} | ${f.file} | ${f.statements[0]}/${f.statements[1]} | ${f.branches[0]}/${f.branches[1]} |`);
}
writeFileSync(join(buildDir, 'fuzz', 'coverage.md'), `${perFile.join('\n')}\n`);
console.log(`\nCoverage-guided fuzzing, ${seconds} s per target:\n`);
console.log('| target | inputs run | inputs/s | libFuzzer counters (corpus → end) | features (corpus → end) | corpus kept | agent/src statements covered | agent/src branches covered | library branches covered | findings |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
process.exit(findings > 0 ? 1 : 0);
