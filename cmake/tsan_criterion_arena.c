/* SPDX-License-Identifier: MIT */
/*
 * Linked into every test program of the ThreadSanitizer build, and only
 * there: it lets Criterion's runner start under TSan.
 *
 * The runner keeps its state in shared-memory arenas that must sit at the
 * same address in the runner and in each test process. It places each one
 * at a random 16 MiB boundary in [0x200000000000, 0x600000000000), taking the
 * random numbers from rand_r(), probing the spot with mincore() and giving
 * up after ten tries. ThreadSanitizer reserves nearly all of that range for
 * its shadow memory and protects the gaps between its regions, so the
 * runner aborts with "Could not initialize inheritable arena: Resource
 * temporarily unavailable" (or crashes on the failed arena) most of the
 * time, and nearly always when a program holds several tests, since the
 * runner makes one arena per test.
 *
 * This rand_r() takes the place of the C library's for the whole program.
 * Calls made from Criterion's library get numbers that put the arena in
 * [0x550000000000, 0x568000000000): the region that the x86-64 TSan of
 * gcc 12 and clang 14 leaves to position-independent executables, where a
 * 128 KiB arena almost always finds room and TSan tracks accesses as it
 * does for any application memory. Every other caller gets the C library's
 * rand_r(), unchanged.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
/* The runner computes 0x200000000000 + (rand_r() & 0x3fffff) * 16 MiB. */
#define ARENA_SLOT_FIRST 0x350000u /* 0x550000000000 */
#define ARENA_SLOTS 0x18000u	   /* up to 0x568000000000 */
#endif

typedef int rand_r_fn(unsigned int *seed);

static rand_r_fn *libc_rand_r(void)
{
	static rand_r_fn *fn;
	rand_r_fn *f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);

	if (!f) {
		f = (rand_r_fn *)dlsym(RTLD_NEXT, "rand_r");
		if (!f)
			abort();
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	return f;
}

static int called_from_criterion(const void *ret)
{
	Dl_info info;

	return dladdr(ret, &info) && info.dli_fname &&
	       strstr(info.dli_fname, "libcriterion");
}

int rand_r(unsigned int *seed)
{
#if defined(ARENA_SLOT_FIRST)
	if (called_from_criterion(__builtin_return_address(0))) {
		*seed = *seed * 1103515245u + 12345u;
		return (int)(ARENA_SLOT_FIRST + (*seed >> 8) % ARENA_SLOTS);
	}
#endif
	return libc_rand_r()(seed);
}
