/**
 * Fuzz target: a target BTF, as the agent reads a kernel's. Parsed, every type decoded, named,
 * sized and looked up by name, then a fixed object CO-RE-relocated against it.
 */
import { Btf } from '../../../agent/src/btf/btf.ts';
import { inspectObject } from '../../../agent/src/object/inspect.ts';
import { seedFile, typedOutcome } from './outcome.ts';

const OBJECT = seedFile('core', 'snippet.bpf.o');

export function fuzz(data: Uint8Array): string {
  return typedOutcome(() => {
    const btf = Btf.parse(data);
    btf.pointerSize(4);
    for (const type of btf.all()) {
      btf.describe(type.id);
      btf.idsByName(type.name);
      typedOutcome(() => btf.resolveSize(type.id, 4));
    }
    inspectObject(OBJECT, data);
  });
}
