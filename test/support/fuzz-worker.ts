/**
 * Worker side of the robustness test: regenerates each mutated input from its seed, runs Mote's
 * inspect on it, and reports before and after every input, so the parent can name an input that
 * hangs (and stop this worker) or that ends in anything but a result or a MoteError.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MoteError } from '../../agent/src/errors.ts';
import { loadEngine } from './engine-under-test.ts';
import { btfRegions, elfRegions, mutate, prng } from './mutations.ts';

export interface FuzzSeed {
  name: string;
  bytes: Uint8Array;
  /** Offset of the `.BTF` section inside an object seed. */
  btfOffset?: number;
}

export interface FuzzJob {
  objects: FuzzSeed[];
  btfs: FuzzSeed[];
  first: number;
  count: number;
}

export type FuzzMessage =
  | { type: 'start'; input: number; description: string }
  | { type: 'done'; input: number; outcome: 'result' | 'typed error' | 'untyped error'; errorClass?: string; message?: string }
  | { type: 'fatal'; message: string };

const job = workerData as FuzzJob;
const post = (m: FuzzMessage) => parentPort!.postMessage(m);

const loaded = await loadEngine();
if ('missing' in loaded) {
  post({ type: 'fatal', message: loaded.missing });
} else {
  for (let input = job.first; input < job.first + job.count; input++) {
    const random = prng(input);
    const object = job.objects[input % job.objects.length]!;
    const btf = job.btfs[input % job.btfs.length]!;
    const mutateBtf = input % 3 === 2;
    const regions = mutateBtf
      ? [...btfRegions(btf.bytes, 0, 'target BTF'), { name: 'target BTF', offset: 0, length: btf.bytes.length }]
      : [...elfRegions(object.bytes), ...btfRegions(object.bytes, object.btfOffset!, '.BTF')];
    const mutation = mutate(mutateBtf ? btf.bytes : object.bytes, regions, random);
    post({ type: 'start', input, description: `${mutateBtf ? `target BTF ${btf.name}` : `object ${object.name}`}: ${mutation.description}` });
    try {
      loaded.engine(mutateBtf ? object.bytes : mutation.bytes, mutateBtf ? mutation.bytes : btf.bytes);
      post({ type: 'done', input, outcome: 'result' });
    } catch (err) {
      const typed = err instanceof MoteError;
      const e = err as Error;
      post({ type: 'done', input, outcome: typed ? 'typed error' : 'untyped error', errorClass: e?.constructor?.name ?? typeof err, message: String(e?.stack ?? err).split('\n').slice(0, typed ? 1 : 4).join(' | ') });
    }
  }
}
