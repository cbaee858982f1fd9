/**
 * Builds the built-in BPF modules (agent/modules/<name>/): each `<name>.bpf.c` is compiled for
 * x86_64 (against the host's vmlinux.h) and for armhf (against the board kernel's) by the shared
 * BPF compile and its cache (bpf-compile.ts), then stripped of DWARF with llvm-strip (.BTF and
 * .BTF.ext stay) into build/modules/, named by the compiled object's hash. The armhf objects also get a minimized BTF of the
 * board kernel (`bpftool gen min_core_btf`), for devices whose kernel has no BTF of its own.
 * Finally it writes build/generated/builtin-modules.ts, which the agent imports to get its
 * built-in ModuleSource list: each object and BTF a getter that reads its asset when asked (agent-assets.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { ensureArmhfBtf, ensureHostBtf, type KernelBtf } from '../btf/index.ts';
import { buildDir, repoRoot } from '../paths.ts';
import { BpfCompileError, compileBpf, type BpfObject } from './bpf-compile.ts';
import { hashFile } from './content-cache.ts';
import { MoteError } from '../../agent/src/errors.ts';

const run = promisify(execFile);

export class ModuleBuildError extends MoteError {}

export const MODULES_DIR = join(repoRoot, 'agent', 'modules');
const SHARED_INCLUDE = join(MODULES_DIR, 'include');
const OUT_DIR = join(buildDir, 'modules');
export const GENERATED_MODULES = join(buildDir, 'generated', 'builtin-modules.ts');

type Arch = 'x86_64' | 'armhf';
const CLANG_ARCH: Record<Arch, 'x86' | 'arm'> = { x86_64: 'x86', armhf: 'arm' };

export interface BuiltObject {
  arch: Arch;
  path: string;
  strippedBytes: number;
  unstrippedBytes: number;
}

export interface BuiltModule {
  name: string;
  manifestPath: string;
  objects: BuiltObject[];
  /** Minimized armhf kernel BTF for these objects, keyed by kernel release. */
  btfs: { release: string; path: string }[];
}

/** Module folders: every agent/modules/<name>/ with a manifest.json and a <name>.bpf.c. */
export function moduleNames(): string[] {
  return readdirSync(MODULES_DIR)
    .filter((name) => existsSync(join(MODULES_DIR, name, 'manifest.json')) && existsSync(join(MODULES_DIR, name, `${name}.bpf.c`)))
    .sort();
}

async function tool(step: string, file: string, args: string[], hint: string): Promise<string> {
  try {
    return (await run(file, args, { cwd: repoRoot, maxBuffer: 16 << 20 })).stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? error).trim();
    throw new ModuleBuildError(`${step}: '${file} ${args.join(' ')}' failed:\n${stderr}\n${hint}`);
  }
}

/** Compiles one module source through the shared BPF compile cache, then strips its DWARF into `outDir`. */
async function compileModule(moduleDir: string, outDir: string, name: string, arch: Arch, kernel: KernelBtf): Promise<BuiltObject> {
  const source = join(moduleDir, `${name}.bpf.c`);
  let object: BpfObject;
  try {
    object = await compileBpf({ source, arch: CLANG_ARCH[arch], includeDirs: [join(kernel.headerPath, '..'), SHARED_INCLUDE], extraFlags: ['-Wall', '-Werror'] });
  } catch (error) {
    if (!(error instanceof BpfCompileError)) throw error;
    throw new ModuleBuildError(`compile module '${name}' for ${arch}: clang ${error.clang.major} failed:\n${error.stderr.trim()}\nfix the C error above in ${relative(repoRoot, source)}`);
  }
  const dir = join(outDir, name);
  mkdirSync(dir, { recursive: true });
  const stripped = join(dir, `${name}.${arch}.${hashFile(object.path).slice(0, 16)}.o`);
  if (!existsSync(stripped)) {
    for (const stale of readdirSync(dir).filter((f) => f.startsWith(`${name}.${arch}.`))) rmSync(join(dir, stale), { force: true });
    await tool(`strip module '${name}' for ${arch}`, 'llvm-strip', ['--strip-debug', object.path, '-o', `${stripped}.tmp-${process.pid}`], "install llvm ('apt-get install llvm')");
    renameSync(`${stripped}.tmp-${process.pid}`, stripped);
  }
  return { arch, path: stripped, strippedBytes: statSync(stripped).size, unstrippedBytes: statSync(object.path).size };
}

