/**
 * Host side of OTA commands over MQTT: sends an install or remove command to devices and waits
 * for each one's result on `mote/v1/<device>/ota/result`, matched by request id. `--all` finds
 * the devices from their retained status (the online ones).
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { MoteError } from '../../agent/src/errors.ts';
import { decodeResult, otaTopic, type OtaCommandPath, type OtaResult } from '../../agent/src/ota/messages.ts';
import { decodeStatus } from '../../agent/src/telemetry/codec.ts';
import { parseTopic, TOPIC_ROOT } from '../../agent/src/telemetry/topics.ts';

export class ExchangeError extends MoteError {}

export interface DeviceAnswer {
  device: string;
  /** Undefined when the device did not answer in time. */
  result?: OtaResult;
}

export function newRequestId(): string {
  return randomBytes(8).toString('hex');
}

async function connect(url: string): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 10_000, clean: true });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (error) => reject(new ExchangeError(`${url}: ${error.message}; check the --broker URL and that the broker runs`)));
  });
  return client;
}

/** Devices whose retained status says online, collected for `windowMs`. */
async function onlineDevices(client: MqttClient, windowMs: number): Promise<string[]> {
  const online = new Set<string>();
  const filter = `${TOPIC_ROOT}/+/status`;
  const listener = (topic: string, payload: Buffer) => {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'status' || payload.length === 0) return;
    try {
      if (decodeStatus(payload).state === 'online') online.add(parsed.device);
      else online.delete(parsed.device);
    } catch {
      // a status this host cannot read: not a device to send to
    }
  };
  client.on('message', listener);
  await client.subscribeAsync(filter, { qos: 1 });
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  client.removeListener('message', listener);
  await client.unsubscribeAsync(filter);
  return [...online].sort();
}

export interface ExchangeOptions {
  broker: string;
  /** One device, or every online device when undefined. */
  device?: string;
  path: OtaCommandPath;
  /** Builds the command payload for a request id. */
  payload(requestId: string): Uint8Array;
  timeoutMs: number;
  /** How long `--all` listens for retained statuses. */
  discoveryMs?: number;
  onAnswer?(answer: DeviceAnswer): void;
}

/** Sends the command and resolves with every device's answer (or lack of one by the timeout). */
export async function exchange(options: ExchangeOptions): Promise<DeviceAnswer[]> {
  const client = await connect(options.broker);
  try {
    const devices = options.device !== undefined ? [options.device] : await onlineDevices(client, options.discoveryMs ?? 2000);
    if (devices.length === 0) throw new ExchangeError(`no device is online on ${options.broker}; start the agents or name one with --device`);
    const requests = new Map(devices.map((device) => [device, newRequestId()]));
    const answers = new Map<string, DeviceAnswer>();
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.timeoutMs);
      client.on('message', (topic, payload) => {
        const parsed = parseTopic(topic);
        if (parsed?.kind !== 'ota' || parsed.path !== 'result' || !requests.has(parsed.device) || answers.has(parsed.device)) return;
        let result: OtaResult;
        try {
          result = decodeResult(payload);
        } catch {
          return;
        }
        if (result.requestId !== requests.get(parsed.device)) return;
        const answer = { device: parsed.device, result };
        answers.set(parsed.device, answer);
        options.onAnswer?.(answer);
        if (answers.size === devices.length) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    for (const device of devices) await client.subscribeAsync(otaTopic(device, 'result'), { qos: 1 });
    for (const [device, requestId] of requests) await client.publishAsync(otaTopic(device, options.path), Buffer.from(options.payload(requestId)), { qos: 1 });
    await done;
    return devices.map((device) => {
      const answer = answers.get(device);
      if (answer) return answer;
      const missing = { device };
      options.onAnswer?.(missing);
      return missing;
    });
  } finally {
    await client.endAsync();
  }
}

/** One answer as text lines: outcome, reason, message, the verifier excerpt indented. */
export function answerText({ device, result }: DeviceAnswer, timeoutMs: number): string {
  if (!result) return `${device}: no answer within ${timeoutMs / 1000} s; is the agent running with OTA keys, and connected?`;
  const reason = result.reason ? ` (${result.reason})` : '';
  const lines = [`${device}: ${result.outcome}${reason} ${result.module || '?'}${result.version ? ` ${result.version}` : ''}: ${result.message}`];
  for (const line of result.verifierExcerpt ?? []) lines.push(`    | ${line}`);
  return lines.join('\n');
}
