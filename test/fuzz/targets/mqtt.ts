/**
 * Fuzz target: bytes from the broker, as the agent's MQTT session reads them (mqtt-packet's
 * parser under the session's state machine), over MQTT 3.1.1 and MQTT 5. The session is started
 * over an in-memory connection with two telemetry messages waiting and one subscription; the
 * input is everything the broker sends after the agent's CONNECT (seeds begin with a CONNACK).
 * Bad bytes must cost the connection, counted, and never throw out of the session.
 */
import { Outbox } from '../../../agent/src/telemetry/outbox.ts';
import { MqttSession } from '../../../agent/src/telemetry/session.ts';
import type { ConnectionEvents } from '../../../agent/src/telemetry/transport.ts';

const QUIET = { info() {}, warn() {} };

function session(protocolVersion: 4 | 5, data: Uint8Array): string {
  let events: ConnectionEvents | undefined;
  let closed = false;
  const outbox = new Outbox(8);
  outbox.push({ topic: 'mote/v1/dev/telemetry/syscount', payload: new Uint8Array(8), qos: 1 });
  outbox.push({ topic: 'mote/v1/dev/telemetry/bitehist', payload: new Uint8Array(8), qos: 1 });
  const s = new MqttSession({
    transport: {
      peer: 'fuzz',
      connect(e) {
        events ??= e;
        return { write() {}, close: () => (closed = true) };
      },
    },
    timers: { setTimeout: () => 0, clearTimeout() {} },
    random: () => 0.5,
    log: QUIET,
    outbox,
    clientId: 'dev',
    protocolVersion,
    subscriptions: ['mote/v1/dev/ota/#'],
    onMessage() {},
  });
  s.start();
  events!.onOpen();
  events!.onData(data);
  return closed ? `v${protocolVersion} dropped${s.stats.malformedPackets > 0 ? ' (malformed)' : ''}` : s.connected ? `v${protocolVersion} connected` : `v${protocolVersion} waiting`;
}

export function fuzz(data: Uint8Array): string {
  return `${session(4, data)}, ${session(5, data)}`;
}
