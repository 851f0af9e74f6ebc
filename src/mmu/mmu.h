/* SPDX-License-Identifier: MIT */
/*
 * The mmu layer: software page tables for the vmalloc window, and the
 * backend that mirrors them into the host.
 *
 * Tables are physical pages from the phys layer (PG_table, counted as
 * PageTables), 512 eight-byte entries each, in the x86_64 entry format. The
 * depth is pgtable_levels=; folded levels are simply absent from the walk:
 *
 *   levels  VA bits  walk                        top-level shift
 *     5       57     pgd -> p4d -> pud -> pmd -> pte     48
 *     4       48     pgd -> pud -> pmd -> pte            39   (p4d folded)
 *     3       39     pgd -> pmd -> pte                   30   (p4d, pud folded)
 *
 * Every level indexes with 9 bits of the address, so a table of any level is
 * one page. A PMD entry with _PAGE_PSE is a 2 MiB leaf.
 *
 * Intermediate tables are created on demand under mmu.lock and, as in the
 * kernel's vmalloc, never freed before shutdown. Leaf entries are written
 * without the lock: the caller owns the range it maps (the area allocator
 * hands each range to one owner). The walks load entries with acquire and
 * the writers store them with release: a walker that takes no lock
 * (vread(), vmalloc_to_page()) sees whole values, and the zeroed contents of
 * a new table before the entry that links it in. The checker, which runs
 * while nothing maps, reads them relaxed.
 *
 * The backend (mmu=host|soft) mirrors leaf changes into the host: host maps
 * each physically contiguous run with one mmap() of the node's memfd inside a
 * PROT_NONE reservation of the window; soft does nothing, and the window is
 * then a kernel-style address range that only the tables describe.
 */
#ifndef UVM_MMU_MMU_H
#define UVM_MMU_MMU_H

#include <linux/pgtable.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/compiler.h"
#include "lib/fault_inject.h"
#include "lib/list.h"
#include "lib/rbtree.h"
#include "lib/options.h"
#include "lib/spinlock.h"

typedef uint64_t pteval_t;

#define MMU_MAX_LEVELS 5
#define PTRS_PER_TABLE 512

enum mmu_backend_kind {
	MMU_HOST,
	MMU_SOFT
};

/**
 * struct mmu_params - the boot parameters of this layer
 * @levels: pgtable_levels=, 3..5
 * @backend: mmu=, an enum mmu_backend_kind
 * @vmalloc_size: vmalloc=, the window's size in bytes
 * @fail_host_map: fault injection for host mappings (fail_host_map=)
 */
struct mmu_params {
	long levels;
	int backend;
	unsigned long vmalloc_size;
	char fail_host_map[UVM_OPT_STRING_MAX];
};

/**
 * struct mmu_backend - how table changes reach the host
 * @name: "host" or "soft"
 * @mirrors: false when the tables are all there is (map, unmap and protect
 *           are then never called)
 * @reserve: set mmu.vmalloc_start/end for a window of @size bytes
 * @release: give the window back
 * @map: map @nr frames starting at @pfn (contiguous, one node) at @addr
 * @unmap: make [@addr, @addr + @size) inaccessible again
 * @protect: change the protection of mapped [@addr, @addr + @size)
 *
 * Return (map, unmap, protect): 0 or a negative errno; a failed call has
 * changed nothing.
 */
struct mmu_backend {
	const char *name;
	bool mirrors;
	int (*reserve)(unsigned long size);
	void (*release)(void);
	int (*map)(unsigned long addr, unsigned long pfn, unsigned long nr,
		   pgprot_t prot);
	int (*unmap)(unsigned long addr, unsigned long size);
	int (*protect)(unsigned long addr, unsigned long size, pgprot_t prot);
};

extern const struct mmu_backend mmu_host_backend;
extern const struct mmu_backend mmu_soft_backend;

/**
 * struct mmu_state - the page tables of an instance
 * @params: as booted
 * @levels: 3, 4 or 5
 * @shift: the address shift of each present level, top first
 * @names: each present level's name ("pgd", "p4d", "pud", "pmd", "pte")
 * @vmalloc_start: first address of the window
 * @vmalloc_end: one past its last
 * @pgd: the root table
 * @lock: serialises the creation of intermediate tables
 * @ops: the backend
 * @fail_host_map: injection point for host mappings
 * @host_maps: successful host map calls
 * @host_unmaps: host unmap calls
 * @host_protects: host protection changes
 * @host_failures: host calls refused (the cap, ENOMEM, injection)
 * @stale: ranges cleared in the tables whose host mappings await
 *         mmu_flush() (struct mmu_stale by start, disjoint, under @lock;
 *         see stale.c); the checker allows
 *         host mappings there
 */
struct mmu_state {
	struct mmu_params params;
	int levels;
	int shift[MMU_MAX_LEVELS];
	const char *names[MMU_MAX_LEVELS];
	unsigned long vmalloc_start;
	unsigned long vmalloc_end;
	struct page *pgd;
	spinlock_t lock;
	const struct mmu_backend *ops;
	struct fault_attr fail_host_map;
	atomic_ulong host_maps;
	atomic_ulong host_unmaps;
	atomic_ulong host_protects;
	atomic_ulong host_failures;
	struct rb_root stale;
};

