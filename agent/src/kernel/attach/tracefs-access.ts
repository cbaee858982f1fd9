/**
 * Read access to tracefs for the agent's group, so that an agent that is not root can attach to
 * tracepoints. tracefs is often mounted mode 0700 for root only; attaching a BPF program to a
 * tracepoint needs CAP_BPF and CAP_PERFMON and, from tracefs, only the event's numeric id (and
 * events/header_page, which tells that tracefs answers). So the group gets:
 *   - search (x) on the mount point and on any events/ directory others cannot search;
 *   - read on events/header_page and on every events/<category>/<event>/id.
 * Every id, not only those of the built-in modules: a module installed over the air may attach
 * anywhere, and an id is a number that grants nothing by itself. `enable`, `filter`, `format`,
 * `trace` and the control files stay root's. tracefs forgets all of this when it is mounted again,
 * so `mote-agent setup` runs before every start.
 */
import type { Sys } from '../../sys/types.ts';
import { isSysError } from '../../errors.ts';
import { tracefsRoot } from './tracefs.ts';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const GROUP_SEARCH = 0o010;
const GROUP_READ = 0o040;
const OTHERS_SEARCH = 0o001;

export interface TracefsGrant {
  root: string;
  /** How many event ids the group may now read. */
  eventIds: number;
}

function isDirectory(sys: Sys, path: string): { directory: boolean; mode: number } {
  const { mode } = sys.stat(path);
  return { directory: (mode & S_IFMT) === S_IFDIR, mode };
}

/** Mounts tracefs if needed and lets group `groupId` read what attaching to tracepoints needs. */
export function grantTracefsRead(sys: Sys, groupId: number): TracefsGrant {
  /** Gives the group search on `path` (a directory) or read (a file), keeping the other mode bits. */
  const grant = (path: string, bits: number) => {
    const { mode } = sys.stat(path);
    sys.chown(path, -1, groupId);
    sys.chmod(path, (mode & 0o7777) | bits);
  };
  const root = tracefsRoot(sys);
  const events = `${root}/events`;
  grant(root, GROUP_SEARCH);
  if ((sys.stat(events).mode & OTHERS_SEARCH) === 0) grant(events, GROUP_SEARCH);
  grant(`${events}/header_page`, GROUP_READ);
  let eventIds = 0;
  for (const category of sys.readDir(events)) {
    const categoryPath = `${events}/${category}`;
    const { directory, mode } = isDirectory(sys, categoryPath);
    if (!directory) continue;
    if ((mode & OTHERS_SEARCH) === 0) grant(categoryPath, GROUP_SEARCH);
    for (const event of sys.readDir(categoryPath)) {
      const eventPath = `${categoryPath}/${event}`;
      const entry = isDirectory(sys, eventPath);
      if (!entry.directory) continue;
      if ((entry.mode & OTHERS_SEARCH) === 0) grant(eventPath, GROUP_SEARCH);
      try {
        grant(`${eventPath}/id`, GROUP_READ);
        eventIds++;
      } catch (error) {
        if (!isSysError(error, 'ENOENT')) throw error;
      }
    }
  }
  return { root, eventIds };
}
