/**
 * `mote serve`: the fleet side. Subscribes to every device on the given brokers and serves the
 * fleet dashboard, its JSON API, live pushes, OTA upload (with a bearer token) and Prometheus
 * metrics over HTTP (bundler/web/). Ctrl-C stops it.
 */
import { readFileSync } from 'node:fs';
import { MoteError } from '../../../agent/src/errors.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { brokerOption, existingPath, integerOption, parseCommandLine } from '../options.ts';
import { startFleetService, type FleetServiceOptions } from '../../web/fleet-service.ts';
import { startWorkerService, type WorkerServiceOptions } from '../../ingest/worker/worker-service.ts';
import type { NatsCredentials } from '../../ingest/worker/jetstream-source.ts';

const HELP = `usage: mote serve [--broker URL]... [--ca FILE --cert FILE --key FILE] [--listen HOST:PORT]
                  [--token-file FILE] [--history-minutes N] [--series-cap N] [--max-series N]
                  [--max-devices N] [--remote-write URL [--remote-write-interval N]]
                  [--database URL]
       mote serve --ingest-only --database URL (--jetstream URL... | --broker URL...)
                  [--group NAME] [--replicas N] [--listen HOST:PORT]

Serves the fleet: a dashboard at http://HOST:PORT/, its JSON API (bundler/web/API.md), live
updates, Prometheus metrics at /metrics and OTA upload, from every device on the brokers.
With --database, the records come from a time-series database that ingest workers fill: the
dashboard reads history and losses from it and its inventory from the brokers' retained
statuses, so any number of dashboards can run. With --ingest-only, this process is such a
worker: it shares the stream with the other workers of its --group, writes every record to the
database and acknowledges it only once the database accepted it.
  --broker URL          mqtt://host[:port] or mqtts://host[:port]; repeat for several brokers
                        (default mqtt://127.0.0.1:1883)
  --ca, --cert, --key   PEM files for mqtts:// (the broker's CA; a client certificate and key)
  --listen HOST:PORT    where to listen (default 127.0.0.1:8080; 0 as the port picks a free one)
  --token-file FILE     a file holding the bearer token that OTA upload needs; without it the
                        dashboard is read-only
  --history-minutes N   how much history to keep in memory (default 60)
  --series-cap N        series per device and module, in metrics and history; the rest go into
                        one 'other' series (default 200)
  --max-series N        series in the whole history; the least recently updated modules' series
                        are dropped first (default 100000)
  --max-devices N       devices kept in the inventory, the history and the metrics; past it the
                        least recently heard one is forgotten (default 10000)
  --remote-write URL    also send every metric to a Prometheus-compatible database by remote
                        write 1.0, e.g. http://victoria:8428/api/v1/write (Prometheus:
                        http://host:9090/api/v1/write, run with --web.enable-remote-write-receiver)
  --remote-write-interval N
                        seconds between two sends (default 15; an ingest worker's own metrics)
  --database URL        a VictoriaMetrics base URL (single node: http://host:8428), run with
                        -dedup.minScrapeInterval=1ms (see the README's fleet section)
  --ingest-only         be an ingest worker: no dashboard; /metrics and /healthz on --listen
  --jetstream URL       nats://host:port of the NATS cluster, repeat for each node: share its
                        JetStream stream MOTE_TELEMETRY (made if missing) with the other workers;
                        nats://USER@host:port logs in as an enrolled operator, its password in
                        $MOTE_JETSTREAM_PASSWORD
  --broker URL          (with --ingest-only) an MQTT 5 broker: share $share/<group>/... with
                        the other workers; repeat for several brokers
  --group NAME          the workers' group: JetStream durable consumer, MQTT share name
                        (default mote-ingest)
  --replicas N          copies of the JetStream streams when this worker makes them (default 3)`;

export const DEFAULT_LISTEN = '127.0.0.1:8080';