/**
 * struct mmu_stale - a range whose tables are clear but whose host mapping
 *                    may still exist (the lazy window before a flush)
 * @start: first address
 * @end: one past the last
 * @node: in mmu.stale, by @start
 */
struct mmu_stale {
	unsigned long start;
	unsigned long end;
	struct rb_node node;
};

/* stale.c */

/**
 * mmu_stale_add() - remember that the host may still map [@start, @end)
 * @start: page-aligned
 * @end: page-aligned, above @start
 *
 * Ranges it overlaps are merged into it.
 *
 * Return: false without memory to remember it (flush at once instead).
 */
bool mmu_stale_add(unsigned long start, unsigned long end);

/**
 * mmu_stale_remove() - forget [@start, @end): it was flushed or remapped
 * @start: first address
 * @end: one past the last
 */
void mmu_stale_remove(unsigned long start, unsigned long end);

/**
 * mmu_stale_covers() - whether one stale range holds all of [@start, @end)
 * @start: first address
 * @end: one past the last
 */
bool mmu_stale_covers(unsigned long start, unsigned long end);

/**
 * mmu_is_stale() - whether @addr lies in a cleared, not yet flushed range
 * @addr: any address
 *
 * Takes mmu.lock.
 */
bool mmu_is_stale(unsigned long addr);

/**
 * mmu_stale_check() - the stale tree's checker: a sound red-black tree of
 *                     disjoint, page-aligned ranges whose lookup agrees
 *                     with a walk of all of them
 *
 * Return: the number of violations, each reported in one line.
 */
int mmu_stale_check(void);

extern struct mmu_state mmu;

/**
 * struct mmu_walk - what a walk of one address found
 * @addr: the address walked
 * @depth: how many levels were read (1..levels)
 * @index: the entry's index in each level's table
 * @entry: the entry read at each level
 * @table_phys: the physical address of each level's table
 * @leaf_level: the level whose entry maps the address, -1 for a hole
 * @leaf_size: the bytes one leaf entry maps (PAGE_SIZE or PMD_SIZE)
 * @pfn: the frame holding the address (leaf only)
 */
struct mmu_walk {
	unsigned long addr;
	int depth;
	unsigned int index[MMU_MAX_LEVELS];
	pteval_t entry[MMU_MAX_LEVELS];
	phys_addr_t table_phys[MMU_MAX_LEVELS];
	int leaf_level;
	unsigned long leaf_size;
	unsigned long pfn;
};

static inline bool entry_present(pteval_t e)
{
	return e & _PAGE_PRESENT;
}

static inline unsigned long entry_pfn(pteval_t e)
{
	return (e & PTE_PFN_MASK) >> PAGE_SHIFT;
}

/* An address rebuilt from table indices, with the upper half's sign. */
static inline unsigned long mmu_sign_extend(unsigned long addr)
{
	int va_bits = PAGE_SHIFT + 9 * mmu.levels;

	if (va_bits < 64 && (addr >> (va_bits - 1)) & 1)
		addr |= ~0UL << va_bits;
	return addr;
}

static inline bool mmu_in_window(unsigned long addr, unsigned long size)
{
	return addr >= mmu.vmalloc_start && addr <= mmu.vmalloc_end &&
	       size <= mmu.vmalloc_end - addr;
}

/* pgtable.c */

/**
 * mmu_init() - set the geometry, reserve the window, allocate the root
 * @params: this layer's boot parameters (copied)
 *
 * Return: 0, or a negative errno after one line saying why.
 */
int mmu_init(const struct mmu_params *params);

/**
 * mmu_exit() - free every table and release the window
 *
 * Leaf mappings still present are dropped with the window; their pages
 * belong to whoever mapped them.
 */
void mmu_exit(void);

/**
 * mmu_map_pages() - map @nr pages at @addr
 * @addr: page-aligned, inside the window
 * @pages: the frames, in order; the same page may appear more than once
 * @nr: how many
 * @prot: the protection; must be present
 * @page_shift: PAGE_SHIFT, or PMD_SHIFT to use 2 MiB leaves where the
 *              address and 512 physically contiguous frames line up
 *
 * Every target entry must be empty. On failure nothing stays mapped.
 *
 * Return: 0, -EINVAL for bad arguments, -EBUSY if something is mapped
 * there, -ENOMEM when a table page or a host mapping could not be had.
 */
int mmu_map_pages(unsigned long addr, struct page **pages, unsigned long nr,
		  pgprot_t prot, unsigned int page_shift);

/**
 * mmu_map_pfns() - map raw frames (no struct page needed) at @addr
 * @addr: page-aligned, inside the window
 * @pfns: the frames
 * @nr: how many
 * @prot: the protection; entries get _PAGE_SPECIAL
 *
 * Frames outside RAM are mapped in the tables only (the host backend has
 * nothing to map them to and leaves those pages inaccessible).
 *
 * Return: as mmu_map_pages().
 */
