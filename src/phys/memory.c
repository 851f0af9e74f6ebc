/* SPDX-License-Identifier: MIT */
/*
 * Physical memory layout: nodes backed by memfds, zones placed by physical
 * address as on x86_64, mem_map, the direct map, watermarks, and the frame
 * arithmetic of <linux/mm.h>.
 *
 * With mem=1G numa=2 the picture is:
 *
 *   pfn 0        0x1000                 0x20000                0x40000
 *   |  DMA (16M)  |   DMA32 of node 0    |   DMA32 of node 1     |
 *   |<-------------- node 0 ------------>|<------ node 1 ------->|
 *   direct_map + pfn * PAGE_SIZE is the frame's host address.
 *
 * A zone is clipped to its node, so a node may lack some zones entirely;
 * such zones stay unpopulated and never appear in a zonelist.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/runtime.h"
#include "phys.h"

struct phys_mem phys;

static const char *const zone_names[MAX_NR_ZONES] = {
	[ZONE_DMA] = "DMA",
	[ZONE_DMA32] = "DMA32",
	[ZONE_NORMAL] = "Normal",
};

/* The share of each lower zone kept back from higher zones' users. */
static const int lowmem_reserve_ratio[MAX_NR_ZONES] = {
	[ZONE_DMA] = 256,
	[ZONE_DMA32] = 256,
	[ZONE_NORMAL] = 32,
};

#define WATERMARK_SCALE_FACTOR 10

int phys_zone_populated_count(void)
{
	struct zone *zone;
	int n = 0;

	for_each_populated_zone(zone)
		n++;
	return n;
}

/* Clip [lo, hi) to the node's frames; an empty result has spanned 0. */
static void zone_place(struct zone *zone, const struct pglist_data *pgdat,
		       unsigned long lo, unsigned long hi)
{
	unsigned long start = max(lo, pgdat->node_start_pfn);
	unsigned long end =
		min(hi, pgdat->node_start_pfn + pgdat->node_spanned_pages);

	zone->zone_start_pfn = start;
	zone->spanned_pages = end > start ? end - start : 0;
	zone->present_pages = zone->spanned_pages;
}

static int zone_alloc_tables(struct zone *zone)
{
	unsigned long base, nr_blocks;
	size_t i;

	base = ALIGN_DOWN(zone->zone_start_pfn, pageblock_nr_pages);
	nr_blocks = (ALIGN_UP(zone_end_pfn(zone), pageblock_nr_pages) - base) >>
		    pageblock_order;
	zone->pageblock_base = base;
	zone->pageblock_mt = malloc(nr_blocks);
	if (!zone->pageblock_mt)
		return -ENOMEM;
	/* As the kernel's memmap_init(): every block starts movable. */
	memset(zone->pageblock_mt, MIGRATE_MOVABLE, nr_blocks);

	if (posix_memalign((void **)&zone->pcp, CACHELINE,
			   sizeof(*zone->pcp) * phys.nr_cpus))
		return -ENOMEM;
	for (i = 0; i < (size_t)phys.nr_cpus; i++)
		memset(&zone->pcp[i], 0, sizeof(zone->pcp[i]));
	return 0;
}

static void zone_init(struct zone *zone, int nid, enum zone_type idx)
{
	int o, mt;

	spin_lock_init(&zone->lock);
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		for (mt = 0; mt < MIGRATE_TYPES; mt++)
			INIT_LIST_HEAD(&zone->free_area[o].free_list[mt]);
	atomic_init(&zone->free_pages, 0);
	zone->node = nid;
	zone->idx = idx;
	zone->name = zone_names[idx];
}

/*
 * The frames of a zone go to the buddy allocator in the largest naturally
 * aligned blocks that fit, as memblock_free_all() hands them over.
 */
static void zone_free_all(struct zone *zone)
{
	unsigned long pfn = zone->zone_start_pfn, end = zone_end_pfn(zone);

	spin_lock(&zone->lock);
	while (pfn < end) {
		unsigned int order = MAX_PAGE_ORDER;

		if (pfn)
			order = min(order, (unsigned int)__builtin_ctzl(pfn));
		while (pfn + (1UL << order) > end)
			order--;
		__free_one_page(zone, __pfn_to_page(pfn), order, true);
		pfn += 1UL << order;
	}
	zone->managed_pages = zone->present_pages;
	spin_unlock(&zone->lock);
}

/*
 * min_free_kbytes = sqrt(lowmem_kbytes * 16), clamped to [128, 262144], split
 * over the zones by size; low and high sit a quarter and a half of min above
 * it, or 0.1% of the zone if that is more (watermark_scale_factor = 10).
 */
