/**
 * The kernel's word size for a machine (`uname -m`): the size of its pointers and of its `long`
 * and `unsigned long`, 4 on 32-bit kernels and 8 on 64-bit ones. CO-RE resizes pointer loads to
 * it, and ring and perf buffer positions are this wide.
 */
export function kernelWordSize(machine: string): 4 | 8 {
  return /^(armv[4-7]|i[3-6]86|mips$|ppc$)/.test(machine) ? 4 : 8;
}
