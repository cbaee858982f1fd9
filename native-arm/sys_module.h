/*
 * mote:sys — the QuickJS module through which the agent reaches the operating system.
 *
 * Mechanism only: each export is a thin wrapper over one system call (or a short, fixed sequence
 * of them, such as the atomic file write). It knows no map or program types, no wire protocol and no agent policy;
 * buffers are passed through as bytes. The TypeScript view of this module is the `Sys` interface
 * in agent/src/sys/types.ts.
 *
 * Exports (all synchronous; every failure throws a SysError with .errno, .code, .call):
 *   bpf(cmd, attr: Uint8Array) -> int
 *       bpf(2) with attr's bytes and byte length. Returns the syscall result (an fd or 0).
 *   perfEventOpen(attr: Uint8Array, pid, cpu, groupFd, flags) -> fd
 *       perf_event_open(2) with a perf_event_attr in attr.
 *   ioctl(fd, request, arg: int | Uint8Array) -> int
 *       ioctl(2); a typed array is passed by address, a number by value.
 *   addressOf(view: TypedArray | ArrayBuffer) -> BigInt
 *       Address of the view's first byte, for pointer fields the caller writes into attrs.
 *       The caller must keep the view alive while the kernel may use the address.
 *   mmap(fd, length, prot, flags, offset) -> ArrayBuffer
 *       mmap(2). The ArrayBuffer aliases the mapping; munmap(buffer) unmaps and detaches it.
 *       A mapping that is garbage-collected without munmap is unmapped then.
 *   munmap(buffer: ArrayBuffer)
 *   open(path, flags, mode) -> fd; close(fd); fsync(fd)
 *   read(fd, bytes: Uint8Array) -> count (0 at end of file)
 *   write(fd, bytes: Uint8Array) -> count
 *   readFile(path) -> Uint8Array
 *       Reads until end of file (works on /sys and /proc files whose stat size is wrong).
 *   writeFileAtomic(path, bytes: Uint8Array, onStep?: (step) => void)
 *       Writes path.tmp.<pid>, fsyncs it, renames it over path, fsyncs the directory. onStep,
 *       when given, is called after each step with "write-temp", "fsync", "rename", "fsync-dir";
 *       if it throws, the write stops there, the files left as they are.
 *   unlink(path); mkdir(path, mode)
 *   stat(path) -> { mode, uid, gid }   mode with the file type bits
 *   chown(path, uid, gid)   -1 leaves one unchanged; chmod(path, mode)
 *   readDir(path) -> string[]   the names in a directory, without "." and "..", in no order
 *   socket(domain, type, protocol) -> fd; setsockopt(fd, level, option, value: Uint8Array);
 *   bind(fd, sockaddr: Uint8Array)
 *   tcpConnect(host, port) -> fd
 *       Resolves host (getaddrinfo), opens a non-blocking close-on-exec TCP socket and starts
 *       connect(2). Returns at once; completion is signalled by writability and socketError().
 *       A resolver failure throws with code "EAI" and the resolver's message.
 *   socketError(fd) -> errno   (SO_ERROR; 0 when a pending connect succeeded)
 *   uname() -> { sysname, nodename, release, version, machine }
 *   asset(name) -> Uint8Array | undefined   a copy of a binary asset linked into the binary
 *   mount(source, target, fstype)   mount(2) without flags or data (tracefs, bpffs, proc...)
 *   getpid() -> int; pageSize() -> int (sysconf(_SC_PAGESIZE), for ring and perf buffer mmaps)
 *   raiseMemlockLimit()             setrlimit(RLIMIT_MEMLOCK) to unlimited (soft and hard)
 *   monotonicNs() -> BigInt; realtimeNs() -> BigInt
 *   hash(bytes) -> string   16 hex digits of a fast 64-bit non-cryptographic digest (cache keys)
 *   memoryUsage() -> { mallocSize, memoryUsed, objects, strings, bytecode }
 *       QuickJS's own heap (JS_ComputeMemoryUsage), in bytes
 *   collectGarbage()   QuickJS's cycle collector, now (JS_RunGC)
 *   setGcThreshold(bytes)   the heap size at which QuickJS next collects by itself (JS_SetGCThreshold)
 *   trimMemory() -> bool   glibc's malloc_trim(0): true if pages went back to the kernel; false on musl
 *   allocatorUsage() -> { heap, free } | undefined
 *       glibc's mallinfo2: bytes the C allocator holds from the kernel, and those free; undefined on musl
 *   tlsOpen, tlsHandshake, tlsRead, tlsWrite, tlsClose: TLS client sessions, see tls.h.
 *   SysError: the error class; constants: O_*, PROT_*, MAP_*, AF_*, SOCK_*, SOL_SOCKET.
 */
#ifndef MOTE_SYS_MODULE_H
#define MOTE_SYS_MODULE_H

#include "quickjs.h"

/* Registers the C module under module_name (the agent imports it as "mote:sys"). */
JSModuleDef *mote_init_module_sys(JSContext *ctx, const char *module_name);

#endif
