// SPDX-License-Identifier: GPL-2.0
/*
 * libbpf-oracle: opens a BPF object with libbpf, relocates it against a target BTF given on the
 * command line (btf_custom_path), and prints as JSON what libbpf did: its full log (debug level
 * included, which carries every CO-RE relocation decision) and each program's final
 * instructions as hex.
 *
 * The kernel never has to accept the programs: the link step wraps bpf_prog_load, so when libbpf
 * loads one of the object's own programs the call lands in __wrap_bpf_prog_load, which records
 * the instructions and hands back a dummy descriptor. libbpf's feature probes (unnamed or
 * differently named programs) go through to the real function, so libbpf sees the same
 * features it would on this kernel. bpf_prog_bind_map is wrapped too, as a no-op for dummy
 * programs. Maps are created for real, which needs CAP_BPF.
 *
 * usage: libbpf-oracle <object.o> <target.btf>
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define MAX_PROGRAMS 256

struct captured_program {
	char *name;
	char *insns_hex;
};

static char *log_text;
static size_t log_len, log_cap;
static const char *object_program_names[MAX_PROGRAMS];
static int object_program_count;
static struct captured_program captured[MAX_PROGRAMS];
static int captured_count;
static int dummy_program_fds[MAX_PROGRAMS];

static void append_log(const char *text, size_t len)
{
	if (log_len + len + 1 > log_cap) {
		log_cap = (log_len + len + 1) * 2;
		log_text = realloc(log_text, log_cap);
		if (!log_text) {
			perror("libbpf-oracle: realloc");
			exit(2);
		}
	}
	memcpy(log_text + log_len, text, len);
	log_len += len;
	log_text[log_len] = '\0';
}

static int capture_libbpf_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char line[8192];
	int n = vsnprintf(line, sizeof(line), fmt, args);

	(void)level;
	if (n < 0)
		return n;
	append_log(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	return n;
}

static int is_object_program(const char *name)
{
	for (int i = 0; name && i < object_program_count; i++)
		if (strcmp(object_program_names[i], name) == 0)
			return 1;
	return 0;
}

static char *hex_of(const void *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *bytes = data;
	char *hex = malloc(len * 2 + 1);

	if (!hex) {
		perror("libbpf-oracle: malloc");
		exit(2);
	}
	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[bytes[i] >> 4];
		hex[2 * i + 1] = digits[bytes[i] & 15];
	}
	hex[len * 2] = '\0';
	return hex;
}

int __real_bpf_prog_load(enum bpf_prog_type prog_type, const char *prog_name, const char *license,
			 const struct bpf_insn *insns, size_t insn_cnt, const struct bpf_prog_load_opts *opts);

int __wrap_bpf_prog_load(enum bpf_prog_type prog_type, const char *prog_name, const char *license,
			 const struct bpf_insn *insns, size_t insn_cnt, const struct bpf_prog_load_opts *opts)
{
	if (!is_object_program(prog_name))
		return __real_bpf_prog_load(prog_type, prog_name, license, insns, insn_cnt, opts);
	if (captured_count == MAX_PROGRAMS) {
		fprintf(stderr, "libbpf-oracle: more than %d programs\n", MAX_PROGRAMS);
		exit(2);
	}
	captured[captured_count].name = strdup(prog_name);
	captured[captured_count].insns_hex = hex_of(insns, insn_cnt * sizeof(*insns));
	dummy_program_fds[captured_count] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return dummy_program_fds[captured_count++];
}

int __real_bpf_prog_bind_map(int prog_fd, int map_fd, const struct bpf_prog_bind_opts *opts);

/* libbpf binds .rodata to each loaded program; a dummy program has nothing to bind. */
int __wrap_bpf_prog_bind_map(int prog_fd, int map_fd, const struct bpf_prog_bind_opts *opts)
{
	for (int i = 0; i < captured_count; i++)
		if (dummy_program_fds[i] == prog_fd)
			return 0;
	return __real_bpf_prog_bind_map(prog_fd, map_fd, opts);
}

static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	struct bpf_program *prog;
	struct bpf_object *obj;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s <object.o> <target.btf>\n", argv[0]);
		return 2;
	}
	libbpf_set_print(capture_libbpf_log);
	open_opts.btf_custom_path = argv[2];
	obj = bpf_object__open_file(argv[1], &open_opts);
	err = libbpf_get_error(obj);
	if (!err) {
		bpf_object__for_each_program(prog, obj) {
			if (object_program_count < MAX_PROGRAMS)
				object_program_names[object_program_count++] = bpf_program__name(prog);
		}
		err = bpf_object__load(obj);
	}

	printf("{\"object\":");
	print_json_string(argv[1]);
	printf(",\"targetBtf\":");
	print_json_string(argv[2]);
	printf(",\"loaded\":%s,\"error\":%d,\"programs\":[", err ? "false" : "true", err);
	for (int i = 0; i < captured_count; i++) {
		printf("%s{\"name\":", i ? "," : "");
		print_json_string(captured[i].name);
		printf(",\"insns\":\"%s\"}", captured[i].insns_hex);
	}
	printf("],\"log\":");
	print_json_string(log_text ? log_text : "");
	printf("}\n");
	if (!libbpf_get_error(obj))
		bpf_object__close(obj);
	return 0;
}
