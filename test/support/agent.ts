/**
 * Runs the built mote-agent binaries from tests: the host one directly, the armhf one under
 * qemu-arm (user mode). `npm test` builds them first; a test that finds none fails and says so.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { agentBinary } from '../../bundler/paths.ts';

export { agentBinary };

export interface AgentRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function requireBinary(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: run 'npm run build' (npm test does it first)`);
  return path;
}

export function runHostAgent(args: string[], timeoutMs = 30_000): AgentRun {
  const result = spawnSync(requireBinary(agentBinary.host), args, { encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function runArmhfAgentUnderQemu(args: string[], timeoutMs = 60_000): AgentRun {
  const result = spawnSync('qemu-arm', [requireBinary(agentBinary.armhf), ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `file -b` on a path. */
export function describeFile(path: string): string {
  return execFileSync('file', ['-b', requireBinary(path)], { encoding: 'utf8' }).trim();
}

/** Why root-only tests cannot run here, or null when they can. Printed by the skipping test. */
export function rootSkipReason(): string | null {
  return process.getuid?.() === 0 ? null : 'needs root for bpf(2): run npm test as root';
}
