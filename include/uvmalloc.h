/* SPDX-License-Identifier: MIT */
/*
 * uvmalloc: the Linux vmalloc subsystem and the layers under it, in user space.
 *
 * This header is the project's own API: booting and tearing down an instance,
 * its options, its introspection files and its invariant checkers. The
 * kernel-named API lives in <linux/gfp.h>, <linux/mm.h> and friends, which
 * `pkg-config --cflags uvmalloc` makes reachable.
 */
#ifndef UVMALLOC_H
#define UVMALLOC_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is the library's ABI; the rest is hidden. */
#pragma GCC visibility push(default)

#define UVMALLOC_VERSION_MAJOR 0
#define UVMALLOC_VERSION_MINOR 1
#define UVMALLOC_VERSION "0.1.0"

/**
 * uvm_boot() - boot an instance from a kernel-style command line
 * @cmdline: space-separated `name=value` and `name` words, e.g.
 *           "mem=512M numa=2 debug_vm=3"; NULL or "" means all defaults.
 *
 * The `UVMALLOC_CMDLINE` environment variable is parsed first, then @cmdline,
 * so @cmdline wins where both name a parameter. Unknown or malformed
 * parameters fail the boot with a message naming the parameter and listing the
 * valid ones. Only one instance exists per process; boot again after
 * uvm_shutdown() to change options.
 *
 * A failure that leaves no instance running (any error but -EBUSY) is not
 * papered over: kernel-named calls made afterwards boot nothing and fail
 * (NULL, or their negative errno), the first of them printing one error
 * line with this call's errno, until a uvm_boot() succeeds; uvm_shutdown()
 * does not lift that. -EBUSY leaves the running instance serving calls.
 *
 * Without any uvm_boot(), the first kernel-named call boots the defaults
 * plus `UVMALLOC_CMDLINE`. If that automatic boot fails (a bad environment),
 * its messages are printed once, that call and later ones fail without
 * retrying, and uvm_boot() or uvm_shutdown() starts afresh.
 *
 * Return: 0 on success, -EBUSY if already booted, -EINVAL for a bad command
 * line, -ENOMEM (or another negative errno) if the host refused resources.
 */
int uvm_boot(const char *cmdline);

/**
 * uvm_shutdown() - tear the instance down completely
 *
 * Every host mapping, file descriptor and byte the instance holds is returned.
 * Safe to call when nothing is booted. Callers must not race it with other
 * calls into the instance.
 *
 * It forgets a failed automatic boot, so the next kernel-named call boots
 * again, but not a failed uvm_boot(): kernel-named calls keep failing until
 * a uvm_boot() succeeds.
 */
void uvm_shutdown(void);

/**
 * uvm_booted() - whether an instance is running
 *
 * Return: true between a successful boot (uvm_boot(), or the automatic one of
 * a first kernel-named call) and uvm_shutdown(); false while kernel-named
 * calls are refused after a failed uvm_boot().
 */
int uvm_booted(void);

/**
 * uvm_show() - print one of the instance's introspection files
 * @file: "vmallocinfo", "buddyinfo", "pagetypeinfo", "zoneinfo",
 *        "meminfo", "layout" or "config"
 * @out: where to print
 *
 * The /proc files use the kernel's exact line formats.
 *
 * Return: 0, or -ENOENT for an unknown file name (after a warning that lists
 * the known ones).
 */
int uvm_show(const char *file, FILE *out);

/**
 * uvm_check() - run every layer's whole-structure invariant checker
 *
 * Each violation is reported through the log sink, one line each.
 *
 * Return: 0 when every invariant holds, else the number of violations found.
 */
int uvm_check(void);

/* Log levels, as printk's. */
enum uvm_log_level {
	UVM_LOG_ERR = 3,
	UVM_LOG_WARNING = 4,
	UVM_LOG_NOTICE = 5,
	UVM_LOG_INFO = 6,
	UVM_LOG_DEBUG = 7,
};

/**
 * typedef uvm_log_fn - a log sink
 * @level: one of enum uvm_log_level
 * @line: the message, one line, without a trailing newline
 * @arg: the cookie given to uvm_set_log()
 */
typedef void (*uvm_log_fn)(int level, const char *line, void *arg);

/**
 * uvm_set_log() - route the instance's messages
 * @fn: the sink, or NULL for the default (stderr)
 * @arg: passed to @fn untouched
 *
 * The setting outlives uvm_shutdown(), so it can be made before uvm_boot().
 */
void uvm_set_log(uvm_log_fn fn, void *arg);

/**
 * struct uvm_log_counts - how many lines each level has printed
 * @warnings: UVM_LOG_WARNING lines and worse, counted even when rate-limited
 * @suppressed: lines the rate limit dropped
 * @total: every line, whatever its level
 */
