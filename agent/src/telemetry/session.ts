/**
 * The MQTT session: one client connection at a time over a `Transport`, kept up for as long as
 * the agent runs. Packets are encoded and parsed by `mqtt-packet`, except the PUBLISH packets it
 * sends, which publish-frame.ts writes around their payloads; this layer adds what a client needs
 * on top: CONNECT with a Last Will, keepalive pings, reconnect with backoff and jitter, QoS 1
 * flow from the outbox with in-flight messages resent with DUP after a reconnect, and QoS 1
 * acknowledgement of inbound messages. MQTT 3.1.1 (protocol version 4) and 5.
 * Inbound bytes that do not parse are logged and counted, and cost the connection, never the agent.
 */
import { Buffer } from 'buffer';
import mqttPacket, { type IConnectPacket, type Packet } from 'mqtt-packet';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { connackFailure } from './connack.ts';
import { publishFrame } from './publish-frame.ts';
import type { Outbox, OutboxEntry } from './outbox.ts';
import type { Logger, Random, TimerHandle, Timers } from './runtime.ts';
import type { Connection, Transport } from './transport.ts';

// mqtt-packet pre-builds 65,536 two-byte buffers for packet ids on its first write. On QuickJS
// each costs hundreds of bytes (about 30 MB in all); writing the two bytes when needed is as fast.
mqttPacket.writeToStream.cacheNumbers = false;

export interface Message {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  retain: boolean;
}

export interface SessionOptions {
  transport: Transport;
  timers: Timers;
  random: Random;
  log: Logger;
  outbox: Outbox;
  clientId: string;
  /** 4 for MQTT 3.1.1, 5 for MQTT 5. Default 4. */
  protocolVersion?: 4 | 5;
  /** Default 30. */
  keepaliveSeconds?: number;
  /** Time allowed from connecting to CONNACK. Default 10 s. */
  connectTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** QoS 1 messages sent and not yet acknowledged, at most. Default 16. */
  maxInFlight?: number;
  username?: string;
  password?: string;
  will?: Message;
  /** Topic filters subscribed with QoS 1 on every connection. */
  subscriptions?: string[];
  /** After each CONNACK, before the outbox drains: the place to publish the retained status. */
  onConnected?(): void;
  onMessage?(topic: string, payload: Uint8Array): void;
}

export interface SessionStats {
  /** Outbox messages the broker acknowledged (QoS 1) or that were written (QoS 0). */
  sent: number;
  /** Successful connections after the first. */
  reconnects: number;
  /** Inbound bytes that did not parse as MQTT, or packets a client must not receive. */
  malformedPackets: number;
  /** Inbound messages whose handler threw. */
  rejectedMessages: number;
}

type State = 'idle' | 'connecting' | 'connected' | 'waiting' | 'stopped';

const MAX_PACKET_ID = 0xffff;

export class MqttSession {
  readonly stats: SessionStats = { sent: 0, reconnects: 0, malformedPackets: 0, rejectedMessages: 0 };
  private state: State = 'idle';
  private connection: Connection | undefined;
  private everConnected = false;
  private attempt = 0;
  private lastPacketId = 0;
  private inFlightLimit: number;
  /** Messages sent outside the outbox (status), by packet id, resent like the others. */
  private readonly direct = new Map<number, Message>();
  private readonly directAcked = new Map<number, () => void>();
  private timer: TimerHandle | undefined;
  private pingTimer: TimerHandle | undefined;
  private pingOutstanding = false;

