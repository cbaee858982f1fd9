/**
 * The host mote-agent compiles JavaScript source at run time: `doctor`'s js-compiler check builds
 * a field reader as source from a layout, compiles it with new Function, and evaluates with eval.
 * Decoders generated on the device depend on it; a QuickJS context without the eval intrinsic
 * fails this check (new Function throws there).
 */
import { expect, it } from 'vitest';
import { runHostAgent } from '../support/agent.ts';

interface Check { name: string; status: string; detail: string; data?: Record<string, unknown> }

it('compiles a generated field reader with new Function and runs eval', () => {
  // Other checks (BPF maps) need root; this one does not, so only its result is asserted.
  const run = runHostAgent(['doctor', '--json']);
  expect(run.stderr).toBe('');
  const compiler = (JSON.parse(run.stdout).checks as Check[]).find((c) => c.name === 'js-compiler');
  expect(compiler?.detail).toBe('new Function and eval compile source at run time');
  expect(compiler?.status).toBe('pass');
  expect(compiler?.data).toEqual({
    source: 'return { pid: view.getUint32(0, true), delta: view.getInt16(4, true) };',
    record: { pid: 12345, delta: -2 },
    evaluated: 42,
  });
});
