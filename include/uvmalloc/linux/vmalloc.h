/* SPDX-License-Identifier: MIT */
/*
 * <linux/vmalloc.h> for uvmalloc: virtually contiguous memory from scattered
 * pages, with a guard page after every area.
 *
 * With mmu=host (the default) the addresses returned are real: the memory
 * can be dereferenced, and touching a guard page raises SIGSEGV. With
 * mmu=soft they exist only in the page tables; reach the memory through
 * vread()/vwrite() or vmalloc_to_page() + page_address().
 */
#ifndef UVMALLOC_LINUX_VMALLOC_H
#define UVMALLOC_LINUX_VMALLOC_H

#include <linux/gfp.h>
#include <linux/mm.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is the library's ABI; the rest is hidden. */
#pragma GCC visibility push(default)

/* vm_struct flags */
#define VM_IOREMAP 0x00000001
#define VM_ALLOC 0x00000002
#define VM_MAP 0x00000004
#define VM_USERMAP 0x00000008
#define VM_DMA_COHERENT 0x00000010
#define VM_UNINITIALIZED 0x00000020
#define VM_NO_GUARD 0x00000040
#define VM_KASAN 0x00000080
#define VM_FLUSH_RESET_PERMS 0x00000100
#define VM_MAP_PUT_PAGES 0x00000200
#define VM_ALLOW_HUGE_VMAP 0x00000400
#define VM_DEFER_KMEMLEAK 0x00000800
#define VM_SPARSE 0x00001000

/**
 * struct vm_struct - one vmalloc area as its owner sees it
 * @next: unused here (the kernel's old vmlist link), kept for source
 *        compatibility
 * @addr: the first address
 * @size: bytes, including the guard page unless VM_NO_GUARD
 * @flags: VM_* flags
 * @pages: the pages mapped, or NULL
 * @page_order: the order each entry of @pages stands for (9 for 2 MiB leaves)
 * @nr_pages: entries in @pages, in pages of PAGE_SIZE
 * @phys_addr: the physical address of an ioremap-style area
 * @caller: who asked for it (printed by vmallocinfo)
 * @requested_size: the size the caller asked for
 */
struct vm_struct {
	struct vm_struct *next;
	void *addr;
	unsigned long size;
	unsigned long flags;
	struct page **pages;
	unsigned int page_order;
	unsigned int nr_pages;
	phys_addr_t phys_addr;
	const void *caller;
	unsigned long requested_size;
};

/* vm_map_ram() maps up to this many pages from per-CPU vmap blocks. */
#ifndef BITS_PER_LONG
#define BITS_PER_LONG 64
#endif
#define VMAP_MAX_ALLOC BITS_PER_LONG

/* The alignment vmalloc_user() gives (x86: a page). */
#ifndef SHMLBA
#define SHMLBA PAGE_SIZE
#endif

/**
 * struct vm_area_struct - the part of a user mapping remap_vmalloc_range()
 *                         needs
 * @vm_start: first host address of the range to fill (page-aligned); the
 *            caller owns it (say, an mmap(PROT_NONE) reservation)
 * @vm_end: one past its last
 * @vm_pgoff: unused by remap_vmalloc_range() (its @pgoff says where)
 * @vm_flags: unused here; kept for source compatibility
 */
struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_pgoff;
	unsigned long vm_flags;
};

/**
 * vma_pages() - the pages a user mapping spans
 * @vma: the mapping
 *
 * Return: pages.
 */
static inline unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

/*
 * Allocation. Each returns the area's first address (page-aligned, a guard
 * page after its last page), or NULL after one warning line (none with
 * __GFP_NOWARN). A size of 0, or of more pages than RAM holds, fails.
 */

/**
 * vmalloc() - virtually contiguous memory from pages anywhere
 * @size: bytes (rounded up to whole pages)
 *
 * GFP_KERNEL pages from any node, mapped PAGE_KERNEL (read-write, not
 * executable). The contents are undefined.
 *
 * Return: the area, or NULL.
 */
void *vmalloc(unsigned long size);

/**
 * vzalloc() - vmalloc(), zeroed
 * @size: bytes
 *
 * Return: the area, or NULL.
 */
