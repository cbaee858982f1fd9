/**
 * `mote-agent check-broker` against a real mosquitto: plain MQTT, mutual TLS, server-only TLS with
 * an RSA certificate, and the failures that must stay failures (a CA that did not sign the
 * broker's certificate, a certificate for another host, a missing client certificate), with no
 * MQTT ever reaching the broker then. The host binary runs directly, the armhf one under qemu-arm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult as Outcome } from '../../agent/src/commands/check-broker.ts';
import { Subscriber, waitUntil } from '../telemetry/harness.ts';
import { runAgent, useTlsBroker, type AgentResult } from './support.ts';

const broker = useTlsBroker();
let subscriber: Subscriber;

beforeAll(async () => {
  subscriber = await Subscriber.connect(`mqtt://127.0.0.1:${broker().ports.plain}`, 'mote/v1/+/status');
});
afterAll(async () => {
  await subscriber?.close();
});

function outcome(run: AgentResult): Outcome {
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as Outcome;
}

function checkBroker(target: 'host' | 'armhf', device: string, args: string[]): Promise<AgentResult> {
  return runAgent(target, ['check-broker', '--device', device, '--json', ...args]);
}

/** The mutual-TLS listener with the test CA and the client certificate. */
function mutualTls(ca = broker().pki.ca): string[] {
  const { ports, pki } = broker();
  return ['--broker', `mqtts://localhost:${ports.mutual}`, '--ca', ca, '--cert', pki.client.cert, '--key', pki.client.key];
}

/** Runs a check that must fail in TLS, and shows the broker closed that connection with no MQTT CONNECT. */
async function expectRefusedBeforeMqtt(device: string, args: string[], target: 'host' | 'armhf' = 'host'): Promise<Outcome> {
  const closedBefore = broker().closedBeforeMqtt();
  const run = await checkBroker(target, device, args);
  expect(run.status).toBe(1);
  await waitUntil('the broker to close the failed TLS connection', () => broker().closedBeforeMqtt() > closedBefore).catch((error: Error) => {
    throw new Error(`${error.message}; agent said: ${run.stderr.trim()}; broker log tail:\n${broker().output.split('\n').slice(-12).join('\n')}`);
  });
  expect(broker().connectedClients()).not.toContain(`mote-${device}-check`);
  expect(subscriber.statuses(device)).toEqual([]);
  return outcome(run);
}

