/* SPDX-License-Identifier: MIT */
/*
 * /proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo and /proc/meminfo,
 * line for line in the kernel's formats, plus "layout": the physical map in
 * the shape of the kernel's boot log.
 */
#include <errno.h>
#include <string.h>
#include <uvmalloc.h>

#include "phys/phys.h"
#include "proc.h"

#define for_each_zone(nid, z, zone)                                       \
	for (nid = 0; nid < phys.nr_nodes; nid++)                         \
		for (z = 0; z < MAX_NR_ZONES &&                           \
			    ((zone = &phys.nodes[nid].node_zones[z]), 1); \
		     z++)

static void show_buddyinfo(FILE *out)
{
	struct zone *zone;
	int nid, z, order;

	for_each_zone(nid, z, zone) {
		if (!populated_zone(zone))
			continue;
		fprintf(out, "Node %d, zone %8s ", nid, zone->name);
		for (order = 0; order < NR_PAGE_ORDERS; order++)
			fprintf(out, "%6lu ",
				READ_ONCE(zone->free_area[order].nr_free));
		fputc('\n', out);
	}
}

static void show_pagetype_free(FILE *out, int nid)
{
	struct zone *zone;
	int z, mt, order;

	fprintf(out, "%-43s ", "Free pages count per migrate type at order");
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		fprintf(out, "%6d ", order);
	fputc('\n', out);
	for (z = 0; z < MAX_NR_ZONES; z++) {
		zone = &phys.nodes[nid].node_zones[z];
		if (!populated_zone(zone))
			continue;
		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			fprintf(out, "Node %4d, zone %8s, type %12s ", nid,
				zone->name, migratetype_names[mt]);
			for (order = 0; order < NR_PAGE_ORDERS; order++)
				fprintf(out, "%6lu ",
					zone_free_block_count(zone, order, mt));
			fputc('\n', out);
		}
	}
}

static void show_pagetype_blocks(FILE *out, int nid)
{
	struct zone *zone;
	int z, mt;

	fprintf(out, "\n%-23s", "Number of blocks type ");
	for (mt = 0; mt < MIGRATE_TYPES; mt++)
		fprintf(out, "%12s ", migratetype_names[mt]);
	fputc('\n', out);
	for (z = 0; z < MAX_NR_ZONES; z++) {
		unsigned long count[MIGRATE_TYPES] = { 0 }, pfn;

		zone = &phys.nodes[nid].node_zones[z];
		if (!populated_zone(zone))
			continue;
		/* Blocks are counted by their first frame inside the zone. */
		spin_lock(&zone->lock);
		for (pfn = ALIGN_UP(zone->zone_start_pfn, pageblock_nr_pages);
		     pfn < zone_end_pfn(zone); pfn += pageblock_nr_pages)
			count[get_pageblock_migratetype(zone, pfn)]++;
		if (!IS_ALIGNED(zone->zone_start_pfn, pageblock_nr_pages))
			count[get_pageblock_migratetype(
				zone, zone->zone_start_pfn)]++;
		spin_unlock(&zone->lock);
		fprintf(out, "Node %d, zone %8s ", nid, zone->name);
		for (mt = 0; mt < MIGRATE_TYPES; mt++)
			fprintf(out, "%12lu ", count[mt]);
		fputc('\n', out);
	}
}

static void show_pagetypeinfo(FILE *out)
{
	int nid;

	for (nid = 0; nid < phys.nr_nodes; nid++) {
		fprintf(out, "Page block order: %d\n", pageblock_order);
		fprintf(out, "Pages per block:  %lu\n", pageblock_nr_pages);
		fputc('\n', out);
		show_pagetype_free(out, nid);
		show_pagetype_blocks(out, nid);
	}
}

static void show_zoneinfo(FILE *out)
{
	struct zone *zone;
	int nid, z, i, cpu;

	for_each_zone(nid, z, zone) {
		long free_pages = atomic_load_explicit(&zone->free_pages,
						       memory_order_relaxed);

		fprintf(out, "Node %d, zone %8s", nid, zone->name);
		fprintf(out,
			"\n  pages free     %ld"
			"\n        min      %lu"
			"\n        low      %lu"
			"\n        high     %lu"
			"\n        spanned  %lu"
			"\n        present  %lu"
			"\n        managed  %lu",
			populated_zone(zone) ? free_pages : 0,
			zone->watermark[WMARK_MIN], zone->watermark[WMARK_LOW],
			zone->watermark[WMARK_HIGH], zone->spanned_pages,
			zone->present_pages, zone->managed_pages);
		fprintf(out, "\n        protection: (%ld",
			zone->lowmem_reserve[0]);
		for (i = 1; i < MAX_NR_ZONES; i++)
			fprintf(out, ", %ld", zone->lowmem_reserve[i]);
		fputc(')', out);
		if (!populated_zone(zone)) {
			fputc('\n', out);
			continue;
		}
		fprintf(out, "\n      %-12s %ld", "nr_free_pages", free_pages);
		fprintf(out, "\n  pagesets");
		for (cpu = 0; cpu < phys.nr_cpus; cpu++) {
			struct per_cpu_pages *pcp = &zone->pcp[cpu];

			fprintf(out,
				"\n    cpu: %i"
				"\n              count: %i"
				"\n              high:  %i"
				"\n              batch: %i",
				cpu, READ_ONCE(pcp->count), pcp->high,
				pcp->batch);
		}
		fprintf(out, "\n  start_pfn:           %lu\n",
			zone->zone_start_pfn);
	}
}

