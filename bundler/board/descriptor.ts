/**
 * Board descriptors (boards/<name>.json): compiler flags, the Yocto MACHINE, the kernel options
 * the agent needs, where the kernel's BTF comes from, and for emulated boards how to boot them.
 * Validation is strict: an unknown field or a missing value is an error naming its path.
 */
import { MoteError } from '../../agent/src/errors.ts';

export class BoardError extends MoteError {}

export type BtfSource =
  /** The kernel has CONFIG_DEBUG_INFO_BTF: the agent reads /sys/kernel/btf/vmlinux. */
  | { source: 'kernel'; hint: string }
  /** pahole on a vmlinux with DWARF that the user supplies. */
  | { source: 'vmlinux-dwarf'; hint: string }
  /** pahole on the vmlinux from Debian's -dbg package of the board's kernel. */
  | { source: 'debian-dbg-package'; package: string };

/** How an emulated board boots in qemu-system-arm, with a Debian kernel. */
export interface BoardEmulation {
  qemuMachine: string;
  /** Left out for machines whose CPU is fixed (raspi0, mcimx6ul-evk). */
  qemuCpu?: string;
  memoryMb: number;
  /** Debian's kernel metapackage, `linux-image-<flavour>`, of the board's architecture. */
  kernelPackage: string;
  /** The device tree the kernel boots with, from the kernel package's /usr/lib/linux-image-<release>/. */
  dtb?: string;
  /** Kernel modules /init loads, in order (dependencies first). */
  modules: string[];
  /** The serial console's device name, e.g. ttyAMA0. */
  console: string;
  /** Extra kernel command line words, e.g. to keep a driver away from a device QEMU does not model. */
  kernelArgs?: string[];
  /** More QEMU arguments for the machine, e.g. `-icount` for one whose emulated devices outpace a loaded host. */
  qemuArgs?: string[];
  /** QEMU arguments that give the board its network on QEMU user networking, and the guest's name for it. */
  network: { qemuArgs: string[]; interface: string };
}

export interface BoardDescriptor {
  name: string;
  description: string;
  /** Debian's architecture: armhf (ARMv7, hard float) or armel (ARMv5/ARMv6, soft-float ABI). */
  arch: 'armhf' | 'armel';
  compiler: { cpuFlags: string[]; floatAbi: 'hard' | 'softfp' | 'soft'; thumb: boolean };
  yoctoMachine: string;
  kernel: { release?: string; config: Record<string, string>; btf: BtfSource };
  emulation?: BoardEmulation;
}

/** Kernel options every board must state (y, m or n). */
export const REQUIRED_KERNEL_CONFIG = ['CONFIG_BPF_SYSCALL', 'CONFIG_BPF_EVENTS', 'CONFIG_KPROBES', 'CONFIG_PERF_EVENTS', 'CONFIG_DEBUG_INFO_BTF'];

type Shape =
  | 'string'
  | 'number'
  | 'boolean'
  | { enum: string[] }
  | { arrayOf: Shape }
  | { mapOf: Shape }
  | { object: Record<string, Shape>; optional?: string[] }
  | { oneOf: string; variants: Record<string, { object: Record<string, Shape> }> };

const SHAPE: Shape = {
  object: {
    name: 'string',
    description: 'string',
    arch: { enum: ['armhf', 'armel'] },
    compiler: { object: { cpuFlags: { arrayOf: 'string' }, floatAbi: { enum: ['hard', 'softfp', 'soft'] }, thumb: 'boolean' } },
    yoctoMachine: 'string',
    kernel: {
      object: {
        release: 'string',
        config: { mapOf: { enum: ['y', 'm', 'n'] } },
        btf: {
          oneOf: 'source',
          variants: {
            kernel: { object: { source: 'string', hint: 'string' } },
            'vmlinux-dwarf': { object: { source: 'string', hint: 'string' } },
            'debian-dbg-package': { object: { source: 'string', package: 'string' } },
          },
        },
      },
      optional: ['release'],
    },
    emulation: {
      object: {
        qemuMachine: 'string',
        qemuCpu: 'string',
        memoryMb: 'number',
        kernelPackage: 'string',
        dtb: 'string',
        modules: { arrayOf: 'string' },
        console: 'string',
        kernelArgs: { arrayOf: 'string' },
        qemuArgs: { arrayOf: 'string' },
        network: { object: { qemuArgs: { arrayOf: 'string' }, interface: 'string' } },
      },
      optional: ['qemuCpu', 'dtb', 'kernelArgs', 'qemuArgs'],
    },
  },
  optional: ['emulation'],
};

