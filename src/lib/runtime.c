/* SPDX-License-Identifier: MIT */
/*
 * Instance-wide state shared by every layer.
 */
#include "runtime.h"
#include "spinlock.h"

atomic_int uvm_running;
__thread unsigned int uvm_in_call __attribute__((tls_model("initial-exec")));
int uvm_debug_vm;
