/**
 * The tests' bridge to python3-lz4, the Python binding of liblz4 (LZ4's reference implementation):
 * compress blocks (fast and high-compression modes, without a stored size) and decompress blocks
 * to a known size, many in one python3 process. Debian's Python modules belong to /usr/bin/python3,
 * which may not be the first python3 on PATH.
 */
import { spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';

/**
 * Reads requests from stdin, each an operation byte ('c' compress, 'h' compress in
 * high_compression mode, 'd' decompress), a size and a length (u32 LE each), then the bytes;
 * for each writes 1, the result's length (u32 LE) and the result, or 0 and a length of 0 where
 * liblz4 refused the block.
 */
const SERVE = `
import sys, struct, lz4.block
src, dst = sys.stdin.buffer, sys.stdout.buffer
while True:
    head = src.read(9)
    if len(head) < 9:
        break
    op, (size, length) = head[0:1], struct.unpack('<II', head[1:])
    data = src.read(length)
    try:
        if op == b'd':
            result = lz4.block.decompress(data, uncompressed_size=size)
        elif op == b'c':
            result = lz4.block.compress(data, store_size=False)
        else:
            result = lz4.block.compress(data, store_size=False, mode='high_compression')
        dst.write(struct.pack('<BI', 1, len(result)) + result)
    except lz4.block.LZ4BlockError:
        dst.write(struct.pack('<BI', 0, 0))
`;

export type Lz4Request = { op: 'compress' | 'compress-hc'; data: Uint8Array } | { op: 'decompress'; data: Uint8Array; size: number };

/** Why python3-lz4 cannot be used here, or null when it can. */
export function pythonLz4SkipReason(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import lz4.block'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} is missing (${probe.error.message}): install python3 and python3-lz4 (bundler/debian-packages.txt)`;
  return probe.status === 0 ? null : `python3-lz4 is missing (${probe.stderr.trim().split('\n').pop()}): 'apt-get install python3-lz4' (bundler/debian-packages.txt lists it)`;
}

/** The version of liblz4 python3-lz4 is built against, e.g. "1.9.4". */
export function liblz4Version(): string {
  return spawnSync(PYTHON, ['-c', 'import lz4; print(lz4.library_version_string())'], { encoding: 'utf8' }).stdout.trim();
}

/** Runs the requests through liblz4: each result, or null where liblz4 refused the block. */
export function runLz4(requests: Lz4Request[]): (Buffer | null)[] {
  const input = Buffer.concat(requests.flatMap((request) => {
    const head = Buffer.alloc(9);
    head.write(request.op === 'decompress' ? 'd' : request.op === 'compress' ? 'c' : 'h', 0, 'latin1');
    head.writeUInt32LE(request.op === 'decompress' ? request.size : 0, 1);
    head.writeUInt32LE(request.data.length, 5);
    return [head, request.data];
  }));
  const result = spawnSync(PYTHON, ['-c', SERVE], { input, maxBuffer: 256 << 20 });
  if (result.status !== 0) throw new Error(`python3-lz4 failed (exit ${result.status}): ${result.stderr.toString()}`);
  const output = result.stdout;
  let at = 0;
  return requests.map(() => {
    const ok = output[at] === 1;
    const length = output.readUInt32LE(at + 1);
    at += 5 + length;
    return ok ? output.subarray(at - length, at) : null;
  });
}
