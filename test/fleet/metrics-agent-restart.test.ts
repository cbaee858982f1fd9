/**
 * The agent's own counters across a restart, from the real host agent: it runs, publishes
 * statuses with its counters, stops cleanly, starts again (a new boot id, counters from zero)
 * and is SIGKILLed so the broker publishes its Last Will. `mote_agent_sent_total` never goes
 * backwards and ends at what both runs sent, `mote_device_up` ends at 0, and the outbox's bytes
 * and oldest record are the last status's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetMetrics } from '../../bundler/metrics/fleet-metrics.ts';
import { AgentProcess } from '../agent/support.ts';
import { Subscriber } from '../telemetry/harness.ts';
import { rootSkipReason } from '../support/agent.ts';
import { exposedSamples, fleetEventsOf, SAMPLING_INTERVAL_MS } from '../support/metrics-agent-telemetry.ts';
import { Mosquitto } from '../support/mosquitto.ts';

const skipReason = rootSkipReason();
const DEVICE = 'metrics-restart-host';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

async function sentTotal(metrics: FleetMetrics): Promise<number> {
  return exposedSamples(await metrics.metrics()).find((s) => s.name === 'mote_agent_sent_total')?.value ?? 0;
}

describe.skipIf(skipReason !== null)('agent counters across a restart', () => {
  let broker: Mosquitto;
  let subscriber: Subscriber;
  const boots: string[] = [];

  /** Runs the agent until it has published a status counting sent messages; returns its boot id. */
  async function runUntilCounted(stop: 'SIGTERM' | 'SIGKILL'): Promise<string> {
    const agent = AgentProcess.run(['--broker', broker.url, '--device', DEVICE, '--modules', 'syscount', '--interval-ms', String(SAMPLING_INTERVAL_MS), '--status-interval-ms', String(SAMPLING_INTERVAL_MS)]);
    const statuses = () => subscriber.statuses(DEVICE).filter((s) => !boots.includes(hex(s.bootId)));
    try {
      await agent.waitFor('a status counting sent telemetry', () => statuses().some((s) => (s.counters?.sent ?? 0) > 0), 60_000);
      agent.signal(stop);
      await agent.exit();
      await agent.waitFor('its offline status (or Last Will)', () => statuses().some((s) => s.state === 'offline'), 60_000);
      return hex(statuses()[0]!.bootId);
    } finally {
      await agent.kill();
    }
  }

  beforeAll(async () => {
    broker = await Mosquitto.start();
    subscriber = await Subscriber.connect(broker.url, `mote/v1/${DEVICE}/#`);
    boots.push(await runUntilCounted('SIGTERM'));
    boots.push(await runUntilCounted('SIGKILL'));
  });

  afterAll(async () => {
    await subscriber?.close();
    await broker?.stop();
  });

  it('adds the new boot\'s counters to the old ones and never goes backwards', async () => {
    const lastSent = (boot: string) => subscriber.statuses(DEVICE).filter((s) => hex(s.bootId) === boot && s.counters).at(-1)!.counters!.sent;
    const metrics = new FleetMetrics({ seriesCap: 200 });
    const totals: number[] = [];
    for (const event of fleetEventsOf(subscriber)) {
      metrics.accept(event);
      if (event.kind === 'status') totals.push(await sentTotal(metrics));
    }
    expect(boots[0]).not.toBe(boots[1]);
    expect(totals).toEqual([...totals].sort((a, b) => a - b));
    expect(totals.at(-1)).toBe(lastSent(boots[0]!) + lastSent(boots[1]!));
    expect(exposedSamples(await metrics.metrics()).find((s) => s.name === 'mote_device_up')).toMatchObject({ labels: { device: DEVICE }, value: 0 });
  });

  it("exports the outbox's bytes and oldest record of the last status as gauges", async () => {
    const metrics = new FleetMetrics({ seriesCap: 200 });
    for (const event of fleetEventsOf(subscriber)) metrics.accept(event);
    const last = subscriber.statuses(DEVICE).filter((s) => s.counters).at(-1)!.counters!;
    expect(last.bytes).toBeTypeOf('number');
    const samples = exposedSamples(await metrics.metrics());
    expect(samples.find((s) => s.name === 'mote_agent_outbox_bytes')).toMatchObject({ labels: { device: DEVICE }, value: last.bytes });
    expect(samples.find((s) => s.name === 'mote_agent_outbox_oldest_record_timestamp_seconds')).toMatchObject({ labels: { device: DEVICE }, value: last.oldestMs! / 1000 });
  });
});
