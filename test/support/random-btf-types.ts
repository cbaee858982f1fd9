/**
 * Random BTF types for the decoders' fuzz tests: ints of every width, bools, chars, pointers at 4
 * and 8 bytes, enums, floats, typedef and modifier chains, arrays, structs and unions with
 * bitfields and decl tags, each with its size as laid out with the pointer size given.
 */
import { IntEncoding, Kind } from '../../agent/src/abi/btf-kinds.ts';
import { BtfWriter, type MemberSpec } from './btf-writer.ts';
import { randomInt, type Random } from './fuzz/seeded-random.ts';

/** Random types in one BTF: `sizes` of each id as laid out with `pointerSize`. */
export class RandomTypes {
  readonly writer = new BtfWriter();
  readonly sizes = new Map<number, number>();
  private readonly scalars: number[] = [];
  private names = 0;

  constructor(private readonly random: Random, pointerSize: number) {
    const w = this.writer;
    const int = (name: string, size: number, encoding = 0) => this.sized(w.int(name, size, encoding), size);
    int('char', 1, IntEncoding.CHAR | IntEncoding.SIGNED);
    int('unsigned char', 1);
    int('_Bool', 1, IntEncoding.BOOL);
    for (const size of [1, 2, 4, 8, 16]) {
      int(`u${size * 8}`, size);
      int(`s${size * 8}`, size, IntEncoding.SIGNED);
    }
    int('u24', 3);
    this.sized(w.reference(Kind.PTR, '', this.scalars[3]!), pointerSize);
    for (const size of [2, 4, 8]) this.sized(w.float(`f${size * 8}`, size), size);
    for (const size of [1, 2, 4, 8]) this.sized(w.enum(`e${size}`, size, this.enumValues(size), this.random() < 0.5), size);
  }

  private sized(id: number, size: number): number {
    this.sizes.set(id, size);
    this.scalars.push(id);
    return id;
  }

  private name(): string {
    return `m${this.names++}`;
  }

  private enumValues(size: number): Array<[string, bigint]> {
    const bits = BigInt(size * 8);
    const pick = (): bigint => {
      const choice = randomInt(this.random, 4);
      if (choice === 0) return BigInt(randomInt(this.random, 4));
      if (choice === 1) return -BigInt(randomInt(this.random, 3) + 1);
      if (choice === 2) return (1n << (bits - 1n)) - 1n;
      return BigInt.asUintN(Number(bits), BigInt(Math.floor(this.random() * 2 ** 53)) * 2047n);
    };
    return Array.from({ length: 1 + randomInt(this.random, 5) }, () => [this.name(), pick()]);
  }

  /** A random type at most `depth` levels deep. */
  type(depth: number): number {
    const w = this.writer;
    const roll = randomInt(this.random, depth > 0 ? 10 : 6);
    if (roll < 4) return this.scalars[randomInt(this.random, this.scalars.length)]!;
    if (roll === 4) {
      const target = this.type(depth - 1 < 0 ? 0 : depth - 1);
      const kinds = [Kind.TYPEDEF, Kind.CONST, Kind.VOLATILE, Kind.RESTRICT, Kind.TYPE_TAG];
      const kind = kinds[randomInt(this.random, kinds.length)]!;
      const id = w.reference(kind, kind === Kind.TYPEDEF || kind === Kind.TYPE_TAG ? this.name() : '', target);
      this.sizes.set(id, this.sizes.get(target)!);
      return id;
    }
    if (roll === 5) {
      const charLike = this.random() < 0.3;
      const element = charLike ? this.scalars[randomInt(this.random, 2)]! : this.type(Math.max(depth - 1, 0));
      const count = randomInt(this.random, this.random() < 0.2 ? 300 : 12);
      const id = w.array(element, this.scalars[7]!, count);
      this.sizes.set(id, this.sizes.get(element)! * count);
      return id;
    }
    return this.struct(depth - 1, roll === 9);
  }

  private struct(depth: number, union: boolean): number {
    const members: MemberSpec[] = [];
    const tags: Array<[string, number]> = [];
    let bit = 0;
    let size = 0;
    for (let index = 0, count = randomInt(this.random, 7); index < count; index++) {
      const name = this.random() < 0.1 ? '' : this.name();
      const roll = randomInt(this.random, 8);
      if (roll === 0) {
        // A bitfield on an integer type, anywhere: across bytes, up to 64 bits.
        const base = this.scalars[randomInt(this.random, 2) === 0 ? 9 : 10]!;
        const bits = 1 + randomInt(this.random, 64);
        members.push({ name, type: base, bitOffset: union ? 0 : bit, bits });
        bit = union ? bit : bit + bits;
        size = Math.max(size, Math.ceil((union ? bits : bit) / 8));
        continue;
      }
      if (!union) bit = Math.ceil(bit / 8) * 8;
      if (roll === 1) {
        // A member the C tagged, or the manifest hints by name.
        const hint = (['ipv4', 'dev_t', 'ipv6'] as const)[randomInt(this.random, 3)]!;
        const type = hint === 'ipv6' ? this.writer.array(this.scalars[1]!, this.scalars[7]!, 16) : this.scalars[7]!;
        this.sizes.set(type, hint === 'ipv6' ? 16 : 4);
        members.push({ name, type, bitOffset: union ? 0 : bit });
        tags.push([hint, index]);
        const bytes = hint === 'ipv6' ? 16 : 4;
        bit = union ? bit : bit + bytes * 8;
        size = Math.max(size, union ? bytes : bit / 8);
        continue;
      }
      const type = this.type(depth);
      const bytes = this.sizes.get(type)!;
      members.push({ name, type, bitOffset: union ? 0 : bit });
      bit = union ? bit : bit + bytes * 8;
      size = Math.max(size, union ? bytes : bit / 8);
    }
    size += randomInt(this.random, 3);
    const id = this.writer.struct(this.name(), size, members, union);
    for (const [tag, index] of tags) this.writer.declTag(tag, id, index);
    this.sizes.set(id, size);
    return id;
  }
}
