/**
 * `mote build --board <name>`: everything an emulated board boots, in build/boards/<name>/:
 * the mote-agent built for the board's architecture and CPU flags, its config file, and a
 * bootable initramfs (busybox, kernel modules, /init, the agent, the config, the workload
 * script), plus the kernel it boots and its device tree. The kernel is Debian's kernel of the
 * board's flavour of a suite, bookworm by default; for any kernel but bookworm's armmp-lpae the
 * image also carries that kernel's minimized BTF on disk, since the agent embeds that one only.
 */
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../btf/run-tool.ts';
import type { BoardDescriptor } from './descriptor.ts';
import { buildDir } from '../paths.ts';
import { buildBoardAgent } from '../build/agent.ts';
import { DEFAULT_SUITE } from '../btf/debian-suite.ts';
import { ensureBusybox } from './busybox.ts';
import { builtinModulesDiskBtf } from './disk-btf.ts';
import { boardKernelFlavour, ensureGuestKernel } from './guest-kernel.ts';
import { DEFAULT_FLAVOUR } from '../btf/armhf.ts';
import { initScript, workloadScript } from './init-script.ts';

/** The part of mote-agent's config file an image sets (see README, `mote-agent run`). */
export interface AgentConfig {
  broker: string;
  device: string;
  intervalMs: number;
  modules?: Record<string, Record<string, unknown>>;
}

export interface BoardImage {
  dir: string;
  kernel: string;
  /** The device tree qemu passes to the kernel, for boards that boot with one. */
  dtb?: string;
  initramfs: string;
  agent: string;
  config: string;
  release: string;
  /** The kernel's BTF the image installs on disk, when the agent has none embedded for it. */
  diskBtf?: { guestPath: string; bytes: number; fullBytes: number };
}

export interface ImageExtras {
  /** Files to add: path inside the guest -> path on the host. */
  files?: Record<string, string>;
  /** A shell script /init runs instead of `mote-agent run` (tests, diagnostics). */
  command?: string;
  /** The Debian suite whose armhf kernel the image boots (default bookworm). */
  kernelSuite?: string;
  /** Where to build the image (default build/boards/<board>/). */
  dir?: string;
}

export async function buildBoardImage(board: BoardDescriptor, config: AgentConfig, log: (line: string) => void, extras: ImageExtras = {}): Promise<BoardImage> {
  const dir = extras.dir ?? join(buildDir, 'boards', board.name);
  const root = join(dir, 'root');
  const suite = extras.kernelSuite ?? DEFAULT_SUITE;
  const agent = await buildBoardAgent(board, log);
  const flavour = boardKernelFlavour(board);
  log(`[board] ${board.name}: guest kernel (${suite}, ${flavour.arch} ${flavour.flavour})`);
  const kernel = await ensureGuestKernel(board, suite);
  const embedded = suite === DEFAULT_SUITE && flavour.flavour === DEFAULT_FLAVOUR.flavour && flavour.arch === DEFAULT_FLAVOUR.arch;
  const diskBtf = embedded ? undefined : await builtinModulesDiskBtf(suite, flavour, log);
  const busybox = await ensureBusybox(board.arch);
  rmSync(root, { recursive: true, force: true });
  for (const sub of ['bin', 'etc/mote', 'lib/modules', 'proc', 'sys', 'dev', 'run', 'tmp']) mkdirSync(join(root, sub), { recursive: true });
  copyFileSync(busybox, join(root, 'bin', 'busybox'));
  copyFileSync(agent, join(root, 'bin', 'mote-agent'));
  for (const [name, path] of Object.entries(kernel.modules)) copyFileSync(path, join(root, 'lib', 'modules', `${name}.ko`));
  const configText = `${JSON.stringify(config, null, 2)}\n`;
  writeFileSync(join(root, 'etc', 'mote', 'config.json'), configText);
  writeFileSync(join(dir, 'config.json'), configText);
  writeFileSync(join(root, 'init'), initScript({ modules: board.emulation?.modules ?? [], hostname: config.device, interface: board.emulation?.network.interface ?? 'eth0' }));
  writeFileSync(join(root, 'etc', 'mote', 'workload.sh'), workloadScript());
  const files = { ...(diskBtf ? { [diskBtf.guestPath]: diskBtf.path } : {}), ...extras.files };
  for (const [guestPath, hostPath] of Object.entries(files)) {
    mkdirSync(join(root, guestPath, '..'), { recursive: true });
    copyFileSync(hostPath, join(root, guestPath));
  }
  if (extras.command !== undefined) writeFileSync(join(root, 'etc', 'mote', 'command.sh'), `#!/bin/sh\n${extras.command}\n`);
  const executables = ['bin/busybox', 'bin/mote-agent', 'init', 'etc/mote/workload.sh', ...(extras.command !== undefined ? ['etc/mote/command.sh'] : [])];
  for (const file of executables) chmodSync(join(root, file), 0o755);
  const initramfs = join(dir, 'initramfs.cpio.gz');
  log(`[board] ${board.name}: initramfs`);
  await runTool({
    step: 'pack initramfs', command: 'bash', args: ['-o', 'pipefail', '-c', 'cd "$1" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -9 > "$2"', 'pack', root, initramfs],
    remedy: "Install cpio ('apt-get install cpio') and re-run.",
  });
  copyFileSync(agent, join(dir, 'mote-agent'));
  copyFileSync(kernel.vmlinuz, join(dir, 'vmlinuz'));
  if (kernel.dtb) copyFileSync(kernel.dtb, join(dir, 'board.dtb'));
  const image = { dir, kernel: join(dir, 'vmlinuz'), ...(kernel.dtb ? { dtb: join(dir, 'board.dtb') } : {}), initramfs, agent: join(dir, 'mote-agent'), config: join(dir, 'config.json'), release: kernel.release };
  return diskBtf ? { ...image, diskBtf: { guestPath: diskBtf.guestPath, bytes: diskBtf.bytes, fullBytes: diskBtf.fullBytes } } : image;
}
