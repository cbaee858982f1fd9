/**
 * Decodes `.BTF.ext`: per-section func_info, line_info and CO-RE relocation records. Records are
 * read with the record size the file declares (newer compilers may append fields), and grouped by
 * the ELF section name they belong to, in file order.
 */
import { ByteReader } from '../bytes/byte-reader.ts';
import { BtfError } from './errors.ts';
import { BTF_MAGIC } from './parse.ts';
import type { StringTable } from './strings.ts';

export interface FuncInfo {
  /** Byte offset of the function's first instruction inside its ELF section. */
  insnOffset: number;
  typeId: number;
}

export interface LineInfo {
  insnOffset: number;
  /** Offsets of the file name and of the source line in the BTF string table, not decoded: only the kernel reads them. */
  fileNameOffset: number;
  lineOffset: number;
  lineNumber: number;
  column: number;
}

/** CO-RE relocation kinds, numbered as in enum bpf_core_relo_kind. */
export const CoreReloKind = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
} as const;

export interface CoreRelo {
  insnOffset: number;
  /** Local type id the access string starts from. */
  typeId: number;
  /** The access string, e.g. `0:1:3`. */
  access: string;
  kind: number;
}

export interface BtfExtSection<T> {
  sectionName: string;
  records: T[];
}

export interface BtfExt {
  funcInfo: BtfExtSection<FuncInfo>[];
  lineInfo: BtfExtSection<LineInfo>[];
  coreRelos: BtfExtSection<CoreRelo>[];
}

export function parseBtfExt(bytes: Uint8Array, strings: StringTable): BtfExt {
  const r = new ByteReader(bytes, (s, o, p) => new BtfError(`.BTF.ext ${s}`, o, p));
  const magic = r.u16('header', 0);
  if (magic !== BTF_MAGIC) throw new BtfError('.BTF.ext header', 0, `bad magic 0x${magic.toString(16)}, expected 0xeb9f`);
  if (r.u8('header', 2) !== 1) throw new BtfError('.BTF.ext header', 2, `unsupported version ${r.u8('header', 2)}`);
  const headerLength = r.u32('header', 4);
  if (headerLength < 24) throw new BtfError('.BTF.ext header', 4, `header length ${headerLength} is shorter than 24 bytes`);
  r.check('header', 0, headerLength);
  const part = (offsetAt: number) => {
    if (offsetAt + 8 > headerLength) return null;
    const offset = r.u32('header', offsetAt);
    const length = r.u32('header', offsetAt + 4);
    return length === 0 ? null : { start: headerLength + offset, length };
  };
  return {
    funcInfo: readInfo(r, strings, 'func_info', part(8), 8, (at) => ({ insnOffset: r.u32('func_info', at), typeId: r.u32('func_info', at + 4) })),
    lineInfo: readInfo(r, strings, 'line_info', part(16), 16, (at) => {
      const lineCol = r.u32('line_info', at + 12);
      return {
        insnOffset: r.u32('line_info', at),
        fileNameOffset: strings.checked(r.u32('line_info', at + 4), '.BTF.ext line_info file name'),
        lineOffset: strings.checked(r.u32('line_info', at + 8), '.BTF.ext line_info line'),
        lineNumber: lineCol >>> 10,
        column: lineCol & 0x3ff,
      };
    }),
    coreRelos: readInfo(r, strings, 'core_relo', part(24), 16, (at) => ({
      insnOffset: r.u32('core_relo', at),
      typeId: r.u32('core_relo', at + 4),
      access: strings.get(r.u32('core_relo', at + 8), '.BTF.ext core_relo access string'),
      kind: r.u32('core_relo', at + 12),
    })),
  };
}

function readInfo<T>(
  r: ByteReader,
  strings: StringTable,
  what: string,
  part: { start: number; length: number } | null,
  minRecordSize: number,
  readRecord: (at: number) => T,
): BtfExtSection<T>[] {
  if (part === null) return [];
  r.check(what, part.start, part.length);
  const end = part.start + part.length;
  const recordSize = r.u32(what, part.start);
  if (recordSize < minRecordSize || recordSize % 4 !== 0) throw new BtfError(`.BTF.ext ${what}`, part.start, `record size ${recordSize} is invalid (at least ${minRecordSize}, a multiple of 4)`);
  const sections: BtfExtSection<T>[] = [];
  let at = part.start + 4;
  while (at < end) {
    if (at + 8 > end) throw new BtfError(`.BTF.ext ${what}`, at, 'section header crosses the end of the info block');
    const sectionName = strings.get(r.u32(what, at), `.BTF.ext ${what} section name`);
    const count = r.u32(what, at + 4);
    at += 8;
    if (count === 0 || count * recordSize > end - at) throw new BtfError(`.BTF.ext ${what} section '${sectionName}'`, at - 4, `record count ${count} does not fit the info block`);
    const records: T[] = [];
    for (let i = 0; i < count; i++, at += recordSize) records.push(readRecord(at));
    sections.push({ sectionName, records });
  }
  return sections;
}
