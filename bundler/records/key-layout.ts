/**
 * What each position of a record's composite key means, for readers on the host: the field
 * names and hints a built-in module's manifest declares (`record.key`, `record.hints`). The wire
 * carries keys as bare arrays such as `[pid, syscall, comm, "calls"]`; this names them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';
import { parseManifest, type FieldHint } from '../../agent/src/sample/decode/manifest.ts';

export interface KeyLayout {
  fields: string[];
  hints: Record<string, FieldHint>;
}

const layouts = new Map<string, KeyLayout | null>();

function readLayout(module: string): KeyLayout | null {
  if (!/^[\w-]+$/.test(module)) return null;
  const path = join(repoRoot, 'agent', 'modules', module, 'manifest.json');
  if (!existsSync(path)) return null;
  const record = parseManifest(readFileSync(path, 'utf8')).record;
  return record.kind !== 'events' && record.key ? { fields: record.key, hints: record.hints } : null;
}

/** The key layout of a built-in module, or null when it declares none (or is not built in). */
export function builtinKeyLayout(module: string): KeyLayout | null {
  if (!layouts.has(module)) layouts.set(module, readLayout(module));
  return layouts.get(module)!;
}
