/*
 * Shared by the built-in modules: BTF decl tags the sampler reads to format fields, the log2
 * histogram every histogram module uses, and reads of kernel fields whose size differs between
 * the BPF view (long and pointers are 8 bytes) and a 32-bit kernel (4 bytes).
 *
 * Counters live in per-CPU maps and are incremented without atomics: the 32-bit ARM JIT of
 * older kernels has no atomic instructions, and the sampler sums the CPUs' values anyway.
 */
#ifndef MOTE_MODULE_H
#define MOTE_MODULE_H

#include <bpf/bpf_core_read.h>
#include "mote_div.h"

/* The sampler formats a field tagged "ipv4" (4 bytes) or "ipv6" (16 bytes; IPv4-mapped
 * addresses print as dotted quads) as an address, and "dev_t" as major:minor. */
#define MOTE_IPV4 __attribute__((btf_decl_tag("ipv4")))
#define MOTE_IPV6 __attribute__((btf_decl_tag("ipv6")))
#define MOTE_DEV_T __attribute__((btf_decl_tag("dev_t")))

#define TASK_COMM_LEN 16

/* In a per-CPU map. slots[i] counts values of bit length i: slots[0] zeros, slots[i] 2^(i-1) <= v < 2^i
 * (values of 2^63 and more share the last slot). A power of two, so a mask bounds the index. */
#define MOTE_HIST_SLOTS 64

struct mote_hist {
	__u32 slots[MOTE_HIST_SLOTS];
};

static __always_inline __u32 mote_bit_length(__u64 value)
{
	__u32 length = 0;

	if (value >> 32) { length += 32; value >>= 32; }
	if (value >> 16) { length += 16; value >>= 16; }
	if (value >> 8) { length += 8; value >>= 8; }
	if (value >> 4) { length += 4; value >>= 4; }
	if (value >> 2) { length += 2; value >>= 2; }
	if (value >> 1) { length += 1; value >>= 1; }
	return length + (__u32)value;
}

static __always_inline void mote_hist_add(struct mote_hist *hist, __u64 value)
{
	__u32 slot = mote_bit_length(value);

	if (slot >= MOTE_HIST_SLOTS)
		slot = MOTE_HIST_SLOTS - 1;
	/* Hide the bound from clang so it keeps the mask the verifier needs to see. */
	asm volatile("" : "+r"(slot));
	hist->slots[slot & (MOTE_HIST_SLOTS - 1)]++;
}

/* An integer field of any size and signedness (long is 4 bytes on 32-bit kernels). */
#define MOTE_READ_INT(ptr, field) BPF_CORE_READ_BITFIELD_PROBED(ptr, field)

/* Argument `n` of a syscalls:sys_enter_* tracepoint (each is an unsigned long: 4 bytes on 32-bit kernels). */
#define MOTE_SYSCALL_ARG(ctx, n) ({							\
	__u32 size = bpf_core_type_size(__kernel_ulong_t);				\
	__u64 value = 0;								\
	bpf_probe_read_kernel(&value, size,						\
			      (void *)(ctx) + bpf_core_field_offset(struct syscall_trace_enter, args) + (n) * size); \
	value;										\
})

/* An IPv4 address (network order) as an IPv4-mapped IPv6 address, for a MOTE_IPV6 field. */
static __always_inline void mote_ipv4_mapped(__u8 out[16], __u32 address)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &address, 4);
}

/* Where a program sends its events: the ring buffer (Linux 5.8), or the perf buffer before it. */
enum mote_output {
	MOTE_RING = 0,
	MOTE_PERF = 1,
};

/*
 * The events of a module, `record_type` each, and both ways to send them; a program picks one
 * with a literal mote_output, so each compiled program uses one of them only and the loader
 * creates only the maps the chosen programs use:
 * - `events`, a ring buffer of `ring_bytes` (the manifest's record `map`);
 * - `events_perf`, a perf event array (its `perfMap`), with `events_scratch`, a per-CPU record
 *   the program fills before bpf_perf_event_output() copies it out;
 * - `lost_events`, a per-CPU count of ring buffer records that could not be reserved (its
 *   `lostMap`; the perf buffer's losses come from the kernel's PERF_RECORD_LOST instead).
 * mote_reserve() gives a record to fill (null when the ring is full: counted lost), and
 * mote_submit() sends it.
 */
#define MOTE_EVENTS(record_type, ring_bytes)							\
	struct {										\
		__uint(type, BPF_MAP_TYPE_RINGBUF);						\
		__uint(max_entries, ring_bytes);						\
	} events SEC(".maps");									\
	struct {										\
		__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);					\
		__uint(key_size, sizeof(__u32));						\
		__uint(value_size, sizeof(__u32));						\
	} events_perf SEC(".maps");								\
	struct {										\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);					\
		__uint(max_entries, 1);								\
		__type(key, __u32);								\
		__type(value, record_type);							\
	} events_scratch SEC(".maps");								\
	struct {										\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);					\
		__uint(max_entries, 1);								\
		__type(key, __u32);								\
		__type(value, __u64);								\
	} lost_events SEC(".maps");								\
	static __always_inline record_type *mote_reserve(enum mote_output output)		\
	{											\
		__u32 zero = 0;									\
		record_type *record;								\
		__u64 *lost;									\
												\
		if (output == MOTE_PERF)							\
			return bpf_map_lookup_elem(&events_scratch, &zero);			\
		record = bpf_ringbuf_reserve(&events, sizeof(record_type), 0);		\
		if (!record) {									\
			lost = bpf_map_lookup_elem(&lost_events, &zero);			\
			if (lost)								\
				(*lost)++;							\
		}										\
		return record;									\
	}											\
	static __always_inline void mote_submit(void *ctx, record_type *record, enum mote_output output) \
	{											\
		if (output == MOTE_PERF)							\
			bpf_perf_event_output(ctx, &events_perf, BPF_F_CURRENT_CPU, record, sizeof(record_type)); \
		else										\
			bpf_ringbuf_submit(record, 0);						\
	}

/* Address families as the sampler shows them. */
enum mote_family {
	af_inet = 2,
	af_inet6 = 10,
};

#endif
