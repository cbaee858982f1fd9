/**
 * Loads an object's BTF into the kernel (BPF_BTF_LOAD), after making it acceptable there:
 * data section layout from the ELF, kinds this kernel lacks rewritten. A kernel without BTF
 * support, or one that still refuses it, gets the object without BTF, as libbpf does.
 */
import type { Sys } from '../../sys/types.ts';
import { prepareBtfForKernel } from '../../btf/for-kernel.ts';
import type { BpfObject } from '../../object/index.ts';
import { BpfCommand } from '../../abi/bpf-commands.ts';
import { btfLoadAttr } from '../bpf-attr.ts';
import type { FeatureProbes } from '../features/features.ts';
import { logText } from '../verifier-log.ts';
import { SHN_LORESERVE } from '../../elf/constants.ts';
import { isSysError } from '../../errors.ts';

export interface ObjectBtfResult {
  fd: number | null;
  /** Why the object goes without BTF, when it does. */
  skipped: string | null;
}


export function loadObjectBtf(sys: Sys, object: BpfObject, features: FeatureProbes): ObjectBtfResult {
  const raw = object.elf.sectionByName('.BTF')?.data;
  if (!object.btf || !raw) return { fd: null, skipped: 'the object has no .BTF (compile with clang -g)' };
  if (!features.supported('BTF')) return { fd: null, skipped: 'this kernel cannot load BTF' };
  const sizes = new Map<string, number>();
  for (const section of object.elf.sections) sizes.set(section.name, section.size);
  const kconfigSize = object.externs.reduce((end, e) => (e.kconfig ? Math.max(end, e.kconfig.offset + e.kconfig.size) : end), 0);
  if (kconfigSize) sizes.set('.kconfig', kconfigSize);
  const variableOffsets = new Map<string, number>();
  for (const symbol of object.elf.symbols) {
    if (symbol.sectionIndex > 0 && symbol.sectionIndex < SHN_LORESERVE && symbol.name) variableOffsets.set(symbol.name, symbol.value);
  }
  for (const e of object.externs) if (e.kconfig) variableOffsets.set(e.name, e.kconfig.offset);
  const bytes = prepareBtfForKernel(raw, object.btf, { sizes, variableOffsets }, {
    declTag: features.supported('BTF decl tags'),
    typeTag: features.supported('BTF type tags'),
    float: features.supported('BTF floats'),
  });
  try {
    return { fd: sys.bpf(BpfCommand.BTF_LOAD, btfLoadAttr(sys, bytes, null)), skipped: null };
  } catch (error) {
    if (!isSysError(error)) throw error;
    // Ask again with a log, only to say why.
    const log = new Uint8Array(1 << 20);
    try {
      return { fd: sys.bpf(BpfCommand.BTF_LOAD, btfLoadAttr(sys, bytes, log)), skipped: null };
    } catch {
      const lines = logText(log).trim().split('\n');
      return { fd: null, skipped: `the kernel refused the object's BTF (${error.code}): ${lines[lines.length - 1] ?? ''}` };
    }
  }
}
