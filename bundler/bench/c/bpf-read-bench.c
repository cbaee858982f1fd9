/*
 * bpf-read-bench: the reference `mote bench board` measures mote-agent against, a plain C loader
 * on Debian's libbpf. For each module given on the command line it opens the CO-RE object with
 * the same minimized BTF the agent uses (btf_custom_path), loads only the programs of the hook
 * variant the agent runs, attaches them, and then every interval reads the module's maps the way
 * a C tool would: whole hash and array maps with BPF_MAP_LOOKUP_BATCH (and
 * LOOKUP_AND_DELETE_BATCH for maps the agent resets), ring buffers by consuming them. It prints
 * one line per cycle and nothing else; the caller times it from outside (first line, CPU ticks,
 * VmHWM), the same way it times the agent.
 *
 * usage: bpf-read-bench --interval-ms N [--interface IF]
 *          { --object FILE.o --btf FILE.btf --programs a,b [--read MAP[=reset]]... [--ring MAP] }...
 *
 * Written against libbpf's documented API (libbpf.h, bpf.h); built static for armhf by
 * bundler/bench/board-reference.ts.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_MODULES 16
#define MAX_READS 4

struct map_read {
	const char *name;
	int reset;
	struct bpf_map *map;
	void *keys, *values;
	__u32 capacity;
};

struct module {
	const char *object_path, *btf_path, *programs, *ring_name;
	struct map_read reads[MAX_READS];
	int read_count;
	struct bpf_object *object;
	struct ring_buffer *ring;
};

static struct module modules[MAX_MODULES];
static int module_count;
static volatile sig_atomic_t stopping;

static void on_signal(int sig) { stopping = 1; }

static void fail(const char *what, const char *detail, int error)
{
	fprintf(stderr, "bpf-read-bench: %s %s: %s\n", what, detail, strerror(error < 0 ? -error : error));
	exit(1);
}

/* Is `name` one of the comma-separated names in `list`? */
static int listed(const char *list, const char *name)
{
	size_t length = strlen(name);
	for (const char *at = list; at && *at; at = strchr(at, ',') ? strchr(at, ',') + 1 : NULL)
		if (strncmp(at, name, length) == 0 && (at[length] == ',' || at[length] == '\0'))
			return 1;
	return 0;
}

static int count_event(void *context, void *data, size_t size)
{
	(*(long *)context)++;
	return 0;
}

/* A socket filter goes on a packet socket bound to the interface, as the agent attaches it. */
static void attach_socket_filter(struct bpf_program *program, const char *interface)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) fail("socket for", interface, errno);
	struct sockaddr_ll address = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)if_nametoindex(interface) };
	if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) fail("bind to", interface, errno);
	int prog_fd = bpf_program__fd(program);
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &prog_fd, sizeof prog_fd) < 0) fail("SO_ATTACH_BPF on", interface, errno);
}

static void load_module(struct module *m, const char *interface, long *events)
{
	LIBBPF_OPTS(bpf_object_open_opts, options, .btf_custom_path = m->btf_path);
	m->object = bpf_object__open_file(m->object_path, &options);
	if (!m->object) fail("open", m->object_path, errno);
	struct bpf_program *program;
	bpf_object__for_each_program(program, m->object)
		bpf_program__set_autoload(program, listed(m->programs, bpf_program__name(program)));
	int error = bpf_object__load(m->object);
	if (error) fail("load", m->object_path, error);
	bpf_object__for_each_program(program, m->object) {
		if (!listed(m->programs, bpf_program__name(program)))
			continue;
		if (bpf_program__type(program) == BPF_PROG_TYPE_SOCKET_FILTER) {
			attach_socket_filter(program, interface);
			continue;
		}
		if (!bpf_program__attach(program))
			fail("attach", bpf_program__name(program), errno);
	}
	int cpus = libbpf_num_possible_cpus();
	for (int i = 0; i < m->read_count; i++) {
		struct map_read *r = &m->reads[i];
		r->map = bpf_object__find_map_by_name(m->object, r->name);
		if (!r->map) fail("no map", r->name, ENOENT);
		enum bpf_map_type type = bpf_map__type(r->map);
		int per_cpu = type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
		size_t value_size = per_cpu ? ((bpf_map__value_size(r->map) + 7) & ~7u) * cpus : bpf_map__value_size(r->map);
		r->capacity = bpf_map__max_entries(r->map);
		r->keys = calloc(r->capacity, bpf_map__key_size(r->map));
		r->values = calloc(r->capacity, value_size);
		if (!r->keys || !r->values) fail("allocate for", r->name, ENOMEM);
	}
	if (m->ring_name) {
		struct bpf_map *ring = bpf_object__find_map_by_name(m->object, m->ring_name);
		if (!ring) fail("no map", m->ring_name, ENOENT);
		m->ring = ring_buffer__new(bpf_map__fd(ring), count_event, events, NULL);
		if (!m->ring) fail("ring buffer", m->ring_name, errno);
	}
}

