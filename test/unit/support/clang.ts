/**
 * BPF C snippets and C-declared target BTFs for unit tests. Snippets go through the tests' one
 * BPF compile and cache (bundler/build/bpf-compile.ts): each is written to the cache under a name
 * hashed from its text, then compiled like any fixture. `vmlinux.h` comes from the host's
 * /sys/kernel/btf/vmlinux through bpftool, and target BTFs through pahole, in the same cache.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileBpfSync } from '../../../bundler/build/bpf-compile.ts';
import { buildCacheDir, hashStrings } from '../../../bundler/build/content-cache.ts';
import { clangFor } from '../../../bundler/build/clang.ts';

const HOST_VMLINUX = '/sys/kernel/btf/vmlinux';

function writeAtomically(path: string, data: Uint8Array | string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

/** The directory holding a `vmlinux.h` generated from the host kernel's BTF. */
export function hostVmlinuxHeaderDir(): string {
  const key = hashStrings(readFileSync(HOST_VMLINUX).toString('latin1'));
  const dir = buildCacheDir('unit', `vmlinux-${key}`);
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

/** Compiles `source` (cached) and returns the object's path. */
export function compiledObjectPath(source: string, options: CompileOptions = {}): string {
  const input = join(buildCacheDir('unit', 'snippets'), `${hashStrings(source)}.bpf.c`);
  if (!existsSync(input)) writeAtomically(input, source);
  const includeDirs = ['/usr/include/x86_64-linux-gnu', ...(options.vmlinux ? [hostVmlinuxHeaderDir()] : [])];
  const extraFlags = ['-Wno-unused-value', '-Wno-pointer-sign', '-Wno-compare-distinct-pointer-types', ...(options.flags ?? [])];
  return compileBpfSync({ source: input, includeDirs, extraFlags }).path;
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
 * 32-bit layout of an armhf kernel) and converted with `pahole --btf_encode_detached` (floats
 * as FLOAT, not as INT).
 * Returns the path of the cached raw BTF file.
 */
export function targetBtfFromC(source: string, arch: 'arm' | 'x86_64'): string {
  const clang = clangFor();
  const triple = arch === 'arm' ? 'armv7a-linux-gnueabihf' : 'x86_64-linux-gnu';
  const paholeFlags = ['--btf_gen_floats', '--btf_encode_detached'];
  const key = hashStrings('target-btf', clang.versionLine, triple, ...paholeFlags, source);
  const dir = buildCacheDir('unit', 'target-btf');
  const btf = join(dir, `${key}.${arch}.btf`);
  if (!existsSync(btf)) {
    const input = join(dir, `${key}.target.c`);
    const object = join(dir, `${key}.${process.pid}.target.o`);
    writeFileSync(input, source);
    execFileSync(clang.binary, ['-g', '-c', '-target', triple, input, '-o', object], { stdio: ['ignore', 'ignore', 'pipe'] });
    const temp = `${btf}.${process.pid}.tmp`;
    execFileSync('pahole', [...paholeFlags, temp, object], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(temp, btf);
  }
  return btf;
}
