/**
 * A local mosquitto (Debian's /usr/sbin/mosquitto, installed by the bootstrap): its own config
 * file, a listener on a free loopback port only, anonymous access, no persistence. `npm start`
 * uses it as the default broker; tests use it as the real broker, and stop and start it again
 * on the same port to play an outage. (QEMU user networking shows the host's loopback to a
 * guest as 10.0.2.2, so guests reach it too.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, ServerProcess } from './server-process.ts';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export { accepts, freeLoopbackPort } from './server-process.ts';

export class Mosquitto {
  private readonly process: ServerProcess;

  private constructor(
    readonly port: number,
    private readonly directory: string,
  ) {
    this.process = new ServerProcess('mosquitto', MOSQUITTO, ['-c', join(directory, 'mosquitto.conf')], port);
  }

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
    await this.process.start(5_000);
  }

  /** Kills the broker process (SIGTERM) and waits for it to exit; its port and config stay for `startAgain()`. */
  async kill(): Promise<void> {
    await this.process.kill();
  }

  /** Kills the broker for good and removes its config. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.directory, { recursive: true, force: true });
  }
}
