/* SPDX-License-Identifier: MIT */
/*
 * vread() and vwrite(): copying to and from the vmalloc window through the
 * page tables and the direct map, so they work on either backend and never
 * fault. Holes read as zeros and are skipped by writes, as the kernel's
 * vread_iter() treats them; read-only leaves are skipped by writes too.
 */
#include <string.h>

#include "lib/runtime.h"
#include "mmu.h"
#include "phys/phys.h"

/*
 * Where the byte at @addr lives in the direct map, or NULL for a hole, a
 * frame outside RAM, or (when @write) a leaf that is not writable.
 */
static char *backing_byte(unsigned long addr, bool write)
{
	unsigned long leaf_size, pfn;
	pteval_t e;

	if (!mmu_in_window(addr, 1))
		return NULL;
	e = mmu_lookup(addr, &leaf_size);
	if (!entry_present(e) || (write && !(e & _PAGE_RW)))
		return NULL;
	pfn = entry_pfn(e) + ((addr & (leaf_size - 1)) >> PAGE_SHIFT);
	if (pfn >= phys.max_pfn)
		return NULL;
	return phys.direct_map + (pfn << PAGE_SHIFT) + (addr & ~PAGE_MASK);
}

/* Clamp a count that would run past the top of the address space. */
static unsigned long clamp_count(unsigned long addr, unsigned long count)
{
	return addr + count < addr ? -addr : count;
}

long vread(char *buf, char *addr, unsigned long count)
{
	unsigned long a = (unsigned long)addr, done = 0;

	if (!uvm_ensure_booted() || !buf)
		return 0;
	count = clamp_count(a, count);
	while (done < count) {
		unsigned long n =
			min(count - done, PAGE_SIZE - (a & ~PAGE_MASK));
		const char *src = backing_byte(a, false);

		if (src)
			memcpy(buf + done, src, n);
		else
			memset(buf + done, 0, n);
		done += n;
		a += n;
	}
	return (long)count;
}

long vwrite(char *buf, char *addr, unsigned long count)
{
	unsigned long a = (unsigned long)addr, done = 0, written = 0;

	if (!uvm_ensure_booted() || !buf)
		return 0;
	count = clamp_count(a, count);
	while (done < count) {
		unsigned long n =
			min(count - done, PAGE_SIZE - (a & ~PAGE_MASK));
		char *dst = backing_byte(a, true);

		if (dst) {
			memcpy(dst, buf + done, n);
			written += n;
		}
		done += n;
		a += n;
	}
	return (long)written;
}