void *vzalloc(unsigned long size);

/**
 * vmalloc_node() - vmalloc() with pages from one node
 * @size: bytes
 * @node: the node the pages come from first (NUMA_NO_NODE: any); others
 *        are used when it runs short, as the kernel's zonelist does
 *
 * Return: the area, or NULL (also for a node that does not exist).
 */
void *vmalloc_node(unsigned long size, int node);

/**
 * vzalloc_node() - vmalloc_node(), zeroed
 * @size: bytes
 * @node: as for vmalloc_node()
 *
 * Return: the area, or NULL.
 */
void *vzalloc_node(unsigned long size, int node);

/**
 * vmalloc_32() - vmalloc() with every page below 4 GiB (ZONE_DMA32)
 * @size: bytes
 *
 * Return: the area, or NULL.
 */
void *vmalloc_32(unsigned long size);

/**
 * vmalloc_user() - zeroed memory that may be mapped to user space
 * @size: bytes
 *
 * Aligned to SHMLBA and flagged VM_USERMAP, the flag
 * remap_vmalloc_range() asks for.
 *
 * Return: the area, or NULL.
 */
void *vmalloc_user(unsigned long size);

/**
 * vmalloc_32_user() - vmalloc_user() with every page below 4 GiB
 * @size: bytes
 *
 * Return: the area, or NULL.
 */
void *vmalloc_32_user(unsigned long size);

/**
 * vmalloc_exec() - the 2.6-era allocation of executable memory
 * @size: bytes
 *
 * Mapped PAGE_KERNEL_EXEC: with mmu=host, code copied there runs.
 *
 * Return: the area, or NULL.
 */
void *vmalloc_exec(unsigned long size);

/**
 * vmalloc_huge() - vmalloc() mapped with 2 MiB leaves where it can be
 * @size: bytes; from 2 MiB up, rounded up to whole 2 MiB
 * @gfp_mask: allocation flags (unsupported bits are dropped with a warning)
 *
 * Each 2 MiB that gets one aligned order-9 block maps with one PMD leaf
 * (and, with mmu=host, one host mapping); without such blocks, or below
 * 2 MiB, or with the nohugevmalloc boot parameter, small pages.
 *
 * Return: the area, or NULL.
 */
void *vmalloc_huge(unsigned long size, gfp_t gfp_mask);

/**
 * vmalloc_huge_node() - vmalloc_huge() with pages from one node
 * @size: bytes
 * @gfp_mask: allocation flags
 * @node: as for vmalloc_node()
 *
 * Return: the area, or NULL.
 */
void *vmalloc_huge_node(unsigned long size, gfp_t gfp_mask, int node);

/**
 * vmalloc_array() - vmalloc() of @n elements of @size bytes
 * @n: elements
 * @size: bytes each
 *
 * Return: the area, or NULL (with a warning when @n * @size overflows).
 */
void *vmalloc_array(size_t n, size_t size);

/**
 * vcalloc() - vmalloc_array(), zeroed
 * @n: elements
 * @size: bytes each
 *
 * Return: the area, or NULL.
 */
void *vcalloc(size_t n, size_t size);

/**
 * __vmalloc() - vmalloc() with allocation flags
 * @size: bytes
 * @gfp_mask: GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT, __GFP_ZERO, __GFP_NOFAIL
 *            (wait for pages and address space), __GFP_NORETRY,
 *            __GFP_NOWARN and the other flags the kernel supports; any
 *            other bit is dropped with the kernel's "Unexpected gfp"
 *            warning
 *
 * Return: the area, or NULL.
 */
void *__vmalloc(unsigned long size, gfp_t gfp_mask);

/**
 * __vmalloc_node() - vmalloc() with alignment, flags, node and caller
 * @size: bytes
 * @align: a power of two (the area's address is a multiple of it)
 * @gfp_mask: as for __vmalloc(), without the fix-up
 * @node: as for vmalloc_node()
 * @caller: recorded for vmallocinfo and the leak report (say,
 *          __builtin_return_address(0))
 *
 * Return: the area, or NULL.
 */
void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp_mask,
		     int node, const void *caller);

