/**
 * The device's Telemetry as `run` configures it: the brokers (plain or TLS) over the binding's
 * sockets, failing over from one to the next, the device id, a fresh boot id, the outbox (an
 * on-disk log with `outbox.dir`, else in memory), QoS, MQTT version, keepalive, credentials and
 * status interval from the config.
 */
import { newBootId } from '../telemetry/transports/boot-id.ts';
import type { Sys } from '../sys/types.ts';
import { Outbox } from '../telemetry/outbox.ts';
import { DurableOutbox } from '../telemetry/durable-outbox.ts';
import { FailoverTransport } from '../telemetry/failover-transport.ts';
import type { Logger } from '../telemetry/runtime.ts';
import { Telemetry, type TelemetryOptions } from '../telemetry/telemetry.ts';
import { mathRandom, quickjsReadiness, quickjsTimers, sysClock } from '../telemetry/transports/quickjs-runtime.ts';
import { SocketTransport } from '../telemetry/transports/socket-transport.ts';
import { AGENT_VERSION } from '../version.ts';
import type { AgentConfig } from './config.ts';
import { connectionSettings, DEFAULT_OUTBOX_BYTES, DEFAULT_OUTBOX_CAPACITY, DEFAULT_OUTBOX_FSYNC_MS, DEFAULT_STATUS_INTERVAL_MS } from './settings.ts';

export interface DeviceTelemetry {
  telemetry: Telemetry;
  device: string;
}

function deviceOutbox(sys: Sys, config: AgentConfig, log: Logger): { outbox: Outbox; description: string } {
  const { capacity = DEFAULT_OUTBOX_CAPACITY, dir, maxBytes = DEFAULT_OUTBOX_BYTES, fsync = DEFAULT_OUTBOX_FSYNC_MS } = config.outbox ?? {};
  if (dir === undefined) return { outbox: new Outbox(capacity), description: `outbox ${capacity} messages in memory` };
  const outbox = new DurableOutbox(sys, { dir, maxBytes, fsync }, quickjsTimers, log);
  return { outbox, description: `outbox ${dir} (${maxBytes} bytes, fsync ${fsync === 'always' ? 'every record' : `within ${fsync} ms`})` };
}

export function deviceTelemetry(sys: Sys, config: AgentConfig, log: Logger, onCommand: TelemetryOptions['onCommand']): DeviceTelemetry {
  const { brokers, device } = connectionSettings(sys, config);
  const { outbox, description } = deviceOutbox(sys, config, log);
  const { release, machine } = sys.uname();
  const env = { sys, readiness: quickjsReadiness, timers: quickjsTimers };
  const transports = brokers.map(({ broker, tls }) => new SocketTransport(env, broker.host, broker.port, tls));
  const telemetry = new Telemetry({
    deviceId: device, bootId: newBootId(sys), agentVersion: AGENT_VERSION, release, machine,
    transport: new FailoverTransport(transports),
    outbox, timers: quickjsTimers, clock: sysClock(sys), random: mathRandom, log,
    qos: config.qos ?? 1,
    protocolVersion: config.protocolVersion ?? 4,
    statusIntervalMs: config.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS,
    ...(config.keepaliveSeconds !== undefined && { keepaliveSeconds: config.keepaliveSeconds }),
    ...(config.username !== undefined && { username: config.username }),
    ...(config.password !== undefined && { password: config.password }),
    ...(outbox instanceof DurableOutbox && { onPeriodic: () => outbox.flush() }),
    ...(onCommand && { onCommand }),
  });
  log.info(`run: device '${device}', broker ${brokers.map((b) => b.broker.url).join(', ')}, ${description}`);
  return { telemetry, device };
}
