/**
 * The tiny objects feature probes hand to the kernel: instruction sequences and raw BTF blobs
 * that each exercise exactly one feature.
 */

/** Little-endian 8-byte instruction slots. */
export function insns(...slots: [opcode: number, regs: number, offset: number, imm: number][]): Uint8Array {
  const bytes = new Uint8Array(slots.length * 8);
  const view = new DataView(bytes.buffer);
  slots.forEach(([opcode, regs, offset, imm], i) => {
    bytes[i * 8] = opcode;
    bytes[i * 8 + 1] = regs;
    view.setInt16(i * 8 + 2, offset, true);
    view.setInt32(i * 8 + 4, imm, true);
  });
  return bytes;
}

const MOV_R0_0: [number, number, number, number] = [0xb7, 0x00, 0, 0];
const EXIT: [number, number, number, number] = [0x95, 0x00, 0, 0];

/** `r0 = 0; exit`: accepted by every program type that exists. */
export const RETURN_ZERO = insns(MOV_R0_0, EXIT);

/** `call helper; exit`: accepted when the helper exists for the program type. */
export function callHelper(helperId: number): Uint8Array {
  return insns([0x85, 0x00, 0, helperId], EXIT);
}

/** `r1 = &map_value[0]; *(u64 *)r1 = 42; r0 = 0; exit`: global data (BPF_PSEUDO_MAP_VALUE). */
export function storeToMapValue(mapFd: number): Uint8Array {
  return insns([0x18, 0x21, 0, mapFd], [0x00, 0x00, 0, 0], [0x7a, 0x01, 0, 42], MOV_R0_0, EXIT);
}

const BtfKind = { INT: 1, PTR: 2, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19 } as const;

/** Strings shared by the probe blobs: offsets 1 'int', 5 'x', 7 '.data', 13 'f', 15 'tag'. */
const STRINGS = '\0int\0x\0.data\0f\0tag\0';

function info(kind: number, vlen = 0): number {
  return ((kind << 24) | vlen) >>> 0;
}

/** A BTF blob from u32 words of type records (type 1 is always `int`, 4 bytes, signed). */
function btfBlob(typeWords: number[]): Uint8Array {
  const types = [1, info(BtfKind.INT), 4, 0x01000020, ...typeWords];
  const typeLength = types.length * 4;
  const bytes = new Uint8Array(24 + typeLength + STRINGS.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0xeb9f, true);
  bytes[2] = 1;
  view.setUint32(4, 24, true);
  view.setUint32(8, 0, true);
  view.setUint32(12, typeLength, true);
  view.setUint32(16, typeLength, true);
  view.setUint32(20, STRINGS.length, true);
  types.forEach((word, i) => view.setUint32(24 + i * 4, word >>> 0, true));
  for (let i = 0; i < STRINGS.length; i++) bytes[24 + typeLength + i] = STRINGS.charCodeAt(i);
  return bytes;
}

export const BTF_PROBES = {
  /** Only `int`: BTF loading itself (Linux 4.18). */
  basic: btfBlob([]),
  /** func_proto + func (Linux 5.0). */
  func: btfBlob([0, info(BtfKind.FUNC_PROTO), 1, 13, info(BtfKind.FUNC), 2]),
  /** var + datasec (Linux 5.2). */
  datasec: btfBlob([5, info(BtfKind.VAR), 1, 0, 7, info(BtfKind.DATASEC, 1), 4, 2, 0, 4]),
  /** float (Linux 5.13). */
  float: btfBlob([13, info(BtfKind.FLOAT), 4]),
  /** decl_tag on a var (Linux 5.16). */
  declTag: btfBlob([5, info(BtfKind.VAR), 1, 0, 15, info(BtfKind.DECL_TAG), 2, -1]),
  /** type_tag under a pointer (Linux 5.17). */
  typeTag: btfBlob([15, info(BtfKind.TYPE_TAG), 1, 0, info(BtfKind.PTR), 2]),
  /** enum64 with one value (Linux 6.0). */
  enum64: btfBlob([13, info(BtfKind.ENUM64, 1), 8, 5, 1, 0]),
} as const;
