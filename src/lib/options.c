/* SPDX-License-Identifier: MIT */
/*
 * The table-driven command-line parser behind uvm_boot() and
 * UVMALLOC_CMDLINE, and the size helpers it uses.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "options.h"

#define OPT_PREFIX "uvm_boot: "
#define OPT_NAME_MAX 64 /* longer words cannot name an option */
#define OPT_SHOW_MAX 48 /* how much of a bad word an error echoes */

static const char size_suffixes[] = "KMGTPE";

/* ---------------------------------------------------------------- numbers */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parse decimal digits or "0x"/"0X" and hex digits at *@str into @out,
 * advancing *@str past them. Returns 0, -EINVAL when there are no digits,
 * -ERANGE when the value does not fit (the digits are still consumed).
 */
static int parse_digits(const char **str, unsigned long long *out)
{
	const char *s = *str;
	unsigned long long v = 0;
	unsigned int base = 10;
	bool overflow = false;
	const char *start;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	start = s;
	for (;;) {
		d = hex_digit(*s);
		if (d < 0 || (unsigned int)d >= base)
			break;
		if (v > (ULLONG_MAX - (unsigned int)d) / base)
			overflow = true;
		else
			v = v * base + (unsigned int)d;
		s++;
	}
	if (s == start)
		return -EINVAL;
	*str = s;
	*out = v;
	return overflow ? -ERANGE : 0;
}

int uvm_parse_size(const char *str, unsigned long long *out)
{
	unsigned long long v;
	const char *p;
	int ret;

	if (!str)
		return -EINVAL;
	ret = parse_digits(&str, &v);
	if (ret == -EINVAL)
		return ret;
	if (*str) {
		char c = (char)(*str >= 'a' && *str <= 'z' ? *str - 'a' + 'A' :
							     *str);
		unsigned int shift;

		p = strchr(size_suffixes, c);
		if (!p || str[1])
			return -EINVAL;
		shift = 10 * (unsigned int)(p - size_suffixes + 1);
		if (ret == 0 && v > (ULLONG_MAX >> shift))
			ret = -ERANGE;
		v <<= shift;
	}
	if (ret)
		return ret;
	*out = v;
	return 0;
}

