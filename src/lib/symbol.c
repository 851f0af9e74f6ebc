/* SPDX-License-Identifier: MIT */
/*
 * Naming code addresses the way the kernel's %pS does.
 */
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>

#include "symbol.h"

void uvm_format_caller(const void *caller, char *buf, size_t len)
{
	const ElfW(Sym) *sym = NULL;
	Dl_info info;

	if (caller && dladdr1(caller, &info, (void **)&sym, RTLD_DL_SYMENT) &&
	    info.dli_sname && info.dli_saddr) {
		snprintf(buf, len, "%s+0x%lx/0x%lx", info.dli_sname,
			 (unsigned long)((const char *)caller -
					 (const char *)info.dli_saddr),
			 sym ? (unsigned long)sym->st_size : 0UL);
		return;
	}
	snprintf(buf, len, "%p", caller);
}
