/* SPDX-License-Identifier: MIT */
/*
 * The page-table checker.
 *
 * A walk from the root proves: every table is a PG_table page that is
 * allocated and reachable exactly once; the number of tables equals the
 * PageTables count; 2 MiB leaves sit only at PMD level; every leaf that is
 * not _PAGE_SPECIAL points at an allocated frame. On the host backend the
 * leaves are then compared with /proc/self/maps page by page: every page of
 * a memfd mapping inside the window must be a leaf of the same frame and
 * protection, and every leaf of RAM must be inside such a mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "mmu.h"
#include "phys/phys.h"

#define violation(fmt, ...) (pr_err("mmu_check: " fmt, ##__VA_ARGS__), 1)

struct leaf {
	unsigned long addr;
	unsigned long pfn;
	int prot;
};

struct check_ctx {
	unsigned char *seen; /* one byte per frame: a table reached */
	unsigned long tables;
	struct leaf *leaves; /* RAM-backed leaf pages, by address */
	size_t nr_leaves;
	size_t cap;
	int bad;
	bool oom; /* the leaf list could not grow: host comparison off */
};

static int add_leaf(struct check_ctx *c, unsigned long addr, unsigned long pfn,
		    int prot)
{
	if (c->nr_leaves == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct leaf *l = realloc(c->leaves, cap * sizeof(*l));

		if (!l)
			return -1;
		c->leaves = l;
		c->cap = cap;
	}
	c->leaves[c->nr_leaves++] = (struct leaf){ addr, pfn, prot };
	return 0;
}

static void check_leaf(struct check_ctx *c, pteval_t e, unsigned long addr,
		       int level)
{
	unsigned long n = 1, i, pfn = entry_pfn(e);

	if (e & _PAGE_PSE) {
		if (level != mmu.levels - 2) {
			c->bad += violation(
				"%s entry for %#lx is a huge leaf; only PMD leaves exist",
				mmu.names[level], addr);
			return;
		}
		n = PTRS_PER_PTE;
	}
	for (i = 0; i < n; i++) {
		if (pfn + i >= phys.max_pfn) {
			if (!(e & _PAGE_SPECIAL))
				c->bad += violation(
					"leaf for %#lx maps pfn %#lx outside RAM without _PAGE_SPECIAL",
					addr + i * PAGE_SIZE, pfn + i);
			continue;
		}
		if (!(e & _PAGE_SPECIAL) && !phys_frame_allocated(pfn + i))
			c->bad += violation(
				"leaf for %#lx maps pfn %#lx, which is free",
				addr + i * PAGE_SIZE, pfn + i);
		if (!c->oom &&
		    add_leaf(c, addr + i * PAGE_SIZE, pfn + i,
			     mmu_host_to_prot(__pgprot(e & ~PTE_PFN_MASK)))) {
			c->oom = true;
			c->bad += violation(
				"no host memory for the leaf list; the host comparison is skipped");
		}
	}
}

static void check_table(struct check_ctx *c, unsigned long pfn, int level,
			unsigned long base)
{
	const pteval_t *table;
	struct page *page;
	int i;

	/* Never true; it bounds the recursion for the compiler as well. */
	if (level < 0 || level >= MMU_MAX_LEVELS)
		return;
	if (pfn >= phys.max_pfn) {
		c->bad += violation("%s table at pfn %#lx lies outside RAM",
				    mmu.names[level], pfn);
		return;
	}
	page = __pfn_to_page(pfn);
	if (!page_test(page, PG_table) || !page_ref_count(page))
		c->bad += violation(
			"%s table at pfn %#lx is not an allocated page-table page",
			mmu.names[level], pfn);
	if (c->seen[pfn]) {
		c->bad += violation("%s table at pfn %#lx is reachable twice",
				    mmu.names[level], pfn);
		return;
	}
	c->seen[pfn] = 1;
	c->tables++;
	if (level == 0)
		base = 0;

	table = (const pteval_t *)(phys.direct_map + (pfn << PAGE_SHIFT));
	for (i = 0; i < PTRS_PER_TABLE; i++) {
		pteval_t e = __atomic_load_n(&table[i], __ATOMIC_RELAXED);
		unsigned long addr = base |
				     ((unsigned long)i << mmu.shift[level]);

		if (level == 0)
			addr = mmu_sign_extend(addr);

		if (!entry_present(e))
			continue;
		if (level == mmu.levels - 1 || (e & _PAGE_PSE))
			check_leaf(c, e, addr, level);
		else
			check_table(c, entry_pfn(e), level + 1, addr);
	}
}

