/* SPDX-License-Identifier: MIT */
/*
 * <linux/vmalloc.h> for uvmalloc: the vmalloc window and access to it.
 */
#ifndef UVMALLOC_LINUX_VMALLOC_H
#define UVMALLOC_LINUX_VMALLOC_H

#include <linux/gfp.h>
#include <linux/mm.h>

#ifdef __cplusplus
extern "C" {
#endif

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
