/*
 * mote-agent's host program: creates a QuickJS runtime, registers the std, os and mote:sys
 * modules, evaluates the agent's bytecode (compiled by qjsc from the esbuild bundle, linked in
 * compressed as mote_agent_bytecode and decompressed here), then runs the event loop until the
 * agent exits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lz_block.h"
#include "quickjs-libc.h"
#include "sys_module.h"

/* The runtime, for the memory report at exit (the agent leaves through exit()). */
static JSRuntime *agent_runtime;

/* MOTE_MEMORY_REPORT=1: QuickJS's memory usage by kind, on stderr, when the agent exits. */
static void report_memory(void)
{
    JSMemoryUsage usage;
    JS_ComputeMemoryUsage(agent_runtime, &usage);
    JS_DumpMemoryUsage(stderr, &usage, agent_runtime);
}

/*
 * The agent's context: QuickJS's standard intrinsics with the compiler (eval and new Function,
 * which compile decoders generated on the device), but without String.prototype.normalize (its
 * Unicode tables), Proxy and WeakRef, none of which the agent or its libraries use.
 */
static JSContext *new_agent_context(JSRuntime *runtime)
{
    JSContext *ctx = JS_NewContextRaw(runtime);
    if (!ctx)
        return NULL;
    JS_AddIntrinsicBaseObjects(ctx);
    JS_AddIntrinsicEval(ctx);
    JS_AddIntrinsicDate(ctx);
    JS_AddIntrinsicRegExp(ctx);
    JS_AddIntrinsicJSON(ctx);
    JS_AddIntrinsicMapSet(ctx);
    JS_AddIntrinsicTypedArrays(ctx);
    JS_AddIntrinsicPromise(ctx);
    return ctx;
}

/* The agent's bytecode, compressed (lz_block.h) unless its packed size is 0, and its size. */
extern const uint8_t mote_agent_bytecode[];
extern const uint32_t mote_agent_bytecode_packed_size;
extern const uint32_t mote_agent_bytecode_size;

int main(int argc, char **argv)
{
    JSRuntime *runtime = JS_NewRuntime();
    if (!runtime)
        return 70;
    js_std_init_handlers(runtime);
    agent_runtime = runtime;
    const char *memory_report = getenv("MOTE_MEMORY_REPORT");
    if (memory_report && memory_report[0] == '1')
        atexit(report_memory);
    JSContext *ctx = new_agent_context(runtime);
    if (!ctx)
        return 70;
    JS_SetModuleLoaderFunc(runtime, NULL, js_module_loader, NULL);
    js_std_add_helpers(ctx, argc, argv);
    js_init_module_std(ctx, "std");
    js_init_module_os(ctx, "os");
    mote_init_module_sys(ctx, "mote:sys");
    /* The bundler links the bytecode compressed; a build that links qjsc's output as it is
     * (the Yocto recipe) says so with a packed size of 0. */
    const uint8_t *bytecode = mote_agent_bytecode;
    uint8_t *unpacked = NULL;
    if (mote_agent_bytecode_packed_size) {
        unpacked = malloc(mote_agent_bytecode_size);
        if (!unpacked || lz_block_decode(mote_agent_bytecode, mote_agent_bytecode_packed_size, unpacked, mote_agent_bytecode_size) < 0) {
            fputs("mote-agent: its bytecode does not decompress: the binary is damaged; reinstall it\n", stderr);
            return 70;
        }
        bytecode = unpacked;
    }
    js_std_eval_binary(ctx, bytecode, mote_agent_bytecode_size, 0);
    free(unpacked);
    js_std_loop(ctx);
    js_std_free_handlers(runtime);
    JS_FreeContext(ctx);
    JS_FreeRuntime(runtime);
    return 0;
}
