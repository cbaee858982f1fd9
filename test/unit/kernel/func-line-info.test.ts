/**
 * func_info and line_info of a program come from its own ELF section's BTF.ext records, also
 * when a program that loads by default (`tracepoint/x`) and one that does not (`?tracepoint/x`)
 * hook the same place: they are two sections, and each program gets its own function and lines.
 * Each line record names its file and source line by offsets into the object's BTF strings (the
 * table the kernel receives), pointing at that program's own source.
 */
import { describe, expect, it } from 'vitest';
import { funcAndLineInfo } from '../../../agent/src/kernel/loader/func-line-info.ts';
import { linkProgram, loadObject } from '../../../agent/src/object/index.ts';
import { compileBpf } from '../support/clang.ts';

const SOURCE = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";

SEC("tracepoint/sched/sched_process_exit")
int by_default(void *ctx)
{
	return 0;
}

SEC("?tracepoint/sched/sched_process_exit")
int on_request(void *ctx)
{
	int cpu = bpf_get_smp_processor_id();

	return cpu + 1;
}
`;

describe('funcAndLineInfo', () => {
  it("takes each program's records from its own section, '?' included", () => {
    const object = loadObject(compileBpf(SOURCE));
    const text = object.elf.sectionByName('.text')?.index;
    for (const name of ['by_default', 'on_request']) {
      const program = object.programs.find((p) => p.name === name)!;
      const { funcInfo, lineInfo } = funcAndLineInfo(object, linkProgram(program, object.programs, text));
      const view = new DataView(funcInfo!.bytes.buffer);
      expect(funcInfo!.count).toBe(1);
      expect(view.getUint32(0, true)).toBe(0);
      expect(object.btf!.type(view.getUint32(4, true)).name).toBe(name);
      const lines = new DataView(lineInfo!.bytes.buffer);
      const lastInsn = lines.getUint32((lineInfo!.count - 1) * 16, true);
      expect(lastInsn).toBeLessThan(program.insns.length / 8);
      const strings = object.btf!.strings;
      const sourceLines = Array.from({ length: lineInfo!.count }, (_, i) => strings.get(lines.getUint32(i * 16 + 8, true), 'line'));
      const fileNames = Array.from({ length: lineInfo!.count }, (_, i) => strings.get(lines.getUint32(i * 16 + 4, true), 'file'));
      expect(sourceLines.every((line) => SOURCE.includes(line.trim()) && line.trim() !== '')).toBe(true);
      expect(sourceLines.some((line) => line.includes(name === 'on_request' ? 'bpf_get_smp_processor_id' : 'return 0'))).toBe(true);
      expect(fileNames.every((file) => file.endsWith('.c'))).toBe(true);
    }
  });
});
