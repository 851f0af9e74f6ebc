/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the page allocator with operation scripts: each input byte pair is an
 * allocation (any order, any gfp bits, any node), a free (right or wrong
 * order), a split, a bulk allocation or a drain. Bad requests must be
 * refused without harm; after every script the invariant checkers pass and,
 * once everything is freed, every page is free again.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uvmalloc.h>

#define MAX_LIVE 64

struct block {
	struct page *page;
	unsigned int order;
};

static void quiet(int level, const char *line, void *arg)
{
	(void)level;
	(void)line;
	(void)arg;
}

static const gfp_t gfps[] = {
	GFP_KERNEL,
	GFP_ATOMIC,
	GFP_NOWAIT,
	GFP_DMA,
	GFP_DMA32,
	GFP_KERNEL | __GFP_ZERO,
	GFP_KERNEL | __GFP_MOVABLE,
	GFP_KERNEL | __GFP_RECLAIMABLE,
	GFP_KERNEL | __GFP_THISNODE,
	GFP_DMA | GFP_DMA32,
	0xffffffffu,
	GFP_KERNEL | __GFP_NOWARN,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct block live[MAX_LIVE];
	struct uvm_phys_stats st;
	size_t i, n = 0;

	uvm_set_log(quiet, NULL);
	if (uvm_boot("mem=16M numa=2 nr_cpus=2"))
		abort();

	for (i = 0; i + 1 < size; i += 2) {
		unsigned int op = data[i] & 7, arg = data[i + 1];
		gfp_t gfp = gfps[arg % (sizeof(gfps) / sizeof(gfps[0]))];
		unsigned int order = arg % 12; /* 11 is invalid */
		struct page *page;

		switch (op) {
		case 0:
		case 1:
			if (n == MAX_LIVE)
				break;
			page = op ? alloc_pages_node((int)(arg % 3) - 1, gfp,
						     order) :
				    alloc_pages(gfp, order);
			if (page) {
				if (order > MAX_PAGE_ORDER)
					abort();
				live[n++] = (struct block){ page, order };
			}
			break;
		case 2: /* free, sometimes with a wrong order first */
			if (!n)
				break;
			arg %= n;
			if (data[i] & 8)
				__free_pages(live[arg].page,
					     (live[arg].order + 1) % 11);
			__free_pages(live[arg].page, live[arg].order);
			live[arg] = live[--n];
			break;
		case 3: { /* split, then keep the pieces */
			struct block b;
			unsigned long k, pfn;

			if (!n)
				break;
			arg %= n;
			b = live[arg];
			live[arg] = live[--n];
			split_page(b.page, b.order);
			pfn = page_to_pfn(b.page);
			for (k = 0; k < 1UL << b.order; k++) {
				page = pfn_to_page(pfn + k);
				if (n < MAX_LIVE)
					live[n++] = (struct block){ page, 0 };
				else
					__free_pages(page, 0);
			}
			break;
		}
		case 4: { /* bulk */
			struct page *arr[16] = { 0 };
			unsigned long got, k;

			got = alloc_pages_bulk(gfp, arg % 17, arr);
			(void)got;
			for (k = 0; k < 16; k++)
				if (arr[k])
					__free_pages(arr[k], 0);
			break;
		}
		case 5:
			drain_all_pages(NULL);
			break;
		case 6: /* double free of a freed block must be refused */
			if (!n)
				break;
			arg %= n;
			__free_pages(live[arg].page, live[arg].order);
			__free_pages(live[arg].page, live[arg].order);
			live[arg] = live[--n];
			break;
		default:
			if (uvm_check())
				abort();
			break;
		}
	}
	while (n) {
		n--;
		__free_pages(live[n].page, live[n].order);
	}
	drain_all_pages(NULL);
	if (uvm_check())
		abort();
	uvm_phys_stats(&st);
	/* Page tables stay until shutdown, as the kernel's vmalloc tables. */
	if (st.free_pages + st.pagetable_pages != st.total_pages ||
	    st.pcp_pages)
		abort();
	uvm_shutdown();
	return 0;
}
