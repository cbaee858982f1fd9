/** `mote build-agent`: builds the host and armhf mote-agent binaries into build/. */
import type { Command } from '../command.ts';
import { buildAgent } from '../../build/agent.ts';
import { parseCommandLine } from '../options.ts';

export const buildAgentCommand: Command = {
  name: 'build-agent',
  summary: 'build mote-agent for the host and for armhf (build/host, build/armhf)',
  async run(argv) {
    const { values } = parseCommandLine(argv, { help: { type: 'boolean', short: 'h' } });
    if (values.help) {
      console.log('usage: mote build-agent\n\nBundles the agent, compiles it to QuickJS bytecode and links\nbuild/host/mote-agent and build/armhf/mote-agent (static, musl).');
      return 0;
    }
    await buildAgent();
    return 0;
  },
};
