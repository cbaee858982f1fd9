/**
 * Makes an object's BTF acceptable to the running kernel, as libbpf does before BTF_LOAD:
 * DATASEC sizes and variable offsets come from the ELF (clang leaves them 0), extern
 * variables become allocated globals, and kinds the kernel lacks are rewritten in place into
 * same-sized kinds it knows (decl_tag -> int, type_tag -> const, float -> empty struct).
 * Pure: bytes in, bytes out.
 */
import type { Btf } from './btf.ts';
import type { BtfType } from './kinds.ts';
import { Kind } from '../abi/btf-kinds.ts';

const VAR_LINKAGE_GLOBAL_ALLOCATED = 1;
const VAR_LINKAGE_EXTERN = 2;

export interface KernelBtfKinds {
  declTag: boolean;
  typeTag: boolean;
  float: boolean;
}

export interface DataSectionLayout {
  /** ELF section size per DATASEC name (`.rodata`, `.bss`, `.kconfig`...). */
  sizes: Map<string, number>;
  /** Offset of each global variable inside its section, by name. */
  variableOffsets: Map<string, number>;
}

function info(kind: number, vlen: number, kindFlag = false): number {
  return ((kindFlag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0;
}

export function prepareBtfForKernel(raw: Uint8Array, btf: Btf, layout: DataSectionLayout, kinds: KernelBtfKinds): Uint8Array {
  const out = raw.slice();
  const view = new DataView(out.buffer);
  const u32 = (at: number, value: number) => view.setUint32(at, value >>> 0, true);
  // Only these kinds are rewritten; the others are never decoded.
  const rewritten = [Kind.DATASEC, Kind.VAR, Kind.DECL_TAG, Kind.TYPE_TAG, Kind.FLOAT] as const;
  for (const t of rewritten.flatMap((kind): BtfType[] => [...btf.typesOfKind(kind)])) {
    switch (t.kind) {
      case Kind.DATASEC: {
        const size = layout.sizes.get(t.name);
        if (t.size === 0 && size !== undefined) u32(t.at + 8, size);
        t.entries.forEach((entry, i) => {
          const offset = layout.variableOffsets.get(btf.type(entry.type).name);
          if (entry.offset === 0 && offset !== undefined) u32(t.at + 12 + i * 12 + 4, offset);
        });
        break;
      }
      case Kind.VAR:
        if (t.linkage === VAR_LINKAGE_EXTERN) u32(t.at + 12, VAR_LINKAGE_GLOBAL_ALLOCATED);
        break;
      case Kind.DECL_TAG:
        if (!kinds.declTag) {
          u32(t.at, 0);
          u32(t.at + 4, info(Kind.INT, 0));
          u32(t.at + 8, 1);
          u32(t.at + 12, 8);
        }
        break;
      case Kind.TYPE_TAG:
        if (!kinds.typeTag) {
          u32(t.at, 0);
          u32(t.at + 4, info(Kind.CONST, 0));
        }
        break;
      case Kind.FLOAT:
        if (!kinds.float) u32(t.at + 4, info(Kind.STRUCT, 0));
        break;
      default:
        break;
    }
  }
  return out;
}
