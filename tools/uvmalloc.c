/* SPDX-License-Identifier: MIT */
/*
 * uvmalloc: the command-line face of the library.
 *
 *   uvmalloc [-b CMDLINE] demo         boot, show the layout, exercise it
 *   uvmalloc [-b CMDLINE] info FILE    print buddyinfo, meminfo, config, ...
 *   uvmalloc [-b CMDLINE] check        run every invariant checker
 *   uvmalloc [-b CMDLINE] walk [ADDR]  page-table walk of ADDR (or of a
 *                                      demonstration mapping)
 *
 * The boot command line comes from -b, after $UVMALLOC_CMDLINE.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uvmalloc.h>

#include "mmu/mmu.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: uvmalloc [-b CMDLINE] COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  demo         boot, print the physical layout and buddyinfo,\n"
		"               allocate and free some pages, print them again\n"
		"  info FILE    print FILE: buddyinfo pagetypeinfo zoneinfo\n"
		"               meminfo layout config\n"
		"  check        run every invariant checker; exit 1 on a violation\n"
		"  walk [ADDR]  print the page-table walk of ADDR (hex, or +OFFSET\n"
		"               from VMALLOC_START); without ADDR, map a few pages\n"
		"               and a 2 MiB block and walk them and a hole\n"
		"\n"
		"options:\n"
		"  -b CMDLINE   boot parameters, e.g. -b \"mem=512M numa=2\"\n"
		"               (applied after $UVMALLOC_CMDLINE)\n"
		"  -h           this help\n");
}

static void section(const char *title)
{
	printf("\n== %s ==\n", title);
}

/*
 * Map three single pages and one 2 MiB block into the window, the way the
 * vmalloc layer will, and walk a page, the hole after the pages, and a page
 * inside the block.
 */
static int walk_demo(void)
{
	unsigned long small = VMALLOC_START + PMD_SIZE;
	unsigned long huge = VMALLOC_START + 2 * PMD_SIZE;
	struct page *pages[512], *block;
	int i, err;

	for (i = 0; i < 3; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i])
			return 1;
	}
	err = mmu_map_pages(small, pages, 3, PAGE_KERNEL, PAGE_SHIFT);
	block = alloc_pages(GFP_KERNEL, 9);
	if (err || !block)
		return 1;
	split_page(block, 9);
	for (i = 0; i < 512; i++)
		pages[i] = pfn_to_page(page_to_pfn(block) + i);
	if (mmu_map_pages(huge, pages, 512, PAGE_KERNEL_RO, PMD_SHIFT))
		return 1;

	printf("three pages at %#lx, a 2 MiB read-only block at %#lx\n\n",
	       small, huge);
	uvm_walk(small + 0x10, stdout);
	printf("\n");
	uvm_walk(small + 3 * PAGE_SIZE, stdout);
	printf("\n");
	uvm_walk(huge + 0x12345, stdout);
	return uvm_check() ? 1 : 0;
}

static int walk(int argc, char **argv)
{
	unsigned long addr;
	char *end;
	int i;

	if (!argc)
		return walk_demo();
	for (i = 0; i < argc; i++) {
		const char *s = argv[i];

		addr = strtoul(s + (s[0] == '+'), &end, 16);
		if (*end || end == s + (s[0] == '+')) {
			fprintf(stderr,
				"uvmalloc: walk: '%s' is not a hex address\n",
				s);
			return 2;
		}
		if (s[0] == '+')
			addr += VMALLOC_START;
		uvm_walk(addr, stdout);
	}
	return 0;
}

/* Three small areas and a larger one, their vmallocinfo and a walk. */
static int demo_vmalloc(void)
{
	char *small = vmalloc(3 * PAGE_SIZE);
	char *big = vzalloc(1 << 20);
	char buf[64] = "";

	if (!small || !big) {
		fprintf(stderr, "demo: vmalloc failed\n");
		return 1;
	}
	snprintf(buf, sizeof(buf), "written through the vmalloc address");
	vwrite(buf, small + PAGE_SIZE, sizeof(buf));
	section("vmalloc(3 pages) and vzalloc(1 MiB): /proc/vmallocinfo");
	uvm_show("vmallocinfo", stdout);
	section("the walk of the small area's second page");
	uvm_walk((unsigned long)small + PAGE_SIZE, stdout);
	memset(buf, 0, sizeof(buf));
	vread(buf, small + PAGE_SIZE, sizeof(buf) - 1);
	printf("  read back through the page tables: \"%s\"\n", buf);
	vfree(small);
	vfree(big);
	return 0;
}

static int demo(void)
{
	struct page *blocks[8];
	unsigned int order;
	int err = 0;

	section("physical and virtual memory layout");
	uvm_show("layout", stdout);
	section("/proc/buddyinfo after boot");
	uvm_show("buddyinfo", stdout);

	/* One block of each order 0..7, so every split shows. */
	for (order = 0; order < 8; order++) {
		blocks[order] = alloc_pages(GFP_KERNEL, order);
		if (!blocks[order]) {
			fprintf(stderr, "demo: order-%u allocation failed\n",
				order);
			err = 1;
			continue;
		}
		snprintf(page_address(blocks[order]), PAGE_SIZE,
			 "order-%u block at pfn %#lx", order,
			 page_to_pfn(blocks[order]));
	}
	section("one block of each order 0..7 allocated");
	for (order = 0; order < 8; order++)
		if (blocks[order])
			printf("  %s (node %d, zone %d)\n",
			       (char *)page_address(blocks[order]),
			       page_to_nid(blocks[order]),
			       page_zonenum(blocks[order]));
	printf("\n");
	uvm_show("buddyinfo", stdout);

	for (order = 0; order < 8; order++)
		if (blocks[order])
			__free_pages(blocks[order], order);
	drain_all_pages(NULL);
	section("all freed, per-CPU lists drained");
	uvm_show("buddyinfo", stdout);
	err |= demo_vmalloc();
	section("/proc/meminfo");
	uvm_show("meminfo", stdout);

	if (uvm_check()) {
		fprintf(stderr, "demo: invariant check failed\n");
		err = 1;
	} else {
		printf("\nuvm_check: all invariants hold\n");
	}
	return err;
}

int main(int argc, char **argv)
{
	const char *cmdline = NULL;
	int opt, err;

	while ((opt = getopt(argc, argv, "+b:h")) != -1) {
		switch (opt) {
		case 'b':
			cmdline = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}

	err = uvm_boot(cmdline);
	if (err) {
		fprintf(stderr, "uvmalloc: boot failed: %s\n", strerror(-err));
		return 1;
	}

	if (!strcmp(argv[optind], "demo")) {
		err = demo();
	} else if (!strcmp(argv[optind], "info")) {
		if (optind + 1 >= argc) {
			usage(stderr);
			err = 2;
		} else {
			err = uvm_show(argv[optind + 1], stdout) ? 1 : 0;
		}
	} else if (!strcmp(argv[optind], "walk")) {
		err = walk(argc - optind - 1, argv + optind + 1);
	} else if (!strcmp(argv[optind], "check")) {
		int bad = uvm_check();

		printf("uvm_check: %d violation(s)\n", bad);
		err = bad ? 1 : 0;
	} else {
		fprintf(stderr, "uvmalloc: unknown command '%s'\n",
			argv[optind]);
		usage(stderr);
		err = 2;
	}
	uvm_shutdown();
	return err;
}
