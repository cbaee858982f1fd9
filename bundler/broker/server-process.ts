/**
 * A server program started for tests, benchmarks and `mote start` (mosquitto, nats-server,
 * VictoriaMetrics): spawned with its arguments, ready once it accepts TCP connections on its
 * loopback port, killed with a signal of the caller's choice (SIGKILL plays a crash), and started
 * again with the same arguments. Its output is kept for error messages. It counts as ready only
 * once the process it started is the one listening on its port, never another program there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accepts, listensOn } from './loopback-ports.ts';

export { accepts, freeLoopbackPort } from './loopback-ports.ts';

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
    let someoneElse = false;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || spawnError) break;
      if (await accepts(this.port)) {
        const ours = listensOn(child.pid!, this.port);
        if (ours !== false) return;
        someoneElse = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (someoneElse) {
      await this.kill('SIGKILL');
      throw new Error(`${this.name}: another program listens on 127.0.0.1:${this.port}; stop it, or run again for another port (${this.output.slice(-500).trim()})`);
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
