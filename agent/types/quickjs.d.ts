/**
 * Ambient declarations for what QuickJS gives the agent at run time: the `std` and `os`
 * modules of quickjs-libc (only the parts the agent uses), the `mote:sys` C module, and the
 * globals that js_std_add_helpers installs.
 */
declare const scriptArgs: string[];
declare function print(...values: unknown[]): void;

declare module 'std' {
  export function exit(code: number): never;
  export function getenv(name: string): string | undefined;
  export const err: { puts(text: string): void; flush(): void };
  export const out: { puts(text: string): void; flush(): void };
}

declare module 'os' {
  export function setReadHandler(fd: number, handler: (() => void) | null): void;
  export function setWriteHandler(fd: number, handler: (() => void) | null): void;
  /** A function handles the signal; null restores the default action, undefined ignores it. */
  export function signal(signal: number, handler: (() => void) | null | undefined): void;
  export function setTimeout(handler: () => void, delayMs: number): unknown;
  export function clearTimeout(timer: unknown): void;
  export function sleep(delayMs: number): void;
  export function kill(pid: number, signal: number): void;
  export const SIGINT: number;
  export const SIGTERM: number;
  export const SIGPIPE: number;
}

declare module 'mote:sys' {
  type Sys = import('../src/sys/types.ts').Sys;
  export const bpf: Sys['bpf'];
  export const perfEventOpen: Sys['perfEventOpen'];
  export const ioctl: Sys['ioctl'];
  export const addressOf: Sys['addressOf'];
  export const mmap: Sys['mmap'];
  export const munmap: Sys['munmap'];
  export const open: Sys['open'];
  export const close: Sys['close'];
  export const read: Sys['read'];
  export const write: Sys['write'];
  export const fsync: Sys['fsync'];
  export const readFile: Sys['readFile'];
  export const mapFile: Sys['mapFile'];
  export const writeFileAtomic: Sys['writeFileAtomic'];
  export const unlink: Sys['unlink'];
  export const mkdir: Sys['mkdir'];
  export const readDir: Sys['readDir'];
  export const stat: Sys['stat'];
  export const chown: Sys['chown'];
  export const chmod: Sys['chmod'];
  export const socket: Sys['socket'];
  export const setsockopt: Sys['setsockopt'];
  export const bind: Sys['bind'];
  export const tcpConnect: Sys['tcpConnect'];
  export const socketError: Sys['socketError'];
  export const tlsOpen: Sys['tlsOpen'];
  export const tlsHandshake: Sys['tlsHandshake'];
  export const tlsRead: Sys['tlsRead'];
  export const tlsWrite: Sys['tlsWrite'];
  export const tlsClose: Sys['tlsClose'];
  export const uname: Sys['uname'];
  export const getpid: Sys['getpid'];
  export const geteuid: Sys['geteuid'];
  export const pageSize: Sys['pageSize'];
  export const mount: Sys['mount'];
  export const raiseMemlockLimit: Sys['raiseMemlockLimit'];
  export const asset: Sys['asset'];
  export const monotonicNs: Sys['monotonicNs'];
  export const realtimeNs: Sys['realtimeNs'];
  export const hash: Sys['hash'];
  export const memoryUsage: Sys['memoryUsage'];
  export const collectGarbage: Sys['collectGarbage'];
  export const setGcThreshold: Sys['setGcThreshold'];
  export const trimMemory: Sys['trimMemory'];
  export const allocatorUsage: Sys['allocatorUsage'];
  export const SysError: new (message: string, errno: number, code: string, call: string) => import('../src/sys/types.ts').SysError;
  export const O_RDONLY: number;
  export const O_WRONLY: number;
  export const O_RDWR: number;
  export const O_CREAT: number;
  export const O_TRUNC: number;
  export const O_APPEND: number;
  export const O_NONBLOCK: number;
  export const O_DIRECTORY: number;
  export const PROT_READ: number;
  export const PROT_WRITE: number;
  export const MAP_SHARED: number;
  export const MAP_PRIVATE: number;
  export const AF_INET: number;
  export const AF_INET6: number;
  export const AF_PACKET: number;
  export const SOCK_STREAM: number;
  export const SOCK_DGRAM: number;
  export const SOCK_RAW: number;
  export const SOCK_NONBLOCK: number;
  export const SOL_SOCKET: number;
}
