/**
 * OTA end to end: the host mote-agent (root, real BPF) against a real mosquitto on loopback,
 * packages made by `mote pack` and sent by `mote publish`. An update of syscount is applied while
 * runqlat keeps publishing; bad packages are each rejected for their own reason while the old
 * version keeps publishing; a package the verifier refuses is rolled back with the excerpt;
 * removal detaches the programs (bpftool); and SIGKILL at random points of updates always
 * comes back to a complete old or new version.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeResult, encodeInstall, otaTopic, type OtaResult } from '../../agent/src/ota/messages.ts';
import { parsePackage } from '../../agent/src/ota/package.ts';
import { checkSignature } from '../../agent/src/ota/signature.ts';
import { formatPublicKey } from '../../agent/src/ota/keys.ts';
import { publicKeyOf } from '../../agent/src/ota/ed25519.ts';
import { exchange } from '../../bundler/ota/exchange.ts';
import { repoRoot } from '../../bundler/paths.ts';
import { rootSkipReason } from '../support/agent.ts';
import { editBytes } from '../support/fuzz/byte-edits.ts';
import { fuzzInProcess } from '../support/fuzz/in-process.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { Subscriber, waitUntil } from '../telemetry/harness.ts';
import { gapCount, sequencesOf, useAgentRuns, type AgentProcess } from '../agent/support.ts';
import { buildSyscountPackages, signedVersion, type SyscountPackages } from './module-packages.ts';
import { makeKey } from './packages.ts';
import { STORE_CRASH_POINTS } from '../../agent/src/ota/store.ts';

const run = promisify(execFile);
const broker = useMosquitto();
const skip = rootSkipReason();
const key = makeKey('release');
const stranger = makeKey('stranger');
/** The reasons a package with random bytes overwritten or cut short may be rejected for. */
const FUZZ_REASONS = ['malformed', 'bad-signature', 'unknown-key', 'stale-version', 'agent-too-old', 'unsupported-arch'];
const work = mkdtempSync(join(tmpdir(), 'mote-ota-e2e-'));
const publicKeyPath = join(work, 'release.pub');
const runs = useAgentRuns(broker);
let packages: SyscountPackages;

beforeAll(async () => {
  writeFileSync(publicKeyPath, formatPublicKey(publicKeyOf(key.secret), 'release'));
  packages = await buildSyscountPackages(key);
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The agent started last, whose log a timeout shows. */
let lastAgent: AgentProcess | undefined;

function startAgent(device: string, store: string, modules: string): AgentProcess {
  lastAgent = runs.start(['--device', device, '--modules', modules, '--interval-ms', '500', '--ota-key', publicKeyPath, '--store', store]);
  return lastAgent;
}

function writePackage(name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

/** `mote publish`, as an operator runs it: its exit code and what it printed. */
async function motePublish(device: string, packagePath: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [join(repoRoot, 'bundler', 'cli', 'mote.mjs'), 'publish', '--broker', broker().url, '--device', device, '--timeout', '60', packagePath]);
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout + failed.stderr };
  }
}

async function install(device: string, bytes: Uint8Array): Promise<OtaResult> {
  const [answer] = await exchange({ broker: broker().url, device, path: 'install', payload: (id) => encodeInstall(id, bytes), timeoutMs: 60_000 });
  if (!answer?.result) throw new Error(`${device} did not answer an install`);
  return answer.result;
}

function versionsAfter(subscriber: Subscriber, module: string, index: number): string[] {
  return subscriber.messages.slice(index).flatMap((m) => (m.envelope?.module === module ? [m.envelope.moduleVersion] : []));
}

async function recordsAfter(subscriber: Subscriber, module: string, index: number, count: number): Promise<string[]> {
  try {
    await waitUntil(`${count} ${module} records`, () => versionsAfter(subscriber, module, index).length >= count, 30_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}; the agent's log ends:\n${lastAgent?.stderr.split('\n').slice(-20).join('\n')}`);
  }
  return versionsAfter(subscriber, module, index);
}

function storeFiles(store: string): string[] {
  return readdirSync(store).sort();
}

/** The ids of the BPF programs `pid` holds open, from /proc/<pid>/fdinfo. */
function programIdsOf(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const match = info.match(/^prog_id:\s+(\d+)$/m);
    if (match) ids.push(Number(match[1]));
  }
  return [...new Set(ids)];
}

