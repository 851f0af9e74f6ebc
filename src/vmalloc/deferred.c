/* SPDX-License-Identifier: MIT */
/*
 * vfree_atomic(), and vfree() from a signal handler: frees that cannot take
 * a lock or touch the C heap now, parked in a lock-free table and carried
 * out by the next vmalloc-layer call made outside any lock.
 *
 * The kernel links deferred frees through the freed memory itself; here the
 * address may be bogus, read-only or (mmu=soft) not dereferenceable at all,
 * and a free parked from a signal handler must not fault, so the table is a
 * fixed array of address slots instead:
 *
 *   park:   find an empty slot from a moving hint, compare-and-swap the
 *           address in (async-signal-safe: atomics only)
 *   drain:  swap each slot back to empty, free what it held as vfree()
 *           does (so bad addresses get vfree()'s own warning, then)
 *
 * A full table cannot wait in a handler: the free is dropped and counted,
 * the area stays allocated, and the next drain says so (the shutdown leak
 * report then names the area).
 */
#include <stdatomic.h>
#include <stdint.h>

#include "lib/log.h"
#include "lib/runtime.h"
#include "lib/spinlock.h"
#include "vmalloc_int.h"

#define DEFERRED_SLOTS 4096

static atomic_uintptr_t deferred_slot[DEFERRED_SLOTS];
static atomic_uint deferred_hint;
static atomic_long deferred_pending;
static atomic_ulong deferred_dropped;
static atomic_ulong deferred_parked;
static atomic_ulong deferred_done;

/* Async-signal-safe: atomics on static memory, nothing else. */
static void park(const void *addr)
{
	unsigned int hint =
		atomic_load_explicit(&deferred_hint, memory_order_relaxed);
	unsigned int i;

	for (i = 0; i < DEFERRED_SLOTS; i++) {
		unsigned int at = (hint + i) % DEFERRED_SLOTS;
		uintptr_t empty = 0;

		if (atomic_load_explicit(&deferred_slot[at],
					 memory_order_relaxed))
			continue;
		if (atomic_compare_exchange_strong(&deferred_slot[at], &empty,
						   (uintptr_t)addr)) {
			atomic_store_explicit(&deferred_hint, at + 1,
					      memory_order_relaxed);
			atomic_fetch_add(&deferred_pending, 1);
			atomic_fetch_add_explicit(&deferred_parked, 1,
						  memory_order_relaxed);
			return;
		}
	}
	atomic_fetch_add(&deferred_dropped, 1);
}

void vfree_atomic(const void *addr)
{
	if (!addr)
		return;
	park(addr);
}

bool vfree_deferred_if_signal(const void *addr)
{
	/*
	 * Inside the library on this very thread, yet asked to free: only a
	 * signal handler that interrupted it can do that. Its locks (and
	 * perhaps the C heap) are held below us: park the free.
	 */
	if (!uvm_in_call)
		return false;
	park(addr);
	return true;
}

void vm_enter(void)
{
	uvm_call_enter();
	vmalloc_drain_deferred();
}

bool vm_free_enter(const void *addr)
{
	if (!addr || !uvm_ensure_booted())
		return false;
	if (vfree_deferred_if_signal(addr))
		return false;
	vm_enter();
	return true;
}

unsigned long vmalloc_drain_deferred(void)
{
	unsigned long done = 0, dropped;
	unsigned int i;

	if (!atomic_load_explicit(&deferred_pending, memory_order_acquire) &&
	    !atomic_load_explicit(&deferred_dropped, memory_order_relaxed))
		return 0;
	/*
	 * Only at the outermost entry, counted already (so that a handler
	 * interrupting the drain parks its frees too): from deeper inside,
	 * the frees could meet locks this thread holds.
	 */
	if (uvm_in_call != 1)
		return 0;
	for (i = 0; i < DEFERRED_SLOTS; i++) {
		uintptr_t addr = atomic_exchange(&deferred_slot[i], 0);

		if (!addr)
			continue;
		atomic_fetch_sub(&deferred_pending, 1);
		vm_free_addr((const void *)addr);
		done++;
	}
	atomic_fetch_add(&deferred_done, done);
	dropped = atomic_exchange(&deferred_dropped, 0);
	if (dropped)
		pr_warn("vfree_atomic: %lu deferred frees dropped (all %d slots full); those areas stay allocated",
			dropped, DEFERRED_SLOTS);
	return done;
}

void vmalloc_deferred_counts(unsigned long *parked, unsigned long *done)
{
	*parked = atomic_load(&deferred_parked);
	*done = atomic_load(&deferred_done);
}
