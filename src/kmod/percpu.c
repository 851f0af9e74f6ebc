/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU allocator for modules: __alloc_percpu() and free_percpu(),
 * shaped as the kernel's mm/percpu.c is, on pcpu_get_vm_areas().
 *
 * Chunks and units. A chunk is nr_cpus units of UVM_PCPU_UNIT_SIZE bytes,
 * one per CPU, back to back, so that an object at offset off of the chunk
 * has CPU c's copy at base + c * UNIT + off. Its address space comes from
 * pcpu_get_vm_areas() as one area per NUMA node: CPUs are numbered in
 * contiguous runs per node (phys), so each run of units is one group, and
 * the groups lie back to back (the kernel leaves gaps between groups and
 * keeps a per-CPU offset table; here the offsets must stay c * UNIT so that
 * per_cpu_ptr() is arithmetic in the module's header):
 *
 *   base                                                    base + n*UNIT
 *   |   unit 0   |   unit 1   |   unit 2   |   unit 3   |
 *   |<------ group 0: node 0 ------>|<------ group 1: node 1 ------>|
 *   vmallocinfo: one line per group, caller pcpu_get_vm_areas, no guard
 *
 * The allocation map. Every unit has the same layout, so one map serves
 * all CPUs: a bit per 4 bytes (PCPU_MIN_ALLOC_SIZE) of a unit, set while
 * allocated, and a boundary map with a bit at the start of every
 * allocation and one past its end (bit NR_BITS is always set). Free finds
 * the size as the distance to the next boundary bit after the start:
 *
 *   alloc_map   1111111100000011111100000000
 *   bound_map   1.......1.....1.....1.......1   ('.' = 0)
 *               ^ A     ^end  ^ B   ^end     ^ NR_BITS
 *
 * Freeing clears the allocation bits only: a boundary bit after the end of
 * an allocation may be another's end marker, and allocating over a stale
 * one clears it (only the new start and end are set). So "allocation bit
 * and boundary bit both set" means exactly "an allocation starts here",
 * which is what free_percpu() checks before it trusts a pointer.
 *
 * Hints. The map is cut into blocks of a page's worth of bits (1024, as
 * the kernel's pcpu_block_md); each block keeps its free run at the start
 * (left), at the end (right) and its longest (contig). The chunk keeps its
 * free bits, its longest free run over all blocks (runs cross blocks:
 * right of one + whole free blocks + left of the next) and the first block
 * with a free bit. The search is first fit: walk the blocks from the first
 * free one, try the run carried in from the blocks before (it ends at this
 * block's left run), scan inside a block only when its contig could hold
 * the request, then carry its right run on. Nothing earlier can fit:
 * a fit inside a block is found by the scan of that block, a fit that
 * crosses into later blocks starts in some block's right run, and the
 * carried run is tried before the block it reaches. pcpu_fit_twin_check()
 * holds this against a scan of every aligned offset.
 *
 * Slots. Chunks sit on one list per fls(contig) (slot 0: no free bit) and
 * entirely free chunks on the last one; an allocation walks the slots from
 * its own size's upward, so full chunks are never looked at, and it tries
 * the fuller chunks before the emptier ones, which packs them as the
 * kernel's do. A chunk that gains space moves to the head of its new slot,
 * one that loses it to the tail.
 *
 * Pages. A chunk's units are populated lazily, PCPU_POP_PAGES (64 KiB) at a
 * time for every CPU at once, from that CPU's node, when an allocation
 * first covers them: the populated map is per chunk, as the kernel's. 64
 * KiB rather than the kernel's single page keeps host mappings few (each
 * physically contiguous run is one host mapping, and vm_alloc_pages()
 * hands out order-4 blocks first). Populated pages stay until the chunk
 * goes (the kernel also depopulates empty pages from a worker). Pages are
 * mapped straight into the tables (mmu_map_pages()); the areas' vm_struct
 * keeps no pages array, so vmallocinfo shows no pages= for them, as the
 * kernel's does. Every CPU's copy is zeroed on allocation, through the
 * direct map, so that it works on either mmu backend.
 *
 * Empty chunks. At most one entirely free chunk stays (the kernel's
 * balance work keeps one too): a free that empties a second gives it back
 * at once: its pages are unmapped from the host before they are freed
 * (mmu_unmap(), not lazy), then its areas go. A failed allocation undoes
 * everything it did: the pages it got, the mappings it made, the chunk it
 * created.
 *
 * Locking: one mutex, pcpu_alloc_mutex, over everything; the zeroing of a
 * new allocation runs after it is dropped (nobody else can reach the range
 * and a chunk with an allocation never goes).
 *
 * Differences from the kernel: an alignment that is not a power of two (0
 * and 3 included) is refused, where the kernel first rounds anything below
 * 4 up to 4; the largest size is a unit (256 KiB) rather than
 * PCPU_MIN_UNIT_SIZE; free_percpu() of something that is not a live
 * allocation warns and changes nothing rather than corrupting the chunk;
 * there is no reserved chunk and no first chunk: the first chunk is made
 * by the first allocation.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/list.h"
#include "lib/log.h"
#include "lib/runtime.h"
#include "lib/spinlock.h"
#include "mmu/mmu.h"
#include "vmalloc/vmalloc_int.h"

#include <linux/percpu.h>

#include "percpu_int.h"

#define PCPU_UNIT UVM_PCPU_UNIT_SIZE
#define PCPU_UNIT_PAGES ((int)(PCPU_UNIT >> PAGE_SHIFT))
/* Bits of the allocation map: one per 4 bytes of a unit. */
#define PCPU_NR_BITS ((int)(PCPU_UNIT / PCPU_MIN_ALLOC_SIZE))
/* A block of the map describes one page of a unit. */
#define PCPU_BLOCK_BITS ((int)(PAGE_SIZE / PCPU_MIN_ALLOC_SIZE))
#define PCPU_NR_BLOCKS (PCPU_NR_BITS / PCPU_BLOCK_BITS)
/* Pages of each unit populated at once, and the bits they cover. */
#define PCPU_POP_PAGES 16
#define PCPU_POP_BITS (PCPU_POP_PAGES * PCPU_BLOCK_BITS)
#define PCPU_NR_POP (PCPU_UNIT_PAGES / PCPU_POP_PAGES)

/* Alignments in map bits: 1 << 0 .. 1 << 10 (4 bytes .. PAGE_SIZE). */
#define PCPU_NR_ALIGNS (PAGE_SHIFT - 2 + 1)

#define PCPU_BPL ((int)(8 * sizeof(long)))
#define PCPU_MAP_LONGS (PCPU_NR_BITS / PCPU_BPL)

/*
 * Slot fls(contig) for a chunk with free bits (at most fls(NR_BITS - 1)),
 * one beyond fls(NR_BITS) for empty ones.
 */
#define PCPU_NR_BITS_SHIFT 16
#define PCPU_EMPTY_SLOT (PCPU_NR_BITS_SHIFT + 2)
#define PCPU_NR_SLOTS (PCPU_EMPTY_SLOT + 1)

_Static_assert(PCPU_NR_BITS == 1 << PCPU_NR_BITS_SHIFT, "slot numbers");
_Static_assert(PCPU_NR_BITS % PCPU_BPL == 0, "map in whole longs");
_Static_assert(PCPU_UNIT_PAGES % PCPU_POP_PAGES == 0, "whole pop groups");
_Static_assert(PCPU_NR_POP <= PCPU_BPL, "populated map in one long");
_Static_assert(PCPU_NR_BITS % PCPU_BLOCK_BITS == 0, "whole blocks");

/**
 * struct pcpu_block_md - the free runs of one block of the map
 * @left: free bits at the block's start
 * @right: free bits at its end
 * @contig: its longest free run (a fully free block: all three are
 *          PCPU_BLOCK_BITS)
 */
struct pcpu_block_md {
	int left;
	int right;
	int contig;
};

/**
 * struct pcpu_chunk - nr_cpus congruent units and their one map
 * @list: on pcpu_slot[@slot]
 * @slot: the slot it is on (chunk_slot() of it, between operations)
 * @base: CPU 0's unit; CPU c's is at @base + c * PCPU_UNIT
 * @vms: its areas, one per group, from pcpu_get_vm_areas()
 * @nr_groups: entries of @vms
 * @free_bits: clear bits of @alloc_map
 * @contig_bits: its longest run of clear bits
 * @first_free: no block before this one has a clear bit
 * @nr_alloc: live allocations
 * @fail_bits: entry k: the fewest bits known not to fit at an alignment of
 *             1 << k bits (INT_MAX: none known); see find_fit()
 * @populated: bit g: pages [g * PCPU_POP_PAGES, +PCPU_POP_PAGES) of every
 *             unit are allocated and mapped
 * @pages: nr_cpus * PCPU_UNIT_PAGES entries, unit by unit; NULL where not
 *         populated
 * @md: the blocks' hints
 * @alloc_map: a set bit per allocated 4 bytes
 * @bound_map: starts and ends of allocations (see the top of this file)
 */
struct pcpu_chunk {
	struct list_head list;
	int slot;
	unsigned long base;
	struct vm_struct **vms;
	int nr_groups;
	int free_bits;
	int contig_bits;
	int first_free;
	int nr_alloc;
	int fail_bits[PCPU_NR_ALIGNS];
	unsigned long populated;
	struct page **pages;
	struct pcpu_block_md md[PCPU_NR_BLOCKS];
	unsigned long alloc_map[PCPU_MAP_LONGS];
	unsigned long bound_map[PCPU_MAP_LONGS + 1];
};

static pthread_mutex_t pcpu_alloc_mutex = PTHREAD_MUTEX_INITIALIZER;
/* Everything below is under pcpu_alloc_mutex. */
static bool pcpu_ready;
static struct list_head pcpu_slot[PCPU_NR_SLOTS];
/* Every chunk by @base, for free_percpu()'s lookup. */
static struct pcpu_chunk **pcpu_chunks;
static int pcpu_nr_chunks;
static int pcpu_chunks_cap;
static int pcpu_nr_empty;
/* CPUs of the instance the chunks were made for (0: no chunk yet). */
static int pcpu_nr_cpus;
static unsigned long pcpu_created, pcpu_destroyed;

/* Whether an instance runs (lib's flag: kmod may not call boot's). */
static bool instance_running(void)
{
	return atomic_load_explicit(&uvm_running, memory_order_acquire);
}

static const void *pcpu_area_caller(void)
{
	return (const void *)pcpu_get_vm_areas;
}

/* ------------------------------------------------------------ bitmaps */

static inline bool map_test(const unsigned long *map, int i)
{
	return (map[i / PCPU_BPL] >> (i % PCPU_BPL)) & 1;
}

/* Set (@value) or clear bits [@start, @start + @n), a word at a time. */
static void map_assign(unsigned long *map, int start, int n, bool value)
{
	while (n > 0) {
		int bit = start % PCPU_BPL, k = min(n, PCPU_BPL - bit);
		unsigned long mask = (k == PCPU_BPL ? ~0UL : ((1UL << k) - 1))
				     << bit;

		if (value)
			map[start / PCPU_BPL] |= mask;
		else
			map[start / PCPU_BPL] &= ~mask;
		start += k;
		n -= k;
	}
}

static inline void map_set(unsigned long *map, int start, int n)
{
	map_assign(map, start, n, true);
}

static inline void map_clear(unsigned long *map, int start, int n)
{
	map_assign(map, start, n, false);
}

/* The first bit at or after @start that equals @want, or @size. */
static int map_next(const unsigned long *map, int size, int start, bool want)
{
	unsigned long flip = want ? 0 : ~0UL, w;
	int i;

	if (start >= size)
		return size;
	i = start / PCPU_BPL;
	w = (map[i] ^ flip) & (~0UL << (start % PCPU_BPL));
	while (!w) {
		if (++i * PCPU_BPL >= size)
			return size;
		w = map[i] ^ flip;
	}
	return min(i * PCPU_BPL + __builtin_ctzl(w), size);
}

static inline int next_set(const unsigned long *map, int size, int start)
{
	return map_next(map, size, start, true);
}

static inline int next_clear(const unsigned long *map, int size, int start)
{
	return map_next(map, size, start, false);
}

/* -------------------------------------------------------------- hints */

/* The free runs of block @b, from the map. */
static struct pcpu_block_md block_scan(const struct pcpu_chunk *c, int b)
{
	int start = b * PCPU_BLOCK_BITS, end = start + PCPU_BLOCK_BITS;
	struct pcpu_block_md md = { 0, 0, 0 };
	int pos = start, s, e;

	while ((s = next_clear(c->alloc_map, end, pos)) < end) {
		e = next_set(c->alloc_map, end, s);
		if (s == start)
			md.left = e - s;
		if (e == end)
			md.right = e - s;
		md.contig = max(md.contig, e - s);
		pos = e;
	}
	return md;
}

/*
 * The chunk's longest run from its blocks: a run that crosses blocks is
 * the right run of one, whole free blocks, and the left run of the next.
 */
static void chunk_hints(const struct pcpu_chunk *c, int *contig, int *first)
{
	int b, run = 0, best = 0;

	*first = PCPU_NR_BLOCKS;
	for (b = 0; b < PCPU_NR_BLOCKS; b++) {
		const struct pcpu_block_md *md = &c->md[b];

		if (*first == PCPU_NR_BLOCKS && md->contig)
			*first = b;
		if (md->left == PCPU_BLOCK_BITS) {
			run += PCPU_BLOCK_BITS;
			continue;
		}
		best = max(best, max(run + md->left, md->contig));
		run = md->right;
	}
	*contig = max(best, run);
}

static int chunk_slot(const struct pcpu_chunk *c)
{
	if (c->free_bits == PCPU_NR_BITS)
		return PCPU_EMPTY_SLOT;
	return fls_long((unsigned long)c->contig_bits);
}

/* Move @c to the slot its hints call for; count the empty ones. */
static void chunk_relocate(struct pcpu_chunk *c)
{
	int nslot = chunk_slot(c), oslot = c->slot;

	if (nslot == oslot)
		return;
	if (oslot == PCPU_EMPTY_SLOT)
		pcpu_nr_empty--;
	if (nslot == PCPU_EMPTY_SLOT)
		pcpu_nr_empty++;
	if (oslot < nslot)
		list_move(&c->list, &pcpu_slot[nslot]);
	else
		list_move_tail(&c->list, &pcpu_slot[nslot]);
	c->slot = nslot;
}

/* After the map changed in [@off, @off + @bits): blocks, chunk, slot. */
static void chunk_update(struct pcpu_chunk *c, int off, int bits)
{
	int b;

	for (b = off / PCPU_BLOCK_BITS; b <= (off + bits - 1) / PCPU_BLOCK_BITS;
	     b++)
		c->md[b] = block_scan(c, b);
	chunk_hints(c, &c->contig_bits, &c->first_free);
	chunk_relocate(c);
}

/* ---------------------------------------------------------- the search */

/* The first offset in the free run [@rs, @re) aligned to @abits, if any. */
static bool run_fits(int rs, int re, int bits, int abits, int *pos)
{
	int p = ALIGN_UP(rs, abits);

	if (p + bits > re)
		return false;
	*pos = p;
	return true;
}

/* The first aligned fit lying wholly inside [@lo, @hi), or -1. */
static int scan_fit(const struct pcpu_chunk *c, int lo, int hi, int bits,
		    int abits)
{
	int pos = lo, s, e, p;

	while ((s = next_clear(c->alloc_map, hi, pos)) < hi) {
		e = next_set(c->alloc_map, hi, s);
		if (run_fits(s, e, bits, abits, &p))
			return p;
		pos = e;
	}
	return -1;
}

/*
 * First fit at or after @from, by the block hints (the walk at the top of
 * this file). @run_start is the start of a free run carried in from the
 * blocks before, which reaches at least to the current block's start.
 */
static int fit_from(const struct pcpu_chunk *c, int bits, int abits, int from)
{
	int b = max(from / PCPU_BLOCK_BITS, c->first_free);
	int run_start = -1, pos;

	for (; b < PCPU_NR_BLOCKS; b++) {
		const struct pcpu_block_md *md = &c->md[b];
		int base = b * PCPU_BLOCK_BITS, end = base + PCPU_BLOCK_BITS;
		int lo = max(base, from);

		if (run_start >= 0) {
			if (run_fits(run_start, base + md->left, bits, abits,
				     &pos))
				return pos;
			if (md->left == PCPU_BLOCK_BITS)
				continue;
			run_start = -1;
		}
		if (md->contig >= bits) {
			pos = scan_fit(c, lo, end, bits, abits);
			if (pos >= 0)
				return pos;
		}
		if (md->right)
			run_start = max(end - md->right, lo);
	}
	if (run_start >= 0 &&
	    run_fits(run_start, PCPU_NR_BITS, bits, abits, &pos))
		return pos;
	return -1;
}

/* The first unpopulated pop group in [@g, @last], or PCPU_NR_POP. */
static int next_unpopulated(const struct pcpu_chunk *c, int g, int last)
{
	for (; g <= last; g++)
		if (!(c->populated & (1UL << g)))
			return g;
	return PCPU_NR_POP;
}

/* Forget the failures: the chunk gained free space. */
static void forget_failures(struct pcpu_chunk *c)
{
	int k;

	for (k = 0; k < PCPU_NR_ALIGNS; k++)
		c->fail_bits[k] = INT_MAX;
}

/*
 * A request of @bits at alignment 1 << @k found no place. Until something
 * in the chunk is freed, neither will any of at least @bits at that
 * alignment or a coarser one (their candidate offsets are a subset).
 */
static void note_failure(struct pcpu_chunk *c, int bits, int k)
{
	for (; k < PCPU_NR_ALIGNS; k++)
		c->fail_bits[k] = min(c->fail_bits[k], bits);
}

/*
 * First fit; with @pop_only, the first whose pages are all populated (an
 * atomic allocation may not populate). A fit that covers an unpopulated
 * group rules out every offset before that group's run of unpopulated
 * groups ends (each would cover it too), so the search goes on from there.
 *
 * Failures are remembered (@fail_bits): the kernel's pcpu_alloc_test holds
 * 35000 objects aligned up to 2 KiB in some 70 chunks, most of which have
 * runs long enough but none aligned well enough, and would be searched in
 * vain by every allocation. Only a free can make a known failure fit, so
 * the memory is exact, and it is dropped at every free.
 */
static int find_fit(struct pcpu_chunk *c, int bits, int abits, bool pop_only)
{
	int from = 0, pos, g, k = ilog2((unsigned long)abits);

	if (c->contig_bits < bits || bits >= c->fail_bits[k])
		return -1;
	for (;;) {
		pos = fit_from(c, bits, abits, from);
		if (pos < 0 && !from)
			note_failure(c, bits, k);
		if (pos < 0 || !pop_only)
			return pos;
		g = next_unpopulated(c, pos / PCPU_POP_BITS,
				     (pos + bits - 1) / PCPU_POP_BITS);
		if (g == PCPU_NR_POP)
			return pos;
		while (g < PCPU_NR_POP && !(c->populated & (1UL << g)))
			g++;
		from = g * PCPU_POP_BITS;
		if (from >= PCPU_NR_BITS)
			return -1;
	}
}

/* The twin: every aligned offset in turn, every bit of each. */
static int brute_fit(const struct pcpu_chunk *c, int bits, int abits,
		     bool pop_only)
{
	int off, i;

	for (off = 0; off + bits <= PCPU_NR_BITS; off += abits) {
		for (i = off; i < off + bits; i++)
			if (map_test(c->alloc_map, i) ||
			    (pop_only &&
			     !(c->populated & (1UL << (i / PCPU_POP_BITS)))))
				break;
		if (i == off + bits)
			return off;
	}
	return -1;
}

/* ------------------------------------------------------------- chunks */

static void pcpu_init_locked(void)
{
	int i;

	if (pcpu_ready)
		return;
	for (i = 0; i < PCPU_NR_SLOTS; i++)
		INIT_LIST_HEAD(&pcpu_slot[i]);
	pcpu_ready = true;
}

static void pcpu_lock(void)
{
	uvm_call_enter();
	pthread_mutex_lock(&pcpu_alloc_mutex);
	pcpu_init_locked();
}

static void pcpu_unlock(void)
{
	pthread_mutex_unlock(&pcpu_alloc_mutex);
	uvm_call_leave();
}

static inline unsigned long unit_addr(const struct pcpu_chunk *c, int cpu)
{
	return c->base + (unsigned long)cpu * PCPU_UNIT;
}

static inline unsigned long chunk_span(void)
{
	return (unsigned long)pcpu_nr_cpus * PCPU_UNIT;
}

static inline struct page **unit_pages(const struct pcpu_chunk *c, int cpu)
{
	return c->pages + (size_t)cpu * PCPU_UNIT_PAGES;
}

/*
 * The groups: one per run of consecutive CPUs on one node, back to back.
 * Runs beyond MAX_NUMNODES (CPUs not numbered by node) join the last.
 */
static int pcpu_groups(unsigned long *offsets, size_t *sizes)
{
	int cpu, n = 0, node, prev = NUMA_NO_NODE;

	for (cpu = 0; cpu < pcpu_nr_cpus; cpu++) {
		node = cpu_to_node(cpu);
		if (!n || (node != prev && n < MAX_NUMNODES)) {
			offsets[n] = (unsigned long)cpu * PCPU_UNIT;
			sizes[n++] = 0;
		}
		sizes[n - 1] += PCPU_UNIT;
		prev = node;
	}
	return n;
}

/* The chunk whose span holds @addr, by binary search, or NULL. */
static struct pcpu_chunk *chunk_lookup(unsigned long addr, int *index)
{
	int lo = 0, hi = pcpu_nr_chunks;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (pcpu_chunks[mid]->base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo - 1: the last chunk starting at or below @addr. */
	if (lo == 0 || addr - pcpu_chunks[lo - 1]->base >= chunk_span())
		return NULL;
	if (index)
		*index = lo - 1;
	return pcpu_chunks[lo - 1];
}

static bool chunks_insert(struct pcpu_chunk *c)
{
	int i;

	if (pcpu_nr_chunks == pcpu_chunks_cap) {
		int cap = pcpu_chunks_cap ? 2 * pcpu_chunks_cap : 16;
		struct pcpu_chunk **a =
			realloc(pcpu_chunks, (size_t)cap * sizeof(*a));

		if (!a)
			return false;
		pcpu_chunks = a;
		pcpu_chunks_cap = cap;
	}
	for (i = pcpu_nr_chunks; i > 0 && pcpu_chunks[i - 1]->base > c->base;
	     i--)
		pcpu_chunks[i] = pcpu_chunks[i - 1];
	pcpu_chunks[i] = c;
	pcpu_nr_chunks++;
	return true;
}

static void chunks_remove(struct pcpu_chunk *c)
{
	int i;

	if (chunk_lookup(c->base, &i) != c)
		return;
	memmove(&pcpu_chunks[i], &pcpu_chunks[i + 1],
		(size_t)(pcpu_nr_chunks - i - 1) * sizeof(*pcpu_chunks));
	pcpu_nr_chunks--;
}

/* A new, empty, unpopulated chunk on the empty slot, or NULL. */
static struct pcpu_chunk *chunk_create(void)
{
	unsigned long offsets[MAX_NUMNODES];
	size_t sizes[MAX_NUMNODES];
	struct pcpu_chunk *c;
	int b, nr_groups;

	if (!pcpu_nr_chunks)
		pcpu_nr_cpus = (int)num_online_cpus();
	nr_groups = pcpu_groups(offsets, sizes);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->pages = calloc((size_t)pcpu_nr_cpus * PCPU_UNIT_PAGES,
			  sizeof(*c->pages));
	if (!c->pages)
		goto fail;
	c->vms = pcpu_get_vm_areas(offsets, sizes, nr_groups, PAGE_SIZE);
	if (!c->vms)
		goto fail;
	c->nr_groups = nr_groups;
	c->base = (unsigned long)c->vms[0]->addr - offsets[0];
	if (!chunks_insert(c)) {
		pcpu_free_vm_areas(c->vms, nr_groups);
		goto fail;
	}
	for (b = 0; b < PCPU_NR_BLOCKS; b++)
		c->md[b] = (struct pcpu_block_md){ PCPU_BLOCK_BITS,
						   PCPU_BLOCK_BITS,
						   PCPU_BLOCK_BITS };
	map_set(c->bound_map, PCPU_NR_BITS, 1);
	forget_failures(c);
	c->free_bits = PCPU_NR_BITS;
	c->contig_bits = PCPU_NR_BITS;
	c->slot = PCPU_EMPTY_SLOT;
	list_add_tail(&c->list, &pcpu_slot[PCPU_EMPTY_SLOT]);
	pcpu_nr_empty++;
	pcpu_created++;
	return c;
fail:
	free(c->pages);
	free(c);
	return NULL;
}

/*
 * Give @c back: the host mapping goes first (at once, not lazily), so that
 * no stale pointer can reach the pages once they have a new owner; then
 * the pages, then the areas. If the host refuses to unmap, @c stays as it
 * is, an empty chunk, and false comes back.
 */
static bool chunk_destroy(struct pcpu_chunk *c)
{
	long ret = mmu_unmap(c->base, chunk_span());

	if (ret < 0) {
		pr_warn("percpu: chunk %#lx could not be unmapped (%s); it stays",
			c->base, strerror((int)-ret));
		return false;
	}
	vm_free_pages(c->pages, (unsigned long)pcpu_nr_cpus * PCPU_UNIT_PAGES);
	pcpu_free_vm_areas(c->vms, c->nr_groups);
	list_del(&c->list);
	if (c->slot == PCPU_EMPTY_SLOT)
		pcpu_nr_empty--;
	chunks_remove(c);
	free(c->pages);
	free(c);
	pcpu_destroyed++;
	if (!pcpu_nr_chunks)
		pcpu_nr_cpus = 0;
	return true;
}

/* CPU @cpu's slots for pop group @g of the chunk's pages. */
static inline struct page **group_pages(const struct pcpu_chunk *c, int cpu,
					int g)
{
	return unit_pages(c, cpu) + g * PCPU_POP_PAGES;
}

/* Free the first @nr unmapped pages of CPU @cpu's pop group @g. */
static void put_group_pages(struct pcpu_chunk *c, int cpu, int g,
			    unsigned long nr)
{
	struct page **pp = group_pages(c, cpu, g);

	vm_free_pages(pp, nr);
	memset(pp, 0, PCPU_POP_PAGES * sizeof(*pp));
}

/* Unmap and free pop group @g of the units of CPUs [0, @nr_cpus). */
static void depopulate_group(struct pcpu_chunk *c, int g, int nr_cpus)
{
	unsigned long off = (unsigned long)g * PCPU_POP_PAGES * PAGE_SIZE;
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		if (mmu_unmap(unit_addr(c, cpu) + off,
			      PCPU_POP_PAGES * PAGE_SIZE) < 0) {
			/* Still mapped: the pages must not go back. */
			pr_warn("percpu: pages at %#lx could not be unmapped; they stay allocated",
				unit_addr(c, cpu) + off);
			put_group_pages(c, cpu, g, 0);
		} else {
			put_group_pages(c, cpu, g, PCPU_POP_PAGES);
		}
	}
}

/*
 * Pop group @g of every unit: first every CPU's pages (each from its own
 * node), then every mapping. On failure everything this call got is
 * given back.
 */
static int populate_group(struct pcpu_chunk *c, int g, gfp_t gfp)
{
	unsigned long off = (unsigned long)g * PCPU_POP_PAGES * PAGE_SIZE;
	int cpu, mapped, err = -ENOMEM;
	unsigned long got;

	for (cpu = 0; cpu < pcpu_nr_cpus; cpu++) {
		got = vm_alloc_pages(gfp, cpu_to_node(cpu), PCPU_POP_PAGES,
				     group_pages(c, cpu, g));
		if (got < PCPU_POP_PAGES) {
			put_group_pages(c, cpu, g, got);
			goto free_pages;
		}
	}
	for (mapped = 0; mapped < pcpu_nr_cpus; mapped++) {
		err = mmu_map_pages(unit_addr(c, mapped) + off,
				    group_pages(c, mapped, g), PCPU_POP_PAGES,
				    PAGE_KERNEL, PAGE_SHIFT);
		if (err)
			goto unmap;
	}
	c->populated |= 1UL << g;
	return 0;
unmap:
	/* The units mapped so far go as a whole group; then the rest. */
	depopulate_group(c, g, mapped);
	for (cpu = mapped; cpu < pcpu_nr_cpus; cpu++)
		put_group_pages(c, cpu, g, PCPU_POP_PAGES);
	return err;
free_pages:
	while (cpu-- > 0)
		put_group_pages(c, cpu, g, PCPU_POP_PAGES);
	return err;
}

/* Populate what [@off, @off + @bits) covers; all or nothing. */
static int chunk_populate(struct pcpu_chunk *c, int off, int bits, gfp_t gfp)
{
	int g, first = off / PCPU_POP_BITS,
	       last = (off + bits - 1) / PCPU_POP_BITS;
	unsigned long fresh = 0;
	int err;

	for (g = first; g <= last; g++) {
		if (c->populated & (1UL << g))
			continue;
		err = populate_group(c, g, gfp);
		if (err) {
			for (g = first; g <= last; g++) {
				if (fresh & (1UL << g)) {
					depopulate_group(c, g, pcpu_nr_cpus);
					c->populated &= ~(1UL << g);
				}
			}
			return err;
		}
		fresh |= 1UL << g;
	}
	return 0;
}

static void chunk_take(struct pcpu_chunk *c, int off, int bits)
{
	map_set(c->alloc_map, off, bits);
	map_set(c->bound_map, off, 1);
	map_clear(c->bound_map, off + 1, bits - 1);
	map_set(c->bound_map, off + bits, 1);
	c->free_bits -= bits;
	c->nr_alloc++;
	chunk_update(c, off, bits);
}

static void chunk_give(struct pcpu_chunk *c, int off, int bits)
{
	map_clear(c->alloc_map, off, bits);
	forget_failures(c);
	c->free_bits += bits;
	c->nr_alloc--;
	chunk_update(c, off, bits);
}

/* Zero every CPU's copy of [@off, @off + @size) through the direct map. */
static void chunk_zero(const struct pcpu_chunk *c, unsigned long off,
		       size_t size, int nr_cpus)
{
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		unsigned long o = off;
		size_t left = size;

		while (left) {
			struct page *page = unit_pages(c, cpu)[o >> PAGE_SHIFT];
			unsigned long in = o & (PAGE_SIZE - 1);
			size_t n = min(left, (size_t)(PAGE_SIZE - in));

			memset((char *)page_address(page) + in, 0, n);
			o += n;
			left -= n;
		}
	}
}

