/**
 * Least privilege on the real kernel: `mote-agent setup --user` (as root) then `mote-agent run`
 * as that user with only CAP_BPF, CAP_PERFMON and CAP_NET_RAW (setpriv, as the init script
 * starts it) loads every module that the same agent loads as root, with the same hook variants,
 * and publishes. setup refuses to run as another user and names a missing user. The test makes
 * the system user `mote-test` when it is missing and puts tracefs's modes and groups back after.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBinary, rootSkipReason } from '../support/agent.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import type { ModuleStatus } from '../../agent/src/telemetry/messages.ts';
import { useAgentRuns } from './support.ts';

const USER = 'mote-test';
const TRACEFS = '/sys/kernel/tracing';
const CAPS = '-all,+bpf,+perfmon,+net_raw';
/** CAP_NET_RAW (13), CAP_PERFMON (38), CAP_BPF (39): what /proc/<pid>/status shows as CapEff. */
const AGENT_CAPABILITIES = (1n << 13n) | (1n << 38n) | (1n << 39n);

function skipReason(): string | null {
  const root = rootSkipReason();
  if (root) return root;
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv (util-linux) is missing: apt-get install util-linux';
  return null;
}

const skip = skipReason();
if (skip) console.log(`least-privilege: skipped: ${skip}`);
const broker = useMosquitto();
const runs = useAgentRuns(broker);
const work = mkdtempSync(join(tmpdir(), 'mote-least-privilege-'));

/** The mode and owner of every tracefs path setup may change, to put them back afterwards. */
function tracefsPaths(): string[] {
  const events = join(TRACEFS, 'events');
  const paths = [TRACEFS, events, join(events, 'header_page')];
  for (const category of readdirSync(events, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    const categoryPath = join(events, category.name);
    paths.push(categoryPath);
    for (const event of readdirSync(categoryPath, { withFileTypes: true }).filter((e) => e.isDirectory())) paths.push(join(categoryPath, event.name), join(categoryPath, event.name, 'id'));
  }
  return paths.filter((path) => existsSync(path));
}

let saved: Array<{ path: string; mode: number; uid: number; gid: number }> = [];
let user: { uid: number; gid: number };

function agent(args: string[], wrapper: string[] = []): ReturnType<typeof spawnSync> {
  const command = [...wrapper, agentBinary.host, ...args];
  return spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 60_000 });
}

const asUser = (): string[] => ['setpriv', `--reuid=${USER}`, `--regid=${USER}`, '--init-groups', '--no-new-privs', `--inh-caps=${CAPS}`, `--ambient-caps=${CAPS}`, `--bounding-set=${CAPS}`];

describe.skipIf(skip !== null)(`the agent as ${USER} with CAP_BPF, CAP_PERFMON and CAP_NET_RAW`, () => {
  beforeAll(() => {
    if (spawnSync('getent', ['passwd', USER]).status !== 0) {
      console.log(`least-privilege: creating the system user ${USER}`);
      const made = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', USER], { encoding: 'utf8' });
      expect(made.status, made.stderr).toBe(0);
    }
    const [, , uid, gid] = spawnSync('getent', ['passwd', USER], { encoding: 'utf8' }).stdout.split(':');
    user = { uid: Number(uid), gid: Number(gid) };
    saved = tracefsPaths().map((path) => {
      const { mode, uid: owner, gid: group } = statSync(path);
      return { path, mode: mode & 0o7777, uid: owner, gid: group };
    });
  });

  afterAll(() => {
    for (const { path, mode, uid, gid } of saved) {
      chownSync(path, uid, gid);
      chmodSync(path, mode);
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('setup refuses to run as the user, and names a user that does not exist', () => {
    const notRoot = agent(['setup', '--user', USER, '--state-dir', join(work, 'refused')], asUser());
    expect(notRoot.status).toBe(1);
    expect(notRoot.stderr).toMatch(/^mote-agent setup: must run as root \(uid \d+ here\)/);
    const missing = agent(['setup', '--user', 'no-such-mote-user']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no user 'no-such-mote-user' in \/etc\/passwd: create it first/);
    const noUser = agent(['setup']);
    expect(noUser.status).toBe(2);
  });

  it('loads every module that loads as root, with the same variants, and publishes', async () => {
    const stateDir = join(work, 'state');
    // A cache that a run as root made first: setup hands it over, or the agent would ignore it.
    mkdirSync(join(stateDir, 'cache'), { recursive: true });
    writeFileSync(join(stateDir, 'cache', 'features-0123456789abcdef.json'), '');
    const setup = agent(['setup', '--user', USER, '--state-dir', stateDir]);
    expect(setup.status, String(setup.stderr)).toBe(0);
    console.log(`least-privilege: ${String(setup.stdout).trim().replace(/\n/g, '; ')}`);
    expect(statSync(TRACEFS).gid).toBe(user.gid);
    expect(statSync(TRACEFS).mode & 0o070).toBe(0o010);
    expect(statSync(join(TRACEFS, 'events/sched/sched_switch/id')).mode & 0o040).toBe(0o040);
    const enable = statSync(join(TRACEFS, 'events/sched/sched_switch/enable'));
    expect(enable.gid).not.toBe(user.gid);
    expect(statSync(stateDir)).toMatchObject({ uid: user.uid, gid: user.gid });
    expect(statSync(join(stateDir, 'cache'))).toMatchObject({ uid: user.uid, gid: user.gid });
    expect(statSync(join(stateDir, 'cache', 'features-0123456789abcdef.json'))).toMatchObject({ uid: user.uid, gid: user.gid });
    expect(String(setup.stdout)).toContain('and so do its cache directory and the 1 file in it');

    const started = [
      { who: 'root', device: `lp-root-${process.pid}`, wrapper: [] as string[] },
      { who: USER, device: `lp-user-${process.pid}`, wrapper: asUser() },
    ].map(async ({ who, device, wrapper }) => {
      const subscriber = await runs.subscribe(device);
      const args = ['--device', device, '--interval-ms', '500'];
      const started = wrapper.length ? runs.startThrough(wrapper, args) : runs.start(args);
      await started.waitFor(`${who}: an online status listing modules`, () => subscriber.statuses(device).some((s) => s.state === 'online' && (s.modules ?? []).length > 0), 60_000);
      await started.waitFor(`${who}: a syscount record`, () => subscriber.telemetry('syscount').length > 0, 30_000);
      const modules = subscriber.statuses(device).find((s) => s.state === 'online' && (s.modules ?? []).length > 0)!.modules!;
      return { who, process: started, modules };
    });
    const [root, nonRoot] = await Promise.all(started);
    const status = readFileSync(`/proc/${nonRoot!.process.child.pid}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`^Uid:\\s+${user.uid}\\s+${user.uid}\\s+${user.uid}\\s+${user.uid}$`, 'm'));
    expect(BigInt(`0x${status.match(/^CapEff:\s+([0-9a-f]+)$/m)![1]}`)).toBe(AGENT_CAPABILITIES);
    const running = (modules: ModuleStatus[]) => modules.filter((m) => !m.error).map((m) => `${m.name}: ${m.variant}`).sort();
    expect(running(root!.modules).length).toBeGreaterThan(0);
    expect(running(nonRoot!.modules), nonRoot!.modules.filter((m) => m.error).map((m) => `${m.name}: ${m.error}`).join('\n')).toEqual(running(root!.modules));
    console.log(`least-privilege: as root ${running(root!.modules).length} of ${root!.modules.length} modules run, as ${USER} ${running(nonRoot!.modules).length}: ${running(nonRoot!.modules).join(', ')}`);
  }, 120_000);
});
