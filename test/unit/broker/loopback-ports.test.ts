/**
 * Loopback ports for launched servers (bundler/broker/loopback-ports.ts): never handed out twice,
 * within a process or across processes, no reservation left behind by a process that is gone, and
 * a server counts as started only when it is the one listening on its port. A real mosquitto
 * plays the server: once on a free port, once on a port another program holds.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { waitFor } from '../../../bundler/fixtures/waiting.ts';
import { expect, it } from 'vitest';
import { freeLoopbackPort, listensOn } from '../../../bundler/broker/loopback-ports.ts';
import { MOSQUITTO } from '../../../bundler/broker/mosquitto.ts';
import { ServerProcess } from '../../../bundler/broker/server-process.ts';

const MODULE = join(import.meta.dirname, '../../../bundler/broker/loopback-ports.ts');
const COUNT = 300;

it('hands out distinct, bindable ports below the ephemeral range, each reserved under this pid', async () => {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const ports: number[] = [];
  for (let i = 0; i < COUNT; i++) ports.push(await freeLoopbackPort());
  expect(new Set(ports).size).toBe(COUNT);
  for (const port of ports) {
    expect(port).toBeLessThan(low);
    expect(readFileSync(join(tmpdir(), 'mote-ports', String(port)), 'utf8')).toBe(String(process.pid));
  }
});

it('never hands out a port another living process reserved, frees its reservations when that process exits, and sweeps those of dead ones', async () => {
  // A reservation left by a process that is gone (port 1 is never drawn): the next process's first call removes it.
  const dead = spawn('true');
  await once(dead, 'exit');
  const stale = join(tmpdir(), 'mote-ports', '1');
  writeFileSync(stale, String(dead.pid));
  // 300 ports each from 10,000: without reservations two processes would share about 9.
  const script = `const { freeLoopbackPort } = await import(${JSON.stringify(MODULE)});
    const ports = []; for (let i = 0; i < ${COUNT}; i++) ports.push(await freeLoopbackPort());
    console.log(JSON.stringify(ports)); process.stdin.once('data', () => process.exit(0));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => output.includes('\n') || child.exitCode !== null, 'the other process to reserve its ports', 30_000);
  if (!output.startsWith('[')) throw new Error(`the other process failed: ${output}`);
  const theirs = JSON.parse(output) as number[];
  expect(existsSync(stale)).toBe(false);
  expect(theirs).toHaveLength(COUNT);
  const ours: number[] = [];
  for (let i = 0; i < COUNT; i++) ours.push(await freeLoopbackPort());
  expect(ours.filter((port) => theirs.includes(port))).toEqual([]);
  child.stdin!.write('done\n');
  await once(child, 'exit');
  expect(theirs.filter((port) => existsSync(join(tmpdir(), 'mote-ports', String(port))) && !ours.includes(port))).toEqual([]);
}, 60_000);

it('starts a server that is the one listening on its port, and refuses a port another program holds', async () => {
  const port = await freeLoopbackPort();
  const mosquitto = new ServerProcess('mosquitto', MOSQUITTO, ['-p', String(port)], port);
  await mosquitto.start();
  expect(listensOn(mosquitto.pid!, port)).toBe(true);
  expect(listensOn(process.pid, port)).toBe(false);
  await mosquitto.kill();

  const squatter = net.createServer();
  const taken = await freeLoopbackPort();
  await new Promise<void>((resolve) => squatter.listen(taken, '127.0.0.1', resolve));
  try {
    const late = new ServerProcess('mosquitto', MOSQUITTO, ['-p', String(taken)], taken);
    await expect(late.start(5000)).rejects.toThrow(`mosquitto: another program listens on 127.0.0.1:${taken}`);
    expect(late.running).toBe(false);
  } finally {
    squatter.close();
  }
}, 30_000);
