/**
 * `mote-agent setup --user NAME [--state-dir DIR]`: the root work done once before the agent
 * starts as its own user, so that the agent itself needs only CAP_BPF, CAP_PERFMON and
 * CAP_NET_RAW. It mounts bpffs and tracefs where they are missing, gives the user's group read
 * access to what attaching to tracepoints needs in tracefs (kernel/attach/tracefs-access.ts),
 * and makes the state directory (module store, outbox directory) the user's. Every step is
 * idempotent; systemd runs it as `ExecStartPre=+`, the init script before it drops root.
 */
import * as std from 'std';
import type { AgentCommand } from './command.ts';
import { ArgumentError, parseAgentArgs } from './args.ts';
import { findUser } from './system-user.ts';
import { ensureBpffs, BPFFS_MOUNT_POINT } from '../kernel/bpffs.ts';
import { grantTracefsRead } from '../kernel/attach/tracefs-access.ts';
import { MoteError, isSysError } from '../errors.ts';
import type { Sys } from '../sys/types.ts';
import { makeDirectories } from '../kernel/make-directories.ts';

const USAGE = `usage: mote-agent setup --user NAME [--state-dir DIR]

As root, once before every start of the agent as user NAME: mounts bpffs (${BPFFS_MOUNT_POINT}) and
tracefs where they are missing, lets NAME's group read tracefs's event ids, and makes DIR
(default /var/lib/mote: the module store, the outbox directory and the relocation cache) belong
to NAME.`;

export const DEFAULT_STATE_DIR = '/var/lib/mote';

/**
 * mkdir -p `dir`, then gives it (not its parents) to uid:gid, mode 0750, and so its cache
 * directory and the files in it, when a run as root made them first (the agent ignores cache
 * files that are not its own). Returns how many cache files it handed over; null for no cache.
 */
function ownStateDirectory(sys: Sys, dir: string, uid: number, gid: number): number | null {
  makeDirectories(sys, dir, 0o755);
  sys.chown(dir, uid, gid);
  sys.chmod(dir, 0o750);
  const cache = `${dir}/cache`;
  let files: string[];
  try {
    files = sys.readDir(cache);
  } catch (error) {
    if (isSysError(error, 'ENOENT')) return null;
    throw error;
  }
  sys.chown(cache, uid, gid);
  sys.chmod(cache, 0o750);
  for (const file of files) sys.chown(`${cache}/${file}`, uid, gid);
  return files.length;
}

interface SetupOptions {
  name: string;
  stateDir: string;
}

function parseSetupArgs(args: string[]): SetupOptions | 'help' {
  const parsed = parseAgentArgs('setup', args, { user: { value: true }, 'state-dir': { value: true }, help: {} });
  if (parsed.options.help) return 'help';
  const name = parsed.options.user;
  if (typeof name !== 'string' || name === '') throw new ArgumentError('setup: --user NAME is required: the user the agent runs as');
  if (parsed.positionals.length > 0) throw new ArgumentError(`setup: unexpected argument '${parsed.positionals[0]}'`);
  const stateDir = typeof parsed.options['state-dir'] === 'string' ? parsed.options['state-dir'] : DEFAULT_STATE_DIR;
  if (!stateDir.startsWith('/')) throw new ArgumentError(`setup: --state-dir must be an absolute path, not '${stateDir}'`);
  return { name, stateDir };
}

export const setupCommand: AgentCommand = {
  name: 'setup',
  summary: 'as root, once before each start: mounts, tracefs access and the state directory for the agent\'s user',
  run(sys, args) {
    let options: SetupOptions | 'help';
    try {
      options = parseSetupArgs(args);
    } catch (error) {
      if (!(error instanceof ArgumentError)) throw error;
      std.err.puts(`mote-agent ${error.message}\n${USAGE}\n`);
      return 2;
    }
    if (options === 'help') {
      print(USAGE);
      return 0;
    }
    const { name, stateDir } = options;
    if (sys.geteuid() !== 0) throw new MoteError(`must run as root (uid ${sys.geteuid()} here); systemd runs it with ExecStartPre=+, the init script before it starts the agent as '${name}'`);
    const user = findUser(sys, name);
    print(`setup: bpffs at ${BPFFS_MOUNT_POINT} ${ensureBpffs(sys) ? 'mounted' : 'already mounted'}`);
    const tracefs = grantTracefsRead(sys, user.gid);
    print(`setup: tracefs at ${tracefs.root}: group ${user.gid} may search it and read events/header_page and ${tracefs.eventIds} event ids`);
    const cacheFiles = ownStateDirectory(sys, stateDir, user.uid, user.gid);
    print(`setup: ${stateDir} belongs to ${user.name} (${user.uid}:${user.gid}), mode 0750${cacheFiles === null ? '' : `, and so do its cache directory and the ${cacheFiles} file${cacheFiles === 1 ? '' : 's'} in it`}`);
    return 0;
  },
};
