/**
 * A record's key as Prometheus labels and the value field it measures. Built-in modules name
 * their key fields in the manifest (bundler/records/key-layout.ts): `[pid, syscall, comm,
 * "calls"]` is the `calls` of pid, syscall and comm, with the syscall number named for the
 * device's architecture. Process ids are left out of the labels: every process would otherwise
 * leave a series behind it, so amounts are summed per comm instead. A module without a layout
 * gets one `key` label (its parts joined by `/`), and a trailing identifier in its key is taken
 * as the value field (`["udp", "packets"]`), as the sampler appends one for multi-field values.
 */
import type { Key } from '../../agent/src/sample/decode/records.ts';
import type { SyscallArch } from '../build/syscall-tables.ts';
import { builtinKeyLayout } from '../records/key-layout.ts';
import { keyPartText } from '../records/named-counters.ts';
import { keyLabelName } from './metric-names.ts';

export interface KeyLabels {
  names: string[];
  values: string[];
  /** The value field the key ends with, or null when the value is a single number. */
  field: string | null;
}

const PROCESS_IDS = new Set(['pid', 'tid', 'tgid', 'ppid']);
const VALUE_FIELD = /^[a-zA-Z_]\w*$/;

function withoutLayout(parts: Array<string | number>): KeyLabels {
  const last = parts[parts.length - 1];
  const endsWithField = parts.length >= 2 && typeof last === 'string' && VALUE_FIELD.test(last);
  const keyParts = endsWithField ? parts.slice(0, -1) : parts;
  return { names: ['key'], values: [keyParts.join('/')], field: endsWithField ? last : null };
}

/** The labels of `key` in `module`'s records; `arch` names syscall numbers. */
export function keyLabels(module: string, key: Key, arch: SyscallArch | null): KeyLabels {
  const parts = Array.isArray(key) ? key : [key];
  const layout = builtinKeyLayout(module);
  const width = layout?.fields.length ?? -1;
  if (!layout || (parts.length !== width && parts.length !== width + 1)) return withoutLayout(parts);
  const names: string[] = [];
  const values: string[] = [];
  layout.fields.forEach((field, i) => {
    if (PROCESS_IDS.has(field)) return;
    names.push(keyLabelName(field));
    values.push(keyPartText(parts[i]!, field, layout, arch));
  });
  return { names, values, field: parts.length === width ? null : String(parts[width]) };
}
