/**
 * Boots an emulated board with qemu-system-arm: the board's machine and CPU, its device tree,
 * user-mode networking through the board's own network device (the guest reaches the host at
 * 10.0.2.2), the serial console into a log file.
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
  /** Set net.core.bpf_jit_enable before the agent starts (1: JIT, 0: the BPF interpreter); the kernel's default otherwise. */
  jit?: boolean;
}

export function qemuArgs(board: BoardDescriptor, image: BoardImage, options: BootOptions): string[] {
  const emulation = board.emulation;
  if (!emulation) throw new BoardError(`board '${board.name}' is not emulated`);
  const cmdline = [`console=${emulation.console}`, 'quiet', 'panic=-1', ...(emulation.kernelArgs ?? [])];
  if (options.seconds !== undefined) cmdline.push(`mote.seconds=${options.seconds}`);
  if (options.workload) cmdline.push(`mote.workload=${options.workload === 'loop' ? 'loop' : '1'}`);
  if (options.jit !== undefined) cmdline.push(`mote.jit=${options.jit ? 1 : 0}`);
  return [
    '-M', emulation.qemuMachine, ...(emulation.qemuCpu ? ['-cpu', emulation.qemuCpu] : []), '-m', String(emulation.memoryMb), ...(emulation.qemuArgs ?? []),
    '-nographic', '-no-reboot', '-kernel', image.kernel, ...(image.dtb ? ['-dtb', image.dtb] : []), '-initrd', image.initramfs, '-append', cmdline.join(' '),
    ...emulation.network.qemuArgs,
  ];
}

export function bootBoard(board: BoardDescriptor, image: BoardImage, options: BootOptions): ChildProcess {
  const log = openSync(options.consoleLog, 'w');
  // No sound: some machines (vexpress) have an audio codec, and the console log is no place for its host-side errors.
  return spawn('qemu-system-arm', qemuArgs(board, image, options), { stdio: ['ignore', log, log], env: { ...process.env, QEMU_AUDIO_DRV: 'none' } });
}
