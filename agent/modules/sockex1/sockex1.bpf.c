// SPDX-License-Identifier: GPL-2.0
/*
 * sockex1: packets and bytes received per IP protocol on one interface, from a socket filter on
 * an AF_PACKET socket (the classic first socket-filter example). Outgoing packets are left out,
 * so each packet on the interface counts once. The filter returns 0: the socket keeps nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mote_module.h"

#define ETH_HEADER_LEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define PACKET_TYPE_OUTGOING 4

/* The protocols worth a name; others show as their number. */
enum ip_protocol {
	icmp = 1,
	igmp = 2,
	tcp = 6,
	udp = 17,
	gre = 47,
	esp = 50,
	icmpv6 = 58,
	sctp = 132,
	udplite = 136,
};

struct traffic {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, enum ip_protocol);
	__type(value, struct traffic);
} traffic SEC(".maps");

SEC("socket")
int count_packets(struct __sk_buff *skb)
{
	__u32 offset;
	__u8 protocol8;
	enum ip_protocol protocol;
	struct traffic *seen, first = { .packets = 1, .bytes = skb->len };

	if (skb->pkt_type == PACKET_TYPE_OUTGOING)
		return 0;
	if (skb->protocol == bpf_htons(ETHERTYPE_IPV4))
		offset = ETH_HEADER_LEN + offsetof(struct iphdr, protocol);
	else if (skb->protocol == bpf_htons(ETHERTYPE_IPV6))
		offset = ETH_HEADER_LEN + offsetof(struct ipv6hdr, nexthdr);
	else
		return 0;
	if (bpf_skb_load_bytes(skb, offset, &protocol8, 1) < 0)
		return 0;
	protocol = protocol8;
	seen = bpf_map_lookup_elem(&traffic, &protocol);
	if (seen) {
		seen->packets++;
		seen->bytes += skb->len;
	} else {
		bpf_map_update_elem(&traffic, &protocol, &first, BPF_NOEXIST);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