void uvm_format_size(unsigned long long bytes, char *buf, size_t len)
{
	int i = -1;

	if (!len)
		return;
	while (bytes && i + 1 < (int)sizeof(size_suffixes) - 1 &&
	       !(bytes & 1023)) {
		bytes >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%llu", bytes);
	else
		snprintf(buf, len, "%llu%c", bytes, size_suffixes[i]);
}

/* A long: optional '-', then decimal or 0x hex. */
static int parse_long(const char *str, long *out)
{
	unsigned long long v;
	bool neg = false;
	int ret;

	if (*str == '-') {
		neg = true;
		str++;
	}
	ret = parse_digits(&str, &v);
	if (ret == -EINVAL || *str)
		return -EINVAL;
	if (ret)
		return ret;
	if (neg) {
		if (v > (unsigned long long)LONG_MAX + 1)
			return -ERANGE;
		*out = v ? -(long)(v - 1) - 1 : 0;
	} else {
		if (v > LONG_MAX)
			return -ERANGE;
		*out = (long)v;
	}
	return 0;
}

static int parse_bool(const char *str, int *out)
{
	static const char *const yes[] = { "1", "y", "yes", "on", "true" };
	static const char *const no[] = { "0", "n", "no", "off", "false" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(str, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(str, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* ------------------------------------------------------------- reporting */

static const char *expected(const struct uvm_option *o)
{
	switch (o->type) {
	case UVM_OPT_BOOL:
		return "expected y/n, yes/no, on/off, true/false or 1/0";
	case UVM_OPT_INT:
		return "expected an integer";
	case UVM_OPT_SIZE:
		return "expected a size such as 512M";
	case UVM_OPT_ENUM:
		return "expected one of its choices";
	case UVM_OPT_STRING:
		return "expected text";
	}
	return "bad type";
}

/* Print the bounds of @o, or the type's own limits when it has none. */
static void format_range(const struct uvm_option *o, char *buf, size_t len)
{
	char lo[32], hi[32];

	if (o->type == UVM_OPT_SIZE) {
		if (o->min == 0 && o->max == 0) {
			uvm_format_size(0, lo, sizeof(lo));
			uvm_format_size(ULONG_MAX, hi, sizeof(hi));
		} else {
			uvm_format_size((unsigned long long)o->min, lo,
					sizeof(lo));
			uvm_format_size((unsigned long long)o->max, hi,
					sizeof(hi));
		}
	} else if (o->min == 0 && o->max == 0) {
		snprintf(lo, sizeof(lo), "%ld", LONG_MIN);
		snprintf(hi, sizeof(hi), "%ld", LONG_MAX);
	} else {
		snprintf(lo, sizeof(lo), "%lld", o->min);
		snprintf(hi, sizeof(hi), "%lld", o->max);
	}
	snprintf(buf, len, "%s..%s", lo, hi);
}

/* The second line of every error: all names, in table order. */
static void report_valid(const struct uvm_options *opts)
{
	static const char head[] = OPT_PREFIX "valid parameters:";
	/* What fits after "uvmalloc: " in one log line, with its NUL. */
	char buf[UVM_LOG_LINE_MAX - sizeof("uvmalloc: ") + 1];
	size_t len = sizeof(head) - 1, i;

	memcpy(buf, head, len + 1);
	for (i = 0; i < opts->count; i++) {
		const char *name = opts->table[i].name;
		size_t n = strlen(name);
		/* Leave room for " ..." should a later name not fit. */
		size_t room =
			sizeof(buf) - 1 - len - (i + 1 < opts->count ? 4 : 0);

		if (n + 1 > room) {
			memcpy(buf + len, " ...", 5);
			break;
		}
		buf[len++] = ' ';
		memcpy(buf + len, name, n + 1);
		len += n;
	}
	pr_err("%s", buf);
}

static void report_choices(const struct uvm_option *o)
{
	char buf[UVM_LOG_LINE_MAX];
	size_t len = 0, i;

	buf[0] = '\0';
	for (i = 0; o->choices && o->choices[i]; i++) {
		int n = snprintf(buf + len, sizeof(buf) - len, "%s%s",
				 i ? ", " : "", o->choices[i]);

		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			break;
		len += (size_t)n;
	}
	pr_err(OPT_PREFIX "parameter '%s' takes one of: %s", o->name, buf);
}

/* ---------------------------------------------------------------- values */

static void *field(const struct uvm_options *opts, const struct uvm_option *o)
{
	return (char *)opts->params + o->offset;
}

/*
 * Parse @val for @o and store it. On error, print the first line of the
 * report (which names @shown, the value as the user wrote it) and return
 * -EINVAL; the field is left alone.
 */
static int set_value(struct uvm_options *opts, const struct uvm_option *o,
		     const char *val, const char *shown)
{
	char range[80];
	unsigned long long size;
	long l;
	int ret, b;
	size_t i;

	switch (o->type) {
	case UVM_OPT_BOOL:
		if (parse_bool(val, &b))
			goto malformed;
		*(int *)field(opts, o) = b;
		return 0;
	case UVM_OPT_INT:
		ret = parse_long(val, &l);
		if (ret == -EINVAL)
			goto malformed;
		if (ret || ((o->min || o->max) && (l < o->min || l > o->max)))
			goto range;
		*(long *)field(opts, o) = l;
		return 0;
	case UVM_OPT_SIZE:
		ret = uvm_parse_size(val, &size);
		if (ret == -EINVAL)
			goto malformed;
		if (ret || size > ULONG_MAX ||
		    ((o->min || o->max) && (size < (unsigned long long)o->min ||
					    size > (unsigned long long)o->max)))
			goto range;
		*(unsigned long *)field(opts, o) = (unsigned long)size;
		return 0;
	case UVM_OPT_ENUM:
		for (i = 0; o->choices && o->choices[i]; i++) {
			if (!strcmp(val, o->choices[i])) {
				*(int *)field(opts, o) = (int)i;
				return 0;
			}
		}
		report_choices(o);
		return -EINVAL;
	case UVM_OPT_STRING:
		if (strlen(val) >= UVM_OPT_STRING_MAX) {
			pr_err(OPT_PREFIX
			       "malformed value '%s' for parameter '%s' (too long, at most %d characters)",
			       shown, o->name, UVM_OPT_STRING_MAX - 1);
			return -EINVAL;
		}
		strcpy((char *)field(opts, o), val);
		return 0;
	}
	pr_err(OPT_PREFIX "parameter '%s' has a bad type", o->name);
	return -EINVAL;
malformed:
	pr_err(OPT_PREFIX "malformed value '%s' for parameter '%s' (%s)", shown,
	       o->name, expected(o));
	return -EINVAL;
range:
	format_range(o, range, sizeof(range));
	pr_err(OPT_PREFIX "value %s out of range for parameter '%s' (%s)",
	       shown, o->name, range);
	return -EINVAL;
}

int uvm_options_defaults(struct uvm_options *opts)
{
	int ret = 0;
	size_t i;

	for (i = 0; i < opts->count; i++) {
		const struct uvm_option *o = &opts->table[i];
		void *f = field(opts, o);

		if (opts->sources)
			opts->sources[i] = UVM_OPT_SRC_DEFAULT;
		if (o->def) {
			if (set_value(opts, o, o->def, o->def)) {
				pr_err(OPT_PREFIX
				       "bad default '%s' for parameter '%s'",
				       o->def, o->name);
				ret = -EINVAL;
			}
			continue;
		}
		switch (o->type) {
		case UVM_OPT_BOOL:
		case UVM_OPT_ENUM:
			*(int *)f = 0;
			break;
		case UVM_OPT_INT:
			*(long *)f = 0;
			break;
		case UVM_OPT_SIZE:
			*(unsigned long *)f = 0;
			break;
		case UVM_OPT_STRING:
			*(char *)f = '\0';
			break;
		}
	}
	return ret;
}

/* ----------------------------------------------------------------- words */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Names match with '-' and '_' the same. */
static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a;
		char y = *b == '-' ? '_' : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

static const struct uvm_option *lookup(const struct uvm_options *opts,
				       const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < opts->count; i++) {
		if (name_eq(opts->table[i].name, name)) {
			*idx = i;
			return &opts->table[i];
		}
	}
	return NULL;
}

/*
 * One word, split at its first '=' into a name and a value. Double quotes
 * toggle quoting (blanks inside them belong to the word) and are removed.
 */
struct word {
	char name[OPT_NAME_MAX];
	char value[UVM_OPT_STRING_MAX];
	bool has_value;	   /* an '=' was seen */
	bool name_long;	   /* name[] holds only its start */
	bool value_long;   /* value[] holds only its start */
	bool unterminated; /* a quote was never closed */
};

static void put(char *buf, size_t size, size_t *len, bool *cut, char c)
{
	if (*len + 1 < size)
		buf[(*len)++] = c;
	else
		*cut = true;
}

/* Read the word at @p into @w; return where the next word may start. */
static const char *next_word(const char *p, struct word *w)
{
	size_t nlen = 0, vlen = 0;
	bool quoted = false;

	memset(w, 0, sizeof(*w));
	for (; *p && (quoted || !is_blank(*p)); p++) {
		if (*p == '"') {
			quoted = !quoted;
		} else if (!w->has_value && *p == '=') {
			w->has_value = true;
		} else if (w->has_value) {
			put(w->value, sizeof(w->value), &vlen, &w->value_long,
			    *p);
		} else {
			put(w->name, sizeof(w->name), &nlen, &w->name_long, *p);
		}
	}
	w->name[nlen] = '\0';
	w->value[vlen] = '\0';
	w->unterminated = quoted;
	return p;
}

static int apply_word(struct uvm_options *opts, struct word *w,
		      enum uvm_opt_source src)
{
	const struct uvm_option *o = NULL;
	char shown[OPT_SHOW_MAX + 4];
	size_t idx = 0;
	int ret;

	if (!w->name_long)
		o = lookup(opts, w->name, &idx);
	if (!o) {
		pr_err(OPT_PREFIX "unknown parameter '%.*s%s'", OPT_SHOW_MAX,
		       w->name,
		       w->name_long || strlen(w->name) > OPT_SHOW_MAX ? "..." :
									"");
		return -EINVAL;
	}

	snprintf(shown, sizeof(shown), "%.*s%s", OPT_SHOW_MAX, w->value,
		 w->value_long || strlen(w->value) > OPT_SHOW_MAX ? "..." : "");
	if (w->unterminated) {
		pr_err(OPT_PREFIX
		       "malformed value '%s' for parameter '%s' (unterminated quote)",
		       shown, o->name);
		return -EINVAL;
	}
	if (w->value_long) {
		pr_err(OPT_PREFIX
		       "malformed value '%s' for parameter '%s' (too long, at most %d characters)",
		       shown, o->name, UVM_OPT_STRING_MAX - 1);
		return -EINVAL;
	}
	if (!w->has_value) {
		/* A lone name switches a boolean on; others need a value. */
		if (o->type == UVM_OPT_ENUM) {
			report_choices(o);
			return -EINVAL;
		}
		if (o->type != UVM_OPT_BOOL) {
			pr_err(OPT_PREFIX
			       "malformed value '' for parameter '%s' (%s)",
			       o->name, expected(o));
			return -EINVAL;
		}
		strcpy(w->value, "1");
	}
	ret = set_value(opts, o, w->value, shown);
	if (ret)
		return ret;
	if (opts->sources)
		opts->sources[idx] = src;
	return 0;
}

int uvm_options_parse(struct uvm_options *opts, const char *cmdline,
		      enum uvm_opt_source src)
{
	const char *p = cmdline;
	struct word w;

	if (!p)
		return 0;
	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p)
			return 0;
		p = next_word(p, &w);
		if (apply_word(opts, &w, src)) {
			report_valid(opts);
			return -EINVAL;
		}
	}
}

/* ----------------------------------------------------------------- print */

static void format_value(const struct uvm_options *opts,
			 const struct uvm_option *o, char *buf, size_t len)
{
	const void *f = (const char *)opts->params + o->offset;
	int idx, n;

	switch (o->type) {
	case UVM_OPT_BOOL:
		snprintf(buf, len, "%s", *(const int *)f ? "y" : "n");
		return;
	case UVM_OPT_INT:
		snprintf(buf, len, "%ld", *(const long *)f);
		return;
	case UVM_OPT_SIZE:
		uvm_format_size(*(const unsigned long *)f, buf, len);
		return;
	case UVM_OPT_ENUM:
		idx = *(const int *)f;
		for (n = 0; o->choices && o->choices[n]; n++) {
			if (n == idx) {
				snprintf(buf, len, "%s", o->choices[n]);
				return;
			}
		}
		snprintf(buf, len, "%d", idx);
		return;
	case UVM_OPT_STRING:
		snprintf(buf, len, "%.*s", UVM_OPT_STRING_MAX - 1,
			 (const char *)f);
		if (!buf[0])
			snprintf(buf, len, "\"\"");
		return;
	}
	snprintf(buf, len, "?");
}

static const char *source_word(enum uvm_opt_source s)
{
	switch (s) {
	case UVM_OPT_SRC_DEFAULT:
		return "(default)";
	case UVM_OPT_SRC_ENV:
		return "(env)";
	case UVM_OPT_SRC_CMDLINE:
		return "(cmdline)";
	}
	return "(?)";
}

void uvm_options_print(const struct uvm_options *opts, FILE *out)
{
	char val[UVM_OPT_STRING_MAX + 8];
	int wname = 0, wval = 0, wsrc = 0;
	size_t i;

	for (i = 0; i < opts->count; i++) {
		const struct uvm_option *o = &opts->table[i];
		enum uvm_opt_source s = opts->sources ? opts->sources[i] :
							UVM_OPT_SRC_DEFAULT;

		format_value(opts, o, val, sizeof(val));
		wname = max(wname, (int)strlen(o->name));
		wval = max(wval, (int)strlen(val));
		wsrc = max(wsrc, (int)strlen(source_word(s)));
	}
	for (i = 0; i < opts->count; i++) {
		const struct uvm_option *o = &opts->table[i];
		enum uvm_opt_source s = opts->sources ? opts->sources[i] :
							UVM_OPT_SRC_DEFAULT;

		format_value(opts, o, val, sizeof(val));
		if (o->help && o->help[0])
			fprintf(out, "%-*s  %-*s  %-*s  %s\n", wname, o->name,
				wval, val, wsrc, source_word(s), o->help);
		else
			fprintf(out, "%-*s  %-*s  %s\n", wname, o->name, wval,
				val, source_word(s));
	}
}
