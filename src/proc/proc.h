/* SPDX-License-Identifier: MIT */
/*
 * The proc layer: the instance's state as text, in the kernel's formats.
 */
#ifndef UVM_PROC_PROC_H
#define UVM_PROC_PROC_H

#include <stdio.h>

/**
 * proc_show() - print one introspection file
 * @name: "buddyinfo", "pagetypeinfo", "zoneinfo", "meminfo" or "layout"
 * @out: where to print
 *
 * Counts are read without stopping allocators, as the kernel's seq files
 * do: each number is exact when read, a file as a whole is not a snapshot.
 *
 * Return: 0, or -ENOENT for a name it does not know (nothing printed).
 */
int proc_show(const char *name, FILE *out);

/**
 * proc_file_names() - the names proc_show() knows, space-separated
 */
const char *proc_file_names(void);

#endif /* UVM_PROC_PROC_H */
