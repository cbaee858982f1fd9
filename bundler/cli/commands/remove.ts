/**
 * `mote remove <module> --device <id>`: detaches a module on a device and records the removal in
 * its module store; prints the device's result.
 */
import { parseArgs } from 'node:util';
import { isModuleName } from '../../../agent/src/ota/package.ts';
import { encodeRemove } from '../../../agent/src/ota/messages.ts';
import { answerText, exchange } from '../../ota/exchange.ts';
import { deviceOption, EXCHANGE_OPTIONS, secondsOption } from '../../ota/options.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';

const HELP = `usage: mote remove <module> --device ID [--broker URL] [--timeout S]

Detaches the module's programs on the device; it stays removed across restarts until a newer
package of it is published.
  --broker URL   mqtt://host:port (default mqtt://127.0.0.1:1883)
  --timeout S    how long to wait for the result (default 30)`;

export const removeCommand: Command = {
  name: 'remove',
  summary: 'detach a module on a device (kept removed across restarts)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: EXCHANGE_OPTIONS,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const module = positionals[0];
    if (positionals.length !== 1 || module === undefined || !isModuleName(module)) throw new UsageError('give one module name (letters, digits, _ and -)');
    if (values.device === undefined) throw new UsageError('--device <id> is required');
    const timeoutMs = secondsOption('timeout', values.timeout);
    const answers = await exchange({
      broker: values.broker,
      device: deviceOption(values.device),
      path: 'remove',
      payload: (requestId) => encodeRemove(requestId, module),
      timeoutMs,
      onAnswer: (answer) => console.log(answerText(answer, timeoutMs)),
    });
    return answers.every((a) => a.result?.outcome === 'removed') ? 0 : 1;
  },
};
