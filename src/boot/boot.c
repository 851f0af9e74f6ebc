/* SPDX-License-Identifier: MIT */
/*
 * Booting and tearing down an instance: the options table, the order in
 * which layers come up and go down, and the project-level calls of
 * <uvmalloc.h> that span every layer (uvm_show, uvm_check).
 *
 * This is the top of the stack: it calls every layer's init, exit and
 * checker, and no layer calls it, except through uvm_autoboot(), the one
 * door by which a kernel-named call made before uvm_boot() boots defaults
 * (or, after the program's own uvm_boot() failed, is refused).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/options.h"
#include "lib/runtime.h"
#include "lib/spinlock.h"
#include "kmod/percpu_int.h"
#include "kva/kva.h"
#include "mmu/mmu.h"
#include "phys/phys.h"
#include "proc/proc.h"
#include "vmalloc/vmalloc_int.h"

/**
 * struct uvm_params - every boot parameter, grouped by the layer that owns it
 * @phys: the physical memory layer's
 * @mmu: the page tables'
 * @kva: the area allocator's
 * @vmalloc: the vmalloc layer's
 * @debug_vm: assertion level, 0..3
 */
struct uvm_params {
	struct phys_params phys;
	struct mmu_params mmu;
	struct kva_params kva;
	struct vmalloc_params vmalloc;
	long debug_vm;
};

static const char *const kva_strategies[] = { "list", "rbtree", "augment",
					      NULL };

static const char *const mmu_backends[] = { "host", "soft", NULL };

#define P(field) offsetof(struct uvm_params, field)

/* clang-format off */
#define OPT_NUM(n, t, f, d, h, lo, hi)                                      \
	{ .name = n, .type = t, .offset = P(f), .def = d, .help = h,        \
	  .min = lo, .max = hi }
#define OPT(n, t, f, d, h) \
	{ .name = n, .type = t, .offset = P(f), .def = d, .help = h }
/* clang-format on */

static const struct uvm_option uvm_option_table[] = {
	OPT_NUM("mem", UVM_OPT_SIZE, phys.mem, "1G",
		"physical memory, split evenly over the nodes", 4 << 20,
		1LL << 46),
	OPT_NUM("numa", UVM_OPT_INT, phys.numa, "1", "NUMA nodes", 1,
		MAX_NUMNODES),
	OPT_NUM("zone_dma", UVM_OPT_SIZE, phys.zone_dma, "16M",
		"end of ZONE_DMA (0: no DMA zone)", 0, 1LL << 46),
	OPT_NUM("zone_dma32", UVM_OPT_SIZE, phys.zone_dma32, "4G",
		"end of ZONE_DMA32; Normal lies above", 0, 1LL << 46),
	OPT_NUM("nr_cpus", UVM_OPT_INT, phys.nr_cpus, "0",
		"CPUs (0: as many as the host has)", 0, MAX_NR_CPUS),
	OPT("page_poison", UVM_OPT_BOOL, phys.page_poison, "0",
	    "fill free pages with 0xaa, check them when allocated"),
	OPT("fail_page_alloc", UVM_OPT_STRING, phys.fail_page_alloc, "",
	    "fault injection: <interval>,<probability>,<space>,<times>"),
	OPT_NUM("min_free_kbytes", UVM_OPT_SIZE, phys.min_free_kbytes, "0",
		"the reserve behind the watermarks, in kB (0: as the kernel computes)",
		0, 1LL << 30),
	OPT_NUM("pgtable_levels", UVM_OPT_INT, mmu.levels, "4",
		"page-table depth: 3 (39-bit), 4 (48-bit) or 5 (57-bit)", 3, 5),
	{ .name = "mmu",
	  .type = UVM_OPT_ENUM,
	  .offset = P(mmu.backend),
	  .def = "host",
	  .choices = mmu_backends,
	  .help = "host: real mappings in a reserved window; soft: tables only" },
	OPT_NUM("vmalloc", UVM_OPT_SIZE, mmu.vmalloc_size, "32T",
		"size of the vmalloc window (shrunk, with a note, to what the host or layout allows)",
		64 << 20, 1LL << 56),
	OPT("fail_host_map", UVM_OPT_STRING, mmu.fail_host_map, "",
	    "fault injection for host mappings: <interval>,<probability>,<space>,<times>"),
	{ .name = "kva",
	  .type = UVM_OPT_ENUM,
	  .offset = P(kva.strategy),
	  .def = "augment",
	  .choices = kva_strategies,
	  .help = "area allocator: list (2.6.12), rbtree (2.6.28), augment (5.2+, with 6.9 vmap nodes)" },
	OPT("lazy", UVM_OPT_BOOL, kva.lazy, "1",
	    "defer host unmapping of freed areas to batched purges (0: purge at every free)"),
	OPT_NUM("lazy_max_pages", UVM_OPT_SIZE, kva.lazy_max_pages, "0",
		"lazy pages that trigger a purge (0: fls(nr_cpus) * 32 MiB worth)",
		0, 1LL << 40),
	OPT_NUM("vmap_nodes", UVM_OPT_INT, kva.vmap_nodes, "0",
		"vmap nodes for kva=augment (0: clamp(nr_cpus, 1, 128))", 0,
		128),
	OPT("vmap_pools", UVM_OPT_BOOL, kva.vmap_pools, "1",
	    "per-node pools of free areas up to 256 pages (kva=augment)"),
	OPT("nohugevmalloc", UVM_OPT_BOOL, vmalloc.nohuge, "0",
	    "vmalloc_huge() maps with small pages only"),
	OPT("vmalloc_revive", UVM_OPT_BOOL, vmalloc.revive, "1",
	    "a vmalloc() may take back a freed, not yet purged area of its shape whole (0: as the kernel)"),
	OPT_NUM("debug_vm", UVM_OPT_INT, debug_vm, "0",
		"checks: 1 list links, 2 new-page states, 3 every checker after every call",
		0, 3),
};

