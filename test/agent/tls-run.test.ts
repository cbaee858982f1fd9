/**
 * `mote-agent run` over mutual TLS (mqtts:// with --ca, --cert, --key) against mosquitto with a
 * test PKI: records arrive; with a CA that did not sign the broker, nothing is published and the
 * log says why, with no plaintext fallback.
 */
import { expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { Subscriber, waitUntil } from '../telemetry/harness.ts';
import { useTlsBroker } from '../tls/support.ts';
import { AgentProcess, STEADY_MODULE } from './support.ts';

const broker = useTlsBroker();

it.skipIf(rootSkipReason() !== null)('publishes over mutual TLS, and refuses a broker its CA did not sign', async () => {
  const { ports, pki } = broker();
  const subscriber = await Subscriber.connect(`mqtt://127.0.0.1:${ports.plain}`, 'mote/v1/+/#');
  const tls = (ca: string) => ['--broker', `mqtts://localhost:${ports.mutual}`, '--ca', ca, '--cert', pki.client.cert, '--key', pki.client.key, '--modules', STEADY_MODULE];
  const good = AgentProcess.run([...tls(pki.ca), '--device', 'tls-good']);
  const wrongCa = AgentProcess.run([...tls(pki.otherCa), '--device', 'tls-wrong-ca']);
  try {
    await waitUntil('records over TLS', () => subscriber.telemetry(STEADY_MODULE).some((e) => e.deviceId === 'tls-good'), 30_000);
    await waitUntil('the refusal logged', () => /mqtt: localhost:\d+: .*(certificate|verif)/i.test(wrongCa.stderr), 30_000);
    for (const agent of [good, wrongCa]) agent.signal('SIGTERM');
    for (const agent of [good, wrongCa]) expect((await agent.exit()).code).toBe(0);
    expect(subscriber.messages.some((m) => m.topic.startsWith('mote/v1/tls-wrong-ca/'))).toBe(false);
  } finally {
    await good.kill();
    await wrongCa.kill();
    await subscriber.close();
  }
}, 90_000);
