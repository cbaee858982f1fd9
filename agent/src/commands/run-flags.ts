/**
 * The command line of `mote-agent run`: where the config file is, and the flags that override
 * it. Flags become an AgentConfig of their own, merged over the file's by run/config-overlay.ts.
 */
import { ArgumentError, parseAgentArgs } from './args.ts';
import { MIN_OUTBOX_BYTES, type AgentConfig } from '../run/config.ts';
import type { RunFlags } from '../run/config-overlay.ts';

export const RUN_USAGE = `usage: mote-agent run [--config file.json] [options]
  --config <file>         JSON config (see the README); flags below override it
  --broker <url>          mqtt://host[:port] or mqtts://host[:port] (default mqtt://localhost:1883);
                          repeat it for failover: each reconnect tries the next one
  --ca <file>             CA certificate(s) of the broker (mqtts://)
  --cert <file>           client certificate for mutual TLS, with --key
  --key <file>            its unencrypted private key
  --server-name <name>    the name the broker's certificate carries, if not the URL's host
  --device <id>           device id in topics (default: /etc/machine-id, else the hostname)
  --modules <a,b,...>     run exactly these modules (default: every built-in one)
  --interval-ms <n>       sampling interval of every module (default 1000)
  --qos <0|1>             QoS of telemetry messages (default 1)
  --outbox <n>            messages held in memory while the broker is away (default 1000)
  --outbox-dir <dir>      keep the outbox in an on-disk log there instead, across restarts
  --outbox-bytes <n>      the most bytes that log takes (default 1048576)
  --outbox-fsync <always|ms>  fsync every record, or within that many ms (default 1000)
  --status-interval-ms <n> how often the retained status is republished (default 60000)
  --ota-key <file.pub>    trust module packages signed by this key (repeatable); enables OTA
  --store <dir>           where OTA keeps installed modules (default /var/lib/mote/modules)
  --cache-dir <dir>       where CO-RE results are kept across restarts (default /var/lib/mote/cache)
SIGHUP reloads the config file: modules start, stop or change without disturbing the others.`;

const VALUE = { value: true };
const SPEC = {
  config: VALUE, broker: { value: true, repeat: true }, ca: VALUE, cert: VALUE, key: VALUE, 'server-name': VALUE, device: VALUE, modules: VALUE,
  'interval-ms': VALUE, qos: VALUE, outbox: VALUE, 'outbox-dir': VALUE, 'outbox-bytes': VALUE, 'outbox-fsync': VALUE, 'status-interval-ms': VALUE,
  'ota-key': { value: true, repeat: true }, store: VALUE, 'cache-dir': VALUE, help: {},
};

function integerFlag(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ArgumentError(`run: --${name} must be an integer >= ${min}, not '${raw}'`);
  return value;
}

function outboxFlags(text: (name: string) => string | undefined): NonNullable<AgentConfig['outbox']> {
  const outbox: NonNullable<AgentConfig['outbox']> = {};
  const capacity = integerFlag('outbox', text('outbox'), 1);
  if (capacity !== undefined) outbox.capacity = capacity;
  const dir = text('outbox-dir');
  if (dir !== undefined) outbox.dir = dir;
  const maxBytes = integerFlag('outbox-bytes', text('outbox-bytes'), MIN_OUTBOX_BYTES);
  if (maxBytes !== undefined) outbox.maxBytes = maxBytes;
  const fsync = text('outbox-fsync');
  if (fsync !== undefined && fsync !== 'always' && !/^[1-9]\d*$/.test(fsync)) throw new ArgumentError(`run: --outbox-fsync must be 'always' or a number of milliseconds >= 1, not '${fsync}'`);
  if (fsync !== undefined) outbox.fsync = fsync === 'always' ? 'always' : Number(fsync);
  return outbox;
}

export function parseRunFlags(args: string[]): RunFlags {
  const { options, positionals } = parseAgentArgs('run', args, SPEC);
  if (positionals.length > 0) throw new ArgumentError(`run: unexpected argument '${positionals[0]}'\n${RUN_USAGE}`);
  const text = (name: string) => options[name] as string | undefined;
  const overrides: AgentConfig = {};
  const brokers = options.broker as string[] | undefined;
  if (brokers !== undefined) overrides.brokers = brokers;
  if (text('device')) overrides.device = text('device');
  const tls = { ca: text('ca'), cert: text('cert'), key: text('key'), serverName: text('server-name') };
  if (Object.values(tls).some((v) => v !== undefined)) {
    overrides.tls = Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
  }
  const qos = text('qos');
  if (qos !== undefined) {
    if (qos !== '0' && qos !== '1') throw new ArgumentError(`run: --qos must be 0 or 1, not '${qos}'`);
    overrides.qos = qos === '0' ? 0 : 1;
  }
  const outbox = outboxFlags(text);
  if (Object.keys(outbox).length > 0) overrides.outbox = outbox;
  const keys = options['ota-key'] as string[] | undefined;
  if (keys !== undefined || text('store') !== undefined) overrides.ota = { ...(keys && { keys }), ...(text('store') !== undefined && { store: text('store') }) };
  const statusIntervalMs = integerFlag('status-interval-ms', text('status-interval-ms'), 100);
  if (statusIntervalMs !== undefined) overrides.statusIntervalMs = statusIntervalMs;
  if (text('cache-dir') !== undefined) overrides.cacheDir = text('cache-dir');
  const flags: RunFlags = { overrides, help: options.help === true };
  if (text('config')) flags.configPath = text('config');
  const modules = text('modules');
  if (modules !== undefined) flags.only = modules.split(',').map((m) => m.trim()).filter((m) => m !== '');
  const intervalMs = integerFlag('interval-ms', text('interval-ms'), 10);
  if (intervalMs !== undefined) flags.intervalMs = intervalMs;
  return flags;
}
