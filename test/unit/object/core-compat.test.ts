/**
 * The three CO-RE type relations, table-driven in both directions (as cilium/ebpf tests its
 * coreAreTypesCompatible and coreAreMembersCompatible): for each pair, a local and a target
 * declaration of the same typedef name, and the expected answer of each relation local → target
 * and target → local. The expectations are libbpf's (bpf_core_fields_are_compat,
 * __bpf_core_types_are_compat, __bpf_core_types_match); the two sides are real BTFs, made from C
 * by clang and pahole, so the types are what a compiler emits.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Btf } from '../../../agent/src/btf/btf.ts';
import { fieldsCompatible, typesCompatible, typesMatch } from '../../../agent/src/object/core/compat.ts';
import { targetBtfFromC } from '../support/clang.ts';
import { Kind } from '../../../agent/src/abi/btf-kinds.ts';

/** [local → target, target → local] */
type BothWays = [boolean, boolean];

interface Pair {
  /** What the pair shows; its typedef is named `t_<id>` on both sides. */
  about: string;
  id: string;
  /** C declarations that end by defining `T` (renamed per pair). */
  local: string;
  target: string;
  fields: BothWays;
  types: BothWays;
  match: BothWays;
}

const PAIRS: Pair[] = [
  { id: 'same_int', about: 'identical ints', local: 'typedef int T;', target: 'typedef int T;', fields: [true, true], types: [true, true], match: [true, true] },
  { id: 'sign', about: 'int and unsigned int: only type_matches checks names and signedness', local: 'typedef int T;', target: 'typedef unsigned int T;', fields: [true, true], types: [true, true], match: [false, false] },
  { id: 'width', about: 'int and long long: sizes are not compared by the first two', local: 'typedef int T;', target: 'typedef long long T;', fields: [true, true], types: [true, true], match: [false, false] },
  { id: 'int_ptr', about: 'int and pointer: different kinds', local: 'typedef int T;', target: 'typedef int *T;', fields: [false, false], types: [false, false], match: [false, false] },
  { id: 'ptr_pointee', about: 'pointers to different ints: any two pointers are field-compatible', local: 'typedef int *T;', target: 'typedef long long *T;', fields: [true, true], types: [true, true], match: [false, false] },
  {
    id: 'ptr_fwd', about: 'pointer to a forward declaration and to the full struct: type_matches accepts either behind a pointer',
    local: 'struct ptr_fwd_s; typedef struct ptr_fwd_s *T;', target: 'struct ptr_fwd_s { int pid; }; typedef struct ptr_fwd_s *T;',
    fields: [true, true], types: [false, false], match: [true, true],
  },
  {
    id: 'fwd', about: 'a forward declaration and the full struct, not behind a pointer',
    local: 'struct fwd_s; typedef struct fwd_s T;', target: 'struct fwd_s { int pid; }; typedef struct fwd_s T;',
    fields: [false, false], types: [false, false], match: [false, false],
  },
  {
    id: 'subset', about: 'a struct with a subset of the members: type_matches is one-way',
    local: 'struct subset_s { int b; }; typedef struct subset_s T;', target: 'struct subset_s { int a; int b; }; typedef struct subset_s T;',
    fields: [true, true], types: [true, true], match: [true, false],
  },
  {
    id: 'member_type', about: 'a member whose type changed sign',
    local: 'struct member_type_s { int a; }; typedef struct member_type_s T;', target: 'struct member_type_s { unsigned int a; }; typedef struct member_type_s T;',
    fields: [true, true], types: [true, true], match: [false, false],
  },
  {
    id: 'struct_union', about: 'struct and union: composites for field relocations, different kinds otherwise',
    local: 'struct struct_union_s { int a; }; typedef struct struct_union_s T;', target: 'union struct_union_s { int a; }; typedef union struct_union_s T;',
    fields: [true, true], types: [false, false], match: [false, false],
  },
  {
    id: 'flavour', about: "a '___flavour' struct with fewer members: names compared without the suffix",
    local: 'struct flavour_s___v2 { int a; }; typedef struct flavour_s___v2 T;', target: 'struct flavour_s { int a; int b; }; typedef struct flavour_s T;',
    fields: [true, true], types: [true, true], match: [true, false],
  },
  {
    id: 'anon', about: 'anonymous structs on both sides',
    local: 'typedef struct { int a; } T;', target: 'typedef struct { int a; } T;',
    fields: [true, true], types: [true, true], match: [true, true],
  },
  {
    id: 'anon_named', about: 'an anonymous struct and a named one: type_matches wants the names to agree',
    local: 'typedef struct { int a; } T;', target: 'struct anon_named_s { int a; }; typedef struct anon_named_s T;',
    fields: [true, true], types: [true, true], match: [false, false],
  },
  {
    id: 'enum_subset', about: 'an enum with a subset of the enumerators: type_matches is one-way',
    local: 'enum enum_subset_e { ES_A, ES_B }; typedef enum enum_subset_e T;', target: 'enum enum_subset_e { ES_A, ES_B, ES_C }; typedef enum enum_subset_e T;',
    fields: [true, true], types: [true, true], match: [true, false],
  },
  {
    id: 'enum_names', about: 'enums of different names: types_are_compat does not look at enum names',
    local: 'enum enum_names_a { EN_X }; typedef enum enum_names_a T;', target: 'enum enum_names_b { EN_X2 }; typedef enum enum_names_b T;',
    fields: [false, false], types: [true, true], match: [false, false],
  },
  {
    id: 'enum64', about: 'a 32-bit and a 64-bit enum of the same name: compatible kinds, different sizes',
    local: 'enum enum64_e { E64_A = 1 }; typedef enum enum64_e T;', target: 'enum enum64_e { E64_A = 0x100000000ULL }; typedef enum enum64_e T;',
    fields: [true, true], types: [true, true], match: [false, false],
  },
  { id: 'array_len', about: 'arrays of different lengths: only type_matches compares counts', local: 'typedef int T[4];', target: 'typedef int T[8];', fields: [true, true], types: [true, true], match: [false, false] },
  { id: 'array_elem', about: 'arrays of ints and of pointers', local: 'typedef int T[4];', target: 'typedef int *T[4];', fields: [false, false], types: [false, false], match: [false, false] },
  { id: 'proto', about: 'identical function pointers', local: 'typedef int (*T)(int, long);', target: 'typedef int (*T)(int, long);', fields: [true, true], types: [true, true], match: [true, true] },
  { id: 'proto_arity', about: 'function pointers with different parameter counts', local: 'typedef int (*T)(int);', target: 'typedef int (*T)(int, int);', fields: [true, true], types: [false, false], match: [false, false] },
  { id: 'proto_return', about: 'function pointers returning int and a pointer', local: 'typedef int (*T)(int);', target: 'typedef void *(*T)(int);', fields: [true, true], types: [false, false], match: [false, false] },
  { id: 'float', about: 'floats: field-compatible, but libbpf has no FLOAT case for the other two', local: 'typedef float T;', target: 'typedef float T;', fields: [true, true], types: [false, false], match: [false, false] },
];