static int leaf_cmp(const void *key, const void *elem)
{
	unsigned long addr = *(const unsigned long *)key;
	const struct leaf *l = elem;

	return addr < l->addr ? -1 : addr > l->addr;
}

static int perms_to_prot(const char *perms)
{
	return (perms[0] == 'r' ? PROT_READ : 0) |
	       (perms[1] == 'w' ? PROT_WRITE : 0) |
	       (perms[2] == 'x' ? PROT_EXEC : 0);
}

/* Compare the leaves with the host's view of the window. */
static int check_host(struct check_ctx *c)
{
	unsigned long start, end, off, matched = 0;
	char perms[8], path[256], line[512];
	FILE *maps = fopen("/proc/self/maps", "r");
	int bad = 0;

	if (!maps)
		return violation("cannot read /proc/self/maps");
	while (fgets(line, sizeof(line), maps)) {
		int node, n;

		path[0] = '\0';
		n = sscanf(line, "%lx-%lx %7s %lx %*s %*s %255[^\n]", &start,
			   &end, perms, &off, path);
		if (n < 4 || end <= mmu.vmalloc_start ||
		    start >= mmu.vmalloc_end)
			continue;
		if (sscanf(path, "/memfd:uvmalloc-node%d", &node) != 1) {
			if (perms_to_prot(perms) != PROT_NONE)
				bad += violation(
					"host mapping %#lx-%#lx (%s %s) inside the window is not ours",
					start, end, perms, path);
			continue;
		}
		for (; start < end; start += PAGE_SIZE, off += PAGE_SIZE) {
			unsigned long pfn = phys.nodes[node].node_start_pfn +
					    (off >> PAGE_SHIFT);
			const struct leaf *l =
				c->nr_leaves ?
					bsearch(&start, c->leaves, c->nr_leaves,
						sizeof(*l), leaf_cmp) :
					NULL;

			if (!l && mmu_is_stale(start)) {
				continue; /* cleared, flush pending */
			} else if (!l) {
				bad += violation(
					"host maps %#lx (pfn %#lx) but the tables do not",
					start, pfn);
			} else if (l->pfn != pfn ||
				   l->prot != perms_to_prot(perms)) {
				bad += violation(
					"%#lx: host maps pfn %#lx %s, tables say pfn %#lx prot %#x",
					start, pfn, perms, l->pfn, l->prot);
			} else {
				matched++;
			}
		}
	}
	fclose(maps);
	if (matched != c->nr_leaves)
		bad += violation(
			"the tables map %zu RAM pages, the host %lu of them",
			c->nr_leaves, matched);
	return bad;
}

int mmu_check(void)
{
	struct check_ctx c = { 0 };
	long counted;

	if (!mmu.pgd)
		return 0;
	c.seen = calloc(phys.max_pfn, 1);
	if (!c.seen)
		return violation("no host memory to check the page tables");
	check_table(&c, __page_to_pfn(mmu.pgd), 0, 0);
	counted = atomic_load(&phys.pagetable_pages);
	if ((long)c.tables != counted)
		c.bad +=
			violation("%lu tables reachable, PageTables counts %ld",
				  c.tables, counted);
	if (mmu.ops == &mmu_host_backend && !c.oom)
		c.bad += check_host(&c);
	c.bad += mmu_stale_check();
	free(c.leaves);
	free(c.seen);
	return c.bad;
}
