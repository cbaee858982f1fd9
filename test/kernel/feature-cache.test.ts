/**
 * The feature probes' answers kept per kernel (`--cache-dir`), on this machine's real kernel:
 * the first load probes and keeps what the kernel answered (the same answers as `mote-agent
 * features` probing live), the next load probes nothing, and a damaged file is ignored, logged,
 * probed again and written again.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rootSkipReason, runHostAgent } from '../support/agent.ts';
import { kernelFixture } from '../../bundler/fixtures/kernel-fixtures.ts';

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
});
