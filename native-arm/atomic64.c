/*
 * The 64-bit __atomic_* library calls that gcc emits for QuickJS's Atomics on targets without
 * 64-bit exclusive loads in the instruction set it compiles for: Thumb-1 (an armel board built
 * in Thumb, ARMv5TE or ARMv6) and ARM mode on ARMv5TE. Debian's armel musl has no libatomic,
 * so they are built here on libgcc's __sync_* operations, which use the kernel's cmpxchg64
 * user helper. Every one is sequentially consistent, whatever order the caller asks for. Linked
 * into armel agents only; an ARMv6K+ ARM-mode build inlines its atomics and never calls these.
 */
#include <stdbool.h>
#include <stdint.h>

typedef uint64_t u64;

u64 mote_atomic_load_8(const volatile void *ptr, int order) __asm__("__atomic_load_8");
void mote_atomic_store_8(volatile void *ptr, u64 value, int order) __asm__("__atomic_store_8");
u64 mote_atomic_exchange_8(volatile void *ptr, u64 value, int order) __asm__("__atomic_exchange_8");
bool mote_atomic_compare_exchange_8(volatile void *ptr, void *expected, u64 desired, bool weak, int success, int failure) __asm__("__atomic_compare_exchange_8");
u64 mote_atomic_fetch_add_8(volatile void *ptr, u64 value, int order) __asm__("__atomic_fetch_add_8");
u64 mote_atomic_fetch_sub_8(volatile void *ptr, u64 value, int order) __asm__("__atomic_fetch_sub_8");
u64 mote_atomic_fetch_and_8(volatile void *ptr, u64 value, int order) __asm__("__atomic_fetch_and_8");
u64 mote_atomic_fetch_or_8(volatile void *ptr, u64 value, int order) __asm__("__atomic_fetch_or_8");
u64 mote_atomic_fetch_xor_8(volatile void *ptr, u64 value, int order) __asm__("__atomic_fetch_xor_8");

u64 mote_atomic_load_8(const volatile void *ptr, int order)
{
	return __sync_fetch_and_add((volatile u64 *)ptr, 0);
}

u64 mote_atomic_exchange_8(volatile void *ptr, u64 value, int order)
{
	volatile u64 *word = ptr;
	u64 seen = *word, old;

	while ((old = __sync_val_compare_and_swap(word, seen, value)) != seen)
		seen = old;
	return old;
}

void mote_atomic_store_8(volatile void *ptr, u64 value, int order)
{
	mote_atomic_exchange_8(ptr, value, order);
}

bool mote_atomic_compare_exchange_8(volatile void *ptr, void *expected, u64 desired, bool weak, int success, int failure)
{
	u64 wanted = *(u64 *)expected;
	u64 old = __sync_val_compare_and_swap((volatile u64 *)ptr, wanted, desired);

	if (old == wanted)
		return true;
	*(u64 *)expected = old;
	return false;
}

u64 mote_atomic_fetch_add_8(volatile void *ptr, u64 value, int order) { return __sync_fetch_and_add((volatile u64 *)ptr, value); }
u64 mote_atomic_fetch_sub_8(volatile void *ptr, u64 value, int order) { return __sync_fetch_and_sub((volatile u64 *)ptr, value); }
u64 mote_atomic_fetch_and_8(volatile void *ptr, u64 value, int order) { return __sync_fetch_and_and((volatile u64 *)ptr, value); }
u64 mote_atomic_fetch_or_8(volatile void *ptr, u64 value, int order) { return __sync_fetch_and_or((volatile u64 *)ptr, value); }
u64 mote_atomic_fetch_xor_8(volatile void *ptr, u64 value, int order) { return __sync_fetch_and_xor((volatile u64 *)ptr, value); }
