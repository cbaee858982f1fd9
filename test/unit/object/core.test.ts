/**
 * CO-RE relocation against 32-bit (armv7) and 64-bit targets built from C declarations. Each case
 * states the expected relocations, and the whole result is also compared with libbpf (through
 * the oracle in test/support) relocation by relocation and instruction by instruction.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CoreRelocationError, inspectObject } from '../../../agent/src/object/index.ts';
import { runOracle } from '../../support/bpf-oracle.ts';
import { instructionDifferences } from '../../support/insn-compare.ts';
import { compiledObjectPath, targetBtfFromC } from '../support/clang.ts';

const PRELUDE = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
char LICENSE[] SEC("license") = "GPL";
`;

/** The kernel as an armhf build lays it out: 4-byte pointers and longs. */
const KERNEL = `
struct task_struct;
struct sock_common { unsigned short skc_family; unsigned char skc_state; };
struct sock { struct sock_common __sk_common; int sk_rcvbuf; };
enum pid_type { PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_MAX = 7 };
struct flags_t { unsigned int lo:3, mid:9, hi:20; };
struct task_struct {
  int pid;
  int tgid;
  struct task_struct *real_parent;
  unsigned long nvcsw;
  long utime;
  struct flags_t f;
  struct { int anon_a; int anon_b; };
  enum pid_type type;
  char comm[16];
};
struct task_struct t0; struct sock s0; enum pid_type p0;
`;

/** The program's view: 8-byte pointers and longs, different member order and offsets. */
const LOCAL_TYPES = `
struct flags_t { unsigned int lo:3, mid:9, hi:20; } __attribute__((preserve_access_index));
struct task_struct___local { long pad; struct task_struct___local *real_parent; int tgid; int pid; unsigned long nvcsw; long utime; struct flags_t f; int anon_b; char comm[16]; int missing; } __attribute__((preserve_access_index));
struct sock_common { unsigned short skc_family; } __attribute__((preserve_access_index));
struct sock { struct sock_common __sk_common; } __attribute__((preserve_access_index));
enum pid_type { PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_MAX = 7, PIDTYPE_NEW = 9 };
`;

const MID = 'struct task_struct.f.mid (0:5:1 @ offset 20.3)';

interface Case {
  name: string;
  body: string;
  expect: { kind: string; target: string | null; patches: unknown[]; poisoned: boolean }[];
}

const CASES: Case[] = [
  {
    name: 'task->real_parent->tgid: pointer load narrowed 8 -> 4, offsets moved',
    body: `struct task_struct___local *t = (void *)bpf_get_current_task();
      struct task_struct___local *p; int tgid;
      bpf_core_read(&p, sizeof(p), &t->real_parent);
      bpf_core_read(&tgid, sizeof(tgid), &p->tgid);
      return tgid;`,
    expect: [
      { kind: 'byte_off', target: 'struct task_struct.real_parent (0:2 @ offset 8)', patches: [{ field: 'imm', from: 8, to: 8 }], poisoned: false },
      { kind: 'byte_off', target: 'struct task_struct.tgid (0:1 @ offset 4)', patches: [{ field: 'imm', from: 16, to: 4 }], poisoned: false },
    ],
  },
  {
    name: 'direct loads: pointer and unsigned long resized, signed long poisoned',
    body: `struct task_struct___local *t = (void *)ctx;
      return (long)t->real_parent + t->nvcsw + t->utime;`,
    expect: [
      { kind: 'byte_off', target: 'struct task_struct.real_parent (0:2 @ offset 8)', patches: [{ field: 'off', from: 8, to: 8 }, { field: 'mem_sz', from: 8, to: 4 }], poisoned: false },
      { kind: 'byte_off', target: 'struct task_struct.nvcsw (0:3 @ offset 12)', patches: [{ field: 'off', from: 24, to: 12 }, { field: 'mem_sz', from: 8, to: 4 }], poisoned: false },
      { kind: 'byte_off', target: 'struct task_struct.utime (0:4 @ offset 16)', patches: [], poisoned: true },
    ],
  },
  {
    name: 'sk->__sk_common.skc_family through nested structs',
    body: `struct sock *sk = (void *)ctx; return BPF_CORE_READ(sk, __sk_common.skc_family);`,
    expect: [{ kind: 'byte_off', target: 'struct sock.__sk_common.skc_family (0:0:0 @ offset 0)', patches: [{ field: 'imm', from: 0, to: 0 }], poisoned: false }],
  },
  {
    name: 'bitfields: byte offset, size, shifts and signedness',
    body: `struct task_struct___local *t = (void *)ctx;
      return BPF_CORE_READ_BITFIELD_PROBED(&t->f, mid) + __builtin_preserve_field_info(t->f.hi, BPF_FIELD_SIGNED);`,
    expect: [
      { kind: 'byte_off', target: 'struct task_struct.f (0:5 @ offset 20)', patches: [{ field: 'imm', from: 40, to: 20 }], poisoned: false },
      { kind: 'byte_off', target: MID, patches: [{ field: 'imm', from: 40, to: 20 }], poisoned: false },
      { kind: 'byte_sz', target: MID, patches: [{ field: 'imm', from: 4, to: 4 }], poisoned: false },
      { kind: 'lshift_u64', target: MID, patches: [{ field: 'imm', from: 52, to: 52 }], poisoned: false },
      { kind: 'signed', target: MID, patches: [{ field: 'imm', from: 0, to: 0 }], poisoned: false },
      { kind: 'rshift_u64', target: MID, patches: [{ field: 'imm', from: 55, to: 55 }], poisoned: false },
      { kind: 'rshift_u64', target: MID, patches: [{ field: 'imm', from: 55, to: 55 }], poisoned: false },
      { kind: 'signed', target: 'struct task_struct.f.hi (0:5:2 @ offset 21.4)', patches: [{ field: 'imm', from: 0, to: 0 }], poisoned: false },
    ],
  },
  {
    name: 'anonymous member found by name, missing field poisoned, existence 0',
    body: `struct task_struct___local *t = (void *)ctx; int v;
      bpf_core_read(&v, 4, &t->anon_b);
      if (bpf_core_field_exists(t->missing)) { bpf_core_read(&v, 4, &t->missing); }
      return v;`,
    expect: [
      { kind: 'byte_off', target: 'struct task_struct.anon_b (0:6:1 @ offset 28)', patches: [{ field: 'imm', from: 44, to: 28 }], poisoned: false },
      { kind: 'field_exists', target: null, patches: [{ field: 'imm', from: 1, to: 0 }], poisoned: false },
      { kind: 'byte_off', target: null, patches: [], poisoned: true },
    ],
  },
  {
    name: 'array element and field size',
    body: `struct task_struct___local *t = (void *)ctx; char c;
      bpf_core_read(&c, 1, &t->comm[3]);
      return c + bpf_core_field_size(t->comm);`,
    expect: [
      { kind: 'byte_off', target: 'struct task_struct.comm[3] (0:8:3 @ offset 39)', patches: [{ field: 'imm', from: 51, to: 39 }], poisoned: false },
      { kind: 'byte_sz', target: 'struct task_struct.comm (0:8 @ offset 36)', patches: [{ field: 'imm', from: 16, to: 16 }], poisoned: false },
    ],
  },
  {
    name: 'type and enum relocations',
    body: `return bpf_core_type_exists(struct task_struct___local) + bpf_core_type_size(struct sock)
      + bpf_core_enum_value_exists(enum pid_type, PIDTYPE_NEW) + bpf_core_enum_value(enum pid_type, PIDTYPE_MAX)
      + bpf_core_type_id_kernel(struct sock);`,
    expect: [
      { kind: 'type_exists', target: 'struct task_struct', patches: [{ field: 'imm', from: 1, to: 1 }], poisoned: false },
      { kind: 'type_size', target: 'struct sock', patches: [{ field: 'imm', from: 2, to: 8 }], poisoned: false },
      { kind: 'enumval_exists', target: null, patches: [{ field: 'imm64', from: 1, to: 0 }], poisoned: false },
      { kind: 'enumval_value', target: 'enum pid_type::PIDTYPE_MAX = 7', patches: [{ field: 'imm64', from: 7, to: 7 }], poisoned: false },
      { kind: 'target_type_id', target: 'struct sock', patches: [{ field: 'imm64', from: expect.any(Number), to: expect.any(Number) }], poisoned: false },
    ],
  },
];

