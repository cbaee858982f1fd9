/**
 * The MQTT side of ingest: one `mqtt` client per `--broker`, each subscribed to the status,
 * telemetry and OTA result topics of every device, handing each message to ingest. It remembers
 * which broker last carried each device, so that OTA commands go out where the device listens.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { TOPIC_ROOT, parseTopic } from '../../agent/src/telemetry/topics.ts';
import { MoteError } from '../../agent/src/errors.ts';
import { BoundedMap } from './bounded-map.ts';

export const FLEET_FILTERS = [`${TOPIC_ROOT}/+/status`, `${TOPIC_ROOT}/+/telemetry/#`, `${TOPIC_ROOT}/+/ota/result`];
/** A dashboard whose records come from the database hears only statuses (retained: the inventory) and OTA answers. */
export const STATE_FILTERS = [`${TOPIC_ROOT}/+/status`, `${TOPIC_ROOT}/+/ota/result`];

export interface BrokerTls {
  /** PEM file paths, as the agent takes them. */
  ca?: string;
  cert?: string;
  key?: string;
}

export class PublishError extends MoteError {}

export class BrokerSubscriptions {
  private readonly clients: MqttClient[];
  private readonly lastBrokerOf = new BoundedMap<string, MqttClient>(100_000);

  constructor(
    readonly brokers: string[],
    tls: BrokerTls,
    onMessage: (topic: string, payload: Uint8Array, retained: boolean) => void,
    log: (line: string) => void,
    private readonly filters = FLEET_FILTERS,
  ) {
    const options: IClientOptions = {
      clientId: `mote-serve-${randomBytes(6).toString('hex')}`,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      clean: true,
      ...(tls.ca && { ca: readFileSync(tls.ca) }),
      ...(tls.cert && { cert: readFileSync(tls.cert) }),
      ...(tls.key && { key: readFileSync(tls.key) }),
    };
    this.clients = brokers.map((url) => {
      const client = mqtt.connect(url, options);
      let reported = false;
      client.on('connect', () => {
        reported = false;
        client.subscribe(this.filters, { qos: 1 }, (error) => {
          if (error) log(`${url}: cannot subscribe to ${this.filters.join(', ')}: ${error.message}; check the broker's ACL for this client`);
        });
      });
      client.on('error', (error) => {
        if (!reported) log(`${url}: ${error.message}; check the --broker URL, the TLS files and that the broker runs (retrying every second)`);
        reported = true;
      });
      client.on('message', (topic, payload, packet) => {
        const device = parseTopic(topic)?.device;
        if (device !== undefined) this.lastBrokerOf.set(device, client);
        onMessage(topic, payload, packet.retain);
      });
      return client;
    });
  }

  /** Resolves once every client is connected and subscribed, or rejects after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.clients.every((client) => client.connected)) {
      if (Date.now() > deadline) throw new PublishError(`cannot reach ${this.brokers.filter((_, i) => !this.clients[i]!.connected).join(', ')} within ${timeoutMs / 1000} s; check the --broker URL and that the broker runs`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Publishes on the broker the device was last heard on (the first broker if never). */
  async publishTo(device: string, topic: string, payload: Uint8Array): Promise<void> {
    const client = this.lastBrokerOf.peek(device) ?? this.clients[0]!;
    if (!client.connected) throw new PublishError(`the broker of device '${device}' is not connected; try again once it is back`);
    await client.publishAsync(topic, Buffer.from(payload), { qos: 1 });
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.endAsync(true)));
  }
}
