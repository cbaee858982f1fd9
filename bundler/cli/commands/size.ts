/** `mote size`: the armhf mote-agent's size, split into QuickJS, binding, bytecode and libc. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { agentBinary } from '../../paths.ts';
import { bytesPerShare } from '../../build/link-map.ts';
import { parseCommandLine } from '../options.ts';

const KIB = 1024;

export const sizeCommand: Command = {
  name: 'size',
  summary: 'print the armhf mote-agent size and the share of each part',
  async run(argv) {
    const { values } = parseCommandLine(argv, { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } });
    if (values.help) {
      console.log('usage: mote size [--json]\n\nReports build/armhf/mote-agent (stripped, static, musl) and, from its link map,\nthe bytes that QuickJS, the binding, the bytecode and the C library contribute.');
      return 0;
    }
    const binary = agentBinary.armhf;
    if (!existsSync(binary) || !existsSync(`${binary}.map`)) throw new UsageError(`${binary} (and its .map) not found`, "run 'npm run build' first");
    const fileBytes = statSync(binary).size;
    const shares = bytesPerShare(readFileSync(`${binary}.map`, 'utf8'));
    const counted = [...shares.values()].reduce((a, b) => a + b, 0);
    if (values.json) {
      console.log(JSON.stringify({ binary, fileBytes, sections: Object.fromEntries(shares) }));
      return 0;
    }
    console.log(`${binary}: ${fileBytes} bytes (${(fileBytes / KIB).toFixed(1)} KiB), stripped, static, musl`);
    for (const [share, bytes] of [...shares].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${share.padEnd(27)} ${(bytes / KIB).toFixed(1).padStart(7)} KiB  ${((100 * bytes) / counted).toFixed(1).padStart(5)}%`);
    }
    console.log(`  ${'(headers, alignment)'.padEnd(27)} ${((fileBytes - counted) / KIB).toFixed(1).padStart(7)} KiB`);
    return 0;
  },
};
