/** `mote run --board <name>`: boots an emulated board's image with qemu-system-arm. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { findBoard } from '../../boards/boards.ts';
import { buildBoardImage } from '../../board/image.ts';
import { bootBoard } from '../../board/qemu.ts';
import { BOARD_OPTIONS, boardConfigFromArgs } from './build.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'boot an emulated board (qemu-system-arm) running the agent',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { ...BOARD_OPTIONS, seconds: { type: 'string' }, workload: { type: 'boolean' } } });
    if (values.help || !values.board) {
      console.log('usage: mote run --board <name> [--broker URL] [--device ID] [--seconds N] [--workload] [--kernel-suite S]\n\nBuilds the board image, boots it with qemu-system-arm (user networking: the\nguest reaches the host at 10.0.2.2) and waits until it powers off. --seconds stops\nthe agent after N seconds; --workload runs the end-to-end workload in the guest;\n--kernel-suite boots that Debian suite\'s armhf kernel (default bookworm; bullseye, trixie).\nThe console goes to build/boards/<name>/console.log.');
      return values.help ? 0 : 2;
    }
    const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`--seconds must be a positive number, not '${values.seconds}'`);
    const board = findBoard(values.board);
    const image = await buildBoardImage(board, boardConfigFromArgs(values, board.name), console.log, { kernelSuite: values['kernel-suite'] });
    const consoleLog = join(image.dir, 'console.log');
    console.log(`[board] booting ${board.name} (kernel ${image.release}); console: ${consoleLog}`);
    const guest = bootBoard(board, image, { consoleLog, seconds, workload: values.workload });
    const stop = () => guest.kill('SIGTERM');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const code = await new Promise<number | null>((resolve) => guest.once('exit', resolve));
    console.log(`[board] ${board.name} powered off (qemu exit ${code})`);
    return code === 0 ? 0 : 1;
  },
};
