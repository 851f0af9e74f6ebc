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

static void usage(FILE *out)
{
	fprintf(out,
		"usage: uvmalloc [-b CMDLINE] COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  demo         boot, print the layout and buddyinfo, allocate\n"
		"               pages and vmalloc areas, print what changed\n"
		"  info FILE    print FILE: vmallocinfo buddyinfo pagetypeinfo\n"
		"               zoneinfo meminfo layout config\n"
		"  check        run every invariant checker; exit 1 on a violation\n"
		"  walk [ADDR]  print the page-table walk of ADDR (hex, or +OFFSET\n"
		"               from VMALLOC_START); without ADDR, vmalloc 3 pages\n"
		"               and a 2 MiB huge area and walk them and a guard page\n"
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
 * A vmalloc() area of three pages and a vmalloc_huge() area of 2 MiB: walk
 * a page of the first, its guard page, and a page inside the PMD leaf.
 */
static int walk_demo(void)
{
	char *small = vmalloc(3 * PAGE_SIZE);
	char *huge = vmalloc_huge(PMD_SIZE, GFP_KERNEL);
	int bad;

	if (!small || !huge)
		return 1;
	printf("vmalloc(3 pages) at %p, vmalloc_huge(2 MiB) at %p\n\n",
	       (void *)small, (void *)huge);
	uvm_walk((unsigned long)small + 0x10, stdout);
	printf("\n");
	uvm_walk((unsigned long)small + 3 * PAGE_SIZE, stdout);
	printf("\n");
	uvm_walk((unsigned long)huge + 0x12345, stdout);
	bad = uvm_check();
	vfree(small);
	vfree(huge);
	return bad ? 1 : 0;
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

/*
 * A few areas of different kinds, vmallocinfo, a walk, an in-place growth,
 * and the lazily freed areas a purge has not reached yet.
 */
static int demo_vmalloc(void)
{
	char *small = vmalloc(3 * PAGE_SIZE);
	char *big = vzalloc(1 << 20);
	char *user = vmalloc_user(2 * PAGE_SIZE);
	char *huge = vmalloc_huge(PMD_SIZE, GFP_KERNEL);
	char *grown;
	char buf[64] = "";

	if (!small || !big || !user || !huge) {
		fprintf(stderr, "demo: vmalloc failed\n");
		return 1;
	}
	snprintf(buf, sizeof(buf), "written through the vmalloc address");
	vwrite(buf, small + PAGE_SIZE, sizeof(buf));
	section("vmalloc(3 pages), vzalloc(1 MiB), vmalloc_user(2 pages), vmalloc_huge(2 MiB): /proc/vmallocinfo");
	uvm_show("vmallocinfo", stdout);
	section("the walk of the small area's second page");
	uvm_walk((unsigned long)small + PAGE_SIZE, stdout);
	memset(buf, 0, sizeof(buf));
	vread(buf, small + PAGE_SIZE, sizeof(buf) - 1);
	printf("  read back through the page tables: \"%s\"\n", buf);

	vfree(big);
	grown = vrealloc(user, 8 * PAGE_SIZE, GFP_KERNEL);
	section("vfree(1 MiB area), vrealloc(user area, 8 pages): /proc/vmallocinfo");
	printf("vrealloc %s: %p -> %p\n",
	       grown == user ? "grew in place" : "moved", (void *)user,
	       (void *)grown);
	uvm_show("vmallocinfo", stdout);
	section("/proc/meminfo while they live");
	uvm_show("meminfo", stdout);
	vfree(small);
	vfree(grown);
	vfree(huge);
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
