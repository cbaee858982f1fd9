/**
 * MQTT topic names: `mote/v1/<device>/telemetry/<module>`, `mote/v1/<device>/status` (retained)
 * and `mote/v1/<device>/ota/...` (commands and results of OTA updates).
 */
import { MoteError } from '../errors.ts';

export const TOPIC_ROOT = 'mote/v1';

/** Throws unless `name` can be one topic level: not empty, no '/', '+', '#' or NUL. */
export function checkTopicLevel(what: string, name: string): void {
  if (name === '' || /[/+#\u0000]/.test(name)) {
    throw new MoteError(`${what} '${name}' cannot be an MQTT topic level: use a non-empty name without '/', '+', '#'`);
  }
}

export function telemetryTopic(device: string, module: string): string {
  return `${TOPIC_ROOT}/${device}/telemetry/${module}`;
}

export function statusTopic(device: string): string {
  return `${TOPIC_ROOT}/${device}/status`;
}

/** The filter the agent subscribes to for OTA commands. */
export function otaFilter(device: string): string {
  return `${TOPIC_ROOT}/${device}/ota/#`;
}

export type ParsedTopic =
  | { kind: 'telemetry'; device: string; module: string }
  | { kind: 'status'; device: string }
  | { kind: 'ota'; device: string; path: string };

/** Splits a Mote topic; undefined for anything else. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const [mote, version, device, kind, ...rest] = topic.split('/');
  if (`${mote}/${version}` !== TOPIC_ROOT || !device) return undefined;
  if (kind === 'telemetry' && rest.length === 1 && rest[0]) return { kind, device, module: rest[0] };
  if (kind === 'status' && rest.length === 0) return { kind, device };
  if (kind === 'ota' && rest.length > 0) return { kind, device, path: rest.join('/') };
  return undefined;
}
