/**
 * `mote publish --broker URL --device <id>|--all <package>`: sends a signed module package to
 * one device or to every online one, then waits for and prints each device's result.
 * Exit code 0 only if every device accepted it.
 */
import { readFileSync } from 'node:fs';
import { encodeInstall } from '../../../agent/src/ota/messages.ts';
import { answerText, exchange } from '../../ota/exchange.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { EXCHANGE_OPTIONS } from '../../ota/options.ts';
import { brokerOption, deviceOption, existingPath, onePositional, parseCommandLine, secondsOption } from '../options.ts';

const HELP = `usage: mote publish [--broker URL] (--device ID | --all) [--timeout S] <package.mote>

Sends a package made by 'mote pack' and prints each device's result: accepted, rejected (with the
reason) or rolled-back (with the verifier's excerpt).
  --broker URL   mqtt://host:port (default mqtt://127.0.0.1:1883)
  --device ID    one device
  --all          every device whose retained status says online
  --timeout S    how long to wait for results (default 30)`;

export const publishCommand: Command = {
  name: 'publish',
  summary: 'send a signed module package to devices and print their results',
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, { ...EXCHANGE_OPTIONS, all: { type: 'boolean' } }, true);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const packagePath = existingPath('package', onePositional(positionals, 'the package file <package.mote>'));
    if ((values.device === undefined) === !values.all) throw new UsageError('give either --device <id> or --all');
    const broker = brokerOption(values.broker);
    const device = values.device === undefined ? undefined : deviceOption(values.device);
    const timeoutMs = secondsOption('timeout', values.timeout);
    const packageBytes = readFileSync(packagePath);
    const answers = await exchange({
      broker,
      ...(device !== undefined && { device }),
      path: 'install',
      payload: (requestId) => encodeInstall(requestId, packageBytes),
      timeoutMs,
      onAnswer: (answer) => console.log(answerText(answer, timeoutMs)),
    });
    return answers.every((a) => a.result?.outcome === 'accepted') ? 0 : 1;
  },
};
