/* SPDX-License-Identifier: MIT */
/*
 * Instance-wide state every layer reads: whether an instance runs, and the
 * debug level (debug_vm=).
 */
#ifndef UVM_LIB_RUNTIME_H
#define UVM_LIB_RUNTIME_H

#include <stdatomic.h>

#include "compiler.h"

/* Set with release order once every layer is up, cleared at shutdown. */
extern atomic_int uvm_running;

/*
 * debug_vm=: 0 none; 1 cheap sanity checks on every call; 2 also verify
 * page contents (poison) and list links; 3 also run the whole-structure
 * checkers after every operation (serialising the instance while they run).
 */
extern int uvm_debug_vm;

/**
 * uvm_autoboot() - boot with defaults and $UVMALLOC_CMDLINE if nothing runs
 *
 * Defined by the boot layer: the first kernel-named call made before
 * uvm_boot() lands here, as a kernel caller always finds mm initialised.
 * Takes the boot lock, so concurrent first calls boot once.
 *
 * It boots nothing while the program's own last uvm_boot() failed and left
 * no instance running: the first call after that failure prints one error
 * line saying so, and every call fails with that boot's errno until a
 * uvm_boot() succeeds. A failed automatic boot is not retried either (its
 * messages are printed once) until uvm_shutdown() or a successful boot.
 *
 * Return: 0 once an instance runs, else the negative errno of the boot that
 * failed.
 */
int uvm_autoboot(void);

/**
 * uvm_ensure_booted() - the guard at the top of every kernel-named entry
 *
 * One acquire load when an instance runs; otherwise uvm_autoboot().
 *
 * Return: true when an instance runs (booting one if needed), false when
 * none runs and none could be booted or booting is refused; the caller then
 * fails (NULL, or its negative errno).
 */
static inline bool uvm_ensure_booted(void)
{
	if (likely(atomic_load_explicit(&uvm_running, memory_order_acquire)))
		return true;
	return uvm_autoboot() == 0;
}

#endif /* UVM_LIB_RUNTIME_H */