/* One meminfo line: a 16-column label, an 8-column value, " kB". */
static void meminfo_line(FILE *out, const char *label, unsigned long pages)
{
	fprintf(out, "%-16s%8lu kB\n", label, pages << (PAGE_SHIFT - 10));
}

static void show_meminfo(FILE *out)
{
	struct uvm_phys_stats st;

	uvm_phys_stats(&st);
	meminfo_line(out, "MemTotal:", st.total_pages);
	meminfo_line(out, "MemFree:", st.free_pages);
	meminfo_line(out, "PageTables:", st.pagetable_pages);
}

static void show_layout(FILE *out)
{
	unsigned long total_kb = phys.max_pfn << (PAGE_SHIFT - 10);
	struct zone *zone;
	int nid, z;

	fprintf(out, "Zone ranges:\n");
	for (z = 0; z < MAX_NR_ZONES; z++) {
		unsigned long lo = ~0UL, hi = 0;

		for (nid = 0; nid < phys.nr_nodes; nid++) {
			zone = &phys.nodes[nid].node_zones[z];
			if (!populated_zone(zone))
				continue;
			lo = min(lo, zone->zone_start_pfn);
			hi = max(hi, zone_end_pfn(zone));
		}
		if (lo < hi)
			fprintf(out, "  %-8s [mem 0x%016lx-0x%016lx]\n",
				phys.nodes[0].node_zones[z].name,
				lo << PAGE_SHIFT, (hi << PAGE_SHIFT) - 1);
		else
			fprintf(out, "  %-8s empty\n",
				phys.nodes[0].node_zones[z].name);
	}
	fprintf(out, "Early memory node ranges\n");
	for (nid = 0; nid < phys.nr_nodes; nid++) {
		struct pglist_data *pgdat = &phys.nodes[nid];

		fprintf(out, "  node %3d: [mem 0x%016lx-0x%016lx] memfd %d\n",
			nid, pgdat->node_start_pfn << PAGE_SHIFT,
			((pgdat->node_start_pfn + pgdat->node_spanned_pages)
			 << PAGE_SHIFT) -
				1,
			pgdat->memfd);
	}
	for (nid = 0; nid < phys.nr_nodes; nid++) {
		fprintf(out, "On node %d, zone pfn ranges:\n", nid);
		for (z = 0; z < MAX_NR_ZONES; z++) {
			zone = &phys.nodes[nid].node_zones[z];
			if (!populated_zone(zone))
				continue;
			fprintf(out,
				"  %-8s pfn [%#9lx, %#9lx) %8lu pages, min %lu low %lu high %lu\n",
				zone->name, zone->zone_start_pfn,
				zone_end_pfn(zone), zone->managed_pages,
				zone->watermark[WMARK_MIN],
				zone->watermark[WMARK_LOW],
				zone->watermark[WMARK_HIGH]);
		}
	}
	fprintf(out,
		"Built %d zonelists, %d CPUs, mobility grouping on.  Total pages: %lu\n",
		phys.nr_nodes, phys.nr_cpus, phys.max_pfn);
	fprintf(out, "min_free_kbytes: %lu\n", phys.min_free_kbytes);
	fprintf(out,
		"Memory: %luK/%luK available (struct page %zu bytes, mem_map %zuK at %p)\n",
		total_kb, total_kb, sizeof(struct page),
		phys.mem_map_bytes >> 10, (void *)phys.mem_map);
	fprintf(out,
		"Direct map: host [%p-%p] = pfn [0, %#lx), page_address(pfn) = %p + pfn * %lu\n",
		(void *)phys.direct_map,
		(void *)(phys.direct_map + phys.direct_map_bytes - 1),
		phys.max_pfn, (void *)phys.direct_map, PAGE_SIZE);
}

static const struct {
	const char *name;
	void (*show)(FILE *out);
} files[] = {
	{ "buddyinfo", show_buddyinfo }, { "pagetypeinfo", show_pagetypeinfo },
	{ "zoneinfo", show_zoneinfo },	 { "meminfo", show_meminfo },
	{ "layout", show_layout },
};

int proc_show(const char *name, FILE *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		if (!strcmp(name, files[i].name)) {
			files[i].show(out);
			return 0;
		}
	}
	return -ENOENT;
}

const char *proc_file_names(void)
{
	return "buddyinfo pagetypeinfo zoneinfo meminfo layout";
}
