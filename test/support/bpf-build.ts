/**
 * Compiles BPF C with clang at test time and caches the object. The cache works like ccache's
 * direct mode: a first key hashes the source, the flags and the clang version; its manifest lists
 * every header clang read (from `-MD`), and the object is reused only while all of those files
 * still hash the same. So editing a fixture, a header, vmlinux.h or upgrading clang rebuilds.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { hashFile, hashStrings, testCacheDir } from './bpf-cache.ts';

const run = promisify(execFile);

export interface BpfCompileRequest {
  source: string;
  /** Value of -D__TARGET_ARCH_<arch>, or undefined for arch-neutral code. */
  arch?: 'x86' | 'arm';
  includeDirs: string[];
  extraFlags?: string[];
}

export interface BpfObject {
  path: string;
  fromCache: boolean;
}

/** clang refused the source; `reason` is the first error line, for a visible skip. */
export class BpfCompileError extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
    readonly stderr: string,
  ) {
    super(`clang cannot build ${source}: ${reason}`);
  }
}

interface Manifest {
  deps: string[];
  depsHash: string;
}

let clangVersion: Promise<string> | undefined;

export function clangVersionLine(): Promise<string> {
  clangVersion ??= run('clang', ['--version']).then((r) => r.stdout.split('\n')[0] ?? 'unknown clang');
  return clangVersion;
}

export async function clangMajor(): Promise<number> {
  return Number(/version (\d+)/.exec(await clangVersionLine())?.[1] ?? 0);
}

function compileFlags(req: BpfCompileRequest): string[] {
  const arch = req.arch === undefined ? [] : [`-D__TARGET_ARCH_${req.arch}`];
  return ['-O2', '-g', '-target', 'bpf', '-Werror=implicit-function-declaration', ...arch, ...req.includeDirs.map((d) => `-I${d}`), ...(req.extraFlags ?? [])];
}

function hashDeps(deps: string[]): string | undefined {
  try {
    return hashStrings(...deps.map((d) => `${d}=${hashFile(d)}`));
  } catch {
    return undefined; // a dependency disappeared: rebuild
  }
}

/** Compiles in flight, so concurrent requests for the same object share one clang run. */
const inFlight = new Map<string, Promise<BpfObject>>();

export async function compileBpf(req: BpfCompileRequest): Promise<BpfObject> {
  const flags = compileFlags(req);
  const key = hashStrings(await clangVersionLine(), req.source, hashFile(req.source), ...flags);
  let pending = inFlight.get(key);
  if (!pending) {
    pending = compileOrReuse(req, flags, key).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function compileOrReuse(req: BpfCompileRequest, flags: string[], key: string): Promise<BpfObject> {
  const dir = testCacheDir('bpf');
  const stem = basename(req.source).replace(/\.c$/, '');
  const manifestPath = join(dir, `${stem}.${key}.json`);
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    const objectPath = join(dir, `${stem}.${key}.${manifest.depsHash}.o`);
    if (hashDeps(manifest.deps) === manifest.depsHash && existsSync(objectPath)) return { path: objectPath, fromCache: true };
  }
  const tmpObject = join(dir, `${stem}.${key}.${process.pid}.tmp.o`);
  const depFile = `${tmpObject}.d`;
  try {
    await run('clang', [...flags, '-MD', '-MF', depFile, '-c', req.source, '-o', tmpObject], { maxBuffer: 16 << 20 });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? err);
    const reason = stderr.split('\n').find((l) => /error/.test(l))?.trim() ?? stderr.trim().split('\n')[0] ?? 'unknown error';
    rmSync(depFile, { force: true });
    throw new BpfCompileError(req.source, reason, stderr);
  }
  const deps = parseDepFile(readFileSync(depFile, 'utf8'));
  rmSync(depFile, { force: true });
  const depsHash = hashDeps(deps);
  if (depsHash === undefined) throw new Error(`a header of ${req.source} vanished while compiling it`);
  const objectPath = join(dir, `${stem}.${key}.${depsHash}.o`);
  renameSync(tmpObject, objectPath);
  writeFileSync(manifestPath, JSON.stringify({ deps, depsHash } satisfies Manifest));
  return { path: objectPath, fromCache: false };
}

/** The prerequisites of a make-style dependency file (`obj: a.c b.h \` ...). */
function parseDepFile(text: string): string[] {
  const body = text.replace(/\\\n/g, ' ');
  const colon = body.indexOf(': ');
  return body
    .slice(colon + 2)
    .split(/\s+/)
    .filter((p) => p.length > 0);
}

/** Runs `tasks` with at most `limit` in flight (the machine has few cores). */
export async function inBatches<T>(tasks: (() => Promise<T>)[], limit = 2): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
