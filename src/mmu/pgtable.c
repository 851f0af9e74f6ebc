/* SPDX-License-Identifier: MIT */
/*
 * Software page tables: geometry, mapping, unmapping, protection and walks.
 *
 * Mapping is done in three passes so that a failure leaves nothing behind:
 *
 *   1. make room: create the tables the range needs and prove every target
 *      entry empty (a table created here and left empty after a failure is
 *      kept, as the kernel keeps vmalloc tables; it is counted, reachable and
 *      reused);
 *   2. write the leaf entries;
 *   3. mirror them into the host, one call per physically contiguous run;
 *      if the host refuses one, the runs already mapped are unmapped and
 *      the entries of pass 2 are cleared again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "mmu.h"
#include "phys/phys.h"

struct mmu_state mmu;

#define TABLE_ENTRY_BITS \
	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
/* The bits of an entry a pgprot may set. */
#define PROT_BITS_MASK (~PTE_PFN_MASK & ~(_PAGE_PSE | _PAGE_SPECIAL))

/*
 * A store publishes a freshly zeroed table (or a leaf) to walkers that take
 * no lock: release on store, acquire on load orders the table's contents
 * before its pointer. On x86 both are plain moves.
 */
static inline pteval_t entry_load(const pteval_t *ep)
{
	return __atomic_load_n(ep, __ATOMIC_ACQUIRE);
}

static inline void entry_store(pteval_t *ep, pteval_t e)
{
	__atomic_store_n(ep, e, __ATOMIC_RELEASE);
}

static inline int pte_level(void)
{
	return mmu.levels - 1;
}

static inline int pmd_level(void)
{
	return mmu.levels - 2;
}

static inline pteval_t *table_at(unsigned long pfn)
{
	return (pteval_t *)(phys.direct_map + (pfn << PAGE_SHIFT));
}

static inline unsigned int level_index(unsigned long addr, int level)
{
	return (addr >> mmu.shift[level]) & (PTRS_PER_TABLE - 1);
}

/* The first address of the next entry at @level, or @end if that is past. */
static inline unsigned long level_next(unsigned long addr, unsigned long end,
				       int level)
{
	unsigned long next = (addr | ((1UL << mmu.shift[level]) - 1)) + 1;

	return next && next < end ? next : end;
}

static pteval_t mk_leaf(unsigned long pfn, pgprot_t prot)
{
	return ((pteval_t)pfn << PAGE_SHIFT) |
	       (pgprot_val(prot) & PROT_BITS_MASK);
}

/*
 * Give the empty entry *@ep a fresh table. Two mappers may race to fill the
 * same entry; the lock makes one win and the other free its page.
 */
static pteval_t install_table(pteval_t *ep)
{
	struct page *page = phys_table_alloc(NUMA_NO_NODE);
	pteval_t e;

	if (!page)
		return 0;
	spin_lock(&mmu.lock);
	e = entry_load(ep);
	if (!entry_present(e)) {
		e = ((pteval_t)__page_to_pfn(page) << PAGE_SHIFT) |
		    TABLE_ENTRY_BITS;
		entry_store(ep, e);
		page = NULL;
	}
	spin_unlock(&mmu.lock);
	if (page)
		phys_table_free(page);
	return e;
}

/* What a walk to an entry does where a table is missing. */
enum walk_mode {
	WALK_EXISTING, /* nothing: the entry is in a hole */
	WALK_CREATE,   /* install a fresh table and go on */
};

/*
 * The entry at @level for @addr. With WALK_CREATE, missing tables above it
 * are made. NULL for a hole (with WALK_EXISTING), with *@err set to -ENOMEM
 * when a table could not be had or -EBUSY when a huge leaf sits above
 * @level.
 */
static pteval_t *entry_ptr(unsigned long addr, int level, enum walk_mode mode,
			   int *err)
{
	pteval_t *table = table_at(__page_to_pfn(mmu.pgd));
	int l;

	for (l = 0; l < level; l++) {
		pteval_t *ep = &table[level_index(addr, l)];
		pteval_t e = entry_load(ep);

		if (!entry_present(e)) {
			if (mode == WALK_EXISTING)
				return NULL;
			e = install_table(ep);
			if (!e) {
				*err = -ENOMEM;
				return NULL;
			}
		} else if (e & _PAGE_PSE) {
			*err = -EBUSY;
			return NULL;
		}
		table = table_at(entry_pfn(e));
	}
	return &table[level_index(addr, level)];
}

