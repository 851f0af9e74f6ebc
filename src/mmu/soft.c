/* SPDX-License-Identifier: MIT */
/*
 * The soft backend: page tables only (it mirrors nothing, so it has no map,
 * unmap or protect). The window is a kernel-style address
 * range that no host mapping backs, so it can be as large as the layout
 * allows and nothing caps the number of mappings; memory is reached through
 * the tables (vread, vwrite, vmalloc_to_page + page_address).
 *
 * Window placement follows x86_64 (vmalloc_base) for 4 and 5 levels; a
 * 39-bit layout gives it the first half of the upper half of the space.
 */
#include <errno.h>

#include "lib/log.h"
#include "lib/options.h"
#include "mmu.h"

static int soft_reserve(unsigned long size)
{
	unsigned long start, room;
	char want[32], got[32];

	switch (mmu.levels) {
	case 5:
		start = 0xffa0000000000000UL;
		room = 12800UL << 40; /* 12800 TiB, as on x86_64 */
		break;
	case 4:
		start = 0xffffc90000000000UL;
		room = 32UL << 40;
		break;
	default:
		/* The upper half of a 39-bit space, sign-extended. */
		start = 0xffffffc000000000UL;
		room = 128UL << 30; /* the lower half of it, clear of the top */
		break;
	}
	size = ALIGN_DOWN(size, PMD_SIZE);
	if (size > room || !size) {
		uvm_format_size(size, want, sizeof(want));
		uvm_format_size(room, got, sizeof(got));
		pr_info("mmu: vmalloc=%s does not fit a %d-level layout; using %s",
			want, mmu.levels, got);
		size = room;
	}
	mmu.vmalloc_start = start;
	mmu.vmalloc_end = start + size;
	return 0;
}

static void soft_release(void)
{
}

const struct mmu_backend mmu_soft_backend = {
	.name = "soft",
	.reserve = soft_reserve,
	.release = soft_release,
};