export function listenOption(raw: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(raw);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new UsageError(`--listen '${raw}' is not HOST:PORT`, 'write for example --listen 127.0.0.1:8080, or 0.0.0.0:8080 to be reached from other machines');
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

function httpUrlOption(option: string, raw: string, example: string): string {
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') throw new UsageError(`--${option} '${raw}' is not an http:// or https:// URL`, `give ${example}`);
  return url.href;
}

/**
 * The --jetstream URLs as NATS servers, and the operator's credentials from their user part
 * (nats://USER:PASSWORD@host:port, or nats://USER@host:port with the password in
 * $MOTE_JETSTREAM_PASSWORD, out of the process list), the same on every URL.
 */
function jetstreamOption(raws: string[]): { servers: string[]; credentials?: NatsCredentials } {
  const urls = raws.map((raw) => {
    const url = URL.canParse(raw) ? new URL(raw) : null;
    if (!url || url.protocol !== 'nats:' || url.hostname === '') throw new UsageError(`--jetstream '${raw}' is not a nats:// URL`, 'give a node of the NATS cluster, e.g. --jetstream nats://nats1:4222, once per node');
    return url;
  });
  const users = new Set(urls.map((url) => `${url.username}:${url.password}`));
  if (users.size > 1) throw new UsageError('the --jetstream URLs name different users or passwords', 'give every node the same nats://USER@host:port (the password in $MOTE_JETSTREAM_PASSWORD), or none');
  const servers = urls.map((url) => `nats://${url.host}`);
  const user = percentDecoded(urls[0]!.username, 'user');
  if (user === '') return { servers };
  const pass = urls[0]!.password !== '' ? percentDecoded(urls[0]!.password, 'password') : process.env.MOTE_JETSTREAM_PASSWORD;
  if (pass === undefined || pass === '') throw new UsageError(`--jetstream names the user '${user}' but no password`, 'set MOTE_JETSTREAM_PASSWORD to the password mote enroll printed for it (or write nats://USER:PASSWORD@host:port)');
  return { servers, credentials: { user, pass } };
}

function percentDecoded(text: string, what: 'user' | 'password'): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UsageError(`the --jetstream ${what} '${text}' has a broken %-escape`, `write each % in it as %25 (URL encoding), or put the password in $MOTE_JETSTREAM_PASSWORD`);
  }
}

function groupOption(raw: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) throw new UsageError(`--group '${raw}' is not a group name`, 'use 1 to 64 letters, digits, - and _ (it names a JetStream consumer and an MQTT share)');
  return raw;
}

function tokenOption(path: string): string {
  const token = readFileSync(existingPath('--token-file', path), 'utf8').trim();
  if (token.length < 8) throw new UsageError(`--token-file '${path}' holds a token shorter than 8 characters`, 'put a long random secret in it, e.g. openssl rand -hex 32 > FILE');
  return token;
}

/** Starts a service, turning a port it cannot listen on into a user's error. */
async function listening<T>(listen: { host: string; port: number }, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new MoteError(`cannot listen on ${listen.host}:${listen.port} (${code}); choose another with --listen HOST:PORT`);
    }
    throw error;
  }
}

/** Runs until SIGINT or SIGTERM. */
async function untilStopped(service: { stop(): Promise<void> }): Promise<number> {
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  console.log('mote serve: stopping');
  await service.stop();
  return 0;
}

async function serveFleet(options: FleetServiceOptions): Promise<number> {
  const service = await listening(options.listen, () => startFleetService(options));
  const store = options.database ? `; history from ${options.database}` : options.remoteWrite ? `; remote write to ${options.remoteWrite.url} every ${options.remoteWrite.intervalMs / 1000} s` : '';
  console.log(`mote serve: dashboard at ${service.url} (brokers: ${options.brokers.join(', ')}; ${options.token === null ? 'read-only, no --token-file' : 'OTA upload with the token'}${store})`);
  return untilStopped(service);
}

