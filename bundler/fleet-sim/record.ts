/**
 * Records the corpus from a real agent: starts a local mosquitto and the host `mote-agent run`
 * with every built-in module (root, real BPF on this kernel), captures what it publishes for a
 * while, and keeps its last online status and the first few envelopes of each module, as the
 * broker delivered them. Behind `mote fleet-sim --record`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import mqtt from 'mqtt';
import { decodeStatus } from '../../agent/src/telemetry/codec.ts';
import { parseTopic } from '../../agent/src/telemetry/topics.ts';
import { Mosquitto } from '../broker/mosquitto.ts';
import { agentBinary } from '../paths.ts';
import { CorpusError, writeCorpus } from './corpus.ts';

const RECORDING_DEVICE = 'fleet-sim-recording';

export interface RecordOptions {
  /** Where the corpus goes. */
  out: string;
  /** How long the agent runs. */
  seconds: number;
  /** Envelopes kept per module, at most. */
  perModule: number;
  log(line: string): void;
}

export interface RecordSummary {
  /** Envelopes kept, by module. */
  modules: Map<string, number>;
  bytes: number;
}

export async function recordCorpus(options: RecordOptions): Promise<RecordSummary> {
  if (!existsSync(agentBinary.host)) throw new CorpusError(`${agentBinary.host} is missing; run 'npm run build' first`);
  if (process.getuid?.() !== 0) throw new CorpusError('recording runs the host agent, which loads BPF programs; run it as root');
  const broker = await Mosquitto.start();
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, clean: true });
  let status: Uint8Array | undefined;
  const envelopes = new Map<string, Uint8Array[]>();
  client.on('message', (topic, payload) => {
    const parsed = parseTopic(topic);
    if (parsed?.kind === 'status' && payload.length > 0 && decodeStatus(payload).state === 'online' && decodeStatus(payload).modules) status = new Uint8Array(payload);
    if (parsed?.kind !== 'telemetry') return;
    const kept = envelopes.get(parsed.module) ?? [];
    if (kept.length < options.perModule) envelopes.set(parsed.module, [...kept, new Uint8Array(payload)]);
  });
  await client.subscribeAsync(`mote/v1/${RECORDING_DEVICE}/#`, { qos: 1 });
  const agent = spawn(agentBinary.host, ['run', '--broker', broker.url, '--device', RECORDING_DEVICE, '--interval-ms', '1000'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let agentLog = '';
  agent.stderr.on('data', (chunk: Buffer) => (agentLog += chunk.toString()));
  const exited = new Promise((resolve) => agent.once('exit', resolve));
  try {
    options.log(`fleet-sim: recording the host agent's built-in modules for ${options.seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
    agent.kill('SIGTERM');
    await exited;
  } finally {
    agent.kill('SIGKILL');
    await client.endAsync();
    await broker.stop();
  }
  if (!status || envelopes.size === 0) {
    throw new CorpusError(`the host agent published ${status ? 'no telemetry' : 'no online status'} in ${options.seconds} s; give it more --seconds. Its log ends:\n${agentLog.slice(-2000)}`);
  }
  const kept = [...envelopes.values()].flat();
  writeCorpus(options.out, { status, envelopes: kept });
  return { modules: new Map([...envelopes].map(([module, list]) => [module, list.length])), bytes: kept.reduce((n, e) => n + e.length, status.length) };
}
