/**
 * Per-device authorization on a real mosquitto configured as docs/security.md says: no anonymous
 * clients, passwords made by `mote enroll --password-file` (mosquitto_passwd), client
 * certificates made by `mote enroll --ca` (openssl) with use_identity_as_username, and the ACL
 * file of bundler/enroll/acl.ts. A device cannot publish as another device, cannot send OTA
 * commands (to others or to itself), cannot subscribe to another device's OTA topics; a
 * certificate whose CN is not the device id cannot publish under that id, and one from another
 * CA cannot connect. The positive paths: an operator sends OTA, and the real mote-agent
 * publishes its status and telemetry with its password and with its certificate.
 * A refused publish is shown by PUBACK reason 135 (MQTT 5) and by its absence at the operator,
 * checked after a later publish of the same connection has arrived (mosquitto keeps order).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aclFile, natsUserEntry } from '../../bundler/enroll/acl.ts';
import { accepts, freeLoopbackPort, MOSQUITTO } from '../../bundler/broker/mosquitto.ts';
import { repoRoot } from '../../bundler/paths.ts';
import { rootSkipReason } from '../support/agent.ts';
import { AgentProcess } from '../agent/support.ts';
import { makeTestPki, type TestPki } from './pki.ts';
import { spawn, type ChildProcess } from 'node:child_process';

const OPERATOR = 'fleet-operator';
const work = mkdtempSync(join(tmpdir(), 'mote-acl-'));
chmodSync(work, 0o755); // mosquitto started as root reads its files as user mosquitto
const passwordFile = join(work, 'passwd');
const passwords = new Map<string, string>();
let pki: TestPki;
let broker: ChildProcess;
let brokerLog = '';
const ports = { password: 0, certificate: 0 };

/** `mote enroll <args>` through the real CLI: its stdout. */
function enroll(args: string[]): string {
  return execFileSync(process.execPath, [join(repoRoot, 'bundler', 'cli', 'mote.mjs'), 'enroll', ...args], { encoding: 'utf8', cwd: work });
}

function enrollPassword(name: string, operator = false): void {
  const out = enroll([name, '--password-file', passwordFile, ...(operator ? ['--operator'] : [])]);
  passwords.set(name, out.match(/^ {2}password (\S+)$/m)![1]!);
}

function enrollCertificate(name: string, ca: string, caKey: string, out: string): { cert: string; key: string } {
  enroll([name, '--ca', ca, '--ca-key', caKey, '--out', out]);
  chmodSync(join(out, `${name}.key`), 0o644);
  return { cert: join(out, `${name}.pem`), key: join(out, `${name}.key`) };
}

async function connect(options: IClientOptions & { port: number }): Promise<MqttClient> {
  return mqtt.connectAsync({ host: '127.0.0.1', protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 10_000, ...options });
}

function asPassword(name: string): Promise<MqttClient> {
  return connect({ port: ports.password, username: name, password: passwords.get(name)!, clientId: `acl-${name}-${process.pid}` });
}

function asCertificate(pair: { cert: string; key: string }, clientId: string): Promise<MqttClient> {
  return connect({ port: ports.certificate, protocol: 'mqtts', host: 'localhost', ca: readFileSync(pki.ca), cert: readFileSync(pair.cert), key: readFileSync(pair.key), rejectUnauthorized: true, clientId });
}

