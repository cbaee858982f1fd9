/**
 * bpf(2) command numbers and the flags of element updates the loader uses, from
 * include/uapi/linux/bpf.h. These values are ABI: they never change between kernels.
 */
export const BpfCommand = {
  MAP_CREATE: 0,
  MAP_LOOKUP_ELEM: 1,
  MAP_UPDATE_ELEM: 2,
  MAP_DELETE_ELEM: 3,
  MAP_GET_NEXT_KEY: 4,
  MAP_LOOKUP_AND_DELETE_ELEM: 21,
  PROG_LOAD: 5,
  OBJ_GET_INFO_BY_FD: 15,
  RAW_TRACEPOINT_OPEN: 17,
  BTF_LOAD: 18,
  MAP_FREEZE: 22,
  MAP_LOOKUP_BATCH: 24,
  MAP_LOOKUP_AND_DELETE_BATCH: 25,
  LINK_CREATE: 28,
  LINK_DETACH: 34,
} as const;

/** Flags of MAP_UPDATE_ELEM. */
export const UpdateFlag = {
  ANY: 0,
  NOEXIST: 1,
  EXIST: 2,
} as const;
