/** The thirteen CO-RE relocation kinds: libbpf's names and the three families they fall in. */
import { CoreReloKind } from '../../btf/ext.ts';

export const CORE_KIND_NAMES: readonly string[] = [
  'byte_off', 'byte_sz', 'field_exists', 'signed', 'lshift_u64', 'rshift_u64', 'local_type_id',
  'target_type_id', 'type_exists', 'type_size', 'enumval_exists', 'enumval_value', 'type_matches',
];

export function coreKindName(kind: number): string {
  return CORE_KIND_NAMES[kind] ?? 'unknown';
}

export function isFieldBased(kind: number): boolean {
  return kind >= CoreReloKind.FIELD_BYTE_OFFSET && kind <= CoreReloKind.FIELD_RSHIFT_U64;
}

export function isTypeBased(kind: number): boolean {
  return kind === CoreReloKind.TYPE_ID_LOCAL || kind === CoreReloKind.TYPE_ID_TARGET || kind === CoreReloKind.TYPE_EXISTS || kind === CoreReloKind.TYPE_MATCHES || kind === CoreReloKind.TYPE_SIZE;
}

export function isEnumvalBased(kind: number): boolean {
  return kind === CoreReloKind.ENUMVAL_EXISTS || kind === CoreReloKind.ENUMVAL_VALUE;
}
