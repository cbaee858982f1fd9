/**
 * One outbox log record on disk, and the scan that reads a segment back. Pure: bytes in, values
 * out. All integers little-endian:
 *
 *   0   u32  body length L (at least BODY_HEAD + 1 for a one-byte topic)
 *   4   u32  CRC-32 of the body
 *   8   body:
 *         f64  time the record was made (epoch ms)
 *         u8   QoS (0 or 1)
 *         u16  topic length T
 *         T    topic, UTF-8
 *         ...  payload (L - 11 - T bytes)
 *
 * A segment is frames back to back. A scan stops at the first frame that is cut short or whose
 * length or checksum is wrong: everything from there on is a torn or corrupt tail.
 */
import { decodeUtf8, encodeUtf8 } from '../../bytes/utf8.ts';
import { crc32 } from './crc32.ts';

export const FRAME_HEAD = 8;
const BODY_HEAD = 11;
/** A body longer than this is not a record but damage (no telemetry message comes close). */
export const MAX_BODY = 16 * 1024 * 1024;

export interface LogRecord {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  timeMs: number;
}

export function encodeFrame(record: LogRecord): Uint8Array {
  const topic = encodeUtf8(record.topic);
  const length = BODY_HEAD + topic.length + record.payload.length;
  const frame = new Uint8Array(FRAME_HEAD + length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, length, true);
  view.setFloat64(8, record.timeMs, true);
  view.setUint8(16, record.qos);
  view.setUint16(17, topic.length, true);
  frame.set(topic, FRAME_HEAD + BODY_HEAD);
  frame.set(record.payload, FRAME_HEAD + BODY_HEAD + topic.length);
  view.setUint32(4, crc32(frame.subarray(FRAME_HEAD)), true);
  return frame;
}

export interface SegmentScan {
  records: LogRecord[];
  /** Bytes of whole, checked frames from the start: where a damaged tail is cut. */
  goodLength: number;
  /** Why the scan stopped before the end, or undefined when every byte was a good frame. */
  damage?: string;
}

function decodeBody(body: Uint8Array): LogRecord | string {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const qos = view.getUint8(8);
  const topicLength = view.getUint16(9, true);
  if (qos !== 0 && qos !== 1) return `QoS ${qos}`;
  if (topicLength === 0 || BODY_HEAD + topicLength > body.length) return `topic length ${topicLength}`;
  let topic: string;
  try {
    topic = decodeUtf8(body.subarray(BODY_HEAD, BODY_HEAD + topicLength));
  } catch {
    return 'topic not UTF-8';
  }
  return { topic, payload: body.slice(BODY_HEAD + topicLength), qos, timeMs: view.getFloat64(0, true) };
}

/**
 * The frame at `offset` of `bytes`: its record and size, 'short' when `bytes` ends inside it
 * (more may follow on disk), or why it is damaged.
 */
export function readFrame(bytes: Uint8Array, view: DataView, offset: number): { record: LogRecord; size: number } | 'short' | { damage: string } {
  if (bytes.length - offset < FRAME_HEAD) return 'short';
  const length = view.getUint32(offset, true);
  if (length <= BODY_HEAD || length > MAX_BODY) return { damage: `a frame length of ${length}` };
  if (bytes.length - offset - FRAME_HEAD < length) return 'short';
  const body = bytes.subarray(offset + FRAME_HEAD, offset + FRAME_HEAD + length);
  if (crc32(body) !== view.getUint32(offset + 4, true)) return { damage: 'a checksum mismatch' };
  const record = decodeBody(body);
  if (typeof record === 'string') return { damage: `a checked frame with a bad body (${record})` };
  return { record, size: FRAME_HEAD + length };
}

/** Reads the frames of one segment, stopping at the first one that is torn or corrupt. */
export function scanSegment(bytes: Uint8Array): SegmentScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: LogRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const frame = readFrame(bytes, view, offset);
    if (frame === 'short') {
      const whole = bytes.length - offset >= FRAME_HEAD;
      return { records, goodLength: offset, damage: `${whole ? 'a frame body cut short' : 'a frame head cut short'} at byte ${offset}` };
    }
    if ('damage' in frame) return { records, goodLength: offset, damage: `${frame.damage} at byte ${offset}` };
    records.push(frame.record);
    offset += frame.size;
  }
  return { records, goodLength: offset };
}
