/*
 * Host check of mote_div.h: mote_div1000() against C's own 64-bit division, for every partial
 * dividend the long division can meet and for edge and pseudo-random 64-bit values. Prints the
 * number of values checked; exits 1 at the first mismatch, naming it.
 */
#include <stdio.h>
#include <linux/types.h>  /* glibc's headers define __always_inline */
#include "mote_div.h"

static int check(__u64 value)
{
	if (mote_div1000(value) == value / 1000)
		return 0;
	printf("mismatch: %llu / 1000: got %llu, want %llu\n", (unsigned long long)value,
	       (unsigned long long)mote_div1000(value), (unsigned long long)(value / 1000));
	return 1;
}

int main(void)
{
	unsigned long long checked = 0, state = 0x9e3779b97f4a7c15ULL;
	const __u64 edges[] = { 0, 1, 999, 1000, 1001, 0xffffffffULL, 0x100000000ULL, 0xffffffffffffULL,
				0x1000000000000ULL, 0xffffffffffffffffULL, 0xfffffffffffffc17ULL, 18446744073709551000ULL };

	/* Every partial dividend: remainder (< 1000) * 2^16 + digit. */
	for (__u64 part = 0; part < 1000ULL << 16; part++, checked++)
		if (check(part))
			return 1;
	for (unsigned i = 0; i < sizeof(edges) / sizeof(edges[0]); i++, checked++)
		if (check(edges[i]))
			return 1;
	for (int i = 0; i < 2000000; i++, checked++) {
		state ^= state << 13; state ^= state >> 7; state ^= state << 17;
		if (check(state >> (i % 64)))
			return 1;
	}
	printf("%llu\n", checked);
	return 0;
}
