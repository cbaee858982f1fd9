// SPDX-License-Identifier: GPL-2.0
/*
 * syscount: system calls per process and syscall number, counted at raw_syscalls:sys_enter;
 * with measure_latency set, the time spent in each call is summed at sys_exit as well.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mote_module.h"

/* Count only this process (0: every process). */
const volatile __u32 target_tgid = 0;
/* Also sum the time between sys_enter and sys_exit (one more hash update per call). */
const volatile bool measure_latency = false;

struct syscall_key {
	__u32 pid;
	__u32 syscall;
	char comm[TASK_COMM_LEN];
};

struct syscall_stats {
	__u64 calls;
	__u64 latency_ns;
};

struct pending_call {
	__u64 start_ns;
	__u32 syscall;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct syscall_key);
	__type(value, struct syscall_stats);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct pending_call);
} pending SEC(".maps");

static __always_inline struct syscall_stats *stats_for(__u32 tgid, __u32 syscall)
{
	struct syscall_key key = { .pid = tgid, .syscall = syscall };
	struct syscall_stats zero = {};
	struct syscall_stats *stats;

	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	stats = bpf_map_lookup_elem(&counts, &key);
	if (stats)
		return stats;
	bpf_map_update_elem(&counts, &key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&counts, &key);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int syscall_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	__u32 syscall = (__u32)MOTE_READ_INT(ctx, id);
	struct syscall_stats *stats;

	if (target_tgid && tgid != target_tgid)
		return 0;
	stats = stats_for(tgid, syscall);
	if (stats)
		stats->calls++;
	if (measure_latency) {
		struct pending_call call = { .start_ns = bpf_ktime_get_ns(), .syscall = syscall };

		bpf_map_update_elem(&pending, &tid, &call, BPF_ANY);
	}
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int syscall_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct pending_call *call;
	struct syscall_stats *stats;

	if (!measure_latency || (target_tgid && tgid != target_tgid))
		return 0;
	call = bpf_map_lookup_elem(&pending, &tid);
	if (!call)
		return 0;
	stats = stats_for(tgid, call->syscall);
	if (stats)
		stats->latency_ns += bpf_ktime_get_ns() - call->start_ns;
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
