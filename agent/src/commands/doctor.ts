/** `mote-agent doctor [--json]`: runs the device checks and exits non-zero when one fails. */
import type { AgentCommand } from './command.ts';
import { doctorChecks, type CheckResult } from './doctor-checks.ts';

export const doctorCommand: AgentCommand = {
  name: 'doctor',
  summary: 'check that this device can run Mote (kernel, codec, compiler, BPF maps)',
  run(sys, args) {
    const results: CheckResult[] = doctorChecks.map((check) => check(sys));
    if (args.includes('--json')) print(JSON.stringify({ checks: results }));
    else for (const r of results) print(`${r.status.toUpperCase().padEnd(4)}  ${r.name.padEnd(16)} ${r.detail}`);
    return results.some((r) => r.status === 'fail') ? 1 : 0;
  },
};
