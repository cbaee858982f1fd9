/**
 * A telemetry agent in its own process, for the test that kills it with SIGKILL:
 * `node --import tsx agent-process.ts <port> <device>`. It publishes one record a second.
 */
import { startAgent } from './harness.ts';
import { syscountRecord } from '../../bundler/fixtures/telemetry-samples.ts';

const [port, device] = process.argv.slice(2);
const agent = startAgent(Number(port), device!);
setInterval(() => agent.telemetry.publish('syscount', '1.2.0', { startMs: 0, lengthMs: 1000 }, syscountRecord), 1000);
