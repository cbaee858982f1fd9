/**
 * The BTF type graph: lookup by id and name, skipping of modifiers and typedefs, sizes, the
 * pointer size a BTF assumes, and C-like names for messages. Parsing only checks and indexes the
 * blob; a type is decoded when first asked for, and names are looked up through a byte index, so
 * a kernel's BTF of 100,000 types costs what the types a program touches cost. Walks are bounded,
 * so a cyclic or corrupt graph ends in a BtfTypeError rather than a hang.
 */
import { BtfTypeError } from './errors.ts';
import { isModifier, kindName, type BtfType, type TypeOfKind } from './kinds.ts';
import { NameIndex } from './name-index.ts';
import { decodeBlobType, parseBtfBlob, recordLength, type BtfBlob } from './parse.ts';
import type { StringTable } from './strings.ts';
import { Kind, KIND_NAMES, type KindNumber } from '../abi/btf-kinds.ts';

/** libbpf's MAX_RESOLVE_DEPTH: how many typedefs, modifiers and array levels a size walk follows. */
const MAX_RESOLVE_DEPTH = 32;

const LONG_NAMES = new Set([
  'long', 'long int', 'int long', 'unsigned long', 'long unsigned', 'unsigned long int', 'unsigned int long',
  'long unsigned int', 'long int unsigned', 'int unsigned long', 'int long unsigned',
]);

export class Btf {
  readonly strings: StringTable;
  private readonly blob: BtfBlob;
  private readonly decoded = new Map<number, BtfType>();
  private names?: NameIndex;
  private detectedPointerSize?: number | null;

  private constructor(blob: BtfBlob) {
    this.blob = blob;
    this.strings = blob.strings;
  }

  /**
   * Checks the whole blob; types are decoded when first asked for, so `bytes` must not change
   * afterwards. `checkedByKernel`: the running kernel's own BTF, measured rather than checked
   * record by record (parse.ts).
   */
  static parse(bytes: Uint8Array, checkedByKernel = false): Btf {
    return new Btf(parseBtfBlob(bytes, checkedByKernel));
  }

  get count(): number {
    return this.blob.count;
  }

  /** Every type, void first. This decodes the whole BTF: on a kernel's, prefer type(), typesOfKind() or idsByName(). */
  get types(): readonly BtfType[] {
    return [...this.all()];
  }

  /** Every type in id order, void first, decoded one at a time. */
  *all(): Generator<BtfType> {
    for (let id = 0; id < this.count; id++) yield this.type(id);
  }

  /** The types of `kind` in id order; the others are not decoded. */
  *typesOfKind<K extends KindNumber>(kind: K): Generator<TypeOfKind<K>> {
    const { words } = this.blob;
    for (let id = 1, word = 0; id < this.count; id++, word += recordLength(words, word)) {
      if (((words[word + 1]! >>> 24) & 0x1f) === kind) yield this.type(id) as TypeOfKind<K>;
    }
  }

  type(id: number): BtfType {
    const cached = this.decoded.get(id);
    if (cached !== undefined) return cached;
    if (!Number.isInteger(id) || id < 0 || id >= this.count) throw new BtfTypeError(`type id [${id}] is out of range: the BTF has ${this.count} types`);
    const t: BtfType = id === 0 ? { kind: Kind.UNKN, id: 0, name: '', at: 0 } : decodeBlobType(this.blob, id);
    this.decoded.set(id, t);
    return t;
  }

  /** The type with `id`, which must be of `kind`. */
  typeOfKind<K extends KindNumber>(id: number, kind: K): TypeOfKind<K> {
    const t = this.type(id);
    if (t.kind !== kind) throw new BtfTypeError(`type [${id}] is ${kindName(t)}, expected ${KIND_NAMES[kind]}`);
    return t as TypeOfKind<K>;
  }

  /** Follows const/volatile/restrict/type_tag and typedefs to the underlying type. */
  skipModsAndTypedefs(id: number): BtfType {
    let t = this.type(id);
    for (let steps = 0; isModifier(t) || t.kind === Kind.TYPEDEF; steps++) {
      if (steps >= this.count) throw new BtfTypeError(`type [${id}] is part of a typedef/modifier cycle`);
      t = this.type(t.type);
    }
    return t;
  }

