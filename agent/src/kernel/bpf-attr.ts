/**
 * Builders for `union bpf_attr` byte layouts, one per command. Pointer fields are u64
 * addresses from `sys.addressOf`; the caller keeps the pointed-to buffers alive until the
 * syscall returns. Offsets follow include/uapi/linux/bpf.h.
 */
import type { Sys } from '../sys/types.ts';

/** Bytes we pass for every attr: all the fields we set, zero beyond (the kernel accepts that). */
export const ATTR_SIZE = 144;

/**
 * Attr bytes that hold on to the buffers their pointer fields point at. QuickJS frees a buffer
 * as soon as nothing references it, so an address alone would let the kernel write into freed
 * memory; the bytes object keeps its buffers alive for as long as the call can use them.
 */
export class AttrBytes extends Uint8Array {
  readonly pointees: Uint8Array[] = [];
}

/** A zeroed attr with little-endian field writers. */
export class Attr {
  readonly bytes = new AttrBytes(ATTR_SIZE);
  private readonly view = new DataView(this.bytes.buffer);
  constructor(private readonly sys: Sys) {}

  u32(offset: number, value: number): this {
    this.view.setUint32(offset, value >>> 0, true);
    return this;
  }

  u64(offset: number, value: bigint): this {
    this.view.setBigUint64(offset, value, true);
    return this;
  }

  /** A user pointer field; null leaves it 0. */
  pointer(offset: number, bytes: Uint8Array | null): this {
    if (bytes) {
      this.view.setBigUint64(offset, this.sys.addressOf(bytes), true);
      this.bytes.pointees.push(bytes);
    }
    return this;
  }

  /** A char[16] object name: truncated to 15 bytes, only [A-Za-z0-9_.] as the kernel accepts. */
  name(offset: number, name: string): this {
    const clean = name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15);
    for (let i = 0; i < clean.length; i++) this.bytes[offset + i] = clean.charCodeAt(i);
    return this;
  }

  readU32(offset: number): number {
    return this.view.getUint32(offset, true);
  }
}

export interface MapCreateAttr {
  mapType: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags?: number;
  innerMapFd?: number;
  numaNode?: number;
  /** Up to 15 bytes; the kernel shows it in bpftool. */
  name?: string;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  mapExtra?: bigint;
}

export function mapCreateAttr(sys: Sys, spec: MapCreateAttr): Uint8Array {
  const attr = new Attr(sys)
    .u32(0, spec.mapType).u32(4, spec.keySize).u32(8, spec.valueSize).u32(12, spec.maxEntries)
    .u32(16, spec.mapFlags ?? 0).u32(20, spec.innerMapFd ?? 0).u32(24, spec.numaNode ?? 0)
    .name(28, spec.name ?? '');
  if (spec.btfFd) attr.u32(48, spec.btfFd).u32(52, spec.btfKeyTypeId ?? 0).u32(56, spec.btfValueTypeId ?? 0);
  if (spec.mapExtra) attr.u64(64, spec.mapExtra);
  return attr.bytes;
}

/** MAP_LOOKUP_ELEM, MAP_UPDATE_ELEM, MAP_DELETE_ELEM and MAP_GET_NEXT_KEY. */
export function mapElemAttr(sys: Sys, mapFd: number, key: Uint8Array | null, valueOrNextKey: Uint8Array | null, flags = 0): Uint8Array {
  return new Attr(sys).u32(0, mapFd).pointer(8, key).pointer(16, valueOrNextKey).u64(24, BigInt(flags)).bytes;
}

/** MAP_LOOKUP_BATCH: `count` is in/out at offset 32. */
export function mapBatchAttr(sys: Sys, mapFd: number, inBatch: Uint8Array | null, outBatch: Uint8Array, keys: Uint8Array, values: Uint8Array, count: number): Attr {
  return new Attr(sys).pointer(0, inBatch).pointer(8, outBatch).pointer(16, keys).pointer(24, values).u32(32, count).u32(36, mapFd);
}

export interface ProgLoadAttr {
  programType: number;
  insns: Uint8Array;
  license: Uint8Array;
  logLevel: number;
  log: Uint8Array | null;
  kernelVersion: number;
  flags?: number;
  name: string;
  expectedAttachType?: number;
  btfFd?: number;
  funcInfo?: { recordSize: number; bytes: Uint8Array; count: number };
  lineInfo?: { recordSize: number; bytes: Uint8Array; count: number };
  attachBtfId?: number;
  attachBtfObjFd?: number;
}

export function progLoadAttr(sys: Sys, spec: ProgLoadAttr): Uint8Array {
  const attr = new Attr(sys)
    .u32(0, spec.programType).u32(4, spec.insns.length / 8).pointer(8, spec.insns).pointer(16, spec.license)
    .u32(24, spec.log ? spec.logLevel : 0).u32(28, spec.log ? spec.log.length : 0).pointer(32, spec.log)
    .u32(40, spec.kernelVersion).u32(44, spec.flags ?? 0).name(48, spec.name)
    .u32(68, spec.expectedAttachType ?? 0);
  if (spec.btfFd) {
    attr.u32(72, spec.btfFd);
    if (spec.funcInfo) attr.u32(76, spec.funcInfo.recordSize).pointer(80, spec.funcInfo.bytes).u32(88, spec.funcInfo.count);
    if (spec.lineInfo) attr.u32(92, spec.lineInfo.recordSize).pointer(96, spec.lineInfo.bytes).u32(104, spec.lineInfo.count);
  }
  if (spec.attachBtfId) attr.u32(108, spec.attachBtfId).u32(112, spec.attachBtfObjFd ?? 0);
  return attr.bytes;
}

export function btfLoadAttr(sys: Sys, btf: Uint8Array, log: Uint8Array | null): Uint8Array {
  return new Attr(sys).pointer(0, btf).pointer(8, log).u32(16, btf.length).u32(20, log ? log.length : 0).u32(24, log ? 1 : 0).bytes;
}

/** LINK_CREATE: `perfEventCookie` for perf-event links, `targetBtfId` for tracing links. */
export function linkCreateAttr(sys: Sys, progFd: number, targetFd: number, attachType: number, extra: { cookie?: bigint; targetBtfId?: number } = {}): Uint8Array {
  const attr = new Attr(sys).u32(0, progFd).u32(4, targetFd).u32(8, attachType);
  if (extra.cookie !== undefined) attr.u64(16, extra.cookie);
  if (extra.targetBtfId !== undefined) attr.u32(16, extra.targetBtfId);
  return attr.bytes;
}

export function rawTracepointOpenAttr(sys: Sys, name: Uint8Array | null, progFd: number): Uint8Array {
  return new Attr(sys).pointer(0, name).u32(8, progFd).bytes;
}

export function fdAttr(sys: Sys, fd: number): Uint8Array {
  return new Attr(sys).u32(0, fd).bytes;
}
