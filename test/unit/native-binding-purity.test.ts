/**
 * The C binding is mechanism only: it must not know BPF map types, program types, MQTT or
 * CBOR. Those live in the TypeScript agent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../../bundler/paths.ts';

const FORBIDDEN = [
  /BPF_MAP_TYPE/i, /BPF_PROG_TYPE/i, /\b(percpu|ringbuf|lru_hash|prog_array|stack_trace|perf_event_array|array_of_maps|hash_of_maps)\b/i,
  /\bmqtt\b/i, /\bcbor\b/i, /BPF_MAP_(CREATE|LOOKUP|UPDATE)/,
];

it('native-arm/ names no map type, program type, MQTT or CBOR', () => {
  const dir = join(repoRoot, 'native-arm');
  const hits: string[] = [];
  for (const file of readdirSync(dir)) {
    readFileSync(join(dir, file), 'utf8').split('\n').forEach((line, index) => {
      if (FORBIDDEN.some((pattern) => pattern.test(line))) hits.push(`${file}:${index + 1}: ${line.trim()}`);
    });
  }
  expect(hits).toEqual([]);
});
