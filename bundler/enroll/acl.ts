/**
 * Who may publish and subscribe where on the broker, as mosquitto ACL lines. A device may publish
 * only its own status, telemetry and OTA results, and subscribe only to its own OTA commands; an
 * operator (the `mote` CLI, `mote serve`) reads everything and is the only one who may send OTA
 * installs and removals. The device rules are written once, for one device id or, with `%u`
 * (the MQTT username: the device id of a password, or the CN of a client certificate with
 * use_identity_as_username), as patterns for every device. `%c`, the client id, is not used: the
 * client chooses it, nobody checks it.
 */
import { otaTopic } from '../../agent/src/ota/messages.ts';
import { TOPIC_ROOT, statusTopic, telemetryTopic } from '../../agent/src/telemetry/topics.ts';
import { PARKED_SUBJECTS } from '../ingest/worker/jetstream-source.ts';

const USERNAME = '%u';

/** The topics a device writes to, and the filter it reads from, for `device` (an id or '%u'). */
function deviceRules(device: string): Array<['write' | 'read', string]> {
  return [
    ['write', statusTopic(device)],
    ['write', telemetryTopic(device, '#')],
    ['write', otaTopic(device, 'result')],
    ['read', `${TOPIC_ROOT}/${device}/ota/#`],
  ];
}

/** The ACL lines for one enrolled device, under its own `user` heading. */
export function deviceAclLines(device: string): string[] {
  return [`user ${device}`, ...deviceRules(device).map(([access, topic]) => `topic ${access} ${topic}`)];
}

/** The ACL lines of an operator: read every device's messages, send OTA commands to any. */
export function operatorAclLines(operator: string): string[] {
  return [`user ${operator}`, `topic read ${TOPIC_ROOT}/#`, `topic write ${otaTopic('+', 'install')}`, `topic write ${otaTopic('+', 'remove')}`];
}

/** The device rules for every device at once, as mosquitto `pattern` lines. */
export function devicePatternLines(): string[] {
  return deviceRules(USERNAME).map(([access, topic]) => `pattern ${access} ${topic}`);
}

/** A whole ACL file: the device patterns, then one section per operator. */
export function aclFile(operators: string[]): string {
  const sections = [['# Devices: the username is the device id (password) or the certificate CN (use_identity_as_username).', ...devicePatternLines()], ...operators.map(operatorAclLines)];
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

/**
 * An MQTT topic filter as the NATS subjects the NATS MQTT gateway maps it to: levels joined by
 * '.', a '.' inside a level written '//', '+' as '*', and a trailing '#' as both its parent
 * subject and '>' below it ('#' also matches the level above it).
 */
function natsSubjects(topic: string): string[] {
  const levels = topic.split('/').map((level) => (level === '+' ? '*' : level === '#' ? '>' : level.replaceAll('.', '//')));
  const subject = levels.join('.');
  return levels.at(-1) === '>' ? [levels.slice(0, -1).join('.'), subject] : [subject];
}

/**
 * Where the NATS MQTT gateway delivers QoS 1 subscriptions (one JetStream consumer each). Every
 * MQTT client that subscribes at QoS 1 needs it; MQTT clients cannot subscribe to it themselves
 * (topics starting with '$' are refused), and devices may not use plain NATS connections.
 */
const MQTT_DELIVERIES = '$MQTT.sub.>';

export interface NatsPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
}

/**
 * The same rules as NATS permissions for the user `name` (NATS configuration files have no
 * per-user templates like %u, so each device gets its own entry). An operator also gets the
 * JetStream API, acknowledgements and inboxes that an ingest worker (`mote serve --jetstream`)
 * needs, and the subjects where it parks messages it cannot use.
 */
export function natsPermissions(name: string, role: 'device' | 'operator'): NatsPermissions {
  if (role === 'device') {
    const rules = deviceRules(name);
    const subjects = (access: 'write' | 'read') => rules.filter(([rule]) => rule === access).flatMap(([, topic]) => natsSubjects(topic));
    return { publish: { allow: subjects('write') }, subscribe: { allow: [...subjects('read'), MQTT_DELIVERIES] } };
  }
  return {
    publish: { allow: [...natsSubjects(otaTopic('+', 'install')), ...natsSubjects(otaTopic('+', 'remove')), PARKED_SUBJECTS, '$JS.API.>', '$JS.ACK.>'] },
    subscribe: { allow: [...natsSubjects(`${TOPIC_ROOT}/#`), MQTT_DELIVERIES, '_INBOX.>'] },
  };
}

/**
 * One entry of a NATS `authorization { users: [...] }` list; `password` is a bcrypt hash (or a
 * placeholder). A device may connect only through the MQTT gateway: over plain NATS it could
 * subscribe to every device's QoS 1 deliveries.
 */
export function natsUserEntry(name: string, role: 'device' | 'operator', password: string): string {
  const list = (subjects: string[]) => `[${subjects.map((s) => JSON.stringify(s)).join(', ')}]`;
  const permissions = natsPermissions(name, role);
  const connectionTypes = role === 'device' ? ', allowed_connection_types: ["MQTT"]' : '';
  return `{ user: ${JSON.stringify(name)}, password: ${JSON.stringify(password)}, permissions: { publish: { allow: ${list(permissions.publish.allow)} }, subscribe: { allow: ${list(permissions.subscribe.allow)} } }${connectionTypes} }`;
}
