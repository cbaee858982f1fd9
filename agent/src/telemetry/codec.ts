/**
 * Telemetry and status messages to and from plain CBOR (schema.cddl). Maps use the integer
 * labels of the schema's table. Envelopes, one per record, are written by cbor-writer.ts; the
 * status, once a minute, by cbor-x. Decoding checks the structure and names the first field
 * that does not fit.
 */
import { decodePlain, encodePlain, wireInteger } from './cbor.ts';
import { TelemetryDecodeError } from './errors.ts';
import type { Envelope, ModuleStatus, Status, StatusCounters } from './messages.ts';
import { recordFromWire, writeRecord } from './wire-record.ts';
import { CborWriter } from './cbor-writer.ts';
import { equalBytes } from '../bytes/compare.ts';

const enum Label {
  SchemaVersion = 0,
  Device = 1,
  Boot = 2,
  Sequence = 3,
  Time = 4,
  Module = 5,
  ModuleVersion = 6,
  Window = 7,
  Data = 8,
  State = 9,
  AgentVersion = 10,
  Uname = 11,
  Modules = 12,
  Counters = 13,
}

const writer = new CborWriter();

/**
 * The envelope's fields that stay the same from record to record, encoded once: the head up to
 * the boot id (schema version, device, boot), and each module's name and version. A device
 * publishes for one device and boot and a handful of modules, so both stay small.
 */
const MAX_CACHED_MODULES = 64;
let prefix: { schemaVersion: number; deviceId: string; bootId: Uint8Array; bytes: Uint8Array } | null = null;
const moduleFields = new Map<string, Uint8Array>();

function encoded(write: (w: CborWriter) => void): Uint8Array {
  const w = new CborWriter();
  write(w);
  return w.written().slice();
}

/** equalBytes() for the 16-byte boot id, without a loop (QuickJS runs loops in bytecode). */
function sameBootId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== 16 || b.length !== 16) return equalBytes(a, b);
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3] && a[4] === b[4] && a[5] === b[5] && a[6] === b[6] && a[7] === b[7] &&
    a[8] === b[8] && a[9] === b[9] && a[10] === b[10] && a[11] === b[11] && a[12] === b[12] && a[13] === b[13] && a[14] === b[14] && a[15] === b[15];
}

function envelopeHead(envelope: Envelope): Uint8Array {
  const { schemaVersion, deviceId, bootId } = envelope;
  // The boot id is compared by content: a caller may fill the same array with another.
  if (prefix && prefix.schemaVersion === schemaVersion && prefix.deviceId === deviceId && sameBootId(prefix.bootId, bootId)) return prefix.bytes;
  const bytes = encoded((w) => {
    w.mapHead(9);
    w.number(Label.SchemaVersion);
    w.number(schemaVersion);
    w.number(Label.Device);
    w.text(deviceId);
    w.number(Label.Boot);
    w.byteString(bootId);
  });
  prefix = { schemaVersion, deviceId, bootId: bootId.slice(), bytes };
  return bytes;
}

function moduleNameAndVersion(module: string, version: string): Uint8Array {
  const key = `${module}\n${version}`;
  let bytes = moduleFields.get(key);
  if (!bytes) {
    if (moduleFields.size >= MAX_CACHED_MODULES) moduleFields.clear();
    bytes = encoded((w) => {
      w.number(Label.Module);
      w.text(module);
      w.number(Label.ModuleVersion);
      w.text(version);
      // The window's label and array head follow at once: they go with these bytes.
      w.number(Label.Window);
      w.arrayHead(2);
    });
    moduleFields.set(key, bytes);
  }
  return bytes;
}

/**
 * The envelope in CBOR, written into the one reusable buffer, then copied out once into a buffer
 * of its own with `headroom` free bytes in front (where publish-frame.ts writes the MQTT header).
 */
export function encodeEnvelope(envelope: Envelope, headroom = 0): Uint8Array {
  const w = writer;
  w.reset(headroom);
  w.raw(envelopeHead(envelope));
  w.pair(Label.Sequence, envelope.sequence);
  w.pair(Label.Time, envelope.timeMs);
  w.raw(moduleNameAndVersion(envelope.module, envelope.moduleVersion));
  const window = envelope.window;
  w.pair(window.startMs, window.lengthMs);
  w.number(Label.Data);
  writeRecord(w, envelope.record);
  return w.take(headroom);
}

/** `[name, version]`, `[name, version, error]`, or `[name, version, null, variant]` for a running module with a known variant. */
function moduleStatusToWire(m: ModuleStatus): Array<string | null> {
  if (m.error !== undefined) return [m.name, m.version, m.error];
  return m.variant === undefined ? [m.name, m.version] : [m.name, m.version, null, m.variant];
}

export function encodeStatus(status: Status): Uint8Array {
  const map = new Map<number, unknown>([
    [Label.SchemaVersion, status.schemaVersion],
    [Label.Device, status.deviceId],
    [Label.Boot, status.bootId],
    [Label.Time, wireInteger(status.timeMs)],
    [Label.State, status.state],
    [Label.AgentVersion, status.agentVersion],
    [Label.Uname, [status.release, status.machine]],
  ]);
  if (status.modules) {
    map.set(Label.Modules, status.modules.map(moduleStatusToWire));
  }
  if (status.counters) {
    const { sent, dropped, reconnects, depth, rejected, malformed, bytes, oldestMs, cut } = status.counters;
    const outbox = bytes === undefined && oldestMs === undefined && cut === undefined ? [] : [bytes ?? 0, oldestMs ?? 0, cut ?? 0];
    const inbound = rejected === undefined && malformed === undefined && outbox.length === 0 ? [] : [rejected ?? 0, malformed ?? 0];
    map.set(Label.Counters, [sent, dropped, reconnects, depth, ...inbound, ...outbox].map(wireInteger));
  }
  return encodePlain(map);
}

