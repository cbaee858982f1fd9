/**
 * Board descriptors: every file in boards/ validates, and the validator refuses unknown fields,
 * missing values and wrong types, naming the path.
 */
import { expect, it } from 'vitest';
import { loadBoards } from '../../bundler/board/board-catalog.ts';
import { validateBoard } from '../../bundler/board/descriptor.ts';

const boards = loadBoards();
const qemu = boards.find((b) => b.name === 'qemu-armv7')!;

it('has the nine boards, each validated', () => {
  expect(boards.map((b) => b.name)).toEqual(['beaglebone-black', 'imx6ull', 'qemu-armv7', 'qemu-imx6ul', 'qemu-raspi0', 'qemu-vexpress-a9', 'raspberrypi2', 'raspberrypi3-32', 'stm32mp157']);
  expect(qemu.emulation?.qemuMachine).toBe('virt');
  expect(boards.filter((b) => b.arch === 'armel').map((b) => b.name)).toEqual(['qemu-raspi0']);
});

it.each([
  ['an unknown field', { ...qemu, colour: 'red' }, /boards\/qemu-armv7.json: unknown field 'colour'/],
  ['a missing field', { ...qemu, yoctoMachine: undefined }, /missing field 'yoctoMachine'/],
  ['an empty value', { ...qemu, description: '' }, /\.description: expected a non-empty string/],
  ['a wrong type', { ...qemu, compiler: { ...qemu.compiler, thumb: 'yes' } }, /\.compiler\.thumb: expected a boolean/],
  ['a bad config value', { ...qemu, kernel: { ...qemu.kernel, config: { ...qemu.kernel.config, CONFIG_KPROBES: 'maybe' } } }, /CONFIG_KPROBES: expected one of y, m, n/],
  ['a missing kernel option', { ...qemu, kernel: { ...qemu.kernel, config: { CONFIG_BPF_SYSCALL: 'y' } } }, /missing CONFIG_BPF_EVENTS/],
  ['an unknown BTF source', { ...qemu, kernel: { ...qemu.kernel, btf: { source: 'magic' } } }, /btf: source must be one of/],
  ['an unknown emulation field', { ...qemu, emulation: { ...qemu.emulation, smp: 2 } }, /emulation: unknown field 'smp'/],
  ['an unknown architecture', { ...qemu, arch: 'arm64' }, /\.arch: expected one of armhf, armel/],
  ['a float ABI that does not fit the architecture', { ...qemu, arch: 'armel' }, /floatAbi: 'hard' does not fit arch 'armel'/],
  ['ARM mode on armhf, which is always Thumb-2', { ...qemu, compiler: { ...qemu.compiler, thumb: false } }, /compiler\.thumb: armhf agents are always Thumb-2/],
  ['a kernel package that is not a linux-image metapackage', { ...qemu, emulation: { ...qemu.emulation, kernelPackage: 'vmlinuz' } }, /kernelPackage: expected Debian's 'linux-image-<flavour>'/],
  ['a network without its guest interface', { ...qemu, emulation: { ...qemu.emulation, network: { qemuArgs: ['-nic', 'user'] } } }, /network: missing field 'interface'/],
])('refuses %s', (_, descriptor, message) => {
  expect(() => validateBoard(JSON.parse(JSON.stringify(descriptor)), 'boards/qemu-armv7.json')).toThrow(message);
});
