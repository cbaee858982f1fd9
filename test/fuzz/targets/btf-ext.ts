/**
 * Fuzz target: a .BTF.ext section (func_info, line_info and CO-RE relocation records) put in
 * place of a fixed object's own, then the object CO-RE-relocated against a fixed target BTF and
 * the fixups applied.
 */
import { Btf } from '../../../agent/src/btf/btf.ts';
import { parseBtfExt } from '../../../agent/src/btf/ext.ts';
import { apply, loadObject, relocate } from '../../../agent/src/object/index.ts';
import { seedFile, typedOutcome } from './outcome.ts';

const OBJECT = seedFile('core', 'snippet.bpf.o');
const TARGET = Btf.parse(seedFile('btf', 'target.btf'));

export function fuzz(data: Uint8Array): string {
  return typedOutcome(() => {
    const object = loadObject(OBJECT);
    object.btfExt = parseBtfExt(data, object.btf!.strings);
    apply(object, relocate(object, TARGET));
  });
}
