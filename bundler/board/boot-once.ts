/**
 * Boots an emulated board once (qemu-armv7 unless told another), for tests and benchmarks:
 * builds its image (with extra files or a command in place of `mote-agent run`, another suite's
 * kernel, another directory), boots qemu-system-arm, and returns the console once the guest
 * powers off, or fails with the console's tail after a time limit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBoard } from './board-catalog.ts';
import { buildDir } from '../paths.ts';
import { buildBoardImage, type AgentConfig, type BoardImage, type ImageExtras } from './image.ts';
import { bootBoard } from './qemu.ts';

export const BOARD = 'qemu-armv7';

export interface BootResult {
  console: string;
  exitCode: number | null;
  release: string;
  diskBtf: BoardImage['diskBtf'];
}

export interface BootOnceOptions {
  seconds?: number;
  workload?: boolean;
  limitMs: number;
  consoleName: string;
  /** The board to boot (default qemu-armv7). */
  board?: string;
  /** bpf_jit_enable for the boot (default: the kernel's). */
  jit?: boolean;
}

export async function bootOnce(config: AgentConfig, extras: ImageExtras, options: BootOnceOptions): Promise<BootResult> {
  const board = findBoard(options.board ?? BOARD);
  // Test files run in parallel: each boot gets its own image folder, named after its console log.
  const dir = extras.dir ?? join(buildDir, 'boards', board.name, 'tests', options.consoleName.replace(/\.log$/, ''));
  const image = await buildBoardImage(board, config, () => {}, { ...extras, dir });
  const consoleLog = join(image.dir, options.consoleName);
  const guest = bootBoard(board, image, { consoleLog, seconds: options.seconds, workload: options.workload, jit: options.jit });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      guest.kill('SIGKILL');
      const tail = readFileSync(consoleLog, 'utf8').split('\n').slice(-30).join('\n');
      reject(new Error(`the guest did not power off within ${options.limitMs} ms; console tail:\n${tail}`));
    }, options.limitMs);
    guest.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return { console: readFileSync(consoleLog, 'utf8'), exitCode, release: image.release, diskBtf: image.diskBtf };
}
