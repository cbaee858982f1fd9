/**
 * libbpf's CO-RE selftest pairs, from Debian's linux-source tarball: only the needed files are
 * extracted (into the Mote cache, keyed by the tarball), each `test_core_reloc_*.c` program and
 * each `btf__core_reloc_*.c` target is compiled the way the kernel selftests do, and the target's
 * `.BTF` section is dumped as a raw BTF file, the form both libbpf and Mote take as a target.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { moteCacheDir } from '../../bundler/btf/index.ts';
import { BpfCompileError, compileBpf } from '../../bundler/build/bpf-compile.ts';
import { buildCacheDir } from '../../bundler/build/content-cache.ts';
import { readCoreRelocCases, type CoreRelocCase } from './core-reloc-cases.ts';

const run = promisify(execFile);
const SELFTESTS = 'tools/testing/selftests/bpf';

export interface SelftestTree {
  progsDir: string;
  coreRelocSource: string;
}

export function findLinuxSourceTarball(): string | undefined {
  const names = existsSync('/usr/src') ? readdirSync('/usr/src').filter((n) => /^linux-source-[\d.]+\.tar\.xz$/.test(n)) : [];
  return names.length === 0 ? undefined : join('/usr/src', names.sort().at(-1)!);
}

export async function extractSelftests(tarball: string): Promise<SelftestTree> {
  const st = statSync(tarball);
  const dir = moteCacheDir('linux-selftests', `${basename(tarball, '.tar.xz')}-${st.size}-${Math.floor(st.mtimeMs)}`);
  const top = basename(tarball, '.tar.xz');
  const root = join(dir, top, SELFTESTS);
  const stamp = join(dir, 'extracted');
  if (!existsSync(stamp)) {
    await run('tar', ['-xJf', tarball, '-C', dir, '--wildcards', `${top}/${SELFTESTS}/progs/*core_reloc*`, `${top}/${SELFTESTS}/prog_tests/core_reloc.c`]);
    writeFileSync(stamp, '');
  }
  return { progsDir: join(root, 'progs'), coreRelocSource: join(root, 'prog_tests', 'core_reloc.c') };
}

export function selftestCases(tree: SelftestTree): Promise<CoreRelocCase[]> {
  return readCoreRelocCases(readFileSync(tree.coreRelocSource, 'utf8'));
}

/** The C source a selftest `.bpf.o` name is built from. */
export function sourceOf(tree: SelftestTree, objectName: string): string {
  return join(tree.progsDir, objectName.replace(/\.bpf\.o$/, '.c'));
}

/** A built selftest file, or why not; `clangMajor` is the clang that was used. */
export type SelftestBuild = { built: true; path: string; clangMajor: number } | { built: false; reason: string; clangMajor: number };

/**
 * The selftests include glibc's <stdint.h>. Under `-target bpf` glibc sees no __x86_64__, takes
 * the word size for 32 and wants gnu/stubs-32.h, which only the i386 libc package ships. That
 * header only lists unimplemented functions, so an empty one stands in for it.
 */
function glibcStubsShimDir(): string {
  const dir = buildCacheDir('glibc-stubs-shim');
  const header = join(dir, 'gnu', 'stubs-32.h');
  if (!existsSync(header)) {
    mkdirSync(join(dir, 'gnu'), { recursive: true });
    writeFileSync(header, '/* Empty: BPF programs call no glibc function. */\n');
  }
  return dir;
}

/** Compiles one selftest file with the kernel selftests' flags (x86, -mcpu=v3) and a clang its guards accept. */
export async function buildSelftestObject(tree: SelftestTree, objectName: string, hostHeaderDir: string): Promise<SelftestBuild> {
  try {
    const object = await compileBpf({
      source: sourceOf(tree, objectName),
      arch: 'x86',
      includeDirs: [tree.progsDir, '/usr/include/x86_64-linux-gnu', glibcStubsShimDir(), hostHeaderDir],
      extraFlags: ['-mcpu=v3', '-Wno-compare-distinct-pointer-types'],
    });
    return { built: true, path: object.path, clangMajor: object.clang.major };
  } catch (err) {
    if (err instanceof BpfCompileError) return { built: false, reason: err.reason, clangMajor: err.clang.major };
    throw err;
  }
}

let tmpCounter = 0;

/** The raw `.BTF` section of a compiled object, next to it (the object path is content-hashed). */
export async function rawBtfOf(objectPath: string): Promise<string> {
  const btfPath = objectPath.replace(/\.o$/, '.btf');
  if (!existsSync(btfPath)) {
    const tmp = `${btfPath}.${process.pid}.${++tmpCounter}.tmp`;
    await run('llvm-objcopy', [`--dump-section=.BTF=${tmp}`, objectPath]);
    renameSync(tmp, btfPath);
  }
  return btfPath;
}
