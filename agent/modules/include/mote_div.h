/*
 * Division of 64-bit values by a constant without BPF's 64-bit division (BPF_ALU64 | BPF_DIV),
 * which the 32-bit ARM JIT of Linux 6.1 and older cannot compile. A kernel with the JIT on then
 * either runs the program in its interpreter or, on stable kernels that no longer fall back
 * (Debian 12's 6.1), refuses to load it with ENOTSUPP. Only 64-bit multiplies, shifts and
 * subtractions are used, which every 32-bit ARM JIT compiles.
 *
 * Plain C over __u64, so it also compiles for the host (test/unit/modules/mote-div.test.ts).
 */
#ifndef MOTE_DIV_H
#define MOTE_DIV_H

/*
 * value / 1000, exact for every 64-bit value: long division in 16-bit digits. Each partial
 * dividend is below 1000 * 2^16, and for any n < 2^32, n / 1000 == (n * 274877907) >> 38 (the
 * multiplier is 2^38 / 1000 rounded up; the product stays below 2^64).
 */
static __always_inline __u64 mote_div1000(__u64 value)
{
	__u64 quotient = 0, remainder = 0;

#pragma unroll
	for (int shift = 48; shift >= 0; shift -= 16) {
		__u64 part = (remainder << 16) | ((value >> shift) & 0xffff);
		__u64 digit = (part * 274877907ULL) >> 38;

		remainder = part - digit * 1000;
		quotient = (quotient << 16) | digit;
	}
	return quotient;
}

#endif
