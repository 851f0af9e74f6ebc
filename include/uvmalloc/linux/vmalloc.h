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

/* The pages a user mapping spans. */
static inline unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

/*
 * Allocation. Each returns NULL on failure, after one warning line (none
 * with __GFP_NOWARN).
 */
void *vmalloc(unsigned long size);
void *vzalloc(unsigned long size);
void *vmalloc_node(unsigned long size, int node);
void *vzalloc_node(unsigned long size, int node);
void *vmalloc_32(unsigned long size);
void *vmalloc_user(unsigned long size);
void *vmalloc_32_user(unsigned long size);
void *vmalloc_exec(unsigned long size);
void *vmalloc_huge(unsigned long size, gfp_t gfp_mask);
void *vmalloc_huge_node(unsigned long size, gfp_t gfp_mask, int node);
void *vmalloc_array(size_t n, size_t size);
void *vcalloc(size_t n, size_t size);
void *__vmalloc(unsigned long size, gfp_t gfp_mask);
void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp_mask,
		     int node, const void *caller);
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
 * kvmalloc() and friends: small sizes from the C heap (as the kernel uses
 * kmalloc), larger ones from vmalloc; kvfree() tells them apart.
 */
void *kvmalloc_node(size_t size, gfp_t flags, int node);
void *kvmalloc(size_t size, gfp_t flags);
void *kvzalloc(size_t size, gfp_t flags);
void *kvmalloc_array(size_t n, size_t size, gfp_t flags);
void *kvcalloc(size_t n, size_t size, gfp_t flags);
void *kvrealloc(const void *p, size_t size, gfp_t flags);
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

/* Looking areas up. */
struct vm_struct *find_vm_area(const void *addr);
struct page *vmalloc_to_page(const void *addr);
unsigned long vmalloc_to_pfn(const void *addr);
int is_vmalloc_addr(const void *x);

/* The area's usable size: without its guard page. */
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

#ifdef __cplusplus
}
#endif

#endif /* UVMALLOC_LINUX_VMALLOC_H */