static void setup_watermarks(void)
{
	unsigned long lowmem_pages = 0, pages_min;
	struct zone *zone;
	int z, j;

	for_each_zone(zone)
		lowmem_pages += zone->managed_pages;

	if (phys.params.min_free_kbytes) {
		phys.min_free_kbytes = phys.params.min_free_kbytes;
	} else {
		unsigned long kb = lowmem_pages * (PAGE_SIZE / 1024);

		phys.min_free_kbytes =
			clamp(int_sqrt(kb * 16), 128UL, 262144UL);
	}
	pages_min = phys.min_free_kbytes >> (PAGE_SHIFT - 10);

	for_each_zone(zone) {
		const struct pglist_data *pgdat = &phys.nodes[zone->node];
		unsigned long min, step;

		min = lowmem_pages ? (unsigned long)((__uint128_t)pages_min *
						     zone->managed_pages /
						     lowmem_pages) :
				     0;
		step = max(min >> 2, zone->managed_pages *
					     WATERMARK_SCALE_FACTOR / 10000);
		zone->watermark[WMARK_MIN] = min;
		zone->watermark[WMARK_LOW] = min + step;
		zone->watermark[WMARK_HIGH] = min + 2 * step;

		/* Pages zone z keeps from users whose top zone is j. */
		z = zone->idx;
		for (j = 0; j < MAX_NR_ZONES; j++) {
			unsigned long above = 0;
			int k;

			for (k = z + 1; k <= j; k++)
				above += pgdat->node_zones[k].managed_pages;
			zone->lowmem_reserve[j] =
				j > z ? (long)(above /
					       lowmem_reserve_ratio[z]) :
					0;
		}
	}
}

/*
 * Own node first, each node's zones highest first: the kernel's node-ordered
 * zonelist. With uniform distances the other nodes follow in id order,
 * starting after our own so that fallback load spreads.
 */
static void build_zonelists(void)
{
	int nid, i, z, n;

	for_each_online_node(nid) {
		struct pglist_data *pgdat = &phys.nodes[nid];

		n = 0;
		for (i = 0; i < phys.nr_nodes; i++) {
			struct pglist_data *other =
				&phys.nodes[(nid + i) % phys.nr_nodes];

			for (z = MAX_NR_ZONES - 1; z >= 0; z--)
				if (populated_zone(&other->node_zones[z]))
					pgdat->zonelist[n++] =
						&other->node_zones[z];
		}
		pgdat->zonelist[n] = NULL;
	}
}

static int node_map_memory(struct pglist_data *pgdat)
{
	size_t bytes = pgdat->node_spanned_pages << PAGE_SHIFT;
	char name[32];
	void *at;

	snprintf(name, sizeof(name), "uvmalloc-node%d", pgdat->node_id);
	pgdat->memfd = memfd_create(name, MFD_CLOEXEC);
	if (pgdat->memfd < 0) {
		pr_err("phys: memfd_create for node %d failed: %s",
		       pgdat->node_id, strerror(errno));
		return -errno;
	}
	if (ftruncate(pgdat->memfd, (off_t)bytes)) {
		int err = errno;

		pr_err("phys: sizing node %d's memory to %zu bytes failed: %s",
		       pgdat->node_id, bytes, strerror(err));
		return -err;
	}
	at = mmap(phys.direct_map + (pgdat->node_start_pfn << PAGE_SHIFT),
		  bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		  pgdat->memfd, 0);
	if (at == MAP_FAILED) {
		int err = errno;

		pr_err("phys: direct-mapping node %d failed: %s",
		       pgdat->node_id, strerror(err));
		return -err;
	}
	return 0;
}

/* mem_map may take at most this share of the host's RAM. */
#define MEM_MAP_HOST_SHARE 16

/* The host's RAM in bytes, or 0 if it cannot say. */
static unsigned long host_ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (unsigned long)pages * size : 0;
}

static int host_cpus(void)
{
	int n = get_nprocs_conf();

	return clamp(n, 1, MAX_NR_CPUS);
}

static void init_mem_map(void)
{
	struct zone *zone;

	for_each_zone(zone) {
		unsigned long pfn;
		unsigned long flags =
			((unsigned long)zone->idx << PAGE_ZONE_SHIFT) |
			((unsigned long)zone->node << PAGE_NODE_SHIFT);

		for (pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone);
		     pfn++) {
			struct page *page = __pfn_to_page(pfn);

			page->flags = flags;
			INIT_LIST_HEAD(&page->lru);
			atomic_init(&page->_refcount, 0);
		}
	}
}

