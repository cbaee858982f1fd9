/**
 * Compares Mote's relocated instructions with libbpf's, byte for byte, except the holes only a
 * loader or linker fills: an ld_imm64 that libbpf turned into a map reference (src_reg
 * BPF_PSEUDO_MAP_FD or BPF_PSEUDO_MAP_VALUE) carries a file descriptor of this process, so at
 * those indexes both sides must be an ld_imm64 into the same register and src_reg and both
 * immediates are masked; a bpf-to-bpf call's immediate is where the linker put the callee, so it
 * is masked too. libbpf's program is the main program followed by the `.text` subprograms it
 * calls; Mote reports them separately, so the tail must be made of Mote's subprograms.
 */
const LD_IMM64 = 0x18;
const PSEUDO_MAP_FD = 1;
const PSEUDO_MAP_VALUE = 2;
const CALL = 0x85;
const PSEUDO_CALL = 1;

export interface InsnDifference {
  index: number;
  libbpf: string;
  mote: string;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Map-reference ld_imm64 indexes in libbpf's output (the first half of each). */
function mapReferenceIndexes(libbpf: Uint8Array): Set<number> {
  const indexes = new Set<number>();
  for (let i = 0; (i + 2) * 8 <= libbpf.length; i++) {
    const src = libbpf[i * 8 + 1]! >> 4;
    if (libbpf[i * 8] === LD_IMM64 && (src === PSEUDO_MAP_FD || src === PSEUDO_MAP_VALUE)) {
      indexes.add(i);
      i++;
    }
  }
  return indexes;
}

/** An ld_imm64 pair with src_reg and both immediates zeroed. */
function maskLdImm64(pair: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(pair);
  copy[1] = copy[1]! & 0x0f;
  copy.fill(0, 4, 8);
  copy.fill(0, 12, 16);
  return copy;
}

function maskCall(insn: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(insn);
  if (copy[0] === CALL && copy[1]! >> 4 === PSEUDO_CALL) copy.fill(0, 4, 8);
  return copy;
}

/** Differences between libbpf's instructions and Mote's over the length of `libbpf`. */
function differencesOver(libbpf: Uint8Array, mote: Uint8Array): InsnDifference[] {
  const count = Math.max(libbpf.length, mote.length) / 8;
  const holes = mapReferenceIndexes(libbpf);
  const differences: InsnDifference[] = [];
  for (let i = 0; i < count; ) {
    const hole = holes.has(i) && mote[i * 8] === LD_IMM64 && mote.length >= (i + 2) * 8;
    const width = hole ? 2 : 1;
    let a: Uint8Array = maskCall(libbpf.subarray(i * 8, (i + width) * 8));
    let b: Uint8Array = maskCall(mote.subarray(i * 8, (i + width) * 8));
    if (hole) {
      a = maskLdImm64(a);
      b = maskLdImm64(b);
    }
    if (hexOf(a) !== hexOf(b)) differences.push({ index: i, libbpf: hexOf(a), mote: hexOf(b) });
    i += width;
  }
  return differences;
}

/**
 * Compares a program libbpf loaded (main program plus appended subprograms) with Mote's main
 * program and subprograms. The tail after the main program must be a sequence of Mote's
 * subprograms; where none fits, the rest is reported as differing.
 */
export function instructionDifferences(libbpfHex: string, moteMainHex: string, moteSubprogramsHex: string[] = []): InsnDifference[] {
  const libbpf = Buffer.from(libbpfHex, 'hex');
  const main = Buffer.from(moteMainHex, 'hex');
  const differences = differencesOver(libbpf.subarray(0, Math.min(main.length, libbpf.length)), main);
  let offset = main.length;
  while (offset < libbpf.length) {
    const rest = libbpf.subarray(offset);
    const fit = moteSubprogramsHex
      .map((hex) => Buffer.from(hex, 'hex'))
      .find((sub) => sub.length > 0 && sub.length <= rest.length && differencesOver(rest.subarray(0, sub.length), sub).length === 0);
    if (!fit) {
      differences.push({ index: offset / 8, libbpf: Buffer.from(rest).toString('hex').slice(0, 64) + '...', mote: '(no subprogram of Mote matches here)' });
      break;
    }
    offset += fit.length;
  }
  return differences;
}