async function serveIngest(options: WorkerServiceOptions): Promise<number> {
  const service = await listening(options.listen, () => startWorkerService(options));
  console.log(`mote serve: ingest worker, metrics at ${service.url}metrics`);
  return untilStopped(service);
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the fleet dashboard, its API, OTA upload and Prometheus metrics',
  async run(argv) {
    const { values } = parseCommandLine(argv, {
      help: { type: 'boolean', short: 'h' },
      broker: { type: 'string', multiple: true },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      listen: { type: 'string', default: DEFAULT_LISTEN },
      'token-file': { type: 'string' },
      'history-minutes': { type: 'string', default: '60' },
      'series-cap': { type: 'string', default: '200' },
      'max-series': { type: 'string', default: '100000' },
      'max-devices': { type: 'string', default: '10000' },
      'remote-write': { type: 'string' },
      'remote-write-interval': { type: 'string', default: '15' },
      database: { type: 'string' },
      'ingest-only': { type: 'boolean' },
      jetstream: { type: 'string', multiple: true },
      group: { type: 'string', default: 'mote-ingest' },
      replicas: { type: 'string', default: '3' },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const database = values.database === undefined ? undefined : httpUrlOption('database', values.database, 'the database\'s base URL, e.g. --database http://victoria:8428');
    if (values['ingest-only'] && database === undefined) throw new UsageError('--ingest-only needs --database URL: a worker writes every record there', 'add for example --database http://victoria:8428');
    if (values.jetstream !== undefined && !values['ingest-only']) throw new UsageError('--jetstream is for ingest workers', 'add --ingest-only, or give the dashboard --broker URLs of the cluster\'s MQTT listeners and --database');
    if (values.jetstream !== undefined && values.broker !== undefined) throw new UsageError('an ingest worker reads either a JetStream cluster (--jetstream) or MQTT 5 brokers (--broker), not both', 'run one worker per kind of source');
    const brokers = (values.broker ?? ['mqtt://127.0.0.1:1883']).map(brokerOption);
    if (brokers.some((url) => url.startsWith('mqtts:')) && values.ca === undefined) throw new UsageError('an mqtts:// broker needs --ca FILE (the CA that signed its certificate)');
    if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together: give both or neither');
    const tls = {
      ...(values.ca !== undefined && { ca: existingPath('--ca', values.ca) }),
      ...(values.cert !== undefined && { cert: existingPath('--cert', values.cert) }),
      ...(values.key !== undefined && { key: existingPath('--key', values.key) }),
    };
    const remoteWriteIntervalS = integerOption('remote-write-interval', values['remote-write-interval'], 1);
    const log = (line: string) => console.error(`mote serve: ${line}`);
    if (values['ingest-only']) {
      return serveIngest({
        ...(values.jetstream !== undefined && { jetstream: { ...jetstreamOption(values.jetstream), replicas: integerOption('replicas', values.replicas, 1) } }),
        brokers,
        tls,
        group: groupOption(values.group),
        database: database!,
        listen: listenOption(values.listen),
        metricsIntervalMs: remoteWriteIntervalS * 1000,
        log,
      });
    }
    return serveFleet({
      brokers,
      tls,
      listen: listenOption(values.listen),
      token: values['token-file'] === undefined ? null : tokenOption(values['token-file']),
      historyMinutes: integerOption('history-minutes', values['history-minutes'], 1),
      seriesCap: integerOption('series-cap', values['series-cap'], 2),
      maxSeries: integerOption('max-series', values['max-series'], 1),
      maxDevices: integerOption('max-devices', values['max-devices'], 1),
      ...(values['remote-write'] !== undefined && { remoteWrite: { url: httpUrlOption('remote-write', values['remote-write'], 'the database\'s remote write endpoint, e.g. --remote-write http://victoria:8428/api/v1/write'), intervalMs: remoteWriteIntervalS * 1000 } }),
      ...(database !== undefined && { database }),
      log,
    });
  },
};
