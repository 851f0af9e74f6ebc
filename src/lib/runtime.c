/* SPDX-License-Identifier: MIT */
/*
 * Instance-wide state shared by every layer.
 */
#include "runtime.h"

atomic_int uvm_running;
int uvm_debug_vm;
