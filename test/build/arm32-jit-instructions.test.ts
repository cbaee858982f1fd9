/**
 * Every built-in module's armhf object uses only instructions the 32-bit ARM JIT compiles on
 * every kernel Mote supports. Up to Linux 6.1 at least, it has no 64-bit division or modulo, no atomic
 * instructions and no bpf-to-bpf calls; a program with one runs in the interpreter at best, and
 * Debian 12's 6.1 refuses to load it with ENOTSUPP when the JIT is on.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildDir } from '../../bundler/paths.ts';
import { moduleNames } from '../../bundler/build/modules.ts';
import { loadObject } from '../../agent/src/object/index.ts';
import { CALL, Insns, LD_IMM64, PseudoSrc } from '../../agent/src/abi/insn.ts';

const UNSUPPORTED_OPCODES: Record<number, string> = {
  0x37: '64-bit division by a constant (BPF_ALU64 | BPF_DIV | BPF_K)',
  0x3f: '64-bit division (BPF_ALU64 | BPF_DIV | BPF_X)',
  0x97: '64-bit modulo by a constant (BPF_ALU64 | BPF_MOD | BPF_K)',
  0x9f: '64-bit modulo (BPF_ALU64 | BPF_MOD | BPF_X)',
  0xc3: 'a 32-bit atomic (BPF_STX | BPF_ATOMIC | BPF_W)',
  0xdb: 'a 64-bit atomic (BPF_STX | BPF_ATOMIC | BPF_DW)',
};

/** What in `bytes` the 32-bit ARM JIT of 6.1 cannot compile, as `prog 'x': insn #n: what`. */
function arm32JitRefusals(bytes: Uint8Array): string[] {
  const refusals: string[] = [];
  for (const program of loadObject(bytes).programs) {
    const insns = new Insns(program.insns);
    for (let i = 0; i < insns.count; i++) {
      const code = insns.code(i);
      const what = UNSUPPORTED_OPCODES[code]
        ?? (code === CALL && insns.src(i) === PseudoSrc.CALL ? 'a bpf-to-bpf call' : undefined)
        ?? (code === LD_IMM64 && insns.src(i) === PseudoSrc.FUNC ? 'a callback function' : undefined);
      if (what) refusals.push(`prog '${program.name}': insn #${i}: ${what}`);
      if (code === LD_IMM64) i++;
    }
  }
  return refusals;
}

it.each(moduleNames())('%s: its armhf object has nothing the 32-bit ARM JIT cannot compile', (name) => {
  const dir = join(buildDir, 'modules', name);
  const objects = readdirSync(dir).filter((file) => file.startsWith(`${name}.armhf.`) && file.endsWith('.o'));
  expect(objects, `build/modules/${name}: run 'npm run build'`).toHaveLength(1);
  expect(arm32JitRefusals(readFileSync(join(dir, objects[0]!)))).toEqual([]);
});

it('names a 64-bit division and an atomic where a program has them', () => {
  const dir = join(buildDir, 'test-cache', 'arm32-jit');
  mkdirSync(dir, { recursive: true });
  const source = join(dir, 'refused.bpf.c');
  writeFileSync(source, [
    'unsigned long long total;',
    '__attribute__((section("tracepoint/sched/sched_switch"), used))',
    'int on_switch(unsigned long long *ctx) { __sync_fetch_and_add(&total, 1); return *ctx / 1000; }',
    'char LICENSE[] __attribute__((section("license"), used)) = "GPL";',
  ].join('\n'));
  execFileSync('clang', ['-O2', '-target', 'bpf', '-c', source, '-o', join(dir, 'refused.o')]);
  expect(arm32JitRefusals(readFileSync(join(dir, 'refused.o')))).toEqual([
    "prog 'on_switch': insn #3: a 64-bit atomic (BPF_STX | BPF_ATOMIC | BPF_DW)",
    "prog 'on_switch': insn #5: 64-bit division by a constant (BPF_ALU64 | BPF_DIV | BPF_K)",
  ]);
});