#define NR_OPTIONS ARRAY_SIZE(uvm_option_table)

static pthread_mutex_t boot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct uvm_params params;
static enum uvm_opt_source sources[NR_OPTIONS];
/*
 * Failures remembered between calls, all under boot_lock, all forgotten by
 * a boot that succeeds:
 *
 * autoboot_error: the last automatic boot's error, so that a bad
 * $UVMALLOC_CMDLINE is reported once and not retried on every call;
 * uvm_shutdown() forgets it too, so the next call tries again.
 *
 * refused_error: the error of the program's own last uvm_boot() when that
 * left no instance running. While it is set, kernel-named calls fail rather
 * than boot the defaults behind the program's back; uvm_shutdown() keeps it.
 * refusal_reported: the refusal of refused_error has been printed.
 */
static int autoboot_error;
static int refused_error;
static bool refusal_reported;

static struct uvm_options options_of(struct uvm_params *p,
				     enum uvm_opt_source *src)
{
	return (struct uvm_options){
		.table = uvm_option_table,
		.count = NR_OPTIONS,
		.params = p,
		.sources = src,
	};
}

/* Boot with boot_lock held. */
static int boot_locked(const char *cmdline)
{
	struct uvm_params p;
	enum uvm_opt_source src[NR_OPTIONS];
	struct uvm_options opts = options_of(&p, src);
	const char *env = getenv("UVMALLOC_CMDLINE");
	int err;

	if (atomic_load(&uvm_running)) {
		pr_err("uvm_boot: already booted; call uvm_shutdown() first");
		return -EBUSY;
	}
	uvm_log_reset_ratelimit();
	memset(&p, 0, sizeof(p));
	err = uvm_options_defaults(&opts);
	if (!err && env)
		err = uvm_options_parse(&opts, env, UVM_OPT_SRC_ENV);
	if (!err && cmdline)
		err = uvm_options_parse(&opts, cmdline, UVM_OPT_SRC_CMDLINE);
	if (err)
		return err;

	uvm_debug_vm = (int)p.debug_vm;
	err = phys_init(&p.phys);
	if (err)
		return err;
	err = mmu_init(&p.mmu);
	if (err) {
		phys_exit();
		return err;
	}
	err = kva_init(&p.kva, mmu.vmalloc_start, mmu.vmalloc_end,
		       phys.nr_cpus);
	if (err) {
		mmu_exit();
		phys_exit();
		return err;
	}
	vmalloc_init(&p.vmalloc);

	phys_late_init();
	params = p;
	memcpy(sources, src, sizeof(sources));
	autoboot_error = 0;
	refused_error = 0;
	refusal_reported = false;
	atomic_store_explicit(&uvm_running, 1, memory_order_release);
	return 0;
}

