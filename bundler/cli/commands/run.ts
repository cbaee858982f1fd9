/** `mote run --board <name>`: boots an emulated board's image with qemu-system-arm. */
import { join } from 'node:path';
import type { Command } from '../command.ts';
import { buildBoardImage } from '../../board/image.ts';
import { bootBoard } from '../../board/qemu.ts';
import { parseCommandLine, secondsOption } from '../options.ts';
import { BOARD_OPTIONS, boardFromArgs } from './build.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'boot an emulated board (qemu-system-arm) running the agent',
  async run(argv) {
    const { values } = parseCommandLine(argv, { ...BOARD_OPTIONS, seconds: { type: 'string' }, workload: { type: 'boolean' } });
    if (values.help) {
      console.log('usage: mote run --board <name> [--broker URL] [--device ID] [--seconds N] [--workload] [--kernel-suite S]\n\nBuilds the board image, boots it with qemu-system-arm (user networking: the\nguest reaches the host at 10.0.2.2) and waits until it powers off. --seconds stops\nthe agent after N seconds; --workload runs the end-to-end workload in the guest;\n--kernel-suite boots that Debian suite\'s armhf kernel (default bookworm; bullseye, trixie).\nThe console goes to build/boards/<name>/console.log.');
      return 0;
    }
    const seconds = values.seconds === undefined ? undefined : secondsOption('seconds', values.seconds) / 1000;
    const { board, config, kernelSuite } = boardFromArgs(values);
    const image = await buildBoardImage(board, config, console.log, { kernelSuite });
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
