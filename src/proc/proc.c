/* SPDX-License-Identifier: MIT */
/*
 * The proc layer's file table.
 */
#include <errno.h>
#include <string.h>

#include "lib/compiler.h"
#include "proc.h"
#include "proc_files.h"

static const struct {
	const char *name;
	void (*show)(FILE *out);
} files[] = {
	{ "buddyinfo", proc_buddyinfo },
	{ "pagetypeinfo", proc_pagetypeinfo },
	{ "zoneinfo", proc_zoneinfo },
	{ "meminfo", proc_meminfo },
	{ "vmallocinfo", proc_vmallocinfo },
	{ "layout", proc_layout },
};

int proc_show(const char *name, FILE *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		if (!strcmp(name, files[i].name)) {
			files[i].show(out);
			return 0;
		}
	}
	return -ENOENT;
}

const char *proc_file_names(void)
{
	return "buddyinfo pagetypeinfo zoneinfo meminfo vmallocinfo layout";
}
