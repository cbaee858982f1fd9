/**
 * BPF map types and map flags (enum bpf_map_type, BPF_F_* in include/uapi/linux/bpf.h): ABI,
 * the same on every kernel that has them.
 */
export const MapType = {
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  STACK_TRACE: 7,
  LRU_HASH: 9,
  LRU_PERCPU_HASH: 10,
  ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13,
  RINGBUF: 27,
} as const;

export const MAP_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(MapType).map(([name, value]) => [value, name.toLowerCase()]),
);

export const MapFlag = {
  NO_PREALLOC: 1 << 0,
  RDONLY_PROG: 1 << 7,
  MMAPABLE: 1 << 10,
  INNER_MAP: 1 << 12,
} as const;

/** The map types whose values the kernel keeps once per possible CPU. */
export function isPerCpuMap(type: number): boolean {
  return type === MapType.PERCPU_HASH || type === MapType.PERCPU_ARRAY || type === MapType.LRU_PERCPU_HASH;
}