/** `bpftool prog list`: every loaded program's id and name. */
async function bpftoolPrograms(): Promise<Map<number, string>> {
  const { stdout } = await run('bpftool', ['prog', 'list', '--json']);
  return new Map((JSON.parse(stdout) as Array<{ id: number; name?: string }>).map((p) => [p.id, p.name ?? '']));
}

/** The ids of the syscount programs (syscall_enter, syscall_exit) `agent` has loaded. */
async function syscountProgramIds(agent: AgentProcess): Promise<number[]> {
  const loaded = await bpftoolPrograms();
  return programIdsOf(agent.child.pid!).filter((id) => loaded.get(id)?.startsWith('syscall_'));
}

/** The version the store's pointer names, after checking that its package is complete and signed. */
function storedVersion(store: string): string {
  const match = readFileSync(join(store, 'syscount.current'), 'latin1').match(/^installed (\S+)\n$/);
  if (!match) throw new Error(`broken pointer in ${store}: ${readFileSync(join(store, 'syscount.current'), 'latin1')}`);
  const parsed = parsePackage(new Uint8Array(readFileSync(join(store, `syscount@${match[1]}.mote`))));
  checkSignature(parsed, [key.trusted]);
  expect(parsed.module.version).toBe(match[1]);
  return match[1]!;
}

/**
 * Starts the agent (stopping itself at `crashPoint` when given) and waits for its first syscount
 * record, from a boot not seen before: the version that runs.
 */
function booter(device: string, store: string, subscriber: Subscriber): (crashPoint?: string) => Promise<{ agent: AgentProcess; version: string }> {
  const seenBoots = new Set<string>();
  return async (crashPoint) => {
    const args = ['--device', device, '--modules', 'syscount', '--interval-ms', '500', '--ota-key', publicKeyPath, '--store', store];
    const agent = crashPoint === undefined ? runs.start(args) : runs.startThrough(['env', `MOTE_CRASH_POINT=${crashPoint}`], args);
    lastAgent = agent;
    let version: string | undefined;
    await agent.waitFor('a syscount record from the new boot', () => {
      const fresh = subscriber.telemetry('syscount').find((e) => !seenBoots.has(Buffer.from(e.bootId).toString('hex')));
      version = fresh?.moduleVersion;
      if (fresh) seenBoots.add(Buffer.from(fresh.bootId).toString('hex'));
      return fresh !== undefined;
    }, 30_000);
    return { agent, version: version! };
  };
}

/** The store's files after a crash at `point` during the update from `old` to `next` (temp files without their pid). */
function crashLeftovers(point: string, old: string, next: string): string[] {
  const files: Record<string, string[]> = {
    'stage-write-temp': [`syscount@${next}.mote.tmp`],
    'stage-fsync': [`syscount@${next}.mote.tmp`],
    'stage-rename': [`syscount@${next}.mote`],
    'stage-fsync-dir': [`syscount@${next}.mote`],
    'pointer-write-temp': [`syscount@${next}.mote`, 'syscount.current.tmp'],
    'pointer-fsync': [`syscount@${next}.mote`, 'syscount.current.tmp'],
    'pointer-rename': [`syscount@${next}.mote`],
    'pointer-fsync-dir': [`syscount@${next}.mote`],
    cleanup: [`syscount@${next}.mote`],
  };
  const kept = STORE_CRASH_POINTS.indexOf(point) >= STORE_CRASH_POINTS.indexOf('cleanup') ? [] : [`syscount@${old}.mote`];
  return ['syscount.current', ...kept, ...files[point]!].sort();
}

