/* SPDX-License-Identifier: MIT */
/*
 * <linux/pgtable.h> for uvmalloc: page-table geometry, protections and the
 * vmalloc window.
 *
 * Entries use the x86_64 bit layout. The geometry depends on the boot
 * parameter pgtable_levels= (3, 4 or 5), so the shifts above PMD and the
 * window's bounds are run-time values here, as VMALLOC_START is on a kernel
 * with KASLR.
 */
#ifndef UVMALLOC_LINUX_PGTABLE_H
#define UVMALLOC_LINUX_PGTABLE_H

#include <linux/mm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is the library's ABI; the rest is hidden. */
#pragma GCC visibility push(default)

/* Entry bits, as x86_64 lays them out. */
#define _PAGE_BIT_PRESENT 0
#define _PAGE_BIT_RW 1
#define _PAGE_BIT_USER 2
#define _PAGE_BIT_ACCESSED 5
#define _PAGE_BIT_DIRTY 6
#define _PAGE_BIT_PSE 7 /* a huge leaf at PMD or PUD level */
#define _PAGE_BIT_GLOBAL 8
#define _PAGE_BIT_SPECIAL 9 /* maps a raw PFN: no struct page behind it */
#define _PAGE_BIT_NX 63

#define _PAGE_PRESENT (1ULL << _PAGE_BIT_PRESENT)
#define _PAGE_RW (1ULL << _PAGE_BIT_RW)
#define _PAGE_USER (1ULL << _PAGE_BIT_USER)
#define _PAGE_ACCESSED (1ULL << _PAGE_BIT_ACCESSED)
#define _PAGE_DIRTY (1ULL << _PAGE_BIT_DIRTY)
#define _PAGE_PSE (1ULL << _PAGE_BIT_PSE)
#define _PAGE_GLOBAL (1ULL << _PAGE_BIT_GLOBAL)
#define _PAGE_SPECIAL (1ULL << _PAGE_BIT_SPECIAL)
#define _PAGE_NX (1ULL << _PAGE_BIT_NX)

#define PTE_PFN_MASK 0x000ffffffffff000ULL

typedef struct {
	unsigned long long pgprot;
} pgprot_t;

#define __pgprot(x) ((pgprot_t){ (x) })
#define pgprot_val(p) ((p).pgprot)

#define __PAGE_KERNEL_BASE \
	(_PAGE_PRESENT | _PAGE_GLOBAL | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PAGE_KERNEL __pgprot(__PAGE_KERNEL_BASE | _PAGE_RW | _PAGE_NX)
#define PAGE_KERNEL_RO __pgprot(__PAGE_KERNEL_BASE | _PAGE_NX)
#define PAGE_KERNEL_EXEC __pgprot(__PAGE_KERNEL_BASE | _PAGE_RW)
#define PAGE_KERNEL_ROX __pgprot(__PAGE_KERNEL_BASE)
#define PAGE_NONE __pgprot(0)

/* Fixed geometry: 4 KiB pages, 512 entries a table, 2 MiB PMD leaves. */
#define PTRS_PER_PTE 512
#define PTRS_PER_PMD 512
#define PMD_SHIFT 21
#define PMD_SIZE (1UL << PMD_SHIFT)
#define PMD_MASK (~(PMD_SIZE - 1))
#define PUD_SHIFT 30
#define PUD_SIZE (1UL << PUD_SHIFT)

/**
 * uvm_vmalloc_start() - the first address of the vmalloc window
 *
 * Boots an instance if none runs. On the host backend it is a host address
 * that, once mapped, can be dereferenced.
 */
unsigned long uvm_vmalloc_start(void);

/**
 * uvm_vmalloc_end() - one past the last address of the vmalloc window
 */
unsigned long uvm_vmalloc_end(void);

/**
 * uvm_pgtable_levels() - the page-table depth in force: 3, 4 or 5
 */
int uvm_pgtable_levels(void);

#define VMALLOC_START uvm_vmalloc_start()
#define VMALLOC_END uvm_vmalloc_end()
#define VMALLOC_TOTAL (VMALLOC_END - VMALLOC_START)

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* UVMALLOC_LINUX_PGTABLE_H */
