/* SPDX-License-Identifier: MIT */
/*
 * User mappings (see usermap.h): frames of the memfd "RAM" mapped at host
 * addresses the caller owns, outside the library's own ranges.
 *
 * Frame N of a node is the byte range [(N - start) * PAGE_SIZE, + PAGE_SIZE)
 * of that node's memfd, so a run of frames contiguous in one node is one
 * mmap() of the memfd; a run never crosses from one node to the next, since
 * their memfds differ even where the frame numbers go on.
 *
 * A MAP_FIXED mmap() that fails may already have removed what the range
 * held, and the caller's old mapping cannot be put back, so a failure ends
 * with the whole range covered by a PROT_NONE anonymous mapping: the same
 * state as the reservation the caller most likely had there, and one that
 * keeps other mmap() calls of the process out of the hole.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "mmu.h"
#include "phys/phys.h"
#include "usermap.h"

#define INACCESSIBLE_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
#define USER_PROT_BITS (PROT_READ | PROT_WRITE | PROT_EXEC)

/* Whether [a, a + len) meets [start, end); a + len does not overflow. */
static bool meets(unsigned long a, unsigned long len, unsigned long start,
		  unsigned long end)
{
	return start < end && a < end && start < a + len;
}

/*
 * The library's own host ranges a user mapping must keep out of; NULL
 * when [uaddr, uaddr + len) touches none of them.
 */
static const char *own_range_met(unsigned long uaddr, unsigned long len)
{
	unsigned long dm = (unsigned long)phys.direct_map;
	unsigned long mm = (unsigned long)phys.mem_map;

	if (meets(uaddr, len, mmu.vmalloc_start, mmu.vmalloc_end))
		return "it overlaps the vmalloc window";
	if (dm && meets(uaddr, len, dm, dm + phys.direct_map_bytes))
		return "it overlaps the direct map";
	if (mm && meets(uaddr, len, mm, mm + phys.mem_map_bytes))
		return "it overlaps mem_map";
	return NULL;
}

static int pfn_nid(unsigned long pfn)
{
	return __page_to_nid(__pfn_to_page(pfn));
}

/*
 * Cover [uaddr, uaddr + len) with PROT_NONE after a failed mapping. At the
 * host's mapping cap a mapping over part of a range can be refused (it
 * would split a neighbour); removing whole mappings needs no split, so
 * fall back to munmap() and fill the hole.
 */
static void leave_inaccessible(unsigned long uaddr, unsigned long len)
{
	void *p = (void *)uaddr;

	if (mmap(p, len, PROT_NONE, INACCESSIBLE_FLAGS | MAP_FIXED, -1, 0) !=
	    MAP_FAILED)
		return;
	if (!munmap(p, len) &&
	    mmap(p, len, PROT_NONE, INACCESSIBLE_FLAGS | MAP_FIXED_NOREPLACE,
		 -1, 0) != MAP_FAILED)
		return;
	pr_err("mmu: cannot make user range %#lx+%#lx inaccessible again: %s; part of it may still map RAM",
	       uaddr, len, strerror(errno));
}

/* Map frames [i, j) of @pfns, one run of one node, at @uaddr + i pages. */
static int map_run(unsigned long uaddr, const unsigned long *pfns,
		   unsigned long i, unsigned long j, int host_prot,
		   bool *injected)
{
	struct pglist_data *pgdat = &phys.nodes[pfn_nid(pfns[i])];
	off_t off = (off_t)(pfns[i] - pgdat->node_start_pfn) << PAGE_SHIFT;
	void *at = (void *)(uaddr + (i << PAGE_SHIFT));

	if (should_fail(&mmu.fail_host_map, (long)(j - i))) {
		*injected = true;
		return -ENOMEM;
	}
	if (mmap(at, (j - i) << PAGE_SHIFT, host_prot, MAP_SHARED | MAP_FIXED,
		 pgdat->memfd, off) == MAP_FAILED)
		return -errno;
	atomic_fetch_add_explicit(&mmu.host_maps, 1, memory_order_relaxed);
	return 0;
}

/* The reason to refuse the arguments, or NULL when they are good. */
static const char *bad_args(unsigned long uaddr, const unsigned long *pfns,
			    unsigned long nr, int host_prot)
{
	unsigned long i;
	const char *own;

	if (!pfns || !nr)
		return "no frames";
	if (!PAGE_ALIGNED(uaddr) || !uaddr)
		return "the address is 0 or not page-aligned";
	if (nr > (-uaddr >> PAGE_SHIFT))
		return "the range wraps around the address space";
	if (host_prot & ~USER_PROT_BITS)
		return "the protection has bits other than read, write and execute";
	own = own_range_met(uaddr, nr << PAGE_SHIFT);
	if (own)
		return own;
	for (i = 0; i < nr; i++)
		if (pfns[i] >= phys.max_pfn)
			return "a frame lies outside RAM";
	return NULL;
}

int mmu_map_user(unsigned long uaddr, const unsigned long *pfns,
		 unsigned long nr, int host_prot)
{
	bool injected = false;
	unsigned long i, j;
	const char *why;
	int err = 0;

	why = bad_args(uaddr, pfns, nr, host_prot);
	if (why) {
		pr_warn("mmu: refusing to map %lu frames at user address %#lx: %s",
			nr, uaddr, why);
		return -EINVAL;
	}

	for (i = 0; i < nr && !err; i = j) {
		int nid = pfn_nid(pfns[i]);

		for (j = i + 1; j < nr; j++)
			if (pfns[j] != pfns[j - 1] + 1 ||
			    pfn_nid(pfns[j]) != nid)
				break;
		err = map_run(uaddr, pfns, i, j, host_prot, &injected);
	}
	if (!err)
		return 0;

	atomic_fetch_add(&mmu.host_failures, 1);
	pr_warn("mmu: the host refused to map %lu frames at user address %#lx: %s%s; the range is left inaccessible",
		nr, uaddr, strerror(-err), injected ? " (injected)" : "");
	leave_inaccessible(uaddr, nr << PAGE_SHIFT);
	return err;
}
