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

/** Compiles `source` and returns the object's bytes. */
export function compileBpf(source: string, options: CompileOptions = {}): Uint8Array {
  clangVersion ??= execFileSync('clang', ['--version']).toString().split('\n')[0]!;
  const flags = ['-O2', '-g', '-target', 'bpf', '-I', '/usr/include/x86_64-linux-gnu', '-Wno-unused-value', '-Wno-pointer-sign', '-Wno-compare-distinct-pointer-types', ...(options.flags ?? [])];
  if (options.vmlinux) flags.push('-I', hostVmlinuxHeaderDir());
  const key = createHash('sha256').update(JSON.stringify([clangVersion, flags, source])).digest('hex').slice(0, 24);
  const object = join(cacheDir(), `${key}.bpf.o`);
  if (!existsSync(object)) {
    const input = join(cacheDir(), `${key}.bpf.c`);
    writeFileSync(input, source);
    const temp = `${object}.${process.pid}.tmp`;
    execFileSync('clang', [...flags, '-c', input, '-o', temp], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(temp, object);
  }
  return new Uint8Array(readFileSync(object));
}

/** The host kernel's BTF, for relocating against a real target. */
export function hostKernelBtf(): Uint8Array {
  return new Uint8Array(readFileSync(HOST_VMLINUX));
}
