/**
 * Fuzz target (for fuzzInWorkers): Mote's inspect on mutated ELF objects or mutated target BTFs,
 * made from valid seeds by mutations.ts. An input passes when it ends in a result or a MoteError;
 * anything else thrown (a RangeError, a TypeError) is a failure.
 */
import { MoteError } from '../../agent/src/errors.ts';
import { engine } from './engine-under-test.ts';
import type { MakeCase } from './fuzz/fuzz-case.ts';
import { btfRegions, elfRegions, mutate } from './mutations.ts';

export interface InspectSeed {
  name: string;
  bytes: Uint8Array;
}

export interface InspectFuzzData {
  objects: InspectSeed[];
  btfs: InspectSeed[];
  /** What each input mutates: the object, the target BTF, or (`either`) the BTF every third input. */
  mutate: 'object' | 'target BTF' | 'either';
}

export async function prepare(data: unknown): Promise<MakeCase> {
  const { objects, btfs, mutate: which } = data as InspectFuzzData;
  const objectRegions = objects.map((o) => {
    const elf = elfRegions(o.bytes);
    const btf = elf.find((r) => r.name === '.BTF');
    if (!btf) throw new Error(`seed object ${o.name} has no .BTF section`);
    return [...elf, ...btfRegions(o.bytes, btf.offset, '.BTF')];
  });
  return (random, index) => {
    const o = index % objects.length;
    const btf = btfs[index % btfs.length]!;
    const object = objects[o]!;
    const mutateBtf = which === 'target BTF' || (which === 'either' && index % 3 === 2);
    const mutation = mutateBtf
      ? mutate(btf.bytes, [...btfRegions(btf.bytes, 0, 'target BTF'), { name: 'target BTF', offset: 0, length: btf.bytes.length }], random)
      : mutate(object.bytes, objectRegions[o]!, random);
    return {
      description: `${mutateBtf ? `target BTF ${btf.name}` : `object ${object.name}`}: ${mutation.description}`,
      run: () => {
        try {
          engine(mutateBtf ? object.bytes : mutation.bytes, mutateBtf ? mutation.bytes : btf.bytes);
          return 'result';
        } catch (error) {
          if (error instanceof MoteError) return 'typed error';
          throw error;
        }
      },
    };
  };
}
