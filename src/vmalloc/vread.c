/* SPDX-License-Identifier: MIT */
/*
 * vread() and vwrite(): copying to and from the vmalloc window through the
 * page tables and the direct map (mmu_backing()), so they work on either
 * backend and never fault. Holes read as zeros and are skipped by writes, as
 * the kernel's vread_iter() treats them; read-only leaves are skipped by
 * writes too.
 */
#include <linux/vmalloc.h>
#include <string.h>

#include "lib/compiler.h"
#include "lib/runtime.h"
#include "mmu/mmu.h"

/* Clamp a count that would run past the top of the address space. */
static unsigned long clamp_count(unsigned long addr, unsigned long count)
{
	return addr + count < addr ? -addr : count;
}

/*
 * Walk [addr, addr + count) a page at a time; @copy gets each chunk's
 * backing bytes in the direct map (NULL where there are none, or where the
 * leaf lacks the entry bits @need) and the matching stretch of the caller's
 * buffer. Returns the bytes @copy moved.
 */
static unsigned long
for_each_chunk(char *buf, unsigned long addr, unsigned long count,
	       pteval_t need,
	       unsigned long (*copy)(char *buf, char *backing, unsigned long n))
{
	unsigned long done = 0, moved = 0;

	while (done < count) {
		unsigned long n =
			min(count - done, PAGE_SIZE - (addr & ~PAGE_MASK));

		moved += copy(buf + done, mmu_backing(addr, need), n);
		done += n;
		addr += n;
	}
	return moved;
}

/* Holes read as zeros. */
static unsigned long copy_out(char *buf, char *backing, unsigned long n)
{
	if (backing)
		memcpy(buf, backing, n);
	else
		memset(buf, 0, n);
	return n;
}

/* Holes and read-only pages are skipped. */
static unsigned long copy_in(char *buf, char *backing, unsigned long n)
{
	if (!backing)
		return 0;
	memcpy(backing, buf, n);
	return n;
}

long vread(char *buf, char *addr, unsigned long count)
{
	if (!uvm_ensure_booted() || !buf)
		return 0;
	count = clamp_count((unsigned long)addr, count);
	return (long)for_each_chunk(buf, (unsigned long)addr, count, 0,
				    copy_out);
}

long vwrite(char *buf, char *addr, unsigned long count)
{
	if (!uvm_ensure_booted() || !buf)
		return 0;
	count = clamp_count((unsigned long)addr, count);
	return (long)for_each_chunk(buf, (unsigned long)addr, count, _PAGE_RW,
				    copy_in);
}
