/**
 * The one place a clang is picked, for the module build, the tests and the benchmarks alike. Debian 12 ships clang 14 as `clang` and clang 19 as
 * `clang-19`; some sources need the newer one (type_matches, 64-bit enumerators and the
 * type-based selftests are compiled out or refused below clang 15). A source states what it needs
 * either as a `requires: clang >= N` comment (our fixtures) or as an `#if ... __clang_major__ >= N`
 * guard (libbpf's selftests); it is built with `clang` when that is new enough, else with the
 * oldest `clang-NN` that is.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface Clang {
  /** The executable, e.g. `clang` or `/usr/bin/clang-19`. */
  binary: string;
  major: number;
  /** The first line of `--version`, part of every cache key. */
  versionLine: string;
}

function probe(binary: string): Clang {
  const versionLine = execFileSync(binary, ['--version']).toString().split('\n')[0] ?? 'unknown clang';
  return { binary, major: Number(/version (\d+)/.exec(versionLine)?.[1] ?? 0), versionLine };
}

let installed: { default: Clang; versioned: Clang[] } | undefined;

function installedClangs(): { default: Clang; versioned: Clang[] } {
  installed ??= {
    default: probe('clang'),
    versioned: (existsSync('/usr/bin') ? readdirSync('/usr/bin') : [])
      .filter((name) => /^clang-\d+$/.test(name))
      .map((name) => probe(`/usr/bin/${name}`))
      .sort((a, b) => a.major - b.major),
  };
  return installed;
}

/** The clang to build with when a source needs at least `minMajor` (the default clang if none qualifies). */
export function clangFor(minMajor = 0): Clang {
  const { default: plain, versioned } = installedClangs();
  if (plain.major >= minMajor) return plain;
  return versioned.find((c) => c.major >= minMajor) ?? plain;
}

/** The clang major version a C source asks for, from either convention above. */
export function requiredClangMajor(sourcePath: string): number | undefined {
  const text = readFileSync(sourcePath, 'utf8');
  const declared = /requires: clang >= (\d+)/.exec(text) ?? /^#if.*__clang_major__\s*>=\s*(\d+)/m.exec(text);
  return declared ? Number(declared[1]) : undefined;
}

/** The clang a C source file is built with. */
export function clangForSource(sourcePath: string): Clang {
  return clangFor(requiredClangMajor(sourcePath));
}
