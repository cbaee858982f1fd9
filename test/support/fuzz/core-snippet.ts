/**
 * The small CO-RE object both kinds of fuzzing start from (test/unit/fuzz.test.ts compiles it;
 * test/fuzz/engine/seeds.ts compiles it into the fuzz seeds): a map, a bitfield read, an enum
 * value, a type size, a rodata global and a subprogram, and the C of a 32-bit ARM target it
 * relocates against.
 */
export const CORE_SNIPPET_C = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
char LICENSE[] SEC("license") = "GPL";
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, int); __type(value, long); } m SEC(".maps");
struct task { int pid; struct task *parent; unsigned int a:3, b:5; } __attribute__((preserve_access_index));
enum e { E1, E2 };
const volatile int limit = 3;
static __noinline int sub(struct task *t) { return BPF_CORE_READ(t, parent, pid) + bpf_core_enum_value(enum e, E2); }
SEC("kprobe/x") int prog(struct task *t) {
  int k = 0; long v = limit + BPF_CORE_READ_BITFIELD_PROBED(t, b);
  bpf_map_update_elem(&m, &k, &v, 0);
  return sub(t) + bpf_core_type_size(struct task);
}
`;

export const CORE_TARGET_C = 'struct task { int pid; struct task *parent; unsigned int a:3, b:5; }; enum e { E1, E2 }; struct task t; enum e x;';
