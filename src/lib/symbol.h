/* SPDX-License-Identifier: MIT */
/*
 * Naming code addresses the way the kernel's %pS does.
 */
#ifndef UVM_LIB_SYMBOL_H
#define UVM_LIB_SYMBOL_H

#include <stddef.h>
#include <stdint.h>

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

/**
 * uvm_symbols_add() - name the functions of a loaded object from its file
 * @path: the ELF file (a module's shared object)
 * @owner: the name printed in brackets after its symbols, or NULL
 * @base: where it is loaded (dl_iterate_phdr()'s dlpi_addr)
 *
 * Reads the full symbol table, static functions included, so that
 * uvm_format_caller() names them. Thread-safe; the table stays for the
 * life of the process.
 *
 * Return: 0, or -1 when the file has no readable symbol table.
 */
int uvm_symbols_add(const char *path, const char *owner, uintptr_t base);

#endif /* UVM_LIB_SYMBOL_H */
