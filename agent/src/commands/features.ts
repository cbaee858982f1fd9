/** `mote-agent features [--json]`: what this kernel supports, from the feature probe table. */
import type { AgentCommand } from './command.ts';
import { agentFeatureProbes } from './feature-probes.ts';

export const featuresCommand: AgentCommand = {
  name: 'features',
  summary: 'probe which BPF features this kernel supports',
  run(sys, args) {
    const results = agentFeatureProbes(sys).all();
    if (args.includes('--json')) {
      print(JSON.stringify({ release: sys.uname().release, features: results.map((f) => ({ name: f.name, minimumKernel: f.minimumKernel, ...f.result })) }));
      return 0;
    }
    for (const f of results) print(`${f.result.state.padEnd(14)} ${f.name.padEnd(26)} Linux ${f.minimumKernel.padEnd(5)} ${f.result.detail}`);
    return 0;
  },
};
