/**
 * `mote-agent check-broker --broker mqtt[s]://host[:port] [--ca file] [--cert file] [--key file]
 * [--server-name name] [--device id] [--json]`: proves this device reaches its broker. Connects once with the telemetry
 * MQTT session (TLS with server verification for mqtts://, mutual TLS with --cert/--key),
 * publishes one retained status message on mote/v1/<device>/status, disconnects cleanly and
 * prints the result. The status says 'offline', since no agent runs once the check is over.
 */
import type { Sys } from '../sys/types.ts';
import { newBootId } from '../telemetry/transports/boot-id.ts';
import { AGENT_VERSION } from '../version.ts';
import { encodeStatus } from '../telemetry/codec.ts';
import { Outbox } from '../telemetry/outbox.ts';
import { SCHEMA_VERSION } from '../telemetry/messages.ts';
import { MqttSession } from '../telemetry/session.ts';
import { checkTopicLevel, statusTopic } from '../telemetry/topics.ts';
import { parseBrokerUrl, type BrokerAddress } from '../telemetry/transports/broker-url.ts';
import { ignoreSigpipe, mathRandom, quickjsReadiness, quickjsTimers, sysClock } from '../telemetry/transports/quickjs-runtime.ts';
import { SocketTransport, type TlsCredentials } from '../telemetry/transports/socket-transport.ts';
import { tlsCredentials } from '../telemetry/transports/tls-files.ts';
import { ArgumentError, parseAgentArgs } from './args.ts';
import { MoteError } from '../errors.ts';
import { observeFirstFailure } from './first-failure.ts';
import type { AgentCommand } from './command.ts';

const USAGE = 'usage: mote-agent check-broker --broker mqtt[s]://host[:port] [--ca file] [--cert file] [--key file] [--server-name name] [--device id] [--json]';
const CONNECT_TIMEOUT_MS = 10_000;

const VALUE = { value: true };
const SPEC = { broker: VALUE, ca: VALUE, cert: VALUE, key: VALUE, 'server-name': VALUE, device: VALUE, json: {} };

interface Options {
  broker: string;
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
  device?: string;
  json: boolean;
}

function parseOptions(args: string[]): Options {
  const { options, positionals } = parseAgentArgs('check-broker', args, SPEC);
  if (positionals.length > 0) throw new ArgumentError(`check-broker: unexpected argument '${positionals[0]}'`);
  const text = (name: string) => options[name] as string | undefined;
  const broker = text('broker');
  if (broker === undefined) throw new ArgumentError('check-broker: --broker is required');
  return { broker, ca: text('ca'), cert: text('cert'), key: text('key'), serverName: text('server-name'), device: text('device'), json: options.json === true };
}

export interface CheckResult {
  ok: boolean;
  broker: string;
  tls: boolean;
  clientCertificate: boolean;
  device: string;
  topic: string;
  detail: string;
}

/** Connects, publishes the retained status, disconnects; resolves with what happened. */
async function check(sys: Sys, broker: BrokerAddress, tls: TlsCredentials | undefined, device: string): Promise<CheckResult> {
  const { release, machine } = sys.uname();
  const topic = statusTopic(device);
  const payload = encodeStatus({
    schemaVersion: SCHEMA_VERSION, deviceId: device, bootId: newBootId(sys), timeMs: Math.floor(sysClock(sys).realtimeMs()),
    state: 'offline', agentVersion: AGENT_VERSION, release, machine,
  });
  const env = { sys, readiness: quickjsReadiness, timers: quickjsTimers };
  const { transport, log, failed } = observeFirstFailure(new SocketTransport(env, broker.host, broker.port, tls));
  const result = (ok: boolean, detail: string): CheckResult => ({ ok, broker: broker.url, tls: broker.tls, clientCertificate: Boolean(tls?.cert), device, topic, detail });
  let session: MqttSession | undefined;
  const published = new Promise<CheckResult>((resolve) => {
    session = new MqttSession({
      transport, timers: quickjsTimers, random: mathRandom, log, outbox: new Outbox(1),
      clientId: `mote-${device}-check`, connectTimeoutMs: CONNECT_TIMEOUT_MS,
      onConnected: () => session!.publishDirect({ topic, payload, qos: 1, retain: true }, () => resolve(result(true, `published a retained status (${payload.length} bytes) and disconnected`))),
    });
    session.start();
  });
  const outcome = await Promise.race([published, failed.then((reason) => result(false, reason))]);
  await session!.stop();
  return outcome;
}

export const checkBrokerCommand: AgentCommand = {
  name: 'check-broker',
  summary: 'connect to an MQTT broker (mqtt:// or mqtts://), publish a retained status, disconnect',
  async run(sys, args) {
    let options: Options;
    let broker: BrokerAddress;
    let tls: TlsCredentials | undefined;
    let device: string;
    try {
      options = parseOptions(args);
      broker = parseBrokerUrl(options.broker);
      tls = tlsCredentials(sys, broker, { ca: options.ca, cert: options.cert, key: options.key, serverName: options.serverName });
      device = options.device ?? sys.uname().nodename;
      checkTopicLevel('device id', device);
    } catch (error) {
      if (!(error instanceof MoteError)) throw error;
      print(`mote-agent ${error instanceof ArgumentError ? error.message : `check-broker: ${error.message}`}\n${USAGE}`);
      return 2;
    }
    ignoreSigpipe();
    const outcome = await check(sys, broker, tls, device);
    if (options.json) print(JSON.stringify(outcome));
    else print(`${outcome.ok ? 'OK  ' : 'FAIL'}  ${outcome.broker}${outcome.tls ? ' (TLS' + (outcome.clientCertificate ? ', client certificate)' : ')') : ''}: ${outcome.detail}`);
    return outcome.ok ? 0 : 1;
  },
};
