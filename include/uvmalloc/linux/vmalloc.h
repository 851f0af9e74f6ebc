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

/* Allocation. Each returns NULL on failure, after one warning line. */
void *vmalloc(unsigned long size);
void *vzalloc(unsigned long size);
void *vmalloc_node(unsigned long size, int node);
void *vzalloc_node(unsigned long size, int node);
void *vmalloc_32(unsigned long size);
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