/*
 * A leaf visitor over [start, end): @fn sees each present leaf entry with the
 * address it maps and its level. Holes are skipped a whole table at a time.
 */
typedef void (*leaf_fn)(pteval_t *ep, unsigned long addr, int level, void *arg);

static void visit_range(pteval_t *table, int level, unsigned long start,
			unsigned long end, leaf_fn fn, void *arg)
{
	unsigned long addr, next;

	for (addr = start; addr < end; addr = next) {
		pteval_t *ep = &table[level_index(addr, level)];
		pteval_t e = entry_load(ep);

		next = level_next(addr, end, level);
		if (!entry_present(e))
			continue;
		if (level == pte_level() || (e & _PAGE_PSE))
			fn(ep, ALIGN_DOWN(addr, 1UL << mmu.shift[level]), level,
			   arg);
		else if (level + 1 < MMU_MAX_LEVELS) /* bounds it for gcc */
			visit_range(table_at(entry_pfn(e)), level + 1, addr,
				    next, fn, arg);
	}
}

static void visit_leaves(unsigned long start, unsigned long end, leaf_fn fn,
			 void *arg)
{
	visit_range(table_at(__page_to_pfn(mmu.pgd)), 0, start, end, fn, arg);
}

static bool range_ok(unsigned long addr, unsigned long size, const char *fn)
{
	if (!PAGE_ALIGNED(addr) || !PAGE_ALIGNED(size) || !size) {
		pr_warn("%s: range %#lx+%#lx is not page-aligned and non-empty",
			fn, addr, size);
		return false;
	}
	if (!mmu_in_window(addr, size)) {
		pr_warn("%s: range %#lx+%#lx leaves the vmalloc window [%#lx, %#lx)",
			fn, addr, size, mmu.vmalloc_start, mmu.vmalloc_end);
		return false;
	}
	return true;
}

static bool prot_ok(pgprot_t prot, const char *fn)
{
	if (!(pgprot_val(prot) & _PAGE_PRESENT) ||
	    (pgprot_val(prot) & (PTE_PFN_MASK | _PAGE_PSE))) {
		pr_warn("%s: protection %#llx is not a present leaf protection",
			fn, pgprot_val(prot));
		return false;
	}
	return true;
}

/* Where the frames of a mapping come from: struct pages or raw pfns. */
struct map_src {
	struct page **pages;
	const unsigned long *pfns;
};

static inline unsigned long src_pfn(const struct map_src *src, unsigned long i)
{
	return src->pages ? __page_to_pfn(src->pages[i]) : src->pfns[i];
}

/* Can one 2 MiB leaf map frames @i..@i+511 at @addr? */
static bool huge_fits(const struct map_src *src, unsigned long i,
		      unsigned long nr, unsigned long addr)
{
	unsigned long first, k;

	if (!IS_ALIGNED(addr, PMD_SIZE) || nr - i < PTRS_PER_PTE)
		return false;
	first = src_pfn(src, i);
	if (!IS_ALIGNED(first, PTRS_PER_PTE) ||
	    first + PTRS_PER_PTE > phys.max_pfn)
		return false;
	for (k = 1; k < PTRS_PER_PTE; k++)
		if (src_pfn(src, i + k) != first + k)
			return false;
	return __page_to_nid(__pfn_to_page(first)) ==
	       __page_to_nid(__pfn_to_page(first + PTRS_PER_PTE - 1));
}

/*
 * A 2 MiB leaf wants the PMD entry itself. If a small-page table hangs there
 * but maps nothing (left over from an earlier mapping), free it; the range
 * belongs to the caller, so no one else walks it.
 */
static bool pmd_make_room(pteval_t *pmdp)
{
	pteval_t e = entry_load(pmdp), *ptes;
	unsigned int i;

	if (!entry_present(e))
		return true;
	if (e & _PAGE_PSE)
		return false;
	ptes = table_at(entry_pfn(e));
	for (i = 0; i < PTRS_PER_PTE; i++)
		if (entry_present(entry_load(&ptes[i])))
			return false;
	spin_lock(&mmu.lock);
	entry_store(pmdp, 0);
	spin_unlock(&mmu.lock);
	phys_table_free(__pfn_to_page(entry_pfn(e)));
	return true;
}