static int check_locked(void);

static void debug_check(void)
{
	if (unlikely(uvm_debug_vm >= 3))
		check_locked();
}

/* --------------------------------------------------------- the API */

/* A request in map bits, or false for one the kernel calls illegal. */
static bool request_bits(size_t size, size_t align, int *bits, int *abits)
{
	if (!size || size > PCPU_UNIT || !is_power_of_2(align) ||
	    align > PAGE_SIZE)
		return false;
	*bits = (int)DIV_ROUND_UP(size, PCPU_MIN_ALLOC_SIZE);
	*abits = (int)max(align / PCPU_MIN_ALLOC_SIZE, (size_t)1);
	return true;
}

void __percpu *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp)
{
	bool warn = !(gfp & __GFP_NOWARN);
	bool atomic = !gfpflags_allow_blocking(gfp);
	gfp_t page_gfp = gfp & (GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
	struct pcpu_chunk *c = NULL, *pos;
	bool created = false;
	const char *why;
	int bits, abits, off = -1, slot, nr_cpus;

	if (!uvm_ensure_booted())
		return NULL;
	if (!request_bits(size, align, &bits, &abits)) {
		if (warn)
			pr_warn("illegal size (%zu) or align (%zu) for percpu allocation",
				size, align);
		return NULL;
	}
	pcpu_lock();
	for (slot = fls_long((unsigned long)bits); slot < PCPU_NR_SLOTS && !c;
	     slot++) {
		list_for_each_entry(pos, &pcpu_slot[slot], list) {
			off = find_fit(pos, bits, abits, atomic);
			if (off >= 0) {
				c = pos;
				break;
			}
		}
	}
	if (!c) {
		why = "atomic alloc failed, no space left";
		if (atomic)
			goto fail;
		why = "failed to allocate new chunk";
		c = chunk_create();
		if (!c)
			goto fail;
		created = true;
		off = find_fit(c, bits, abits, false);
	}
	if (!atomic && chunk_populate(c, off, bits, page_gfp)) {
		/* A chunk made for this call goes with it. */
		if (created)
			chunk_destroy(c);
		why = "failed to populate";
		goto fail;
	}
	chunk_take(c, off, bits);
	nr_cpus = pcpu_nr_cpus;
	debug_check();
	pcpu_unlock();
	/* Ours alone now, and the chunk stays while it holds an allocation. */
	chunk_zero(c, (unsigned long)off * PCPU_MIN_ALLOC_SIZE, size, nr_cpus);
	return (void __percpu *)(c->base +
				 (unsigned long)off * PCPU_MIN_ALLOC_SIZE);
fail:
	pcpu_unlock();
	if (warn)
		pr_warn("percpu: allocation failed, size=%zu align=%zu atomic=%d, %s",
			size, align, atomic, why);
	return NULL;
}

void __percpu *__alloc_percpu(size_t size, size_t align)
{
	return __alloc_percpu_gfp(size, align, GFP_KERNEL);
}

void free_percpu(void __percpu *ptr)
{
	unsigned long addr = (unsigned long)ptr, off;
	struct pcpu_chunk *c;
	int bit, end;

	if (!ptr || !uvm_ensure_booted())
		return;
	pcpu_lock();
	c = chunk_lookup(addr, NULL);
	if (!c) {
		pr_warn("free_percpu: %p is not per-CPU memory", ptr);
		goto out;
	}
	off = addr - c->base;
	if (off >= PCPU_UNIT) {
		pr_warn("free_percpu: %p is CPU %lu's copy; free the pointer the allocation returned",
			ptr, off / PCPU_UNIT);
		goto out;
	}
	bit = (int)(off / PCPU_MIN_ALLOC_SIZE);
	if (off % PCPU_MIN_ALLOC_SIZE || !map_test(c->alloc_map, bit) ||
	    !map_test(c->bound_map, bit)) {
		pr_warn("free_percpu: %p is not the start of a live per-CPU allocation (freed already?)",
			ptr);
		goto out;
	}
	end = next_set(c->bound_map, PCPU_NR_BITS + 1, bit + 1);
	chunk_give(c, bit, end - bit);
	/* Keep one empty chunk; a second goes at once. */
	if (c->slot == PCPU_EMPTY_SLOT && pcpu_nr_empty > 1)
		chunk_destroy(c);
	debug_check();
out:
	pcpu_unlock();
}

/* ----------------------------------------------- checker, twin, stats */

struct area_census {
	int bad;
};

/* Every pcpu_get_vm_areas() area inside a chunk's span is one of its own. */
static void census_one(const struct vm_struct *vm, void *arg)
{
	struct area_census *ac = arg;
	unsigned long addr = (unsigned long)vm->addr;
	struct pcpu_chunk *c;
	int g;

	if (vm->caller != pcpu_area_caller())
		return;
	c = chunk_lookup(addr, NULL);
	if (!c)
		return;
	for (g = 0; g < c->nr_groups; g++)
		if (c->vms[g] == vm)
			return;
	ac->bad++;
	pr_err("pcpu_check: area %#lx lies in chunk %#lx but is none of its areas",
	       addr, c->base);
}

static int check_areas(const struct pcpu_chunk *c)
{
	unsigned long offsets[MAX_NUMNODES];
	size_t sizes[MAX_NUMNODES];
	int g, n = pcpu_groups(offsets, sizes);

	if (n != c->nr_groups) {
		pr_err("pcpu_check: chunk %#lx has %d areas, its CPUs make %d groups",
		       c->base, c->nr_groups, n);
		return 1;
	}
	for (g = 0; g < n; g++) {
		const struct vm_struct *vm = c->vms[g];

		if ((unsigned long)vm->addr != c->base + offsets[g] ||
		    vm->size != sizes[g] || !(vm->flags & VM_ALLOC) ||
		    vm->caller != pcpu_area_caller() ||
		    find_vm_area(vm->addr) != vm) {
			pr_err("pcpu_check: area %d of chunk %#lx (%p, %lu bytes) is not the live area %#lx, %zu bytes, of pcpu_get_vm_areas",
			       g, c->base, vm->addr, vm->size,
			       c->base + offsets[g], sizes[g]);
			return 1;
		}
	}
	return 0;
}

/* Each populated page mapped at its place, nothing where none is. */
static int check_pages(const struct pcpu_chunk *c)
{
	int cpu, i;

	for (cpu = 0; cpu < pcpu_nr_cpus; cpu++) {
		for (i = 0; i < PCPU_UNIT_PAGES; i++) {
			struct page *page = unit_pages(c, cpu)[i];
			unsigned long addr = unit_addr(c, cpu) + i * PAGE_SIZE;
			bool pop = c->populated & (1UL << (i / PCPU_POP_PAGES));
			pteval_t e = mmu_lookup(addr, NULL);

			if (pop && page && entry_present(e) &&
			    entry_pfn(e) == page_to_pfn(page))
				continue;
			if (!pop && !page && !entry_present(e))
				continue;
			pr_err("pcpu_check: chunk %#lx, CPU %d, page %d: %s, page %p, entry %#llx",
			       c->base, cpu, i,
			       pop ? "populated" : "not populated",
			       (void *)page, (unsigned long long)e);
			return 1;
		}
	}
	return 0;
}

/* The map against the boundary map, the counts, the hints. */
static int check_map(const struct pcpu_chunk *c)
{
	int s, e, pos = 0, nr = 0, used = 0, b, contig, first, g;

	while ((s = next_set(c->alloc_map, PCPU_NR_BITS, pos)) < PCPU_NR_BITS) {
		if (!map_test(c->bound_map, s)) {
			pr_err("pcpu_check: chunk %#lx: allocated bit %d starts no allocation",
			       c->base, s);
			return 1;
		}
		e = next_set(c->bound_map, PCPU_NR_BITS + 1, s + 1);
		if (next_clear(c->alloc_map, e, s) < e) {
			pr_err("pcpu_check: chunk %#lx: allocation %d-%d has free bits",
			       c->base, s, e);
			return 1;
		}
		for (g = s / PCPU_POP_BITS; g <= (e - 1) / PCPU_POP_BITS; g++) {
			if (!(c->populated & (1UL << g))) {
				pr_err("pcpu_check: chunk %#lx: allocation %d-%d covers unpopulated pages",
				       c->base, s, e);
				return 1;
			}
		}
		nr++;
		used += e - s;
		pos = e;
	}
	if (!map_test(c->bound_map, PCPU_NR_BITS) || nr != c->nr_alloc ||
	    used != PCPU_NR_BITS - c->free_bits) {
		pr_err("pcpu_check: chunk %#lx: %d allocations of %d bits, counted %d of %d free (end mark %d)",
		       c->base, nr, used, c->nr_alloc, c->free_bits,
		       map_test(c->bound_map, PCPU_NR_BITS));
		return 1;
	}
	for (b = 0; b < PCPU_NR_BLOCKS; b++) {
		struct pcpu_block_md md = block_scan(c, b);

		if (md.left != c->md[b].left || md.right != c->md[b].right ||
		    md.contig != c->md[b].contig) {
			pr_err("pcpu_check: chunk %#lx block %d: hints %d/%d/%d, map says %d/%d/%d",
			       c->base, b, c->md[b].left, c->md[b].right,
			       c->md[b].contig, md.left, md.right, md.contig);
			return 1;
		}
	}
	for (b = 0; b < PCPU_NR_ALIGNS; b++) {
		if (c->fail_bits[b] != INT_MAX &&
		    fit_from(c, c->fail_bits[b], 1 << b, 0) >= 0) {
			pr_err("pcpu_check: chunk %#lx: %d bits aligned to %d are remembered as not fitting, but fit",
			       c->base, c->fail_bits[b], 1 << b);
			return 1;
		}
	}
	chunk_hints(c, &contig, &first);
	/* The longest run straight from the map, not through the blocks. */
	for (pos = 0, e = 0;
	     (s = next_clear(c->alloc_map, PCPU_NR_BITS, pos)) < PCPU_NR_BITS;
	     pos = next_set(c->alloc_map, PCPU_NR_BITS, s))
		e = max(e, next_set(c->alloc_map, PCPU_NR_BITS, s) - s);
	if (contig != c->contig_bits || e != contig || first != c->first_free) {
		pr_err("pcpu_check: chunk %#lx: contig %d, first free block %d; recounted %d (map: %d), %d",
		       c->base, c->contig_bits, c->first_free, contig, e,
		       first);
		return 1;
	}
	return 0;
}

static int check_locked(void)
{
	struct area_census ac = { 0 };
	int bad = 0, i, slot, on_lists = 0, empty = 0;
	struct pcpu_chunk *c;

	for (i = 0; i < pcpu_nr_chunks; i++) {
		c = pcpu_chunks[i];
		if (i && c->base < pcpu_chunks[i - 1]->base + chunk_span()) {
			bad++;
			pr_err("pcpu_check: chunks %#lx and %#lx out of order or overlapping",
			       pcpu_chunks[i - 1]->base, c->base);
		}
		bad += check_map(c) + check_pages(c) + check_areas(c);
		if (c->free_bits == PCPU_NR_BITS)
			empty++;
	}
	for (slot = 0; slot < PCPU_NR_SLOTS; slot++) {
		list_for_each_entry(c, &pcpu_slot[slot], list) {
			on_lists++;
			if (c->slot != slot || chunk_slot(c) != slot ||
			    chunk_lookup(c->base, NULL) != c) {
				bad++;
				pr_err("pcpu_check: chunk %#lx on slot %d, says %d, belongs on %d%s",
				       c->base, slot, c->slot, chunk_slot(c),
				       chunk_lookup(c->base, NULL) != c ?
					       ", not in the lookup array" :
					       "");
			}
		}
	}
	if (on_lists != pcpu_nr_chunks || empty != pcpu_nr_empty || empty > 1) {
		bad++;
		pr_err("pcpu_check: %d chunks, %d on the slot lists, %d empty (counted %d)",
		       pcpu_nr_chunks, on_lists, empty, pcpu_nr_empty);
	}
	if (pcpu_nr_chunks && instance_running())
		vmalloc_for_each(census_one, &ac);
	return bad + ac.bad;
}

int pcpu_check(void)
{
	int bad;

	if (!instance_running())
		return 0;
	pcpu_lock();
	bad = check_locked();
	pcpu_unlock();
	return bad;
}

int pcpu_fit_twin_check(size_t size, size_t align, bool pop_only)
{
	int bits, abits, i, fast, slow, bad = 0;

	if (!request_bits(size, align, &bits, &abits))
		return 0;
	pcpu_lock();
	for (i = 0; i < pcpu_nr_chunks; i++) {
		fast = find_fit(pcpu_chunks[i], bits, abits, pop_only);
		slow = brute_fit(pcpu_chunks[i], bits, abits, pop_only);
		if (fast != slow) {
			bad++;
			pr_err("pcpu_fit_twin_check: chunk %#lx, %d bits aligned to %d%s: search %d, scan %d",
			       pcpu_chunks[i]->base, bits, abits,
			       pop_only ? ", populated only" : "", fast, slow);
		}
	}
	pcpu_unlock();
	return bad;
}

void pcpu_get_stats(struct pcpu_stats *st)
{
	int i, g;

	memset(st, 0, sizeof(*st));
	pcpu_lock();
	st->nr_chunks = pcpu_nr_chunks;
	st->nr_empty = pcpu_nr_empty;
	st->nr_groups = pcpu_nr_chunks ? pcpu_chunks[0]->nr_groups : 0;
	for (i = 0; i < pcpu_nr_chunks; i++) {
		const struct pcpu_chunk *c = pcpu_chunks[i];

		st->nr_alloc += (unsigned long)c->nr_alloc;
		st->used_bytes += (unsigned long)(PCPU_NR_BITS - c->free_bits) *
				  PCPU_MIN_ALLOC_SIZE;
		st->free_bytes +=
			(unsigned long)c->free_bits * PCPU_MIN_ALLOC_SIZE;
		for (g = 0; g < PCPU_NR_POP; g++)
			if (c->populated & (1UL << g))
				st->populated_pages +=
					(unsigned long)PCPU_POP_PAGES *
					(unsigned long)pcpu_nr_cpus;
	}
	st->chunks_created = pcpu_created;
	st->chunks_destroyed = pcpu_destroyed;
	pcpu_unlock();
}

void pcpu_exit(void)
{
	unsigned long live = 0, bytes = 0;
	struct pcpu_chunk *c;
	int i;

	pcpu_lock();
	for (i = 0; i < pcpu_nr_chunks; i++) {
		live += (unsigned long)pcpu_chunks[i]->nr_alloc;
		bytes += (unsigned long)(PCPU_NR_BITS -
					 pcpu_chunks[i]->free_bits) *
			 PCPU_MIN_ALLOC_SIZE;
	}
	if (live)
		pr_warn("leak: %lu per-CPU allocations, %lu bytes a CPU, still allocated at shutdown",
			live, bytes);
	while (pcpu_nr_chunks) {
		c = pcpu_chunks[pcpu_nr_chunks - 1];
		/* Without an instance its areas and pages are gone already. */
		if (instance_running() && chunk_destroy(c))
			continue;
		list_del(&c->list);
		pcpu_nr_chunks--;
		free(c->pages);
		free(c);
	}
	free(pcpu_chunks);
	pcpu_chunks = NULL;
	pcpu_chunks_cap = 0;
	pcpu_nr_empty = 0;
	pcpu_nr_cpus = 0;
	pcpu_created = pcpu_destroyed = 0;
	pcpu_unlock();
}
