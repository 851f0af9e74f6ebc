/* SPDX-License-Identifier: MIT */
/*
 * <linux/gfp.h> for uvmalloc: get-free-page flags and the page allocator.
 *
 * The flag values follow the kernel's 6.x layout so that masks printed by one
 * read the same in the other. Modifiers that only make sense with reclaim,
 * cgroups or KASAN are accepted and ignored; their bits still exist so that
 * kernel code compiles unchanged.
 */
#ifndef UVMALLOC_LINUX_GFP_H
#define UVMALLOC_LINUX_GFP_H

#include <linux/mm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is the library's ABI; the rest is hidden. */
#pragma GCC visibility push(default)

typedef unsigned int gfp_t;

#define ___GFP_DMA 0x01u
#define ___GFP_HIGHMEM 0x02u
#define ___GFP_DMA32 0x04u
#define ___GFP_MOVABLE 0x08u
#define ___GFP_RECLAIMABLE 0x10u
#define ___GFP_HIGH 0x20u
#define ___GFP_IO 0x40u
#define ___GFP_FS 0x80u
#define ___GFP_ZERO 0x100u
#define ___GFP_DIRECT_RECLAIM 0x200u
#define ___GFP_KSWAPD_RECLAIM 0x400u
#define ___GFP_WRITE 0x800u
#define ___GFP_NOWARN 0x1000u
#define ___GFP_RETRY_MAYFAIL 0x2000u
#define ___GFP_NOFAIL 0x4000u
#define ___GFP_NORETRY 0x8000u
#define ___GFP_MEMALLOC 0x10000u
#define ___GFP_COMP 0x20000u
#define ___GFP_NOMEMALLOC 0x40000u
#define ___GFP_HARDWALL 0x80000u
#define ___GFP_THISNODE 0x100000u
#define ___GFP_ACCOUNT 0x200000u
#define ___GFP_ZEROTAGS 0x400000u
#define ___GFP_SKIP_ZERO 0x800000u
#define ___GFP_SKIP_KASAN 0x1000000u
#define ___GFP_NOLOCKDEP 0x2000000u
#define ___GFP_LAST_BIT 26

/* Zone modifiers: at most one of DMA and DMA32. */
#define __GFP_DMA ((gfp_t)___GFP_DMA)
#define __GFP_HIGHMEM ((gfp_t)___GFP_HIGHMEM)
#define __GFP_DMA32 ((gfp_t)___GFP_DMA32)
#define __GFP_MOVABLE ((gfp_t)___GFP_MOVABLE)
#define GFP_ZONEMASK (__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE)

/* Mobility and placement. */
#define __GFP_RECLAIMABLE ((gfp_t)___GFP_RECLAIMABLE)
#define __GFP_WRITE ((gfp_t)___GFP_WRITE)
#define __GFP_HARDWALL ((gfp_t)___GFP_HARDWALL)
#define __GFP_THISNODE ((gfp_t)___GFP_THISNODE)
#define __GFP_ACCOUNT ((gfp_t)___GFP_ACCOUNT)
#define GFP_MOVABLE_MASK (__GFP_RECLAIMABLE | __GFP_MOVABLE)

/* Watermark modifiers. */
#define __GFP_HIGH ((gfp_t)___GFP_HIGH)
#define __GFP_MEMALLOC ((gfp_t)___GFP_MEMALLOC)
#define __GFP_NOMEMALLOC ((gfp_t)___GFP_NOMEMALLOC)

/* Reclaim modifiers. */
#define __GFP_IO ((gfp_t)___GFP_IO)
#define __GFP_FS ((gfp_t)___GFP_FS)
#define __GFP_DIRECT_RECLAIM ((gfp_t)___GFP_DIRECT_RECLAIM)
#define __GFP_KSWAPD_RECLAIM ((gfp_t)___GFP_KSWAPD_RECLAIM)
#define __GFP_RECLAIM (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define __GFP_RETRY_MAYFAIL ((gfp_t)___GFP_RETRY_MAYFAIL)
#define __GFP_NOFAIL ((gfp_t)___GFP_NOFAIL)
#define __GFP_NORETRY ((gfp_t)___GFP_NORETRY)

/* Action modifiers. */
#define __GFP_NOWARN ((gfp_t)___GFP_NOWARN)
#define __GFP_COMP ((gfp_t)___GFP_COMP)
#define __GFP_ZERO ((gfp_t)___GFP_ZERO)
#define __GFP_ZEROTAGS ((gfp_t)___GFP_ZEROTAGS)
#define __GFP_SKIP_ZERO ((gfp_t)___GFP_SKIP_ZERO)
#define __GFP_SKIP_KASAN ((gfp_t)___GFP_SKIP_KASAN)
#define __GFP_NOLOCKDEP ((gfp_t)___GFP_NOLOCKDEP)

#define __GFP_BITS_SHIFT ___GFP_LAST_BIT
#define __GFP_BITS_MASK ((gfp_t)((1u << __GFP_BITS_SHIFT) - 1))

/* The combinations callers use. */
#define GFP_ATOMIC (__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT (GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT (__GFP_KSWAPD_RECLAIM | __GFP_NOWARN)
#define GFP_NOIO (__GFP_RECLAIM)
#define GFP_NOFS (__GFP_RECLAIM | __GFP_IO)
#define GFP_USER (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA __GFP_DMA
#define GFP_DMA32 __GFP_DMA32
#define GFP_HIGHUSER (GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE (GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN)

/**
 * gfpflags_allow_blocking() - whether an allocation may sleep
 * @gfp: the request's flags
 *
 * Return: true when @gfp allows direct reclaim.
 */
static inline int gfpflags_allow_blocking(gfp_t gfp)
{
	return !!(gfp & __GFP_DIRECT_RECLAIM);
}

/*
 * Page allocation. A NULL return (or 0 for the address forms) means no memory;
 * a warning line is printed unless __GFP_NOWARN is set.
 */
struct page *alloc_pages(gfp_t gfp, unsigned int order);
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
struct page *__alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
#define alloc_page(gfp) alloc_pages(gfp, 0)

unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
#define __get_free_page(gfp) __get_free_pages(gfp, 0)
unsigned long get_zeroed_page(gfp_t gfp);

void __free_pages(struct page *page, unsigned int order);
#define __free_page(page) __free_pages(page, 0)
void free_pages(unsigned long addr, unsigned int order);
#define free_page(addr) free_pages(addr, 0)

unsigned long alloc_pages_bulk_node(gfp_t gfp, int nid, unsigned long nr_pages,
				    struct page **page_array);
#define alloc_pages_bulk(gfp, nr_pages, page_array) \
	alloc_pages_bulk_node(gfp, NUMA_NO_NODE, nr_pages, page_array)
/* The 5.13 to 6.13 spelling of the same call. */
#define alloc_pages_bulk_array(gfp, nr_pages, page_array) \
	alloc_pages_bulk(gfp, nr_pages, page_array)

void split_page(struct page *page, unsigned int order);

struct zone;
void drain_all_pages(struct zone *zone);
void drain_local_pages(struct zone *zone);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* UVMALLOC_LINUX_GFP_H */