static void clear_leaf(pteval_t *ep, unsigned long addr, int level, void *arg)
{
	long *count = arg;

	(void)addr;
	entry_store(ep, 0);
	if (count)
		*count += level == pte_level() ? 1 : PTRS_PER_PTE;
}

/*
 * Mirror [addr, addr + nr pages) into the host, one call per run of frames
 * that are contiguous in one node's RAM. Frames outside RAM (raw pfns of
 * nothing) are left unmapped on the host. On failure the runs already
 * mapped are unmapped again.
 */
static int host_map_range(unsigned long addr, const struct map_src *src,
			  unsigned long nr, pgprot_t prot)
{
	unsigned long i = 0, run;
	int err;

	while (i < nr) {
		unsigned long pfn = src_pfn(src, i);

		if (pfn >= phys.max_pfn) {
			i++;
			continue;
		}
		for (run = 1; i + run < nr; run++) {
			unsigned long next = src_pfn(src, i + run);

			if (next != pfn + run || next >= phys.max_pfn ||
			    __page_to_nid(__pfn_to_page(next)) !=
				    __page_to_nid(__pfn_to_page(pfn)))
				break;
		}
		err = mmu.ops->map(addr + (i << PAGE_SHIFT), pfn, run, prot);
		if (err) {
			if (i)
				mmu.ops->unmap(addr, i << PAGE_SHIFT);
			return err;
		}
		i += run;
	}
	return 0;
}

/*
 * The slot for a leaf at @addr: the PMD entry for a 2 MiB leaf, else the PTE.
 * Consecutive small leaves share a PTE table, so the last one found is kept
 * in @cache and the walk from the root is made once per 2 MiB.
 */
struct pte_cache {
	unsigned long base; /* addr & PMD_MASK of @table, or 1 if none */
	pteval_t *table;
};

static pteval_t *leaf_slot(unsigned long addr, bool big, enum walk_mode mode,
			   int *err, struct pte_cache *cache)
{
	pteval_t *ep;

	if (big) {
		cache->base = 1;
		return entry_ptr(addr, pmd_level(), mode, err);
	}
	/* The PTE level always indexes with the bits just above the page. */
	if ((addr & PMD_MASK) == cache->base)
		return &cache->table[(addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)];
	ep = entry_ptr(addr, pte_level(), mode, err);
	if (ep) {
		cache->base = addr & PMD_MASK;
		cache->table = ep - ((addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1));
	}
	return ep;
}

/* What map_range() writes, besides the tables' entries. */
enum map_range_flags {
	MAP_RANGE_TABLES_ONLY =
		0,		  /* nothing: the host maps the range already */
	MAP_RANGE_HOST = 1U << 0, /* mirror the new leaves into the host */
	MAP_RANGE_HUGE = 1U
			 << 1, /* 2 MiB leaves where address and frames fit */
};

/*
 * Map @nr frames of @src at @addr in the three passes described at the top
 * of this file; @fn names the caller in warnings.
 */