function check(value: unknown, shape: Shape, path: string): void {
  const fail = (problem: string): never => {
    throw new BoardError(`${path}: ${problem}`);
  };
  if (shape === 'string' || shape === 'number' || shape === 'boolean') {
    if (typeof value !== shape || value === '') fail(`expected a ${shape === 'string' ? 'non-empty string' : shape}, found ${JSON.stringify(value)}`);
    return;
  }
  if ('enum' in shape) {
    if (!shape.enum.includes(value as string)) fail(`expected one of ${shape.enum.join(', ')}, found ${JSON.stringify(value)}`);
    return;
  }
  if ('arrayOf' in shape) {
    if (!Array.isArray(value) || value.length === 0) fail('expected a non-empty list');
    (value as unknown[]).forEach((item, i) => check(item, shape.arrayOf, `${path}[${i}]`));
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`expected an object, found ${JSON.stringify(value)}`);
  const record = value as Record<string, unknown>;
  if ('mapOf' in shape) {
    for (const [key, item] of Object.entries(record)) check(item, shape.mapOf, `${path}.${key}`);
    return;
  }
  if ('oneOf' in shape) {
    const variant = shape.variants[record[shape.oneOf] as string];
    if (!variant) fail(`${shape.oneOf} must be one of ${Object.keys(shape.variants).join(', ')}, found ${JSON.stringify(record[shape.oneOf])}`);
    check(value, variant, path);
    return;
  }
  for (const key of Object.keys(record)) if (!(key in shape.object)) fail(`unknown field '${key}'; known: ${Object.keys(shape.object).join(', ')}`);
  for (const [key, fieldShape] of Object.entries(shape.object)) {
    if (record[key] === undefined) {
      if (!shape.optional?.includes(key)) fail(`missing field '${key}'`);
      continue;
    }
    check(record[key], fieldShape, `${path}.${key}`);
  }
}

/** Validates a parsed descriptor; `origin` (a file name) prefixes every error. */
export function validateBoard(value: unknown, origin: string): BoardDescriptor {
  check(value, SHAPE, origin);
  const board = value as BoardDescriptor;
  const missing = REQUIRED_KERNEL_CONFIG.filter((option) => !(option in board.kernel.config));
  if (missing.length) throw new BoardError(`${origin}.kernel.config: missing ${missing.join(', ')}`);
  if (!origin.includes(board.name)) throw new BoardError(`${origin}: name '${board.name}' does not match the file name`);
  if (board.emulation && !/^linux-image-[a-z0-9-]+$/.test(board.emulation.kernelPackage)) {
    throw new BoardError(`${origin}.emulation.kernelPackage: expected Debian's 'linux-image-<flavour>' metapackage, found '${board.emulation.kernelPackage}'`);
  }
  if ((board.arch === 'armel') !== (board.compiler.floatAbi !== 'hard')) {
    throw new BoardError(`${origin}.compiler.floatAbi: '${board.compiler.floatAbi}' does not fit arch '${board.arch}' (armhf is 'hard'; armel is 'soft' or 'softfp')`);
  }
  if (board.arch === 'armhf' && !board.compiler.thumb) {
    throw new BoardError(`${origin}.compiler.thumb: armhf agents are always Thumb-2; set it to true (only armel boards choose between ARM and Thumb)`);
  }
  return board;
}
