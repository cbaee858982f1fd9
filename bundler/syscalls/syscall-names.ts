/**
 * Syscall names for readers of telemetry: records carry syscall numbers, which differ between
 * architectures, and the device's status says its machine (`uname -m`). The tables are the
 * ones bundler/build/syscall-tables.ts generates from the kernel headers; a table missing from
 * build/ is generated on first use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { syscallTablePath, writeSyscallTable, type SyscallArch, type SyscallTable } from '../build/syscall-tables.ts';

const tables = new Map<SyscallArch, SyscallTable>();

function table(arch: SyscallArch): SyscallTable {
  let loaded = tables.get(arch);
  if (!loaded) {
    const path = syscallTablePath(arch);
    loaded = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SyscallTable) : writeSyscallTable(arch);
    tables.set(arch, loaded);
  }
  return loaded;
}

/** The syscall table of a machine as `uname -m` names it, or null for machines without one. */
export function syscallArchOf(machine: string): SyscallArch | null {
  if (machine === 'x86_64') return 'x86_64';
  if (/^arm/.test(machine)) return 'arm';
  return null;
}

/** The syscall's name on that architecture, or `syscall_<n>` when it has none (or arch is null). */
export function syscallName(arch: SyscallArch | null, nr: number): string {
  return (arch && table(arch).names[String(nr)]) || `syscall_${nr}`;
}
