/**
 * A local user by name, from /etc/passwd (the agent is static and has no NSS): its uid and
 * primary gid, for `mote-agent setup --user NAME`.
 */
import type { Sys } from '../sys/types.ts';
import { MoteError, isSysError } from '../errors.ts';
import { decodeUtf8 } from '../bytes/utf8.ts';

export class UserError extends MoteError {}

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

export function findUser(sys: Sys, name: string, passwdPath = '/etc/passwd'): SystemUser {
  let text: string;
  try {
    text = decodeUtf8(sys.readFile(passwdPath));
  } catch (error) {
    if (!isSysError(error)) throw error;
    throw new UserError(`cannot read ${passwdPath} (${error.message}) to look up user '${name}'`);
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] !== name || fields.length < 4) continue;
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new UserError(`${passwdPath}: the line of user '${name}' has no numeric uid and gid`);
    return { name, uid, gid };
  }
  throw new UserError(`no user '${name}' in ${passwdPath}: create it first (e.g. 'useradd --system --user-group --no-create-home --shell /usr/sbin/nologin ${name}')`);
}
