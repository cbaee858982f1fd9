/*
 * The Node binding of libFuzzer (Debian's libclang-rt-19-dev, linked in whole): JavaScript hands
 * it the fuzz function, a buffer of 8-bit coverage counters and libFuzzer's command line. The
 * counters are registered as libFuzzer's inline 8-bit counters, one pseudo-PC per counter, so
 * libFuzzer's corpus, mutations, `cov:` and `ft:` work on the JavaScript's coverage; the fuzz
 * function fills the counters before it returns. A JavaScript exception escaping the fuzz function
 * is printed and ends in abort(), which libFuzzer reports as a crash and saves the input.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop);
void __sanitizer_cov_pcs_init(const uintptr_t *start, const uintptr_t *stop);

static napi_env fuzz_env;
static napi_ref fuzz_function;

static void print_exception_and_abort(napi_env env) {
  napi_value exception, text;
  char message[8192];
  size_t length = 0;
  napi_get_and_clear_last_exception(env, &exception);
  napi_value stack;
  bool has_stack = false;
  if (napi_has_named_property(env, exception, "stack", &has_stack) == napi_ok && has_stack &&
      napi_get_named_property(env, exception, "stack", &stack) == napi_ok &&
      napi_coerce_to_string(env, stack, &text) == napi_ok) {
  } else {
    napi_coerce_to_string(env, exception, &text);
  }
  napi_get_value_string_utf8(env, text, message, sizeof message, &length);
  fprintf(stderr, "\n==fuzz target== uncaught %s\n", message);
  abort();
}

static int run_one(const uint8_t *data, size_t size) {
  napi_handle_scope scope;
  napi_value function, receiver, input, result;
  void *copy;
  napi_open_handle_scope(fuzz_env, &scope);
  napi_get_reference_value(fuzz_env, fuzz_function, &function);
  napi_get_undefined(fuzz_env, &receiver);
  napi_create_buffer_copy(fuzz_env, size, data, &copy, &input);
  if (napi_call_function(fuzz_env, receiver, function, 1, &input, &result) != napi_ok) print_exception_and_abort(fuzz_env);
  napi_close_handle_scope(fuzz_env, scope);
  return 0;
}

static char *string_at(napi_env env, napi_value array, uint32_t index) {
  napi_value value;
  size_t length;
  napi_get_element(env, array, index, &value);
  napi_get_value_string_utf8(env, value, NULL, 0, &length);
  char *text = malloc(length + 1);
  napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

/* run(fuzz: (data: Buffer) => void, counters: Buffer, args: string[]): number (never returns when libFuzzer exits) */
static napi_value run(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  uint8_t *counters;
  size_t counter_count;
  uint32_t arg_count;
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc != 3 || napi_get_buffer_info(env, args[1], (void **)&counters, &counter_count) != napi_ok || counter_count == 0 ||
      napi_get_array_length(env, args[2], &arg_count) != napi_ok) {
    napi_throw_type_error(env, NULL, "run(fuzz, counters, args): counters must be a non-empty Buffer and args an array of strings");
    return NULL;
  }
  /* One {pc, flags} pair per counter; the pseudo-PCs only need to be distinct. */
  uintptr_t *pcs = calloc(counter_count * 2, sizeof *pcs);
  for (size_t i = 0; i < counter_count; i++) pcs[2 * i] = i + 1;
  __sanitizer_cov_8bit_counters_init(counters, counters + counter_count);
  __sanitizer_cov_pcs_init(pcs, pcs + counter_count * 2);

  fuzz_env = env;
  napi_create_reference(env, args[0], 1, &fuzz_function);
  char **argv = calloc(arg_count + 2, sizeof *argv);
  argv[0] = "mote-fuzz";
  for (uint32_t i = 0; i < arg_count; i++) argv[i + 1] = string_at(env, args[2], i);
  int count = (int)arg_count + 1;
  int status = LLVMFuzzerRunDriver(&count, &argv, run_one);
  napi_value out;
  napi_create_int32(env, status, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value function;
  napi_create_function(env, "run", NAPI_AUTO_LENGTH, run, NULL, &function);
  napi_set_named_property(env, exports, "run", function);
  return exports;
}
