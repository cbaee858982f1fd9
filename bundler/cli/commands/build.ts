/**
 * `mote build --board <name>`: the armhf agent built with the board's CPU flags; for emulated
 * boards also its config and a bootable image.
 */
import type { Command } from '../command.ts';
import { loadBoards } from '../../board/board-catalog.ts';
import { buildBoardAgent } from '../../build/agent.ts';
import { buildBoardImage } from '../../board/image.ts';
import { guestBrokerUrl } from '../../board/guest-broker.ts';
import { KERNEL_SUITES } from '../../btf/debian-suite.ts';
import { boardOption, brokerOption, choiceOption, integerOption, parseCommandLine, requiredOption } from '../options.ts';

export const BOARD_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  board: { type: 'string' },
  broker: { type: 'string', default: 'mqtt://localhost:1883' },
  device: { type: 'string' },
  'interval-ms': { type: 'string', default: '1000' },
  'kernel-suite': { type: 'string' },
} as const;

/** The board, its agent's config and the kernel suite from BOARD_OPTIONS, all checked. */
export function boardFromArgs(values: { board?: string; broker: string; device?: string; 'interval-ms': string; 'kernel-suite'?: string }) {
  const board = boardOption(requiredOption(values.board, '--board <name>'));
  const config = { broker: guestBrokerUrl(brokerOption(values.broker)), device: values.device ?? `${board.name}-1`, intervalMs: integerOption('interval-ms', values['interval-ms'], 100) };
  const kernelSuite = values['kernel-suite'] === undefined ? undefined : choiceOption('kernel-suite', values['kernel-suite'], KERNEL_SUITES);
  return { board, config, kernelSuite };
}

export const buildCommand: Command = {
  name: 'build',
  summary: 'build the armhf agent, a config and a bootable image for a board',
  async run(argv) {
    const { values } = parseCommandLine(argv, BOARD_OPTIONS);
    if (values.help) {
      const boards = loadBoards().map((b) => `${b.name}${b.emulation ? ' (emulated)' : ''}`).join(', ');
      console.log(`usage: mote build --board <name> [--broker URL] [--device ID] [--interval-ms N] [--kernel-suite S]\n\nBoards: ${boards}.\nWrites build/boards/<name>/: mote-agent, config.json, initramfs.cpio.gz and the kernel it boots.\nA broker on the host's loopback becomes 10.0.2.2 for the guest.\n--kernel-suite boots that Debian suite's armhf kernel (default bookworm; bullseye, trixie), with its BTF on the image's disk.`);
      return 0;
    }
    const { board, config, kernelSuite } = boardFromArgs(values);
    if (!board.emulation) {
      const agent = await buildBoardAgent(board);
      console.log(`[board] ${board.name}: ${agent}; install it on the device, or with the Yocto layer (yocto/meta-mote, MACHINE = "${board.yoctoMachine}")`);
      return 0;
    }
    const image = await buildBoardImage(board, config, console.log, { kernelSuite });
    console.log(`[board] ${image.dir}: kernel ${image.release}, initramfs ${image.initramfs}`);
    return 0;
  },
};
