/* SPDX-License-Identifier: MIT */
/*
 * vm_map_ram() and its per-CPU vmap blocks.
 */
#include "vmalloc_int.h"

void vmap_block_init(void)
{
}

void vmap_block_exit(void)
{
}
