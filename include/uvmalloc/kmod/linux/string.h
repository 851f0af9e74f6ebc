/* SPDX-License-Identifier: MIT */
/* <linux/string.h> for modules: the C library's, and kstrdup(). */
#ifndef UVMALLOC_KMOD_LINUX_STRING_H
#define UVMALLOC_KMOD_LINUX_STRING_H

#include <string.h>

#include <linux/errno.h>
#include <linux/slab.h>

static inline char *kstrdup(const char *s, gfp_t gfp)
{
	size_t len;
	char *p;

	if (!s)
		return NULL;
	len = strlen(s) + 1;
	p = (char *)kmalloc(len, gfp);
	if (p)
		memcpy(p, s, len);
	return p;
}

static inline ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);

	if (!size)
		return -E2BIG;
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return (ssize_t)len;
}

#endif /* UVMALLOC_KMOD_LINUX_STRING_H */
