/** BTF kind numbers, the names libbpf prints for them, and integer encodings (include/uapi/linux/btf.h). */

export const Kind = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;
export type KindNumber = (typeof Kind)[keyof typeof Kind];

/** The kind names libbpf prints (btf_kind_str). */
export const KIND_NAMES: readonly string[] = [
  'void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const',
  'restrict', 'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64',
];

export const IntEncoding = { SIGNED: 1, CHAR: 2, BOOL: 4 } as const;