async function minimizedBtf(name: string, armhf: KernelBtf, object: BuiltObject): Promise<{ release: string; path: string }> {
  const path = object.path.replace(/\.o$/, `.${armhf.release}.btf`);
  if (!existsSync(path)) {
    const tmp = `${path}.tmp-${process.pid}`;
    await tool(`minimize BTF for module '${name}'`, 'bpftool', ['gen', 'min_core_btf', armhf.btfPath, tmp, object.path], "install bpftool 7 or newer ('apt-get install bpftool')");
    renameSync(tmp, path);
  }
  return { release: armhf.release, path };
}

function generatedSource(modules: BuiltModule[]): string {
  const from = join(GENERATED_MODULES, '..');
  const spec = (path: string) => JSON.stringify(relative(from, path));
  const imports: string[] = [];
  const entries = modules.map((module, m) => {
    const objects = module.objects.map((o, i) => {
      imports.push(`import object${m}_${i} from ${spec(o.path)};`);
      return `get ${o.arch}() { return object${m}_${i}?.(); }`;
    });
    const btfs = module.btfs.map((b, i) => {
      imports.push(`import btf${m}_${i} from ${spec(b.path)};`);
      return `get ${JSON.stringify(b.release)}() { return btf${m}_${i}?.(); }`;
    });
    const manifest = readFileSync(module.manifestPath, 'utf8');
    const version = String((JSON.parse(manifest) as { version?: unknown }).version ?? '0');
    return `  { name: ${JSON.stringify(module.name)}, version: ${JSON.stringify(version)}, objects: { ${objects.join(', ')} }, btfs: { ${btfs.join(', ')} }, manifest: ${JSON.stringify(manifest)} },`;
  });
  return [
    '// Generated by bundler/build/modules.ts from agent/modules/: do not edit.',
    "import type { ModuleSource } from '../../agent/src/lifecycle/module-types.ts';",
    ...imports,
    '',
    'export const builtinModules: ModuleSource[] = [',
    ...entries,
    '];',
    '',
  ].join('\n');
}

type Targets = Record<Arch, KernelBtf>;

async function targets(): Promise<Targets> {
  return { x86_64: await ensureHostBtf(), armhf: await ensureArmhfBtf() };
}

/**
 * Compiles one module folder (`<name>.bpf.c` and `manifest.json`) for both architectures, with
 * its minimized armhf BTF, caching under `outDir`. Also for folders outside agent/modules/
 * (`mote pack`), which use their own `outDir` so they never evict the built-ins' cache.
 */
export async function buildModuleAt(moduleDir: string, outDir: string, log: (line: string) => void = console.log, given?: Targets): Promise<BuiltModule> {
  const kernels = given ?? (await targets());
  const name = basename(moduleDir);
  const objects = await Promise.all((['x86_64', 'armhf'] as const).map((arch) => compileModule(moduleDir, outDir, name, arch, kernels[arch])));
  const armObject = objects.find((o) => o.arch === 'armhf') as BuiltObject;
  const btfs = [await minimizedBtf(name, kernels.armhf, armObject)];
  const sizes = objects.map((o) => `${o.arch} ${o.strippedBytes} B (unstripped ${o.unstrippedBytes} B)`).join(', ');
  log(`[build] module ${name}: ${sizes}; armhf BTF ${statSync(btfs[0].path).size} B (${basename(btfs[0].path)})`);
  return { name, manifestPath: join(moduleDir, 'manifest.json'), objects, btfs };
}

/** Compiles, strips and caches every module for both architectures; writes the generated TS. */
export async function buildModules(log: (line: string) => void = console.log): Promise<BuiltModule[]> {
  const given = await targets();
  const modules: BuiltModule[] = [];
  for (const name of moduleNames()) modules.push(await buildModuleAt(join(MODULES_DIR, name), OUT_DIR, log, given));
  mkdirSync(join(GENERATED_MODULES, '..'), { recursive: true });
  const text = generatedSource(modules);
  if (!existsSync(GENERATED_MODULES) || readFileSync(GENERATED_MODULES, 'utf8') !== text) writeFileSync(GENERATED_MODULES, text);
  return modules;
}
