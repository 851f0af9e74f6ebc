// SPDX-License-Identifier: MIT
/*
 * The classic first vmalloc module: vmalloc a page, write a string into
 * it, print it with its address, vfree it.
 *
 *   uvmalloc insmod examples/modules/hello_vmalloc.c pages=4
 */
#include <linux/module.h>
#include <linux/vmalloc.h>

static int pages = 1;
module_param(pages, int, 0444);
MODULE_PARM_DESC(pages, "How many pages to vmalloc (default 1)");

static int __init hello_init(void)
{
	char *buf = vmalloc(pages * PAGE_SIZE);

	if (!buf)
		return -ENOMEM;
	snprintf(buf, PAGE_SIZE, "hello from %d vmalloc'ed page%s", pages,
		 pages == 1 ? "" : "s");
	pr_info("%s at %px\n", buf, buf);
	vfree(buf);
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("goodbye\n");
}

module_init(hello_init);
module_exit(hello_exit);

MODULE_LICENSE("Dual MIT/GPL");
MODULE_AUTHOR("uvmalloc");
MODULE_DESCRIPTION("vmalloc a page, write to it, print it, vfree it");
