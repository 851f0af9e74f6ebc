/* SPDX-License-Identifier: MIT */
/*
 * <linux/mm.h> for uvmalloc: pages, page frames and the direct map.
 *
 * struct page is opaque to callers: every question about a page goes through
 * the functions below, as kernel code outside mm/ should.
 */
#ifndef UVMALLOC_LINUX_MM_H
#define UVMALLOC_LINUX_MM_H

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is the library's ABI; the rest is hidden. */
#pragma GCC visibility push(default)

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(addr) (((addr) + PAGE_SIZE - 1) & PAGE_MASK)
#define PAGE_ALIGNED(addr) ((((unsigned long)(addr)) & (PAGE_SIZE - 1)) == 0)

/* Orders 0..MAX_PAGE_ORDER; MAX_ORDER keeps its historical "one past". */
#define MAX_PAGE_ORDER 10
#define NR_PAGE_ORDERS (MAX_PAGE_ORDER + 1)
#define MAX_ORDER NR_PAGE_ORDERS
#define MAX_ORDER_NR_PAGES (1UL << MAX_PAGE_ORDER)
#define PAGE_ALLOC_COSTLY_ORDER 3

#define pageblock_order 9
#define pageblock_nr_pages (1UL << pageblock_order)

#define NUMA_NO_NODE (-1)
#define MAX_NUMNODES 64

typedef unsigned long long phys_addr_t;

enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	MAX_NR_ZONES
};

struct page;

/* The page's bytes through the direct map (NULL for an invalid page). */
void *page_address(const struct page *page);
/* The page whose direct-map bytes contain @addr, or NULL. */
struct page *virt_to_page(const void *addr);
int virt_addr_valid(const void *addr);

unsigned long page_to_pfn(const struct page *page);
/* NULL when @pfn is not a frame of any node. */
struct page *pfn_to_page(unsigned long pfn);
int pfn_valid(unsigned long pfn);
phys_addr_t page_to_phys(const struct page *page);

int page_to_nid(const struct page *page);
enum zone_type page_zonenum(const struct page *page);

/* Reference counting: the last put_page() frees the page's block. */
int page_count(const struct page *page);
void get_page(struct page *page);
void put_page(struct page *page);

/* The CPU and node the caller runs on, as the instance numbers them. */
int smp_processor_id(void);
int numa_node_id(void);
int cpu_to_node(int cpu);
unsigned int num_online_cpus(void);
unsigned int num_online_nodes(void);

/* The instance's RAM in pages, as the kernel's totalram_pages(). */
unsigned long totalram_pages(void);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

/* As in the kernel, mm.h brings the page-table definitions along. */
#include <linux/pgtable.h>

#endif /* UVMALLOC_LINUX_MM_H */