static int map_range(unsigned long addr, const struct map_src *src,
		     unsigned long nr, pgprot_t prot, unsigned int flags,
		     const char *fn)
{
	bool huge = flags & MAP_RANGE_HUGE;
	unsigned long i, size = nr << PAGE_SHIFT;
	pteval_t special = src->pages ? 0 : _PAGE_SPECIAL;
	struct pte_cache cache = { .base = 1 };
	int err = 0;

	if (!nr)
		return 0;
	if (nr > (mmu.vmalloc_end - mmu.vmalloc_start) >> PAGE_SHIFT) {
		pr_warn("%s: %lu pages do not fit the vmalloc window", fn, nr);
		return -EINVAL;
	}
	if (!range_ok(addr, size, fn) || !prot_ok(prot, fn))
		return -EINVAL;

	/* Pass 1: tables, and proof that nothing is mapped there. */
	for (i = 0; i < nr;) {
		unsigned long a = addr + (i << PAGE_SHIFT);
		bool big = huge && huge_fits(src, i, nr, a);
		pteval_t *ep = leaf_slot(a, big, WALK_CREATE, &err, &cache);

		if (ep && big && !pmd_make_room(ep)) {
			ep = NULL;
			err = -EBUSY;
		}
		if (!ep || entry_present(entry_load(ep))) {
			if (ep || err == -EBUSY) {
				err = -EBUSY;
				pr_warn("%s: %#lx is already mapped", fn, a);
			}
			return err;
		}
		i += big ? PTRS_PER_PTE : 1;
	}

	/* Pass 2: the leaves. */
	cache.base = 1;
	for (i = 0; i < nr;) {
		unsigned long a = addr + (i << PAGE_SHIFT);
		bool big = huge && huge_fits(src, i, nr, a);
		pteval_t *ep = leaf_slot(a, big, WALK_EXISTING, &err, &cache);

		entry_store(ep, mk_leaf(src_pfn(src, i), prot) | special |
					(big ? _PAGE_PSE : 0));
		i += big ? PTRS_PER_PTE : 1;
	}

	/* Pass 3: the host (which says why it refused, if it does). */
	if (!mmu.ops->mirrors || !(flags & MAP_RANGE_HOST))
		return 0;
	err = host_map_range(addr, src, nr, prot);
	if (err)
		visit_leaves(addr, addr + size, clear_leaf, NULL);
	return err;
}

int mmu_map_pages(unsigned long addr, struct page **pages, unsigned long nr,
		  pgprot_t prot, unsigned int page_shift)
{
	struct map_src src = { .pages = pages };
	unsigned int flags;
	unsigned long i;

	if (!pages) {
		pr_warn("%s: NULL page array", __func__);
		return -EINVAL;
	}
	if (page_shift != PAGE_SHIFT && page_shift != PMD_SHIFT) {
		pr_warn("%s: page shift %u is neither %d nor %d", __func__,
			page_shift, PAGE_SHIFT, PMD_SHIFT);
		return -EINVAL;
	}
	for (i = 0; i < nr; i++) {
		if (!phys_page_valid(pages[i]) ||
		    (!page_ref_count(pages[i]) &&
		     !phys_frame_allocated(__page_to_pfn(pages[i])))) {
			pr_warn("%s: entry %lu (%p) is not an allocated page",
				__func__, i, pages[i]);
			return -EINVAL;
		}
	}
	flags = MAP_RANGE_HOST;
	if (page_shift == PMD_SHIFT)
		flags |= MAP_RANGE_HUGE;
	return map_range(addr, &src, nr, prot, flags, __func__);
}

int mmu_map_pfns(unsigned long addr, const unsigned long *pfns,
		 unsigned long nr, pgprot_t prot)
{
	struct map_src src = { .pfns = pfns };
	unsigned long i;

	if (!pfns) {
		pr_warn("%s: NULL pfn array", __func__);
		return -EINVAL;
	}
	for (i = 0; i < nr; i++) {
		if (pfns[i] > PTE_PFN_MASK >> PAGE_SHIFT) {
			pr_warn("%s: pfn %#lx does not fit an entry", __func__,
				pfns[i]);
			return -EINVAL;
		}
	}
	return map_range(addr, &src, nr, prot, MAP_RANGE_HOST, __func__);
}

/*
 * Replace the 2 MiB leaf at *@pmdp with a table of 512 small leaves that map
 * the same frames with the same protection.
 */
static int split_huge(pteval_t *pmdp)
{
	pteval_t e = entry_load(pmdp), *ptes;
	struct page *page = phys_table_alloc(NUMA_NO_NODE);
	unsigned int i;

	if (!page)
		return -ENOMEM;
	ptes = __page_address(page);
	for (i = 0; i < PTRS_PER_PTE; i++)
		ptes[i] = ((e & PTE_PFN_MASK) + ((pteval_t)i << PAGE_SHIFT)) |
			  (e & ~PTE_PFN_MASK & ~_PAGE_PSE);
	entry_store(pmdp, ((pteval_t)__page_to_pfn(page) << PAGE_SHIFT) |
				  TABLE_ENTRY_BITS);
	return 0;
}

