/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU allocator's internals (src/kmod/percpu.c): its checker, the
 * brute-force twin of its fit search, its counters and its teardown. For
 * tests and the boot layer; nothing here is for modules.
 */
#ifndef UVM_KMOD_PERCPU_INT_H
#define UVM_KMOD_PERCPU_INT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The unit size, as <linux/percpu.h> defines it for modules, for code
 * built without the module headers (the tests). percpu.c includes both, so
 * the two definitions cannot drift apart: a different one fails to build.
 */
#define UVM_PCPU_UNIT_SIZE (1UL << 18)

/**
 * struct pcpu_stats - what the allocator holds
 * @nr_chunks: chunks (each one area per NUMA node in vmallocinfo)
 * @nr_empty: of those, chunks without an allocation (at most one stays)
 * @nr_groups: areas each chunk has: runs of consecutive CPUs on one node
 * @nr_alloc: live allocations
 * @used_bytes: bytes of a unit they take (rounded to 4 bytes each)
 * @free_bytes: bytes of the units' allocation maps still free
 * @populated_pages: pages mapped into chunks, all CPUs together
 * @chunks_created: chunks made since boot
 * @chunks_destroyed: chunks given back since boot
 */
struct pcpu_stats {
	int nr_chunks;
	int nr_empty;
	int nr_groups;
	unsigned long nr_alloc;
	unsigned long used_bytes;
	unsigned long free_bytes;
	unsigned long populated_pages;
	unsigned long chunks_created;
	unsigned long chunks_destroyed;
};

/**
 * pcpu_get_stats() - read the allocator's counters
 * @st: filled in, under the allocator's mutex
 */
void pcpu_get_stats(struct pcpu_stats *st);

/**
 * pcpu_check() - the per-CPU allocator's whole-structure checker
 *
 * Takes the allocator's mutex. For every chunk: the allocation map against
 * the boundary map (each allocation starts on a boundary, the next one
 * ends it, and no allocated bit lies outside an allocation), the per-block
 * and per-chunk hints and free counts against a recount, the chunk's list
 * against its hint, the populated map against the page tables (each CPU's
 * page mapped where it belongs, nothing mapped where nothing is populated)
 * and against the allocations (all of them backed), the chunk's areas
 * against vmalloc's (each live, at its congruent place, VM_ALLOC, caller
 * pcpu_get_vm_areas, and no other such area inside the chunk), the lookup
 * array's order, and the counters.
 *
 * Return: the number of violations, each reported in one line.
 */
int pcpu_check(void);

/**
 * pcpu_fit_twin_check() - the fit search against its brute-force twin
 * @size: bytes, as __alloc_percpu_gfp() takes them
 * @align: a power of two up to PAGE_SIZE
 * @pop_only: search only populated space, as an atomic allocation does
 *
 * For every chunk, the fast search (block hints, runs across blocks) and a
 * scan of every aligned offset must agree on the first fit. Changes
 * nothing; takes the allocator's mutex.
 *
 * Return: the number of chunks where they differ, each reported in one line.
 */
int pcpu_fit_twin_check(size_t size, size_t align, bool pop_only);

/**
 * pcpu_exit() - give back every chunk, for the end of an instance
 *
 * Meant for uvm_shutdown(), before vmalloc_exit() (which would otherwise
 * report the chunks' areas as leaks): each allocation still live is
 * counted in one warning line, then every chunk's pages are unmapped and
 * freed and its areas returned. The allocator is empty afterwards, ready
 * for the next instance. Without an instance it only forgets its state.
 */
void pcpu_exit(void);

#endif /* UVM_KMOD_PERCPU_INT_H */
