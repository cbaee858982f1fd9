/**
 * The main of a bundled fuzz target (see prepare.ts), in its own process:
 * - `fuzz <libFuzzer flags> <corpus dirs>`: libFuzzer drives the target; after each input the
 *   istanbul counters of the instrumented code are moved into libFuzzer's 8-bit counters;
 * - `replay <files or dirs>`: every input once, then one JSON line on stdout: how many inputs,
 *   their outcomes, and the statements and branches they covered, per instrumented file.
 * A target returns its outcome (a label) or throws, which is a finding.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export type FuzzFunction = (data: Uint8Array) => string;

interface FileCoverage {
  s: Record<string, number>;
  b: Record<string, number[]>;
  f: Record<string, number>;
}

export interface FileSummary {
  file: string;
  statements: [covered: number, total: number];
  branches: [covered: number, total: number];
}

export interface ReplaySummary {
  target: string;
  inputs: number;
  outcomes: Record<string, number>;
  files: FileSummary[];
}

function coverage(): Record<string, FileCoverage> {
  return ((globalThis as Record<string, unknown>).__coverage__ ?? {}) as Record<string, FileCoverage>;
}

/** Every istanbul counter as (holder, key), in a fixed order: one libFuzzer counter each. */
function counterSlots(): Array<[Record<string | number, number>, string | number]> {
  const slots: Array<[Record<string | number, number>, string | number]> = [];
  for (const file of Object.values(coverage())) {
    for (const key of Object.keys(file.s)) slots.push([file.s, key]);
    for (const key of Object.keys(file.f)) slots.push([file.f, key]);
    for (const arms of Object.values(file.b)) arms.forEach((_, i) => slots.push([arms as unknown as Record<number, number>, i]));
  }
  return slots;
}

function inputFiles(paths: string[]): string[] {
  return paths.flatMap((path) => (statSync(path).isDirectory() ? readdirSync(path).sort().map((name) => join(path, name)) : [path]));
}

function summarize(): FileSummary[] {
  return Object.entries(coverage()).map(([file, c]) => {
    const statements = Object.values(c.s);
    const arms = Object.values(c.b).flat();
    return {
      file,
      statements: [statements.filter((n) => n > 0).length, statements.length],
      branches: [arms.filter((n) => n > 0).length, arms.length],
    };
  });
}

export function main(target: string, fuzz: FuzzFunction): void {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'replay') {
    const outcomes: Record<string, number> = {};
    const files = inputFiles(args);
    for (const path of files) {
      let outcome: string;
      try {
        outcome = fuzz(new Uint8Array(readFileSync(path)));
      } catch (error) {
        process.stderr.write(`${target}: ${path}: ${(error as Error).stack ?? String(error)}\n`);
        process.exit(1);
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    const summary: ReplaySummary = { target, inputs: files.length, outcomes, files: summarize() };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  if (mode !== 'fuzz') throw new Error(`usage: node <bundle> fuzz <libFuzzer flags> <corpus dirs> | replay <inputs>`);
  const slots = counterSlots();
  const counters = Buffer.alloc(slots.length);
  const binding = createRequire(__filename)(process.env.MOTE_FUZZ_BINDING!) as { run(fuzz: (data: Buffer) => void, counters: Buffer, args: string[]): number };
  binding.run(
    (data) => {
      try {
        fuzz(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      } finally {
        for (let i = 0; i < slots.length; i++) {
          const [holder, key] = slots[i]!;
          const n = holder[key]!;
          if (n !== 0) {
            counters[i] = n > 255 ? 255 : n;
            holder[key] = 0;
          }
        }
      }
    },
    counters,
    args,
  );
}
