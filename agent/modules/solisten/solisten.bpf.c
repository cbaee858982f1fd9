// SPDX-License-Identifier: GPL-2.0
/*
 * solisten: listen() calls with the process, the socket's address and port, the backlog and
 * the result. Where the kernel has kprobes, inet_listen and its return; else the
 * syscalls:sys_enter_listen/sys_exit_listen tracepoints, with the socket found from the file
 * descriptor in the calling task's file table. One record per call, in the ring buffer, or
 * (programs named *_perf) in the perf buffer on kernels before 5.8.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "mote_module.h"

/* Report only this process (0: every process). */
const volatile __u32 target_tgid = 0;

struct event {
	__u64 ts_ns;
	__u32 pid;
	char comm[TASK_COMM_LEN];
	enum mote_family family;
	__u8 addr[16] MOTE_IPV6;
	__u16 port;
	__s32 backlog;
	__s32 result;
};

const struct event *unused_event __attribute__((unused));

struct pending_listen {
	struct socket *sock;
	__s32 fd;
	__s32 backlog;
};

MOTE_EVENTS(struct event, 64 * 1024)

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct pending_listen);
} pending SEC(".maps");

static __always_inline int remember(struct socket *sock, __s32 fd, __s32 backlog)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct pending_listen call = { .sock = sock, .fd = fd, .backlog = backlog };

	if (target_tgid && pid_tgid >> 32 != target_tgid)
		return 0;
	bpf_map_update_elem(&pending, &tid, &call, BPF_ANY);
	return 0;
}

/* The socket behind `fd` in the current task: files->fdt->fd[fd]->private_data. */
static __always_inline struct socket *socket_of_fd(__s32 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *table = BPF_CORE_READ(task, files, fdt);
	struct file **files = BPF_CORE_READ(table, fd);
	/* Pointers are 4 bytes on 32-bit kernels: index the array by the kernel's pointer size. */
	__u32 pointer_size = bpf_core_field_size(table->fd);
	__u64 file = 0;

	if (fd < 0 || fd >= BPF_CORE_READ(table, max_fds))
		return 0;
	bpf_probe_read_kernel(&file, pointer_size, (void *)files + fd * pointer_size);
	if (!file)
		return 0;
	return BPF_CORE_READ((struct file *)file, private_data);
}

static __always_inline int report(void *ctx, struct socket *sock, __s32 result, enum mote_output output)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_listen *call = bpf_map_lookup_elem(&pending, &tid);
	struct sock *sk;
	struct event *e;

	if (!call)
		return 0;
	if (!sock)
		sock = socket_of_fd(call->fd);
	if (!sock)
		goto out;
	e = mote_reserve(output);
	if (!e)
		goto out;
	sk = BPF_CORE_READ(sock, sk);
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	e->backlog = call->backlog;
	e->result = result;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (e->family == af_inet)
		mote_ipv4_mapped(e->addr, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
	else
		BPF_CORE_READ_INTO(&e->addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
	mote_submit(ctx, e, output);
out:
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

SEC("?tracepoint/syscalls/sys_enter_listen")
int listen_enter(struct syscall_trace_enter *ctx)
{
	__s32 fd = (__s32)MOTE_SYSCALL_ARG(ctx, 0);
	__s32 backlog = (__s32)MOTE_SYSCALL_ARG(ctx, 1);

	return remember(0, fd, backlog);
}

SEC("?tracepoint/syscalls/sys_exit_listen")
int listen_exit(struct syscall_trace_exit *ctx)
{
	return report(ctx, 0, (__s32)MOTE_READ_INT(ctx, ret), MOTE_RING);
}

SEC("?tracepoint/syscalls/sys_exit_listen")
int listen_exit_perf(struct syscall_trace_exit *ctx)
{
	return report(ctx, 0, (__s32)MOTE_READ_INT(ctx, ret), MOTE_PERF);
}

SEC("?kprobe/inet_listen")
int BPF_KPROBE(inet_listen_entry, struct socket *sock, int backlog)
{
	return remember(sock, -1, backlog);
}

static __always_inline int listen_return(void *ctx, int ret, enum mote_output output)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_listen *call = bpf_map_lookup_elem(&pending, &tid);

	return call ? report(ctx, call->sock, ret, output) : 0;
}

SEC("?kretprobe/inet_listen")
int BPF_KRETPROBE(inet_listen_return, int ret)
{
	return listen_return(ctx, ret, MOTE_RING);
}

SEC("?kretprobe/inet_listen")
int BPF_KRETPROBE(inet_listen_return_perf, int ret)
{
	return listen_return(ctx, ret, MOTE_PERF);
}

char LICENSE[] SEC("license") = "GPL";
