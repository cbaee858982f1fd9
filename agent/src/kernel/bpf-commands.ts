/**
 * bpf(2) command numbers and the map types the agent creates, from include/uapi/linux/bpf.h.
 * The values are ABI: they never change between kernels.
 */
export const BpfCommand = {
  MAP_CREATE: 0,
  MAP_LOOKUP_ELEM: 1,
  MAP_UPDATE_ELEM: 2,
  MAP_DELETE_ELEM: 3,
  MAP_GET_NEXT_KEY: 4,
} as const;

export const MapType = {
  HASH: 1,
  ARRAY: 2,
} as const;

/** Flags of MAP_UPDATE_ELEM. */
export const UpdateFlag = {
  ANY: 0,
  NOEXIST: 1,
  EXIST: 2,
} as const;
