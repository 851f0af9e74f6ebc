/* SPDX-License-Identifier: MIT */
/*
 * A program written as kernel code is: <linux/vmalloc.h> and nothing of
 * uvmalloc's own. The first vmalloc() boots an instance with the defaults,
 * as a kernel caller finds mm already up. tests/outside/run.sh builds it
 * with pkg-config and runs it.
 */
#include <linux/vmalloc.h>
#include <stdio.h>

int main(void)
{
	char *buf = vmalloc(PAGE_SIZE);

	if (!buf)
		return 1;
	sprintf(buf, "hello from vmalloc at %p, %d bytes", (void *)buf,
		(int)PAGE_SIZE);
	printf("%s\n", buf);
	vfree(buf);
	return 0;
}
