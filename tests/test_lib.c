/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/lib: the log, the options parser and its size helpers,
 * fault injection, and the list splices.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/fault_inject.h"
#include "lib/list.h"
#include "lib/log.h"
#include "lib/options.h"
#include "test_util.h"

/* ------------------------------------------------------ a capturing sink */

static void capture_on(void)
{
	uvm_set_log(capture_sink, &cap);
	cap_reset();
}

static void capture_off(void)
{
	uvm_set_log(NULL, NULL);
}

/* ------------------------------------------------------------- sizes */

Test(size, every_suffix)
{
	static const char letters[] = "KMGTPE";
	unsigned long long v;
	char buf[8];
	int i;

	for (i = 0; letters[i]; i++) {
		unsigned long long want = 3ULL << (10 * (i + 1));

		snprintf(buf, sizeof(buf), "3%c", letters[i]);
		cr_assert_eq(uvm_parse_size(buf, &v), 0, "%s", buf);
		cr_assert_eq(v, want, "%s", buf);
		buf[1] = (char)(letters[i] - 'A' + 'a');
		cr_assert_eq(uvm_parse_size(buf, &v), 0, "%s", buf);
		cr_assert_eq(v, want, "%s", buf);
	}
	cr_assert_eq(uvm_parse_size("4096", &v), 0);
	cr_assert_eq(v, 4096);
	cr_assert_eq(uvm_parse_size("0", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(uvm_parse_size("0K", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(uvm_parse_size("010", &v), 0);
	cr_assert_eq(v, 10, "leading zeros are decimal, not octal");
}

Test(size, hex)
{
	unsigned long long v;

	cr_assert_eq(uvm_parse_size("0x1000", &v), 0);
	cr_assert_eq(v, 0x1000);
	cr_assert_eq(uvm_parse_size("0XfF", &v), 0);
	cr_assert_eq(v, 0xff);
	cr_assert_eq(uvm_parse_size("0x10k", &v), 0);
	cr_assert_eq(v, 16 * 1024);
	/* Hex digits are taken greedily: E here is a digit, not exa. */
	cr_assert_eq(uvm_parse_size("0x1E", &v), 0);
	cr_assert_eq(v, 0x1e);
	cr_assert_eq(uvm_parse_size("0xffffffffffffffff", &v), 0);
	cr_assert_eq(v, ULLONG_MAX);
}

Test(size, overflow)
{
	unsigned long long v = 42;

	cr_assert_eq(uvm_parse_size("18446744073709551615", &v), 0);
	cr_assert_eq(v, ULLONG_MAX);
	cr_assert_eq(uvm_parse_size("15E", &v), 0);
	cr_assert_eq(v, 15ULL << 60);
	cr_assert_eq(uvm_parse_size("16383P", &v), 0);
	cr_assert_eq(v, 16383ULL << 50);

	v = 42;
	cr_assert_eq(uvm_parse_size("18446744073709551616", &v), -ERANGE);
	cr_assert_eq(uvm_parse_size("99999999999999999999999", &v), -ERANGE);
	cr_assert_eq(uvm_parse_size("0x10000000000000000", &v), -ERANGE);
	cr_assert_eq(uvm_parse_size("16E", &v), -ERANGE);
	cr_assert_eq(uvm_parse_size("16384P", &v), -ERANGE);
	cr_assert_eq(uvm_parse_size("17179869184G", &v), -ERANGE);
	cr_assert_eq(uvm_parse_size("99999999999999999999K", &v), -ERANGE);
	cr_assert_eq(v, 42, "output untouched on error");
}

Test(size, garbage)
{
	static const char *const bad[] = {
		"",
		"-1",
		"+1",
		"-0",
		" 1",
		"1 ",
		"K",
		"1KB",
		"1Ki",
		"1KK",
		"1 K",
		"0x",
		"0xg",
		"12x",
		"1.5G",
		"1e3",
		"1Z",
		"0b101",
		"99999999999999999999x",
	};
	unsigned long long v = 42;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(uvm_parse_size(bad[i], &v), -EINVAL, "'%s'",
			     bad[i]);
	cr_assert_eq(v, 42);
}

static void check_format(unsigned long long bytes, const char *want)
{
	char buf[32];

	memset(buf, 'X', sizeof(buf));
	uvm_format_size(bytes, buf, sizeof(buf));
	cr_assert_str_eq(buf, want, "%llu", bytes);
}

Test(size, format)
{
	check_format(0, "0");
	check_format(1, "1");
	check_format(1023, "1023");
	check_format(1024, "1K");
	check_format(4097, "4097");
	check_format(3 << 20, "3M");
	check_format(1536ULL << 20, "1536M");
	check_format(1ULL << 30, "1G");
	check_format(5ULL << 40, "5T");
	check_format(7ULL << 50, "7P");
	check_format(1ULL << 60, "1E");
	check_format(15ULL << 60, "15E");
	check_format(1ULL << 63, "8E");
	check_format((1ULL << 40) + 1024, "1073741825K");
	check_format(ULLONG_MAX, "18446744073709551615");
}

Test(size, format_truncates)
{
	char buf[3];

	uvm_format_size(4097, buf, sizeof(buf));
	cr_assert_str_eq(buf, "40");
	uvm_format_size(1ULL << 30, buf, 0); /* must not write */
}

Test(size, round_trip)
{
	unsigned long long v, back;
	char buf[32];
	int shift, mul;

	for (shift = 0; shift < 64; shift++) {
		for (mul = 1; mul < 2048; mul += 97) {
			v = (unsigned long long)mul << shift;
			if (v >> shift != (unsigned long long)mul)
				continue;
			uvm_format_size(v, buf, sizeof(buf));
			cr_assert_eq(uvm_parse_size(buf, &back), 0, "%s", buf);
			cr_assert_eq(back, v, "%s", buf);
		}
	}
}

/* ----------------------------------------------------------- options */

struct params {
	unsigned long mem;
	long numa;
	long delta;
	int debug_vm;
	int policy;
	char label[UVM_OPT_STRING_MAX];
	char empty[UVM_OPT_STRING_MAX];
	unsigned long huge;
	int quiet;
};

static const char *const policies[] = { "first", "best", "worst", NULL };

#define P(f) offsetof(struct params, f)

static const struct uvm_option table[] = {
	{ "mem", UVM_OPT_SIZE, P(mem), "512M", "memory size", 16 << 20,
	  1LL << 40, NULL },
	{ "numa", UVM_OPT_INT, P(numa), "1", "nodes", 1, 64, NULL },
	{ "delta", UVM_OPT_INT, P(delta), NULL, "any long", 0, 0, NULL },
	{ "debug_vm", UVM_OPT_BOOL, P(debug_vm), "n", "checks", 0, 0, NULL },
	{ "policy", UVM_OPT_ENUM, P(policy), "best", "fit", 0, 0, policies },
	{ "label", UVM_OPT_STRING, P(label), "hello", "a name", 0, 0, NULL },
	{ "empty", UVM_OPT_STRING, P(empty), NULL, NULL, 0, 0, NULL },
	{ "huge-pages", UVM_OPT_SIZE, P(huge), NULL, "unbounded", 0, 0, NULL },
	{ "quiet", UVM_OPT_BOOL, P(quiet), NULL, "", 0, 0, NULL },
};

#define NOPTS (sizeof(table) / sizeof(table[0]))
#define VALID                                                   \
	"uvmalloc: uvm_boot: valid parameters: mem numa delta " \
	"debug_vm policy label empty huge-pages quiet"

static struct params prm;
static enum uvm_opt_source srcs[NOPTS];
static struct uvm_options opts = {
	.table = table,
	.count = NOPTS,
	.params = &prm,
	.sources = srcs,
};

static void opts_setup(void)
{
	memset(&prm, 0x5a, sizeof(prm));
	capture_on();
	cr_assert_eq(uvm_options_defaults(&opts), 0);
	cr_assert_eq(cap_count(), 0);
}

static int parse(const char *line)
{
	return uvm_options_parse(&opts, line, UVM_OPT_SRC_CMDLINE);
}

/* A bad line: -EINVAL, exactly two error lines, the first one @first. */
static void expect_error(const char *line, const char *first)
{
	struct uvm_log_counts before, after;

	cap_reset();
	uvm_log_counts(&before);
	cr_assert_eq(parse(line), -EINVAL, "'%s'", line);
	uvm_log_counts(&after);
	cr_assert_eq(cap_count(), 2, "'%s' printed %d lines", line,
		     cap_count());
	cr_assert_eq(after.warnings - before.warnings, 2);
	cr_assert_eq(cap.levels[0], UVM_LOG_ERR);
	cr_assert_eq(cap.levels[1], UVM_LOG_ERR);
	if (first)
		cr_assert_str_eq(cap.lines[0], first, "for '%s'", line);
	cr_assert_str_eq(cap.lines[1], VALID);
}

TestSuite(options, .init = opts_setup, .fini = capture_off);

Test(options, defaults)
{
	size_t i;

	cr_assert_eq(prm.mem, 512UL << 20);
	cr_assert_eq(prm.numa, 1);
	cr_assert_eq(prm.delta, 0);
	cr_assert_eq(prm.debug_vm, 0);
	cr_assert_eq(prm.policy, 1);
	cr_assert_str_eq(prm.label, "hello");
	cr_assert_str_eq(prm.empty, "");
	cr_assert_eq(prm.huge, 0);
	cr_assert_eq(prm.quiet, 0);
	for (i = 0; i < NOPTS; i++)
		cr_assert_eq(srcs[i], UVM_OPT_SRC_DEFAULT);
}

Test(options, bad_default)
{
	static const struct uvm_option bad[] = {
		{ "n", UVM_OPT_INT, 0, "12abc", NULL, 0, 0, NULL },
	};
	long n = 7;
	enum uvm_opt_source s;
	struct uvm_options o = { bad, 1, &n, &s };

	cr_assert_eq(uvm_options_defaults(&o), -EINVAL);
	cr_assert_geq(cap_count(), 1);
	cr_assert(strstr(cap.lines[cap_count() - 1], "'n'"));
}

Test(options, every_type)
{
	cr_assert_eq(parse("mem=1G numa=4 delta=-12 debug_vm=y policy=worst "
			   "label=abc empty=xyz huge-pages=0x1000 quiet=on"),
		     0);
	cr_assert_eq(prm.mem, 1UL << 30);
	cr_assert_eq(prm.numa, 4);
	cr_assert_eq(prm.delta, -12);
	cr_assert_eq(prm.debug_vm, 1);
	cr_assert_eq(prm.policy, 2);
	cr_assert_str_eq(prm.label, "abc");
	cr_assert_str_eq(prm.empty, "xyz");
	cr_assert_eq(prm.huge, 0x1000);
	cr_assert_eq(prm.quiet, 1);
	cr_assert_eq(cap_count(), 0);
}

Test(options, bool_words)
{
	static const char *const on[] = { "1",	"y",  "Y",    "yes", "YES",
					  "on", "On", "true", "TRUE" };
	static const char *const off[] = { "0",	  "n",	 "N",	  "no",	  "No",
					   "off", "OFF", "false", "False" };
	char line[64];
	size_t i;

	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		prm.debug_vm = 0;
		snprintf(line, sizeof(line), "debug_vm=%s", on[i]);
		cr_assert_eq(parse(line), 0, "%s", line);
		cr_assert_eq(prm.debug_vm, 1, "%s", line);
		snprintf(line, sizeof(line), "debug_vm=%s", off[i]);
		cr_assert_eq(parse(line), 0, "%s", line);
		cr_assert_eq(prm.debug_vm, 0, "%s", line);
	}
	expect_error("debug_vm=2",
		     "uvmalloc: uvm_boot: malformed value '2' for parameter "
		     "'debug_vm' (expected y/n, yes/no, on/off, true/false "
		     "or 1/0)");
	expect_error("debug_vm=", NULL);
	expect_error("debug_vm=yess", NULL);
}

Test(options, ints)
{
	cr_assert_eq(parse("delta=0x10"), 0);
	cr_assert_eq(prm.delta, 16);
	cr_assert_eq(parse("delta=-0x10"), 0);
	cr_assert_eq(prm.delta, -16);
	cr_assert_eq(parse("delta=010"), 0);
	cr_assert_eq(prm.delta, 10);
	cr_assert_eq(parse("delta=9223372036854775807"), 0);
	cr_assert_eq(prm.delta, LONG_MAX);
	cr_assert_eq(parse("delta=-9223372036854775808"), 0);
	cr_assert_eq(prm.delta, LONG_MIN);
	cr_assert_eq(parse("numa=64 numa=1"), 0);
	cr_assert_eq(prm.numa, 1);

	expect_error("delta=12abc",
		     "uvmalloc: uvm_boot: malformed value '12abc' for "
		     "parameter 'delta' (expected an integer)");
	expect_error("delta=+1", NULL);
	expect_error("delta=-", NULL);
	expect_error("delta=1.0", NULL);
	expect_error("delta=9223372036854775808",
		     "uvmalloc: uvm_boot: value 9223372036854775808 out of "
		     "range for parameter 'delta' "
		     "(-9223372036854775808..9223372036854775807)");
	expect_error("delta=-9223372036854775809", NULL);
	cr_assert_eq(prm.delta, LONG_MIN, "bad values change nothing");
}

Test(options, sizes)
{
	cr_assert_eq(parse("mem=16M"), 0);
	cr_assert_eq(prm.mem, 16UL << 20);
	cr_assert_eq(parse("mem=1t"), 0);
	cr_assert_eq(prm.mem, 1UL << 40);
	cr_assert_eq(parse("huge-pages=15E"), 0);
	cr_assert_eq(prm.huge, 15UL << 60);

	expect_error("mem=abc",
		     "uvmalloc: uvm_boot: malformed value 'abc' for "
		     "parameter 'mem' (expected a size such as 512M)");
	expect_error("mem=8M", "uvmalloc: uvm_boot: value 8M out of range for "
			       "parameter 'mem' (16M..1T)");
	expect_error("mem=0x10000000001",
		     "uvmalloc: uvm_boot: value 0x10000000001 out of range "
		     "for parameter 'mem' (16M..1T)");
	expect_error("huge-pages=16E", NULL);
	cr_assert(strstr(cap.lines[0], "out of range"));
	expect_error("mem=1KB", NULL);
	cr_assert_eq(prm.mem, 1UL << 40);
}

Test(options, enums)
{
	cr_assert_eq(parse("policy=first"), 0);
	cr_assert_eq(prm.policy, 0);
	expect_error("policy=BEST",
		     "uvmalloc: uvm_boot: parameter 'policy' takes one of: "
		     "first, best, worst");
	expect_error("policy=", NULL);
	expect_error("policy",
		     "uvmalloc: uvm_boot: parameter 'policy' takes one of: "
		     "first, best, worst");
	cr_assert_eq(prm.policy, 0);
}

Test(options, strings)
{
	char line[300];

	cr_assert_eq(parse("label="), 0);
	cr_assert_str_eq(prm.label, "");
	cr_assert_eq(parse("label=a=b"), 0);
	cr_assert_str_eq(prm.label, "a=b");

	/* The longest value that fits, then one too many. */
	strcpy(line, "label=");
	memset(line + 6, 'x', UVM_OPT_STRING_MAX - 1);
	line[6 + UVM_OPT_STRING_MAX - 1] = '\0';
	cr_assert_eq(parse(line), 0);
	cr_assert_eq(strlen(prm.label), UVM_OPT_STRING_MAX - 1);
	strcat(line, "y");
	expect_error(line, NULL);
	cr_assert(strstr(cap.lines[0], "too long"));
	cr_assert(strstr(cap.lines[0], "'label'"));
	cr_assert_eq(strlen(prm.label), UVM_OPT_STRING_MAX - 1);
	expect_error("label", NULL);
}

Test(options, dash_is_underscore)
{
	cr_assert_eq(parse("debug-vm"), 0);
	cr_assert_eq(prm.debug_vm, 1);
	cr_assert_eq(parse("huge_pages=2M"), 0);
	cr_assert_eq(prm.huge, 2UL << 20);
	cr_assert_eq(parse("huge-pages=4M"), 0);
	cr_assert_eq(prm.huge, 4UL << 20);
	expect_error("debugvm", "uvmalloc: uvm_boot: unknown parameter "
				"'debugvm'");
	expect_error("Mem=1G", NULL);
}

Test(options, quotes)
{
	cr_assert_eq(parse("label=\"a b\" numa=3"), 0);
	cr_assert_str_eq(prm.label, "a b");
	cr_assert_eq(prm.numa, 3);
	cr_assert_eq(parse("label=\"\t x \n\" "), 0);
	cr_assert_str_eq(prm.label, "\t x \n");
	cr_assert_eq(parse("label=\"\""), 0);
	cr_assert_str_eq(prm.label, "");
	cr_assert_eq(parse("mem=\"64M\""), 0);
	cr_assert_eq(prm.mem, 64UL << 20);
	cr_assert_eq(parse("\"label=c d\""), 0);
	cr_assert_str_eq(prm.label, "c d");

	expect_error("label=\"a b numa=2",
		     "uvmalloc: uvm_boot: malformed value 'a b numa=2' for "
		     "parameter 'label' (unterminated quote)");
	cr_assert_eq(prm.numa, 3);
	cr_assert_str_eq(prm.label, "c d");
}

Test(options, lone_names)
{
	cr_assert_eq(parse("quiet debug_vm"), 0);
	cr_assert_eq(prm.quiet, 1);
	cr_assert_eq(prm.debug_vm, 1);
	expect_error("numa",
		     "uvmalloc: uvm_boot: malformed value '' for parameter "
		     "'numa' (expected an integer)");
	expect_error("mem", NULL);
	expect_error("mem=", NULL);
	expect_error("numa=", NULL);
}

Test(options, blanks_and_empty)
{
	cr_assert_eq(parse(NULL), 0);
	cr_assert_eq(parse(""), 0);
	cr_assert_eq(parse(" \t\n "), 0);
	cr_assert_eq(parse("\tmem=1G\n\nnuma=2   quiet  "), 0);
	cr_assert_eq(prm.mem, 1UL << 30);
	cr_assert_eq(prm.numa, 2);
	cr_assert_eq(prm.quiet, 1);
	cr_assert_eq(cap_count(), 0);
}

Test(options, unknown)
{
	expect_error("foo", "uvmalloc: uvm_boot: unknown parameter 'foo'");
	expect_error("foo=1", "uvmalloc: uvm_boot: unknown parameter 'foo'");
	expect_error("=1", "uvmalloc: uvm_boot: unknown parameter ''");
	expect_error("memory=1G", NULL);
}

Test(options, unknown_long_name)
{
	char line[400];

	memset(line, 'z', 300);
	strcpy(line + 300, "=1");
	expect_error(line, NULL);
	cr_assert(strstr(cap.lines[0], "unknown parameter 'zzz"));
	cr_assert(strlen(cap.lines[0]) < 120);
}

Test(options, out_of_range)
{
	expect_error("numa=70", "uvmalloc: uvm_boot: value 70 out of range for "
				"parameter 'numa' (1..64)");
	expect_error("numa=0", NULL);
	expect_error("numa=-1", NULL);
	cr_assert_eq(prm.numa, 1);
}

Test(options, stops_at_first_bad_word)
{
	cr_assert_eq(parse("numa=4 label=x"), 0);
	expect_error("numa=5 foo=1 numa=8 label=y", NULL);
	cr_assert_eq(prm.numa, 5);
	cr_assert_str_eq(prm.label, "x");
}

Test(options, sources)
{
	cr_assert_eq(uvm_options_parse(&opts, "mem=1G numa=2", UVM_OPT_SRC_ENV),
		     0);
	cr_assert_eq(uvm_options_parse(&opts, "numa=3 quiet",
				       UVM_OPT_SRC_CMDLINE),
		     0);
	cr_assert_eq(prm.numa, 3);
	cr_assert_eq(srcs[0], UVM_OPT_SRC_ENV);
	cr_assert_eq(srcs[1], UVM_OPT_SRC_CMDLINE);
	cr_assert_eq(srcs[2], UVM_OPT_SRC_DEFAULT);
	cr_assert_eq(srcs[8], UVM_OPT_SRC_CMDLINE);
	/* A failed word records nothing. */
	cr_assert_eq(uvm_options_parse(&opts, "delta=x", UVM_OPT_SRC_CMDLINE),
		     -EINVAL);
	cr_assert_eq(srcs[2], UVM_OPT_SRC_DEFAULT);
	cr_assert_eq(uvm_options_defaults(&opts), 0);
	cr_assert_eq(srcs[0], UVM_OPT_SRC_DEFAULT);
	cr_assert_eq(prm.numa, 1);
}

Test(options, print)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(uvm_options_parse(&opts, "numa=2", UVM_OPT_SRC_ENV), 0);
	cr_assert_eq(parse("mem=1536M debug_vm policy=worst"), 0);
	uvm_options_print(&opts, f);
	fclose(f);
	cr_assert_str_eq(buf, "mem         1536M  (cmdline)  memory size\n"
			      "numa        2      (env)      nodes\n"
			      "delta       0      (default)  any long\n"
			      "debug_vm    y      (cmdline)  checks\n"
			      "policy      worst  (cmdline)  fit\n"
			      "label       hello  (default)  a name\n"
			      "empty       \"\"     (default)\n"
			      "huge-pages  0      (default)  unbounded\n"
			      "quiet       n      (default)\n");
	free(buf);
}

Test(options, valid_list_truncated)
{
	static char names[100][40];
	static struct uvm_option big[100];
	static enum uvm_opt_source s[100];
	int dummy;
	struct uvm_options o = { big, 100, &dummy, s };
	size_t i;

	for (i = 0; i < 100; i++) {
		snprintf(names[i], sizeof(names[i]), "a_rather_long_name_%zu",
			 i);
		big[i] = (struct uvm_option){ names[i], UVM_OPT_BOOL, 0,
					      NULL,	NULL,	      0,
					      0,	NULL };
	}
	cr_assert_eq(uvm_options_defaults(&o), 0);
	cr_assert_eq(uvm_options_parse(&o, "nope", UVM_OPT_SRC_CMDLINE),
		     -EINVAL);
	cr_assert_eq(cap_count(), 2);
	cr_assert(strncmp(cap.lines[1],
			  "uvmalloc: uvm_boot: valid parameters:"
			  " a_rather_long_name_0 a_rather_long_name_1 ",
			  60) == 0);
	cr_assert_leq(strlen(cap.lines[1]), UVM_LOG_LINE_MAX - 1);
	cr_assert_str_eq(cap.lines[1] + strlen(cap.lines[1]) - 4, " ...");
}

/* --------------------------------------------------------------- log */

TestSuite(log, .init = capture_on, .fini = capture_off);

Test(log, prefix_and_level)
{
	pr_info("hello %d", 5);
	pr_notice("n");
	pr_err("e\n");
	cr_assert_eq(cap_count(), 3);
	cr_assert_str_eq(cap.lines[0], "uvmalloc: hello 5");
	cr_assert_eq(cap.levels[0], UVM_LOG_INFO);
	cr_assert_str_eq(cap.lines[1], "uvmalloc: n");
	cr_assert_eq(cap.levels[1], UVM_LOG_NOTICE);
	cr_assert_str_eq(cap.lines[2], "uvmalloc: e");
	cr_assert_eq(cap.levels[2], UVM_LOG_ERR);
}

Test(log, one_newline_stripped)
{
	pr_info("x\n");
	pr_info("y\n\n");
	pr_info("\n");
	pr_info("%s", "");
	cr_assert_eq(cap_count(), 4);
	cr_assert_str_eq(cap.lines[0], "uvmalloc: x");
	cr_assert_str_eq(cap.lines[1], "uvmalloc: y\n");
	cr_assert_str_eq(cap.lines[2], "uvmalloc: ");
	cr_assert_str_eq(cap.lines[3], "uvmalloc: ");
}

Test(log, counters)
{
	struct uvm_log_counts a, b;

	uvm_log_counts(&a);
	pr_info("i");
	pr_notice("n");
	pr_warn("w");
	pr_err("e");
	uvm_printk(2, "crit");
	uvm_log_counts(&b);
	cr_assert_eq(b.total - a.total, 5);
	cr_assert_eq(b.warnings - a.warnings, 3);
	cr_assert_eq(b.suppressed - a.suppressed, 0);
	cr_assert_eq(cap_count(), 5);
}

Test(log, debug_switch)
{
	struct uvm_log_counts a, b;

	uvm_log_counts(&a);
	pr_debug("hidden");
	uvm_log_counts(&b);
	cr_assert_eq(cap_count(), 0);
	cr_assert_eq(b.total, a.total);
	uvm_log_set_debug(1);
	pr_debug("shown");
	uvm_log_set_debug(0);
	pr_debug("hidden again");
	uvm_log_counts(&b);
	cr_assert_eq(cap_count(), 1);
	cr_assert_str_eq(cap.lines[0], "uvmalloc: shown");
	cr_assert_eq(cap.levels[0], UVM_LOG_DEBUG);
	cr_assert_eq(b.total - a.total, 1);
	cr_assert_eq(b.warnings, a.warnings);
}

Test(log, ratelimit_burst)
{
	struct uvm_log_counts a, b;
	int i;

	uvm_log_counts(&a);
	for (i = 0; i < 25; i++)
		pr_warn("warning %d", i);
	uvm_log_counts(&b);
	cr_assert_eq(cap_count(), 10);
	cr_assert_str_eq(cap.lines[9], "uvmalloc: warning 9");
	cr_assert_eq(b.warnings - a.warnings, 25);
	cr_assert_eq(b.suppressed - a.suppressed, 15);
	cr_assert_eq(b.total - a.total, 25);

	/* Errors share the window; notices and infos are never dropped. */
	pr_err("dropped");
	pr_notice("kept");
	pr_info("kept too");
	cr_assert_eq(cap_count(), 12);
	cr_assert_str_eq(cap.lines[10], "uvmalloc: kept");

	/* A reset opens a full window and forgets what was dropped. */
	uvm_log_reset_ratelimit();
	pr_warn("after reset");
	cr_assert_eq(cap_count(), 13);
	cr_assert_str_eq(cap.lines[12], "uvmalloc: after reset");
	uvm_log_counts(&b);
	cr_assert_eq(b.suppressed - a.suppressed, 16);
}

Test(log, ratelimit_window_reports_suppressed, .timeout = 30)
{
	struct uvm_log_counts a, b;
	int i;

	for (i = 0; i < 13; i++)
		pr_warn("w%d", i);
	cr_assert_eq(cap_count(), 10);
	usleep(5100 * 1000);
	uvm_log_counts(&a);
	pr_warn("next window");
	uvm_log_counts(&b);
	cr_assert_eq(cap_count(), 12);
	cr_assert_str_eq(cap.lines[10],
			 "uvmalloc: uvm_printk: 3 callbacks suppressed");
	cr_assert_eq(cap.levels[10], UVM_LOG_WARNING);
	cr_assert_str_eq(cap.lines[11], "uvmalloc: next window");
	cr_assert_eq(b.warnings - a.warnings, 1);
	cr_assert_eq(b.total - a.total, 1);
	cr_assert_eq(b.suppressed - a.suppressed, 0);
}

Test(log, long_line_truncated)
{
	static char big[4000];

	memset(big, 'a', sizeof(big) - 1);
	pr_info("%s\n", big);
	pr_warn("%s%s", big, big);
	cr_assert_eq(cap_count(), 2);
	cr_assert_eq(strlen(cap.lines[0]), UVM_LOG_LINE_MAX - 1);
	cr_assert(strncmp(cap.lines[0], "uvmalloc: aaaa", 14) == 0);
	cr_assert_eq(cap.lines[0][UVM_LOG_LINE_MAX - 2], 'a');
	cr_assert_eq(strlen(cap.lines[1]), UVM_LOG_LINE_MAX - 1);
}

Test(log, default_sink_writes_stderr)
{
	char path[] = "/tmp/uvm_test_log_XXXXXX";
	char buf[128] = { 0 };
	int fd = mkstemp(path);
	int saved = dup(STDERR_FILENO);
	ssize_t n;

	cr_assert_geq(fd, 0);
	unlink(path);
	capture_off();
	dup2(fd, STDERR_FILENO);
	pr_info("to stderr\n");
	pr_warn("warn %s", "too");
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	cr_assert_gt(n, 0);
	cr_assert_str_eq(buf, "uvmalloc: to stderr\nuvmalloc: warn too\n");
}

#define LOG_THREADS 4
#define LOG_PER_THREAD 1000

static void *log_worker(void *arg)
{
	long id = (long)arg;
	int i;

	for (i = 0; i < LOG_PER_THREAD; i++)
		pr_info("thread %ld line %d", id, i);
	return NULL;
}

Test(log, threads)
{
	pthread_t t[LOG_THREADS];
	struct uvm_log_counts a, b;
	long i;

	uvm_log_counts(&a);
	for (i = 0; i < LOG_THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, log_worker, (void *)i),
			     0);
	for (i = 0; i < LOG_THREADS; i++)
		pthread_join(t[i], NULL);
	uvm_log_counts(&b);
	cr_assert_eq(cap_count(), LOG_THREADS * LOG_PER_THREAD);
	cr_assert_eq(b.total - a.total, LOG_THREADS * LOG_PER_THREAD);
	for (i = 0; i < CAP_LINES; i++)
		cr_assert(strncmp(cap.lines[i], "uvmalloc: thread ", 17) == 0);
}

/* ---------------------------------------------------- fault injection */

static struct fault_attr fa;

static void fault_setup(void)
{
	capture_on();
	fault_attr_init(&fa, "test_attr");
	fa.verbose = 0;
}

TestSuite(fault, .init = fault_setup, .fini = capture_off);

static int count_failures(int calls, long size)
{
	int i, n = 0;

	for (i = 0; i < calls; i++)
		n += should_fail(&fa, size);
	return n;
}

Test(fault, init_never_fails)
{
	cr_assert_eq(fa.enabled, 0);
	cr_assert_eq(count_failures(1000, 1), 0);
	cr_assert_eq(atomic_load(&fa.failed), 0);
}

Test(fault, exact_times)
{
	int i;

	cr_assert_eq(setup_fault_attr(&fa, "1,100,0,3"), 0);
	cr_assert_eq(fa.enabled, 1);
	for (i = 0; i < 3; i++)
		cr_assert(should_fail(&fa, 1));
	cr_assert_eq(count_failures(100, 1), 0);
	cr_assert_eq(atomic_load(&fa.failed), 3);
	cr_assert_eq(atomic_load(&fa.times), 0);
}

Test(fault, space_budget)
{
	cr_assert_eq(setup_fault_attr(&fa, "1,100,10,-1"), 0);
	cr_assert_not(should_fail(&fa, 4)); /* 10 -> 6 */
	cr_assert_not(should_fail(&fa, 4)); /* 6 -> 2 */
	cr_assert_eq(atomic_load(&fa.space), 2);
	cr_assert(should_fail(&fa, 4));	    /* 2 <= 4: a candidate */
	cr_assert_not(should_fail(&fa, 1)); /* 2 > 1: 2 -> 1 */
	cr_assert(should_fail(&fa, 1));
	cr_assert_eq(atomic_load(&fa.space), 1);
	cr_assert_eq(atomic_load(&fa.failed), 2);

	cr_assert_eq(setup_fault_attr(&fa, "1,100,4096,1"), 0);
	cr_assert_eq(count_failures(4095, 1), 0);
	cr_assert(should_fail(&fa, 1));
	cr_assert_not(should_fail(&fa, 1));
}

Test(fault, interval)
{
	int i;

	cr_assert_eq(setup_fault_attr(&fa, "4,100,0,-1"), 0);
	for (i = 1; i <= 40; i++)
		cr_assert_eq(should_fail(&fa, 1), i % 4 == 0, "call %d", i);
	cr_assert_eq(atomic_load(&fa.failed), 10);
	cr_assert_eq(atomic_load(&fa.count), 40);

	cr_assert_eq(setup_fault_attr(&fa, "0,100,0,-1"), 0);
	cr_assert_eq(count_failures(10, 1), 10, "interval 0 is every call");
}

Test(fault, unlimited)
{
	cr_assert_eq(setup_fault_attr(&fa, "1,100,0,-1"), 0);
	cr_assert_eq(count_failures(5000, 1), 5000);
	cr_assert_eq(atomic_load(&fa.times), -1);
	cr_assert_eq(atomic_load(&fa.failed), 5000);
}

Test(fault, probability)
{
	int n;

	cr_assert_eq(setup_fault_attr(&fa, "1,50,0,-1"), 0);
	n = count_failures(20000, 1);
	cr_assert(n > 9000 && n < 11000, "%d failures of 20000 at 50%%", n);
	cr_assert_eq(setup_fault_attr(&fa, "1,1,0,-1"), 0);
	n = count_failures(20000, 1);
	cr_assert(n > 50 && n < 500, "%d failures of 20000 at 1%%", n);
}

Test(fault, disabled)
{
	cr_assert_eq(setup_fault_attr(&fa, "1,0,0,-1"), 0);
	cr_assert_eq(fa.enabled, 0);
	cr_assert_eq(count_failures(1000, 1), 0);
	cr_assert_eq(setup_fault_attr(&fa, "1,100,0,0"), 0);
	cr_assert_eq(fa.enabled, 0);
	cr_assert_eq(count_failures(1000, 1), 0);
	cr_assert_eq(setup_fault_attr(&fa, "1,100,0,5"), 0);
	cr_assert_eq(fa.enabled, 1);
	cr_assert_eq(setup_fault_attr(&fa, ""), 0);
	cr_assert_eq(fa.enabled, 0);
	cr_assert_eq(count_failures(1000, 1), 0);
	cr_assert_eq(cap_count(), 0);
}

Test(fault, malformed)
{
	static const char *const bad[] = {
		"1,100,0",    "1,100,0,3,4",
		"1,101,0,3",  "a,100,0,3",
		"1,100,-1,3", "1,100,0,-2",
		" 1,100,0,3", "1,100,0,3 ",
		"1,,0,3",     "-1,100,0,3",
		"1,100,0,3x", "1;100;0;3",
		",,,",	      "1,100,0,99999999999999999999",
		"1,-0x1,0,3", "1,100,0,--1",
		"1,100,0,-",
	};
	size_t i;

	cr_assert_eq(setup_fault_attr(&fa, "2,100,7,5"), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct uvm_log_counts a, b;

		cap_reset();
		uvm_log_counts(&a);
		cr_assert_eq(setup_fault_attr(&fa, bad[i]), -EINVAL, "'%s'",
			     bad[i]);
		uvm_log_counts(&b);
		cr_assert_eq(cap_count(), 1, "'%s'", bad[i]);
		cr_assert_eq(b.warnings - a.warnings, 1);
		cr_assert(strstr(cap.lines[0], "test_attr"), "%s",
			  cap.lines[0]);
		/* Unchanged. */
		cr_assert_eq(fa.enabled, 1);
		cr_assert_eq(fa.interval, 2);
		cr_assert_eq(atomic_load(&fa.space), 7);
		cr_assert_eq(atomic_load(&fa.times), 5);
	}
	cr_assert_eq(setup_fault_attr(&fa, "0x10,100,0x20,-1"), 0);
	cr_assert_eq(fa.interval, 16);
	cr_assert_eq(atomic_load(&fa.space), 32);
}

Test(fault, verbose_line)
{
	fa.verbose = 1;
	cr_assert_eq(setup_fault_attr(&fa, "1,100,5,2"), 0);
	cr_assert(should_fail(&fa, 10));
	cr_assert_eq(cap_count(), 1);
	cr_assert_eq(cap.levels[0], UVM_LOG_WARNING);
	cr_assert_str_eq(cap.lines[0],
			 "uvmalloc: FAULT_INJECTION: forcing a failure. name "
			 "test_attr, interval 1, probability 100, space 5, "
			 "times 2");
	fault_attr_init(&fa, "other");
	cr_assert_eq(fa.verbose, 1, "verbose is on by default");
}

#define FI_THREADS 4
#define FI_CALLS 10000

static void *fault_worker(void *arg)
{
	long n = 0;
	int i;

	(void)arg;
	for (i = 0; i < FI_CALLS; i++)
		n += should_fail(&fa, 1);
	return (void *)n;
}

static void run_fault_threads(const char *setting, long want)
{
	pthread_t t[FI_THREADS];
	long total = 0;
	int i;

	cr_assert_eq(setup_fault_attr(&fa, setting), 0);
	for (i = 0; i < FI_THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, fault_worker, NULL),
			     0);
	for (i = 0; i < FI_THREADS; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		total += (long)ret;
	}
	cr_assert_eq(total, want, "%s: %ld failures", setting, total);
	cr_assert_eq((long)atomic_load(&fa.failed), want);
}