/* Every entry of a map, in batches of all it can hold: one or two bpf() calls for these maps. */
static long read_map(struct map_read *r)
{
	/* The batch position is opaque: a bucket index for hashes, a key for arrays (at most this long). */
	__u64 next[8] = { 0 };
	__u32 count;
	long total = 0;
	int first = 1;
	for (;;) {
		count = r->capacity;
		int error = r->reset
			? bpf_map_lookup_and_delete_batch(bpf_map__fd(r->map), first ? NULL : next, next, r->keys, r->values, &count, NULL)
			: bpf_map_lookup_batch(bpf_map__fd(r->map), first ? NULL : next, next, r->keys, r->values, &count, NULL);
		total += count;
		if (error) {
			if (errno == ENOENT)
				return total;
			fail("batch lookup of", r->name, errno);
		}
		first = 0;
	}
}

static void usage(void)
{
	fputs("usage: bpf-read-bench --interval-ms N [--interface IF] { --object F.o --btf F.btf --programs a,b [--read MAP[=reset]]... [--ring MAP] }...\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	long interval_ms = 0;
	const char *interface = "eth0";
	struct module *m = NULL;
	for (int i = 1; i < argc; i++) {
		const char *option = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (!value) usage();
		i++;
		if (strcmp(option, "--interval-ms") == 0) interval_ms = atol(value);
		else if (strcmp(option, "--interface") == 0) interface = value;
		else if (strcmp(option, "--object") == 0) {
			if (module_count == MAX_MODULES) usage();
			m = &modules[module_count++];
			m->object_path = value;
		} else if (!m) usage();
		else if (strcmp(option, "--btf") == 0) m->btf_path = value;
		else if (strcmp(option, "--programs") == 0) m->programs = value;
		else if (strcmp(option, "--ring") == 0) m->ring_name = value;
		else if (strcmp(option, "--read") == 0 && m->read_count < MAX_READS) {
			char *name = strdup(value), *reset = strstr(name, "=reset");
			if (reset) *reset = '\0';
			m->reads[m->read_count++] = (struct map_read){ .name = name, .reset = reset != NULL };
		} else usage();
	}
	if (interval_ms <= 0 || module_count == 0) usage();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	long events = 0;
	for (int i = 0; i < module_count; i++)
		load_module(&modules[i], interface, &events);
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long cycle = 1; !stopping; cycle++) {
		next.tv_sec += interval_ms / 1000;
		next.tv_nsec += (interval_ms % 1000) * 1000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		while (!stopping && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		long entries = 0;
		for (int i = 0; i < module_count; i++) {
			for (int j = 0; j < modules[i].read_count; j++)
				entries += read_map(&modules[i].reads[j]);
			if (modules[i].ring)
				ring_buffer__consume(modules[i].ring);
		}
		printf("cycle %ld entries %ld events %ld\n", cycle, entries, events);
	}
	for (int i = 0; i < module_count; i++) {
		ring_buffer__free(modules[i].ring);
		bpf_object__close(modules[i].object);
	}
	return 0;
}
