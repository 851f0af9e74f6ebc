/* SPDX-License-Identifier: MIT */
/*
 * "layout": where everything is. The physical part follows the kernel's
 * boot log (Zone ranges, Early memory node ranges); the virtual part is a
 * table in the shape of the kernel's x86_64 memory-map documentation, with
 * the host addresses the instance really uses.
 */
#include <stdio.h>

#include "lib/options.h"
#include "mmu/mmu.h"
#include "phys/phys.h"
#include "proc_files.h"

static void show_phys_layout(FILE *out)
{
	unsigned long total_kb = phys.max_pfn << (PAGE_SHIFT - 10);
	struct zone *zone;
	int nid, z;

	fprintf(out, "Zone ranges:\n");
	for (z = 0; z < MAX_NR_ZONES; z++) {
		unsigned long lo = ~0UL, hi = 0;

		for_each_online_node(nid) {
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
	for_each_online_node(nid) {
		struct pglist_data *pgdat = &phys.nodes[nid];

		fprintf(out, "  node %3d: [mem 0x%016lx-0x%016lx] memfd %d\n",
			nid, pgdat->node_start_pfn << PAGE_SHIFT,
			((pgdat->node_start_pfn + pgdat->node_spanned_pages)
			 << PAGE_SHIFT) -
				1,
			pgdat->memfd);
	}
	for_each_online_node(nid) {
		fprintf(out, "On node %d, zone pfn ranges:\n", nid);
		for_each_populated_node_zone(&phys.nodes[nid], zone) {
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

struct region {
	unsigned long start;
	unsigned long size;
	const char *what;
};

static void print_region(FILE *out, const struct region *r)
{
	char size[32];

	uvm_format_size(r->size, size, sizeof(size));
	fprintf(out, " %016lx | %016lx | %8s | %s\n", r->start,
		r->start + r->size - 1, size, r->what);
}

static void show_virt_layout(FILE *out)
{
	struct region r[3];
	int i, j, n = 0;
	bool host = mmu.ops == &mmu_host_backend;

	r[n++] = (struct region){
		(unsigned long)phys.direct_map, phys.direct_map_bytes,
		"direct mapping of all physical memory (page_offset_base)"
	};
	r[n++] = (struct region){
		mmu.vmalloc_start, mmu.vmalloc_end - mmu.vmalloc_start,
		host ? "vmalloc/ioremap space (vmalloc_base): one PROT_NONE reservation" :
		       "vmalloc/ioremap space (vmalloc_base): tables only, not dereferenceable"
	};
	r[n++] = (struct region){ (unsigned long)phys.mem_map,
				  phys.mem_map_bytes,
				  "struct page array (vmemmap_base)" };
	/* By address, as the kernel's table runs. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && r[j].start < r[j - 1].start; j--) {
			struct region t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}

	fprintf(out,
		"\nVirtual memory map with %d-level page tables (mmu=%s):\n\n",
		mmu.levels, mmu.ops->name);
	fprintf(out, " %-16s | %-16s | %8s | %s\n", "start addr", "end addr",
		"size", "VM area description");
	fprintf(out,
		" ================================================================================\n");
	for (i = 0; i < n; i++)
		print_region(out, &r[i]);
	fprintf(out, "\n page tables: ");
	for (i = 0; i < mmu.levels; i++)
		fprintf(out, "%s%s (bits %d..%d)", i ? " -> " : "",
			mmu.names[i], mmu.shift[i], mmu.shift[i] + 8);
	fprintf(out, ", root at phys %#lx\n",
		__page_to_pfn(mmu.pgd) << PAGE_SHIFT);
}

void proc_layout(FILE *out)
{
	show_phys_layout(out);
	show_virt_layout(out);
}
