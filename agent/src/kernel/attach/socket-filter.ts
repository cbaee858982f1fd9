/**
 * Socket filters: an AF_PACKET raw socket bound to one interface (all protocols), with the
 * program attached by SO_ATTACH_BPF. The program sees every packet on that interface.
 */
import type { Sys } from '../../sys/types.ts';
import { AttachError } from '../errors.ts';
import { FdLink, type Link } from './link.ts';
import { readText } from './tracefs.ts';
import { isSysError } from '../../errors.ts';

/** These socket constants have the same values on x86_64 and ARM. */
const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOL_SOCKET = 1;
const SO_ATTACH_BPF = 50;
const ETH_P_ALL = 0x0003;

function htons(value: number): number {
  return ((value & 0xff) << 8) | ((value >> 8) & 0xff);
}

export function interfaceIndex(sys: Sys, name: string): number {
  try {
    return Number(readText(sys, `/sys/class/net/${name}/ifindex`));
  } catch {
    throw new AttachError(`network interface '${name}' not found (no /sys/class/net/${name}); list them with 'ip link'`);
  }
}

/** An AF_PACKET socket; one that this uid may not open says so, and what to do. */
function packetSocket(sys: Sys, interfaceName: string): number {
  try {
    return sys.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  } catch (error) {
    if (!isSysError(error, 'EPERM')) throw error;
    throw new AttachError(`socket filter on '${interfaceName}': uid ${sys.geteuid()} may not open a packet socket (EPERM); run mote-agent as root, or give it CAP_NET_RAW`);
  }
}

export function attachSocketFilter(sys: Sys, progFd: number, interfaceName: string): Link {
  const ifindex = interfaceIndex(sys, interfaceName);
  const fd = packetSocket(sys, interfaceName);
  try {
    const value = new Uint8Array(4);
    new DataView(value.buffer).setUint32(0, progFd, true);
    sys.setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, value);
    // struct sockaddr_ll: family, protocol (network order), ifindex, then zeros.
    const address = new Uint8Array(20);
    const view = new DataView(address.buffer);
    view.setUint16(0, AF_PACKET, true);
    view.setUint16(2, htons(ETH_P_ALL), true);
    view.setInt32(4, ifindex, true);
    sys.bind(fd, address);
  } catch (error) {
    sys.close(fd);
    throw error;
  }
  return new FdLink(sys, `socket filter on ${interfaceName}`, [fd]);
}
