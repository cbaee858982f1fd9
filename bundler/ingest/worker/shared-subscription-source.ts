/**
 * Messages from an MQTT 5 broker's shared subscription (`$share/<group>/mote/v1/+/telemetry/+`):
 * the broker hands each message to one worker of the group. The session is persistent, so the
 * broker keeps what the worker has not acknowledged across a reconnect and sends it again. The
 * PUBACK of a message goes out only when the worker acknowledges it: `mqtt` sends a PUBACK as soon
 * as a message is handled, so the client's packet sender holds PUBACKs back until then (acks still
 * leave in the order the messages came, as MQTT requires). The broker sends at most
 * `receiveMaximum` messages unacknowledged. Parked messages are published to
 * `mote/parked/<reason>/<original topic>` at QoS 1: subscribe there with a persistent session to
 * keep them.
 */
import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import { readFileSync } from 'node:fs';
import { TOPIC_ROOT } from '../../../agent/src/telemetry/topics.ts';
import type { BrokerTls } from '../broker-subscriptions.ts';
import type { MessageSource, SourceMessage } from './message-source.ts';

export const PARKED_TOPIC_ROOT = 'mote/parked';
const RECEIVE_MAXIMUM = 4000;

interface HeldAck {
  send: () => void;
  acked: boolean;
}

type PacketSender = (packet: Packet, callback?: () => void, noStore?: boolean) => void;

export class SharedSubscriptionSource implements MessageSource {
  readonly description: string;
  private readonly client: MqttClient;
  private readonly queue: SourceMessage[] = [];
  private arrived: (() => void) | null = null;
  /** PUBACKs of the current connection not yet sent, in the order the messages came. */
  private held: HeldAck[] = [];

  constructor(url: string, group: string, clientId: string, tls: BrokerTls, log: (line: string) => void) {
    this.description = `MQTT 5 shared subscription $share/${group} on ${url}`;
    const options: IClientOptions = {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 3600, receiveMaximum: RECEIVE_MAXIMUM },
      reconnectPeriod: 1000,
      ...(tls.ca && { ca: readFileSync(tls.ca) }),
      ...(tls.cert && { cert: readFileSync(tls.cert) }),
      ...(tls.key && { key: readFileSync(tls.key) }),
    };
    this.client = mqtt.connect(url, options);
    const filter = `$share/${group}/${TOPIC_ROOT}/+/telemetry/+`;
    this.client.on('connect', (connack) => {
      if (!connack.sessionPresent) {
        this.client.subscribe(filter, { qos: 1 }, (error) => {
          if (error) log(`${url}: cannot subscribe to ${filter}: ${error.message}; the broker needs MQTT 5 shared subscriptions and an ACL that lets this client read telemetry`);
        });
      }
    });
    this.client.on('close', () => {
      // Acks of the lost connection are void: the broker sends those messages again.
      this.held = [];
    });
    let reported = false;
    this.client.on('error', (error) => {
      if (!reported) log(`${url}: ${error.message}; check the --broker URL and that the broker runs (retrying every second)`);
      reported = true;
    });
    this.client.on('connect', () => (reported = false));
    this.holdPubacks();
  }

  private holdPubacks(): void {
    const client = this.client as unknown as { _sendPacket: PacketSender; handleMessage: (packet: Packet, callback: (error?: Error) => void) => void };
    const send = client._sendPacket.bind(this.client);
    let current: HeldAck | null = null;
    client._sendPacket = (packet, callback, noStore) => {
      if (packet.cmd !== 'puback' || current === null) return send(packet, callback, noStore);
      // The PUBACK the client sends for the message just handled: hold it until the worker acks.
      current.send = () => send(packet, undefined, noStore);
      current = null;
      callback?.();
    };
    client.handleMessage = (packet, callback) => {
      if (packet.cmd === 'publish' && packet.qos === 1) {
        const ack: HeldAck = { send: () => {}, acked: false };
        const connection = this.held;
        connection.push(ack);
        current = ack;
        this.queue.push({ topic: packet.topic, payload: packet.payload as Buffer, ack: () => this.release(connection, ack), stillWorking: () => {} });
        this.arrived?.();
      }
      callback();
    };
  }

  /** Marks one message acknowledged and sends the PUBACKs that are now first in line. */
  private release(connection: HeldAck[], ack: HeldAck): void {
    if (connection !== this.held) return;
    ack.acked = true;
    while (this.held.length > 0 && this.held[0]!.acked) this.held.shift()!.send();
  }

  async next(max: number, waitMs: number): Promise<SourceMessage[]> {
    if (this.queue.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.arrived = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.arrived = null;
    }
    return this.queue.splice(0, max);
  }

  async park(message: SourceMessage, reason: string, _detail: string): Promise<void> {
    await this.client.publishAsync(`${PARKED_TOPIC_ROOT}/${reason}/${message.topic}`, Buffer.from(message.payload), { qos: 1 });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