/* Split the huge leaf over @addr if the range boundary cuts through it. */
static int split_at(unsigned long addr)
{
	pteval_t *pmdp;
	int err = 0;

	if (IS_ALIGNED(addr, PMD_SIZE) || addr >= mmu.vmalloc_end)
		return 0;
	pmdp = entry_ptr(addr, pmd_level(), WALK_EXISTING, &err);
	if (!pmdp || !(entry_load(pmdp) & _PAGE_PSE))
		return 0;
	return split_huge(pmdp);
}

/* Leaves that only partly lie in [addr, addr + size) are split first. */
static int split_edges(unsigned long addr, unsigned long size, const char *fn)
{
	int err = split_at(addr);

	if (!err)
		err = split_at(addr + size);
	if (err)
		pr_warn("%s: no page for the table that splitting a 2 MiB leaf needs; nothing changed",
			fn);
	return err;
}

int mmu_revive(unsigned long addr, unsigned long size, struct page **pages,
	       unsigned long nr, pgprot_t prot)
{
	struct map_src src = { .pages = pages };
	int err;

	if (nr > size >> PAGE_SHIFT ||
	    (mmu.ops->mirrors && !mmu_stale_covers(addr, addr + size)))
		return -ENOENT;
	err = map_range(addr, &src, nr, prot, MAP_RANGE_TABLES_ONLY, __func__);
	if (!err)
		mmu_stale_remove(addr, addr + size);
	return err;
}

long mmu_clear_noflush(unsigned long addr, unsigned long size)
{
	long count = 0;

	if (!range_ok(addr, size, __func__))
		return -EINVAL;
	if (split_edges(addr, size, __func__))
		return -ENOMEM;
	visit_leaves(addr, addr + size, clear_leaf, &count);
	if (count && mmu.ops->mirrors && !mmu_stale_add(addr, addr + size))
		mmu.ops->unmap(addr, size);
	return count;
}

int mmu_flush(unsigned long addr, unsigned long size)
{
	int err;

	if (!range_ok(addr, size, __func__))
		return -EINVAL;
	if (!mmu.ops->mirrors)
		return 0;
	err = mmu.ops->unmap(addr, size);
	if (!err)
		mmu_stale_remove(addr, addr + size);
	return err;
}

/*
 * The host goes first: if it refuses, the tables still describe what the
 * host maps and the caller keeps its frames. Splits come before either,
 * since they change no mapping.
 */
long mmu_unmap(unsigned long addr, unsigned long size)
{
	long count = 0;
	int err;

	if (!range_ok(addr, size, __func__))
		return -EINVAL;
	if (split_edges(addr, size, __func__))
		return -ENOMEM;
	if (mmu.ops->mirrors) {
		err = mmu.ops->unmap(addr, size);
		if (err)
			return err;
	}
	visit_leaves(addr, addr + size, clear_leaf, &count);
	return count;
}

/*
 * Protection changes reach the host run by run: a run is a stretch of
 * virtually contiguous leaves that had one protection. If the host refuses
 * one, the runs already changed get their old protection back.
 */
struct prot_run {
	unsigned long addr;
	unsigned long size;
	pteval_t old;
};

struct prot_plan {
	struct prot_run *runs;
	size_t nr;
	size_t cap;
	bool nomem;
};

static void plan_leaf(pteval_t *ep, unsigned long addr, int level, void *arg)
{
	struct prot_plan *plan = arg;
	unsigned long size = 1UL << mmu.shift[level];
	pteval_t old = entry_load(ep) & PROT_BITS_MASK;
	struct prot_run *last = plan->nr ? &plan->runs[plan->nr - 1] : NULL;

	if (last && last->addr + last->size == addr && last->old == old) {
		last->size += size;
		return;
	}
	if (plan->nr == plan->cap) {
		size_t cap = plan->cap ? plan->cap * 2 : 16;
		struct prot_run *runs =
			realloc(plan->runs, cap * sizeof(*runs));

		if (!runs) {
			plan->nomem = true;
			return;
		}
		plan->runs = runs;
		plan->cap = cap;
	}
	plan->runs[plan->nr++] = (struct prot_run){ addr, size, old };
}

