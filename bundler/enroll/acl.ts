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
