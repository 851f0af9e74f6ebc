/* SPDX-License-Identifier: MIT */
/*
 * The host backend: the vmalloc window is one PROT_NONE, MAP_NORESERVE
 * reservation; mapping a run of frames that are contiguous in one node's
 * RAM is one mmap(MAP_SHARED | MAP_FIXED) of that node's memfd over it, and
 * unmapping puts the reservation back. A guard page is a page never mapped,
 * so touching it faults for real.
 *
 * Every host mapping is a kernel VMA and the host caps their number
 * (vm.max_map_count): a refused mmap() is an ordinary allocation failure.
 * A failed MAP_FIXED may already have torn the reservation out of the range,
 * so the hole is filled again (MAP_FIXED_NOREPLACE) before reporting, or some
 * other mmap() of the process could land inside the window.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "mmu.h"
#include "phys/phys.h"

#define RESERVE_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
#define MIN_WINDOW (64UL << 20)

static bool wx_forbidden;

int mmu_host_to_prot(pgprot_t prot)
{
	pteval_t e = pgprot_val(prot);
	int p;

	if (!(e & _PAGE_PRESENT))
		return PROT_NONE;
	p = PROT_READ;
	if (e & _PAGE_RW)
		p |= PROT_WRITE;
	if (!(e & _PAGE_NX))
		p |= PROT_EXEC;
	if (wx_forbidden && (p & PROT_EXEC))
		p &= ~PROT_WRITE;
	return p;
}

static long host_max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/*
 * Reserve the window, PMD-aligned so that 2 MiB leaves line up. A 39-bit
 * layout needs it below 2^39; the host places it anywhere otherwise. If the
 * size asked for cannot be had, halve it until it can, and say so.
 */
static int host_reserve(unsigned long size)
{
	unsigned long want = ALIGN_UP(size, PMD_SIZE), len;
	/* A 39-bit layout keeps the window in its lower half. */
	unsigned long limit = mmu.levels == 3 ? 1UL << 38 : 0;
	char a[32], b[32];

	for (len = want; len >= MIN_WINDOW;
	     len = ALIGN_DOWN(len / 2, PMD_SIZE)) {
		void *hint = limit ? (void *)(1UL << 36) : NULL;
		char *p = mmap(hint, len + PMD_SIZE, PROT_NONE, RESERVE_FLAGS,
			       -1, 0);
		unsigned long start, end;

		if (p == MAP_FAILED)
			continue;
		start = ALIGN_UP((unsigned long)p, PMD_SIZE);
		end = start + len;
		if (limit && end > limit) {
			munmap(p, len + PMD_SIZE);
			continue;
		}
		if (start > (unsigned long)p)
			munmap(p, start - (unsigned long)p);
		if ((unsigned long)p + len + PMD_SIZE > end)
			munmap((void *)end,
			       (unsigned long)p + len + PMD_SIZE - end);
		mmu.vmalloc_start = start;
		mmu.vmalloc_end = end;
		if (len < want) {
			uvm_format_size(want, a, sizeof(a));
			uvm_format_size(len, b, sizeof(b));
			pr_info("mmu: the host cannot reserve vmalloc=%s; the window is %s",
				a, b);
		}
		return 0;
	}
	pr_err("mmu: the host cannot reserve even a %luM vmalloc window",
	       MIN_WINDOW >> 20);
	return -ENOMEM;
}

static void host_release(void)
{
	if (mmu.vmalloc_end > mmu.vmalloc_start)
		munmap((void *)mmu.vmalloc_start,
		       mmu.vmalloc_end - mmu.vmalloc_start);
}

/* Fill any hole a failed MAP_FIXED left in [addr, addr + len). */
static void rereserve(unsigned long addr, unsigned long len)
{
	unsigned long a;

	if (mmap((void *)addr, len, PROT_NONE,
		 RESERVE_FLAGS | MAP_FIXED_NOREPLACE, -1, 0) != MAP_FAILED ||
	    errno != EEXIST)
		return;
	for (a = addr; a < addr + len; a += PAGE_SIZE)
		mmap((void *)a, PAGE_SIZE, PROT_NONE,
		     RESERVE_FLAGS | MAP_FIXED_NOREPLACE, -1, 0);
}

