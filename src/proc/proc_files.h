/* SPDX-License-Identifier: MIT */
/*
 * The proc layer's files, each printed by one function; proc.c dispatches.
 */
#ifndef UVM_PROC_PROC_FILES_H
#define UVM_PROC_PROC_FILES_H

#include <stdio.h>

/* mem_files.c: the kernel's /proc files, in their exact formats. */

/** proc_buddyinfo() - /proc/buddyinfo: free blocks per node, zone, order */
void proc_buddyinfo(FILE *out);

/** proc_pagetypeinfo() - /proc/pagetypeinfo: free blocks per type, blocks */
void proc_pagetypeinfo(FILE *out);

/** proc_zoneinfo() - /proc/zoneinfo, reduced to the fields modelled here */
void proc_zoneinfo(FILE *out);

/** proc_meminfo() - /proc/meminfo, the lines modelled here */
void proc_meminfo(FILE *out);

/* vmallocinfo.c */

/** proc_vmallocinfo() - /proc/vmallocinfo: every live area, by address */
void proc_vmallocinfo(FILE *out);

/* layout.c */

/**
 * proc_layout() - the physical map (as the kernel's boot log prints it) and
 * the virtual map (as Documentation/arch/x86/x86_64/mm.rst draws it)
 */
void proc_layout(FILE *out);

#endif /* UVM_PROC_PROC_FILES_H */