/** What the operator received, by topic. */
class Operator {
  readonly received: Array<{ topic: string; payload: string }> = [];
  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => this.received.push({ topic, payload: payload.toString() }));
  }

  static async connect(): Promise<Operator> {
    const client = await asPassword(OPERATOR);
    const operator = new Operator(client);
    await client.subscribeAsync('mote/v1/#', { qos: 1 });
    return operator;
  }

  async waitFor(topic: string, payload?: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.received.some((m) => m.topic === topic && (payload === undefined || m.payload === payload))) {
      if (Date.now() > deadline) throw new Error(`the operator did not receive ${topic}${payload ? ` '${payload}'` : ''}; broker log:\n${brokerLog.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  topics(): string[] {
    return this.received.map((m) => m.topic);
  }
}

/** Publishes at QoS 1: the PUBACK reason code (0 accepted, 135 not authorized). */
async function publish(client: MqttClient, topic: string, payload: string): Promise<number> {
  try {
    await client.publishAsync(topic, payload, { qos: 1 });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

/** A refused publish: reason 135, and the operator never sees it, though it sees the marker sent after it. */
async function expectRefused(client: MqttClient, ownTopic: string, topic: string, operator: Operator): Promise<void> {
  const payload = `refused-${Math.random()}`;
  expect(await publish(client, topic, payload), topic).toBe(135);
  const marker = `after-${Math.random()}`;
  expect(await publish(client, ownTopic, marker)).toBe(0);
  await operator.waitFor(ownTopic, marker);
  expect(operator.received.filter((m) => m.payload === payload)).toEqual([]);
}

const skip = rootSkipReason();

beforeAll(async () => {
  pki = makeTestPki(work);
  enrollPassword('dev-a');
  enrollPassword('dev-b');
  enrollPassword(OPERATOR, true);
  chmodSync(passwordFile, 0o644);
  writeFileSync(join(work, 'acl'), aclFile([OPERATOR]));
  ports.password = await freeLoopbackPort();
  ports.certificate = await freeLoopbackPort();
  const config = [
    'per_listener_settings false', 'allow_anonymous false', `password_file ${passwordFile}`, `acl_file ${join(work, 'acl')}`,
    'persistence false', 'log_dest stderr', 'log_type all',
    `listener ${ports.password} 127.0.0.1`,
    `listener ${ports.certificate} 127.0.0.1`, `cafile ${pki.ca}`, `certfile ${pki.server.cert}`, `keyfile ${pki.server.key}`, 'require_certificate true', 'use_identity_as_username true',
  ];
  writeFileSync(join(work, 'mosquitto.conf'), config.join('\n') + '\n');
  broker = spawn(MOSQUITTO, ['-c', join(work, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  broker.stderr!.on('data', (chunk: Buffer) => (brokerLog += chunk.toString()));
  for (let tries = 0; tries < 100 && broker.exitCode === null; tries++) {
    if ((await accepts(ports.password)) && (await accepts(ports.certificate))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`mosquitto did not start (exit ${broker.exitCode}): ${brokerLog}`);
});

afterAll(async () => {
  if (broker && broker.exitCode === null) {
    const exited = new Promise((resolve) => broker.once('exit', resolve));
    broker.kill('SIGTERM');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

describe('mosquitto with the enrolled passwords and the ACL file', () => {
  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(connect({ port: ports.password, clientId: 'anonymous' })).rejects.toThrow(/Not authorized|Bad User Name or Password/);
    await expect(connect({ port: ports.password, username: 'dev-a', password: 'wrong', clientId: 'wrong' })).rejects.toThrow(/Not authorized|Bad User Name or Password/);
  });

  it('lets a device publish under its own id and refuses it under another device id', async () => {
    const operator = await Operator.connect();
    const device = await asPassword('dev-a');
    try {
      expect(await publish(device, 'mote/v1/dev-a/telemetry/syscount', 'own')).toBe(0);
      await operator.waitFor('mote/v1/dev-a/telemetry/syscount', 'own');
      for (const topic of ['mote/v1/dev-b/telemetry/syscount', 'mote/v1/dev-b/status', 'mote/v1/dev-b/ota/result', 'mote/v1/other/x']) {
        await expectRefused(device, 'mote/v1/dev-a/status', topic, operator);
      }
    } finally {
      await device.endAsync();
      await operator.client.endAsync();
    }
  });

  it('refuses OTA commands from a device, to another device or to itself, and delivers an operator\'s', async () => {
    const operator = await Operator.connect();
    const attacker = await asPassword('dev-a');
    const target = await asPassword('dev-b');
    const delivered: string[] = [];
    target.on('message', (topic, payload) => delivered.push(`${topic} ${payload.toString()}`));
    try {
      await target.subscribeAsync('mote/v1/dev-b/ota/#', { qos: 1 });
      for (const topic of ['mote/v1/dev-b/ota/install', 'mote/v1/dev-b/ota/remove', 'mote/v1/dev-a/ota/install']) {
        await expectRefused(attacker, 'mote/v1/dev-a/status', topic, operator);
      }
      expect(await publish(operator.client, 'mote/v1/dev-b/ota/install', 'from-operator')).toBe(0);
      const deadline = Date.now() + 20_000;
      while (!delivered.includes('mote/v1/dev-b/ota/install from-operator') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(delivered).toEqual(['mote/v1/dev-b/ota/install from-operator']);
    } finally {
      await Promise.all([attacker.endAsync(), target.endAsync(), operator.client.endAsync()]);
    }
  });

  it('never delivers another device\'s OTA commands to a device, whatever it subscribes to', async () => {
    const operator = await Operator.connect();
    const snoop = await asPassword('dev-a');
    const target = await asPassword('dev-b');
    const snooped: string[] = [];
    snoop.on('message', (topic, payload) => snooped.push(`${topic} ${payload.toString()}`));
    try {
      await snoop.subscribeAsync(['mote/v1/dev-a/ota/#', 'mote/v1/dev-b/ota/#', 'mote/v1/#'], { qos: 1 });
      await target.subscribeAsync('mote/v1/dev-b/ota/#', { qos: 1 });
      expect(await publish(operator.client, 'mote/v1/dev-b/ota/install', 'for-dev-b')).toBe(0);
      expect(await publish(operator.client, 'mote/v1/dev-a/ota/install', 'for-dev-a')).toBe(0);
      const deadline = Date.now() + 20_000;
      while (!snooped.some((m) => m.endsWith(' for-dev-a')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      // Delivered once per matching subscription (no MQTT 5 subscription ids here): only its own.
      expect(new Set(snooped)).toEqual(new Set(['mote/v1/dev-a/ota/install for-dev-a']));
    } finally {
      await Promise.all([snoop.endAsync(), target.endAsync(), operator.client.endAsync()]);
    }
  });
});

describe('mosquitto with client certificates from mote enroll --ca', () => {
  it('lets CN=dev-c publish as dev-c, refuses a certificate whose CN is another id, and refuses another CA\'s certificate', async () => {
    const certificates = mkdtempSync(join(work, 'certs-'));
    chmodSync(certificates, 0o755);
    const caKey = join(work, 'ca.key');
    const devC = enrollCertificate('dev-c', pki.ca, caKey, certificates);
    const devD = enrollCertificate('dev-d', pki.ca, caKey, certificates);
    const stranger = enrollCertificate('dev-c', pki.otherCa, join(work, 'other-ca.key'), mkdtempSync(join(work, 'other-')));
    expect(execFileSync('openssl', ['x509', '-in', devC.cert, '-noout', '-subject'], { encoding: 'utf8' })).toMatch(/CN ?= ?dev-c/);
    const operator = await Operator.connect();
    const owner = await asCertificate(devC, 'cert-dev-c');
    const impostor = await asCertificate(devD, 'mote-dev-c');
    try {
      expect(await publish(owner, 'mote/v1/dev-c/telemetry/syscount', 'by-certificate')).toBe(0);
      await operator.waitFor('mote/v1/dev-c/telemetry/syscount', 'by-certificate');
      for (const topic of ['mote/v1/dev-c/telemetry/syscount', 'mote/v1/dev-c/status']) await expectRefused(impostor, 'mote/v1/dev-d/status', topic, operator);
      await expect(asCertificate(stranger, 'stranger')).rejects.toThrow();
    } finally {
      await Promise.all([owner.endAsync(), impostor.endAsync(), operator.client.endAsync()]);
    }
  });
});

describe.skipIf(skip !== null)('the real mote-agent with its credentials', () => {
  it('publishes its status and telemetry with a password, and with a client certificate', async () => {
    const operator = await Operator.connect();
    const config = join(work, 'agent-password.json');
    writeFileSync(config, JSON.stringify({ broker: `mqtt://127.0.0.1:${ports.password}`, device: 'dev-a', username: 'dev-a', password: passwords.get('dev-a') }));
    const certificates = mkdtempSync(join(work, 'agent-certs-'));
    const devE = enrollCertificate('dev-e', pki.ca, join(work, 'ca.key'), certificates);
    const agents = [
      AgentProcess.run(['--config', config, '--modules', 'syscount', '--interval-ms', '500']),
      AgentProcess.run(['--broker', `mqtts://127.0.0.1:${ports.certificate}`, '--server-name', 'localhost', '--ca', pki.ca, '--cert', devE.cert, '--key', devE.key, '--device', 'dev-e', '--modules', 'syscount', '--interval-ms', '500']),
    ];
    try {
      for (const device of ['dev-a', 'dev-e']) {
        await operator.waitFor(`mote/v1/${device}/status`, undefined, 60_000);
        await operator.waitFor(`mote/v1/${device}/telemetry/syscount`, undefined, 60_000);
      }
      expect(brokerLog).not.toMatch(/Denied (PUBLISH|SUBSCRIBE).*mote-dev-[ae]/);
    } finally {
      await Promise.all(agents.map((a) => a.kill()));
      await operator.client.endAsync();
    }
  }, 120_000);
});

