/**
 * The syscall tables generated from the kernel headers agree with the C libraries' own lists,
 * as their compilers evaluate them: glibc's <sys/syscall.h> with the host gcc for x86_64, and
 * musl's armhf <sys/syscall.h> (its own copy of the numbers) with arm-linux-gnueabihf-gcc for ARM
 * EABI, ARM private calls (`__ARM_NR_*`) included. Each number is read back from the assembly
 * the compiler writes for `const int nr_<name> = SYS_<name>;`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSyscallHeaders, SyscallTableError, syscallTableFromHeaders, type SyscallArch } from '../../../bundler/build/syscall-tables.ts';
import { syscallArchOf, syscallName } from '../../../bundler/syscalls/syscall-names.ts';

const COMPILERS: Record<SyscallArch, string[]> = {
  x86_64: ['gcc'],
  arm: ['arm-linux-gnueabihf-gcc', '-nostdinc', '-isystem', '/usr/include/arm-linux-musleabihf'],
};

/** Numbers by name as the C library defines them (SYS_<name>, else __ARM_NR_<name>). */
function compilerNumbers(arch: SyscallArch, names: string[]): Map<string, number> {
  const lines = ['#include <sys/syscall.h>'];
  for (const name of names) {
    lines.push(`#if defined(SYS_${name})`, `const int nr_${name} = SYS_${name};`, `#elif defined(__ARM_NR_${name})`, `const int nr_${name} = __ARM_NR_${name};`, '#endif');
  }
  const source = join(mkdtempSync(join(tmpdir(), 'mote-syscalls-')), 'numbers.c');
  writeFileSync(source, `${lines.join('\n')}\n`);
  const [compiler, ...flags] = COMPILERS[arch];
  const assembly = execFileSync(compiler!, [...flags, '-S', '-o', '-', source], { encoding: 'utf8' });
  const numbers = new Map<string, number>();
  // A zero goes to .bss as `.zero 4` (x86_64) or `.space 4` (arm).
  for (const match of assembly.matchAll(/^nr_(\w+):\s*\n\s*\.(?:(?:long|word)\s+(\d+)|zero\s+4|space\s+4)\s*$/gm)) numbers.set(match[1]!, Number(match[2] ?? 0));
  return numbers;
}

describe.each<SyscallArch>(['x86_64', 'arm'])('the %s syscall table', (arch) => {
  const table = syscallTableFromHeaders(arch);
  const numberOf = new Map(Object.entries(table.names).map(([nr, name]) => [name, Number(nr)]));

  it("agrees with the C library's numbers, name by name", () => {
    const oracle = compilerNumbers(arch, [...numberOf.keys()]);
    expect(oracle.size).toBeGreaterThan(300);
    expect([...oracle].filter(([name, nr]) => numberOf.get(name) !== nr)).toEqual([]);
  });

  it('names the calls a process makes every second', () => {
    const everySecond = arch === 'arm' ? ['read', 'getppid', 'clock_gettime64', 'set_tls'] : ['read', 'getppid', 'clock_gettime'];
    const oracle = compilerNumbers(arch, everySecond);
    expect(everySecond.map((name) => syscallName(arch, oracle.get(name)!))).toEqual(everySecond);
  });
});

describe('syscall names', () => {
  it('map uname machines to tables, and unknown numbers or machines to syscall_<n>', () => {
    expect([syscallArchOf('x86_64'), syscallArchOf('armv7l'), syscallArchOf('aarch64')]).toEqual(['x86_64', 'arm', null]);
    expect(syscallName('arm', 9999)).toBe('syscall_9999');
    expect(syscallName(null, 64)).toBe('syscall_64');
  });

  it('evaluate bases, hex offsets and aliases, and refuse what they cannot evaluate', () => {
    const headers = ['#define __NR_SYSCALL_BASE 0x900000\n#define __NR_exit (__NR_SYSCALL_BASE + 1)\n#define __NR_a_range (__NR_SYSCALL_BASE+ 341)', '#define __NR_range2\t__NR_a_range\n#define __ARM_NR_BASE (__NR_SYSCALL_BASE+0x0f0000)\n#define __ARM_NR_set_tls (__ARM_NR_BASE+5)'];
    expect(parseSyscallHeaders(headers, { __NR_SYSCALL_BASE: 0 })).toEqual({ 1: 'exit', 341: 'a_range', 983045: 'set_tls' });
    expect(() => parseSyscallHeaders(['#define __NR_odd (1 << 3)'])).toThrow(SyscallTableError);
  });
});
