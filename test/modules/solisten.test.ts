/**
 * solisten on the real kernel (the syscall tracepoint variant here): a listen on a loopback
 * port with a known backlog is one event with this process's pid, the address, the port, the
 * backlog and result 0, through the ring buffer and through the perf buffer of kernels before
 * 5.8 alike.
 */
import { createServer } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { EVENT_PATHS, eventRows, recordsOf, sampleWhile, variantOf } from '../support/module-sampling.ts';

const skipReason = rootSkipReason();
const BACKLOG = 37;

describe.skipIf(skipReason !== null).each(EVENT_PATHS)('solisten through the $path', ({ env, variant }) => {
  it('reports a listen with its address, port and backlog', async () => {
    const server = createServer();
    let port = 0;
    try {
      const run = await sampleWhile(['solisten'], [], async () => {
        server.listen({ host: '127.0.0.1', port: 0, backlog: BACKLOG });
        await once(server, 'listening');
        port = (server.address() as { port: number }).port;
      }, 500, env);
      expect(variantOf(run, 'solisten')).toMatch(variant);
      const rows = eventRows(recordsOf(run, 'solisten')).filter((row) => row.pid === process.pid);
      expect(rows).toEqual([expect.objectContaining({ family: 'af_inet', addr: '127.0.0.1', port, backlog: BACKLOG, result: 0 })]);
    } finally {
      server.close();
    }
  });
});
