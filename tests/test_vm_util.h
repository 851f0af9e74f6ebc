/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the vmalloc-layer tests: booting an instance per test,
 * snapshots of the page allocator to prove that everything came back,
 * the introspection files as strings, and byte patterns written and
 * checked through the pointer (mmu=host) or vread()/vwrite() (mmu=soft).
 *
 * Include after <criterion/criterion.h>, <linux/vmalloc.h>, <uvmalloc.h>
 * and test_util.h.
 */
#ifndef UVM_TESTS_TEST_VM_UTIL_H
#define UVM_TESTS_TEST_VM_UTIL_H

#include <stdarg.h>

#include "kva/kva.h"
#include "lib/compiler.h"

#ifndef SZ_1M
#define SZ_1M (1UL << 20)
#define SZ_2M (2UL << 20)
#define SZ_4G (4UL << 30)
#endif

/* --------------------------------------------------------- boot helpers */

static inline void __printf(1, 2) boot(const char *fmt, ...)
{
	char cmdline[256];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(cmdline, sizeof(cmdline), fmt, ap);
	va_end(ap);
	unsetenv("UVMALLOC_CMDLINE");
	uvm_set_log(capture_sink, &cap);
	cap_reset();
	err = uvm_boot(cmdline);
	cr_assert_eq(err, 0, "uvm_boot(\"%s\") = %d: %s", cmdline, err,
		     cap_last());
	cap_reset();
}

static inline const char *backend(bool host)
{
	return host ? "host" : "soft";
}

static inline void teardown(void)
{
	uvm_shutdown();
	uvm_set_log(NULL, NULL);
}

static inline void assert_check(void)
{
	int bad = uvm_check();

	cr_assert_eq(bad, 0, "uvm_check found %d violations, the last: %s", bad,
		     cap.last_err);
}

static inline unsigned long warnings(void)
{
	struct uvm_log_counts c;

	uvm_log_counts(&c);
	return c.warnings;
}

/* Flush and reclaim every lazily freed area now. */
static inline void purge(void)
{
	kva_purge(true);
}

/* ------------------------------------------------------------ snapshots */

/**
 * struct snap - what an instance holds, with the per-CPU lists drained
 * @free: pages free in the buddy lists
 * @tables: pages holding page tables (never given back, as the kernel's)
 * @total: pages of RAM
 * @busy: areas kva has handed out
 * @lazy: pages of freed areas awaiting a purge
 */
struct snap {
	unsigned long free;
	unsigned long tables;
	unsigned long total;
	long busy;
	unsigned long lazy;
};

static inline struct snap snap(void)
{
	struct uvm_phys_stats ps;
	struct uvm_kva_stats ks;

	drain_all_pages(NULL);
	uvm_phys_stats(&ps);
	uvm_kva_stats(&ks);
	cr_assert_eq(ps.pcp_pages, 0, "pcp lists hold %lu pages after a drain",
		     ps.pcp_pages);
	return (struct snap){ .free = ps.free_pages,
			      .tables = ps.pagetable_pages,
			      .total = ps.total_pages,
			      .busy = ks.busy_areas,
			      .lazy = ks.lazy_pages };
}

/* Pages that are neither free nor page tables: what areas hold. */
static inline unsigned long held(struct snap s)
{
	return s.total - s.free - s.tables;
}

/* Nothing but page tables is allocated, and no area is busy or lazy. */
static inline void expect_all_returned(void)
{
	struct snap s = snap();

	cr_assert_eq(held(s), 0,
		     "%lu pages still held (%lu free, %lu tables, %lu total)",
		     held(s), s.free, s.tables, s.total);
	cr_assert_eq(s.busy, 0, "%ld areas still busy", s.busy);
	assert_check();
}

/* Nothing changed since @before: the same pages, tables and areas. */
static inline void expect_unchanged(struct snap before, const char *what)
{
	struct snap s = snap();

	cr_assert_eq(s.free, before.free, "%s: free pages %lu, were %lu", what,
		     s.free, before.free);
	cr_assert_eq(s.tables, before.tables, "%s: tables %lu, were %lu", what,
		     s.tables, before.tables);
	cr_assert_eq(s.busy, before.busy, "%s: busy areas %ld, were %ld", what,
		     s.busy, before.busy);
	assert_check();
}

/*
 * The same pages held (tables aside: a failed mapping may leave the
 * tables it made, as the kernel's do) and the same areas busy as at
 * @before; the checkers agree.
 */
