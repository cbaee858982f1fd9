/**
 * The BTF type graph: lookup by id and name, skipping of modifiers and typedefs, sizes, the
 * pointer size a BTF assumes, and C-like names for messages. Walks are bounded, so a cyclic or
 * corrupt graph ends in a BtfTypeError rather than a hang.
 */
import { BtfTypeError } from './errors.ts';
import { isModifier, Kind, KIND_NAMES, kindName, type BtfType, type KindNumber, type TypeOfKind } from './kinds.ts';
import { parseBtfBlob } from './parse.ts';
import type { StringTable } from './strings.ts';

/** libbpf's MAX_RESOLVE_DEPTH: how many typedefs, modifiers and array levels a size walk follows. */
const MAX_RESOLVE_DEPTH = 32;

const LONG_NAMES = new Set([
  'long', 'long int', 'int long', 'unsigned long', 'long unsigned', 'unsigned long int', 'unsigned int long',
  'long unsigned int', 'long int unsigned', 'int unsigned long', 'int long unsigned',
]);

export class Btf {
  readonly types: readonly BtfType[];
  readonly strings: StringTable;
  private byName?: Map<string, number[]>;
  private detectedPointerSize?: number | null;

  constructor(types: BtfType[], strings: StringTable) {
    this.types = types;
    this.strings = strings;
  }

  static parse(bytes: Uint8Array): Btf {
    const raw = parseBtfBlob(bytes);
    return new Btf(raw.types, raw.strings);
  }

  get count(): number {
    return this.types.length;
  }

  type(id: number): BtfType {
    const t = this.types[id];
    if (t === undefined) throw new BtfTypeError(`type id [${id}] is out of range: the BTF has ${this.types.length} types`);
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
      if (steps >= this.types.length) throw new BtfTypeError(`type [${id}] is part of a typedef/modifier cycle`);
      t = this.type(t.type);
    }
    return t;
  }

  /** Ids of all types named exactly `name`, in id order. */
  idsByName(name: string): number[] {
    if (!this.byName) {
      this.byName = new Map();
      for (const t of this.types) {
        if (t.name === '') continue;
        const list = this.byName.get(t.name);
        if (list) list.push(t.id);
        else this.byName.set(t.name, [t.id]);
      }
    }
    return this.byName.get(name) ?? [];
  }

  /**
   * The pointer size this BTF describes: the size of its `long`, as libbpf decides it.
   * `fallback` applies when the BTF has no `long` (minimized BTFs often have none); libbpf then
   * uses the pointer size of the machine it runs on.
   */
  pointerSize(fallback: number): number {
    if (this.detectedPointerSize === undefined) {
      this.detectedPointerSize = null;
      for (const t of this.types) {
        if (t.kind === Kind.INT && (t.size === 4 || t.size === 8) && LONG_NAMES.has(t.name)) {
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
