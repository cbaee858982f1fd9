/**
 * tracefsRoot tells its causes apart by errno: tracefs not mounted (with the mount command),
 * mounted but refused to this uid, or not mountable by this uid. A scripted Sys stands in for
 * the kernel; test/agent/skip-reasons.test.ts checks the same on the real one.
 */
import { describe, expect, it } from 'vitest';
import { tracefsRoot } from '../../../agent/src/kernel/attach/tracefs.ts';
import type { Sys } from '../../../agent/src/sys/types.ts';

function sysError(code: string): Error {
  return Object.assign(new Error(`open: ${code}`), { errno: 1, code, call: 'open' });
}

/** A Sys whose header_page reads fail with `readCode` (or succeed when null) and whose mount fails with `mountCode`. */
function scriptedSys(uid: number, readCode: string | null, mountCode: string | null): Sys {
  return {
    geteuid: () => uid,
    readFile: () => {
      if (readCode) throw sysError(readCode);
      return new Uint8Array();
    },
    mount: () => {
      if (mountCode) throw sysError(mountCode);
    },
  } as unknown as Sys;
}

describe('tracefsRoot', () => {
  it('finds a readable mount', () => {
    expect(tracefsRoot(scriptedSys(0, null, null))).toBe('/sys/kernel/tracing');
  });

  it('says a mounted but refused tracefs is not readable by this uid, not that it is missing', () => {
    expect(() => tracefsRoot(scriptedSys(65534, 'EACCES', 'EPERM'))).toThrow(/^tracefs at \/sys\/kernel\/tracing is not readable by uid 65534: run 'mote-agent setup --user <the user of uid 65534>' as root once before starting the agent, or run mote-agent as root$/);
  });

  it('says tracefs is not mounted, and how to mount it, when this uid may not mount it', () => {
    expect(() => tracefsRoot(scriptedSys(1000, 'ENOENT', 'EPERM'))).toThrow(
      "tracefs is not mounted at /sys/kernel/tracing or /sys/kernel/debug/tracing, and uid 1000 may not mount it: mount it as root with 'mount -t tracefs tracefs /sys/kernel/tracing', or run mote-agent as root (it mounts tracefs itself)",
    );
  });

  it('names CONFIG_TRACING when the kernel has no tracefs', () => {
    expect(() => tracefsRoot(scriptedSys(0, 'ENOENT', 'ENODEV'))).toThrow(/this kernel has no tracefs: build it with CONFIG_TRACING/);
  });
});
