/* SPDX-License-Identifier: MIT */
/*
 * The mmu layer's face to callers: the window's bounds, walks, statistics.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <uvmalloc.h>

#include "lib/log.h"
#include "lib/runtime.h"
#include "mmu.h"
#include "phys/phys.h"

unsigned long uvm_vmalloc_start(void)
{
	return uvm_ensure_booted() ? mmu.vmalloc_start : 0;
}

unsigned long uvm_vmalloc_end(void)
{
	return uvm_ensure_booted() ? mmu.vmalloc_end : 0;
}

int uvm_pgtable_levels(void)
{
	return uvm_ensure_booted() ? mmu.levels : 0;
}

int uvm_walk(unsigned long addr, FILE *out)
{
	if (!out) {
		pr_warn("%s: NULL stream", __func__);
		return -EINVAL;
	}
	if (!uvm_ensure_booted())
		return -ENODEV;
	mmu_print_walk(addr, out);
	return 0;
}

/* Count the host's mappings inside the window: all, and those of RAM. */
static void count_host_vmas(unsigned long *all, unsigned long *ram)
{
	char line[512];
	FILE *maps;

	*all = *ram = 0;
	if (mmu.ops != &mmu_host_backend)
		return;
	maps = fopen("/proc/self/maps", "r");
	if (!maps)
		return;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, end;

		if (sscanf(line, "%lx-%lx", &start, &end) != 2 ||
		    end <= mmu.vmalloc_start || start >= mmu.vmalloc_end)
			continue;
		(*all)++;
		if (strstr(line, "/memfd:uvmalloc-node"))
			(*ram)++;
	}
	fclose(maps);
}

void uvm_mmu_stats(struct uvm_mmu_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!atomic_load_explicit(&uvm_running, memory_order_acquire))
		return;
	st->levels = mmu.levels;
	st->backend = mmu.ops->name;
	st->vmalloc_start = mmu.vmalloc_start;
	st->vmalloc_end = mmu.vmalloc_end;
	st->pagetable_pages = (unsigned long)atomic_load(&phys.pagetable_pages);
	st->host_maps = atomic_load(&mmu.host_maps);
	st->host_unmaps = atomic_load(&mmu.host_unmaps);
	st->host_protects = atomic_load(&mmu.host_protects);
	st->host_failures = atomic_load(&mmu.host_failures);
	count_host_vmas(&st->host_vmas, &st->host_ram_vmas);
}
