/**
 * A real mosquitto for the TLS tests, with its own config and four loopback listeners: plain
 * MQTT, mutual TLS (client certificate required, ECDSA server certificate), server-only TLS with
 * an RSA certificate and ChaCha20-Poly1305 only, and server-only TLS whose certificate names
 * another host. The broker logs
 * every connection, so a test can tell which clients got as far as an MQTT CONNECT.
 * Also runs the built mote-agent, host or armhf under qemu-arm, without blocking the test's loop.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { agentBinary } from '../../bundler/paths.ts';
import { accepts, freeLoopbackPort } from '../../bundler/broker/mosquitto.ts';
import { makeTestPki, type TestPki } from './pki.ts';

const MOSQUITTO = '/usr/sbin/mosquitto';

export interface TlsBrokerPorts {
  plain: number;
  mutual: number;
  rsa: number;
  wrongHost: number;
}

export class TlsBroker {
  private log = '';

  private constructor(
    readonly directory: string,
    readonly pki: TestPki,
    readonly ports: TlsBrokerPorts,
    private readonly process: ChildProcess,
  ) {
    process.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
  }

  static async start(): Promise<TlsBroker> {
    const directory = mkdtempSync(join(tmpdir(), 'mote-tls-'));
    chmodSync(directory, 0o755); // mosquitto started as root loads its files as user mosquitto
    const pki = makeTestPki(directory);
    const ports = { plain: await freeLoopbackPort(), mutual: await freeLoopbackPort(), rsa: await freeLoopbackPort(), wrongHost: await freeLoopbackPort() };
    const config = [
      'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type all',
      `listener ${ports.plain} 127.0.0.1`,
      `listener ${ports.mutual} 127.0.0.1`, `cafile ${pki.ca}`, `certfile ${pki.server.cert}`, `keyfile ${pki.server.key}`, 'require_certificate true',
      `listener ${ports.rsa} 127.0.0.1`, `certfile ${pki.serverRsa.cert}`, `keyfile ${pki.serverRsa.key}`, 'ciphers ECDHE-RSA-CHACHA20-POLY1305',
      `listener ${ports.wrongHost} 127.0.0.1`, `certfile ${pki.wrongHostServer.cert}`, `keyfile ${pki.wrongHostServer.key}`,
    ];
    writeFileSync(join(directory, 'mosquitto.conf'), config.join('\n') + '\n');
    const child = spawn(MOSQUITTO, ['-c', join(directory, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const broker = new TlsBroker(directory, pki, ports, child);
    for (let tries = 0; tries < 100 && child.exitCode === null; tries++) {
      if ((await Promise.all(Object.values(ports).map(accepts))).every(Boolean)) return broker;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await broker.stop();
    throw new Error(`mosquitto did not start its listeners ${JSON.stringify(ports)} (exit ${child.exitCode}): ${broker.log}`);
  }

  /** Client ids that completed an MQTT CONNECT, from the broker's log. */
  connectedClients(): string[] {
    return [...this.log.matchAll(/New client connected from \S+ as (\S+)/g)].map((m) => m[1]!);
  }

  /**
   * Connections that ended before any MQTT CONNECT (failed TLS, not MQTT). mosquitto words it
   * after when the refusal reached it: during its accept ("Client connection from ... failed"),
   * during the handshake ("Client <unknown> disconnected"), or as a plain close ("closed its
   * connection").
   */
  closedBeforeMqtt(): number {
    return [...this.log.matchAll(/Client <unknown> (disconnected|closed its connection)|Client connection from \S+ failed/g)].length;
  }

  get output(): string {
    return this.log;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null) {
      const exited = new Promise((resolve) => this.process.once('exit', resolve));
      this.process.kill('SIGTERM');
      await exited;
    }
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** Starts one TlsBroker for the test file and stops it afterwards. */
export function useTlsBroker(): () => TlsBroker {
  let broker: TlsBroker | undefined;
  beforeAll(async () => {
    broker = await TlsBroker.start();
  });
  afterAll(async () => {
    await broker?.stop();
  });
  return () => {
    if (!broker) throw new Error('the TLS broker is not running: call useTlsBroker() at the top of the test file');
    return broker;
  };
}

export interface AgentResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs mote-agent (host, or armhf under qemu-arm) to completion, within `timeoutMs`. */
export async function runAgent(target: 'host' | 'armhf', args: string[], timeoutMs = 60_000): Promise<AgentResult> {
  const binary = agentBinary[target];
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run 'npm run build' (npm test does it first)`);
  const [file, argv] = target === 'host' ? [binary, args] : ['qemu-arm', [binary, ...args]];
  return new Promise((resolve) => {
    execFile(file, argv, { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}
