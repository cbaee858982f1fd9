/**
 * Skip reasons on the real kernel, from the host mote-agent run as uid 65534 (setpriv): each
 * reason names the real cause once. With CAP_BPF and CAP_PERFMON, tracefs (mounted, mode 0700)
 * is refused to that uid, and the tracepoint modules say so rather than "not mounted"; without
 * capabilities, `sample` and `run` say bpf(2) is refused to that uid (`run` in the log and in the
 * retained status), not that the kernel lacks a feature.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentBinary, rootSkipReason } from '../support/agent.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { Subscriber } from '../telemetry/harness.ts';
import { AgentProcess, STEADY_MODULE } from './support.ts';

const UID = 65534;
const TRACEFS = '/sys/kernel/tracing';
const AS_NOBODY = ['setpriv', `--reuid=${UID}`, `--regid=${UID}`, '--clear-groups'];
const BPF_CAPS = ['--inh-caps=+bpf,+perfmon', '--ambient-caps=+bpf,+perfmon'];

/** Mounts tracefs when nothing has yet (as the agent run as root would), so that it exists to refuse. */
function tracefsSkipReason(): string | null {
  const root = rootSkipReason();
  if (root) return root;
  if (!readFileSync('/proc/mounts', 'utf8').includes(` ${TRACEFS} tracefs `)) spawnSync('mount', ['-t', 'tracefs', 'tracefs', TRACEFS]);
  if (!readFileSync('/proc/mounts', 'utf8').includes(` ${TRACEFS} tracefs `)) return `tracefs could not be mounted at ${TRACEFS}: mount it, then run the test again`;
  const mode = statSync(TRACEFS).mode & 0o777;
  return (mode & 0o005) === 0o005 ? `${TRACEFS} is open to every user here (mode ${mode.toString(8)}): nothing refuses uid ${UID}` : null;
}

/** Clauses said more than once in `text`: what a reason wrapped twice, or joined per program, repeats. */
function repeatedClauses(text: string): string[] {
  const clauses = text.split(/\n|(?<=[.;:])\s+/).map((c) => c.trim()).filter((c) => c.length > 20);
  return clauses.filter((c, i) => clauses.indexOf(c) !== i);
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

const skip = tracefsSkipReason();
if (skip) console.log(`skip-reasons: skipped: ${skip}`);
const broker = useMosquitto();

describe.skipIf(skip !== null)(`skip reasons as uid ${UID}`, () => {
  it('says tracefs is not readable by the uid, once per module, never "not mounted"', () => {
    const result = spawnSync(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), ...BPF_CAPS, agentBinary.host, 'sample', '--json', '--seconds', '1'], { encoding: 'utf8', timeout: 30_000 });
    const skipped = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { module: string; skipped?: string }).filter((l) => l.skipped !== undefined);
    expect(skipped.map((l) => l.module), result.stderr).toContain(STEADY_MODULE);
    for (const { module, skipped: reason } of skipped) {
      expect(repeatedClauses(reason!), module).toEqual([]);
      expect(reason, module).not.toMatch(/not mounted/);
      expect(occurrences(reason!, `uid ${UID}`), module).toBeGreaterThan(0);
    }
    const tracefs = skipped.find((l) => l.module === STEADY_MODULE)!.skipped!;
    expect(occurrences(tracefs, `tracefs at ${TRACEFS} is not readable by uid ${UID}`)).toBe(1);
    for (const line of result.stderr.split('\n').filter((l) => l.includes(' skipped: '))) {
      const module = line.match(/module '(\w+)' skipped/)![1]!;
      expect(occurrences(line, `'${module}'`), line).toBe(1);
    }
  });

  it('sample without capabilities: every module says bpf(2) is refused to the uid, not that the kernel lacks a feature', () => {
    const result = spawnSync(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), agentBinary.host, 'sample', '--json', '--seconds', '1'], { encoding: 'utf8', timeout: 30_000 });
    const reasons = result.stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { skipped?: string }).skipped);
    expect(reasons.length, result.stderr).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).toMatch(new RegExp(`^bpf\\(2\\) is not usable here: uid ${UID} may not use it \\(EPERM\\)`));
  });

  it('run: every module says bpf(2) is refused to the uid, once, in the log and the status', async () => {
    const device = `skip-reasons-${process.pid}`;
    const subscriber = await Subscriber.connect(broker().url, `mote/v1/${device}/#`);
    const agent = AgentProcess.runThrough(AS_NOBODY, ['--broker', broker().url, '--device', device]);
    try {
      await agent.waitFor('an online status listing modules', () => subscriber.statuses(device).some((s) => s.state === 'online' && (s.modules ?? []).length > 0), 30_000);
      const modules = subscriber.statuses(device).find((s) => s.state === 'online' && (s.modules ?? []).length > 0)!.modules!;
      for (const { name, error } of modules) {
        expect(error, name).toMatch(new RegExp(`^bpf\\(2\\) is not usable here: uid ${UID} may not use it \\(EPERM\\); run mote-agent as root`));
        expect(repeatedClauses(error!), name).toEqual([]);
      }
      const lines = agent.stderr.split('\n').filter((l) => l.includes(': skipped: '));
      expect(lines).toHaveLength(modules.length);
      for (const line of lines) {
        expect(repeatedClauses(line), line).toEqual([]);
        expect(occurrences(line, 'bpf(2) is not usable here'), line).toBe(1);
      }
      agent.signal('SIGTERM');
      expect((await agent.exit(30_000)).code).toBe(0);
    } finally {
      await agent.kill();
      await subscriber.close();
    }
  }, 60_000);
});