struct uvm_log_counts {
	unsigned long warnings;
	unsigned long suppressed;
	unsigned long total;
};

/**
 * uvm_log_counts() - read the message counters
 * @counts: filled in
 *
 * Tests use it to prove that bad input produced exactly one warning.
 */
void uvm_log_counts(struct uvm_log_counts *counts);

/**
 * struct uvm_phys_stats - the physical allocator's counters
 * @total_pages: pages of RAM in all nodes
 * @free_pages: pages free in the buddy lists (per-CPU lists excluded)
 * @pcp_pages: pages held by per-CPU lists
 * @pagetable_pages: pages used for page tables
 * @alloc_calls: successful page allocations (each block counts once)
 * @free_calls: block frees
 * @alloc_failures: allocations that returned NULL
 * @injected_failures: of those, the ones fault injection forced
 */
struct uvm_phys_stats {
	unsigned long total_pages;
	unsigned long free_pages;
	unsigned long pcp_pages;
	unsigned long pagetable_pages;
	unsigned long alloc_calls;
	unsigned long free_calls;
	unsigned long alloc_failures;
	unsigned long injected_failures;
};

/**
 * uvm_phys_stats() - read the physical allocator's counters
 * @stats: filled in (zeroed when nothing is booted)
 */
void uvm_phys_stats(struct uvm_phys_stats *stats);

/**
 * struct uvm_mmu_stats - the page tables and their host mirror
 * @levels: pgtable_levels in force
 * @backend: "host" or "soft"
 * @vmalloc_start: the window's first address
 * @vmalloc_end: one past its last
 * @pagetable_pages: pages holding page tables
 * @host_maps: mmap() calls that mapped a run of frames
 * @host_unmaps: calls that put the reservation back over a range
 * @host_protects: mprotect() calls
 * @host_failures: host calls refused (the mapping cap, ENOMEM, injection)
 * @host_vmas: host mappings inside the window now (from /proc/self/maps)
 * @host_ram_vmas: of those, the ones that map RAM (the rest: reservation)
 */
struct uvm_mmu_stats {
	int levels;
	const char *backend;
	unsigned long vmalloc_start;
	unsigned long vmalloc_end;
	unsigned long pagetable_pages;
	unsigned long host_maps;
	unsigned long host_unmaps;
	unsigned long host_protects;
	unsigned long host_failures;
	unsigned long host_vmas;
	unsigned long host_ram_vmas;
};

/**
 * uvm_mmu_stats() - read the mmu layer's counters
 * @stats: filled in (zeroed when nothing is booted)
 *
 * The host_vmas figures read /proc/self/maps: not for hot paths.
 */
void uvm_mmu_stats(struct uvm_mmu_stats *stats);

/**
 * struct uvm_kva_stats - the area allocator's counters
 * @strategy: "list", "rbtree" or "augment"
 * @vmap_nodes: vmap nodes in use
 * @busy_areas: areas handed out and not freed
 * @lazy_pages: pages of freed areas awaiting a purge
 * @lazy_max_pages: the lazy pages that trigger a purge
 * @purges: purges run
 * @purged_areas: areas purges gave back to free space
 * @flush_calls: flushes purges asked for (one per contiguous run)
 * @failures: allocations that found no room, even after a purge
 */
struct uvm_kva_stats {
	const char *strategy;
	int vmap_nodes;
	long busy_areas;
	unsigned long lazy_pages;
	unsigned long lazy_max_pages;
	unsigned long purges;
	unsigned long purged_areas;
	unsigned long flush_calls;
	unsigned long failures;
};

/**
 * uvm_kva_stats() - read the area allocator's counters
 * @stats: filled in (zeroed when nothing is booted)
 */
void uvm_kva_stats(struct uvm_kva_stats *stats);

/**
 * uvm_walk() - print the page-table walk of one address
 * @addr: any address
 * @out: where to print
 *
 * One line per level: the index, the table's physical address, the entry
 * and what it points at; then where the walk ends (a page, a huge page, a
 * hole).
 *
 * Return: 0, or a negative errno.
 */
int uvm_walk(unsigned long addr, FILE *out);

/**
 * enum uvm_addr_kind - what an address is to the vmalloc window
 * @UVM_ADDR_NONE: in no area
 * @UVM_ADDR_INSIDE: inside a live area
 * @UVM_ADDR_GUARD: in the guard page after a live area
 * @UVM_ADDR_FREED: in an area freed and not purged yet
 */