const typedefName = (pair: Pair) => `t_${pair.id}`;

function side(which: 'local' | 'target'): Btf {
  const source = PAIRS.map((p) => `${p[which].replace(/\bT\b/g, typedefName(p))}\n${typedefName(p)} *v_${p.id};`).join('\n');
  return Btf.parse(new Uint8Array(readFileSync(targetBtfFromC(source, 'x86_64'))));
}

const local = side('local');
const target = side('target');

function idOf(btf: Btf, name: string): number {
  const [id] = btf.idsByName(name);
  if (id === undefined) throw new Error(`no type '${name}' in the BTF pahole made`);
  return id;
}

const RELATIONS = {
  fields: fieldsCompatible,
  types: (a: Btf, aId: number, b: Btf, bId: number) => typesCompatible(a, aId, b, bId),
  match: (a: Btf, aId: number, b: Btf, bId: number) => typesMatch(a, aId, b, bId),
} as const;

describe('CO-RE type relations, local → target and target → local', () => {
  it('the pairs have the kinds they are about: ENUM64 and FLOAT are encoded as such', () => {
    expect(target.skipModsAndTypedefs(idOf(target, 't_enum64')).kind).toBe(Kind.ENUM64);
    expect(local.skipModsAndTypedefs(idOf(local, 't_float')).kind).toBe(Kind.FLOAT);
  });

  for (const pair of PAIRS) {
    it(`${pair.id}: ${pair.about}`, () => {
      const l = idOf(local, typedefName(pair));
      const t = idOf(target, typedefName(pair));
      const actual = Object.fromEntries(
        Object.entries(RELATIONS).map(([name, relation]) => [name, [relation(local, l, target, t), relation(target, t, local, l)]]),
      );
      expect(actual).toEqual({ fields: pair.fields, types: pair.types, match: pair.match });
    });
  }
});
