/**
 * Members shown as addresses and device numbers rather than integers: those the C tagged with a
 * BTF decl tag (`ipv4`, `ipv6`, `dev_t`), and those the manifest hints by member name. Both
 * decoders (the interpreted reference and the compiled one) ask this module. Pure.
 */
import type { Btf } from '../../btf/btf.ts';
import { Kind } from '../../abi/btf-kinds.ts';
import type { FieldHint } from './manifest.ts';

/** The hints that change how a member decodes (the others are for the fleet side). */
export type FormatHint = 'ipv4' | 'ipv6' | 'dev_t';

export function formatIpv4(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

/** RFC 5952 text: the longest run of two or more zero groups becomes `::`; IPv4-mapped prints dotted. */
export function formatIpv6(bytes: Uint8Array): string {
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return formatIpv4(bytes.subarray(12));
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** The kernel's dev_t: major in the top 12 bits, minor in the low 20. */
export function formatDevT(value: number): string {
  return `${value >>> 20}:${value & 0xfffff}`;
}

/** The member's bytes as its hint shows them. */
export function formatHinted(hint: FormatHint, bytes: Uint8Array): string {
  if (hint === 'ipv4') return formatIpv4(bytes);
  if (hint === 'ipv6') return bytes.length >= 16 ? formatIpv6(bytes) : formatIpv4(bytes);
  return formatDevT(new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(0, true));
}

function isFormatHint(hint: string | undefined): hint is FormatHint {
  return hint === 'ipv4' || hint === 'ipv6' || hint === 'dev_t';
}

/** Which members of which structs format as what: decl tags first, then the manifest's hints by name. */
export class MemberHints {
  /** Decl tags per struct or union id: member index -> tag. */
  private readonly tags = new Map<number, Map<number, string>>();

  constructor(btf: Btf, private readonly byName: Record<string, FieldHint> = {}) {
    // Only the decl tags are decoded: Btf keeps every type it decodes, and an object built on
    // vmlinux.h has hundreds that no record reaches.
    for (const t of btf.typesOfKind(Kind.DECL_TAG)) {
      if (t.componentIndex < 0) continue;
      const members = this.tags.get(t.type) ?? new Map<number, string>();
      members.set(t.componentIndex, t.name);
      this.tags.set(t.type, members);
    }
  }

  /** The format of member `index` (named `name`) of struct `structId`, or null when it decodes as its type. */
  of(structId: number, index: number, name: string): FormatHint | null {
    const hint = this.tags.get(structId)?.get(index) ?? (Object.prototype.hasOwnProperty.call(this.byName, name) ? this.byName[name] : undefined);
    return isFormatHint(hint) ? hint : null;
  }
}
