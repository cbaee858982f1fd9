/**
 * The feature probe table against this machine's real kernel: every feature introduced at or
 * before the running version is reported supported, except those that also depend on kernel
 * options, which must agree with what sysfs shows.
 */
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { rootSkipReason, runHostAgent } from '../support/agent.ts';

interface FeatureRow { name: string; minimumKernel: string; state: string; detail: string }

const skipReason = rootSkipReason();
if (skipReason) console.warn(`skipping feature probe tests: ${skipReason}`);

function version(text: string): number {
  const [major, minor] = text.split(/[.-]/).map(Number);
  return major * 1000 + minor;
}

/** Features whose presence hangs on kernel options, and what sysfs says of them here. */
const CONFIG_DEPENDENT: Record<string, boolean> = {
  'perf kprobe PMU': existsSync('/sys/bus/event_source/devices/kprobe'),
  'perf uprobe PMU': existsSync('/sys/bus/event_source/devices/uprobe'),
};

describe.skipIf(skipReason !== null)('feature probes on the real kernel', () => {
  const run = runHostAgent(['features', '--json']);
  const rows: FeatureRow[] = run.status === 0 ? JSON.parse(run.stdout).features : [];

  it('runs every probe without a failed probe', () => {
    expect(run.stderr).toBe('');
    expect(rows.length).toBeGreaterThanOrEqual(20);
    expect(rows.filter((r) => r.state === 'probe-failed')).toEqual([]);
  });

  it('reports supported everything this kernel version has', () => {
    const running = version(release());
    const expected = rows.filter((r) => !(r.name in CONFIG_DEPENDENT) && version(r.minimumKernel) <= running);
    expect(expected.length).toBeGreaterThan(15);
    expect(expected.filter((r) => r.state !== 'supported')).toEqual([]);
  });

  it('agrees with sysfs on features that hang on kernel options, and names the option', () => {
    for (const [name, present] of Object.entries(CONFIG_DEPENDENT)) {
      const row = rows.find((r) => r.name === name);
      expect(row?.state, name).toBe(present ? 'supported' : 'not-supported');
      if (!present) expect(row?.detail).toMatch(/CONFIG_/);
    }
  });
});
