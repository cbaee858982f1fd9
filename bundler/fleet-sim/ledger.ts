/**
 * What the broker acknowledged, per device: for each (boot, module) stream the sequence numbers
 * whose PUBACK came back and the envelope time of each (the moment the record was published,
 * for latency). `recordKey` is the one spelling of a record's identity for comparisons.
 */

export interface AcknowledgedStream {
  device: string;
  /** The boot id, 32 hex digits. */
  bootId: string;
  module: string;
  /** Acknowledged sequence numbers, in acknowledgement order. */
  seqs: number[];
  /** Envelope time (ms since the epoch) of each, same order. */
  timesMs: number[];
}

/** `device/boot id hex/module/seq`: how ingest, the database and the simulator name one record. */
export function recordKey(device: string, bootIdHex: string, module: string, seq: number): string {
  return `${device}/${bootIdHex}/${module}/${seq}`;
}

export class DeviceLedger {
  private readonly streams = new Map<string, AcknowledgedStream>();

  constructor(
    readonly device: string,
    readonly bootId: string,
  ) {}

  acknowledged(module: string, seq: number, timeMs: number): void {
    let stream = this.streams.get(module);
    if (!stream) {
      stream = { device: this.device, bootId: this.bootId, module, seqs: [], timesMs: [] };
      this.streams.set(module, stream);
    }
    stream.seqs.push(seq);
    stream.timesMs.push(timeMs);
  }

  list(): AcknowledgedStream[] {
    return [...this.streams.values()];
  }
}

/** Every acknowledged record's key (see recordKey). */
export function acknowledgedKeys(streams: Iterable<AcknowledgedStream>): Set<string> {
  const keys = new Set<string>();
  for (const s of streams) for (const seq of s.seqs) keys.add(recordKey(s.device, s.bootId, s.module, seq));
  return keys;
}