static void set_leaf_prot(pteval_t *ep, unsigned long addr, int level,
			  void *arg)
{
	pgprot_t *prot = arg;
	pteval_t e = entry_load(ep);

	(void)addr;
	(void)level;
	entry_store(ep, (e & (PTE_PFN_MASK | _PAGE_PSE | _PAGE_SPECIAL)) |
				(pgprot_val(*prot) & PROT_BITS_MASK));
}

int mmu_protect(unsigned long addr, unsigned long size, pgprot_t prot)
{
	struct prot_plan plan = { 0 };
	size_t i;
	int err = 0;

	if (!range_ok(addr, size, __func__) || !prot_ok(prot, __func__))
		return -EINVAL;
	if (split_edges(addr, size, __func__))
		return -ENOMEM;
	visit_leaves(addr, addr + size, plan_leaf, &plan);
	if (plan.nomem) {
		free(plan.runs);
		pr_warn("%s: out of host memory planning the change", __func__);
		return -ENOMEM;
	}
	for (i = 0; i < plan.nr && !err && mmu.ops->mirrors; i++)
		err = mmu.ops->protect(plan.runs[i].addr, plan.runs[i].size,
				       prot);
	if (err) {
		while (i-- > 1)
			mmu.ops->protect(plan.runs[i - 1].addr,
					 plan.runs[i - 1].size,
					 __pgprot(plan.runs[i - 1].old));
		pr_warn("%s: the host refused (%s); nothing changed", __func__,
			strerror(-err));
	} else {
		visit_leaves(addr, addr + size, set_leaf_prot, &prot);
	}
	free(plan.runs);
	return err;
}

void mmu_walk(unsigned long addr, struct mmu_walk *w)
{
	unsigned long pfn = __page_to_pfn(mmu.pgd);
	int l;

	memset(w, 0, sizeof(*w));
	w->addr = addr;
	w->leaf_level = -1;
	for (l = 0; l < mmu.levels; l++) {
		pteval_t e = entry_load(&table_at(pfn)[level_index(addr, l)]);

		w->depth = l + 1;
		w->index[l] = level_index(addr, l);
		w->entry[l] = e;
		w->table_phys[l] = (phys_addr_t)pfn << PAGE_SHIFT;
		if (!entry_present(e))
			return;
		if (l == pte_level() || (e & _PAGE_PSE)) {
			w->leaf_level = l;
			w->leaf_size = 1UL << mmu.shift[l];
			w->pfn = entry_pfn(e) +
				 ((addr & (w->leaf_size - 1)) >> PAGE_SHIFT);
			return;
		}
		pfn = entry_pfn(e);
	}
}

pteval_t mmu_lookup(unsigned long addr, unsigned long *leaf_size)
{
	struct mmu_walk w;

	mmu_walk(addr, &w);
	if (w.leaf_level < 0)
		return 0;
	if (leaf_size)
		*leaf_size = w.leaf_size;
	return w.entry[w.leaf_level];
}

char *mmu_backing(unsigned long addr, pteval_t need)
{
	unsigned long leaf_size, pfn;
	pteval_t e;

	if (!mmu_in_window(addr, 1))
		return NULL;
	e = mmu_lookup(addr, &leaf_size);
	if (!entry_present(e) || (e & need) != need)
		return NULL;
	pfn = entry_pfn(e) + ((addr & (leaf_size - 1)) >> PAGE_SHIFT);
	if (pfn >= phys.max_pfn)
		return NULL;
	return phys.direct_map + (pfn << PAGE_SHIFT) + (addr & ~PAGE_MASK);
}

static void format_entry_flags(pteval_t e, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s%s%s", e & _PAGE_PRESENT ? "P" : "-",
		 e & _PAGE_RW ? " RW" : " RO", e & _PAGE_USER ? " US" : "",
		 e & _PAGE_ACCESSED ? " A" : "", e & _PAGE_DIRTY ? " D" : "",
		 e & _PAGE_PSE ? " PSE" : "", e & _PAGE_GLOBAL ? " G" : "",
		 e & _PAGE_SPECIAL ? " SPECIAL" : "");
	if (e & _PAGE_NX)
		strncat(buf, " NX", len - strlen(buf) - 1);
}

