/**
 * tracefs: where it is mounted, tracepoint ids, and legacy kprobe/uprobe events written to
 * kprobe_events/uprobe_events when the kernel has no perf kprobe/uprobe PMU.
 */
import type { Sys } from '../../sys/types.ts';
import { AttachError } from '../errors.ts';
import { decodeUtf8 } from '../../bytes/utf8.ts';
import { type SysError, isSysError } from '../../errors.ts';

/** O_WRONLY | O_APPEND: the same values on x86_64 and ARM. */
const O_WRONLY_APPEND = 0o1 | 0o2000;

const MOUNT_POINTS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];
const MOUNT_COMMAND = `mount -t tracefs tracefs ${MOUNT_POINTS[0]}`;

/** Whether tracefs answers at `root`: its events/header_page reads, is missing, or is refused. */
function probe(sys: Sys, root: string): 'mounted' | 'absent' | 'refused' {
  try {
    sys.readFile(`${root}/events/header_page`);
    return 'mounted';
  } catch (error) {
    if (isSysError(error, 'EACCES') || isSysError(error, 'EPERM')) return 'refused';
    if (isSysError(error)) return 'absent';
    throw error;
  }
}

function notReadable(sys: Sys, root: string): AttachError {
  const uid = sys.geteuid();
  return new AttachError(`tracefs at ${root} is not readable by uid ${uid}: run 'mote-agent setup --user <the user of uid ${uid}>' as root once before starting the agent, or run mote-agent as root`);
}

function notMounted(sys: Sys, mountError: SysError): AttachError {
  const where = `tracefs is not mounted at ${MOUNT_POINTS.join(' or ')}`;
  const uid = sys.geteuid();
  if (mountError.code === 'EPERM') {
    const asRoot = uid === 0 ? ' (this process lacks CAP_SYS_ADMIN)' : ', or run mote-agent as root (it mounts tracefs itself)';
    return new AttachError(`${where}, and uid ${uid} may not mount it: mount it as root with '${MOUNT_COMMAND}'${asRoot}`);
  }
  if (mountError.code === 'ENODEV') return new AttachError(`${where}, and this kernel has no tracefs: build it with CONFIG_TRACING`);
  return new AttachError(`${where}, and mounting it failed (${mountError.message}): mount it with '${MOUNT_COMMAND}'`);
}

/**
 * The tracefs mount point; mounts tracefs at /sys/kernel/tracing when it is nowhere yet. Tells
 * "not mounted" (with the mount command) from "mounted but not readable by this uid" by errno.
 */
export function tracefsRoot(sys: Sys): string {
  for (const root of MOUNT_POINTS) {
    const state = probe(sys, root);
    if (state === 'mounted') return root;
    if (state === 'refused') throw notReadable(sys, root);
  }
  try {
    sys.mount('tracefs', MOUNT_POINTS[0], 'tracefs');
  } catch (error) {
    if (!isSysError(error)) throw error;
    throw notMounted(sys, error);
  }
  if (probe(sys, MOUNT_POINTS[0]) !== 'mounted') throw new AttachError(`tracefs mounted at ${MOUNT_POINTS[0]} has no events/; the kernel needs CONFIG_TRACING and CONFIG_EVENT_TRACING`);
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
