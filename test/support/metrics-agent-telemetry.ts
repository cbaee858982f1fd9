/**
 * Real telemetry for the metrics tests: the host `mote-agent run` on this kernel publishes the
 * given modules every 500 ms to a real mosquitto, a subscriber decodes every status and
 * envelope in arrival order, and each becomes the FleetEvent ingest would hand on (QoS 1
 * resends dropped by device, boot and sequence, as ingest does). Also reads the text
 * exposition back into samples, for assertions.
 */
import { AgentProcess } from '../agent/support.ts';
import { Subscriber } from '../telemetry/harness.ts';
import { Mosquitto } from './mosquitto.ts';
import type { FleetEvent } from '../../bundler/ingest/fleet-events.ts';

export const SAMPLING_INTERVAL_MS = 500;

/** What the subscriber received so far, as fleet events in arrival order. */
export function fleetEventsOf(subscriber: Subscriber): FleetEvent[] {
  const seen = new Set<string>();
  return subscriber.messages.flatMap((message): FleetEvent[] => {
    if (message.status) return [{ kind: 'status', device: message.status.deviceId, status: message.status, retained: message.retain, receivedMs: 0 }];
    if (!message.envelope) return [];
    const { deviceId, bootId, module, sequence } = message.envelope;
    const id = JSON.stringify([deviceId, Buffer.from(bootId).toString('hex'), module, sequence]);
    if (seen.has(id)) return [];
    seen.add(id);
    return [{ kind: 'telemetry', device: deviceId, envelope: message.envelope, receivedMs: 0 }];
  });
}

/**
 * Runs the agent while `workload` runs, until `done` holds over the events so far (at most
 * 60 s, then fails with the agent's log); returns the events.
 */
export async function agentFleetEvents(device: string, modules: string[], workload: () => Promise<void>, done: (events: FleetEvent[]) => boolean): Promise<FleetEvent[]> {
  const broker = await Mosquitto.start();
  const subscriber = await Subscriber.connect(broker.url, `mote/v1/${device}/#`);
  const agent = AgentProcess.run(['--broker', broker.url, '--device', device, '--modules', modules.join(','), '--interval-ms', String(SAMPLING_INTERVAL_MS)]);
  try {
    await agent.waitFor('the agent to publish telemetry', () => subscriber.messages.some((m) => m.envelope), 60_000);
    await workload();
    await agent.waitFor('the workload to show in the telemetry', () => done(fleetEventsOf(subscriber)), 60_000);
    return fleetEventsOf(subscriber);
  } finally {
    await agent.kill();
    await subscriber.close();
    await broker.stop();
  }
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (`name{a="b",...} value` lines; comments skipped). */
export function exposedSamples(text: string): Sample[] {
  return text.split('\n').flatMap((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) return [];
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    return [{ name: match[1]!, labels, value: Number(match[3]) }];
  });
}