static inline void expect_same_held(struct snap before, const char *what)
{
	struct snap s = snap();

	cr_assert_eq(held(s), held(before), "%s: %lu pages held, were %lu",
		     what, held(s), held(before));
	cr_assert_eq(s.busy, before.busy, "%s: busy areas %ld, were %ld", what,
		     s.busy, before.busy);
	assert_check();
}

/* ------------------------------------------------------- introspection */

/* What uvm_show(@file) prints; the caller frees it. */
static inline char *show(const char *file)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	cr_assert_not_null(f);
	err = uvm_show(file, f);
	fclose(f);
	cr_assert_eq(err, 0, "uvm_show(%s) = %d: %s", file, err, cap_last());
	return buf;
}

static inline unsigned long meminfo_kb(const char *key)
{
	char *buf = show("meminfo"), *at;
	unsigned long kb = ~0UL;

	at = strstr(buf, key);
	cr_assert_not_null(at, "no %s in meminfo:\n%s", key, buf);
	cr_assert_eq(sscanf(at + strlen(key), " %lu kB", &kb), 1, "%s", at);
	free(buf);
	return kb;
}

static inline int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The vmallocinfo line of the area at @addr, copied into @line. */
static inline bool info_line(const char *info, const void *addr, char *line,
			     size_t len)
{
	char prefix[32];
	const char *p = info, *nl;

	snprintf(prefix, sizeof(prefix), "0x%016lx-", (unsigned long)addr);
	while (*p) {
		nl = strchrnul(p, '\n');
		if (!strncmp(p, prefix, strlen(prefix))) {
			snprintf(line, len, "%.*s", (int)(nl - p), p);
			return true;
		}
		p = *nl ? nl + 1 : nl;
	}
	return false;
}

/* ------------------------------------------------------------ patterns */

/* The pattern that is all zeros. */
#define ZEROS UINT64_MAX

/* The 8 bytes at offset 8 * @i of the pattern @seed. */
static inline uint64_t pat_word(uint64_t seed, unsigned long i)
{
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ULL;

	if (seed == ZEROS)
		return 0;

	x ^= (i + 1) * 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 31);
}

static inline uint8_t pat_byte(uint64_t seed, unsigned long off)
{
	return (uint8_t)(pat_word(seed, off / 8) >> (8 * (off % 8)));
}

/* Write bytes [@base, @base + @n) of pattern @seed at @dst; @base % 8 == 0. */
static inline void fill_at(void *dst, unsigned long base, unsigned long n,
			   uint64_t seed)
{
	unsigned char *d = dst;
	unsigned long i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w = pat_word(seed, (base + i) / 8);

		memcpy(d + i, &w, 8);
	}
	for (; i < n; i++)
		d[i] = pat_byte(seed, base + i);
}

/* The first offset where @src differs from the pattern, or -1. */
static inline long mismatch_at(const void *src, unsigned long base,
			       unsigned long n, uint64_t seed)
{
	const unsigned char *s = src;
	unsigned long i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w = pat_word(seed, (base + i) / 8), got;

		memcpy(&got, s + i, 8);
		if (got != w)
			break;
	}
	for (; i < n; i++)
		if (s[i] != pat_byte(seed, base + i))
			return (long)i;
	return -1;
}

static inline long first_nonzero(const void *src, unsigned long n)
{
	const unsigned char *s = src;
	unsigned long i;

	for (i = 0; i < n; i++)
		if (s[i])
			return (long)i;
	return -1;
}

/* Write pattern @seed over @size bytes at @v: by pointer or vwrite(). */
static inline void area_fill(bool host, void *v, unsigned long size,
			     uint64_t seed)
{
	char *buf;

	if (host) {
		fill_at(v, 0, size, seed);
		return;
	}
	buf = malloc(size);
	cr_assert_not_null(buf);
	fill_at(buf, 0, size, seed);
	cr_assert_eq(vwrite(buf, v, size), (long)size);
	free(buf);
}

/* A copy of @size bytes at @v, through vread(); the caller frees it. */
static inline char *area_copy(const void *v, unsigned long size)
{
	char *buf = malloc(size ? size : 1);

	cr_assert_not_null(buf);
	memset(buf, 0x5a, size);
	cr_assert_eq(vread(buf, (char *)v, size), (long)size);
	return buf;
}

