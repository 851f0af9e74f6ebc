/* SPDX-License-Identifier: MIT */
/*
 * Storage for struct vmap_area. The kernel keeps them in a slab cache; the
 * C heap's per-thread caches give the same effect here.
 */
#include <stdlib.h>

#include "kva.h"

struct vmap_area *va_alloc(void)
{
	struct vmap_area *va = calloc(1, sizeof(*va));

	if (va) {
		RB_CLEAR_NODE(&va->rb_node);
		INIT_LIST_HEAD(&va->list);
		INIT_LIST_HEAD(&va->purge);
	}
	return va;
}

void va_free(struct vmap_area *va)
{
	free(va);
}
