/**
 * Decodes CBOR with python3-cbor2, an independent decoder from another ecosystem. Debian's
 * Python modules belong to /usr/bin/python3, which may not be the first python3 on PATH.
 */
import { execFileSync } from 'node:child_process';

const PROGRAM = `
import sys, json, cbor2
def plain(v):
    if isinstance(v, bytes): return {"$bytes": v.hex()}
    if isinstance(v, dict): return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, list): return [plain(x) for x in v]
    if isinstance(v, cbor2.CBORTag): return {"$tag": v.tag, "value": plain(v.value)}
    return v
print(json.dumps(plain(cbor2.loads(bytes.fromhex(sys.stdin.read().strip())))))
`;

/** The value python3-cbor2 decodes from `hex`, as JSON (bytes as {"$bytes": hex}). */
export function decodeWithCbor2(hex: string): unknown {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', PROGRAM], { input: hex, encoding: 'utf8' }));
}
