/**
 * The armhf mote-agent under qemu-arm runs `run` against a real mosquitto. qemu's user mode has
 * no bpf(2), so every module is skipped, and the retained status says why; the agent still keeps
 * its session, and SIGTERM still ends it with `offline`.
 */
import { expect, it } from 'vitest';
import { useMosquitto } from '../support/mosquitto.ts';
import { checkWithCbor2 } from '../support/cbor2.ts';
import { Subscriber, waitUntil } from '../telemetry/harness.ts';
import { AgentProcess } from './support.ts';

const broker = useMosquitto();

it('runs under qemu-arm, lists every module as skipped with the reason, and stops cleanly', async () => {
  const device = 'qemu-armhf';
  const subscriber = await Subscriber.connect(broker().url, `mote/v1/${device}/#`);
  const agent = AgentProcess.run(['--broker', broker().url, '--device', device], 'armhf');
  try {
    await waitUntil('an online status listing modules', () => subscriber.statuses(device).some((s) => s.state === 'online' && (s.modules ?? []).length > 0), 60_000);
    const online = subscriber.statuses(device).find((s) => s.state === 'online' && (s.modules ?? []).length > 0)!;
    expect(online.machine).toMatch(/^armv[78]l$/);
    for (const module of online.modules!) expect(module).toMatchObject({ version: expect.any(String), error: expect.stringMatching(/^bpf\(2\) is not usable here: this kernel \(or emulator\) has no bpf\(2\) \(ENOSYS\)/) });
    expect(agent.stderr).toMatch(/modules running: none/);
    const raw = subscriber.messages.find((m) => m.status === online)!;
    expect(checkWithCbor2([['status', raw.payload]])[0]).toMatchObject({ ok: true, summary: { state: 'online' } });
    agent.signal('SIGTERM');
    expect((await agent.exit(30_000)).code).toBe(0);
    await waitUntil('the offline status', () => subscriber.statuses(device).some((s) => s.state === 'offline'));
    expect(subscriber.telemetry()).toEqual([]);
  } finally {
    await agent.kill();
    await subscriber.close();
  }
}, 120_000);
