/* SPDX-License-Identifier: MIT */
/*
 * The proc layer's file table.
 */
#include <errno.h>
#include <string.h>

#include "lib/compiler.h"
#include "proc.h"
#include "proc_files.h"

/*
 * Every file, once: X(name) for each, in the order the names are listed.
 * The table and the list of names are both made from it.
 */
#define PROC_FILES(X)   \
	X(buddyinfo)    \
	X(pagetypeinfo) \
	X(zoneinfo)     \
	X(meminfo)      \
	X(vmallocinfo)  \
	X(layout)

#define PROC_FILE_ENTRY(name) { #name, proc_##name },
#define PROC_FILE_NAME(name) " " #name

static const struct {
	const char *name;
	void (*show)(FILE *out);
} files[] = { PROC_FILES(PROC_FILE_ENTRY) };

/* Each name after a space: the list proper starts at names + 1. */
static const char names[] = PROC_FILES(PROC_FILE_NAME);

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
	return names + 1;
}
