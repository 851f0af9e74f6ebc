/* SPDX-License-Identifier: MIT */
/*
 * /proc/vmallocinfo: one line per area, by address, in the kernel's format:
 *
 *   0x<start>-0x<end> <size> <caller> pages=<n> phys=<addr> <kinds> N<node>=<n>
 *
 * The size includes the guard page. The caller prints as the kernel's %pS,
 * symbol+0xoff/0xlen, when the symbol table knows it (programs linked with
 * -rdynamic export theirs), else as a bare address. Areas that have no
 * vm_struct in the kernel (vm_map_ram() mappings and vmap blocks) print
 * only their range and "vm_map_ram"; after the live areas come the lazily
 * freed ranges no purge has collected yet, as "unpurged vm_area".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uvmalloc.h>

#include "lib/runtime.h"
#include "lib/symbol.h"
#include "mmu/mmu.h"
#include "phys/phys.h"
#include "proc_files.h"
#include "vmalloc/vmalloc_int.h"

struct vm_copy {
	struct vm_struct vm;
	unsigned int nodes[MAX_NUMNODES];
	bool vpages;
};

struct collect {
	struct vm_copy *v;
	size_t nr;
	size_t cap;
};

struct range {
	unsigned long start;
	unsigned long end;
};

struct ranges {
	struct range *r;
	size_t nr;
	size_t cap;
};

static void collect_vm(const struct vm_struct *vm, void *arg)
{
	struct collect *c = arg;
	struct vm_copy *copy;
	unsigned int i;

	if (c->nr == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct vm_copy *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return;
		c->v = v;
		c->cap = cap;
	}
	copy = &c->v[c->nr++];
	memset(copy, 0, sizeof(*copy));
	copy->vm = *vm;
	copy->vpages = vm->pages && is_vmalloc_addr(vm->pages);
	for (i = 0; vm->pages && i < vm->nr_pages; i++)
		copy->nodes[__page_to_nid(vm->pages[i])]++;
}

/* Called under a kva lock: a realloc is fine, a call into kva is not. */
static void collect_unpurged(unsigned long start, unsigned long end, void *arg)
{
	struct ranges *c = arg;

	if (c->nr == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct range *r = realloc(c->r, cap * sizeof(*r));

		if (!r)
			return;
		c->r = r;
		c->cap = cap;
	}
	c->r[c->nr++] = (struct range){ start, end };
}

static int range_by_addr(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int by_addr(const void *a, const void *b)
{
	const struct vm_copy *x = a, *y = b;

	return x->vm.addr < y->vm.addr ? -1 : x->vm.addr > y->vm.addr;
}

/* One area's line, newline included. */
static void print_area(FILE *out, const struct vm_copy *v)
{
	unsigned long start = (unsigned long)v->vm.addr;
	int nid;

	fprintf(out, "0x%016lx-0x%016lx %7ld", start, start + v->vm.size,
		(long)v->vm.size);
	if (v->vm.flags & VM_RAM_INTERNAL) {
		fputs(" vm_map_ram\n", out);
		return;
	}
	if (v->vm.caller) {
		char name[256];

		uvm_format_caller(v->vm.caller, name, sizeof(name));
		fprintf(out, " %s", name);
	}
	if (v->vm.nr_pages)
		fprintf(out, " pages=%u", v->vm.nr_pages);
	if (v->vm.phys_addr)
		fprintf(out, " phys=%#llx",
			(unsigned long long)v->vm.phys_addr);
	if (v->vm.flags & VM_IOREMAP)
		fprintf(out, " ioremap");
	if (v->vm.flags & VM_SPARSE)
		fprintf(out, " sparse");
	if (v->vm.flags & VM_ALLOC)
		fprintf(out, " vmalloc");
	if (v->vm.flags & VM_MAP)
		fprintf(out, " vmap");
	if (v->vm.flags & VM_USERMAP)
		fprintf(out, " user");
	if (v->vm.flags & VM_DMA_COHERENT)
		fprintf(out, " dma-coherent");
	if (v->vpages)
		fprintf(out, " vpages");
	for_each_online_node(nid)
		if (v->nodes[nid])
			fprintf(out, " N%d=%u", nid, v->nodes[nid]);
	fputc('\n', out);
}

void proc_vmallocinfo(FILE *out)
{
	struct collect c = { 0 };
	struct ranges u = { 0 };
	size_t i;

	vmalloc_for_each(collect_vm, &c);
	vmalloc_for_each_unpurged(collect_unpurged, &u);
	if (c.nr)
		qsort(c.v, c.nr, sizeof(*c.v), by_addr);
	if (u.nr)
		qsort(u.r, u.nr, sizeof(*u.r), range_by_addr);
	for (i = 0; i < c.nr; i++)
		print_area(out, &c.v[i]);
	for (i = 0; i < u.nr; i++)
		fprintf(out, "0x%016lx-0x%016lx %7ld unpurged vm_area\n",
			u.r[i].start, u.r[i].end,
			(long)(u.r[i].end - u.r[i].start));
	free(c.v);
	free(u.r);
}

int uvm_addr_describe(unsigned long addr, char *buf, size_t len)
{
	struct collect c = { 0 };
	struct ranges u = { 0 };
	int kind = UVM_ADDR_NONE;
	char *line = NULL;
	size_t i, n = 0;
	FILE *f;

	if (!buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	/* Never boots: a fault report asks about the instance that is. */
	if (!atomic_load_explicit(&uvm_running, memory_order_acquire))
		return UVM_ADDR_NONE;
	vmalloc_for_each(collect_vm, &c);
	vmalloc_for_each_unpurged(collect_unpurged, &u);
	f = open_memstream(&line, &n);
	for (i = 0; f && kind == UVM_ADDR_NONE && i < c.nr; i++) {
		const struct vm_struct *vm = &c.v[i].vm;
		unsigned long start = (unsigned long)vm->addr;
		unsigned long guard = (vm->flags & VM_NO_GUARD) ? 0 : PAGE_SIZE;

		if (addr < start || addr >= start + vm->size)
			continue;
		kind = addr >= start + vm->size - guard ? UVM_ADDR_GUARD :
							  UVM_ADDR_INSIDE;
		print_area(f, &c.v[i]);
	}
	for (i = 0; f && kind == UVM_ADDR_NONE && i < u.nr; i++) {
		if (addr < u.r[i].start || addr >= u.r[i].end)
			continue;
		kind = UVM_ADDR_FREED;
		fprintf(f, "0x%016lx-0x%016lx %7ld unpurged vm_area\n",
			u.r[i].start, u.r[i].end,
			(long)(u.r[i].end - u.r[i].start));
	}
	if (f) {
		fclose(f);
		if (line) {
			n = strcspn(line, "\n");
			line[n] = '\0';
			snprintf(buf, len, "%s", line);
		}
	}
	free(line);
	free(c.v);
	free(u.r);
	return kind;
}
