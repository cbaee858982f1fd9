// SPDX-License-Identifier: GPL-2.0
/*
 * execsnoop: process lifecycle events. An exec (sched_process_exec) reports the new image's
 * file name, a fork (sched_process_fork, or the kprobe on wake_up_new_task) the child, an exit
 * (sched_process_exit, thread-group leaders only) the exit code. One record each, in the ring
 * buffer, or (programs named *_perf) in the perf buffer on kernels before 5.8.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "mote_module.h"

/* Report only children of this process (0: every process). */
const volatile __u32 target_ppid = 0;

enum process_event {
	process_exec = 1,
	process_fork = 2,
	process_exit = 3,
};

struct event {
	__u64 ts_ns;
	enum process_event kind;
	__u32 pid;
	__u32 ppid;
	__s32 exit_code;
	char comm[TASK_COMM_LEN];
	char filename[128];
};

/* Keeps `struct event` in the object's BTF: the sampler decodes the records with it. */
const struct event *unused_event __attribute__((unused));

MOTE_EVENTS(struct event, 256 * 1024)

static __always_inline struct event *reserve(enum mote_output output, enum process_event kind, __u32 pid, __u32 ppid)
{
	struct event *e;

	if (target_ppid && ppid != target_ppid)
		return 0;
	e = mote_reserve(output);
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->pid = pid;
	e->ppid = ppid;
	e->exit_code = 0;
	e->filename[0] = 0;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	return e;
}

static __always_inline __u32 current_ppid(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, real_parent, tgid);
}

static __always_inline int exec_event(struct trace_event_raw_sched_process_exec *ctx, enum mote_output output)
{
	__u32 offset = ctx->__data_loc_filename & 0xffff;
	struct event *e = reserve(output, process_exec, bpf_get_current_pid_tgid() >> 32, current_ppid());

	if (!e)
		return 0;
	bpf_probe_read_kernel_str(&e->filename, sizeof(e->filename), (void *)ctx + offset);
	mote_submit(ctx, e, output);
	return 0;
}

static __always_inline int fork_event(void *ctx, __u32 child_pid, __u32 parent_pid, enum mote_output output)
{
	struct event *e = reserve(output, process_fork, child_pid, parent_pid);

	if (e)
		mote_submit(ctx, e, output);
	return 0;
}

/* A new process (not a new thread) from wake_up_new_task's argument. */
static __always_inline int new_task_event(void *ctx, struct task_struct *child, enum mote_output output)
{
	__u32 pid = BPF_CORE_READ(child, tgid);

	if (pid != BPF_CORE_READ(child, pid))
		return 0; /* a new thread, not a new process */
	return fork_event(ctx, pid, BPF_CORE_READ(child, real_parent, tgid), output);
}

static __always_inline int exit_event(void *ctx, enum mote_output output)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct event *e;

	if ((__u32)pid_tgid != pid_tgid >> 32)
		return 0; /* a thread, not the process */
	e = reserve(output, process_exit, pid_tgid >> 32, current_ppid());
	if (!e)
		return 0;
	e->exit_code = BPF_CORE_READ(task, exit_code) >> 8;
	mote_submit(ctx, e, output);
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int on_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	return exec_event(ctx, MOTE_RING);
}

SEC("?tracepoint/sched/sched_process_fork")
int on_fork_tracepoint(struct trace_event_raw_sched_process_fork *ctx)
{
	return fork_event(ctx, ctx->child_pid, bpf_get_current_pid_tgid() >> 32, MOTE_RING);
}

SEC("?kprobe/wake_up_new_task")
int BPF_KPROBE(on_fork_kprobe, struct task_struct *child)
{
	return new_task_event(ctx, child, MOTE_RING);
}

SEC("tracepoint/sched/sched_process_exit")
int on_exit(void *ctx)
{
	return exit_event(ctx, MOTE_RING);
}

SEC("?tracepoint/sched/sched_process_exec")
int on_exec_perf(struct trace_event_raw_sched_process_exec *ctx)
{
	return exec_event(ctx, MOTE_PERF);
}

SEC("?tracepoint/sched/sched_process_fork")
int on_fork_tracepoint_perf(struct trace_event_raw_sched_process_fork *ctx)
{
	return fork_event(ctx, ctx->child_pid, bpf_get_current_pid_tgid() >> 32, MOTE_PERF);
}

SEC("?kprobe/wake_up_new_task")
int BPF_KPROBE(on_fork_kprobe_perf, struct task_struct *child)
{
	return new_task_event(ctx, child, MOTE_PERF);
}

SEC("?tracepoint/sched/sched_process_exit")
int on_exit_perf(void *ctx)
{
	return exit_event(ctx, MOTE_PERF);
}

char LICENSE[] SEC("license") = "GPL";
