/**
 * `Sys`: the one typed interface through which the agent touches the operating system. The C
 * module `mote:sys` (native-arm/sys_module.c) implements it on QuickJS; nothing else in the
 * agent issues syscalls. Only kernel/, the telemetry transport and the OTA store receive a Sys.
 * Every failing call throws a SysError (agent/src/errors.ts) carrying errno, its name and the call.
 */

export interface Uname {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
}

/** Credentials of a TLS client session: PEM (or DER) bytes, as read from files. */
export interface TlsOptions {
  /** Sent as SNI; the server's certificate must be issued for this name. */
  serverName: string;
  /** The CA certificates the server's certificate must chain to. */
  ca: Uint8Array;
  /** A client certificate (chain) and its unencrypted key, for mutual TLS: both or neither. */
  cert?: Uint8Array;
  key?: Uint8Array;
}

/** An open TLS session from `tlsOpen`; opaque. */
export interface TlsSession {
  readonly __tlsSession: unique symbol;
}

/** What a non-blocking TLS call needs before it can go on: the socket readable or writable. */
export type TlsWant = 'want-read' | 'want-write';

/** The steps of `writeFileAtomic`, in order. */
export const ATOMIC_WRITE_STEPS = ['write-temp', 'fsync', 'rename', 'fsync-dir'] as const;
export type AtomicWriteStep = (typeof ATOMIC_WRITE_STEPS)[number];

export interface FileStatus {
  mode: number;
  uid: number;
  gid: number;
}

export interface Sys {
  /** bpf(2): `attr` is the bpf_attr bytes; returns the syscall's result (an fd or 0). */
  bpf(cmd: number, attr: Uint8Array): number;
  /** perf_event_open(2) with a perf_event_attr in `attr`; returns the new fd. */
  perfEventOpen(attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number): number;
  /** ioctl(2): `arg` is an integer, or bytes whose address is passed. */
  ioctl(fd: number, request: number, arg: number | Uint8Array): number;
  /** The user-space address of a typed array's first byte, for pointer fields in bpf_attr. */
  addressOf(bytes: ArrayBufferView): bigint;
  /** mmap(2) of an fd; the returned ArrayBuffer aliases the mapping until munmap. */
  mmap(fd: number, length: number, prot: number, flags: number, offset: number): ArrayBuffer;
  munmap(mapping: ArrayBuffer): void;

  open(path: string, flags: number, mode: number): number;
  close(fd: number): void;
  /** read(2) into `bytes`; returns the count, 0 at end of file. */
  read(fd: number, bytes: Uint8Array): number;
  /** write(2) from `bytes`; returns the count written. */
  write(fd: number, bytes: Uint8Array): number;
  fsync(fd: number): void;
  /** Whole-file read; throws SysError(ENOENT) when missing. */
  readFile(path: string): Uint8Array;
  /**
   * A whole regular file mapped private and copy-on-write: only the pages touched are faulted in
   * and none is copied (objects carrying DWARF the loader never reads); other files, and those
   * a file system cannot map, are read as readFile reads them. The file must not be truncated
   * while the bytes are in use.
   */
  mapFile(path: string): Uint8Array;
  /**
   * Replaces `path` atomically: temp file, fsync, rename, fsync of the directory. `onStep` is
   * called after each of those steps; if it throws, the write stops there and leaves the files
   * as they are (a crash at that point).
   */
  writeFileAtomic(path: string, bytes: Uint8Array, onStep?: (step: AtomicWriteStep) => void): void;
  unlink(path: string): void;
  /** stat(2): the mode (with the file type bits), owner and group. */
  stat(path: string): FileStatus;
  /** chown(2); -1 leaves the uid or the gid as it is. */
  chown(path: string, uid: number, gid: number): void;
  chmod(path: string, mode: number): void;
  /** mkdir(2); throws SysError(EEXIST) when the path exists. */
  mkdir(path: string, mode: number): void;
  /** The names in a directory, without '.' and '..', in no particular order. */
  readDir(path: string): string[];

  /** socket(2). */
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, option: number, value: Uint8Array): void;
  /** bind(2) with raw sockaddr bytes. */
  bind(fd: number, sockaddr: Uint8Array): void;
  /** Starts a non-blocking TCP connect by host name and port; returns the fd at once. */
  tcpConnect(host: string, port: number): number;
  /** SO_ERROR of a socket: 0 once a pending connect succeeded, else the errno. */
  socketError(fd: number): number;

  /**
   * Starts a TLS client session over a socket the caller keeps owning (and closes). Verifies the
   * server against `ca` and `serverName`; never falls back to plaintext. No I/O yet.
   * Verification failures throw SysError code 'ETLSVERIFY'; unusable credentials 'ETLSCONFIG'.
   */
  tlsOpen(fd: number, options: TlsOptions): TlsSession;
  /** Advances the handshake as far as the socket allows; call again when it is ready. */
  tlsHandshake(session: TlsSession): 'done' | TlsWant;
  /** Decrypts into `bytes`: the count, 0 once the peer closed, or what to wait for. Read until a TlsWant. */
  tlsRead(session: TlsSession, bytes: Uint8Array): number | TlsWant;
  /** Encrypts up to one record of `bytes`: the count taken, or what to wait for (then retry the same bytes). */
  tlsWrite(session: TlsSession, bytes: Uint8Array): number | TlsWant;
  /** Sends close_notify if the socket takes it now and frees the session; the fd stays open. */
  tlsClose(session: TlsSession): void;

  uname(): Uname;
  getpid(): number;
  /** The effective user id: permission failures name it. */
  geteuid(): number;
  /** A copy of a binary asset linked into the agent (a built-in module's object or BTF), by name. */
  asset(name: string): Uint8Array | undefined;
  /** mount(2) of a pseudo file system (tracefs, bpf, proc) without flags. */
  mount(source: string, target: string, fsType: string): void;
  /** setrlimit(RLIMIT_MEMLOCK) to unlimited: kernels before 5.11 charge BPF maps and programs to it. */
  raiseMemlockLimit(): void;
  /** The MMU page size: ring and perf buffers are mapped in pages. */
  pageSize(): number;
  /** CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds. */
  monotonicNs(): bigint;
  realtimeNs(): bigint;
  /** A fast 64-bit non-cryptographic digest of `bytes` as 16 hex digits, for cache keys. */
  hash(bytes: Uint8Array): string;
  /** QuickJS's own heap, in bytes (JS_ComputeMemoryUsage). */
  memoryUsage(): HeapUsage;
  /** QuickJS's cycle collector, now (JS_RunGC). */
  collectGarbage(): void;
  /** The heap size in bytes at which QuickJS next runs its cycle collector by itself. */
  setGcThreshold(bytes: number): void;
  /** glibc's malloc_trim(0): true if free pages went back to the kernel; false on musl, which has none. */
  trimMemory(): boolean;
  /** glibc's mallinfo2; undefined on musl. */
  allocatorUsage(): AllocatorUsage | undefined;
}

/** What the C allocator holds, in bytes. */
export interface AllocatorUsage {
  /** Taken from the kernel: the sbrk arena and mmapped blocks. */
  heap: number;
  /** Of that, free (kept by the allocator, not given back). */
  free: number;
}

/** Where QuickJS's heap goes, in bytes. */
export interface HeapUsage {
  /** All the runtime allocated through malloc, overhead included. */
  mallocSize: number;
  memoryUsed: number;
  /** Objects, their properties and shapes. */
  objects: number;
  /** Strings and atoms. */
  strings: number;
  /** Compiled functions. */
  bytecode: number;
}
