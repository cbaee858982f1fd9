/**
 * `mote remove <module> --device <id>`: detaches a module on a device and records the removal in
 * its module store; prints the device's result.
 */
import { isModuleName } from '../../../agent/src/ota/package.ts';
import { encodeRemove } from '../../../agent/src/ota/messages.ts';
import { answerText, exchange } from '../../ota/exchange.ts';
import { EXCHANGE_OPTIONS } from '../../ota/options.ts';
import { brokerOption, deviceOption, onePositional, parseCommandLine, requiredOption, secondsOption } from '../options.ts';
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
    const { values, positionals } = parseCommandLine(argv, EXCHANGE_OPTIONS, true);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const module = onePositional(positionals, 'the module name <module>');
    if (!isModuleName(module)) throw new UsageError(`module name '${module}' may only hold letters, digits, _ and -`);
    const device = deviceOption(requiredOption(values.device, '--device <id>'));
    const broker = brokerOption(values.broker);
    const timeoutMs = secondsOption('timeout', values.timeout);
    const answers = await exchange({
      broker,
      device,
      path: 'remove',
      payload: (requestId) => encodeRemove(requestId, module),
      timeoutMs,
      onAnswer: (answer) => console.log(answerText(answer, timeoutMs)),
    });
    return answers.every((a) => a.result?.outcome === 'removed') ? 0 : 1;
  },
};
