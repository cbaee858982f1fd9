/**
 * `mote demo`: what `npm start` shows until the board end to end exists: the host agent's
 * device checks on this kernel, and the armhf agent's under qemu-arm.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { Command } from '../command.ts';
import { agentBinary } from '../../paths.ts';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the host agent and the armhf agent (under qemu-arm) through their device checks',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      console.log('usage: mote demo\n\nRuns `mote-agent doctor` with build/host/mote-agent on this kernel, then\nbuild/armhf/mote-agent under qemu-arm (user mode, where bpf(2) is not emulated).');
      return 0;
    }
    let failed = false;
    for (const [title, file, args] of [
      ['host agent on this kernel', agentBinary.host, ['doctor']],
      ['armhf agent under qemu-arm', 'qemu-arm', [agentBinary.armhf, 'doctor']],
    ] as const) {
      console.log(`\n== ${title}`);
      const result = spawnSync(file, args, { stdio: 'inherit' });
      failed ||= result.status !== 0;
    }
    return failed ? 1 : 0;
  },
};