describe.skipIf(skip !== null)('OTA with the host agent and mosquitto', () => {
  it('applies a signed update of syscount: new programs replace the old, the next record is the new version, runqlat never stops', async () => {
    const device = 'ota-update';
    const store = join(work, 'store-update');
    const subscriber = await runs.subscribe(device);
    const agent = startAgent(device, store, 'syscount,runqlat');
    expect(await recordsAfter(subscriber, 'syscount', 0, 2)).toEqual(['1', '1']);
    await recordsAfter(subscriber, 'runqlat', 0, 2);
    const oldPrograms = await syscountProgramIds(agent);

    const published = await motePublish(device, writePackage('syscount-2.mote', signedVersion(packages.good, '2', key)));
    expect(published).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ota-update: accepted syscount 2: version 2 is stored and running/) });
    const resultAt = subscriber.messages.findIndex((m) => m.topic === otaTopic(device, 'result'));
    expect(await recordsAfter(subscriber, 'syscount', resultAt, 3)).toEqual(['2', '2', '2']);
    await recordsAfter(subscriber, 'runqlat', resultAt, 3);
    expect(gapCount(sequencesOf(subscriber, device))).toBe(0);
    const newPrograms = await syscountProgramIds(agent);
    expect(newPrograms.length).toBe(oldPrograms.length);
    const loaded = await bpftoolPrograms();
    expect(oldPrograms.filter((id) => loaded.has(id) || newPrograms.includes(id))).toEqual([]);
    await waitUntil('a status listing syscount 2', () => subscriber.statuses(device).some((s) => s.modules?.some((m) => m.name === 'syscount' && m.version === '2' && !m.error)));
    expect(storeFiles(store)).toEqual(['syscount.current', 'syscount@2.mote']);
  }, 120_000);

  it('rejects each bad package for its own reason while version 2 keeps publishing without a gap', async () => {
    const device = 'ota-reject';
    const store = join(work, 'store-reject');
    const subscriber = await runs.subscribe(device);
    startAgent(device, store, 'syscount,runqlat');
    await recordsAfter(subscriber, 'syscount', 0, 1);
    expect(await install(device, signedVersion(packages.good, '2', key))).toMatchObject({ outcome: 'accepted', version: '2' });

    const good3 = signedVersion(packages.good, '3', key);
    const badSignature = Uint8Array.from(good3);
    badSignature[badSignature.length - 5]! ^= 0x40;
    const cases: Array<[string, Uint8Array, string]> = [
      ['bad signature', badSignature, 'bad-signature'],
      ['unknown key', signedVersion(packages.good, '3', stranger), 'unknown-key'],
      ['replayed version', signedVersion(packages.good, '2', key), 'stale-version'],
      ['older version', signedVersion(packages.good, '1', key), 'stale-version'],
      ['truncated', good3.subarray(0, good3.length - 100), 'malformed'],
      ['oversized', signedVersion({ ...packages.good, btfs: { ...packages.good.btfs, padding: new Uint8Array(1100 * 1024) } }, '3', key), 'too-large'],
    ];
    for (const [what, bytes, reason] of cases) {
      const result = await install(device, bytes);
      expect({ what, outcome: result.outcome, reason: result.reason }).toEqual({ what, outcome: 'rejected', reason });
      if (result.module) expect(result.version).toBe('2');
    }

    const fuzzed = await fuzzInProcess({ name: 'packages sent to the agent', seed: 0x9e3779b9, inputs: 100 }, (random) => {
      const edited = editBytes(good3, random);
      return {
        description: edited.description,
        run: async () => {
          const result = await install(device, edited.bytes);
          if (result.outcome !== 'rejected' || !FUZZ_REASONS.includes(result.reason!)) throw new Error(`the agent answered ${result.outcome} (${result.reason})`);
          return result.reason!;
        },
      };
    });
    console.log(fuzzed.summary());
    expect(fuzzed.problems).toEqual([]);

    const refused = await install(device, signedVersion(packages.refused, '3', key));
    expect(refused).toMatchObject({ outcome: 'rolled-back', reason: 'verifier', version: '2' });
    expect(refused.message).toMatch(/syscall_enter/);
    expect(refused.verifierExcerpt!.join('\n')).toMatch(/invalid mem access|R\d+ invalid/);

    const lastAt = subscriber.messages.length;
    expect(await recordsAfter(subscriber, 'syscount', lastAt, 2)).toEqual(['2', '2']);
    await recordsAfter(subscriber, 'runqlat', lastAt, 2);
    expect(versionsAfter(subscriber, 'syscount', 0).filter((v) => v !== '1' && v !== '2')).toEqual([]);
    expect(gapCount(sequencesOf(subscriber, device))).toBe(0);
    expect(storeFiles(store)).toEqual(['syscount.current', 'syscount@2.mote']);
  }, 300_000);

  it('removes a module: its programs are gone from bpftool prog list, runqlat keeps running, and it stays removed', async () => {
    const device = 'ota-remove';
    const store = join(work, 'store-remove');
    const subscriber = await runs.subscribe(device);
    const agent = startAgent(device, store, 'syscount,runqlat');
    await recordsAfter(subscriber, 'syscount', 0, 1);
    await recordsAfter(subscriber, 'runqlat', 0, 1);
    const before = await bpftoolPrograms();
    const syscountIds = await syscountProgramIds(agent);
    const otherIds = programIdsOf(agent.child.pid!).filter((id) => before.has(id) && !syscountIds.includes(id));
    expect(syscountIds.length).toBeGreaterThan(0);
    expect(otherIds.length).toBeGreaterThan(0);

    const { stdout } = await run(process.execPath, [join(repoRoot, 'bundler', 'cli', 'mote.mjs'), 'remove', 'syscount', '--device', device, '--broker', broker().url]);
    expect(stdout).toMatch(/^ota-remove: removed syscount 1: detached/);
    const removedAt = subscriber.messages.length;
    const after = await bpftoolPrograms();
    expect(syscountIds.filter((id) => after.has(id))).toEqual([]);
    expect(otherIds.filter((id) => after.has(id))).toEqual(otherIds);
    await recordsAfter(subscriber, 'runqlat', removedAt, 2);
    expect(versionsAfter(subscriber, 'syscount', removedAt + 1)).toEqual([]);
    expect(storeFiles(store)).toEqual(['syscount.current']);

    await agent.kill();
    const restartedAt = subscriber.messages.length;
    startAgent(device, store, 'syscount,runqlat');
    await recordsAfter(subscriber, 'runqlat', restartedAt, 2);
    expect(versionsAfter(subscriber, 'syscount', restartedAt)).toEqual([]);
  }, 120_000);

  it('installs a module no agent has built in; after a restart it runs beside the --modules list', async () => {
    const device = 'ota-new-module';
    const store = join(work, 'store-new-module');
    const subscriber = await runs.subscribe(device);
    const agent = startAgent(device, store, 'runqlat');
    await recordsAfter(subscriber, 'runqlat', 0, 1);
    expect(await install(device, signedVersion(packages.newModule, '1', key))).toMatchObject({ outcome: 'accepted', module: 'sysenter', version: '1' });
    await recordsAfter(subscriber, 'sysenter', 0, 2);
    await agent.kill();
    const restartedAt = subscriber.messages.length;
    startAgent(device, store, 'runqlat');
    expect(await recordsAfter(subscriber, 'sysenter', restartedAt, 2)).toEqual(['1', '1']);
    await recordsAfter(subscriber, 'runqlat', restartedAt, 2);
  }, 120_000);

  it('crash points: the agent stopped by MOTE_CRASH_POINT after each step of the store protocol comes back with the old version up to the pointer rename and the new one from it on', async () => {
    const device = 'ota-crash-points';
    const store = join(work, 'store-crash-points');
    const subscriber = await runs.subscribe(device);
    const publisher = await mqtt.connectAsync(broker().url);
    const boot = booter(device, store, subscriber);
    const first = await boot();
    expect(await install(device, signedVersion(packages.good, '2', key))).toMatchObject({ outcome: 'accepted' });
    await first.agent.kill();
    let stored = '2';
    const seen: string[] = [];
    for (const [i, point] of STORE_CRASH_POINTS.entries()) {
      const next = String(3 + i);
      const { agent, version } = await boot(point);
      expect(version, `the version running after the crash at ${STORE_CRASH_POINTS[i - 1] ?? 'the first install'}`).toBe(stored);
      expect(storeFiles(store)).toEqual(['syscount.current', `syscount@${stored}.mote`]);
      const resultsBefore = subscriber.messages.filter((m) => m.topic === otaTopic(device, 'result')).length;
      await publisher.publishAsync(otaTopic(device, 'install'), Buffer.from(encodeInstall(`crash-${point}`, signedVersion(packages.good, next, key))), { qos: 1 });
      const exit = await agent.exit(60_000);
      expect(exit, `${point}: the agent's log ends:\n${agent.stderr.slice(-2000)}`).toEqual({ code: null, signal: 'SIGKILL' });
      expect(subscriber.messages.filter((m) => m.topic === otaTopic(device, 'result')).length).toBe(resultsBefore);
      const committed = STORE_CRASH_POINTS.indexOf(point) >= STORE_CRASH_POINTS.indexOf('pointer-rename');
      expect(storeFiles(store).map((f) => f.replace(/\.tmp\.\d+$/, '.tmp'))).toEqual(crashLeftovers(point, stored, next));
      expect(storedVersion(store)).toBe(committed ? next : stored);
      if (committed) stored = next;
      seen.push(`${point}: ${committed ? 'new' : 'old'}`);
    }
    await publisher.endAsync();
    const last = await boot();
    expect(last.version).toBe(stored);
    expect(storeFiles(store)).toEqual(['syscount.current', `syscount@${stored}.mote`]);
    console.log(`crash points: came back with ${seen.join(', ')}`);
  }, 600_000);

  it('power loss: SIGKILL at a random point of each of 50 updates always comes back with the old or the new version working', async () => {
    const device = 'ota-power';
    const store = join(work, 'store-power');
    const subscriber = await runs.subscribe(device);
    const publisher = await mqtt.connectAsync(broker().url);
    const boot = booter(device, store, subscriber);

    let { agent, version: running } = await boot();
    expect(await install(device, signedVersion(packages.good, '2', key))).toMatchObject({ outcome: 'accepted' });
    running = '2';
    // Where in an update the store is busy, measured here: from the publish to the first file the
    // store writes (inotify) and to the answer. Each kill comes at a random point of a band around
    // that stretch; the band follows what the kills find (a kill before any write moves it later,
    // one after the cleanup earlier), so kills keep landing before, in and after the store's work
    // however fast a freshly started agent is on this machine today.
    const window = { start: Infinity, end: 0 };
    for (const version of ['3', '4', '5']) {
      const publishedAt = performance.now();
      let firstWrite = Infinity;
      const watcher = watch(store, () => (firstWrite = Math.min(firstWrite, performance.now())));
      await publisher.publishAsync(otaTopic(device, 'install'), Buffer.from(encodeInstall(`calibrate-${version}`, signedVersion(packages.good, version, key))), { qos: 1 });
      await agent.waitFor(`the answer to the install of ${version}`, () => subscriber.messages.some((m) => m.topic === otaTopic(device, 'result') && m.payload.length > 0 && decodeResult(m.payload).requestId === `calibrate-${version}`), 60_000);
      watcher.close();
      window.start = Math.min(window.start, firstWrite - publishedAt);
      window.end = Math.max(window.end, performance.now() - publishedAt);
      running = version;
    }
    const halfBand = Math.max(100, window.end - window.start);
    let centre = (window.start + window.end) / 2;
    const delays: number[] = [];
    /** old/new: what the restart ran; midUpdate: the kill left a staged package, temp file or replaced package behind. */
    const outcomes = { old: 0, new: 0, midUpdate: 0 };
    const iterations = 50;
    for (let i = 0; i < iterations; i++) {
      const next = String(6 + i);
      // Even iterations: a random point of the band after the publish. Odd ones: a random point of
      // the store's measured stretch after its first write of this update (inotify), so that many
      // kills land inside the update however the band drifts.
      const fromFirstWrite = i % 2 === 1;
      const firstWrite = !fromFirstWrite
        ? Promise.resolve(0)
        : new Promise<number>((resolve) => {
            const seen = () => {
              watcher.close();
              clearTimeout(timer);
              resolve(performance.now());
            };
            const watcher = watch(store, seen);
            const timer = setTimeout(seen, 60_000);
          });
      const publishedAt = performance.now();
      await publisher.publishAsync(otaTopic(device, 'install'), Buffer.from(encodeInstall(`power-${i}`, signedVersion(packages.good, next, key))), { qos: 1 });
      const delay = fromFirstWrite ? (await firstWrite) - publishedAt + Math.random() * (window.end - window.start) : Math.max(0, centre - halfBand + Math.random() * 2 * halfBand);
      delays.push(delay);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, publishedAt + delay - performance.now())));
      await agent.kill();
      const stored = storedVersion(store);
      expect([running, next]).toContain(stored);
      const midUpdate = storeFiles(store).length > 2;
      if (midUpdate) outcomes.midUpdate++;
      else if (!fromFirstWrite) centre += (stored === next ? -halfBand : halfBand) / 4;
      ({ agent, version: running } = await boot());
      expect(running).toBe(stored);
      expect(storeFiles(store)).toEqual(['syscount.current', `syscount@${stored}.mote`]);
      outcomes[stored === next ? 'new' : 'old']++;
    }
    await publisher.endAsync();
    console.log(
      `power loss: ${iterations} updates killed at random ${Math.round(Math.min(...delays))} to ${Math.round(Math.max(...delays))} ms after the publish (the store wrote from ${Math.round(window.start)} to ${Math.round(window.end)} ms after it while calibrating): ` +
        `${outcomes.old} came back with the old version, ${outcomes.new} with the new one, none broken; ` +
        `${outcomes.midUpdate} were killed mid-update (a staged package, temp file or replaced package left for the restart to clean)`,
    );
    expect(outcomes.midUpdate, 'kills that landed between the first write of an update and its cleanup').toBeGreaterThanOrEqual(10);
    expect(outcomes.old, 'restarts that came back with the old version').toBeGreaterThan(0);
    expect(outcomes.new, 'restarts that came back with the new version').toBeGreaterThan(0);
  }, 600_000);
});
