/**
 * `mote fleet-sim`: simulates a fleet of agents against one or more brokers, replaying records
 * recorded from a real agent (bundler/fleet-sim/), and prints what was published and what the
 * brokers acknowledged, every few seconds and at the end. `--record` records that corpus again
 * from the host agent. Exit code 1 when some published record was never acknowledged.
 */
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { brokerOption, existingPath, integerOption, outputPath, parseCommandLine, perSecondOption, secondsOption } from '../options.ts';
import { DEFAULT_CORPUS, readCorpus } from '../../fleet-sim/corpus.ts';
import { runFleetSim } from '../../fleet-sim/fleet.ts';
import { recordCorpus } from '../../fleet-sim/record.ts';
import { deviceLine, progressLine, summaryLines } from '../../fleet-sim/report-text.ts';

const HELP = `usage: mote fleet-sim [--broker URL[,URL...]]... [--devices N] [--rate HZ] [--seconds S]
                      [--connect-rate N] [--disconnect-rate R] [--reboot-rate R] [--device-prefix P]
                      [--corpus FILE] [--per-device]
       mote fleet-sim --record [--out FILE] [--seconds S]

Simulates agents: each device (sim-00001, sim-00002, ...) has its own random boot id, per-module
sequences from 0, the retained online status and the offline Last Will, and publishes records
recorded from a real agent at QoS 1 over MQTT 3.1.1, resending unacknowledged ones (DUP) after a
reconnect. Prints progress every 5 s, then totals per device and in all.
  --broker URL[,URL...]  mqtt://host[:port]; repeat or separate with commas for several brokers:
                         devices start spread over them and move to the next when theirs fails
                         (default mqtt://127.0.0.1:1883)
  --devices N            simulated devices (default 100)
  --rate HZ              records per second per device, taken in turn from the device's modules
                         (7 in the recorded corpus; default 1)
  --seconds S            how long the devices publish (default 60; with --record, default 5)
  --connect-rate N       devices started per second, so a large fleet does not stampede the
                         broker (default 200)
  --disconnect-rate R    abrupt disconnects per device per second, e.g. 0.01 drops each device
                         every 100 s on average (default 0)
  --reboot-rate R        reboots per device per second: the device dies without DISCONNECT (its
                         Last Will goes out, its unacknowledged records are lost) and starts again
                         with a new boot id and sequences from 0 (default 0)
  --device-prefix P      device ids are P and a 5-digit number (default sim-)
  --corpus FILE          the recorded payloads to replay (default bundler/fleet-sim/recorded-agent.cbor)
  --per-device           at the end, one line per device
  --record               record the corpus again: run the host agent (root, 'npm run build' first)
                         with every built-in module against a local mosquitto
  --out FILE             where --record writes (default bundler/fleet-sim/recorded-agent.cbor)`;

function brokerList(values: string[] | undefined): string[] {
  const urls = (values ?? ['mqtt://127.0.0.1:1883']).flatMap((v) => v.split(','));
  return urls.map((url) => {
    const broker = brokerOption(url.trim());
    if (broker.startsWith('mqtts:')) throw new UsageError(`broker '${url}' is TLS; the simulator speaks plain MQTT`, 'give the broker\'s mqtt:// listener');
    return broker;
  });
}

export const fleetSimCommand: Command = {
  name: 'fleet-sim',
  summary: 'simulate a fleet of agents publishing recorded telemetry, and count what brokers acknowledge',
  async run(argv) {
    const { values } = parseCommandLine(argv, {
      help: { type: 'boolean', short: 'h' },
      broker: { type: 'string', multiple: true },
      devices: { type: 'string', default: '100' },
      rate: { type: 'string', default: '1' },
      seconds: { type: 'string' },
      'connect-rate': { type: 'string', default: '200' },
      'disconnect-rate': { type: 'string', default: '0' },
      'reboot-rate': { type: 'string', default: '0' },
      'device-prefix': { type: 'string', default: 'sim-' },
      corpus: { type: 'string' },
      'per-device': { type: 'boolean' },
      record: { type: 'boolean' },
      out: { type: 'string' },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (values.record) {
      const out = outputPath('--out', values.out ?? DEFAULT_CORPUS);
      const summary = await recordCorpus({ out, seconds: secondsOption('seconds', values.seconds ?? '5') / 1000, perModule: 3, log: (line) => console.log(line) });
      console.log(`fleet-sim: wrote ${out}: ${summary.bytes} bytes of payloads; envelopes per module: ${[...summary.modules].map(([m, n]) => `${m} ${n}`).join(', ')}`);
      return 0;
    }
    if (values.out !== undefined) throw new UsageError('--out goes with --record only');
    const brokers = brokerList(values.broker);
    const devices = integerOption('devices', values.devices, 1);
    const rate = perSecondOption('rate', values.rate);
    const seconds = secondsOption('seconds', values.seconds ?? '60') / 1000;
    const connectRate = perSecondOption('connect-rate', values['connect-rate']);
    const disconnectRate = perSecondOption('disconnect-rate', values['disconnect-rate'], true);
    const rebootRate = perSecondOption('reboot-rate', values['reboot-rate'], true);
    const prefix = values['device-prefix'];
    if (prefix === '' || /[/+#]/.test(prefix)) throw new UsageError(`--device-prefix '${prefix}' must be non-empty, without '/', '+' or '#'`);
    const corpus = readCorpus(values.corpus === undefined ? DEFAULT_CORPUS : existingPath('--corpus', values.corpus));
    console.log(`fleet-sim: ${devices} devices, ${rate} records/s each over ${corpus.byModule.size} modules, for ${seconds} s, on ${brokers.join(', ')}`);
    const report = await runFleetSim({ brokers, devices, rate, seconds, connectRate, disconnectRate, rebootRate, devicePrefix: prefix, corpus, onProgress: (p) => console.log(progressLine(p)) });
    if (values['per-device']) for (const device of report.devices) console.log(deviceLine(device));
    for (const line of summaryLines(report)) console.log(line);
    return report.totals.acknowledged === report.totals.published ? 0 : 1;
  },
};
