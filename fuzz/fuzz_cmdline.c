/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the boot command line: any bytes either boot an instance that passes
 * every invariant checker, or fail with -EINVAL and leave nothing behind.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uvmalloc.h>

static void quiet(int level, const char *line, void *arg)
{
	(void)level;
	(void)line;
	(void)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char cmdline[512];
	int err;

	if (size >= sizeof(cmdline))
		size = sizeof(cmdline) - 1;
	memcpy(cmdline, data, size);
	cmdline[size] = '\0';

	uvm_set_log(quiet, NULL);
	/* Keep every boot small: the fuzzer's words come after ours. */
	{
		char line[600];

		snprintf(line, sizeof(line), "mem=16M %s", cmdline);
		err = uvm_boot(line);
	}
	if (err == 0) {
		/* A huge mem= the host accepted is still a valid boot. */
		if (uvm_check())
			abort();
		uvm_shutdown();
	} else if (err != -EINVAL && err != -ENOMEM) {
		abort();
	}
	if (uvm_booted())
		abort();
	return 0;
}
