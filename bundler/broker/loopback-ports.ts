/**
 * Loopback ports for the servers that tests, benchmarks and `mote start` launch. A port is chosen
 * before its server binds it, so two launches could be handed the same one: the kernel's bind(0)
 * gives a just-closed port out again, and test files run in parallel processes. So a port is
 * taken at random below the kernel's ephemeral range (where outgoing connections never take it),
 * must be bindable now, and is reserved across processes by a file named after it in
 * <tmp>/mote-ports holding the reserving process's pid. The reservation ends when that process
 * exits; the files of processes that are gone (killed before their exit handler) are taken over,
 * and swept at each process's first call. Also, which process listens on a port, from /proc, so
 * that a server is known to be ready only when it is the one listening.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, unlinkSync, writeSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RESERVATIONS = join(tmpdir(), 'mote-ports');
/** How many ports below the ephemeral range are drawn from. */
const SPAN = 10_000;
const reservedHere = new Set<number>();

/** The lowest port of the kernel's ephemeral range (32768 unless configured otherwise). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 1024 + SPAN ? low : 32768;
  } catch {
    return 32768;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the reservation `file` belongs to a process that is gone. A file that cannot be read,
 * or holds no pid yet (its owner is between creating and writing it), is not: it is someone's.
 */
function heldByGone(file: string): boolean {
  let holder: number;
  try {
    holder = Number(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
  return Number.isInteger(holder) && holder > 0 && holder !== process.pid && !alive(holder);
}

/** Reserves `port` for this process, taking over a reservation whose process is gone; false if another holds it. */
function reserve(port: number): boolean {
  const file = join(RESERVATIONS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      reservedHere.add(port);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!heldByGone(file)) return false;
      try {
        unlinkSync(file);
      } catch {
        // Another process took it over first.
      }
    }
  }
  return false;
}

function releaseAll(): void {
  for (const port of reservedHere) {
    try {
      unlinkSync(join(RESERVATIONS, String(port)));
    } catch {
      // Already gone.
    }
  }
}
process.once('exit', releaseAll);

/** Removes the reservations of processes that are gone (killed ones never ran their exit handler). */
function sweepStale(): void {
  for (const name of readdirSync(RESERVATIONS)) {
    const file = join(RESERVATIONS, name);
    try {
      if (heldByGone(file)) unlinkSync(file);
    } catch {
      // Removed or taken over meanwhile.
    }
  }
}

/** Below this port the draws are made; set, with the sweep, at the process's first call. */
let ceiling: number | undefined;

async function bindable(port: number): Promise<boolean> {
  const server = net.createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (bound) await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}

/** A port on 127.0.0.1 that nobody listens on now and that no other launch is handed until this process exits. */
export async function freeLoopbackPort(): Promise<number> {
  mkdirSync(RESERVATIONS, { recursive: true, mode: 0o1777 });
  if (ceiling === undefined) {
    ceiling = ephemeralLow();
    sweepStale();
  }
  const high = ceiling;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = high - 1 - Math.floor(Math.random() * SPAN);
    if (reservedHere.has(port) || !(await bindable(port))) continue;
    if (reserve(port)) return port;
  }
  throw new Error(`no free loopback port below ${high} after 200 tries; look at ${RESERVATIONS} and the listening sockets ('ss -ltn')`);
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` now. */
export async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** The listening sockets on TCP `port` of one /proc table, as [address in hex, inode]. */
function listeners(table: string, port: number): Array<[string, string]> | undefined {
  let text: string;
  try {
    text = readFileSync(table, 'utf8');
  } catch {
    return undefined;
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const found: Array<[string, string]> = [];
  for (const row of text.split('\n').slice(1)) {
    // local_address is ADDR:PORT in hex, st 0A is LISTEN, the inode is the tenth field.
    const fields = row.trim().split(/\s+/);
    if (fields.length > 9 && fields[1]!.endsWith(`:${portHex}`) && fields[3] === '0A') found.push([fields[1]!.split(':')[0]!, fields[9]!]);
  }
  return found;
}

/**
 * The inodes of the sockets a connection to 127.0.0.1:`port` reaches, the most specific first as
 * the kernel chooses: one bound to 127.0.0.1, else to 0.0.0.0, else an IPv6 one taking IPv4 (::,
 * ::ffff:127.0.0.1). Undefined without /proc.
 */
function listeningInodes(port: number): Set<string> | undefined {
  const v4 = listeners('/proc/net/tcp', port);
  if (v4 === undefined) return undefined;
  for (const address of ['0100007F', '00000000']) {
    const inodes = v4.filter(([bound]) => bound === address).map(([, inode]) => inode);
    if (inodes.length > 0) return new Set(inodes);
  }
  const v6 = listeners('/proc/net/tcp6', port) ?? [];
  const takesIpv4 = (bound: string) => bound === '0'.repeat(32) || bound === '0000000000000000FFFF00000100007F';
  return new Set(v6.filter(([bound]) => takesIpv4(bound)).map(([, inode]) => inode));
}

/**
 * Whether process `pid` is the one listening on `port`: true, false (another process listens, or
 * nobody), or undefined where /proc cannot tell.
 */
export function listensOn(pid: number, port: number): boolean | undefined {
  const inodes = listeningInodes(port);
  if (inodes === undefined) return undefined;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return true;
    } catch {
      // Closed meanwhile.
    }
  }
  return false;
}
