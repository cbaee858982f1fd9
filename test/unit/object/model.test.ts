/** The object model from clang-built objects: programs, maps, global data, externs and linking. */
import { describe, expect, it } from 'vitest';
import { Btf } from '../../../agent/src/btf/btf.ts';
import { linkProgram, loadObject, ObjectError, resolveKconfig, setRodata } from '../../../agent/src/object/index.ts';
import { attachInfo } from '../../../agent/src/object/attach.ts';
import { compileBpf } from '../support/clang.ts';
import { Kind } from '../../../agent/src/abi/btf-kinds.ts';

const SOURCE = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "Dual BSD/GPL";
struct inner { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, int); __type(value, long); } in1 SEC(".maps");
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS); __uint(max_entries, 2); __type(key, int);
  __array(values, struct inner);
} outer SEC(".maps") = { .values = { [1] = &in1 } };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 64); __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(pinning, LIBBPF_PIN_BY_NAME); __type(key, unsigned int); __type(value, char[12]); } pinned SEC(".maps");
const volatile unsigned int min_us = 10;
const volatile char tag[4] = "abc";
int counter;
long table[3] = { 1, 2, 3 };
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig __weak;
extern char CONFIG_LOCALVERSION[8] __kconfig __weak;
static __noinline int leaf(int x) { return x * min_us + table[x & 1]; }
static __noinline int middle(int x) { return leaf(x) + leaf(x + 1); }
SEC("kprobe/do_sys_open") int on_open(void *ctx) { counter++; return middle(LINUX_KERNEL_VERSION) + CONFIG_HZ; }
SEC("?tp/sched/sched_switch") int on_switch(void *ctx) { return leaf(CONFIG_BPF_JIT) + CONFIG_LOCALVERSION[0]; }
`;

describe('loadObject', () => {
  const object = loadObject(compileBpf(SOURCE));

  it('finds programs, subprograms and the license', () => {
    expect(object.license).toBe('Dual BSD/GPL');
    expect(object.programs.map((p) => [p.name, p.sectionName, p.isSubprogram, p.autoload])).toEqual([
      ['middle', '.text', true, true],
      ['leaf', '.text', true, true],
      ['on_open', 'kprobe/do_sys_open', false, true],
      ['on_switch', 'tp/sched/sched_switch', false, false],
    ]);
  });

  it('reads BTF-defined maps, inner maps and initial slots', () => {
    const byName = Object.fromEntries(object.maps.map((m) => [m.name, m]));
    expect(byName.in1).toMatchObject({ type: 2, keySize: 4, valueSize: 8, maxEntries: 4 });
    expect(byName.outer).toMatchObject({ type: 12, keySize: 4, valueSize: 4, maxEntries: 2, initialSlots: [{ index: 1, target: 'in1' }] });
    expect(byName.outer!.inner).toMatchObject({ type: 2, keySize: 4, valueSize: 8, maxEntries: 4 });
    expect(byName.pinned).toMatchObject({ type: 1, keySize: 4, valueSize: 12, maxEntries: 64, flags: 1, pinning: 1 });
  });

  it('lays out kconfig externs like libbpf and resolves them', () => {
    expect(object.externs.map((e) => [e.name, e.kconfig?.offset, e.kconfig?.type])).toEqual([
      ['CONFIG_BPF_JIT', 0, 'tristate'],
      ['CONFIG_HZ', 4, 'int'],
      ['LINUX_KERNEL_VERSION', 8, 'int'],
      ['CONFIG_LOCALVERSION', 12, 'char_array'],
    ]);
    const bytes = resolveKconfig(object.externs, { version: { major: 6, minor: 1, patch: 300 }, config: { CONFIG_HZ: '250', CONFIG_BPF_JIT: 'm', CONFIG_LOCALVERSION: '"-rt"' } });
    const view = new DataView(bytes.buffer);
    expect([bytes[0], view.getInt32(4, true), view.getUint32(8, true), String.fromCharCode(...bytes.subarray(12, 15))]).toEqual([2, 250, 0x0601ff, '-rt']);
    expect(() => resolveKconfig(object.externs, { version: { major: 6, minor: 1, patch: 0 }, config: {} })).toThrow(/CONFIG_HZ/);
  });

  it('sets rodata constants by name and refuses the rest', () => {
    setRodata(object.globals, 'min_us', new Uint8Array([100, 0, 0, 0]));
    const rodata = object.globals.find((g) => g.sectionName === '.rodata')!;
    const variable = rodata.variables.find((v) => v.name === 'min_us')!;
    expect(rodata.bytes[variable.offset]).toBe(100);
    expect(() => setRodata(object.globals, 'counter', new Uint8Array(4))).toThrow(ObjectError);
    expect(() => setRodata(object.globals, 'min_us', new Uint8Array(2))).toThrow(/4 bytes/);
    expect(() => setRodata(object.globals, 'nope', new Uint8Array(4))).toThrow(/min_us/);
  });

  it('links subprograms depth first, once each, with calls pointing at them', () => {
    const main = object.programs.find((p) => p.name === 'on_open')!;
    const linked = linkProgram(main, object.programs, object.elf.sectionByName('.text')!.index);
    const mainLength = main.insns.length / 8;
    const middleLength = object.programs.find((p) => p.name === 'middle')!.insns.length / 8;
    expect(linked.subprograms).toEqual([{ name: 'middle', start: mainLength }, { name: 'leaf', start: mainLength + middleLength }]);
    const view = new DataView(linked.insns.buffer);
    for (let i = 0; i < linked.insns.length / 8; i++) {
      if (view.getUint8(i * 8) !== 0x85 || view.getUint8(i * 8 + 1) >> 4 !== 1) continue;
      const target = i + 1 + view.getInt32(i * 8 + 4, true);
      expect(linked.subprograms.map((s) => s.start)).toContain(target);
    }
    expect(linked.references.map((r) => r.kind).sort()).toEqual(['data', 'data', 'data', 'data', 'data']);
  });
});

describe('attachInfo', () => {
  it.each([
    ['kprobe/do_sys_open', 'kprobe', 'do_sys_open', 2],
    ['tp/sched/sched_switch', 'tp', 'sched/sched_switch', 5],
    ['tracepoint/syscalls/sys_enter_openat', 'tracepoint', 'syscalls/sys_enter_openat', 5],
    ['uprobe', 'uprobe', '', 2],
    ['fentry/tcp_connect', 'fentry', 'tcp_connect', 26],
    ['socket', 'socket', '', 1],
    ['perf_event', 'perf_event', '', 7],
    ['kprobex', '', '', 0],
  ])('%s -> %s %s', (section, kind, target, programType) => {
    expect(attachInfo(section)).toMatchObject({ kind, target, programType });
  });
});

describe('Btf', () => {
  const btf = Btf.parse(loadObject(compileBpf(SOURCE)).elf.sectionByName('.BTF')!.data);
  it('decodes the kinds clang emits and sizes them', () => {
    const kinds = new Set(btf.types.map((t) => t.kind));
    for (const k of [Kind.INT, Kind.PTR, Kind.ARRAY, Kind.STRUCT, Kind.ENUM, Kind.FUNC, Kind.FUNC_PROTO, Kind.VAR, Kind.DATASEC, Kind.CONST, Kind.VOLATILE]) expect(kinds).toContain(k);
    const inner = btf.idsByName('inner')[0]!;
    expect(btf.resolveSize(inner, 8)).toBe(32);
    const pointer = btf.types.find((t) => t.kind === Kind.PTR)!.id;
    expect([btf.resolveSize(pointer, 8), btf.resolveSize(pointer, 4)]).toEqual([8, 4]);
    expect(btf.pointerSize(4)).toBe(8);
    expect(() => btf.type(btf.count)).toThrow(/out of range/);
  });
});
