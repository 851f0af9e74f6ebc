/* SPDX-License-Identifier: MIT */
/*
 * uvmalloc: the command-line face of the library.
 *
 *   uvmalloc [-b CMDLINE] demo            boot, show the layout, exercise it
 *   uvmalloc [-b CMDLINE] info FILE       print buddyinfo, meminfo, config, ...
 *   uvmalloc [-b CMDLINE] check           run every invariant checker
 *   uvmalloc [-b CMDLINE] walk [ADDR...]  page-table walk of each ADDR (or of
 *                                         a demonstration mapping)
 *   uvmalloc [-b CMDLINE] insmod FILE.c [param=value...]
 *                                         build and run a kernel module
 *   uvmalloc [-b CMDLINE] modinfo FILE.c  its parameters and fields
 *
 * The boot command line comes from -b, after $UVMALLOC_CMDLINE.
 *
 * Exit status: 0 success; 1 a runtime failure (the boot, an allocation, an
 * invariant checker); 2 misuse, reported in one line on stderr before any
 * output on stdout. Every command is a row of one table: its name, its
 * operands, its help and the function that runs it. The words before the
 * command are the program's options, the words after it the command's:
 * -h or --help anywhere among them prints the help of that level.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uvmalloc.h>

#include "insmod.h"

#define PROG "uvmalloc"

enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1, /* the boot, an allocation or a checker failed */
	EXIT_USAGE = 2,	  /* the command line is wrong; nothing ran */
};

/* No upper bound on a command's operands. */
#define ARGS_ANY INT_MAX

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/**
 * struct invocation - one run of a command
 * @cmdline: the boot parameters from -b, or NULL
 * @argc: the operands after the command's name
 * @argv: them
 */
struct invocation {
	const char *cmdline;
	int argc;
	char **argv;
};

/**
 * struct command - a row of the command table
 * @name: what the user types
 * @operands: the operands' synopsis, "" when there are none
 * @summary: its lines in the program's usage (continuation lines are
 *           indented to match)
 * @help: the body of `uvmalloc NAME --help`, after its usage line
 * @min_args: the fewest operands it takes
 * @max_args: the most, or ARGS_ANY
 * @run: runs it once the operands' count is right; returns an exit status
 */
struct command {
	const char *name;
	const char *operands;
	const char *summary;
	const char *help;
	int min_args;
	int max_args;
	int (*run)(const struct invocation *inv);
	bool own_options; /* parses its own options (after -h/--help) */
};

/*
 * misuse() - report a command line the program cannot run
 * @cmd: the command it concerns, or NULL for the program's own words
 *
 * Prints exactly one line on stderr, control characters from the user's
 * words shown as '?', and returns EXIT_USAGE for the caller to return.
 */
