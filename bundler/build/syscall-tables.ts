/**
 * Syscall number → name tables, one per architecture, generated from the kernel uapi headers
 * Debian ships for each target: x86_64's `asm/unistd_64.h` (linux-libc-dev) and 32-bit ARM
 * EABI's `asm/unistd-eabi.h` plus the ARM private calls of `asm/unistd.h`
 * (linux-libc-dev-armhf-cross). Written to build/syscalls/<arch>.json.
 *
 * Each `#define __NR_<name> <expr>` (and `__ARM_NR_<name>`) is evaluated, where <expr> is a
 * number, another macro, or a parenthesized sum of those (`(__NR_SYSCALL_BASE + 3)`).
 * When two names share a number (`__NR_sync_file_range2` aliases `__NR_arm_sync_file_range`),
 * the first one defined keeps it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir } from '../paths.ts';
import { MoteError } from '../../agent/src/errors.ts';

export class SyscallTableError extends MoteError {}

export type SyscallArch = 'x86_64' | 'arm';

export const SYSCALL_ARCHES: SyscallArch[] = ['x86_64', 'arm'];

/** Syscall names by number, and the headers they came from. */
export interface SyscallTable {
  arch: SyscallArch;
  headers: string[];
  names: Record<string, string>;
}

interface HeaderSource {
  debianPackage: string;
  /** Read in order; definitions from earlier files are visible in later ones. */
  headers: string[];
  /** Macros the headers take from the compiler's configuration. */
  predefined: Record<string, number>;
}

const ARM_INCLUDE = '/usr/arm-linux-gnueabihf/include/asm';

const SOURCES: Record<SyscallArch, HeaderSource> = {
  x86_64: { debianPackage: 'linux-libc-dev', headers: ['/usr/include/x86_64-linux-gnu/asm/unistd_64.h'], predefined: {} },
  arm: {
    debianPackage: 'linux-libc-dev-armhf-cross',
    headers: [join(ARM_INCLUDE, 'unistd-eabi.h'), join(ARM_INCLUDE, 'unistd.h')],
    // asm/unistd.h sets the base to 0 for EABI (and Thumb); 0x900000 is the old ABI's.
    predefined: { __NR_SYSCALL_BASE: 0 },
  },
};

export const SYSCALL_TABLE_DIR = join(buildDir, 'syscalls');

export function syscallTablePath(arch: SyscallArch): string {
  return join(SYSCALL_TABLE_DIR, `${arch}.json`);
}

const DEFINE = /^\s*#\s*define\s+(\w+)\s+(.+?)\s*(?:\/\*.*)?$/;
const SYSCALL_MACRO = /^__(?:ARM_)?NR_(\w+)$/;

/** The value of a macro body: a number, a macro, or a parenthesized sum of those; null if not. */
function evaluate(expression: string, macros: Map<string, string>, known: Record<string, number>, depth = 0): number | null {
  const terms = expression.replace(/^\((.*)\)$/, '$1').split('+').map((term) => term.trim());
  let sum = 0;
  for (const term of terms) {
    if (/^(0x[0-9a-f]+|\d+)$/i.test(term)) sum += Number(term);
    else if (term in known) sum += known[term]!;
    else if (macros.has(term) && depth < 8) {
      const value = evaluate(macros.get(term)!, macros, known, depth + 1);
      if (value === null) return null;
      sum += value;
    } else return null;
  }
  return sum;
}

/** Names by number from the text of the headers, in the order given. */
export function parseSyscallHeaders(texts: string[], predefined: Record<string, number> = {}): Record<string, string> {
  const macros = new Map<string, string>();
  const order: string[] = [];
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const match = DEFINE.exec(line);
      if (!match || macros.has(match[1]!) || match[1]! in predefined) continue;
      macros.set(match[1]!, match[2]!);
      order.push(match[1]!);
    }
  }
  const names: Record<string, string> = {};
  for (const macro of order) {
    const name = SYSCALL_MACRO.exec(macro)?.[1];
    if (name === undefined || name === 'BASE' || name === 'SYSCALL_BASE' || name === 'OABI_SYSCALL_BASE' || name === 'SYSCALL_MASK') continue;
    const number = evaluate(macros.get(macro)!, macros, predefined);
    if (number === null) throw new SyscallTableError(`cannot evaluate '#define ${macro} ${macros.get(macro)}': not a number, macro or sum of those`);
    names[String(number)] ??= name;
  }
  return names;
}

/** Reads one architecture's headers; says which Debian package to install when they are missing. */
export function syscallTableFromHeaders(arch: SyscallArch): SyscallTable {
  const source = SOURCES[arch];
  const missing = source.headers.filter((header) => !existsSync(header));
  if (missing.length > 0) {
    throw new SyscallTableError(`${missing.join(', ')} not found: the ${arch} syscall names come from Debian's ${source.debianPackage}; run 'apt-get install ${source.debianPackage}' (or bundler/bootstrap.sh)`);
  }
  const names = parseSyscallHeaders(source.headers.map((header) => readFileSync(header, 'utf8')), source.predefined);
  if (Object.keys(names).length < 100) throw new SyscallTableError(`${source.headers.join(', ')}: only ${Object.keys(names).length} syscalls found; is ${source.debianPackage} intact? reinstall it`);
  return { arch, headers: source.headers, names };
}

/** Writes build/syscalls/<arch>.json (atomically) and returns the table. */
export function writeSyscallTable(arch: SyscallArch): SyscallTable {
  const table = syscallTableFromHeaders(arch);
  mkdirSync(SYSCALL_TABLE_DIR, { recursive: true });
  const path = syscallTablePath(arch);
  writeFileSync(`${path}.new`, `${JSON.stringify(table, null, 1)}\n`);
  renameSync(`${path}.new`, path);
  return table;
}

/** Both tables, for the build. */
export function writeSyscallTables(log: (line: string) => void = console.log): void {
  for (const arch of SYSCALL_ARCHES) {
    const table = writeSyscallTable(arch);
    log(`[build] ${syscallTablePath(arch)}: ${Object.keys(table.names).length} ${arch} syscall names from ${table.headers.join(', ')}`);
  }
}
