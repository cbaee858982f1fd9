/**
 * A server program started for tests, benchmarks and `mote start` (mosquitto, nats-server,
 * VictoriaMetrics): spawned with its arguments, ready once it accepts TCP connections on its
 * loopback port, killed with a signal of the caller's choice (SIGKILL plays a crash), and started
 * again with the same arguments. Its output is kept for error messages. Also the loopback port
 * helpers they share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A port nobody listens on right now, on 127.0.0.1. */
export async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
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

export class ServerProcess {
  private child: ChildProcess | undefined;
  output = '';

  constructor(
    readonly name: string,
    private readonly program: string,
    private readonly args: string[],
    /** The loopback port that says it is ready. */
    readonly port: number,
  ) {}

  /** Its process id while it runs (for its CPU time in /proc). */
  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it (again) and resolves once it accepts connections on its port. */
  async start(timeoutMs = 20_000): Promise<void> {
    const child = spawn(this.program, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || spawnError) break;
      if (await accepts(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (spawnError) throw new Error(`${this.name}: cannot run ${this.program} (${spawnError.message}); run 'npm run setup' to install the Debian packages`);
    throw new Error(`${this.name} did not start on 127.0.0.1:${this.port} (exit ${child.exitCode}): ${this.output.slice(-2000)}`);
  }

  /** Sends `signal` and waits for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}
