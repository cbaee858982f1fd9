/**
 * MQTT PUBLISH packets (3.1.1 and 5, no properties) written around their payload. A payload made
 * with `withHeadroom` has room for the header in front of it in its own buffer: the header is
 * written there and the packet is a view of header and payload, so sending copies nothing. Any
 * other payload (the status, one read back from the durable outbox) is copied behind a new header.
 * The bytes are those mqtt-packet generates for the same packet.
 */
import { encodeUtf8 } from '../bytes/utf8.ts';

export interface PublishPacket {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  retain: boolean;
  dup: boolean;
  /** Required for QoS 1. */
  packetId?: number;
  protocolVersion: 4 | 5;
}

/** Payloads whose buffer is theirs from `byteOffset - headroom` on. */
const framable = new WeakSet<Uint8Array>();
const topics = new Map<string, Uint8Array>();

function topicBytes(topic: string): Uint8Array {
  let bytes = topics.get(topic);
  if (!bytes) {
    bytes = encodeUtf8(topic);
    topics.set(topic, bytes);
  }
  return bytes;
}

/** Bytes a header for `topic` may take: fixed header (1 + up to 4), topic (2 + its bytes), packet id (2), MQTT 5 properties length (1). */
export function publishHeadroom(topic: string): number {
  return topicBytes(topic).length + 10;
}

/** Marks `payload`, just copied out behind `headroom` free bytes of its own buffer, as one to frame in place. */
export function withHeadroom(payload: Uint8Array, headroom: number): Uint8Array {
  if (payload.byteOffset >= headroom && headroom > 0) framable.add(payload);
  return payload;
}

function varintLength(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : 4;
}

/** The whole PUBLISH packet, ready to write. */
export function publishFrame(packet: PublishPacket): Uint8Array {
  const payload = packet.payload;
  const qos = packet.qos;
  const topic = topicBytes(packet.topic);
  const topicLength = topic.length;
  const variable = 2 + topicLength + (qos > 0 ? 2 : 0) + (packet.protocolVersion === 5 ? 1 : 0);
  const remaining = variable + payload.length;
  const header = 1 + varintLength(remaining) + variable;
  let frame: Uint8Array;
  if (payload.byteOffset >= header && framable.has(payload)) {
    frame = new Uint8Array(payload.buffer, payload.byteOffset - header, header + payload.length);
  } else {
    frame = new Uint8Array(header + payload.length);
    frame.set(payload, header);
  }
  let at = 0;
  frame[at++] = 0x30 | (packet.dup ? 0x08 : 0) | (qos << 1) | (packet.retain ? 0x01 : 0);
  // The remaining length is below 2^28 (four varint bytes), so shifts are exact.
  for (let rest = remaining; ; ) {
    const low = rest & 0x7f;
    rest >>>= 7;
    frame[at++] = rest > 0 ? low | 0x80 : low;
    if (rest === 0) break;
  }
  frame[at++] = topicLength >> 8;
  frame[at++] = topicLength & 0xff;
  frame.set(topic, at);
  at += topicLength;
  if (qos > 0) {
    const id = packet.packetId ?? 0;
    frame[at++] = id >> 8;
    frame[at++] = id & 0xff;
  }
  if (packet.protocolVersion === 5) frame[at] = 0;
  return frame;
}