describe('mote-agent check-broker (host)', () => {
  it('publishes a retained status over plain mqtt://', async () => {
    const run = await checkBroker('host', 'tls-plain', ['--broker', `mqtt://127.0.0.1:${broker().ports.plain}`]);
    expect(run.status).toBe(0);
    expect(outcome(run)).toMatchObject({ ok: true, tls: false, topic: 'mote/v1/tls-plain/status' });
    await waitUntil('the status', () => subscriber.statuses('tls-plain').length === 1);
    expect(subscriber.statuses('tls-plain')[0]).toMatchObject({ deviceId: 'tls-plain', state: 'offline' });
    expect(subscriber.messages.find((m) => m.topic === 'mote/v1/tls-plain/status')?.qos).toBe(1);
  });

  it('connects with mutual TLS, and a subscriber sees the message', async () => {
    const run = await checkBroker('host', 'tls-mutual', mutualTls());
    expect(run.status).toBe(0);
    expect(outcome(run)).toMatchObject({ ok: true, tls: true, clientCertificate: true, broker: `mqtts://localhost:${broker().ports.mutual}` });
    await waitUntil('the status', () => subscriber.statuses('tls-mutual').length === 1);
    expect(subscriber.statuses('tls-mutual')[0]).toMatchObject({ deviceId: 'tls-mutual', state: 'offline', machine: 'x86_64' });
    expect(broker().connectedClients()).toContain('mote-tls-mutual-check');
  });

  it('the status is retained: a later subscriber gets it', async () => {
    const late = await Subscriber.connect(`mqtt://127.0.0.1:${broker().ports.plain}`, 'mote/v1/tls-mutual/status');
    await waitUntil('the retained status', () => late.messages.length === 1);
    expect(late.messages[0]).toMatchObject({ retain: true, status: { deviceId: 'tls-mutual' } });
    await late.close();
  });

  it('verifies an RSA server certificate (ECDHE-RSA, ChaCha20-Poly1305) without a client certificate', async () => {
    const { ports, pki } = broker();
    const run = await checkBroker('host', 'tls-rsa', ['--broker', `mqtts://localhost:${ports.rsa}`, '--ca', pki.ca]);
    expect(run.status).toBe(0);
    expect(outcome(run)).toMatchObject({ ok: true, tls: true, clientCertificate: false });
    await waitUntil('the status', () => subscriber.statuses('tls-rsa').length === 1);
  });

  it('refuses a broker whose certificate the given CA did not sign, before any MQTT', async () => {
    const result = await expectRefusedBeforeMqtt('tls-wrong-ca', mutualTls(broker().pki.otherCa));
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('ETLSVERIFY');
    expect(result.detail).toContain('not signed by any of the given CA certificates');
    expect(result.detail).toContain('give the CA that issued the server');
  });

  it('refuses a server certificate issued for another host name', async () => {
    const { ports, pki } = broker();
    const result = await expectRefusedBeforeMqtt('tls-wrong-host', ['--broker', `mqtts://localhost:${ports.wrongHost}`, '--ca', pki.ca]);
    expect(result.detail).toContain('ETLSVERIFY');
    expect(result.detail).toContain("not issued for 'localhost' (hostname mismatch)");
  });

  it('verifies a broker reached by address against the name given with --server-name', async () => {
    const { ports, pki } = broker();
    const byAddress = ['--broker', `mqtts://127.0.0.1:${ports.rsa}`, '--ca', pki.ca];
    const named = await checkBroker('host', 'tls-by-address', [...byAddress, '--server-name', 'localhost']);
    expect(outcome(named)).toMatchObject({ ok: true, tls: true });
    const unnamed = await expectRefusedBeforeMqtt('tls-by-address-unnamed', byAddress);
    expect(unnamed.detail).toContain("not issued for '127.0.0.1'");
    expect(unnamed.detail).toContain('give the server name to verify separately');
  });

  it('says a client certificate may be needed when the broker ends the handshake without one', async () => {
    const { ports, pki } = broker();
    const result = await expectRefusedBeforeMqtt('tls-no-cert', ['--broker', `mqtts://localhost:${ports.mutual}`, '--ca', pki.ca]);
    expect(result.detail).toMatch(/client certificate/);
  });

  it('does not speak plaintext to a TLS port, nor TLS to a plain one', async () => {
    const { ports, pki } = broker();
    const tlsToPlain = await checkBroker('host', 'tls-to-plain', ['--broker', `mqtts://localhost:${ports.plain}`, '--ca', pki.ca]);
    expect(tlsToPlain.status).toBe(1);
    expect(outcome(tlsToPlain).detail).toMatch(/not speak TLS on this port/);
    expect(broker().connectedClients()).not.toContain('mote-tls-to-plain-check');
  });

  it('rejects mqtts:// without --ca, and --ca with mqtt://, as usage errors', async () => {
    const { ports } = broker();
    const noCa = await runAgent('host', ['check-broker', '--broker', `mqtts://localhost:${ports.mutual}`]);
    expect(noCa.status).toBe(2);
    expect(noCa.stdout).toContain('mqtts:// needs --ca <file>');
    const caOnPlain = await runAgent('host', ['check-broker', '--broker', `mqtt://localhost:${ports.plain}`, '--ca', broker().pki.ca]);
    expect(caOnPlain.status).toBe(2);
    expect(caOnPlain.stdout).toContain('--ca, --cert, --key and --server-name are for mqtts:// brokers');
  });
});

describe('armhf mote-agent under qemu-arm', () => {
  it('connects with mutual TLS, and a subscriber sees the message', async () => {
    const run = await checkBroker('armhf', 'tls-armhf', mutualTls());
    expect(run.status).toBe(0);
    expect(outcome(run)).toMatchObject({ ok: true, tls: true, clientCertificate: true });
    await waitUntil('the status', () => subscriber.statuses('tls-armhf').length === 1);
    expect(subscriber.statuses('tls-armhf')[0]).toMatchObject({ deviceId: 'tls-armhf', machine: expect.stringMatching(/^armv[78]l$/) });
  });

  it('refuses a broker whose certificate the given CA did not sign', async () => {
    const result = await expectRefusedBeforeMqtt('tls-armhf-wrong-ca', mutualTls(broker().pki.otherCa), 'armhf');
    expect(result.detail).toContain('ETLSVERIFY');
  });
});
