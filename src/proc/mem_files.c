/* SPDX-License-Identifier: MIT */
/*
 * /proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo and /proc/meminfo,
 * line for line in the kernel's formats.
 */
#include <errno.h>
#include <string.h>
#include <uvmalloc.h>

#include "mmu/mmu.h"
#include "phys/phys.h"
#include "vmalloc/vmalloc_int.h"
#include "proc_files.h"

void proc_buddyinfo(FILE *out)
{
	struct zone *zone;
	int order;

	for_each_populated_zone(zone) {
		fprintf(out, "Node %d, zone %8s ", zone->node, zone->name);
		for (order = 0; order < NR_PAGE_ORDERS; order++)
			fprintf(out, "%6lu ",
				READ_ONCE(zone->free_area[order].nr_free));
		fputc('\n', out);
	}
}

static void show_pagetype_free(FILE *out, int nid)
{
	struct zone *zone;
	int mt, order;

	fprintf(out, "%-43s ", "Free pages count per migrate type at order");
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		fprintf(out, "%6d ", order);
	fputc('\n', out);
	for_each_populated_node_zone(&phys.nodes[nid], zone) {
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
	int mt;

	fprintf(out, "\n%-23s", "Number of blocks type ");
	for (mt = 0; mt < MIGRATE_TYPES; mt++)
		fprintf(out, "%12s ", migratetype_names[mt]);
	fputc('\n', out);
	for_each_populated_node_zone(&phys.nodes[nid], zone) {
		unsigned long count[MIGRATE_TYPES] = { 0 }, pfn;

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

void proc_pagetypeinfo(FILE *out)
{
	int nid;

	for_each_online_node(nid) {
		fprintf(out, "Page block order: %d\n", pageblock_order);
		fprintf(out, "Pages per block:  %lu\n", pageblock_nr_pages);
		fputc('\n', out);
		show_pagetype_free(out, nid);
		show_pagetype_blocks(out, nid);
	}
}

void proc_zoneinfo(FILE *out)
{
	struct zone *zone;
	int i, cpu;

	for_each_zone(zone) {
		long free_pages = atomic_load_explicit(&zone->free_pages,
						       memory_order_relaxed);

		fprintf(out, "Node %d, zone %8s", zone->node, zone->name);
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

void proc_meminfo(FILE *out)
{
	struct uvm_phys_stats st;

	uvm_phys_stats(&st);
	meminfo_line(out, "MemTotal:", st.total_pages);
	meminfo_line(out, "MemFree:", st.free_pages);
	meminfo_line(out, "PageTables:", st.pagetable_pages);
	fprintf(out, "%-16s%8lu kB\n",
		"VmallocTotal:", (mmu.vmalloc_end - mmu.vmalloc_start) >> 10);
	meminfo_line(out, "VmallocUsed:", vmalloc_nr_pages());
	meminfo_line(out, "VmallocChunk:", 0);
}
