/**
 * A local mosquitto (Debian's /usr/sbin/mosquitto, installed by the bootstrap): its own config
 * file, a listener on a free loopback port only, anonymous access, no persistence. `npm start`
 * uses it as the default broker; tests use it as the real broker, and stop and start it again
 * on the same port to play an outage. (QEMU user networking shows the host's loopback to a
 * guest as 10.0.2.2, so guests reach it too.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';

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

export class Mosquitto {
  private process: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly directory: string,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /**
   * Writes the config and starts the broker; resolves once it accepts connections. `persistent`:
   * sessions, subscriptions and queued QoS 1 messages survive a `kill()` and `startAgain()`
   * (saved to its directory on SIGTERM), so a subscriber with a persistent session misses nothing.
   * `settings` are more mosquitto.conf lines, e.g. `max_queued_messages 0` for a subscriber that
   * must see all.
   */
  static async start(options: { persistent?: boolean; settings?: string[] } = {}): Promise<Mosquitto> {
    const directory = mkdtempSync(join(tmpdir(), 'mote-mosquitto-'));
    const broker = new Mosquitto(await freeLoopbackPort(), directory);
    const persistence = options.persistent ? ['persistence true', `persistence_location ${directory}/`, 'max_queued_messages 0', 'max_queued_bytes 0'] : ['persistence false'];
    writeFileSync(
      join(directory, 'mosquitto.conf'),
      [`listener ${broker.port} 127.0.0.1`, 'allow_anonymous true', ...persistence, 'log_dest stderr', 'log_type error', 'log_type warning', ...(options.settings ?? []), ''].join('\n'),
    );
    await broker.startAgain();
    return broker;
  }

  /** Starts a new broker process on the same port and config (first start, or after `kill()`). */
  async startAgain(): Promise<void> {
    const child = spawn(MOSQUITTO, ['-c', join(this.directory, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.process = child;
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    for (let tries = 0; tries < 100; tries++) {
      if (child.exitCode !== null) break;
      if (await accepts(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`mosquitto did not start on 127.0.0.1:${this.port} (exit ${child.exitCode}): ${this.output}`);
  }

  /** Kills the broker process (SIGTERM) and waits for it to exit; its port and config stay for `startAgain()`. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Kills the broker for good and removes its config. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.directory, { recursive: true, force: true });
  }
}
