// SPDX-License-Identifier: GPL-2.0
/*
 * runqlat: scheduler run-queue latency, the time from a task becoming runnable (woken, newly
 * created, or preempted while still runnable) to it running on a CPU, as one log2 histogram in
 * microseconds, from the sched_wakeup, sched_wakeup_new and sched_switch tracepoints.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mote_module.h"

#define TASK_RUNNING 0

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} runnable_since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mote_hist);
} hist SEC(".maps");

static __always_inline void mark_runnable(__u32 pid)
{
	__u64 now;

	if (!pid)
		return;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&runnable_since, &pid, &now, BPF_ANY);
}

SEC("tracepoint/sched/sched_wakeup")
int on_wakeup(struct trace_event_raw_sched_wakeup_template *ctx)
{
	mark_runnable(ctx->pid);
	return 0;
}

SEC("tracepoint/sched/sched_wakeup_new")
int on_wakeup_new(struct trace_event_raw_sched_wakeup_template *ctx)
{
	mark_runnable(ctx->pid);
	return 0;
}

SEC("tracepoint/sched/sched_switch")
int on_switch(struct trace_event_raw_sched_switch *ctx)
{
	__u32 next = ctx->next_pid, zero = 0;
	__u64 *since, now;
	struct mote_hist *h;

	/* Preempted while runnable: it waits in the run queue from now. */
	if (MOTE_READ_INT(ctx, prev_state) == TASK_RUNNING)
		mark_runnable(ctx->prev_pid);
	since = bpf_map_lookup_elem(&runnable_since, &next);
	if (!since)
		return 0;
	now = bpf_ktime_get_ns();
	h = bpf_map_lookup_elem(&hist, &zero);
	if (h && now > *since)
		mote_hist_add(h, mote_div1000(now - *since));
	bpf_map_delete_elem(&runnable_since, &next);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
