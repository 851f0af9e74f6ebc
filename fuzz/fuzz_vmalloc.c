/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the vmalloc API with operation scripts: each 4-byte step allocates
 * (any size, zeroed or not, aligned, huge), frees (live areas, addresses
 * inside them, freed ones, wild ones), resizes with vrealloc(), parks frees
 * with vfree_atomic(), purges or checks, on a backend and settings chosen by
 * the first byte. Every live area carries a tag in its first and last byte
 * that must survive until it is freed, through revivals and resizes. After
 * each script: every invariant holds, and once everything is freed and
 * purged, every page is back.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <uvmalloc.h>

#include "kva/kva.h"
#include "lib/spinlock.h"
#include "vmalloc/vmalloc_int.h"

#define MAX_LIVE 64

static const char *const configs[] = {
	"mem=16M mmu=soft vmalloc=256M",
	"mem=16M mmu=host vmalloc=256M",
	"mem=16M mmu=host vmalloc=256M kva=rbtree lazy_max_pages=64",
	"mem=16M mmu=soft vmalloc=256M kva=list",
	"mem=16M mmu=host vmalloc=256M vmalloc_revive=0 lazy=0",
	"mem=16M mmu=soft vmalloc=256M kva=augment vmap_nodes=3 lazy_max_pages=32",
	"mem=16M mmu=host vmalloc=256M nohugevmalloc fail_page_alloc=7,20,0,-1",
	"mem=16M mmu=host vmalloc=256M fail_host_map=5,20,0,-1",
};

struct live {
	char *addr;
	unsigned long size;
	uint8_t tag;
};

static struct live live[MAX_LIVE];
static size_t nr_live;

static void quiet(int level, const char *line, void *arg)
{
	(void)level;
	(void)line;
	(void)arg;
}

static void put_byte(char *at, uint8_t v)
{
	vwrite((char *)&v, at, 1);
}

static uint8_t get_byte(char *at)
{
	uint8_t v = 0;

	vread((char *)&v, at, 1);
	return v;
}

static void tag(struct live *l, uint8_t t)
{
	l->tag = t;
	put_byte(l->addr, t);
	put_byte(l->addr + l->size - 1, t);
}

static void expect_tag(const struct live *l)
{
	if (get_byte(l->addr) != l->tag ||
	    get_byte(l->addr + l->size - 1) != l->tag)
		abort();
}

static void keep(char *addr, unsigned long size, uint8_t t)
{
	struct live *l;

	if (!addr)
		return;
	if (nr_live == MAX_LIVE) {
		vfree(addr);
		return;
	}
	l = &live[nr_live++];
	l->addr = addr;
	l->size = size;
	tag(l, t);
}

static bool is_live(const char *addr)
{
	size_t i;

	for (i = 0; i < nr_live; i++)
		if (live[i].addr == addr)
			return true;
	return false;
}

static void forget(size_t i)
{
	live[i] = live[--nr_live];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uvm_phys_stats ps;
	size_t i;

	if (!size)
		return 0;
	uvm_set_log(quiet, NULL);
	if (uvm_boot(configs[data[0] % (sizeof(configs) / sizeof(*configs))]))
		abort();
	nr_live = 0;

	for (i = 1; i + 3 < size; i += 4) {
		unsigned int op = data[i] % 12, a = data[i + 1],
			     b = data[i + 2], c = data[i + 3];
		unsigned long bytes = ((unsigned long)a << (b % 16)) + (c & 3);
		gfp_t gfp = GFP_KERNEL | __GFP_NOWARN |
			    (b & 0x80 ? __GFP_ZERO : 0);
		struct live *l = nr_live ? &live[a % nr_live] : NULL;
		char *p;

		switch (op) {
		case 0:
		case 1: /* any size, zero and past all of RAM included */
			keep(__vmalloc(bytes, gfp), bytes, (uint8_t)c);
			break;
		case 2: /* aligned, sometimes not to a power of two */
			keep(__vmalloc_node(bytes, (1UL << (c % 24)) + (b & 1),
					    gfp, NUMA_NO_NODE, NULL),
			     bytes, (uint8_t)c);
			break;
		case 3:
			keep(vmalloc_huge(bytes << 4, gfp), bytes << 4,
			     (uint8_t)c);
			break;
		case 4:
		case 5: /* free a live area */
			if (!l)
				break;
			expect_tag(l);
			vfree(l->addr);
			forget(a % nr_live);
			break;
		case 6: /* bad frees: inside an area, past it, wild */
			if (l && l->size > PAGE_SIZE)
				vfree(l->addr + PAGE_SIZE);
			p = (char *)(VMALLOC_START + ((unsigned long)c << 20));
			if (!is_live(p))
				vfree(p);
			vfree((void *)(uintptr_t)(c + 1));
			break;
		case 7: /* resize, growing or shrinking */
			if (!l || !bytes)
				break;
			expect_tag(l);
			p = vrealloc(l->addr, bytes, gfp);
			if (!p) {
				expect_tag(l);
				break;
			}
			if (get_byte(p) != l->tag)
				abort();
			l->addr = p;
			l->size = bytes;
			tag(l, (uint8_t)(l->tag + 1));
			break;
		case 8: /* a parked free, carried out by a later call */
			if (!l)
				break;
			vfree_atomic(l->addr);
			forget(a % nr_live);
			break;
		case 9:
			kva_purge(a & 1);
			break;
		case 10: /* the lookups agree with what was allocated */
			if (l && (!find_vm_area(l->addr + (b % l->size)) ||
				  find_vm_area(l->addr)->addr != l->addr))
				abort();
			break;
		default:
			if (uvm_check())
				abort();
			break;
		}
	}
	if (uvm_check())
		abort();
	while (nr_live) {
		expect_tag(&live[nr_live - 1]);
		vfree(live[--nr_live].addr);
	}
	vm_enter(); /* carries out the parked frees */
	uvm_call_leave();
	kva_purge(true);
	drain_all_pages(NULL);
	uvm_phys_stats(&ps);
	if (uvm_check() || ps.free_pages + ps.pagetable_pages != ps.total_pages)
		abort();
	uvm_shutdown();
	return 0;
}
