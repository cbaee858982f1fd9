/**
 * tracefs: where it is mounted, tracepoint ids, and legacy kprobe/uprobe events written to
 * kprobe_events/uprobe_events when the kernel has no perf kprobe/uprobe PMU.
 */
import type { Sys } from '../../sys/types.ts';
import { isSysError } from '../../sys/errors.ts';
import { AttachError } from '../errors.ts';

/** O_WRONLY | O_APPEND: the same values on x86_64 and ARM. */
const O_WRONLY_APPEND = 0o1 | 0o2000;

const MOUNT_POINTS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

export function tracefsRoot(sys: Sys): string {
  for (const root of MOUNT_POINTS) {
    try {
      sys.readFile(`${root}/events/header_page`);
      return root;
    } catch (error) {
      if (!isSysError(error)) throw error;
    }
  }
  throw new AttachError(`tracefs is not mounted at ${MOUNT_POINTS.join(' or ')}; mount it with 'mount -t tracefs tracefs /sys/kernel/tracing'`);
}

export function readText(sys: Sys, path: string): string {
  return String.fromCharCode(...sys.readFile(path)).trim();
}

/** The numeric id of tracepoint `category/name`. */
export function tracepointId(sys: Sys, category: string, name: string): number {
  const path = `${tracefsRoot(sys)}/events/${category}/${name}/id`;
  try {
    return Number(readText(sys, path));
  } catch (error) {
    if (isSysError(error, 'ENOENT')) throw new AttachError(`tracepoint ${category}/${name} does not exist on this kernel (no ${path}); check the name in ${tracefsRoot(sys)}/available_events`);
    throw error;
  }
}

/** Appends a line to a tracefs control file such as kprobe_events. */
export function writeTracefsLine(sys: Sys, file: string, line: string): void {
  const fd = sys.open(`${tracefsRoot(sys)}/${file}`, O_WRONLY_APPEND, 0);
  try {
    const bytes = new Uint8Array(line.length + 1);
    for (let i = 0; i < line.length; i++) bytes[i] = line.charCodeAt(i) & 0xff;
    bytes[line.length] = 10;
    sys.write(fd, bytes);
  } finally {
    sys.close(fd);
  }
}
