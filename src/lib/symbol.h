/* SPDX-License-Identifier: MIT */
/*
 * Naming code addresses the way the kernel's %pS does.
 */
#ifndef UVM_LIB_SYMBOL_H
#define UVM_LIB_SYMBOL_H

#include <stddef.h>

/**
 * uvm_format_caller() - print a code address as symbol+0xoff/0xlen
 * @caller: the address (a return address, say)
 * @buf: where to write; always terminated
 * @len: its size
 *
 * Uses the dynamic symbol table: a program linked with -rdynamic names its
 * own functions; an address no table covers prints as a bare pointer.
 */
void uvm_format_caller(const void *caller, char *buf, size_t len);

#endif /* UVM_LIB_SYMBOL_H */
