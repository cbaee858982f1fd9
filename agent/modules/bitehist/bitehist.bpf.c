// SPDX-License-Identifier: GPL-2.0
/*
 * bitehist: block I/O request sizes (bytes) and latencies (microseconds from issue to
 * completion) as log2 histograms per disk, from the block:block_rq_issue and
 * block:block_rq_complete tracepoints. Requests in flight are keyed by device and sector.
 *
 * One object serves both layouts of block_rq_complete's event: Linux 5.10 gives it a struct of
 * its own (trace_event_raw_block_rq_complete), later kernels the block_rq_completion class it
 * shares with block_rq_error. The old layout is a CO-RE flavour; bpf_core_type_exists() picks
 * the one the running kernel has, and the other branch is never reached. Its fields are read
 * with BPF_CORE_READ_INTO: clang merges the two branches' direct loads into one load from ctx
 * plus a computed offset, which the verifier refuses ("dereference of modified ctx ptr").
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mote_module.h"

/* Only this device, as the kernel's dev_t (major << 20 | minor); 0: every device. */
const volatile __u32 target_dev = 0;

enum block_metric {
	size_bytes = 1,
	latency_us = 2,
};

struct hist_key {
	__u32 dev MOTE_DEV_T;
	enum block_metric metric;
};

struct request_key {
	__u32 dev;
	__u32 pad;
	__u64 sector;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct request_key);
	__type(value, __u64);
} issued SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, struct hist_key);
	__type(value, struct mote_hist);
} hists SEC(".maps");

static __always_inline void add(__u32 dev, enum block_metric metric, __u64 value)
{
	struct hist_key key = { .dev = dev, .metric = metric };
	static const struct mote_hist zero;
	struct mote_hist *hist = bpf_map_lookup_elem(&hists, &key);

	if (!hist) {
		bpf_map_update_elem(&hists, &key, &zero, BPF_NOEXIST);
		hist = bpf_map_lookup_elem(&hists, &key);
		if (!hist)
			return;
	}
	mote_hist_add(hist, value);
}

SEC("tracepoint/block/block_rq_issue")
int on_issue(struct trace_event_raw_block_rq *ctx)
{
	struct request_key key = { .dev = ctx->dev, .sector = ctx->sector };
	__u64 now = bpf_ktime_get_ns();
	__u32 bytes = ctx->bytes;

	if (target_dev && key.dev != target_dev)
		return 0;
	add(key.dev, size_bytes, bytes ? bytes : (__u64)ctx->nr_sector * 512);
	bpf_map_update_elem(&issued, &key, &now, BPF_ANY);
	return 0;
}

/* block_rq_complete's event up to Linux 5.10 (the fields read here, found by name). */
struct trace_event_raw_block_rq_complete___old {
	dev_t dev;
	sector_t sector;
} __attribute__((preserve_access_index));

static __always_inline struct request_key completed_request(void *ctx)
{
	struct request_key key = {};

	if (bpf_core_type_exists(struct trace_event_raw_block_rq_completion)) {
		struct trace_event_raw_block_rq_completion *event = ctx;

		BPF_CORE_READ_INTO(&key.dev, event, dev);
		BPF_CORE_READ_INTO(&key.sector, event, sector);
	} else {
		struct trace_event_raw_block_rq_complete___old *event = ctx;

		BPF_CORE_READ_INTO(&key.dev, event, dev);
		BPF_CORE_READ_INTO(&key.sector, event, sector);
	}
	return key;
}

SEC("tracepoint/block/block_rq_complete")
int on_complete(void *ctx)
{
	struct request_key key = completed_request(ctx);
	__u64 *issued_ns = bpf_map_lookup_elem(&issued, &key);

	if (!issued_ns)
		return 0;
	add(key.dev, latency_us, mote_div1000(bpf_ktime_get_ns() - *issued_ns));
	bpf_map_delete_elem(&issued, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
