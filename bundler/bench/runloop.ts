/**
 * What `mote-agent run` costs while it runs: the host binary samples real modules on this kernel
 * and publishes to a local mosquitto; the agent's CPU time (user + system from /proc, after the
 * modules loaded) is divided by the records a subscriber received in the same 10 s. That is the
 * whole path per record: map reads, decoding, CBOR, MQTT, socket. Prints numbers only; needs root.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { Mosquitto } from '../broker/mosquitto.ts';
import { agentBinary } from '../paths.ts';

const WINDOW_MS = 10_000;
const SETTLE_MS = 3_000;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * CPU time of `pid` (user + system), in ms: from /proc/<pid>/schedstat in nanoseconds where the
 * kernel has it (utime + stime count 10 ms ticks, a step of 0.1% of a core over 10 s), else
 * utime + stime from /proc/<pid>/stat.
 */
function cpuMs(pid: number): number {
  if (existsSync(`/proc/${pid}/schedstat`)) return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

async function measure(broker: Mosquitto, label: string, args: string[]): Promise<void> {
  const device = `bench-${label.replace(/\W+/g, '-')}`;
  let records = 0;
  let bytes = 0;
  const subscriber = await mqtt.connectAsync(broker.url);
  subscriber.on('message', (_topic, payload) => {
    records++;
    bytes += payload.length;
  });
  await subscriber.subscribeAsync(`mote/v1/${device}/telemetry/#`, { qos: 1 });
  const agent = spawn(agentBinary.host, ['run', '--broker', broker.url, '--device', device, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  agent.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  try {
    await sleep(SETTLE_MS);
    const running = /modules running: (.*)/.exec(log)?.[1] ?? '?';
    const [cpuBefore, recordsBefore, bytesBefore] = [cpuMs(agent.pid!), records, bytes];
    await sleep(WINDOW_MS);
    const [cpu, count, kib] = [cpuMs(agent.pid!) - cpuBefore, records - recordsBefore, (bytes - bytesBefore) / 1024];
    const perRecord = count > 0 ? `${((cpu * 1000) / count).toFixed(0)} us per record, ${((cpu * 1000) / kib).toFixed(0)} us per KiB` : 'no records';
    console.log(`${label.padEnd(34)} ${String(count).padStart(5)} records, ${kib.toFixed(0).padStart(6)} KiB; CPU ${cpu.toFixed(0).padStart(4)} ms (${((cpu / WINDOW_MS) * 100).toFixed(2)}% of a core): ${perRecord}  [${running}]`);
  } finally {
    agent.kill('SIGTERM');
    await new Promise((resolve) => agent.once('exit', resolve));
    await subscriber.endAsync();
  }
}

if (process.getuid?.() !== 0) {
  console.log('runloop: needs root (bpf); skipped');
} else {
  const broker = await Mosquitto.start();
  try {
    console.log('mote-agent run on this host (QuickJS, x86_64): CPU over 10 s after the modules loaded, records and payload bytes a subscriber received');
    await measure(broker, 'syscount at 1 Hz', ['--modules', 'syscount', '--interval-ms', '1000']);
    await measure(broker, 'syscount at 10 Hz', ['--modules', 'syscount', '--interval-ms', '100']);
    await measure(broker, 'every loadable built-in at 10 Hz', ['--interval-ms', '100']);
  } finally {
    await broker.stop();
  }
}
