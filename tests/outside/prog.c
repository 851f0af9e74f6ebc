/* SPDX-License-Identifier: MIT */
/*
 * A program written the way a user of the installed library writes one:
 * only the public headers, built with `pkg-config uvmalloc` or with
 * find_package(uvmalloc). tests/outside/run.sh builds and runs it.
 */
#include <stdio.h>
#include <string.h>

#include <uvmalloc.h>
#include <linux/gfp.h>
#include <linux/mm.h>

#define MESSAGE "hello from four physically contiguous pages"

int main(void)
{
	struct page *p;
	char *mem;
	int ret;

	ret = uvm_boot("mem=64M");
	if (ret) {
		fprintf(stderr, "uvm_boot: %d\n", ret);
		return 1;
	}

	p = alloc_pages(GFP_KERNEL, 2);
	if (!p) {
		fprintf(stderr, "alloc_pages failed\n");
		return 1;
	}
	mem = page_address(p);
	strcpy(mem, MESSAGE);
	/* The last byte of an order-2 block is ours too. */
	mem[4 * PAGE_SIZE - 1] = 0;
	printf("page_address: %s\n", mem);
	printf("page_to_pfn: %lu\n", page_to_pfn(p));
	__free_pages(p, 2);

	ret = uvm_check();
	if (ret) {
		fprintf(stderr, "uvm_check: %d violations\n", ret);
		return 1;
	}
	uvm_show("buddyinfo", stdout);
	uvm_shutdown();

	printf("outside program: ok\n");
	return 0;
}
