/**
 * `mote watch`: subscribes to devices' telemetry and status on a broker, decodes the CBOR and
 * prints a table per record, flagging sequence gaps and devices that go offline. `--json`
 * prints one decoded message per line instead, for scripts.
 */
import mqtt from 'mqtt';
import { decodeEnvelope, decodeStatus } from '../../../agent/src/telemetry/codec.ts';
import { parseTopic, TOPIC_ROOT } from '../../../agent/src/telemetry/topics.ts';
import type { Command } from '../command.ts';
import { jsonLine, statusText, telemetryText } from '../watch/render.ts';
import { SequenceTracker, type SequenceVerdict } from '../watch/sequence-tracker.ts';
import { brokerOption, deviceOption, integerOption, parseCommandLine } from '../options.ts';

const HELP = `usage: mote watch [--broker URL] [--device ID] [--json] [--count N]

Prints live telemetry from Mote agents.
  --broker URL   mqtt://host:port of the broker (default mqtt://127.0.0.1:1883)
  --device ID    one device only (default: every device)
  --json         one decoded message per line: {"topic", "kind", "message", "gap"?}
  --count N      exit after N messages (default: run until interrupted)
Sequence gaps (lost records) and devices going offline are flagged.`;

function gapNote(verdict: SequenceVerdict): string | undefined {
  if (verdict.kind === 'gap') return `GAP: ${verdict.missing} record(s) missing, sequence ${verdict.from}..${verdict.to}`;
  if (verdict.kind === 'new-boot') return 'agent restarted (new boot id)';
  return undefined;
}

export const watchCommand: Command = {
  name: 'watch',
  summary: 'print live telemetry from a broker, flagging gaps and offline devices',
  async run(argv) {
    const { values } = parseCommandLine(argv, {
      help: { type: 'boolean', short: 'h' },
      broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      device: { type: 'string' },
      json: { type: 'boolean' },
      count: { type: 'string' },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const count = values.count === undefined ? Infinity : integerOption('count', values.count, 1);
    const device = values.device === undefined ? '+' : deviceOption(values.device);
    const broker = brokerOption(values.broker);
    const filter = `${TOPIC_ROOT}/${device}/#`;

    const client = mqtt.connect(broker, { reconnectPeriod: 1000, connectTimeout: 10_000 });
    const tracker = new SequenceTracker();
    /** The machine (`uname -m`) each device last reported, so syscall numbers read as its names. */
    const machines = new Map<string, string>();
    let seen = 0;
    return new Promise<number>((resolve) => {
      const finish = (code: number) => client.end(true, () => resolve(code));
      process.once('SIGINT', () => finish(0));
      client.on('connect', () => {
        client.subscribe(filter, { qos: 1 }, (err) => {
          if (err) console.error(`mote watch: cannot subscribe to ${filter}: ${err.message}; check the broker's ACL`);
          else console.error(`watching ${filter} on ${broker}`);
        });
      });
      client.on('error', (err) => console.error(`mote watch: ${broker}: ${err.message}; check the --broker URL and that the broker runs`));
      client.on('message', (topic, payload, packet) => {
        const parsed = parseTopic(topic);
        if (!parsed || parsed.kind === 'ota') return;
        try {
          if (parsed.kind === 'telemetry') {
            const envelope = decodeEnvelope(payload);
            const note = gapNote(tracker.see(envelope));
            if (values.json) console.log(jsonLine({ topic, kind: 'telemetry', message: envelope, ...(note && { note }) }));
            else console.log(`${note ? `${note}\n` : ''}${telemetryText(envelope, machines.get(envelope.deviceId))}\n`);
          } else {
            const status = decodeStatus(payload);
            machines.set(status.deviceId, status.machine);
            if (values.json) console.log(jsonLine({ topic, kind: 'status', retained: packet.retain, message: status }));
            else console.log(`${status.state === 'offline' ? 'OFFLINE: ' : ''}${statusText(status, packet.retain)}\n`);
          }
        } catch (err) {
          console.error(`mote watch: ${topic}: cannot decode (${(err as Error).message}); is the agent on another schema version?`);
        }
        if (++seen >= count) finish(0);
      });
    });
  },
};
