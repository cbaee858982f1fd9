/**
 * Gap detection for `mote watch`: per device, boot and module, the next sequence number expected.
 * Resent duplicates (MQTT DUP) are recognised; a new boot id restarts the count.
 */
import type { Envelope } from '../../../agent/src/telemetry/messages.ts';

export type SequenceVerdict =
  | { kind: 'first' }
  | { kind: 'next' }
  | { kind: 'gap'; missing: number; from: number; to: number }
  | { kind: 'repeat' }
  | { kind: 'new-boot' };

export class SequenceTracker {
  private readonly next = new Map<string, { boot: string; expected: number }>();

  see(envelope: Envelope): SequenceVerdict {
    const stream = `${envelope.deviceId}/${envelope.module}`;
    const boot = Buffer.from(envelope.bootId).toString('hex');
    const known = this.next.get(stream);
    if (known && known.boot === boot && envelope.sequence < known.expected) return { kind: 'repeat' };
    this.next.set(stream, { boot, expected: envelope.sequence + 1 });
    if (!known) return { kind: 'first' };
    if (known.boot !== boot) return { kind: 'new-boot' };
    if (envelope.sequence === known.expected) return { kind: 'next' };
    return { kind: 'gap', missing: envelope.sequence - known.expected, from: known.expected, to: envelope.sequence - 1 };
  }
}