static int misuse(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int misuse(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (p = msg; *p; p++)
		if (iscntrl((unsigned char)*p))
			*p = '?';
	fprintf(stderr, PROG ": %s%s%s\n", cmd ? cmd : "", cmd ? ": " : "",
		msg);
	return EXIT_USAGE;
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

/* An option-like word: "-x" or "--x", but not "-1" (a negative number). */
static bool is_option(const char *arg)
{
	return arg[0] == '-' &&
	       (isalpha((unsigned char)arg[1]) || (arg[1] == '-' && arg[2]));
}

static int boot(const char *cmdline)
{
	int err = uvm_boot(cmdline);

	if (err) {
		fprintf(stderr, PROG ": boot failed: %s\n", strerror(-err));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static void section(const char *title)
{
	printf("\n== %s ==\n", title);
}

/* ------------------------------------------------------------------ info */

/* The files `info` prints, in the order its help lists them. */
static const struct {
	const char *name;
	const char *what;
} info_files[] = {
	{ "vmallocinfo", "/proc/vmallocinfo: every vmalloc area" },
	{ "buddyinfo", "/proc/buddyinfo: free blocks per order and zone" },
	{ "pagetypeinfo", "/proc/pagetypeinfo: free blocks per migrate type" },
	{ "zoneinfo", "/proc/zoneinfo: watermarks, counters, per-CPU lists" },
	{ "meminfo", "/proc/meminfo: MemFree, PageTables, Vmalloc*" },
	{ "layout", "the zones, the nodes and the virtual memory map" },
	{ "config", "every boot parameter, its value and where it came from" },
};

static int run_info(const struct invocation *inv)
{
	const char *file = inv->argv[0];
	char known[256] = "";
	size_t i;
	int err;

	for (i = 0; i < N_ELEMS(info_files); i++)
		if (!strcmp(file, info_files[i].name))
			break;
	if (i == N_ELEMS(info_files)) {
		for (i = 0; i < N_ELEMS(info_files); i++)
			snprintf(known + strlen(known),
				 sizeof(known) - strlen(known), "%s%s",
				 i ? " " : "", info_files[i].name);
		return misuse("info", "unknown file '%s' (known: %s)", file,
			      known);
	}
	err = boot(inv->cmdline);
	if (err)
		return err;
	return uvm_show(file, stdout) ? EXIT_RUNTIME : EXIT_OK;
}

/* ----------------------------------------------------------------- check */

static int run_check(const struct invocation *inv)
{
	int err = boot(inv->cmdline);
	int bad;

	if (err)
		return err;
	bad = uvm_check();
	printf("uvm_check: %d violation(s)\n", bad);
	return bad ? EXIT_RUNTIME : EXIT_OK;
}

/* ------------------------------------------------------------------ walk */

/**
 * struct walk_addr - one operand of `walk`
 * @text: as the user wrote it
 * @value: the address, or the offset from VMALLOC_START
 * @offset: whether it was written +OFFSET
 */
struct walk_addr {
	const char *text;
	unsigned long value;
	bool offset;
};

/*
 * Read one walk operand: hexadecimal digits, optionally after 0x, the whole
 * optionally after one '+' for an offset from VMALLOC_START. Nothing else:
 * no '-', no spaces, nothing after the digits, at most 64 bits.
 */
static int parse_walk_addr(const char *s, struct walk_addr *a)
{
	const char *p = s;
	unsigned long long v;
	char *end;

	a->text = s;
	a->offset = *p == '+';
	if (a->offset)
		p++;
	if (!*s)
		return misuse("walk", "'' is not an address (empty)");
	if (*p == '-' || *p == '+')
		return misuse("walk",
			      "'%s' is not an address (no sign, but one '+' "
			      "before an offset from VMALLOC_START)",
			      s);
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (!isxdigit((unsigned char)*p))
		return misuse("walk",
			      "'%s' is not an address (hex digits expected)",
			      s);
	errno = 0;
	v = strtoull(p, &end, 16);
	if (*end)
		return misuse("walk",
			      "'%s' is not an address ('%s' after the number)",
			      s, end);
	if (errno == ERANGE || v > ULONG_MAX)
		return misuse("walk", "'%s' is not an address (0..%#lx)", s,
			      ULONG_MAX);
	a->value = v;
	return EXIT_OK;
}

/*
 * A vmalloc() area of three pages and a vmalloc_huge() area of 2 MiB: walk
 * a page of the first, its guard page, and a page inside the PMD leaf.
 */
static int walk_demo(void)
{
	char *small = vmalloc(3 * PAGE_SIZE);
	char *huge = vmalloc_huge(PMD_SIZE, GFP_KERNEL);
	int bad;

	if (!small || !huge) {
		fprintf(stderr, PROG ": walk: vmalloc failed\n");
		vfree(small);
		vfree(huge);
		return EXIT_RUNTIME;
	}
	printf("vmalloc(3 pages) at %p, vmalloc_huge(2 MiB) at %p\n\n",
	       (void *)small, (void *)huge);
	uvm_walk((unsigned long)small + 0x10, stdout);
	printf("\n");
	uvm_walk((unsigned long)small + 3 * PAGE_SIZE, stdout);
	printf("\n");
	uvm_walk((unsigned long)huge + 0x12345, stdout);
	bad = uvm_check();
	vfree(small);
	vfree(huge);
	if (bad)
		fprintf(stderr, PROG ": walk: invariant check failed\n");
	return bad ? EXIT_RUNTIME : EXIT_OK;
}

/*
 * Turn a parsed operand into the address to walk, once booted: an offset
 * must fall inside the window, and an address inside what the page tables
 * translate, since the levels' indexes ignore the bits above that and an
 * address past it would alias a lower one.
 */
static int resolve_walk_addr(struct walk_addr *a)
{
	unsigned long size = VMALLOC_END - VMALLOC_START;
	int levels = uvm_pgtable_levels();
	unsigned int bits = PAGE_SHIFT + 9 * levels; /* 512 entries a level */
	unsigned long last = bits < 64 ? (1UL << bits) - 1 : ULONG_MAX;

	if (a->offset) {
		if (a->value >= size)
			return misuse("walk",
				      "'%s' is outside the vmalloc window "
				      "(+0..+%#lx)",
				      a->text, size - 1);
		a->value += VMALLOC_START;
	} else if (a->value > last) {
		return misuse("walk",
			      "'%s' is beyond what %d-level page tables "
			      "translate (0..%#lx)",
			      a->text, levels, last);
	}
	return EXIT_OK;
}

/*
 * Every operand is read before the boot and resolved after it, so a bad
 * operand stops the command before it prints anything. An address the
 * tables translate may lie outside the window: its walk says so.
 */
static int run_walk(const struct invocation *inv)
{
	struct walk_addr *addrs;
	int i, err = EXIT_OK;

	if (!inv->argc) {
		err = boot(inv->cmdline);
		return err ? err : walk_demo();
	}
	addrs = calloc(inv->argc, sizeof(*addrs));
	if (!addrs) {
		fprintf(stderr, PROG ": walk: out of memory\n");
		return EXIT_RUNTIME;
	}
	for (i = 0; i < inv->argc && !err; i++)
		err = parse_walk_addr(inv->argv[i], &addrs[i]);
	if (!err)
		err = boot(inv->cmdline);
	for (i = 0; i < inv->argc && !err; i++)
		err = resolve_walk_addr(&addrs[i]);
	for (i = 0; i < inv->argc && !err; i++) {
		if (i)
			printf("\n");
		if (uvm_walk(addrs[i].value, stdout))
			err = EXIT_RUNTIME;
	}
	free(addrs);
	return err;
}

/* ------------------------------------------------------------------ demo */

static unsigned long memfree_kb(void)
{
	struct uvm_phys_stats st;

	uvm_phys_stats(&st);
	return st.free_pages << (PAGE_SHIFT - 10);
}

/* vmallocinfo, or a line saying it is empty. */
static void show_vmallocinfo(void)
{
	struct uvm_kva_stats st;

	uvm_kva_stats(&st);
	if (!st.busy_areas && !st.lazy_pages)
		printf("(no vmalloc area, busy or lazily freed)\n");
	else
		uvm_show("vmallocinfo", stdout);
}

/*
 * Free what the vmalloc part of the demo still holds, then show the lazy
 * state and its end: the freed areas keep their pages until a purge, and
 * vm_unmap_aliases() runs one. Order-0 pages go back through the per-CPU
 * lists, which MemFree does not count (as in the kernel), so they are
 * drained too, and MemFree is shown after each step.
 */
static void demo_purge(char *small, char *grown, char *huge)
{
	struct uvm_kva_stats kst;
	unsigned long lazy, purged, drained;

	vfree(small);
	vfree(grown);
	vfree(huge);
	uvm_kva_stats(&kst);
	section("all vfree()d, not yet purged: /proc/vmallocinfo, /proc/meminfo");
	show_vmallocinfo();
	printf("\n");
	uvm_show("meminfo", stdout);
	if (kst.lazy_pages)
		printf("\nlazy: freed vmalloc areas keep their pages and host mappings until a purge flushes them (%lu pages of areas wait); the kernel defers the TLB flush the same way\n",
		       kst.lazy_pages);
	else
		printf("\nlazy: none: this boot frees areas at once (lazy=0, or kva=list, which has no lazy state)\n");
	lazy = memfree_kb();

	vm_unmap_aliases();
	purged = memfree_kb();
	drain_all_pages(NULL);
	drained = memfree_kb();
	section("vm_unmap_aliases() purged them, per-CPU lists drained: /proc/vmallocinfo, /proc/meminfo");
	show_vmallocinfo();
	printf("\n");
	uvm_show("meminfo", stdout);
	printf("\npurge: MemFree %lu kB freed but not purged, %lu kB after vm_unmap_aliases(), %lu kB after drain_all_pages() (%+ld kB)\n",
	       lazy, purged, drained, (long)(drained - lazy));
}

/*
 * A few areas of different kinds, vmallocinfo, a walk, an in-place growth,
 * and the lazily freed areas until a purge reaches them.
 */
static int demo_vmalloc(void)
{
	char *small = vmalloc(3 * PAGE_SIZE);
	char *big = vzalloc(1 << 20);
	char *user = vmalloc_user(2 * PAGE_SIZE);
	char *huge = vmalloc_huge(PMD_SIZE, GFP_KERNEL);
	char *grown;
	char buf[64] = "";
	int err = EXIT_OK;

	if (!small || !big || !user || !huge) {
		fprintf(stderr, PROG ": demo: vmalloc failed\n");
		vfree(small);
		vfree(big);
		vfree(user);
		vfree(huge);
		return EXIT_RUNTIME;
	}
	snprintf(buf, sizeof(buf), "written through the vmalloc address");
	vwrite(buf, small + PAGE_SIZE, sizeof(buf));
	section("vmalloc(3 pages), vzalloc(1 MiB), vmalloc_user(2 pages), vmalloc_huge(2 MiB): /proc/vmallocinfo");
	uvm_show("vmallocinfo", stdout);
	section("the walk of the small area's second page");
	uvm_walk((unsigned long)small + PAGE_SIZE, stdout);
	memset(buf, 0, sizeof(buf));
	vread(buf, small + PAGE_SIZE, sizeof(buf) - 1);
	printf("  read back through the page tables: \"%s\"\n", buf);

	vfree(big);
	grown = vrealloc(user, 8 * PAGE_SIZE, GFP_KERNEL);
	section("vfree(1 MiB area), vrealloc(user area, 8 pages): /proc/vmallocinfo");
	if (!grown) {
		fprintf(stderr, PROG ": demo: vrealloc failed\n");
		grown = user;
		err = EXIT_RUNTIME;
	}
	printf("vrealloc %s: %p -> %p\n",
	       grown == user ? "grew in place" : "moved", (void *)user,
	       (void *)grown);
	uvm_show("vmallocinfo", stdout);
	section("/proc/meminfo while they live");
	uvm_show("meminfo", stdout);
	demo_purge(small, grown, huge);
	return err;
}

static int run_demo(const struct invocation *inv)
{
	struct page *blocks[8];
	unsigned int order;
	int err = boot(inv->cmdline);

	if (err)
		return err;
	section("physical and virtual memory layout");
	uvm_show("layout", stdout);
	section("/proc/buddyinfo after boot");
	uvm_show("buddyinfo", stdout);

	/* One block of each order 0..7, so every split shows. */
	for (order = 0; order < 8; order++) {
		blocks[order] = alloc_pages(GFP_KERNEL, order);
		if (!blocks[order]) {
			fprintf(stderr,
				PROG ": demo: order-%u allocation failed\n",
				order);
			err = EXIT_RUNTIME;
			continue;
		}
		snprintf(page_address(blocks[order]), PAGE_SIZE,
			 "order-%u block at pfn %#lx", order,
			 page_to_pfn(blocks[order]));
	}
	section("one block of each order 0..7 allocated");
	for (order = 0; order < 8; order++)
		if (blocks[order])
			printf("  %s (node %d, zone %d)\n",
			       (char *)page_address(blocks[order]),
			       page_to_nid(blocks[order]),
			       page_zonenum(blocks[order]));
	printf("\n");
	uvm_show("buddyinfo", stdout);

	for (order = 0; order < 8; order++)
		if (blocks[order])
			__free_pages(blocks[order], order);
	drain_all_pages(NULL);
	section("all freed, per-CPU lists drained");
	uvm_show("buddyinfo", stdout);
	err |= demo_vmalloc();

	if (uvm_check()) {
		fprintf(stderr, PROG ": demo: invariant check failed\n");
		err = EXIT_RUNTIME;
	} else {
		printf("\nuvm_check: all invariants hold\n");
	}
	return err;
}

/* ----------------------------------------------------------------- table */

#define EXIT_STATUS_HELP                                                       \
	"exit status: 0 success; 1 the boot failed (the library says why on\n" \
	"stderr), an allocation failed or an invariant checker reported; 2\n"  \
	"misuse, one line on stderr and nothing on stdout"

static int run_insmod(const struct invocation *inv)
{
	return insmod_main(inv->cmdline, inv->argc, inv->argv);
}

static int run_modinfo(const struct invocation *inv)
{
	return modinfo_main(inv->cmdline, inv->argc, inv->argv);
}

static const struct command commands[] = {
	{
		.name = "demo",
		.operands = "",
		.summary =
			"boot, print the layout and buddyinfo, allocate pages\n"
			"and vmalloc areas, free and purge them, print what\n"
			"changed at each step",
		.help = "Walk through the layers, printing the kernel's files at each step:\n"
			"the memory layout and buddyinfo after boot; one buddy block of each\n"
			"order 0..7 allocated and freed; vmalloc(), vzalloc(), vmalloc_user()\n"
			"and vmalloc_huge() areas with vmallocinfo, a page-table walk, vread()\n"
			"and vrealloc(); the areas freed, still holding their pages until a\n"
			"purge, then purged by vm_unmap_aliases() with MemFree coming back;\n"
			"last, every invariant checker.\n",
		.min_args = 0,
		.max_args = 0,
		.run = run_demo,
	},
	{
		.name = "info",
		.operands = "FILE",
		.summary =
			"print one introspection file: vmallocinfo buddyinfo\n"
			"pagetypeinfo zoneinfo meminfo layout config",
		.help = NULL, /* the list of files, from info_files[] */
		.min_args = 1,
		.max_args = 1,
		.run = run_info,
	},
	{
		.name = "check",
		.operands = "",
		.summary = "run every invariant checker; exit 1 on a violation",
		.help = "Boot, run every layer's whole-structure invariant checker (buddy\n"
			"free lists against struct page, page tables against busy areas, the\n"
			"area trees, the counters) and print how many violations they found;\n"
			"each violation is also reported on stderr.\n",
		.min_args = 0,
		.max_args = 0,
		.run = run_check,
	},
	{
		.name = "walk",
		.operands = "[ADDR...]",
		.summary =
			"print the page-table walk of each ADDR; without ADDR,\n"
			"of a demonstration mapping and its guard page",
		.help = "Print the page-table walk of each ADDR: one line per level, then the\n"
			"page, huge page or hole it ends in. ADDR is hexadecimal, with or\n"
			"without 0x: an absolute address the page tables translate (below\n"
			"1 << 48 with 4 levels, 1 << 39 with 3, 1 << 57 with 5), which may lie\n"
			"outside the vmalloc window (its walk says so and ends in a hole), or\n"
			"+OFFSET from VMALLOC_START, which must lie inside the window. A sign,\n"
			"a space, anything after the digits, or a value out of those ranges\n"
			"is misuse.\n"
			"Without ADDR, vmalloc 3 pages and a 2 MiB huge area and walk a page\n"
			"of each and the guard page after the first.\n",
		.min_args = 0,
		.max_args = ARGS_ANY,
		.run = run_walk,
	},
	{
		.name = "insmod",
		.operands = "FILE.c|FILE.so [param=value...]",
		.summary =
			"build a kernel-style module source against the module\n"
			"headers, run its init (and exit), print its log",
		.help = "Build FILE.c with the system compiler ($CC, else cc) against the\n"
			"module headers (<linux/module.h>, <linux/vmalloc.h>, ...) into a\n"
			"shared object, cached by content under ~/.cache/uvmalloc/modules\n"
			"(or load FILE.so as it is); set its module_param()s from the\n"
			"param=value words; run its init on a task named insmod, then its\n"
			"exit; print its log as dmesg does. A <linux/...> header that is not\n"
			"one of the module headers is refused, naming it.\n"
			"options:\n"
			"  -g             build with debug information, unoptimised enough\n"
			"                 for gdb --args uvmalloc insmod -g mod.c\n"
			"  --time         dmesg-style [seconds] before each line\n"
			"  --loglevel=N   print messages of levels below N (default 7:\n"
			"                 everything but KERN_DEBUG)\n"
			"  --timeout=SEC  give up (exit 1) when init has not returned\n"
			"  -b CMDLINE     boot options, as before the command\n"
			"  -DNAME[=VALUE], -IDIR\n"
			"                 passed to the compiler (a CONFIG_ symbol, say)\n"
			"exit status: 0 when init returned 0, or -EAGAIN (a test module\n"
			"unloading itself); 1 when the build failed, the module has no\n"
			"init, init returned another error (named), the module crashed\n"
			"(an oops report names the address, the area whose guard page it\n"
			"hit, and the call trace), left vmalloc areas allocated (each\n"
			"listed with its caller) or timed out; 2 for misuse, an unknown\n"
			"parameter (the valid ones are listed) or a malformed value.\n",
		.min_args = 1,
		.max_args = ARGS_ANY,
		.run = run_insmod,
		.own_options = true,
	},
	{
		.name = "modinfo",
		.operands = "FILE.c|FILE.so",
		.summary = "list a module's parameters and MODULE_*() fields",
		.help = "Build (as insmod does) and load FILE without running it, and list\n"
			"its MODULE_*() fields (license, author, description, ...) and each\n"
			"parameter with its type, default, permissions and description.\n",
		.min_args = 1,
		.max_args = 3,
		.run = run_modinfo,
		.own_options = true,
	},
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_ELEMS(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/* Print @text, its lines after the first indented by @indent columns. */
static void print_indented(const char *text, int indent)
{
	const char *nl;

	while ((nl = strchr(text, '\n'))) {
		printf("%.*s\n%*s", (int)(nl - text), text, indent, "");
		text = nl + 1;
	}
	printf("%s\n", text);
}

static void usage(void)
{
	char name[32];
	size_t i;

	printf("usage: " PROG " [-b CMDLINE] COMMAND [ARGS]\n"
	       "\n"
	       "Boot an instance of the user-space vmalloc and inspect or exercise it.\n"
	       "\n"
	       "commands:\n");
	for (i = 0; i < N_ELEMS(commands); i++) {
		snprintf(name, sizeof(name), "%s%s%s", commands[i].name,
			 *commands[i].operands ? " " : "",
			 commands[i].operands);
		printf("  %-16s", name);
		print_indented(commands[i].summary, 18);
	}
	printf("\n"
	       "options:\n"
	       "  -b CMDLINE      boot parameters, e.g. -b \"mem=512M numa=2\", applied\n"
	       "                  after $UVMALLOC_CMDLINE; the last -b wins\n"
	       "  -h, --help      this help; after COMMAND, that command's help\n"
	       "\n"
	       "exit status:\n"
	       "  0  success\n"
	       "  1  a runtime failure: the boot failed (the library says why on\n"
	       "     stderr), an allocation failed, an invariant checker reported\n"
	       "  2  misuse: an unknown option or command, a missing or extra\n"
	       "     argument, an unknown info FILE, a malformed or out-of-range\n"
	       "     ADDR; one line on stderr says why, nothing is printed on stdout\n"
	       "\n"
	       "Run '" PROG " COMMAND --help' for more about a command.\n");
}

static void command_usage(const struct command *cmd)
{
	size_t i;

	printf("usage: " PROG " [-b CMDLINE] %s%s%s\n\n", cmd->name,
	       *cmd->operands ? " " : "", cmd->operands);
	if (cmd->help) {
		fputs(cmd->help, stdout);
	} else {
		printf("Print FILE, one of the instance's introspection files, just after\n"
		       "the boot:\n");
		for (i = 0; i < N_ELEMS(info_files); i++)
			printf("  %-14s%s\n", info_files[i].name,
			       info_files[i].what);
	}
	printf("\n" EXIT_STATUS_HELP "\n");
}

static const char *command_names(void)
{
	static char names[128];
	size_t i, len = 0;

	for (i = 0; i < N_ELEMS(commands) && len < sizeof(names); i++)
		len += snprintf(names + len, sizeof(names) - len, "%s%s",
				i ? " " : "", commands[i].name);
	return names;
}

/*
 * Check a command's words: -h/--help prints its usage, any other option
 * or a wrong count of operands is misuse; else run it. Returns the exit
 * status.
 */
static int dispatch(const struct command *cmd, const char *cmdline, int argc,
		    char **argv)
{
	struct invocation inv = { cmdline, argc, argv };
	int i;

	for (i = 0; i < argc; i++) {
		if (is_help(argv[i])) {
			command_usage(cmd);
			return EXIT_OK;
		}
		if (is_option(argv[i]) && !cmd->own_options)
			return misuse(cmd->name, "unknown option '%s'",
				      argv[i]);
	}
	if (argc < cmd->min_args)
		return misuse(cmd->name, "missing %s (usage: " PROG " %s %s)",
			      cmd->operands, cmd->name, cmd->operands);
	if (argc > cmd->max_args)
		return misuse(cmd->name, "unexpected argument '%s'",
			      argv[cmd->max_args]);
	return cmd->run(&inv);
}

static int run_program(int argc, char **argv)
{
	const struct command *cmd;
	const char *cmdline = NULL;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *arg = argv[i];

		if (is_help(arg)) {
			usage();
			return EXIT_OK;
		} else if (!strcmp(arg, "-b")) {
			if (i + 1 >= argc)
				return misuse(NULL,
					      "option '-b' needs a CMDLINE "
					      "argument, e.g. -b \"mem=512M\"");
			cmdline = argv[++i];
		} else if (!strncmp(arg, "-b", 2)) {
			cmdline = arg + 2;
		} else if (!strcmp(arg, "--")) {
			i++;
			break;
		} else {
			return misuse(NULL,
				      "unknown option '%s' (see '" PROG
				      " --help')",
				      arg);
		}
	}
	if (i >= argc)
		return misuse(NULL, "missing COMMAND (one of: %s)",
			      command_names());
	cmd = find_command(argv[i]);
	if (!cmd)
		return misuse(NULL, "unknown command '%s' (one of: %s)",
			      argv[i], command_names());
	return dispatch(cmd, cmdline, argc - i - 1, argv + i + 1);
}

int main(int argc, char **argv)
{
	int err = run_program(argc, argv);

	uvm_shutdown();
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, PROG ": writing to stdout: %s\n",
			strerror(errno));
		return EXIT_RUNTIME;
	}
	return err;
}
