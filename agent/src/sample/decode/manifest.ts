/**
 * A module's sampling manifest (manifest.json next to its .bpf.c): which hook variants it has,
 * what to read each interval and how to turn it into one record. Pure: parses and validates the
 * JSON text and says exactly which field is wrong. Decoding comes from the object's BTF; the
 * manifest only names maps, fields and hints.
 *
 * ```json
 * { "name": "runqlat", "version": "1", "intervalMs": 10000,
 *   "variants": [{ "name": "tracepoint", "programs": ["on_wakeup", "on_switch"], "requires": ["tracepoint programs"] }],
 *   "record": { "kind": "histogram", "map": "hist", "unit": "usecs", "read": "delta" },
 *   "constants": ["target_tgid"] }
 * ```
 */
import { MoteError } from '../../errors.ts';

export class ManifestError extends MoteError {}

/** A set of programs to load together; the first variant whose requirements hold is chosen. */
export interface ModuleVariant {
  name: string;
  programs: string[];
  /** Feature names from the kernel feature table (`mote-agent features`), all required. */
  requires: string[];
}

/** `reset`: entries are cleared as they are read; `delta`: the sampler subtracts the last reading. */
export type ReadMode = 'reset' | 'delta';

/**
 * How to format a field the BTF alone does not describe (decl tags do the same in the C).
 * `syscall` marks a syscall number: it stays a number on the wire (the numbers are the
 * architecture's own), and readers on the host show its name for the device's architecture.
 */
export type FieldHint = 'ipv4' | 'ipv6' | 'dev_t' | 'syscall';

interface MapRecordBase {
  map: string;
  read: ReadMode;
  /** Numeric fields of the value to report (default: every numeric field). */
  values?: string[];
  /** Names of the key's fields in the order records carry them, for readers of the records. */
  key?: string[];
  hints: Record<string, FieldHint>;
}

export type RecordSpec =
  | (MapRecordBase & { kind: 'counter' })
  | (Omit<MapRecordBase, 'read'> & { kind: 'gauge' })
  | (MapRecordBase & { kind: 'top'; topN: number })
  | (MapRecordBase & { kind: 'histogram'; unit: string; buckets?: string; series: boolean | null })
  | {
      kind: 'events';
      /** The ring buffer the events come from. */
      map: string;
      /** The perf event array the variants for kernels without a ring buffer (< 5.8) use instead. */
      perfMap?: string;
      /** The BTF struct of one record. */
      type: string;
      /** Field holding bpf_ktime_get_ns() of the event, used for its offset in the window. */
      timestamp?: string;
      /** Fields reported, in this order (default: every field but the timestamp). */
      fields?: string[];
      maxEventsPerSecond: number;
      /** Map counting the records the program could not reserve (one number, per-CPU or not). */
      lostMap?: string;
      hints: Record<string, FieldHint>;
    };

export interface ModuleManifest {
  name: string;
  version: string;
  summary: string;
  intervalMs: number;
  variants: ModuleVariant[];
  record: RecordSpec;
  /** `const volatile` globals the agent config may set. */
  constants: string[];
  /** Interface socket filters attach to, unless the settings name another. */
  interface: string;
}

const HINTS: FieldHint[] = ['ipv4', 'ipv6', 'dev_t', 'syscall'];

type Json = Record<string, unknown>;

function fail(where: string, what: string): never {
  throw new ManifestError(`manifest ${where}: ${what}; see agent/src/sample/decode/manifest.ts for the format`);
}

function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'must be an object');
  return value as Json;
}

function string(value: unknown, where: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value === '') fail(where, 'must be a non-empty string');
  return value;
}

function positive(value: unknown, where: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) fail(where, 'must be a positive integer');
  return value;
}

function strings(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(where, 'must be a list of strings');
  return value as string[];
}

function optionalStrings(value: unknown, where: string): string[] | undefined {
  return value === undefined ? undefined : strings(value, where);
}

function hints(value: unknown, where: string): Record<string, FieldHint> {
  if (value === undefined) return {};
  const out: Record<string, FieldHint> = {};
  for (const [field, hint] of Object.entries(object(value, where))) {
    if (!HINTS.includes(hint as FieldHint)) fail(`${where}.${field}`, `must be one of ${HINTS.join(', ')}`);
    out[field] = hint as FieldHint;
  }
  return out;
}

function readMode(value: unknown, where: string): ReadMode {
  if (value === undefined) return 'delta';
  if (value !== 'reset' && value !== 'delta') fail(where, "must be 'reset' or 'delta'");
  return value;
}

function recordSpec(value: unknown): RecordSpec {
  const spec = object(value, 'record');
  const kind = spec.kind;
  const map = string(spec.map, 'record.map');
  const hintMap = hints(spec.hints, 'record.hints');
  const values = optionalStrings(spec.values, 'record.values');
  const key = optionalStrings(spec.key, 'record.key');
  switch (kind) {
    case 'counter':
      return { kind, map, read: readMode(spec.read, 'record.read'), values, key, hints: hintMap };
    case 'gauge':
      return { kind, map, values, key, hints: hintMap };
    case 'top':
      return { kind, map, read: readMode(spec.read, 'record.read'), values, key, hints: hintMap, topN: positive(spec.topN, 'record.topN', 10) };
    case 'histogram': {
      if (spec.series !== undefined && typeof spec.series !== 'boolean') fail('record.series', 'must be true or false');
      return {
        kind, map, read: readMode(spec.read, 'record.read'), values, key, hints: hintMap, unit: string(spec.unit, 'record.unit'),
        buckets: spec.buckets === undefined ? undefined : string(spec.buckets, 'record.buckets'), series: (spec.series as boolean | undefined) ?? null,
      };
    }
    case 'events':
      return {
        kind, map, type: string(spec.type, 'record.type'), timestamp: spec.timestamp === undefined ? undefined : string(spec.timestamp, 'record.timestamp'),
        fields: optionalStrings(spec.fields, 'record.fields'), maxEventsPerSecond: positive(spec.maxEventsPerSecond, 'record.maxEventsPerSecond', 1000), hints: hintMap,
        lostMap: spec.lostMap === undefined ? undefined : string(spec.lostMap, 'record.lostMap'),
        perfMap: spec.perfMap === undefined ? undefined : string(spec.perfMap, 'record.perfMap'),
      };
    default:
      return fail('record.kind', `'${String(kind)}' is not one of counter, gauge, top, histogram, events`);
  }
}

export function parseManifest(text: string): ModuleManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`manifest: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const root = object(json, '(top level)');
  const name = string(root.name, 'name');
  if (!Array.isArray(root.variants) || root.variants.length === 0) fail('variants', 'must list at least one hook variant');
  const variants = root.variants.map((v: unknown, i: number): ModuleVariant => {
    const variant = object(v, `variants[${i}]`);
    const programs = strings(variant.programs, `variants[${i}].programs`);
    if (programs.length === 0) fail(`variants[${i}].programs`, 'must name at least one program');
    return { name: string(variant.name, `variants[${i}].name`), programs, requires: strings(variant.requires, `variants[${i}].requires`) };
  });
  return {
    name,
    version: string(typeof root.version === 'number' ? String(root.version) : root.version, 'version'),
    summary: string(root.summary, 'summary', name),
    intervalMs: positive(root.intervalMs, 'intervalMs', 10_000),
    variants,
    record: recordSpec(root.record),
    constants: strings(root.constants, 'constants'),
    interface: string(root.interface, 'interface', 'lo'),
  };
}