int mmu_map_pfns(unsigned long addr, const unsigned long *pfns,
		 unsigned long nr, pgprot_t prot);

/**
 * mmu_clear_noflush() - clear the entries of [@addr, @addr + @size) in the
 *                       tables, leaving the host mapping for mmu_flush()
 * @addr: page-aligned, inside the window
 * @size: page-aligned
 *
 * The kernel's vunmap_range_noflush(): the host keeps its mappings (the
 * range is recorded as stale) until mmu_flush(), the analogue of the
 * kernel's deferred TLB flush; only without memory to record the range is
 * it unmapped from the host at once. A 2 MiB leaf partly inside the range
 * is split first.
 *
 * Return: the number of pages that were mapped, or -EINVAL, or -ENOMEM when
 * a split could not get a table (then nothing changed).
 */
long mmu_clear_noflush(unsigned long addr, unsigned long size);

/**
 * mmu_revive() - map pages again over a cleared range whose host mapping
 *                was never flushed, with no host call
 * @addr: the range mmu_clear_noflush() cleared (page-aligned)
 * @size: its size, as cleared
 * @pages: the very pages, in the same order, that were mapped there
 * @nr: how many (at most @size in pages; the rest stays unmapped)
 * @prot: the protection they were mapped with
 *
 * The caller vouches that the host still maps @pages there with @prot: it
 * owns the range and its pages, and nothing flushed it since the clear.
 * Only the tables are written; the stale record goes.
 *
 * With mmu=soft there is no host mapping: the tables are all there is.
 *
 * Return: 0; -ENOENT if the host mapping may be gone (no stale record
 * covers the range): map it anew instead.
 */
int mmu_revive(unsigned long addr, unsigned long size, struct page **pages,
	       unsigned long nr, pgprot_t prot);

/**
 * mmu_flush() - drop the host's mappings of [@addr, @addr + @size)
 * @addr: page-aligned, inside the window
 * @size: page-aligned
 *
 * Return: 0 or a negative errno.
 */
int mmu_flush(unsigned long addr, unsigned long size);

/**
 * mmu_unmap() - unmap from the host, then clear the tables
 * @addr: page-aligned, inside the window
 * @size: page-aligned
 *
 * If the host refuses (its mapping cap), nothing changes and the range
 * stays mapped: the caller must keep the frames.
 *
 * Return: the number of pages that were mapped, or -EINVAL, or -ENOMEM (a
 * split or the host refused).
 */
long mmu_unmap(unsigned long addr, unsigned long size);

/**
 * mmu_protect() - change the protection of the mapped pages of a range
 * @addr: page-aligned, inside the window
 * @size: page-aligned
 * @prot: the new protection; must be present
 *
 * Holes stay holes.
 *
 * Return: 0, -EINVAL, or -ENOMEM (a split or the host refused; then nothing
 * changed).
 */
int mmu_protect(unsigned long addr, unsigned long size, pgprot_t prot);

/**
 * mmu_walk() - walk one address through every level
 * @addr: any address
 * @w: filled in
 */
void mmu_walk(unsigned long addr, struct mmu_walk *w);

/**
 * mmu_lookup() - the leaf entry that maps @addr
 * @addr: any address
 * @leaf_size: if not NULL, set to the bytes the leaf maps
 *
 * Return: the entry, 0 for a hole. For a 2 MiB leaf the pfn inside it is
 * the entry's pfn + ((addr & ~PMD_MASK) >> PAGE_SHIFT).
 */
pteval_t mmu_lookup(unsigned long addr, unsigned long *leaf_size);

/**
 * mmu_backing() - where the byte at a window address lives in the direct map
 * @addr: any address
 * @need: entry bits the leaf must have: _PAGE_RW to write there, 0 to read
 *
 * A walk of the tables (no lock: entries are loaded with acquire), so it
 * serves either backend and never faults. The byte at the result belongs to
 * whoever owns the frame; the caller must know that the mapping stays while
 * it uses it.
 *
 * Return: the byte's address in the direct map; NULL outside the window,
 * for a hole, for a leaf without all of @need, or for a frame outside RAM.
 */
char *mmu_backing(unsigned long addr, pteval_t need);

/**
 * mmu_print_walk() - print a walk as a kernel developer draws it
 * @addr: the address
 * @out: where
 */
void mmu_print_walk(unsigned long addr, FILE *out);

/* check.c */

/**
 * mmu_check() - the page-table checker
 *
 * Every present entry points at an allocated frame (tables: PG_table), no
 * table is reachable twice, the table count agrees with PageTables, and on
 * the host backend /proc/self/maps agrees page for page with the leaves.
 * Meaningful only while no other thread maps or unmaps.
 *
 * Return: the number of violations, each reported in one line.
 */
int mmu_check(void);

/**
 * mmu_host_to_prot() - the host protection a pgprot stands for
 * @prot: the pgprot
 *
 * Return: PROT_* bits.
 */
int mmu_host_to_prot(pgprot_t prot);

#endif /* UVM_MMU_MMU_H */
