/** Runs check_cbor.py under Debian's python3 (which has python3-cbor2) over payloads. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./check_cbor.py', import.meta.url));

export type Cbor2Verdict = { ok: true; summary: Record<string, unknown> } | { ok: false; error: string };

export function checkWithCbor2(payloads: Array<['telemetry' | 'status', Uint8Array]>): Cbor2Verdict[] {
  const input = payloads.map(([kind, bytes]) => `${kind} ${Buffer.from(bytes).toString('hex')}\n`).join('');
  const result = spawnSync(PYTHON, [SCRIPT], { input, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`check_cbor.py failed (${result.status}): ${result.stderr}`);
  return result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Cbor2Verdict);
}
