/**
 * Mote's CO-RE engine as the conformance tests see it: object bytes and target BTF bytes in,
 * `{programs: [{name, insns}], relocations}` out, a MoteError when the object cannot be
 * relocated. It is reached through the pure `inspectObject` of agent/src/object/inspect.ts; if
 * that module is not there, `loadEngine` says so instead of throwing at import time, so the
 * tests can fail with that message.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../bundler/paths.ts';
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

export const ENGINE_MODULE = join(repoRoot, 'agent', 'src', 'object', 'inspect.ts');

export async function loadEngine(): Promise<{ engine: Engine } | { missing: string }> {
  if (!existsSync(ENGINE_MODULE)) return { missing: `Mote's CO-RE engine is not there yet: ${ENGINE_MODULE} does not exist` };
  const module = (await import(pathToFileURL(ENGINE_MODULE).href)) as Record<string, unknown>;
  const inspectObject = module.inspectObject;
  if (typeof inspectObject !== 'function') return { missing: `${ENGINE_MODULE} exports no inspectObject function` };
  return { engine: (objectBytes, targetBtfBytes) => inspectObject(objectBytes, targetBtfBytes, { insns: true }) as EngineResult };
}
