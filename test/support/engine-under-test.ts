/**
 * Mote's CO-RE engine as the conformance tests see it: object bytes and target BTF bytes in,
 * `{programs: [{name, insns}], relocations}` out, a MoteError when the object cannot be
 * relocated, through the pure `inspectObject` of agent/src/object/inspect.ts.
 */
import { inspectObject } from '../../agent/src/object/inspect.ts';
import type { RelocationRecord } from './bpf-relocation-record.ts';

export interface EngineProgram {
  name: string;
  /** Relocated instructions before `.text` subprograms are appended, as hex. */
  insns: string;
  subprogram: boolean;
}

export interface EngineResult {
  programs: EngineProgram[];
  relocations: RelocationRecord[];
}

export type Engine = (objectBytes: Uint8Array, targetBtfBytes: Uint8Array) => EngineResult;

/** Relocates the object against the target BTF and returns every program and relocation. */
export const engine: Engine = (objectBytes, targetBtfBytes) => inspectObject(objectBytes, targetBtfBytes, { insns: true }) as EngineResult;