Test(fault, threads_exact_times)
{
	run_fault_threads("1,100,0,100", 100);
	cr_assert_eq(atomic_load(&fa.times), 0);
	run_fault_threads("3,60,500,100", 100);
	cr_assert_eq(atomic_load(&fa.times), 0);
	run_fault_threads("1,100,1000,-1", FI_THREADS * FI_CALLS - 999);
}

Test(fault, threads_verbose_ratelimited)
{
	fa.verbose = 1;
	run_fault_threads("1,100,0,100", 100);
	cr_assert_eq(cap_count(), 10);
}

/* ------------------------------------------------------------- lists */

struct item {
	int v;
	struct list_head node;
};

/* Fill @head with items @first..@first + @n - 1, in order. */
static void list_fill(struct list_head *head, struct item *items, int first,
		      int n)
{
	int i;

	INIT_LIST_HEAD(head);
	for (i = 0; i < n; i++) {
		items[i].v = first + i;
		list_add_tail(&items[i].node, head);
	}
}

/*
 * @head holds exactly the @n values of @want, in order, and every link
 * agrees with its neighbour both ways.
 */
static void assert_list(const struct list_head *head, const int *want, int n)
{
	const struct list_head *pos;
	int i = 0;

	cr_assert_eq(head->next->prev, head);
	cr_assert_eq(head->prev->next, head);
	list_for_each(pos, head) {
		cr_assert_lt(i, n, "more than %d nodes", n);
		cr_assert_eq(pos->next->prev, pos, "node %d", i);
		cr_assert_eq(pos->prev->next, pos, "node %d", i);
		cr_assert_eq(list_entry(pos, struct item, node)->v, want[i],
			     "node %d", i);
		i++;
	}
	cr_assert_eq(i, n, "%d nodes, want %d", i, n);
	cr_assert_eq(list_empty(head), n == 0);
}

