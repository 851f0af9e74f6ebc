/* SPDX-License-Identifier: MIT */
/* <linux/export.h> for modules: nothing links against a module here. */
#ifndef UVMALLOC_KMOD_LINUX_EXPORT_H
#define UVMALLOC_KMOD_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym) struct __uvm_export_##sym##_unused
#define EXPORT_SYMBOL_GPL(sym) struct __uvm_export_##sym##_unused
#define EXPORT_SYMBOL_NS(sym, ns) struct __uvm_export_##sym##_unused
#define EXPORT_SYMBOL_NS_GPL(sym, ns) struct __uvm_export_##sym##_unused

#endif /* UVMALLOC_KMOD_LINUX_EXPORT_H */
