/**
 * tracefs: where it is mounted, tracepoint ids, and legacy kprobe/uprobe events written to
 * kprobe_events/uprobe_events when the kernel has no perf kprobe/uprobe PMU.
 */
import type { Sys } from '../../sys/types.ts';
import { isSysError } from '../../sys/errors.ts';
import { decodeUtf8 } from '../../elf/byte-reader.ts';
import { AttachError } from '../errors.ts';

/** O_WRONLY | O_APPEND: the same values on x86_64 and ARM. */
const O_WRONLY_APPEND = 0o1 | 0o2000;

const MOUNT_POINTS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

function mounted(sys: Sys, root: string): boolean {
  try {
    sys.readFile(`${root}/events/header_page`);
    return true;
  } catch (error) {
    if (isSysError(error)) return false;
    throw error;
  }
}

/** The tracefs mount point; mounts tracefs at /sys/kernel/tracing when it is nowhere yet. */
export function tracefsRoot(sys: Sys): string {
  const found = MOUNT_POINTS.find((root) => mounted(sys, root));
  if (found) return found;
  try {
    sys.mount('tracefs', MOUNT_POINTS[0], 'tracefs');
  } catch (error) {
    if (!isSysError(error)) throw error;
    throw new AttachError(`tracefs is not mounted at ${MOUNT_POINTS.join(' or ')}, and mounting it failed (${error.message}); mount it with 'mount -t tracefs tracefs ${MOUNT_POINTS[0]}' (needs CONFIG_TRACING)`);
  }
  if (!mounted(sys, MOUNT_POINTS[0])) throw new AttachError(`tracefs mounted at ${MOUNT_POINTS[0]} has no events/; the kernel needs CONFIG_TRACING and CONFIG_EVENT_TRACING`);
  return MOUNT_POINTS[0];
}

export function readText(sys: Sys, path: string): string {
  return decodeUtf8(sys.readFile(path)).trim();
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