int phys_init(const struct phys_params *params)
{
	unsigned long total, dma_end, dma32_end, host;
	struct zone *zone;
	int nid, z, cpu, err;

	memset(&phys, 0, sizeof(phys));
	phys.params = *params;
	for (nid = 0; nid < MAX_NUMNODES; nid++)
		phys.nodes[nid].memfd = -1;

	total = params->mem >> PAGE_SHIFT;
	phys.nr_nodes = (int)params->numa;
	phys.nr_cpus = params->nr_cpus ? (int)params->nr_cpus : host_cpus();
	if (total / phys.nr_nodes < 256) {
		pr_err("phys: mem=%lu is too small for %d node(s): each needs at least 1M",
		       params->mem, phys.nr_nodes);
		return -EINVAL;
	}
	if (params->zone_dma > params->zone_dma32) {
		pr_err("phys: zone_dma=%lu lies above zone_dma32=%lu",
		       params->zone_dma, params->zone_dma32);
		return -EINVAL;
	}
	/*
	 * Every struct page is written at boot: mem= may not ask for more
	 * of them than a sixteenth of the host's RAM holds (mem= up to 8x
	 * the host's RAM), or the boot would exhaust the host instead of
	 * failing.
	 */
	host = host_ram_bytes();
	if (host && total * sizeof(struct page) > host / MEM_MAP_HOST_SHARE) {
		pr_err("phys: mem=%lu needs %lu MiB of struct pages, more than 1/%d of the host's %lu MiB of RAM",
		       params->mem, (total * sizeof(struct page)) >> 20,
		       MEM_MAP_HOST_SHARE, host >> 20);
		return -ENOMEM;
	}
	phys.max_pfn = total;

	/* Parsed now, so a bad value fails the boot; armed by phys_late_init(). */
	fault_attr_init(&phys.fail_page_alloc, "fail_page_alloc");
	if (setup_fault_attr(&phys.fail_page_alloc, params->fail_page_alloc))
		return -EINVAL;
	phys.fail_page_alloc.enabled = 0;

	phys.mem_map_bytes = PAGE_ALIGN(total * sizeof(struct page));
	phys.mem_map = mmap(NULL, phys.mem_map_bytes, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (phys.mem_map == MAP_FAILED) {
		phys.mem_map = NULL;
		pr_err("phys: cannot map mem_map (%zu bytes): %s",
		       phys.mem_map_bytes, strerror(errno));
		err = -ENOMEM;
		goto fail;
	}

	phys.direct_map_bytes = total << PAGE_SHIFT;
	phys.direct_map = mmap(NULL, phys.direct_map_bytes, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
			       0);
	if (phys.direct_map == MAP_FAILED) {
		phys.direct_map = NULL;
		pr_err("phys: cannot reserve the direct map (%zu bytes): %s",
		       phys.direct_map_bytes, strerror(errno));
		err = -ENOMEM;
		goto fail;
	}

	/* CPUs are spread over nodes in contiguous runs, as on real boxes. */
	for (cpu = 0; cpu < phys.nr_cpus; cpu++)
		phys.cpu_node[cpu] =
			(uint8_t)((long)cpu * phys.nr_nodes / phys.nr_cpus);

	dma_end = params->zone_dma >> PAGE_SHIFT;
	dma32_end = params->zone_dma32 >> PAGE_SHIFT;
	for_each_online_node(nid) {
		struct pglist_data *pgdat = &phys.nodes[nid];
		unsigned long start = total * nid / phys.nr_nodes;
		unsigned long end = total * (nid + 1) / phys.nr_nodes;

		pgdat->node_id = nid;
		pgdat->node_start_pfn = start;
		pgdat->node_spanned_pages = end - start;
		for (z = 0; z < MAX_NR_ZONES; z++)
			zone_init(&pgdat->node_zones[z], nid, z);
		zone_place(&pgdat->node_zones[ZONE_DMA], pgdat, 0, dma_end);
		zone_place(&pgdat->node_zones[ZONE_DMA32], pgdat, dma_end,
			   dma32_end);
		zone_place(&pgdat->node_zones[ZONE_NORMAL], pgdat, dma32_end,
			   ~0UL);
		for_each_populated_node_zone(pgdat, zone) {
			err = zone_alloc_tables(zone);
			if (err) {
				pr_err("phys: out of host memory for zone tables");
				goto fail;
			}
		}
		err = node_map_memory(pgdat);
		if (err)
			goto fail;
	}

	init_mem_map();
	for_each_populated_zone(zone)
		zone_free_all(zone);
	setup_watermarks();
	build_zonelists();
	for_each_populated_zone(zone)
		pcp_setup(zone);
	return 0;

fail:
	phys_exit();
	return err;
}

void phys_late_init(void)
{
	struct fault_attr armed;

	/*
	 * The layers above took their boot pages through the per-CPU lists;
	 * send the rest of those batches back so that every boot leaves the
	 * same free lists, whichever CPU it ran on.
	 */
	phys_drain(NULL);
	fault_attr_init(&armed, "fail_page_alloc");
	if (!setup_fault_attr(&armed, phys.params.fail_page_alloc))
		phys.fail_page_alloc.enabled = armed.enabled;
}

void phys_exit(void)
{
	struct zone *zone;
	int nid;

	for (nid = 0; nid < MAX_NUMNODES; nid++) {
		struct pglist_data *pgdat = &phys.nodes[nid];

		for_each_node_zone(pgdat, zone) {
			free(zone->pageblock_mt);
			free(zone->pcp);
		}
		if (pgdat->memfd >= 0)
			close(pgdat->memfd);
	}
	if (phys.direct_map)
		munmap(phys.direct_map, phys.direct_map_bytes);
	if (phys.mem_map)
		munmap(phys.mem_map, phys.mem_map_bytes);
	memset(&phys, 0, sizeof(phys));
}

/*
 * The kernel-named frame arithmetic. Each validates its argument, since a
 * user-space caller can hand over anything; the checks are range compares.
 */

void *page_address(const struct page *page)
{
	if (unlikely(!phys_page_valid(page))) {
		pr_warn("%s: %p is not a struct page", __func__, page);
		return NULL;
	}
	return __page_address(page);
}

int virt_addr_valid(const void *addr)
{
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)phys.direct_map;

	return phys.direct_map && a >= base && a - base < phys.direct_map_bytes;
}

