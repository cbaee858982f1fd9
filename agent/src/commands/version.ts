/** `mote-agent version [--json]`: the agent's version and the kernel it runs on. */
import type { AgentCommand } from './command.ts';
import { AGENT_VERSION } from '../version.ts';

export const versionCommand: AgentCommand = {
  name: 'version',
  summary: 'print the agent version and the kernel release',
  run(sys, args) {
    const { release, machine } = sys.uname();
    if (args.includes('--json')) print(JSON.stringify({ agent: AGENT_VERSION, release, machine }));
    else print(`mote-agent ${AGENT_VERSION} (${machine}, Linux ${release})`);
    return 0;
  },
};
