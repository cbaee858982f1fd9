/**
 * The default device id: the systemd/D-Bus machine id (/etc/machine-id), else the host name.
 * Either must fit one MQTT topic level; the caller checks.
 */
import type { Sys } from '../sys/types.ts';
import { decodeUtf8 } from '../bytes/utf8.ts';

export const MACHINE_ID_PATH = '/etc/machine-id';

export function defaultDeviceId(sys: Sys): string {
  try {
    const id = decodeUtf8(sys.readFile(MACHINE_ID_PATH)).trim();
    if (id !== '') return id;
  } catch {
    // No machine id on this device (many minimal images): the host name serves.
  }
  return sys.uname().nodename;
}
