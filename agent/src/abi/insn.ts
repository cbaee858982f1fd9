/**
 * BPF instruction encoding: 8-byte slots of opcode, registers, a signed 16-bit offset and a
 * signed 32-bit immediate (ld_imm64 takes two slots). Helpers read and write one slot of a
 * program's instruction buffer in place.
 */

export const INSN_SIZE = 8;

export const InsnClass = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, JMP32: 0x06, ALU64: 0x07 } as const;
export const InsnSize = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;
export const InsnSource = { K: 0x00, X: 0x08 } as const;

/** `BPF_LD | BPF_IMM | BPF_DW`, the first slot of a 64-bit immediate load. */
export const LD_IMM64 = 0x18;
/** `BPF_JMP | BPF_CALL`. */
export const CALL = 0x85;

/** src_reg values with a special meaning. */
export const PseudoSrc = {
  /** ld_imm64: imm is a map fd. Call: imm is a relative bpf-to-bpf call. */
  MAP_FD: 1,
  CALL: 1,
  /** ld_imm64: insn[0].imm is a map fd, insn[1].imm an offset into its value. */
  MAP_VALUE: 2,
  /** call: imm is a kernel function's BTF id. */
  KFUNC_CALL: 2,
  /** ld_imm64: imm is the BTF id of a kernel variable. */
  BTF_ID: 3,
  /** ld_imm64: imm is a relative instruction index of a callback function. */
  FUNC: 4,
} as const;

/** Helper id libbpf writes into poisoned instructions ("bad relo"); the verifier names it. */
export const POISON_HELPER_ID = 0xbad2310;

export class Insns {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get count(): number {
    return this.bytes.byteLength / INSN_SIZE;
  }

  code(i: number): number {
    return this.view.getUint8(i * INSN_SIZE);
  }
  dst(i: number): number {
    return this.view.getUint8(i * INSN_SIZE + 1) & 0x0f;
  }
  src(i: number): number {
    return this.view.getUint8(i * INSN_SIZE + 1) >> 4;
  }
  off(i: number): number {
    return this.view.getInt16(i * INSN_SIZE + 2, true);
  }
  imm(i: number): number {
    return this.view.getInt32(i * INSN_SIZE + 4, true);
  }

  setCode(i: number, code: number): void {
    this.view.setUint8(i * INSN_SIZE, code);
  }
  setRegs(i: number, dst: number, src: number): void {
    this.view.setUint8(i * INSN_SIZE + 1, (src << 4) | (dst & 0x0f));
  }
  setSrc(i: number, src: number): void {
    this.setRegs(i, this.dst(i), src);
  }
  setOff(i: number, off: number): void {
    this.view.setInt16(i * INSN_SIZE + 2, off, true);
  }
  setImm(i: number, imm: number): void {
    this.view.setInt32(i * INSN_SIZE + 4, imm | 0, true);
  }

  isLdImm64(i: number): boolean {
    return this.code(i) === LD_IMM64;
  }
  isCall(i: number): boolean {
    return this.code(i) === CALL;
  }
  /** A bpf-to-bpf call, shaped as libbpf's insn_is_subprog_call. */
  isSubprogramCall(i: number): boolean {
    return this.code(i) === CALL && this.src(i) === PseudoSrc.CALL && this.dst(i) === 0 && this.off(i) === 0;
  }
  isPseudoFunc(i: number): boolean {
    return this.isLdImm64(i) && this.src(i) === PseudoSrc.FUNC;
  }

  /** Replaces slot `i` with a call of the poison helper, as libbpf's bpf_core_poison_insn does. */
  poison(i: number): void {
    this.setCode(i, CALL);
    this.setRegs(i, 0, 0);
    this.setOff(i, 0);
    this.setImm(i, POISON_HELPER_ID);
  }
}

export function insnClass(code: number): number {
  return code & 0x07;
}

/** Bytes a load/store opcode moves (its BPF_SIZE bits: W, H, B, DW). */
export function memSizeBytes(code: number): number {
  return [4, 2, 1, 8][(code >> 3) & 3]!;
}

/** The size bits for a byte count, or -1 if no load/store moves that many bytes. */
export function memSizeCode(bytes: number): number {
  switch (bytes) {
    case 8: return InsnSize.DW;
    case 4: return InsnSize.W;
    case 2: return InsnSize.H;
    case 1: return InsnSize.B;
    default: return -1;
  }
}

/** Lowercase hex of an instruction buffer, for reports and byte-for-byte comparisons. */
export function insnsToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
