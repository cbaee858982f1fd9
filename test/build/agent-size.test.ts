/**
 * The armhf link map splits mote-agent into its parts; the parts must account for the file
 * (stripped, so everything counted is code or data) and each part must be present.
 */
import { readFileSync, statSync } from 'node:fs';
import { expect, it } from 'vitest';
import { bytesPerShare } from '../../bundler/build/link-map.ts';
import { agentBinary } from '../support/agent.ts';

it('attributes the armhf binary to QuickJS, binding, bytecode, modules, TLS and libc', () => {
  const shares = bytesPerShare(readFileSync(`${agentBinary.armhf}.map`, 'utf8'));
  const fileBytes = statSync(agentBinary.armhf).size;
  const counted = [...shares.values()].reduce((a, b) => a + b, 0);
  expect([...shares.keys()].sort()).toEqual(['QuickJS', 'TLS (mbedTLS)', 'binding', 'bytecode', 'libc (musl, libgcc)', 'modules (BPF objects, BTF)']);
  for (const bytes of shares.values()) expect(bytes).toBeGreaterThan(1000);
  expect(counted).toBeLessThanOrEqual(fileBytes);
  expect(counted).toBeGreaterThan(fileBytes * 0.95);
});

it('rejects a file that is not a link map, saying how to make one', () => {
  expect(() => bytesPerShare('hello')).toThrow(/-Wl,-Map/);
});
