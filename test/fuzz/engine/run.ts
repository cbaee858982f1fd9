/**
 * Runs a fuzz target in its own process (see runner.ts): libFuzzer for a fixed number of inputs
 * (`npm test`) or for a time (`npm run fuzz`), starting from its seeds and committed findings, and a replay
 * of a corpus for its coverage. A finding (an input that threw something other than a MoteError,
 * crashed or hung for HANG_WATCHDOG_MS) makes libFuzzer stop with a non-zero status and save the
 * input under build/fuzz/findings/<target>/; the result says where.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir, repoRoot } from '../../../bundler/paths.ts';
import { HANG_WATCHDOG_MS } from '../../support/fuzz/fuzz-case.ts';
import { fuzzSeeds } from './seeds.ts';
import { fuzzBinding, instrumentedTarget } from './prepare.ts';
import type { ReplaySummary } from './runner.ts';

export interface FuzzTargetSpec {
  /** The corpus kinds it starts from: seeds made at run time (build/fuzz/seeds/<kind>) and committed findings (test/fuzz/corpus/<kind>). */
  corpus: string[];
  /** Outcomes (parts of the labels the target returns) its corpus must reach after a short run: both the good path and the typed errors. */
  outcomes: string[];
}

export const FUZZ_TARGETS: Record<string, FuzzTargetSpec> = {
  elf: { corpus: ['elf', 'core'], outcomes: ['result', 'ElfError'] },
  btf: { corpus: ['btf'], outcomes: ['result', 'BtfError'] },
  'btf-ext': { corpus: ['btf-ext'], outcomes: ['result', 'BtfError', 'CoreRelocationError'] },
  core: { corpus: ['core'], outcomes: ['result', 'ElfError', 'BtfError', 'ObjectError'] },
  envelope: { corpus: ['envelope'], outcomes: ['result', 'TelemetryDecodeError'] },
  mqtt: { corpus: ['mqtt'], outcomes: ['connected', 'malformed'] },
  ota: { corpus: ['ota'], outcomes: ['accepted', 'malformed', 'bad-signature'] },
};

/** The folders a target starts from: its kinds' seeds, and their committed findings where there are any. */
export function startingCorpus(target: string): string[] {
  const seeds = fuzzSeeds();
  return FUZZ_TARGETS[target]!.corpus.flatMap((kind) => [join(seeds, kind), join(repoRoot, 'test', 'fuzz', 'corpus', kind)]).filter((dir) => existsSync(dir));
}

export interface FuzzOptions {
  /** Stop after this many inputs (libFuzzer -runs)... */
  runs?: number;
  /** ...or after this many seconds (libFuzzer -max_total_time). */
  seconds?: number;
  /** libFuzzer's -seed; fixed for the test runs so they repeat. */
  seed?: number;
  /** Where new inputs go (libFuzzer's first corpus folder); the starting corpus is read only. */
  workDir: string;
}

export interface FuzzResult {
  target: string;
  status: number | null;
  /** Inputs run, seeds included. */
  executions: number;
  execsPerSecond: number;
  /** libFuzzer's coverage counters hit (istanbul statements, functions and branch arms) and features, after the seeds and at the end. */
  initial: { cov: number; ft: number };
  final: { cov: number; ft: number; corpus: number };
  /** The saved input of a finding, if any. */
  finding?: string;
  /** libFuzzer's output, for a failure message. */
  log: string;
}

function runNode(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function lastMatch(text: string, pattern: RegExp): RegExpMatchArray | undefined {
  return [...text.matchAll(pattern)].at(-1);
}

export async function fuzzTarget(target: string, options: FuzzOptions): Promise<FuzzResult> {
  const findings = join(buildDir, 'fuzz', 'findings', target);
  mkdirSync(findings, { recursive: true });
  mkdirSync(options.workDir, { recursive: true });
  const flags = [
    ...(options.runs !== undefined ? [`-runs=${options.runs}`] : []),
    ...(options.seconds !== undefined ? [`-max_total_time=${options.seconds}`] : []),
    ...(options.seed !== undefined ? [`-seed=${options.seed}`] : []),
    `-timeout=${HANG_WATCHDOG_MS / 1000}`,
    '-rss_limit_mb=2048',
    '-print_final_stats=1',
    `-artifact_prefix=${findings}/`,
  ];
  const bundle = await instrumentedTarget(target);
  const { status, stderr } = await runNode([bundle, 'fuzz', ...flags, options.workDir, ...startingCorpus(target)], { MOTE_FUZZ_BINDING: fuzzBinding() });
  const stats = (name: string) => Number(lastMatch(stderr, new RegExp(`stat::${name}:\\s*(\\d+)`, 'g'))?.[1] ?? NaN);
  const inited = lastMatch(stderr, /INITED cov: (\d+) ft: (\d+)/g);
  const done = lastMatch(stderr, /#\d+\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/g);
  return {
    target,
    status,
    executions: stats('number_of_executed_units'),
    execsPerSecond: stats('average_exec_per_sec'),
    initial: { cov: Number(inited?.[1] ?? NaN), ft: Number(inited?.[2] ?? NaN) },
    final: { cov: Number(done?.[1] ?? inited?.[1] ?? NaN), ft: Number(done?.[2] ?? inited?.[2] ?? NaN), corpus: Number(done?.[3] ?? NaN) },
    finding: lastMatch(stderr, /Test unit written to (\S+)/g)?.[1],
    log: stderr,
  };
}

/** Runs every input of `paths` (files or folders) once and returns outcomes and coverage. */
export async function replayCorpus(target: string, paths: string[]): Promise<ReplaySummary> {
  const bundle = await instrumentedTarget(target);
  const { status, stdout, stderr } = await runNode([bundle, 'replay', ...paths.filter((path) => existsSync(path))]);
  if (status !== 0) throw new Error(`replay of ${target} failed (status ${status}): ${stderr.trim()}`);
  return JSON.parse(stdout) as ReplaySummary;
}