describe('the documented configuration', () => {
  const docs = readFileSync(join(repoRoot, 'docs', 'security.md'), 'utf8');
  const natsEntries = [natsUserEntry('gw-0042', 'device', '$2b$11$<bcrypt hash>'), natsUserEntry('fleet-operator', 'operator', '$2b$11$<bcrypt hash>')];

  it('docs/security.md shows the ACL file and the NATS entries this code makes', () => {
    expect(docs).toContain(aclFile(['fleet-operator']));
    for (const entry of natsEntries) expect(docs).toContain(entry);
  });

  it('nats-server -t accepts the NATS authorization block in a three-node cluster with the MQTT gateway, and refuses a damaged one', () => {
    const config = (users: string[]) => [
      'server_name: mote-1', 'listen: 127.0.0.1:4222', `jetstream { store_dir: "${join(work, 'jetstream')}" }`,
      'cluster { name: mote, listen: 127.0.0.1:6222, routes: ["nats://127.0.0.1:6223", "nats://127.0.0.1:6224"] }',
      'mqtt { listen: 127.0.0.1:1883 }', 'authorization {', '  users: [', ...users.map((u) => `    ${u}`), '  ]', '}', '',
    ].join('\n');
    const check = (text: string) => {
      const path = join(work, 'nats.conf');
      writeFileSync(path, text);
      return spawnSync('nats-server', ['-t', '-c', path], { encoding: 'utf8' });
    };
    const good = check(config(natsEntries));
    expect(good.status, good.stderr + good.stdout).toBe(0);
    const damaged = check(config([natsEntries[0]!.slice(0, -3)]));
    expect(damaged.status).not.toBe(0);
  });
});
