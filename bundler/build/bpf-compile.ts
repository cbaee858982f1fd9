/**
 * Compiles BPF C with clang and caches the object: the one BPF compile and cache of the module
 * build, the tests (conformance, kernel and unit snippets alike) and the benchmarks. The cache works like ccache's direct
 * mode: a first key hashes the source, the flags and the clang version; its manifest lists every
 * header clang read (from `-MD`), and the object is reused only while all of those files still
 * hash the same. So editing a fixture, a header, vmlinux.h or upgrading clang rebuilds. Which
 * clang builds a source is decided by clang.ts, from what the source says it needs.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { clangForSource, type Clang } from './clang.ts';
import { buildCacheDir, hashFile, hashStrings } from './content-cache.ts';

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
  /** The clang that built it. */
  clang: Clang;
}

/** clang refused the source; `reason` is the first error line, for a visible skip. */
export class BpfCompileError extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
    readonly stderr: string,
    readonly clang: Clang,
  ) {
    super(`clang ${clang.major} cannot build ${source}: ${reason}`);
  }
}

interface Manifest {
  deps: string[];
  depsHash: string;
}

/** One compile, planned: the clang, its arguments and where the results go. */
interface CompilePlan {
  req: BpfCompileRequest;
  clang: Clang;
  args: string[];
  key: string;
  manifestPath: string;
  stem: string;
  dir: string;
  tmpObject: string;
  depFile: string;
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

function planCompile(req: BpfCompileRequest): CompilePlan {
  const clang = clangForSource(req.source);
  const flags = compileFlags(req);
  const key = hashStrings(clang.versionLine, req.source, hashFile(req.source), ...flags);
  const dir = buildCacheDir('bpf');
  const stem = basename(req.source).replace(/\.c$/, '');
  const tmpObject = join(dir, `${stem}.${key}.${process.pid}.tmp.o`);
  const depFile = `${tmpObject}.d`;
  const args = [...flags, '-MD', '-MF', depFile, '-c', req.source, '-o', tmpObject];
  return { req, clang, args, key, manifestPath: join(dir, `${stem}.${key}.json`), stem, dir, tmpObject, depFile };
}

function cached(plan: CompilePlan): BpfObject | undefined {
  if (!existsSync(plan.manifestPath)) return undefined;
  const manifest = JSON.parse(readFileSync(plan.manifestPath, 'utf8')) as Manifest;
  const objectPath = join(plan.dir, `${plan.stem}.${plan.key}.${manifest.depsHash}.o`);
  if (hashDeps(manifest.deps) !== manifest.depsHash || !existsSync(objectPath)) return undefined;
  return { path: objectPath, fromCache: true, clang: plan.clang };
}

function compileFailure(plan: CompilePlan, err: unknown): BpfCompileError {
  const stderr = String((err as { stderr?: string | Buffer }).stderr ?? err);
  const reason = stderr.split('\n').find((l) => /error/.test(l))?.trim() ?? stderr.trim().split('\n')[0] ?? 'unknown error';
  rmSync(plan.depFile, { force: true });
  return new BpfCompileError(plan.req.source, reason, stderr, plan.clang);
}

/** Moves a fresh object into the cache under its dependency hash and records the manifest. */
function publish(plan: CompilePlan): BpfObject {
  const deps = parseDepFile(readFileSync(plan.depFile, 'utf8'));
  rmSync(plan.depFile, { force: true });
  const depsHash = hashDeps(deps);
  if (depsHash === undefined) throw new Error(`a header of ${plan.req.source} vanished while compiling it`);
  const objectPath = join(plan.dir, `${plan.stem}.${plan.key}.${depsHash}.o`);
  renameSync(plan.tmpObject, objectPath);
  writeFileSync(plan.manifestPath, JSON.stringify({ deps, depsHash } satisfies Manifest));
  return { path: objectPath, fromCache: false, clang: plan.clang };
}

/** Compiles in flight, so concurrent requests for the same object share one clang run. */
const inFlight = new Map<string, Promise<BpfObject>>();

export async function compileBpf(req: BpfCompileRequest): Promise<BpfObject> {
  const plan = planCompile(req);
  let pending = inFlight.get(plan.key);
  if (!pending) {
    pending = compileOrReuse(plan).finally(() => inFlight.delete(plan.key));
    inFlight.set(plan.key, pending);
  }
  return pending;
}

async function compileOrReuse(plan: CompilePlan): Promise<BpfObject> {
  const hit = cached(plan);
  if (hit) return hit;
  try {
    await run(plan.clang.binary, plan.args, { maxBuffer: 16 << 20 });
  } catch (err) {
    throw compileFailure(plan, err);
  }
  return publish(plan);
}

/** compileBpf for callers that cannot await (unit tests compiling at module load). */
export function compileBpfSync(req: BpfCompileRequest): BpfObject {
  const plan = planCompile(req);
  const hit = cached(plan);
  if (hit) return hit;
  try {
    execFileSync(plan.clang.binary, plan.args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 16 << 20 });
  } catch (err) {
    throw compileFailure(plan, err);
  }
  return publish(plan);
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