/**
 * __vmalloc_node_range() - the allocation every other one ends in
 * @size: bytes
 * @align: a power of two
 * @start: the area lies in [@start, @end), a page-aligned part of the
 *         vmalloc window
 * @end: see @start
 * @gfp_mask: allocation flags
 * @prot: the pages' protection (PAGE_KERNEL, PAGE_KERNEL_RO, ...)
 * @vm_flags: VM_* flags: VM_NO_GUARD (no guard page), VM_USERMAP,
 *            VM_ALLOW_HUGE_VMAP, ...
 * @node: as for vmalloc_node()
 * @caller: recorded for vmallocinfo
 *
 * A range, then pages (high-order blocks first, then the bulk allocator
 * at most 100 a call, then single pages), then the mapping; a failure at
 * any step undoes the steps before it.
 *
 * Return: the area, or NULL.
 */
void *__vmalloc_node_range(unsigned long size, unsigned long align,
			   unsigned long start, unsigned long end,
			   gfp_t gfp_mask, pgprot_t prot,
			   unsigned long vm_flags, int node,
			   const void *caller);

/**
 * vfree() - free an area vmalloc() and friends returned
 * @addr: the area's first address; NULL is a no-op
 *
 * Anything else (an address inside an area, outside the window, freed
 * already) gets the kernel's "Trying to vfree() nonexistent vm area" warning
 * and changes nothing. The pages return to the page allocator only once the
 * area's host mapping is gone (at the next lazy purge).
 */
void vfree(const void *addr);

/**
 * vfree_atomic() - free later, taking no lock and touching no memory now
 * @addr: as for vfree()
 *
 * Async-signal-safe. The free is parked and carried out by the next
 * vmalloc-layer call made outside a signal handler (vfree() itself parks
 * this way when it finds it interrupted the library).
 */
void vfree_atomic(const void *addr);

/**
 * vrealloc() - resize a vmalloc() area, keeping its contents
 * @p: the area, or NULL (then it is vmalloc(@size))
 * @size: the new size; 0 frees @p and returns NULL
 * @flags: gfp flags (__GFP_ZERO zeroes what grows)
 *
 * Shrinks in place; grows in place up to the area's pages, then (beyond
 * the kernel) by mapping more pages after them when the window is free
 * there; only then allocates, copies and frees.
 *
 * Return: the area (perhaps moved), or NULL with @p untouched.
 */
void *vrealloc(const void *p, size_t size, gfp_t flags);

/*
 * kvmalloc() and friends: up to two pages from the C heap (as the kernel
 * uses kmalloc), larger sizes from vmalloc (at most INT_MAX bytes);
 * kvfree() tells them apart by address.
 */

/**
 * kvmalloc_node() - memory from the heap or vmalloc, by size
 * @size: bytes
 * @flags: allocation flags (__GFP_ZERO zeroes)
 * @node: for the vmalloc part, as for vmalloc_node()
 *
 * Return: the memory, or NULL.
 */
void *kvmalloc_node(size_t size, gfp_t flags, int node);

/**
 * kvmalloc() - kvmalloc_node() on any node
 * @size: bytes
 * @flags: allocation flags
 *
 * Return: the memory, or NULL.
 */
void *kvmalloc(size_t size, gfp_t flags);

/**
 * kvzalloc() - kvmalloc(), zeroed
 * @size: bytes
 * @flags: allocation flags
 *
 * Return: the memory, or NULL.
 */
void *kvzalloc(size_t size, gfp_t flags);

/**
 * kvmalloc_array() - kvmalloc() of @n elements of @size bytes
 * @n: elements
 * @size: bytes each
 * @flags: allocation flags
 *
 * Return: the memory, or NULL (also when @n * @size overflows).
 */
void *kvmalloc_array(size_t n, size_t size, gfp_t flags);

/**
 * kvcalloc() - kvmalloc_array(), zeroed
 * @n: elements
 * @size: bytes each
 * @flags: allocation flags
 *
 * Return: the memory, or NULL.
 */
void *kvcalloc(size_t n, size_t size, gfp_t flags);

