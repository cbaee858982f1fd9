// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconnect: outbound TCP connections (IPv4 and IPv6) with the connecting process. Where the
 * kernel has kprobes, tcp_v4_connect/tcp_v6_connect and their returns (only connects that the
 * kernel accepted); else the sock:inet_sock_set_state tracepoint at CLOSE -> SYN_SENT, which
 * fires in the connecting process's context as well. One record per connect, in the ring buffer,
 * or (programs named *_perf) in the perf buffer on kernels before 5.8.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "mote_module.h"

/* Report only connections to this destination port (0: every port). */
const volatile __u16 target_port = 0;

#define TCP_STATE_SYN_SENT 2
#define TCP_STATE_CLOSE 7
#define PROTOCOL_TCP 6

struct event {
	__u64 ts_ns;
	__u32 pid;
	__u32 uid;
	char comm[TASK_COMM_LEN];
	enum mote_family family;
	__u8 saddr[16] MOTE_IPV6;
	__u8 daddr[16] MOTE_IPV6;
	__u16 dport;
};

const struct event *unused_event __attribute__((unused));

MOTE_EVENTS(struct event, 128 * 1024)

/* Sockets between tcp_v*_connect and its return, by thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sock *);
} connecting SEC(".maps");

static __always_inline struct event *reserve(enum mote_output output, __u16 dport)
{
	struct event *e;

	if (target_port && dport != target_port)
		return 0;
	e = mote_reserve(output);
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->dport = dport;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	return e;
}

static __always_inline int state_change_event(struct trace_event_raw_inet_sock_set_state *ctx, enum mote_output output)
{
	struct event *e;

	if (ctx->protocol != PROTOCOL_TCP || ctx->oldstate != TCP_STATE_CLOSE || ctx->newstate != TCP_STATE_SYN_SENT)
		return 0;
	e = reserve(output, ctx->dport);
	if (!e)
		return 0;
	e->family = ctx->family;
	if (ctx->family == af_inet) {
		__u32 saddr = 0, daddr = 0;

		BPF_CORE_READ_INTO(&saddr, ctx, saddr);
		BPF_CORE_READ_INTO(&daddr, ctx, daddr);
		mote_ipv4_mapped(e->saddr, saddr);
		mote_ipv4_mapped(e->daddr, daddr);
	} else {
		BPF_CORE_READ_INTO(&e->saddr, ctx, saddr_v6);
		BPF_CORE_READ_INTO(&e->daddr, ctx, daddr_v6);
	}
	mote_submit(ctx, e, output);
	return 0;
}

static __always_inline int remember(struct sock *sk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_update_elem(&connecting, &tid, &sk, BPF_ANY);
	return 0;
}

static __always_inline int report(void *ctx, int ret, enum mote_output output)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sock **skp = bpf_map_lookup_elem(&connecting, &tid);
	struct sock *sk;
	struct event *e;

	if (!skp)
		return 0;
	sk = *skp;
	bpf_map_delete_elem(&connecting, &tid);
	if (ret != 0)
		return 0;
	e = reserve(output, bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)));
	if (!e)
		return 0;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (e->family == af_inet) {
		mote_ipv4_mapped(e->saddr, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
		mote_ipv4_mapped(e->daddr, BPF_CORE_READ(sk, __sk_common.skc_daddr));
	} else {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	mote_submit(ctx, e, output);
	return 0;
}

SEC("?tracepoint/sock/inet_sock_set_state")
int on_state_change(struct trace_event_raw_inet_sock_set_state *ctx)
{
	return state_change_event(ctx, MOTE_RING);
}

SEC("?tracepoint/sock/inet_sock_set_state")
int on_state_change_perf(struct trace_event_raw_inet_sock_set_state *ctx)
{
	return state_change_event(ctx, MOTE_PERF);
}

SEC("?kprobe/tcp_v4_connect")
int BPF_KPROBE(tcp_v4_connect_entry, struct sock *sk)
{
	return remember(sk);
}

SEC("?kretprobe/tcp_v4_connect")
int BPF_KRETPROBE(tcp_v4_connect_return, int ret)
{
	return report(ctx, ret, MOTE_RING);
}

SEC("?kretprobe/tcp_v4_connect")
int BPF_KRETPROBE(tcp_v4_connect_return_perf, int ret)
{
	return report(ctx, ret, MOTE_PERF);
}

SEC("?kprobe/tcp_v6_connect")
int BPF_KPROBE(tcp_v6_connect_entry, struct sock *sk)
{
	return remember(sk);
}

SEC("?kretprobe/tcp_v6_connect")
int BPF_KRETPROBE(tcp_v6_connect_return, int ret)
{
	return report(ctx, ret, MOTE_RING);
}

SEC("?kretprobe/tcp_v6_connect")
int BPF_KRETPROBE(tcp_v6_connect_return_perf, int ret)
{
	return report(ctx, ret, MOTE_PERF);
}

char LICENSE[] SEC("license") = "GPL";