Test(list, splice_tail_init)
{
	struct item a[3], b[2];
	LIST_HEAD(la);
	LIST_HEAD(lb);
	static const int want[] = { 1, 2, 3, 10, 11 };

	list_fill(&la, a, 1, 3);
	list_fill(&lb, b, 10, 2);
	list_splice_tail_init(&lb, &la);
	assert_list(&la, want, 5);
	assert_list(&lb, NULL, 0);
	/* An empty list spliced changes nothing, at either end. */
	list_splice_tail_init(&lb, &la);
	list_splice_init(&lb, &la);
	assert_list(&la, want, 5);
	assert_list(&lb, NULL, 0);
}

Test(list, splice_init)
{
	struct item a[3], b[2];
	LIST_HEAD(la);
	LIST_HEAD(lb);
	static const int want[] = { 10, 11, 1, 2, 3 };

	list_fill(&la, a, 1, 3);
	list_fill(&lb, b, 10, 2);
	list_splice_init(&lb, &la);
	assert_list(&la, want, 5);
	assert_list(&lb, NULL, 0);
}

Test(list, splice_onto_empty)
{
	struct item b[2];
	LIST_HEAD(la);
	LIST_HEAD(lb);
	static const int want[] = { 10, 11 };

	list_fill(&lb, b, 10, 2);
	list_splice_tail_init(&lb, &la);
	assert_list(&la, want, 2);
	assert_list(&lb, NULL, 0);
	list_splice_init(&la, &lb);
	assert_list(&lb, want, 2);
	assert_list(&la, NULL, 0);
}

Test(list, splice_without_init)
{
	struct item a[1], b[2];
	LIST_HEAD(la);
	LIST_HEAD(lb);
	static const int tail[] = { 1, 10, 11 };
	static const int front[] = { 10, 11 };

	list_fill(&la, a, 1, 1);
	list_fill(&lb, b, 10, 2);
	list_splice_tail(&lb, &la);
	assert_list(&la, tail, 3);
	/* @lb is stale now; start over from an empty @la. */
	INIT_LIST_HEAD(&la);
	list_fill(&lb, b, 10, 2);
	list_splice(&lb, &la);
	assert_list(&la, front, 2);
}

Test(list, for_each_entry_safe_deletes)
{
	struct item a[5], *pos, *n;
	LIST_HEAD(la);
	static const int odd[] = { 1, 3, 5 };
	int seen = 0;

	list_fill(&la, a, 1, 5);
	list_for_each_entry_safe(pos, n, &la, node) {
		seen++;
		if (!(pos->v & 1))
			list_del_init(&pos->node);
	}
	cr_assert_eq(seen, 5);
	assert_list(&la, odd, 3);
}
