// SPDX-License-Identifier: MIT
/*
 * A ring buffer mapped twice: the same pages vmap()ped back to back, so
 * that a record that wraps past the end is still one contiguous run of
 * bytes, as the kernel's and user-space "magic" ring buffers do.
 *
 *   ring: [ page 0 | page 1 | ... | page n-1 ][ page 0 | ... | page n-1 ]
 *          ^ write at offset o                 ^ o + size wraps here,
 *                                                 in the same pages
 *
 *   uvmalloc insmod examples/modules/ring_vmap.c pages=4
 */
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

static int pages = 2;
module_param(pages, int, 0444);
MODULE_PARM_DESC(pages, "Pages in the ring (default 2)");

static int __init ring_init(void)
{
	struct page **map;
	unsigned long size;
	char *ring;
	int i, err = -ENOMEM;

	if (pages < 1 || pages > 1024)
		return -EINVAL;
	size = (unsigned long)pages * PAGE_SIZE;
	map = kcalloc(2 * pages, sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	for (i = 0; i < pages; i++) {
		map[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!map[i])
			goto out;
		map[pages + i] = map[i];
	}
	ring = vmap(map, 2 * pages, VM_MAP, PAGE_KERNEL);
	if (!ring)
		goto out;

	/* A record that starts 5 bytes before the end wraps to the start. */
	memcpy(ring + size - 5, "wrapped record", 15);
	pr_info("ring of %lu bytes at %px, mapped twice\n", size, ring);
	pr_info("read across the end: \"%s\"\n", ring + size - 5);
	pr_info("the same bytes at the start: \"%.10s\"\n", ring);
	err = memcmp(ring, ring + size, size) ? -EIO : 0;
	if (!err)
		pr_info("both mappings show the same %d pages\n", pages);
	vunmap(ring);
out:
	for (i = 0; i < pages && map[i]; i++)
		__free_page(map[i]);
	kfree(map);
	return err;
}

module_init(ring_init);

MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("a ring buffer vmap()ped twice, so that records may wrap");
