/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the area allocator with operation scripts: each 4-byte step picks a
 * strategy-independent operation (allocate with any size, alignment, range
 * and flags; free a live area, sometimes twice; find; purge) on a design and
 * settings chosen by the first byte. Bad requests must be refused without
 * harm; the window must tile exactly after every script, and once
 * everything is freed and purged, it must be one free range again.
 */
#include <linux/mm.h>
#include <stdint.h>
#include <stdlib.h>
#include <uvmalloc.h>

#include "kva/kva.h"

#define MAX_LIVE 128

static const char *const configs[] = {
	"mem=8M mmu=soft vmalloc=256M kva=list",
	"mem=8M mmu=soft vmalloc=256M kva=rbtree lazy_max_pages=64",
	"mem=8M mmu=soft vmalloc=256M kva=rbtree lazy=0",
	"mem=8M mmu=soft vmalloc=256M kva=augment vmap_nodes=3 lazy_max_pages=64",
	"mem=8M mmu=soft vmalloc=256M kva=augment vmap_pools=0 vmap_nodes=1",
	"mem=8M mmu=soft vmalloc=256M kva=augment lazy=0 vmap_nodes=2",
};

static void quiet(int level, const char *line, void *arg)
{
	(void)level;
	(void)line;
	(void)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmap_area *live[MAX_LIVE];
	unsigned long start, end, span;
	size_t i, n = 0;

	if (!size)
		return 0;
	uvm_set_log(quiet, NULL);
	if (uvm_boot(configs[data[0] % (sizeof(configs) / sizeof(*configs))]))
		abort();
	start = VMALLOC_START;
	end = VMALLOC_END;
	span = end - start;

	for (i = 1; i + 3 < size; i += 4) {
		unsigned int op = data[i] & 7, a = data[i + 1], b = data[i + 2],
			     c = data[i + 3];
		struct vmap_area *va;

		switch (op) {
		case 0:
		case 1:
		case 2: { /* allocate: sizes up to the whole window and beyond */
			unsigned long pages = (unsigned long)a << (b % 12);
			unsigned long align = 1UL << (c % 40);
			unsigned long vstart = start, vend = end;
			unsigned int flags = (b & 0x40 ? KVA_NO_GUARD : 0) |
					     (b & 0x80 ? KVA_TOPDOWN : 0) |
					     KVA_NOWARN;

			if (op == 2) { /* a sub-range, sometimes a bad one */
				vstart = start +
					 ((span / 256) * (a % 256) & PAGE_MASK);
				vend = vstart +
				       ((span / 64) * (c % 70) & PAGE_MASK);
			}
			if (c & 0x80)
				align += 4096; /* not a power of two */
			va = kva_alloc(pages << PAGE_SHIFT, align, vstart, vend,
				       flags, c);
			if (va) {
				if (va->va_start < vstart ||
				    va->va_end > vend ||
				    va->va_start & (align - 1))
					abort();
				if (n < MAX_LIVE)
					live[n++] = va;
				else
					kva_free(va);
			}
			break;
		}
		case 3: /* free */
		case 4:
			if (!n)
				break;
			a %= n;
			kva_free(live[a]);
			live[a] = live[--n];
			break;
		case 5: /* find inside, then past the end, of a live area */
			if (!n)
				break;
			va = live[a % n];
			if (kva_find(va->va_start +
				     (b % 4) * PAGE_SIZE % va_size(va)) != va)
				abort();
			break;
		case 6:
			kva_purge(a & 1);
			break;
		default:
			if (uvm_check())
				abort();
			break;
		}
	}
	if (uvm_check())
		abort();
	while (n)
		kva_free(live[--n]);
	kva_purge(true);
	if (uvm_check() || kva.lazy_pages ||
	    !kva_alloc(span, PAGE_SIZE, start, end, KVA_NO_GUARD, 0))
		abort();
	uvm_shutdown();
	return 0;
}