static int host_refused(unsigned long addr, unsigned long nr, int err,
			bool injected)
{
	atomic_fetch_add(&mmu.host_failures, 1);
	pr_warn("mmu: the host refused to map %lu pages at %#lx: %s%s (vm.max_map_count is %ld; %lu host mappings made so far)",
		nr, addr, strerror(-err), injected ? " (injected)" : "",
		host_max_map_count(), atomic_load(&mmu.host_maps));
	return err;
}

static int host_map(unsigned long addr, unsigned long pfn, unsigned long nr,
		    pgprot_t prot)
{
	struct pglist_data *pgdat =
		&phys.nodes[__page_to_nid(__pfn_to_page(pfn))];
	off_t off = (off_t)(pfn - pgdat->node_start_pfn) << PAGE_SHIFT;
	size_t len = nr << PAGE_SHIFT;
	int hp = mmu_host_to_prot(prot);
	void *p;

	if (should_fail(&mmu.fail_host_map, (long)nr))
		return host_refused(addr, nr, -ENOMEM, true);
	p = mmap((void *)addr, len, hp, MAP_SHARED | MAP_FIXED, pgdat->memfd,
		 off);
	if (p == MAP_FAILED && (errno == EACCES || errno == EPERM) &&
	    (hp & PROT_EXEC) && (hp & PROT_WRITE)) {
		wx_forbidden = true;
		pr_info("mmu: the host forbids writable+executable mappings; PAGE_KERNEL_EXEC maps read+execute");
		p = mmap((void *)addr, len, hp & ~PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, pgdat->memfd, off);
	}
	if (p == MAP_FAILED) {
		int err = -errno;

		rereserve(addr, len);
		return host_refused(addr, nr, err, false);
	}
	atomic_fetch_add_explicit(&mmu.host_maps, 1, memory_order_relaxed);
	return 0;
}

/*
 * Put the reservation back over a range. Mapping over it splits the VMAs
 * around it, which the host refuses once the process is at its cap, even
 * though the result would have fewer VMAs. Then munmap() the range, which
 * needs no split when the range is whole mappings (a mapped run usually is
 * one), and fill the hole; if even that fails the range stays mapped and
 * the caller must not reuse its frames.
 */
static int host_unmap(unsigned long addr, unsigned long size)
{
	int err;

	atomic_fetch_add_explicit(&mmu.host_unmaps, 1, memory_order_relaxed);
	if (mmap((void *)addr, size, PROT_NONE, RESERVE_FLAGS | MAP_FIXED, -1,
		 0) != MAP_FAILED)
		return 0;
	err = -errno;
	if (!munmap((void *)addr, size)) {
		rereserve(addr, size);
		return 0;
	}
	atomic_fetch_add(&mmu.host_failures, 1);
	pr_err("mmu: the host refused to unmap %#lx+%#lx: %s (vm.max_map_count is %ld); it stays mapped",
	       addr, size, strerror(-err), host_max_map_count());
	return err;
}

static int host_protect(unsigned long addr, unsigned long size, pgprot_t prot)
{
	atomic_fetch_add_explicit(&mmu.host_protects, 1, memory_order_relaxed);
	if (mprotect((void *)addr, size, mmu_host_to_prot(prot))) {
		int err = -errno;

		atomic_fetch_add(&mmu.host_failures, 1);
		pr_warn("mmu: the host refused to change the protection of %#lx+%#lx: %s (vm.max_map_count is %ld)",
			addr, size, strerror(-err), host_max_map_count());
		return err;
	}
	return 0;
}

const struct mmu_backend mmu_host_backend = {
	.name = "host",
	.mirrors = true,
	.reserve = host_reserve,
	.release = host_release,
	.map = host_map,
	.unmap = host_unmap,
	.protect = host_protect,
};
