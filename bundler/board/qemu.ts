/**
 * Boots an emulated board with qemu-system-arm: the board's machine and CPU, user-mode
 * networking (the guest reaches the host at 10.0.2.2), the serial console into a log file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import type { BoardDescriptor } from './descriptor.ts';
import { BoardError } from './descriptor.ts';
import type { BoardImage } from './image.ts';

export interface BootOptions {
  consoleLog: string;
  /** Stop the agent after this many seconds (then the guest powers off). */
  seconds?: number;
  /** Run the workload once (end-to-end tests) or in a loop (the live demo). */
  workload?: boolean | 'loop';
}

export function qemuArgs(board: BoardDescriptor, image: BoardImage, options: BootOptions): string[] {
  const emulation = board.emulation;
  if (!emulation) throw new BoardError(`board '${board.name}' is not emulated`);
  const cmdline = ['console=ttyAMA0', 'quiet', 'panic=-1'];
  if (options.seconds !== undefined) cmdline.push(`mote.seconds=${options.seconds}`);
  if (options.workload) cmdline.push(`mote.workload=${options.workload === 'loop' ? 'loop' : '1'}`);
  return [
    '-M', emulation.qemuMachine, '-cpu', emulation.qemuCpu, '-m', String(emulation.memoryMb),
    '-nographic', '-no-reboot', '-kernel', image.kernel, '-initrd', image.initramfs, '-append', cmdline.join(' '),
    '-netdev', 'user,id=n0', '-device', 'virtio-net-device,netdev=n0',
  ];
}

export function bootBoard(board: BoardDescriptor, image: BoardImage, options: BootOptions): ChildProcess {
  const log = openSync(options.consoleLog, 'w');
  return spawn('qemu-system-arm', qemuArgs(board, image, options), { stdio: ['ignore', log, log] });
}
