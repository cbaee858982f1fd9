/**
 * Compiles small BPF C snippets for unit tests with `clang -O2 -g -target bpf`, caching the
 * objects under build/unit-cache keyed by a hash of the source, flags and compiler version.
 * `vmlinux.h` comes from the host's /sys/kernel/btf/vmlinux through bpftool, cached the same way.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const CACHE = resolve(import.meta.dirname, '../../../build/unit-cache');
const HOST_VMLINUX = '/sys/kernel/btf/vmlinux';

let clangVersion: string | undefined;

function cacheDir(): string {
  mkdirSync(CACHE, { recursive: true });
  return CACHE;
}

function writeAtomically(path: string, data: Uint8Array | string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

/** The directory holding a `vmlinux.h` generated from the host kernel's BTF. */
export function hostVmlinuxHeaderDir(): string {
  const btf = readFileSync(HOST_VMLINUX);
  const key = createHash('sha256').update(btf).digest('hex').slice(0, 16);
  const dir = join(cacheDir(), `vmlinux-${key}`);
  const header = join(dir, 'vmlinux.h');
  if (!existsSync(header)) {
    mkdirSync(dir, { recursive: true });
    const text = execFileSync('bpftool', ['btf', 'dump', 'file', HOST_VMLINUX, 'format', 'c'], { maxBuffer: 512 * 1024 * 1024 });
    writeAtomically(header, text);
  }
  return dir;
}

export interface CompileOptions {
  /** Extra clang flags, e.g. ['-D__TARGET_ARCH_arm']. */
  flags?: string[];
  /** Add the host vmlinux.h to the include path. */
  vmlinux?: boolean;
}

function objectPlan(source: string, options: CompileOptions): { flags: string[]; object: string; key: string } {
  clangVersion ??= execFileSync('clang', ['--version']).toString().split('\n')[0]!;
  const flags = ['-O2', '-g', '-target', 'bpf', '-I', '/usr/include/x86_64-linux-gnu', '-Wno-unused-value', '-Wno-pointer-sign', '-Wno-compare-distinct-pointer-types', ...(options.flags ?? [])];
  if (options.vmlinux) flags.push('-I', hostVmlinuxHeaderDir());
  const key = createHash('sha256').update(JSON.stringify([clangVersion, flags, source])).digest('hex').slice(0, 24);
  return { flags, key, object: join(cacheDir(), `${key}.bpf.o`) };
}

/** Compiles `source` (cached) and returns the object's path. */
export function compiledObjectPath(source: string, options: CompileOptions = {}): string {
  const { flags, key, object } = objectPlan(source, options);
  if (!existsSync(object)) {
    const input = join(cacheDir(), `${key}.bpf.c`);
    writeFileSync(input, source);
    const temp = `${object}.${process.pid}.tmp`;
    execFileSync('clang', [...flags, '-c', input, '-o', temp], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(temp, object);
  }
  return object;
}

/** Compiles `source` (cached) and returns the object's bytes. */
export function compileBpf(source: string, options: CompileOptions = {}): Uint8Array {
  return new Uint8Array(readFileSync(compiledObjectPath(source, options)));
}

/** The host kernel's BTF, for relocating against a real target. */
export function hostKernelBtf(): Uint8Array {
  return new Uint8Array(readFileSync(HOST_VMLINUX));
}

/**
 * A target BTF made from C declarations: compiled with debug info for `arch` (armv7 gives the
 * 32-bit layout of an armhf kernel) and converted with `pahole --btf_encode_detached`.
 * Returns the path of the cached raw BTF file.
 */
export function targetBtfFromC(source: string, arch: 'arm' | 'x86_64'): string {
  const triple = arch === 'arm' ? 'armv7a-linux-gnueabihf' : 'x86_64-linux-gnu';
  const key = createHash('sha256').update(JSON.stringify(['target-btf', triple, source])).digest('hex').slice(0, 24);
  const btf = join(cacheDir(), `${key}.${arch}.btf`);
  if (!existsSync(btf)) {
    const input = join(cacheDir(), `${key}.target.c`);
    const object = join(cacheDir(), `${key}.target.o`);
    writeFileSync(input, source);
    execFileSync('clang', ['-g', '-c', '-target', triple, input, '-o', object], { stdio: ['ignore', 'ignore', 'pipe'] });
    const temp = `${btf}.${process.pid}.tmp`;
    execFileSync('pahole', ['--btf_encode_detached', temp, object], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(temp, btf);
  }
  return btf;
}

