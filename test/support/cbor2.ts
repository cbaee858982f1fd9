/**
 * The tests' one bridge to python3-cbor2, an independent CBOR implementation from another
 * ecosystem: decode a payload, re-encode it canonically, or check telemetry and status payloads
 * against schema.cddl (check_cbor.py). Debian's Python modules belong to /usr/bin/python3, which
 * may not be the first python3 on PATH.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const CHECK_SCRIPT = fileURLToPath(new URL('./check_cbor.py', import.meta.url));

const DECODE = `
import sys, json, cbor2
def plain(v):
    if isinstance(v, bytes): return {"$bytes": v.hex()}
    if isinstance(v, dict): return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, list): return [plain(x) for x in v]
    if isinstance(v, cbor2.CBORTag): return {"$tag": v.tag, "value": plain(v.value)}
    return v
print(json.dumps(plain(cbor2.loads(bytes.fromhex(sys.stdin.read().strip())))))
`;

const CANONICAL = 'import sys, cbor2; sys.stdout.write(cbor2.dumps(cbor2.loads(bytes.fromhex(sys.stdin.read())), canonical=True).hex())';

/** Runs python3 with `args` on `input`; its stdout, or an error with its stderr. */
function python(args: string[], input: string): string {
  const result = spawnSync(PYTHON, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`python3-cbor2 failed (exit ${result.status}): ${result.stderr}`);
  return result.stdout;
}

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The value python3-cbor2 decodes from `hex`, as JSON (bytes as {"$bytes": hex}). */
export function decodeWithCbor2(hex: string): unknown {
  return JSON.parse(python(['-c', DECODE], hex));
}

/** `bytes` decoded and re-encoded canonically by python3-cbor2, as hex. */
export function canonicalWithCbor2(bytes: Uint8Array): string {
  return python(['-c', CANONICAL], hexOf(bytes));
}

export type Cbor2Verdict = { ok: true; summary: Record<string, unknown> } | { ok: false; error: string };

/** check_cbor.py's verdict on each payload: plain CBOR, shortest form, shaped as schema.cddl says. */
export function checkWithCbor2(payloads: Array<['telemetry' | 'status', Uint8Array]>): Cbor2Verdict[] {
  const input = payloads.map(([kind, bytes]) => `${kind} ${hexOf(bytes)}\n`).join('');
  return python([CHECK_SCRIPT], input).trim().split('\n').map((line) => JSON.parse(line) as Cbor2Verdict);
}