/**
 * kvrealloc() - resize kvmalloc() memory, keeping its contents
 * @p: the memory, or NULL (then it is kvmalloc())
 * @size: the new size; 0 frees @p and returns NULL
 * @flags: allocation flags
 *
 * Within vmalloc it is vrealloc(); across the two kinds it copies.
 *
 * Return: the memory (perhaps moved), or NULL with @p untouched.
 */
void *kvrealloc(const void *p, size_t size, gfp_t flags);

/**
 * kvfree() - free kvmalloc() memory of either kind
 * @addr: the memory, or NULL
 */
void kvfree(const void *addr);

/* Mapping what the caller owns. */
void *vmap(struct page **pages, unsigned int count, unsigned long flags,
	   pgprot_t prot);
void vunmap(const void *addr);
void *vmap_pfn(unsigned long *pfns, unsigned int count, pgprot_t prot);
void *vm_map_ram(struct page **pages, unsigned int count, int node);
void vm_unmap_ram(const void *mem, unsigned int count);
void vm_unmap_aliases(void);

/* Virtual space only. */
struct vm_struct *get_vm_area(unsigned long size, unsigned long flags);
struct vm_struct *get_vm_area_caller(unsigned long size, unsigned long flags,
				     const void *caller);
struct vm_struct *__get_vm_area_caller(unsigned long size, unsigned long flags,
				       unsigned long start, unsigned long end,
				       const void *caller);
struct vm_struct *remove_vm_area(const void *addr);
void free_vm_area(struct vm_struct *area);
int map_vm_area(struct vm_struct *area, pgprot_t prot, struct page **pages);

/* The per-CPU allocator's congruent areas, placed top-down. */
struct vm_struct **pcpu_get_vm_areas(const unsigned long *offsets,
				     const size_t *sizes, int nr_vms,
				     size_t align);
void pcpu_free_vm_areas(struct vm_struct **vms, int nr_vms);

/* Mapping a VM_USERMAP area's pages at a host address the caller owns. */
int remap_vmalloc_range(struct vm_area_struct *vma, void *addr,
			unsigned long pgoff);
int remap_vmalloc_range_partial(struct vm_area_struct *vma, unsigned long uaddr,
				void *kaddr, unsigned long pgoff,
				unsigned long size);

/**
 * find_vm_area() - the live area an address lies in
 * @addr: any address; inside the area or its guard page counts
 *
 * vm_map_ram() mappings have no vm_struct and are not found.
 *
 * Return: the area's vm_struct, or NULL.
 */
struct vm_struct *find_vm_area(const void *addr);

/**
 * vmalloc_to_page() - the page mapped at a vmalloc address
 * @addr: any address (2 MiB leaves included)
 *
 * Return: the page, or NULL for a hole or a frame outside RAM.
 */
struct page *vmalloc_to_page(const void *addr);

/**
 * vmalloc_to_pfn() - the frame mapped at a vmalloc address
 * @addr: any address
 *
 * Return: the frame number, or 0 for a hole.
 */
unsigned long vmalloc_to_pfn(const void *addr);

/**
 * is_vmalloc_addr() - whether @x lies in the vmalloc window
 * @x: any address
 *
 * Return: non-zero if it does (mapped or not).
 */
int is_vmalloc_addr(const void *x);

/**
 * get_vm_area_size() - an area's usable size: without its guard page
 * @area: the area
 *
 * Return: bytes.
 */
static inline size_t get_vm_area_size(const struct vm_struct *area)
{
	return area->flags & VM_NO_GUARD ? area->size : area->size - PAGE_SIZE;
}

/**
 * vread() - copy from the vmalloc window through the page tables
 * @buf: destination
 * @addr: source, any address (outside the window reads as zeros)
 * @count: bytes
 *
 * Works on both backends and never faults: unmapped pages read as zeros.
 *
 * Return: @count (clamped at the top of the address space).
 */
long vread(char *buf, char *addr, unsigned long count);

/**
 * vwrite() - copy into the vmalloc window through the page tables
 * @buf: source
 * @addr: destination
 * @count: bytes
 *
 * Unmapped and read-only pages are skipped.
 *
 * Return: the number of bytes written.
 */
long vwrite(char *buf, char *addr, unsigned long count);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* UVMALLOC_LINUX_VMALLOC_H */
