/**
 * sockex1 on the real kernel: a helper sends N UDP datagrams of 4 bytes to a loopback port;
 * the socket filter on lo counts them once each (outgoing copies are left out), 46 bytes per
 * frame (14 Ethernet + 20 IPv4 + 8 UDP + 4). Bounded above for other loopback UDP traffic.
 */
import { describe, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { triggerBinary } from '../../bundler/fixtures/kernel-fixtures.ts';
import { counterTotal, recordsOf, sampleWhile, startTrigger } from '../support/module-sampling.ts';

const skipReason = rootSkipReason();
const DATAGRAMS = 300;
const FRAME_BYTES = 46;
const OTHER_TRAFFIC = 5;

describe.skipIf(skipReason !== null)('sockex1', () => {
  it('counts the UDP packets and bytes received on lo', async () => {
    const port = 41_000 + (process.pid % 1000);
    const run = await sampleWhile(['sockex1'], ['--interface', 'lo'], async () => {
      const trigger = await startTrigger(triggerBinary(), { calls: DATAGRAMS, udpPort: port, execs: 0, spinMs: 0 });
      await trigger.run();
    });
    const records = recordsOf(run, 'sockex1');
    const packets = counterTotal(records, (key) => Array.isArray(key) && key[0] === 'udp' && key[1] === 'packets');
    const bytes = counterTotal(records, (key) => Array.isArray(key) && key[0] === 'udp' && key[1] === 'bytes');
    expect(packets).toBeGreaterThanOrEqual(DATAGRAMS);
    expect(packets).toBeLessThanOrEqual(DATAGRAMS + OTHER_TRAFFIC);
    expect(bytes).toBeGreaterThanOrEqual(DATAGRAMS * FRAME_BYTES);
    expect(bytes).toBeLessThanOrEqual(DATAGRAMS * FRAME_BYTES + OTHER_TRAFFIC * 1500);
  });
});
