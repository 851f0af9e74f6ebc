/* SPDX-License-Identifier: MIT */
/*
 * Random numbers for modules: a xoshiro256** generator per thread, seeded
 * from getrandom() on the thread's first call. Not for keys; for tests and
 * for choosing sizes, which is what modules here use it for.
 */
#include <linux/random.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static __thread uint64_t state[4];
static __thread int seeded;

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* splitmix64, to spread a weak fallback seed over the whole state. */
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void seed(void)
{
	if (getrandom(state, sizeof(state), 0) != (ssize_t)sizeof(state)) {
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_nsec ^ ((uint64_t)gettid() << 32);
		for (int i = 0; i < 4; i++)
			state[i] = splitmix(&x);
	}
	if (!(state[0] | state[1] | state[2] | state[3]))
		state[0] = 1; /* the one state the generator cannot leave */
	seeded = 1;
}

u64 get_random_u64(void)
{
	uint64_t result, t;

	if (!seeded)
		seed();
	result = rotl(state[1] * 5, 7) * 9;
	t = state[1] << 17;
	state[2] ^= state[0];
	state[3] ^= state[1];
	state[1] ^= state[2];
	state[0] ^= state[3];
	state[2] ^= t;
	state[3] = rotl(state[3], 45);
	return result;
}

/*
 * Lemire's multiply-and-reject: uniform over [0, ceil) without a division
 * on the common path.
 */
u32 get_random_u32_below(u32 ceil)
{
	u64 m;
	u32 low;

	if (!ceil)
		return 0;
	m = (u64)(u32)get_random_u64() * ceil;
	low = (u32)m;
	if (low < ceil) {
		u32 threshold = -ceil % ceil;

		while (low < threshold) {
			m = (u64)(u32)get_random_u64() * ceil;
			low = (u32)m;
		}
	}
	return (u32)(m >> 32);
}

void get_random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		u64 r = get_random_u64();
		size_t n = len < sizeof(r) ? len : sizeof(r);

		memcpy(p, &r, n);
		p += n;
		len -= n;
	}
}
