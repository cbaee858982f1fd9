/**
 * Fuzz target: a whole BPF object (ELF, its BTF and BTF.ext, programs, maps, globals, externs)
 * loaded and CO-RE-relocated against a fixed 32-bit ARM target BTF, the way `mote inspect` does.
 */
import { inspectObject } from '../../../agent/src/object/inspect.ts';
import { seedFile, typedOutcome } from './outcome.ts';

const TARGET_BTF = seedFile('btf', 'target.btf');

export function fuzz(data: Uint8Array): string {
  return typedOutcome(() => inspectObject(data, TARGET_BTF, { insns: true }));
}