struct page *virt_to_page(const void *addr)
{
	if (unlikely(!virt_addr_valid(addr))) {
		pr_warn("%s: %p is not in the direct map", __func__, addr);
		return NULL;
	}
	return __pfn_to_page(((uintptr_t)addr - (uintptr_t)phys.direct_map) >>
			     PAGE_SHIFT);
}

unsigned long page_to_pfn(const struct page *page)
{
	if (unlikely(!phys_page_valid(page))) {
		pr_warn("%s: %p is not a struct page", __func__, page);
		return ~0UL;
	}
	return __page_to_pfn(page);
}

int pfn_valid(unsigned long pfn)
{
	return phys.mem_map && pfn < phys.max_pfn;
}

struct page *pfn_to_page(unsigned long pfn)
{
	if (unlikely(!pfn_valid(pfn))) {
		pr_warn("%s: pfn %#lx is not a frame of any node", __func__,
			pfn);
		return NULL;
	}
	return __pfn_to_page(pfn);
}

phys_addr_t page_to_phys(const struct page *page)
{
	if (unlikely(!phys_page_valid(page))) {
		pr_warn("%s: %p is not a struct page", __func__, page);
		return ~0ULL;
	}
	return (phys_addr_t)__page_to_pfn(page) << PAGE_SHIFT;
}

int page_to_nid(const struct page *page)
{
	if (unlikely(!phys_page_valid(page))) {
		pr_warn("%s: %p is not a struct page", __func__, page);
		return NUMA_NO_NODE;
	}
	return __page_to_nid(page);
}

enum zone_type page_zonenum(const struct page *page)
{
	if (unlikely(!phys_page_valid(page))) {
		pr_warn("%s: %p is not a struct page", __func__, page);
		return MAX_NR_ZONES;
	}
	return __page_zonenum(page);
}

int smp_processor_id(void)
{
	if (!uvm_ensure_booted())
		return 0;
	return phys_cpu();
}

int cpu_to_node(int cpu)
{
	if (!uvm_ensure_booted())
		return NUMA_NO_NODE;
	if (cpu < 0 || cpu >= phys.nr_cpus) {
		pr_warn("%s: cpu %d is not online (nr_cpus=%d)", __func__, cpu,
			phys.nr_cpus);
		return NUMA_NO_NODE;
	}
	return phys_cpu_to_node(cpu);
}

int numa_node_id(void)
{
	if (!uvm_ensure_booted())
		return 0;
	return phys_cpu_to_node(phys_cpu());
}

unsigned int num_online_cpus(void)
{
	return uvm_ensure_booted() ? (unsigned int)phys.nr_cpus : 0;
}

unsigned int num_online_nodes(void)
{
	return uvm_ensure_booted() ? (unsigned int)phys.nr_nodes : 0;
}

unsigned long totalram_pages(void)
{
	return uvm_ensure_booted() ? phys.max_pfn : 0;
}
