/**
 * `mote start` (what `npm start` runs): the main job for a newcomer. Starts a local mosquitto
 * unless --broker names one, builds and boots the emulated 32-bit ARM board with every
 * built-in module and a small repeating workload, and shows the decoded telemetry live,
 * redrawn in place, while `mote serve` runs in this process against the same broker (its
 * dashboard's URL is printed). Ctrl-C stops the VM, the server, the broker and the view.
 */
import mqtt from 'mqtt';
import { join } from 'node:path';
import type { Command } from '../command.ts';
import { Mosquitto } from '../../broker/mosquitto.ts';
import { buildBoardImage } from '../../board/image.ts';
import { guestBrokerUrl } from '../../board/guest-broker.ts';
import { bootBoard } from '../../board/qemu.ts';
import { decodeEnvelope, decodeStatus } from '../../../agent/src/telemetry/codec.ts';
import { parseTopic, TOPIC_ROOT } from '../../../agent/src/telemetry/topics.ts';
import { Dashboard } from '../live/dashboard.ts';
import { startFleetService, type FleetService } from '../../web/fleet-service.ts';
import { DEFAULT_LISTEN, listenOption } from './serve.ts';
import { boardOption, brokerOption, parseCommandLine, secondsOption } from '../options.ts';

const HELP = `usage: mote start [--broker URL] [--board NAME] [--seconds N]

Boots the emulated 32-bit ARM board (default qemu-armv7) running mote-agent with every
built-in module, publishing to a broker: a local mosquitto started for the purpose unless
--broker points at a real one. Shows the decoded telemetry live. Ctrl-C stops everything.
  --seconds N   stop by itself after N seconds (for scripts)`;

/** `mote serve` in this process, on its default address, or on a free port when that is taken. */
async function startDashboard(brokerUrl: string): Promise<FleetService> {
  const options = { brokers: [brokerUrl], tls: {}, token: null, historyMinutes: 60, seriesCap: 200, maxSeries: 100_000, maxDevices: 10_000, log: (line: string) => console.error(`[serve] ${line}`) };
  const preferred = listenOption(DEFAULT_LISTEN);
  try {
    return await startFleetService({ ...options, listen: preferred });
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    return startFleetService({ ...options, listen: { host: preferred.host, port: 0 } });
  }
}

export const startCommand: Command = {
  name: 'start',
  summary: 'boot the emulated ARM board and show its live telemetry (npm start)',
  async run(argv) {
    const { values } = parseCommandLine(argv, { help: { type: 'boolean', short: 'h' }, broker: { type: 'string' }, board: { type: 'string', default: 'qemu-armv7' }, seconds: { type: 'string' } });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const seconds = values.seconds === undefined ? undefined : secondsOption('seconds', values.seconds) / 1000;
    const board = boardOption(values.board);
    const requestedBroker = values.broker === undefined ? undefined : brokerOption(values.broker);
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

    const local = requestedBroker ? null : await Mosquitto.start();
    let fleet: FleetService | undefined;
    // The local broker and the server go whatever happens after they started: a failed build or boot included.
    try {
      const brokerUrl = requestedBroker ?? local!.url;
      console.log(`[start] broker: ${brokerUrl}${local ? ' (local mosquitto, started for this run)' : ''}`);
      fleet = await startDashboard(brokerUrl);
      console.log(`[start] fleet dashboard: ${fleet.url} (mote serve, read-only)`);
      const device = `${board.name}-demo`;
      const image = await buildBoardImage(board, { broker: guestBrokerUrl(brokerUrl), device, intervalMs: 1000 }, (line) => console.log(line));
      const consoleLog = join(image.dir, 'console.log');
      console.log(`[start] booting ${board.name} (Linux ${image.release}) after ${elapsed()}; guest console: ${consoleLog}`);
      const guest = bootBoard(board, image, { consoleLog, workload: 'loop' });
      const guestExited = new Promise<void>((resolve) => guest.once('close', () => resolve()));

      const dashboard = new Dashboard();
      const client = mqtt.connect(brokerUrl, { reconnectPeriod: 1000 });
      client.on('connect', () => client.subscribe(`${TOPIC_ROOT}/${device}/#`, { qos: 1 }));
      client.on('error', (error) => console.error(`[start] broker ${brokerUrl}: ${error.message}`));
      let firstTelemetry: string | null = null;
      client.on('message', (topic, payload) => {
        const parsed = parseTopic(topic);
        try {
          if (parsed?.kind === 'telemetry') {
            firstTelemetry ??= elapsed();
            dashboard.onTelemetry(decodeEnvelope(payload));
          } else if (parsed?.kind === 'status') dashboard.onStatus(decodeStatus(payload));
        } catch (error) {
          console.error(`[start] ${topic}: cannot decode (${(error as Error).message})`);
        }
      });

      const interactive = process.stdout.isTTY === true;
      /** In place on a terminal; otherwise a header line every few seconds and everything at the end. */
      const draw = (full = interactive) => {
        const header = `Mote live: ${board.name} via ${brokerUrl}; ${dashboard.messageCount} messages; first telemetry ${firstTelemetry ? `after ${firstTelemetry}` : 'not yet'} (Ctrl-C stops)`;
        if (!full) return console.log(header);
        const lines = dashboard.render(header);
        process.stdout.write(`${interactive ? '\x1b[H\x1b[J' : ''}${lines.join('\n')}\n`);
      };
      const timer = setInterval(() => draw(), interactive ? 1000 : 5000);

      const code = await new Promise<number>((resolve) => {
        let stopped = false;
        let deadline: NodeJS.Timeout | undefined;
        const stop = (reason: string, exitCode: number) => {
          if (stopped) return;
          stopped = true;
          clearInterval(timer);
          clearTimeout(deadline);
          draw(true);
          console.log(`[start] ${reason}`);
          resolve(exitCode);
        };
        process.once('SIGINT', () => stop('stopping (Ctrl-C)', 0));
        process.once('SIGTERM', () => stop('stopping (SIGTERM)', 0));
        if (seconds !== undefined) deadline = setTimeout(() => stop(`stopping after ${seconds} s`, 0), seconds * 1000);
        guest.once('error', (error) => stop(`qemu-system-arm did not start (${error.message}); install it with 'npm run setup'`, 1));
        guest.once('exit', (status) => stop(`the guest stopped (qemu exit ${status}); see ${consoleLog}`, status === 0 ? 0 : 1));
      });
      guest.kill('SIGTERM');
      await guestExited;
      await new Promise<void>((resolve) => client.end(true, () => resolve()));
      return code;
    } finally {
      await fleet?.stop();
      await local?.stop();
    }
  },
};
