/**
 * Host-side kernel BTF sourcing: the build host's own BTF and the armhf board kernel's BTF, each
 * with a vmlinux.h for compiling BPF programs against it. Used by the BPF build and the tests.
 */
export { ensureHostBtf, HOST_KERNEL_BTF, type KernelBtf } from './host.ts';
export { ensureArmhfBtf, resolveArmhfKernelPackage, type ArmhfKernelBtf } from './armhf.ts';
export { moteCacheDir } from './cache.ts';
export { minimizeBtf } from './minimize.ts';
export { BtfSourcingError } from './errors.ts';
