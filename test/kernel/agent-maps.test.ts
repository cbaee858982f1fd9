/**
 * The host mote-agent against this machine's real kernel: through the mote:sys binding it
 * creates an array and a hash map, writes and reads them back, and reports an invalid map
 * type as SysError with EINVAL (`mote-agent doctor --json`).
 */
import { describe, expect, it } from 'vitest';
import { rootSkipReason, runHostAgent } from '../support/agent.ts';

interface Check { name: string; status: string; detail: string; data?: Record<string, unknown> }

const skipReason = rootSkipReason();
if (skipReason) console.warn(`skipping kernel map tests: ${skipReason}`);

describe.skipIf(skipReason !== null)('host mote-agent on the real kernel', () => {
  const run = runHostAgent(['doctor', '--json']);
  const checks: Check[] = run.stdout ? JSON.parse(run.stdout).checks : [];
  const check = (name: string) => checks.find((c) => c.name === name);

  it('exits 0 with every check passing', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['uname', 'pass'], ['cbor', 'pass'], ['js-compiler', 'pass'], ['bpf-maps', 'pass'], ['error-reporting', 'pass'],
    ]);
  });

  it('reads back from BPF array and hash maps the values it wrote', () => {
    const values = ['1234605616436508552', '7', '18446744073709551615'];
    expect(check('bpf-maps')?.data).toEqual({ array: values, hash: values, absentKey: 'absent' });
  });

  it('surfaces an invalid map type as SysError with EINVAL from bpf', () => {
    expect(check('error-reporting')?.data).toMatchObject({ class: 'SysError', errno: 22, code: 'EINVAL', call: 'bpf' });
  });

  it('reports the same kernel release as the host', async () => {
    const { release } = await import('node:os');
    expect((check('uname')?.data as { release: string }).release).toBe(release());
  });
});
