/**
 * An outbox that survives an agent restart, for devices with flash. `persist()` writes every held
 * message as one CBOR array `[* [topic, payload, qos]]` through `OutboxStorage` (on the device:
 * Sys.writeFileAtomic and Sys.readFile), and only when something changed, to spare the flash.
 * Messages restored at start are sent again as new publishes; their envelopes keep the old boot
 * id and sequence, so consumers place them correctly.
 */
import { decodePlain, encodePlain } from './cbor.ts';
import { Outbox, type OutboxMessage } from './outbox.ts';
import type { Logger } from './runtime.ts';
import { TelemetryDecodeError } from './errors.ts';

export interface OutboxStorage {
  /** The bytes saved last, or undefined when nothing was saved yet. */
  load(): Uint8Array | undefined;
  /** Replaces the saved bytes atomically. */
  save(bytes: Uint8Array): void;
}

function restoredMessages(bytes: Uint8Array): OutboxMessage[] {
  const value = decodePlain(bytes);
  if (!Array.isArray(value)) throw new TelemetryDecodeError('not a CBOR array');
  return value.map((item: unknown) => {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || !(item[1] instanceof Uint8Array) || (item[2] !== 0 && item[2] !== 1)) {
      throw new TelemetryDecodeError('an entry is not [topic, payload, qos]');
    }
    return { topic: item[0], payload: item[1], qos: item[2] };
  });
}

export class PersistentOutbox extends Outbox {
  private persistedVersion: number;

  /** Restores what `storage` holds; unreadable contents are logged and skipped, never fatal. */
  constructor(
    capacity: number,
    private readonly storage: OutboxStorage,
    log: Logger,
  ) {
    super(capacity);
    const bytes = storage.load();
    if (bytes !== undefined) {
      try {
        for (const message of restoredMessages(bytes)) this.push(message);
      } catch (err) {
        log.warn(`outbox: saved messages unreadable (${(err as Error).message}); starting empty, they are lost`);
      }
    }
    this.persistedVersion = this.version;
  }

  /** Saves the held messages when they changed since the last save. */
  persist(): void {
    if (this.version === this.persistedVersion) return;
    this.storage.save(encodePlain(this.snapshot().map((m) => [m.topic, m.payload, m.qos])));
    this.persistedVersion = this.version;
  }
}
