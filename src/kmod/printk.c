/* SPDX-License-Identifier: MIT */
/*
 * printk() for modules: a message's KERN_* level is read off its head, its
 * text is cut into lines, and each finished line goes to the log sink with
 * that level. A line without its newline waits in a per-thread buffer for
 * pr_cont(); any other printk() from the thread ends it first, as the
 * kernel's printk ends a continuation that another message interrupts.
 */
#include <linux/kernel.h>
#include <linux/printk.h>

#include "kmod.h"
#include "lib/log_sink.h"
#include "lib/symbol.h"

#define KMOD_LINE_MAX 1024

static __thread char pending[KMOD_LINE_MAX];
static __thread size_t pending_len;
static __thread int pending_level;

void kmod_printk_flush(void)
{
	if (!pending_len)
		return;
	pending[pending_len] = '\0';
	uvm_log_emit(pending_level, pending);
	pending_len = 0;
}

/* Append @len bytes of @text, emitting each line that a newline ends. */
static void add_text(const char *text, size_t len, int level)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (text[i] == '\n') {
			pending_level = level;
			pending[pending_len] = '\0';
			uvm_log_emit(level, pending);
			pending_len = 0;
			continue;
		}
		/* A line longer than the buffer is cut, as the kernel's. */
		if (pending_len < sizeof(pending) - 1)
			pending[pending_len++] = text[i];
		pending_level = level;
	}
}

/*
 * The level a message asks for: its KERN_* prefix (several may lead; the
 * last wins), or -1 for KERN_CONT.
 */
static int message_level(const char **fmt)
{
	int level = MESSAGE_LOGLEVEL_DEFAULT;

	while ((*fmt)[0] == KERN_SOH_ASCII && (*fmt)[1]) {
		char c = (*fmt)[1];

		if (c >= '0' && c <= '7')
			level = c - '0';
		else if (c == 'c')
			level = -1;
		else if (c != 'd')
			break;
		*fmt += 2;
	}
	return level;
}

/*
 * The kernel's pointer extensions, which the C library's printf does not
 * know: %px and %pK (the raw value, zero-padded hex without 0x), %pS, %ps,
 * %pB and %pF (the symbol, as in vmallocinfo), %pa (a phys_addr_t, passed
 * by address), %pe (an ERR_PTR's errno). A plain %p is the raw address, as
 * here nothing needs hashing.
 */
static size_t format_pointer(char *out, size_t room, char ext, void *ptr)
{
	char name[256];

	switch (ext) {
	case 'x':
	case 'K':
		return (size_t)snprintf(out, room, "%016lx",
					(unsigned long)ptr);
	case 'S':
	case 's':
	case 'B':
	case 'F':
	case 'f':
		uvm_format_caller(ptr, name, sizeof(name));
		if (ext == 's' || ext == 'f')
			name[strcspn(name, "+")] = '\0';
		return (size_t)snprintf(out, room, "%s", name);
	case 'a':
		return (size_t)snprintf(out, room, "0x%016llx",
					ptr ? *(unsigned long long *)ptr :
					      0ULL);
	case 'e':
		if (IS_ERR(ptr))
			return (size_t)snprintf(out, room, "%s",
						strerror((int)-PTR_ERR(ptr)));
		return (size_t)snprintf(out, room, "%016lx",
					(unsigned long)ptr);
	}
	return (size_t)snprintf(out, room, "%p", ptr);
}

/*
 * vsnprintf() with the kernel's extensions: each conversion is handed to
 * the C library alone, with its argument taken by its length modifier, so
 * that %p followed by an extension letter can be done here.
 */
static int kvsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
	size_t len = 0;
	const char *p = fmt;

#define ROOM() (len < size ? size - len : 0)
#define OUT() (buf + (len < size ? len : size - 1))
	while (*p) {
		char spec[32];
		size_t n = 0, w;
		const char *start = p;
		int longs = 0, half = 0, size_t_mod = 0, intmax = 0,
		    ptrdiff = 0;

		if (*p != '%') {
			const char *next = strchr(p, '%');
			size_t lit = next ? (size_t)(next - p) : strlen(p);

			if (ROOM() > 1)
				memcpy(OUT(), p, min(lit, ROOM() - 1));
			len += lit;
			p += lit;
			continue;
		}
		p++;
		while (*p && strchr("-+ #0'", *p))
			p++;
		if (*p == '*') {
			p++;
			(void)va_arg(args, int); /* not supported: dropped */
		}
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		for (;; p++) {
			if (*p == 'l')
				longs++;
			else if (*p == 'h')
				half++;
			else if (*p == 'z')
				size_t_mod = 1;
			else if (*p == 'j')
				intmax = 1;
			else if (*p == 't')
				ptrdiff = 1;
			else
				break;
		}
		if (!*p)
			break;
		n = (size_t)(p - start + 1);
		if (n >= sizeof(spec))
			n = sizeof(spec) - 1;
		memcpy(spec, start, n);
		spec[n] = '\0';
		w = 0;
		switch (*p) {
		case '%':
			w = (size_t)snprintf(OUT(), ROOM(), "%%");
			break;
		case 'd':
		case 'i':
		case 'u':
		case 'x':
		case 'X':
		case 'o':
		case 'c':
			if (longs >= 2)
				w = (size_t)snprintf(OUT(), ROOM(), spec,
						     va_arg(args, long long));
			else if (longs || size_t_mod || intmax || ptrdiff)
				w = (size_t)snprintf(OUT(), ROOM(), spec,
						     va_arg(args, long));
			else
				w = (size_t)snprintf(OUT(), ROOM(), spec,
						     va_arg(args, int));
			(void)half;
			break;
		case 'e':
		case 'f':
		case 'g':
		case 'E':
		case 'G':
		case 'a':
			w = (size_t)snprintf(OUT(), ROOM(), spec,
					     va_arg(args, double));
			break;
		case 's':
			w = (size_t)snprintf(OUT(), ROOM(), spec,
					     va_arg(args, const char *));
			break;
		case 'p':
			if (p[1] && strchr("xKSsBFfae", p[1])) {
				w = format_pointer(OUT(), ROOM(), p[1],
						   va_arg(args, void *));
				p++;
				/* %pS[R], %pa[p]: the kernel's sub-letters. */
				while (p[1] == 'R' || p[1] == 'p' ||
				       p[1] == 'b')
					p++;
			} else {
				w = (size_t)snprintf(OUT(), ROOM(), spec,
						     va_arg(args, void *));
			}
			break;
		default:
			/* %n and unknown letters print as they are. */
			w = (size_t)snprintf(OUT(), ROOM(), "%s", spec);
			break;
		}
		len += w;
		p++;
	}
	if (size)
		buf[len < size ? len : size - 1] = '\0';
#undef ROOM
#undef OUT
	return (int)min(len, (size_t)INT_MAX);
}

int vprintk(const char *fmt, va_list args)
{
	char buf[KMOD_LINE_MAX];
	int level, n;

	if (!fmt)
		return 0;
	level = message_level(&fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, args);
	if (n < 0)
		return 0;
	if (level < 0) {
		/* KERN_CONT: the open line's level, or the default. */
		level = pending_len ? pending_level : MESSAGE_LOGLEVEL_DEFAULT;
	} else {
		kmod_printk_flush();
	}
	add_text(buf, min((size_t)n, sizeof(buf) - 1), level);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vprintk(fmt, args);
	va_end(args);
	return n;
}