function program(body: string): string {
  return `${PRELUDE}${LOCAL_TYPES}\nSEC("kprobe/x") int prog(void *ctx) {\n${body}\n}\n`;
}

describe.each(CASES)('CO-RE on a 32-bit target: $name', ({ body, expect: expected }) => {
  const objectPath = compiledObjectPath(program(body));
  const targetPath = targetBtfFromC(KERNEL, 'arm');

  it('produces the expected relocations', () => {
    const report = inspectObject(readFileSync(objectPath), readFileSync(targetPath));
    expect(report.relocations.map(({ kind, target, patches, poisoned }) => ({ kind, target, patches, poisoned }))).toEqual(expected);
  });

  it('matches libbpf relocation by relocation and byte for byte', async () => {
    const oracle = await runOracle(objectPath, targetPath);
    const report = inspectObject(readFileSync(objectPath), readFileSync(targetPath), { insns: true });
    expect(report.relocations).toEqual(oracle.relocations);
    const libbpf = oracle.programs.find((p) => p.name === 'prog')!;
    expect(instructionDifferences(libbpf.insns, report.programs.find((p) => p.name === 'prog')!.insns!)).toEqual([]);
  });
});

describe('CO-RE failures', () => {
  it('rejects a field that resolves to two different offsets across flavors', () => {
    const target = targetBtfFromC('struct pair { int a; int b; }; struct pair___v2 { int b; int a; }; struct pair x; struct pair___v2 y;', 'arm');
    const object = compiledObjectPath(`${PRELUDE}
      struct pair { int a; int b; } __attribute__((preserve_access_index));
      SEC("kprobe/x") int prog(struct pair *p) { int v; bpf_core_read(&v, 4, &p->b); return v; }`);
    expect(() => inspectObject(readFileSync(object), readFileSync(target))).toThrow(CoreRelocationError);
    expect(() => inspectObject(readFileSync(object), readFileSync(target))).toThrow(/prog 'prog': relo #0: insn #\d+: field offset ambiguity/);
    let error: unknown;
    try {
      inspectObject(readFileSync(object), readFileSync(target));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ program: 'prog', relocation: 0, kind: 'byte_off', problem: 'ambiguous-target', detail: 'field offset ambiguity: 0 != 32' });
    expect((error as CoreRelocationError).instruction).toBeTypeOf('number');
    expect((error as CoreRelocationError).message).toMatch(/regenerate the minimized BTF/);
  });
});
