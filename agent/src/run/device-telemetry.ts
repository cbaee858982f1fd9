/**
 * The device's Telemetry as `run` configures it: the broker (plain or TLS) over the binding's
 * sockets, the device id, a fresh boot id, the outbox (file-backed with `outbox.file`), QoS,
 * MQTT version, keepalive, credentials and status interval from the config.
 */
import { newBootId } from '../telemetry/transports/boot-id.ts';
import type { Sys } from '../sys/types.ts';
import { Outbox } from '../telemetry/outbox.ts';
import { PersistentOutbox } from '../telemetry/persistent-outbox.ts';
import type { Logger } from '../telemetry/runtime.ts';
import { Telemetry, type TelemetryOptions } from '../telemetry/telemetry.ts';
import { mathRandom, quickjsReadiness, quickjsTimers, sysClock } from '../telemetry/transports/quickjs-runtime.ts';
import { SocketTransport } from '../telemetry/transports/socket-transport.ts';
import { AGENT_VERSION } from '../version.ts';
import type { AgentConfig } from './config.ts';
import { outboxFile } from './outbox-file.ts';
import { connectionSettings, DEFAULT_OUTBOX_CAPACITY, DEFAULT_STATUS_INTERVAL_MS } from './settings.ts';

export interface DeviceTelemetry {
  telemetry: Telemetry;
  device: string;
}

export function deviceTelemetry(sys: Sys, config: AgentConfig, log: Logger, onCommand: TelemetryOptions['onCommand']): DeviceTelemetry {
  const { broker, tls, device } = connectionSettings(sys, config);
  const capacity = config.outbox?.capacity ?? DEFAULT_OUTBOX_CAPACITY;
  const file = config.outbox?.file;
  const outbox = file === undefined ? new Outbox(capacity) : new PersistentOutbox(capacity, outboxFile(sys, file, log), log);
  const { release, machine } = sys.uname();
  const telemetry = new Telemetry({
    deviceId: device, bootId: newBootId(sys), agentVersion: AGENT_VERSION, release, machine,
    transport: new SocketTransport({ sys, readiness: quickjsReadiness, timers: quickjsTimers }, broker.host, broker.port, tls),
    outbox, timers: quickjsTimers, clock: sysClock(sys), random: mathRandom, log,
    qos: config.qos ?? 1,
    protocolVersion: config.protocolVersion ?? 4,
    statusIntervalMs: config.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS,
    ...(config.keepaliveSeconds !== undefined && { keepaliveSeconds: config.keepaliveSeconds }),
    ...(config.username !== undefined && { username: config.username }),
    ...(config.password !== undefined && { password: config.password }),
    ...(outbox instanceof PersistentOutbox && { onPeriodic: () => outbox.persist() }),
    ...(onCommand && { onCommand }),
  });
  log.info(`run: device '${device}', broker ${broker.url}, outbox ${capacity}${file ? ` (file ${file})` : ''}`);
  return { telemetry, device };
}
