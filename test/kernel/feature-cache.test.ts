/**
 * The feature probes' answers kept per kernel (`--cache-dir`), on this machine's real kernel:
 * the first load probes and keeps what the kernel answered (the same answers as `mote-agent
 * features` probing live), the next load probes nothing, and a damaged file, another agent
 * build's, one another user owns or one others may write is ignored, logged, probed again and
 * written again.
 */
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rootSkipReason, runHostAgent } from '../support/agent.ts';
import { kernelFixture } from '../../bundler/fixtures/kernel-fixtures.ts';
import { cacheFileText } from '../support/agent-cache-file.ts';

const skipReason = rootSkipReason();
if (skipReason) console.warn(`skipping feature cache tests: ${skipReason}`);

interface Counts { probed: number; remembered: number }

describe.skipIf(skipReason !== null)('the feature cache on the real kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mote-feature-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let object = '';

  const load = (): { counts: Counts; stderr: string } => {
    const run = runHostAgent(['load', object, '--no-attach', '--seconds', '0', '--json', '--cache-dir', dir], 120_000);
    expect(run.stdout, run.stderr).not.toBe('');
    return { counts: JSON.parse(run.stdout).featureProbes as Counts, stderr: run.stderr };
  };
  const featureFile = () => join(dir, readdirSync(dir).find((name) => name.startsWith('features-'))!);

  it('probes on the first load and keeps the answers the kernel gives live', async () => {
    object = await kernelFixture('attach_all', { TRIGGER_PATH: '"/bin/true"' });
    const first = load().counts;
    expect(first.remembered).toBe(0);
    expect(first.probed).toBeGreaterThan(0);
    const kept = JSON.parse(readFileSync(featureFile(), 'utf8').split('\n')[1]!).results as Record<string, { state: string }>;
    expect(Object.keys(kept)).toHaveLength(first.probed);
    const live = runHostAgent(['features', '--json']);
    const states = Object.fromEntries((JSON.parse(live.stdout).features as { name: string; state: string }[]).map((f) => [f.name, f.state]));
    for (const [name, answer] of Object.entries(kept)) expect([name, answer.state]).toEqual([name, states[name]]);
  });

  it('probes nothing on the next load', () => {
    const next = load().counts;
    expect(next.probed).toBe(0);
    expect(next.remembered).toBeGreaterThan(0);
  });

  it('ignores a damaged file, says so, probes again and keeps the answers again', () => {
    const path = featureFile();
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, 40));
    const damaged = load();
    expect(damaged.counts).toMatchObject({ remembered: 0 });
    expect(damaged.counts.probed).toBeGreaterThan(0);
    expect(damaged.stderr).toMatch(/feature cache .*features-[0-9a-f]{16}\.json: ignored, its digest does not match its contents .*; probing again/);
    expect(load().counts.probed).toBe(0);
  });

  it('ignores the answers another agent build kept, probes again and keeps its own', () => {
    const path = featureFile();
    const body = JSON.parse(readFileSync(path, 'utf8').split('\n')[1]!);
    expect(typeof body.agent).toBe('string');
    writeFileSync(path, cacheFileText({ ...body, agent: `${body.agent}-older` }));
    const other = load();
    expect(other.counts).toMatchObject({ remembered: 0 });
    expect(other.counts.probed).toBeGreaterThan(0);
    expect(other.stderr).toContain(`another agent build's answers (${body.agent}-older); probing again`);
    expect(JSON.parse(readFileSync(path, 'utf8').split('\n')[1]!).agent).toBe(body.agent);
    expect(load().counts.probed).toBe(0);
  });

  it.each([
    ['another user owns', (path: string) => chownSync(path, 65534, 65534), /belongs to uid 65534, not to the agent's uid 0/],
    ['others may write', (path: string) => chmodSync(path, 0o666), /others may write it \(mode 666\)/],
  ])('ignores a file %s, probes again and writes its own', (_, change, reason) => {
    const path = featureFile();
    change(path);
    const ignored = load();
    expect(ignored.counts).toMatchObject({ remembered: 0 });
    expect(ignored.stderr).toMatch(reason);
    expect(statSync(path)).toMatchObject({ uid: 0 });
    expect(statSync(path).mode & 0o022).toBe(0);
    expect(load().counts.probed).toBe(0);
  });
});
