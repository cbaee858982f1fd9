/**
 * `mote build --board <name>`: the armhf agent built with the board's CPU flags; for emulated
 * boards also its config and a bootable image.
 */
import { parseArgs } from 'node:util';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { findBoard, loadBoards } from '../../boards/boards.ts';
import { buildBoardAgent } from '../../build/agent.ts';
import { buildBoardImage } from '../../board/image.ts';
import { guestBrokerUrl } from '../../board/guest-broker.ts';

export const BOARD_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  board: { type: 'string' },
  broker: { type: 'string' },
  device: { type: 'string' },
  'interval-ms': { type: 'string' },
  'kernel-suite': { type: 'string' },
} as const;

export function boardConfigFromArgs(values: { broker?: string; device?: string; 'interval-ms'?: string }, board: string) {
  const intervalMs = values['interval-ms'] === undefined ? 1000 : Number(values['interval-ms']);
  if (!Number.isInteger(intervalMs) || intervalMs < 100) throw new UsageError(`--interval-ms must be an integer of at least 100, not '${values['interval-ms']}'`);
  return { broker: guestBrokerUrl(values.broker ?? 'mqtt://localhost:1883'), device: values.device ?? `${board}-1`, intervalMs };
}

export const buildCommand: Command = {
  name: 'build',
  summary: 'build the armhf agent, a config and a bootable image for a board',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: BOARD_OPTIONS });
    if (values.help || !values.board) {
      const boards = loadBoards().map((b) => `${b.name}${b.emulation ? ' (emulated)' : ''}`).join(', ');
      console.log(`usage: mote build --board <name> [--broker URL] [--device ID] [--interval-ms N] [--kernel-suite S]\n\nBoards: ${boards}.\nWrites build/boards/<name>/: mote-agent, config.json, initramfs.cpio.gz and the kernel it boots.\nA broker on the host's loopback becomes 10.0.2.2 for the guest.\n--kernel-suite boots that Debian suite's armhf kernel (default bookworm; bullseye, trixie), with its BTF on the image's disk.`);
      return values.help ? 0 : 2;
    }
    const board = findBoard(values.board);
    if (!board.emulation) {
      const agent = await buildBoardAgent(board.name, board.compiler.cpuFlags);
      console.log(`[board] ${board.name}: ${agent}; install it on the device, or with the Yocto layer (yocto/meta-mote, MACHINE = "${board.yoctoMachine}")`);
      return 0;
    }
    const image = await buildBoardImage(board, boardConfigFromArgs(values, board.name), console.log, { kernelSuite: values['kernel-suite'] });
    console.log(`[board] ${image.dir}: kernel ${image.release}, initramfs ${image.initramfs}`);
    return 0;
  },
};
