/* SPDX-License-Identifier: MIT */
/*
 * The area allocator's counters, for callers.
 */
#include <string.h>
#include <uvmalloc.h>

#include "kva.h"
#include "lib/runtime.h"

void uvm_kva_stats(struct uvm_kva_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!atomic_load_explicit(&uvm_running, memory_order_acquire) ||
	    !kva.ops)
		return;
	st->strategy = kva.ops->name;
	st->vmap_nodes = kva.nr_vmap_nodes;
	st->busy_areas = atomic_load(&kva.nr_busy);
	st->lazy_pages = atomic_load(&kva.lazy_pages);
	st->lazy_max_pages = kva.lazy_max_pages;
	st->purges = atomic_load(&kva.purges);
	st->purged_areas = atomic_load(&kva.purged_areas);
	st->flush_calls = atomic_load(&kva.flush_calls);
	st->failures = atomic_load(&kva.failures);
}