enum uvm_addr_kind {
	UVM_ADDR_NONE = 0,
	UVM_ADDR_INSIDE = 1,
	UVM_ADDR_GUARD = 2,
	UVM_ADDR_FREED = 3,
};

/**
 * uvm_addr_describe() - which area an address falls in, as vmallocinfo
 *                       names it
 * @addr: any address
 * @buf: set to the area's /proc/vmallocinfo line (empty for none)
 * @len: its size
 *
 * For reports of a fault: whether it hit a guard page, and of which area.
 * Takes the locks vmallocinfo takes.
 *
 * Return: an enum uvm_addr_kind, or -EINVAL without a buffer.
 */
int uvm_addr_describe(unsigned long addr, char *buf, size_t len);

/* ------------------------------------------------------ kernel modules */

/*
 * Modules: shared objects built from kernel-style sources against the
 * module headers (include/uvmalloc/kmod, see docs/kmod.md). `uvmalloc
 * insmod` builds and runs them; these calls let any program do the same.
 */
struct uvm_module;

/**
 * struct uvm_module_param - one module_param() of a loaded module
 * @name: its name
 * @type: "int", "bool", "charp", ...
 * @desc: MODULE_PARM_DESC()'s text, or NULL
 * @perm: its permissions
 * @initial: its value when the module was loaded, as text
 * @value: its value now, as text
 */
struct uvm_module_param {
	const char *name;
	const char *type;
	const char *desc;
	unsigned int perm;
	char initial[64];
	char value[64];
};

/**
 * uvm_module_load() - load a module's shared object, running nothing of it
 *                     but its registrations
 * @path: the shared object
 * @name: the module's name (for messages and symbols), or NULL
 * @err: where a reason goes on failure
 * @errlen: its size
 *
 * Loads are serialised; the module's functions are named in vmallocinfo
 * and backtraces from then on.
 *
 * Return: the module, or NULL with @err set.
 */
struct uvm_module *uvm_module_load(const char *path, const char *name,
				   char *err, size_t errlen);

/**
 * uvm_module_name() - the name given to uvm_module_load()
 * @m: the module
 *
 * Return: the name.
 */
const char *uvm_module_name(const struct uvm_module *m);

/**
 * uvm_module_has_init() - whether the module has a module_init()
 * @m: the module
 *
 * Return: true if it has.
 */
bool uvm_module_has_init(const struct uvm_module *m);

/**
 * uvm_module_has_exit() - whether the module has a module_exit()
 * @m: the module
 *
 * Return: true if it has.
 */
bool uvm_module_has_exit(const struct uvm_module *m);

/**
 * uvm_module_nr_params() - how many parameters the module has
 * @m: the module
 *
 * Return: the count.
 */
int uvm_module_nr_params(const struct uvm_module *m);

/**
 * uvm_module_param_at() - describe parameter @i
 * @m: the module
 * @i: 0 .. uvm_module_nr_params() - 1
 * @out: filled in
 *
 * Return: 0, or -ENOENT past the end.
 */
int uvm_module_param_at(const struct uvm_module *m, int i,
			struct uvm_module_param *out);

/**
 * uvm_module_set_param() - set a parameter from text, as insmod does
 * @m: the module
 * @name: the parameter
 * @value: its new value (integers in any C base; bools y/n/1/0/on/off)
 *
 * Return: 0; -ENOENT for an unknown name; -EINVAL for a value that does
 * not parse; -ERANGE for one out of the type's range.
 */
int uvm_module_set_param(struct uvm_module *m, const char *name,
			 const char *value);

/**
 * uvm_module_nr_info() - how many MODULE_*() fields the module has
 * @m: the module
 *
 * Return: the count.
 */
int uvm_module_nr_info(const struct uvm_module *m);

/**
 * uvm_module_info_at() - field @i: its tag ("license", "author", ...) and
 *                        value
 * @m: the module
 * @i: 0 .. uvm_module_nr_info() - 1
 * @tag: set to the tag
 * @value: set to the value
 *
 * Return: 0, or -ENOENT past the end.
 */
int uvm_module_info_at(const struct uvm_module *m, int i, const char **tag,
		       const char **value);

/**
 * uvm_module_run_init() - run the module's init on the calling thread,
 *                         as the task "insmod"
 * @m: the module
 *
 * Return: what init returned (0 without one).
 */
int uvm_module_run_init(struct uvm_module *m);

/**
 * uvm_module_run_exit() - run the module's exit, if it has one, as "rmmod"
 * @m: the module
 */
void uvm_module_run_exit(struct uvm_module *m);

/**
 * uvm_module_unload() - unload the shared object and forget the module
 * @m: the module, or NULL
 */
void uvm_module_unload(struct uvm_module *m);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* UVMALLOC_H */