/* @v holds pattern @seed: through the pointer (host) and vread() (both). */
static inline void expect_pattern(bool host, const void *v, unsigned long size,
				  uint64_t seed)
{
	char *buf;
	long off;

	if (host) {
		off = mismatch_at(v, 0, size, seed);
		cr_assert_eq(off, -1, "%p+%#lx (of %#lx) differs, by pointer",
			     v, off, size);
	}
	buf = area_copy(v, size);
	off = mismatch_at(buf, 0, size, seed);
	free(buf);
	cr_assert_eq(off, -1, "%p+%#lx (of %#lx) differs, through vread", v,
		     off, size);
}

static inline void expect_zero(bool host, const void *v, unsigned long size)
{
	char *buf;
	long off;

	if (host) {
		off = first_nonzero(v, size);
		cr_assert_eq(off, -1, "%p+%#lx is not zero", v, off);
	}
	buf = area_copy(v, size);
	off = first_nonzero(buf, size);
	free(buf);
	cr_assert_eq(off, -1, "%p+%#lx is not zero, through vread", v, off);
}

/* Page @i of @vm: vmalloc() maps 4K pages, one entry each. */
static inline struct page *area_page(const struct vm_struct *vm,
				     unsigned long i)
{
	cr_assert_eq(vm->page_order, 0, "page_order %u", vm->page_order);
	return vm->pages[i];
}

/* ------------------------------------------------------ an area's shape */

/*
 * Everything that must hold of a live vmalloc area of @size bytes at @v
 * holding pattern @seed.
 */
static inline void expect_area(bool host, void *v, unsigned long size,
			       uint64_t seed)
{
	unsigned long addr = (unsigned long)v, len = PAGE_ALIGN(size);
	unsigned long nr = len >> PAGE_SHIFT, i;
	struct vm_struct *vm;

	cr_assert_not_null(v);
	cr_assert(PAGE_ALIGNED(addr), "%p is not page-aligned", v);
	cr_assert(addr >= VMALLOC_START &&
			  addr + len + PAGE_SIZE <= VMALLOC_END,
		  "%p+%#lx is outside the window", v, size);
	cr_assert(is_vmalloc_addr(v));
	cr_assert(is_vmalloc_addr((char *)v + size - 1));

	vm = find_vm_area(v);
	cr_assert_not_null(vm, "find_vm_area(%p)", v);
	cr_assert_eq(vm->addr, v);
	cr_assert_eq(find_vm_area((char *)v + size - 1), vm);
	cr_assert_eq(find_vm_area((char *)v + size / 2), vm);
	/* As the kernel's: the guard page belongs to the area's range. */
	cr_assert_eq(find_vm_area((char *)v + len), vm);
	cr_assert_eq(find_vm_area((char *)v + len + PAGE_SIZE - 1), vm);
	cr_assert_eq(vm->size, len + PAGE_SIZE, "size %#lx for %#lx bytes",
		     vm->size, size);
	cr_assert_eq(get_vm_area_size(vm), len);
	cr_assert_geq(get_vm_area_size(vm), size);
	cr_assert_eq(vm->nr_pages, nr);
	cr_assert(vm->flags & VM_ALLOC, "flags %#lx", vm->flags);
	cr_assert_not(vm->flags & VM_NO_GUARD);
	cr_assert_not(vm->flags & VM_UNINITIALIZED);
	cr_assert_eq(vm->requested_size, size);
	cr_assert_not_null(vm->pages);
	cr_assert_not_null(vm->caller);

	expect_pattern(host, v, size, seed);
	for (i = 0; i < nr; i++) {
		const char *p = (const char *)v + i * PAGE_SIZE;
		struct page *page = area_page(vm, i);
		unsigned long n = min(PAGE_SIZE, size - i * PAGE_SIZE);
		long off;

		cr_assert_not_null(page);
		cr_assert_eq(vmalloc_to_page(p), page, "page %lu of %p", i, v);
		cr_assert_eq(vmalloc_to_page(p + PAGE_SIZE - 1), page);
		cr_assert_eq(vmalloc_to_pfn(p + 123), page_to_pfn(page));
		off = mismatch_at(page_address(page), i * PAGE_SIZE, n, seed);
		cr_assert_eq(off, -1,
			     "page %lu of %p: the direct map differs at %ld", i,
			     v, off);
	}
}

#endif /* UVM_TESTS_TEST_VM_UTIL_H */
