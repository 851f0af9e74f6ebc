/* SPDX-License-Identifier: MIT */
/*
 * uvmalloc: the command-line face of the library.
 *
 *   uvmalloc [-b CMDLINE] demo         boot, show the layout, exercise it
 *   uvmalloc [-b CMDLINE] info FILE    print buddyinfo, meminfo, config, ...
 *   uvmalloc [-b CMDLINE] check        run every invariant checker
 *
 * The boot command line comes from -b, after $UVMALLOC_CMDLINE.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/gfp.h>
#include <linux/mm.h>
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
		"  demo         boot, print the physical layout and buddyinfo,\n"
		"               allocate and free some pages, print them again\n"
		"  info FILE    print FILE: buddyinfo pagetypeinfo zoneinfo\n"
		"               meminfo layout config\n"
		"  check        run every invariant checker; exit 1 on a violation\n"
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

static int demo(void)
{
	struct page *blocks[8];
	unsigned int order;
	int err = 0;

	section("physical memory layout");
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