int uvm_boot(const char *cmdline)
{
	int err;

	pthread_mutex_lock(&boot_lock);
	err = boot_locked(cmdline);
	/* -EBUSY leaves the running instance serving calls: no refusal. */
	if (err && !atomic_load(&uvm_running)) {
		refused_error = err;
		refusal_reported = false;
	}
	pthread_mutex_unlock(&boot_lock);
	return err;
}

/*
 * A kernel-named call after a failed uvm_boot(), with boot_lock held: say
 * why it fails, once for each failed boot.
 */
static int refuse_locked(void)
{
	if (!refusal_reported) {
		pr_err("uvm_boot: kernel-named call refused: the last uvm_boot() failed with %d (%s) and no instance runs; call uvm_boot() again",
		       refused_error, strerror(-refused_error));
		refusal_reported = true;
	}
	return refused_error;
}

int uvm_autoboot(void)
{
	int err;

	pthread_mutex_lock(&boot_lock);
	if (atomic_load(&uvm_running))
		err = 0; /* another thread's call booted it first */
	else if (refused_error)
		err = refuse_locked();
	else if (autoboot_error)
		err = autoboot_error;
	else
		err = autoboot_error = boot_locked(NULL);
	pthread_mutex_unlock(&boot_lock);
	return err;
}

void uvm_shutdown(void)
{
	pthread_mutex_lock(&boot_lock);
	if (atomic_load(&uvm_running)) {
		/*
		 * Still running for the leak report's vfree()s. The per-CPU
		 * allocator goes first: the empty chunk it keeps is not a
		 * leak, and its areas are vmalloc areas.
		 */
		pcpu_exit();
		vmalloc_exit();
		atomic_store_explicit(&uvm_running, 0, memory_order_release);
		kva_exit();
		mmu_exit();
		phys_exit();
		uvm_debug_vm = 0;
	}
	/* A failed automatic boot is tried again; a refusal stays. */
	autoboot_error = 0;
	pthread_mutex_unlock(&boot_lock);
}

int uvm_booted(void)
{
	return atomic_load_explicit(&uvm_running, memory_order_acquire);
}

int uvm_show(const char *file, FILE *out)
{
	int err;

	if (!file || !out) {
		pr_warn("%s: NULL %s", __func__, file ? "stream" : "file name");
		return -EINVAL;
	}
	if (!uvm_ensure_booted())
		return -ENODEV;
	/* Counted as inside the library: printing takes the heap's locks. */
	uvm_call_enter();
	if (!strcmp(file, "config")) {
		struct uvm_options opts = options_of(&params, sources);

		uvm_options_print(&opts, out);
		err = 0;
	} else {
		err = proc_show(file, out);
	}
	uvm_call_leave();
	if (err == -ENOENT)
		pr_warn("%s: no file '%s'; known: config %s", __func__, file,
			proc_file_names());
	return err;
}

int uvm_check(void)
{
	int bad;

	if (!atomic_load_explicit(&uvm_running, memory_order_acquire))
		return 0;
	uvm_call_enter();
	bad = phys_check() + mmu_check() + kva_check() + vmalloc_check();
	uvm_call_leave();
	return bad;
}
