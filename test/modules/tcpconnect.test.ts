/**
 * tcpconnect on the real kernel (the tracepoint variant here, as this kernel has no kprobes):
 * N connects to a loopback listener on a known port, over IPv4 and (where lo has ::1) IPv6,
 * are exactly N events with this process's pid, the addresses and the port, through the ring
 * buffer and through the perf buffer of kernels before 5.8 alike.
 */
import { createConnection, createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { EVENT_PATHS, eventRows, recordsOf, sampleWhile, variantOf } from '../support/module-sampling.ts';

const skipReason = rootSkipReason();
const CONNECTS = 5;

async function listenOn(host: string): Promise<Server | null> {
  const server = createServer((socket) => socket.destroy());
  try {
    server.listen(0, host);
    await once(server, 'listening');
    return server;
  } catch {
    return null;
  }
}

async function connectTimes(host: string, port: number, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const socket = createConnection({ host, port });
    await once(socket, 'connect');
    socket.destroy();
  }
}

describe.skipIf(skipReason !== null).each(EVENT_PATHS)('tcpconnect through the $path', ({ env, variant }) => {
  it('reports each loopback connect with pid, addresses and port', async () => {
    const v4 = (await listenOn('127.0.0.1'))!;
    const v6 = await listenOn('::1');
    const port4 = (v4.address() as { port: number }).port;
    const port6 = v6 ? (v6.address() as { port: number }).port : -1;
    try {
      const run = await sampleWhile(['tcpconnect'], [], async () => {
        await connectTimes('127.0.0.1', port4, CONNECTS);
        if (v6) await connectTimes('::1', port6, CONNECTS);
      }, 500, env);
      expect(variantOf(run, 'tcpconnect')).toMatch(variant);
      const records = recordsOf(run, 'tcpconnect');
      const rows = eventRows(records);
      const ipv4 = rows.filter((row) => row.dport === port4);
      expect(ipv4).toHaveLength(CONNECTS);
      for (const row of ipv4) expect(row).toMatchObject({ pid: process.pid, family: 'af_inet', saddr: '127.0.0.1', daddr: '127.0.0.1' });
      if (v6) {
        const ipv6 = rows.filter((row) => row.dport === port6);
        expect(ipv6).toHaveLength(CONNECTS);
        for (const row of ipv6) expect(row).toMatchObject({ pid: process.pid, family: 'af_inet6', saddr: '::1', daddr: '::1' });
      } else {
        console.warn('tcpconnect: IPv6 part not checked, lo has no ::1');
      }
    } finally {
      v4.close();
      v6?.close();
    }
  });
});