  /** Ids of all types named exactly `name`, in id order. */
  idsByName(name: string): number[] {
    if (name === '') return [];
    if (!isAscii(name)) return this.idsWhoseName((n) => n === name);
    return this.nameIndex().lookup(charCodes(name), false);
  }

  /** Ids of all types whose name without its `___flavor` suffix is `essential`, in id order. */
  idsByEssentialName(essential: string): number[] {
    if (essential === '') return [];
    const matches = (name: string) => name !== '' && essentialName(name) === essential;
    if (!isAscii(essential)) return this.idsWhoseName(matches);
    return this.nameIndex().lookup(charCodes(essential), true).filter((id) => matches(this.type(id).name));
  }

  private nameIndex(): NameIndex {
    this.names ??= new NameIndex(this.blob);
    return this.names;
  }

  /** Decodes every name: the way to compare names that bytes cannot (non-ASCII ones). */
  private idsWhoseName(matches: (name: string) => boolean): number[] {
    const { words } = this.blob;
    const found: number[] = [];
    for (let id = 1, word = 0; id < this.count; id++, word += recordLength(words, word)) {
      if (matches(this.strings.get(words[word]!, `type [${id}] name`))) found.push(id);
    }
    return found;
  }

  /**
   * The pointer size this BTF describes: the size of its `long`, as libbpf decides it.
   * `fallback` applies when the BTF has no `long` (minimized BTFs often have none); libbpf then
   * uses the pointer size of the machine it runs on.
   */
  pointerSize(fallback: number): number {
    if (this.detectedPointerSize === undefined) {
      this.detectedPointerSize = null;
      for (const t of this.typesOfKind(Kind.INT)) {
        if ((t.size === 4 || t.size === 8) && LONG_NAMES.has(t.name)) {
          this.detectedPointerSize = t.size;
          break;
        }
      }
    }
    return this.detectedPointerSize ?? fallback;
  }

  /**
   * Byte size of a type, as libbpf's btf__resolve_size computes it: modifiers, typedefs and vars
   * are followed, arrays multiply. Throws for types without a size (void, func, fwd).
   */
  resolveSize(id: number, pointerSize: number): number {
    let count = 1;
    let t = this.type(id);
    for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
      switch (t.kind) {
        case Kind.INT: case Kind.STRUCT: case Kind.UNION: case Kind.ENUM: case Kind.ENUM64:
        case Kind.DATASEC: case Kind.FLOAT: {
          const size = t.size * count;
          if (count !== 0 && t.size > 0xffffffff / count) throw new BtfTypeError(`type [${id}] is larger than 4 GiB`);
          return size;
        }
        case Kind.PTR:
          return pointerSize * count;
        case Kind.TYPEDEF: case Kind.VOLATILE: case Kind.CONST: case Kind.RESTRICT: case Kind.VAR:
        case Kind.DECL_TAG: case Kind.TYPE_TAG:
          t = this.type(t.type);
          break;
        case Kind.ARRAY:
          if (count !== 0 && t.count > 0xffffffff / count) throw new BtfTypeError(`array type [${t.id}] is larger than 4 GiB`);
          count *= t.count;
          t = this.type(t.type);
          break;
        default:
          throw new BtfTypeError(`type [${id}] (${kindName(t)} '${t.name}') has no size`);
      }
    }
    throw new BtfTypeError(`type [${id}] nests more than ${MAX_RESOLVE_DEPTH} levels deep (a cycle?)`);
  }

  /** `struct task_struct`, `int`, `enum e`, `<anon>` for messages and reports. */
  describe(id: number): string {
    const t = this.type(id);
    return `${kindName(t)} ${t.name === '' ? '<anon>' : t.name}`;
  }
}

/**
 * Length of a name without its `___flavor` suffix (libbpf's bpf_core_essential_name_len): the
 * part before the last `___` that is followed by a non-underscore character.
 */
export function essentialNameLength(name: string): number {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name[i] !== '_' && name[i + 1] === '_' && name[i + 2] === '_' && name[i + 3] === '_' && name[i + 4] !== '_') return i + 1;
  }
  return name.length;
}

export function essentialName(name: string): string {
  return name.slice(0, essentialNameLength(name));
}

function isAscii(text: string): boolean {
  return /^[\0-\x7f]*$/.test(text);
}

function charCodes(text: string): number[] {
  const codes: number[] = [];
  for (let i = 0; i < text.length; i++) codes.push(text.charCodeAt(i));
  return codes;
}
