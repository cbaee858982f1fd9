/**
 * `mote serve` as one object, for the CLI command, `mote start` and the tests: brokers →
 * ingest → fleet events → inventory, history, metrics and live pushes, and the HTTP server over
 * them (FleetMetrics serves /metrics; with `remoteWrite` they also go out by Prometheus remote
 * write). start() resolves once it listens (the brokers may still be connecting); stop() closes
 * everything it opened, after one last remote write push.
 */
import type { AddressInfo } from 'node:net';
import { BrokerSubscriptions, FLEET_FILTERS, STATE_FILTERS, type BrokerTls } from '../ingest/broker-subscriptions.ts';
import type { FleetEvent, FleetEventSink } from '../ingest/fleet-events.ts';
import { Ingest, type IngestLimits } from '../ingest/ingest.ts';
import { FleetMetrics } from '../metrics/fleet-metrics.ts';
import { History } from '../store/history.ts';
import { RemoteWriteSender } from '../store/remote-write/sender.ts';
import { Inventory } from '../store/inventory.ts';
import { DatabaseHistory } from '../store/victoria/database-history.ts';
import { DatabasePoller } from '../store/victoria/database-poller.ts';
import { VictoriaClient } from '../store/victoria/victoria-client.ts';
import { LiveEvents } from './live-events.ts';
import { createFleetServer } from './server.ts';

export interface FleetServiceOptions {
  brokers: string[];
  tls: BrokerTls;
  /** host:port; port 0 picks a free one. */
  listen: { host: string; port: number };
  token: string | null;
  historyMinutes: number;
  /** Series per device and module, in the metrics and the history. */
  seriesCap: number;
  /** Series in the whole history. */
  maxSeries: number;
  /** Devices kept in the inventory and in ingest's dedupe state. */
  maxDevices: number;
  /** Where to send every metric by Prometheus remote write, and how often; none without it. */
  remoteWrite?: { url: string; intervalMs: number };
  /**
   * The time-series database the ingest workers (`mote serve --ingest-only`) write to. With it,
   * this process ingests no records: history and losses are read from the database, and the
   * inventory comes from the brokers' retained statuses, so any number of dashboards can run.
   */
  database?: string;
  ingestLimits?: Partial<IngestLimits>;
  log: (line: string) => void;
}

export interface FleetService {
  url: string;
  inventory: Inventory;
  history: History | DatabaseHistory;
  ingest: Ingest;
  stop(): Promise<void>;
}

export async function startFleetService(options: FleetServiceOptions): Promise<FleetService> {
  const sinks: FleetEventSink[] = [];
  // Every sink gets every event even when another one fails; ingest then logs the failure as a bug.
  const fanOut: FleetEventSink = {
    accept: (event: FleetEvent) => {
      let failure: unknown;
      for (const sink of sinks) {
        try {
          sink.accept(event);
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure !== undefined) throw failure;
    },
  };
  const inventory = new Inventory(options.maxDevices);
  const archOf = (device: string) => inventory.arch(device);
  const live = new LiveEvents(inventory);
  const metrics = new FleetMetrics({ seriesCap: options.seriesCap, maxDevices: options.maxDevices });
  const database = options.database === undefined ? null : new VictoriaClient(options.database);
  let history: History | DatabaseHistory;
  let poller: DatabasePoller | null = null;
  if (database) {
    history = new DatabaseHistory(database, { historyMinutes: options.historyMinutes, seriesCap: options.seriesCap, archOf });
    poller = new DatabasePoller(database, options.historyMinutes, live, fanOut, options.log);
    sinks.push(inventory, metrics, live);
  } else {
    history = new History({ historyMinutes: options.historyMinutes, seriesPerModule: options.seriesCap, maxSeries: options.maxSeries, archOf });
    sinks.push(inventory, history, metrics, live);
  }
  const ingest = new Ingest(fanOut, { log: options.log, limits: { maxDevices: options.maxDevices, ...options.ingestLimits } });
  const expiry = setInterval(() => ingest.expireMissing(), 1000);
  const brokers = new BrokerSubscriptions(options.brokers, options.tls, (topic, payload, retained) => ingest.accept(topic, payload, retained), options.log, database ? STATE_FILTERS : FLEET_FILTERS);
  const server = createFleetServer({ inventory, history, live, brokers, token: options.token, metrics }, options.log);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listen.port, options.listen.host, () => resolve());
    });
  } catch (error) {
    clearInterval(expiry);
    poller?.stop();
    live.close();
    await brokers.close();
    throw error;
  }
  const remoteWrite = options.remoteWrite && new RemoteWriteSender({ ...options.remoteWrite, registry: metrics.prometheusRegistry, log: options.log });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/`,
    inventory,
    history,
    ingest,
    async stop() {
      clearInterval(expiry);
      poller?.stop();
      live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await brokers.close();
      await remoteWrite?.stop();
    },
  };
}