void mmu_print_walk(unsigned long addr, FILE *out)
{
	struct mmu_walk w;
	int l;

	mmu_walk(addr, &w);
	fprintf(out, "walk of %#lx, %d levels (", addr, mmu.levels);
	for (l = 0; l < mmu.levels; l++)
		fprintf(out, "%s%s", l ? " -> " : "", mmu.names[l]);
	fprintf(out, ")%s\n",
		mmu_in_window(addr, 1) ? "" : ", outside the vmalloc window");
	for (l = 0; l < w.depth; l++) {
		pteval_t e = w.entry[l];
		char flags[64];

		format_entry_flags(e, flags, sizeof(flags));
		fprintf(out,
			"  %-3s[%3u] in table at phys 0x%09llx: 0x%016llx  ",
			mmu.names[l], w.index[l],
			(unsigned long long)w.table_phys[l],
			(unsigned long long)e);
		if (!entry_present(e))
			fprintf(out, "none\n");
		else if (l == w.leaf_level)
			fprintf(out, "%s leaf -> pfn %#lx [%s]\n",
				w.leaf_size == PAGE_SIZE ? "4K" : "2M",
				entry_pfn(e), flags);
		else
			fprintf(out, "table -> pfn %#lx [%s]\n", entry_pfn(e),
				flags);
	}
	if (w.leaf_level < 0) {
		fprintf(out, "  = hole: nothing maps %#lx\n", addr);
	} else if (w.pfn < phys.max_pfn) {
		struct page *page = __pfn_to_page(w.pfn);

		fprintf(out,
			"  = %s page: pfn %#lx, phys %#llx, node %d, zone %s\n",
			w.leaf_size == PAGE_SIZE ? "4K" : "part of a 2M", w.pfn,
			((unsigned long long)w.pfn << PAGE_SHIFT) |
				(addr & (PAGE_SIZE - 1)),
			__page_to_nid(page), page_zone(page)->name);
	} else {
		fprintf(out, "  = raw pfn %#lx outside RAM\n", w.pfn);
	}
}

static const char *const level_names[MMU_MAX_LEVELS] = { "pgd", "p4d", "pud",
							 "pmd", "pte" };

/*
 * 5 levels use every name; 4 fold p4d away; 3 fold p4d and pud. The shifts
 * run down from the top in steps of 9 to PAGE_SHIFT.
 */
static void set_geometry(int levels)
{
	int l, name = MMU_MAX_LEVELS - levels;

	mmu.levels = levels;
	for (l = 0; l < levels; l++) {
		mmu.shift[l] = PAGE_SHIFT + 9 * (levels - 1 - l);
		mmu.names[l] = level_names[l == 0 ? 0 : name + l];
	}
}

static void free_tables(unsigned long pfn, int level)
{
	pteval_t *table = table_at(pfn);
	int i;

	if (level < pte_level()) {
		for (i = 0; i < PTRS_PER_TABLE; i++) {
			pteval_t e = table[i];

			if (entry_present(e) && !(e & _PAGE_PSE))
				free_tables(entry_pfn(e), level + 1);
		}
	}
	phys_table_free(__pfn_to_page(pfn));
}

int mmu_init(const struct mmu_params *params)
{
	int err;

	memset(&mmu, 0, sizeof(mmu));
	mmu.params = *params;
	spin_lock_init(&mmu.lock);
	mmu.stale = RB_ROOT;
	set_geometry((int)params->levels);
	mmu.ops = params->backend == MMU_SOFT ? &mmu_soft_backend :
						&mmu_host_backend;
	fault_attr_init(&mmu.fail_host_map, "fail_host_map");
	if (setup_fault_attr(&mmu.fail_host_map, params->fail_host_map))
		return -EINVAL;

	/* As the kernel's boot CPU does, boot allocates on node 0. */
	mmu.pgd = phys_table_alloc(0);
	if (!mmu.pgd) {
		pr_err("mmu: no page for the top-level table");
		return -ENOMEM;
	}
	err = mmu.ops->reserve(params->vmalloc_size);
	if (err) {
		phys_table_free(mmu.pgd);
		mmu.pgd = NULL;
	}
	return err;
}

void mmu_exit(void)
{
	if (mmu.pgd)
		mmu_stale_remove(0, ~0UL);
	if (mmu.pgd) {
		mmu.ops->release();
		free_tables(__page_to_pfn(mmu.pgd), 0);
	}
	memset(&mmu, 0, sizeof(mmu));
}