  constructor(private readonly options: SessionOptions) {
    this.inFlightLimit = options.maxInFlight ?? 16;
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  private get protocolVersion(): 4 | 5 {
    return this.options.protocolVersion ?? 4;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  /** Call after pushing to the outbox: sends what the in-flight window allows. */
  drain(): void {
    if (this.state !== 'connected') return;
    const outbox = this.options.outbox;
    let inFlight = outbox.inFlight().length;
    for (let entry = outbox.nextUnsent(); entry && (entry.qos === 0 || inFlight < this.inFlightLimit); entry = outbox.nextUnsent()) {
      if (entry.qos === 0) {
        this.publish({ topic: entry.topic, payload: entry.payload, qos: 0, retain: false }, false);
        outbox.remove(entry);
        this.stats.sent++;
        continue;
      }
      const packetId = this.nextPacketId();
      outbox.markInFlight(entry, packetId);
      inFlight++;
      this.sendEntry(entry, packetId, false);
    }
  }

  /**
   * Publishes outside the outbox, only while connected (false otherwise). For the status: it
   * is republished on every connection, so it never waits in the outbox behind telemetry.
   * `onAcked` runs when the broker acknowledged a QoS 1 message.
   */
  publishDirect(message: Message, onAcked?: () => void): boolean {
    if (this.state !== 'connected') return false;
    if (message.qos === 0) {
      this.publish(message, false);
      onAcked?.();
      return true;
    }
    const packetId = this.nextPacketId();
    this.direct.set(packetId, message);
    if (onAcked) this.directAcked.set(packetId, onAcked);
    this.sendDirect(message, packetId, false);
    return true;
  }

  /**
   * Ends the session: sends `final` (QoS 1) when connected and waits up to `timeoutMs` for its
   * acknowledgement, then a DISCONNECT, so the broker discards the Last Will.
   */
  async stop(final?: Message, timeoutMs = 2000): Promise<void> {
    if (this.state === 'stopped') return;
    if (final && this.state === 'connected') {
      await new Promise<void>((resolve) => {
        const timer = this.options.timers.setTimeout(resolve, timeoutMs);
        this.publishDirect(final, () => {
          this.options.timers.clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.state === 'connected') this.send({ cmd: 'disconnect' });
    this.state = 'stopped';
    this.clearTimers();
    this.connection?.close();
    this.connection = undefined;
  }

  private connect(): void {
    this.state = 'connecting';
    const parser = mqttPacket.parser({ protocolVersion: this.protocolVersion });
    // Bytes given to the parser and bytes of the packets it returned: equal when it holds no part of a packet.
    let fed = 0;
    let parsed = 0;
    const connection = this.options.transport.connect({
      onOpen: () => {
        if (this.connection === connection) this.sendConnect();
      },
      onData: (bytes) => {
        if (this.connection !== connection) return;
        if (fed === parsed && this.onlyAcknowledgements(bytes)) return;
        fed += bytes.length;
        parser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      },
      onClose: (error) => {
        if (this.connection === connection) this.lost(error ? `connection closed: ${error.message}` : 'connection closed by the broker');
      },
    });
    this.connection = connection;
    parser.on('packet', (packet: Packet) => {
      const length = packet.length ?? 0;
      parsed += 1 + (length < 0x80 ? 1 : length < 0x4000 ? 2 : length < 0x200000 ? 3 : 4) + length;
      if (this.connection === connection) this.receive(packet);
    });
    parser.on('error', (error: Error) => {
      if (this.connection !== connection) return;
      this.stats.malformedPackets++;
      this.drop(`malformed packet from the broker (${error.message})`);
    });
    this.timer = this.options.timers.setTimeout(() => this.drop('no CONNACK in time'), this.options.connectTimeoutMs ?? 10_000);
  }

  private sendConnect(): void {
    const { clientId, will, username, password } = this.options;
    const packet: IConnectPacket = {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: this.protocolVersion,
      clientId,
      clean: true,
      keepalive: this.options.keepaliveSeconds ?? 30,
    };
    if (username !== undefined) packet.username = username;
    if (password !== undefined) packet.password = Buffer.from(password, 'utf8');
    if (will) packet.will = { topic: will.topic, payload: Buffer.from(will.payload), qos: will.qos, retain: will.retain };
    this.send(packet);
  }

  private receive(packet: Packet): void {
    switch (packet.cmd) {
      case 'connack':
        return this.connacked(packet.sessionPresent, packet.reasonCode ?? packet.returnCode ?? 0, packet.properties?.receiveMaximum);
      case 'puback':
        return this.acknowledged(packet.messageId ?? 0);
      case 'pingresp':
        this.pingOutstanding = false;
        return;
      case 'publish':
        // mqtt-packet gives messageId -1 to a QoS 1 or 2 PUBLISH too short to hold one; answering it would throw.
        if (packet.qos > 0 && !(Number.isInteger(packet.messageId) && packet.messageId! >= 1 && packet.messageId! <= MAX_PACKET_ID)) {
          this.stats.malformedPackets++;
          return this.drop(`a QoS ${packet.qos} PUBLISH from the broker without a valid packet id`);
        }
        return this.inbound(packet.topic, packet.payload, packet.qos, packet.messageId);
      case 'suback':
        if (packet.granted.some((code) => typeof code === 'number' && code >= 0x80)) {
          this.options.log.warn(`mqtt: the broker refused a subscription of ${JSON.stringify(this.options.subscriptions)}; check its ACL`);
        }
        return;
      case 'disconnect':
        return this.drop(`the broker disconnected (reason ${packet.reasonCode ?? 0})`);
      default:
        this.stats.malformedPackets++;
        return this.drop(`unexpected ${packet.cmd} packet from the broker`);
    }
  }

  private connacked(sessionPresent: boolean, code: number, receiveMaximum: number | undefined): void {
    if (this.state !== 'connecting') {
      this.stats.malformedPackets++;
      return this.drop('a second CONNACK from the broker');
    }
    if (code !== 0) return this.drop(connackFailure(this.protocolVersion, code));
    this.clearTimers();
    this.state = 'connected';
    if (this.everConnected) this.stats.reconnects++;
    this.everConnected = true;
    this.attempt = 0;
    this.inFlightLimit = Math.min(this.options.maxInFlight ?? 16, receiveMaximum ?? MAX_PACKET_ID);
    this.options.log.info(`mqtt: connected to ${this.options.transport.peer}${sessionPresent ? ' (session present)' : ''}`);
    this.schedulePing();
    const subscriptions = this.options.subscriptions ?? [];
    if (subscriptions.length > 0) {
      this.send({ cmd: 'subscribe', messageId: this.nextPacketId(), subscriptions: subscriptions.map((topic) => ({ topic, qos: 1 })) });
    }
    for (const [packetId, message] of this.direct) this.sendDirect(message, packetId, true);
    for (const entry of this.options.outbox.inFlight()) this.sendEntry(entry, entry.packetId!, true);
    this.options.onConnected?.();
    this.drain();
  }

  /**
   * Takes `bytes` when they are whole PUBACKs and nothing else (what a broker mostly sends a
   * publishing device), without the general parser: true when it took them. A PUBACK with a
   * reason code or properties (MQTT 5), or any other packet, is left to the parser.
   */
  private onlyAcknowledgements(bytes: Uint8Array): boolean {
    if (bytes.length === 0 || bytes.length % 4 !== 0) return false;
    for (let at = 0; at < bytes.length; at += 4) if (bytes[at] !== 0x40 || bytes[at + 1] !== 0x02) return false;
    for (let at = 0; at < bytes.length && this.state !== 'stopped'; at += 4) this.acknowledged((bytes[at + 2]! << 8) | bytes[at + 3]!);
    return true;
  }

  private acknowledged(packetId: number): void {
    if (this.direct.delete(packetId)) {
      const onAcked = this.directAcked.get(packetId);
      this.directAcked.delete(packetId);
      onAcked?.();
      return;
    }
    if (this.options.outbox.acknowledge(packetId)) {
      this.stats.sent++;
      this.drain();
    }
  }

  private inbound(topic: string, payload: string | Buffer, qos: number, packetId: number | undefined): void {
    if (qos === 1) this.send({ cmd: 'puback', messageId: packetId ?? 0 });
    try {
      this.options.onMessage?.(topic, typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload);
    } catch (err) {
      this.stats.rejectedMessages++;
      this.options.log.warn(`mqtt: message on '${topic}' rejected: ${(err as Error).message}`);
    }
  }

  private schedulePing(): void {
    const keepalive = this.options.keepaliveSeconds ?? 30;
    if (keepalive === 0) return;
    this.pingTimer = this.options.timers.setTimeout(() => {
      if (this.pingOutstanding) return this.drop(`no PINGRESP within ${keepalive} s`);
      this.pingOutstanding = true;
      this.send({ cmd: 'pingreq' });
      this.schedulePing();
    }, keepalive * 1000);
  }

  private sendEntry(entry: OutboxEntry, packetId: number, dup: boolean): void {
    this.publish({ topic: entry.topic, payload: entry.payload, qos: 1, retain: false }, dup, packetId);
  }

  private sendDirect(message: Message, packetId: number, dup: boolean): void {
    this.publish(message, dup, packetId);
  }

  /** A PUBLISH, framed around its payload (in place when it was made with headroom). */
  private publish(message: Message, dup: boolean, packetId?: number): void {
    const { topic, payload, qos, retain } = message;
    this.connection?.write(publishFrame({ topic, payload, qos, retain, dup, packetId, protocolVersion: this.protocolVersion }));
  }

  private send(packet: Packet): void {
    this.connection?.write(mqttPacket.generate(packet, { protocolVersion: this.protocolVersion }));
  }

  private nextPacketId(): number {
    // Ids in use are few (the in-flight window): scanned, not collected into a set on every publish.
    const inFlight = this.options.outbox.inFlight();
    const inUse = (id: number) => {
      if (this.direct.has(id)) return true;
      for (let i = 0; i < inFlight.length; i++) if (inFlight[i]!.packetId === id) return true;
      return false;
    };
    do {
      this.lastPacketId = (this.lastPacketId % MAX_PACKET_ID) + 1;
    } while (inUse(this.lastPacketId));
    return this.lastPacketId;
  }

  /** Closes the current connection on our side; reconnecting follows. */
  private drop(reason: string): void {
    const connection = this.connection;
    this.lost(reason);
    connection?.close();
  }

  private lost(reason: string): void {
    if (this.state === 'stopped' || this.state === 'waiting') return;
    this.clearTimers();
    this.connection = undefined;
    this.pingOutstanding = false;
    this.state = 'waiting';
    const delay = backoffDelayMs(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
    this.options.log.warn(`mqtt: ${this.options.transport.peer}: ${reason}; reconnecting in ${delay} ms`);
    this.timer = this.options.timers.setTimeout(() => this.connect(), delay);
  }

  private clearTimers(): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    if (this.pingTimer !== undefined) this.options.timers.clearTimeout(this.pingTimer);
    this.timer = undefined;
    this.pingTimer = undefined;
  }
}
