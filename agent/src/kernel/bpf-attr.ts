/**
 * Builders for `union bpf_attr` byte layouts. Pointer fields are u64 addresses obtained from
 * `sys.addressOf`; the caller keeps the pointed-to buffers alive until the syscall returns.
 */
import type { Sys } from '../sys/types.ts';

/** Size we pass for every attr: large enough for all fields we set, zero-filled beyond them. */
const ATTR_SIZE = 128;

export interface MapCreateAttr {
  mapType: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags?: number;
  /** Up to 15 bytes; the kernel shows it in bpftool. */
  name?: string;
}

export function mapCreateAttr(spec: MapCreateAttr): Uint8Array {
  const attr = new Uint8Array(ATTR_SIZE);
  const view = new DataView(attr.buffer);
  view.setUint32(0, spec.mapType, true);
  view.setUint32(4, spec.keySize, true);
  view.setUint32(8, spec.valueSize, true);
  view.setUint32(12, spec.maxEntries, true);
  view.setUint32(16, spec.mapFlags ?? 0, true);
  const name = spec.name ?? '';
  for (let i = 0; i < Math.min(name.length, 15); i++) attr[28 + i] = name.charCodeAt(i) & 0x7f;
  return attr;
}

/** The attr of MAP_LOOKUP_ELEM, MAP_UPDATE_ELEM, MAP_DELETE_ELEM and MAP_GET_NEXT_KEY. */
export function mapElemAttr(sys: Sys, mapFd: number, key: Uint8Array | null, valueOrNextKey: Uint8Array | null, flags = 0): Uint8Array {
  const attr = new Uint8Array(ATTR_SIZE);
  const view = new DataView(attr.buffer);
  view.setUint32(0, mapFd, true);
  if (key) view.setBigUint64(8, sys.addressOf(key), true);
  if (valueOrNextKey) view.setBigUint64(16, sys.addressOf(valueOrNextKey), true);
  view.setBigUint64(24, BigInt(flags), true);
  return attr;
}