class Fields {
  constructor(
    private readonly message: string,
    private readonly map: Map<unknown, unknown>,
  ) {}

  fail(what: string): never {
    throw new TelemetryDecodeError(`${this.message}: ${what}`);
  }

  has(label: Label): boolean {
    return this.map.has(label);
  }

  raw(label: Label, name: string): unknown {
    return this.map.has(label) ? this.map.get(label) : this.fail(`field ${label} (${name}) is missing`);
  }

  uint(label: Label, name: string): number {
    const value = this.raw(label, name);
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    return this.fail(`field ${label} (${name}) must be an unsigned integer`);
  }

  text(label: Label, name: string): string {
    const value = this.raw(label, name);
    return typeof value === 'string' ? value : this.fail(`field ${label} (${name}) must be a text`);
  }

  bootId(): Uint8Array {
    const value = this.raw(Label.Boot, 'boot id');
    if (value instanceof Uint8Array && value.length === 16) return value;
    return this.fail('field 2 (boot id) must be a 16-byte byte string');
  }

  uints(label: Label, name: string, count: number): number[] {
    const value = this.raw(label, name);
    if (Array.isArray(value) && value.length === count && value.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0)) {
      return value as number[];
    }
    return this.fail(`field ${label} (${name}) must be an array of ${count} unsigned integers`);
  }
}

function fieldsOf(message: string, bytes: Uint8Array): Fields {
  let value: unknown;
  try {
    value = decodePlain(bytes);
  } catch (err) {
    throw new TelemetryDecodeError(`${message}: not valid CBOR (${(err as Error).message})`);
  }
  if (!(value instanceof Map)) throw new TelemetryDecodeError(`${message}: expected a CBOR map`);
  const fields = new Fields(message, value);
  if (fields.uint(Label.SchemaVersion, 'schema version') !== 1) {
    fields.fail('schema version is not 1; this decoder reads version 1 only, update it');
  }
  return fields;
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  const f: Fields = fieldsOf('telemetry', bytes);
  const [startMs, lengthMs] = f.uints(Label.Window, 'window', 2) as [number, number];
  let record;
  try {
    record = recordFromWire(f.raw(Label.Data, 'data'));
  } catch (err) {
    return f.fail((err as Error).message);
  }
  return {
    schemaVersion: 1,
    deviceId: f.text(Label.Device, 'device id'),
    bootId: f.bootId(),
    sequence: f.uint(Label.Sequence, 'sequence'),
    timeMs: f.uint(Label.Time, 'time'),
    module: f.text(Label.Module, 'module'),
    moduleVersion: f.text(Label.ModuleVersion, 'module version'),
    window: { startMs, lengthMs },
    record,
  };
}

function moduleStatus(f: Fields, value: unknown): ModuleStatus {
  const texts = (v: unknown[]) => v.every((t) => typeof t === 'string');
  if (!Array.isArray(value) || !texts(value.slice(0, 2)) || !(value.length === 2 || (value.length === 3 && texts(value)) || (value.length === 4 && value[2] === null && texts(value.slice(3))))) {
    return f.fail('field 12 (modules) entries must be [name, version], [name, version, error] or [name, version, null, variant]');
  }
  const [name, version, error, variant] = value as [string, string, string | null | undefined, string | undefined];
  if (typeof error === 'string') return { name, version, error };
  return variant === undefined ? { name, version } : { name, version, variant };
}

export function decodeStatus(bytes: Uint8Array): Status {
  const f: Fields = fieldsOf('status', bytes);
  const state = f.text(Label.State, 'state');
  if (state !== 'online' && state !== 'offline') f.fail(`field 9 (state) must be "online" or "offline", got "${state}"`);
  const uname = f.raw(Label.Uname, 'uname');
  if (!Array.isArray(uname) || uname.length !== 2 || !uname.every((v) => typeof v === 'string')) {
    f.fail('field 11 (uname) must be [release, machine]');
  }
  const status: Status = {
    schemaVersion: 1,
    deviceId: f.text(Label.Device, 'device id'),
    bootId: f.bootId(),
    timeMs: f.uint(Label.Time, 'time'),
    state,
    agentVersion: f.text(Label.AgentVersion, 'agent version'),
    release: uname[0],
    machine: uname[1],
  };
  if (f.has(Label.Modules)) {
    const modules = f.raw(Label.Modules, 'modules');
    if (!Array.isArray(modules)) f.fail('field 12 (modules) must be an array');
    status.modules = modules.map((m) => moduleStatus(f, m));
  }
  if (f.has(Label.Counters)) {
    const raw = f.raw(Label.Counters, 'counters');
    const length = Array.isArray(raw) && (raw.length === 6 || raw.length === 9) ? raw.length : 4;
    const [sent, dropped, reconnects, depth, rejected, malformed, bytes, oldestMs, cut] = f.uints(Label.Counters, 'counters', length);
    const counters: StatusCounters = { sent: sent!, dropped: dropped!, reconnects: reconnects!, depth: depth! };
    if (rejected !== undefined) Object.assign(counters, { rejected, malformed });
    if (bytes !== undefined) Object.assign(counters, { bytes, oldestMs, cut });
    status.counters = counters;
  }
  return status;
}
