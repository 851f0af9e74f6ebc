/* SPDX-License-Identifier: MIT */
/*
 * Threaded tests of vmalloc(): four threads allocating, writing, checking
 * and freeing areas of 1..16 pages at once, so that every layer under
 * vmalloc (pages, tables, host mappings, areas, lazy purges) is shared.
 *
 *  - churn: each thread owns its areas, writes a pattern over each (host:
 *    through the pointer; soft: vwrite) and checks it, and the lookups,
 *    before the free; lazy purges at the default threshold, a small one,
 *    and at every free;
 *  - hand-off: areas made by one thread are checked and freed by another;
 *  - readers: vmallocinfo, meminfo and uvm_check-free lookups running
 *    while areas come and go, large areas (pages arrays of their own)
 *    included;
 *  - racing frees of one address: one wins, the other gets the warning.
 *
 * After the threads join, uvm_check() must pass; once everything is freed
 * and purged, every page is free again.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/vmalloc.h>
#include <uvmalloc.h>

#include "kva/kva.h"
#include "test_util.h"
#include "test_mt_util.h"

#define THREADS 4
#define OPS 5000 /* per thread */
#define SLOTS 8	 /* live areas per thread */
#define MAX_PAGES 16

static void expect_no_errors(void)
{
	cr_assert_eq(atomic_load(&nr_errs), 0, "%lu errors, the first: %s",
		     atomic_load(&nr_errs), first_err);
}

/* ------------------------------------------------------------ the boot */

static void boot(const char *cmdline, uvm_log_fn sink)
{
	cap_reset();
	mt_boot(cmdline, sink, &cap);
}

/* VmallocUsed, from meminfo. */
static unsigned long vmalloc_nr_pages_kb(void)
{
	unsigned long kb = ~0UL;
	char *buf = NULL, *at;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(uvm_show("meminfo", f), 0);
	fclose(f);
	at = strstr(buf, "VmallocUsed:");
	cr_assert_not_null(at);
	cr_assert_eq(sscanf(at + strlen("VmallocUsed:"), " %lu", &kb), 1);
	free(buf);
	return kb;
}

/* Everything freed and purged: every page but the tables is free. */
static void expect_all_returned(void)
{
	struct uvm_kva_stats ks;
	int bad;

	mt_expect_pages_back();
	uvm_kva_stats(&ks);
	cr_assert_eq(ks.busy_areas, 0);
	cr_assert_eq(ks.lazy_pages, 0);
	bad = uvm_check();
	cr_assert_eq(bad, 0, "uvm_check: %d violations: %s", bad, cap.last_err);
}

/* --------------------------------------------------------------- patterns */

/* @v holds pattern @tag, and the lookups agree with the area. */
static void verify(bool host, char *v, unsigned long nr, uint64_t tag)
{
	struct vm_struct *vm = find_vm_area(v);
	unsigned long i;

	if (!vm || vm->addr != v || vm->nr_pages != nr ||
	    get_vm_area_size(vm) != nr * PAGE_SIZE) {
		fail("find_vm_area(%p) = %p (%p, %u pages), want %lu pages", v,
		     (void *)vm, vm ? vm->addr : NULL, vm ? vm->nr_pages : 0,
		     nr);
		return;
	}
	mt_pattern_ok(host, v, nr, tag);
	for (i = 0; i < nr; i++) {
		struct page *page = vmalloc_to_page(v + i * PAGE_SIZE);

		if (page != vm->pages[i]) {
			fail("vmalloc_to_page(%p) = %p, the area says %p",
			     v + i * PAGE_SIZE, (void *)page,
			     (void *)vm->pages[i]);
			break;
		}
		if (*(uint64_t *)page_address(page) !=
		    word(tag, i * PAGE_SIZE / 8)) {
			fail("page %lu of %p: the direct map differs", i, v);
			break;
		}
	}
}

/* ------------------------------------------------------------------ churn */

struct worker {
	pthread_t tid;
	int id;
	bool host;
	unsigned long ops;
	unsigned long allocs;
};

static pthread_barrier_t start_line;

static void *churn(void *arg)
{
	struct worker *w = arg;
	struct {
		char *v;
		unsigned long nr;
		uint64_t tag;
	} slot[SLOTS] = { 0 };
	struct trng r = { 0x1234567ULL * (uint64_t)(w->id + 1) };
	unsigned long op;
	int i;

	pthread_barrier_wait(&start_line);
	for (op = 0; op < w->ops && !atomic_load(&nr_errs); op++) {
		i = (int)(trng_next(&r) % SLOTS);
		if (slot[i].v) {
			verify(w->host, slot[i].v, slot[i].nr, slot[i].tag);
			vfree(slot[i].v);
			slot[i].v = NULL;
			continue;
		}
		slot[i].nr = 1 + trng_next(&r) % MAX_PAGES;
		slot[i].tag = trng_next(&r);
		slot[i].v = trng_next(&r) % 4 ?
				    vmalloc(slot[i].nr * PAGE_SIZE) :
				    vzalloc(slot[i].nr * PAGE_SIZE);
		if (!slot[i].v) {
			fail("thread %d: vmalloc(%lu pages) failed", w->id,
			     slot[i].nr);
			break;
		}
		mt_put(w->host, slot[i].v, slot[i].nr, slot[i].tag);
		w->allocs++;
	}
	for (i = 0; i < SLOTS; i++) {
		if (!slot[i].v)
			continue;
		verify(w->host, slot[i].v, slot[i].nr, slot[i].tag);
		vfree(slot[i].v);
	}
	return NULL;
}

static void run_churn(const char *cmdline, bool host, unsigned long ops)
{
	struct worker w[THREADS];
	unsigned long allocs = 0;
	int i;

	boot(cmdline, count_sink);
	cr_assert_eq(pthread_barrier_init(&start_line, NULL, THREADS), 0);
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .id = i, .host = host, .ops = ops };
		cr_assert_eq(pthread_create(&w[i].tid, NULL, churn, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(w[i].tid, NULL);
		allocs += w[i].allocs;
	}
	pthread_barrier_destroy(&start_line);
	expect_no_errors();
	cr_assert_eq(uvm_check(), 0, "%s", cap.last_err);
	cr_assert_gt(allocs, THREADS * ops / 4);
	expect_all_returned();
	expect_no_errors();
}

TestSuite(mt_vmalloc, .fini = mt_teardown, .timeout = 300);

Test(mt_vmalloc, churn_host)
{
	run_churn("mem=256M", true, OPS);
}

Test(mt_vmalloc, churn_host_small_threshold)
{
	run_churn("mem=256M lazy_max_pages=128", true, OPS);
}

Test(mt_vmalloc, churn_host_eager)
{
	run_churn("mem=256M lazy=0", true, OPS / 2);
}

Test(mt_vmalloc, churn_host_rbtree)
{
	run_churn("mem=256M kva=rbtree lazy_max_pages=256", true, OPS / 2);
}

Test(mt_vmalloc, churn_soft)
{
	run_churn("mem=256M mmu=soft lazy_max_pages=256", false, OPS / 2);
}

/* --------------------------------------------------------------- hand-off */

/*
 * Producers allocate and write areas and put them in a shared ring;
 * consumers take them, check them and free them: every area is freed by a
 * thread other than the one that made it.
 */
#define RING 64
#define HANDOFFS 3000 /* per producer */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *v[RING];
	unsigned long nr[RING];
	uint64_t tag[RING];
	unsigned int head, tail;
	int producers_left;
} ring = { .lock = PTHREAD_MUTEX_INITIALIZER,
	   .cond = PTHREAD_COND_INITIALIZER };

static void *producer(void *arg)
{
	struct worker *w = arg;
	struct trng r = { 0xabcdefULL * (uint64_t)(w->id + 1) };
	unsigned long n;

	pthread_barrier_wait(&start_line);
	for (n = 0; n < w->ops; n++) {
		unsigned long nr = 1 + trng_next(&r) % MAX_PAGES;
		uint64_t tag = trng_next(&r);
		char *v = vmalloc(nr * PAGE_SIZE);

		if (!v) {
			fail("producer %d: vmalloc failed", w->id);
			break;
		}
		mt_put(true, v, nr, tag);
		pthread_mutex_lock(&ring.lock);
		while (ring.head - ring.tail == RING)
			pthread_cond_wait(&ring.cond, &ring.lock);
		ring.v[ring.head % RING] = v;
		ring.nr[ring.head % RING] = nr;
		ring.tag[ring.head % RING] = tag;
		ring.head++;
		pthread_cond_broadcast(&ring.cond);
		pthread_mutex_unlock(&ring.lock);
		w->allocs++;
	}
	pthread_mutex_lock(&ring.lock);
	ring.producers_left--;
	pthread_cond_broadcast(&ring.cond);
	pthread_mutex_unlock(&ring.lock);
	return NULL;
}

static void *consumer(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(&start_line);
	for (;;) {
		unsigned long nr;
		uint64_t tag;
		char *v;

		pthread_mutex_lock(&ring.lock);
		while (ring.head == ring.tail && ring.producers_left)
			pthread_cond_wait(&ring.cond, &ring.lock);
		if (ring.head == ring.tail) {
			pthread_mutex_unlock(&ring.lock);
			break;
		}
		v = ring.v[ring.tail % RING];
		nr = ring.nr[ring.tail % RING];
		tag = ring.tag[ring.tail % RING];
		ring.tail++;
		pthread_cond_broadcast(&ring.cond);
		pthread_mutex_unlock(&ring.lock);

		verify(true, v, nr, tag);
		vfree(v);
		w->allocs++;
	}
	return NULL;
}

Test(mt_vmalloc, hand_off)
{
	struct worker w[THREADS];
	unsigned long made = 0, freed = 0;
	int i;

	boot("mem=256M lazy_max_pages=512", count_sink);
	ring.head = ring.tail = 0;
	ring.producers_left = THREADS / 2;
	cr_assert_eq(pthread_barrier_init(&start_line, NULL, THREADS), 0);
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .id = i,
					.host = true,
					.ops = HANDOFFS };
		cr_assert_eq(pthread_create(&w[i].tid, NULL,
					    i % 2 ? consumer : producer, &w[i]),
			     0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(w[i].tid, NULL);
		if (i % 2)
			freed += w[i].allocs;
		else
			made += w[i].allocs;
	}
	pthread_barrier_destroy(&start_line);
	expect_no_errors();
	cr_assert_eq(made, (unsigned long)THREADS / 2 * HANDOFFS);
	cr_assert_eq(freed, made);
	expect_all_returned();
}

/* ---------------------------------------------------------------- readers */

static atomic_int stop_readers;

/* Print the introspection files over and over; check what can be checked. */
static void *reader(void *arg)
{
	unsigned long rounds = 0;

	(void)arg;
	pthread_barrier_wait(&start_line);
	while (!atomic_load(&stop_readers)) {
		char *buf = NULL, *p;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (!f) {
			fail("open_memstream");
			break;
		}
		if (uvm_show("vmallocinfo", f) || uvm_show("meminfo", f))
			fail("uvm_show failed");
		fclose(f);
		for (p = buf; p && *p == '0'; p = strchr(p, '\n') + 1) {
			unsigned long start, end;
			char line[256];
			long size;

			snprintf(line, sizeof(line), "%.*s",
				 (int)strcspn(p, "\n"), p);
			if (sscanf(line, "0x%lx-0x%lx %ld", &start, &end,
				   &size) != 3 ||
			    (unsigned long)size != end - start ||
			    (!strstr(line, " vmalloc") &&
			     !strstr(line, " unpurged vm_area") &&
			     !strstr(line, " vm_map_ram"))) {
				fail("bad vmallocinfo line: %.80s", line);
				break;
			}
		}
		if (!buf || !strstr(buf, "VmallocUsed:"))
			fail("no VmallocUsed in meminfo");
		free(buf);
		rounds++;
	}
	return (void *)rounds;
}

/* Workers that also make areas large enough to vmalloc their pages array. */
static void *big_churn(void *arg)
{
	struct worker *w = arg;
	struct trng r = { 0x777ULL * (uint64_t)(w->id + 1) };
	unsigned long op;

	pthread_barrier_wait(&start_line);
	for (op = 0; op < w->ops && !atomic_load(&nr_errs); op++) {
		unsigned long nr = trng_next(&r) % 2 ?
					   1 + trng_next(&r) % MAX_PAGES :
					   513 + trng_next(&r) % 64;
		uint64_t tag = trng_next(&r);
		char *v = vmalloc(nr * PAGE_SIZE);

		if (!v) {
			fail("thread %d: vmalloc(%lu pages) failed", w->id, nr);
			break;
		}
		mt_put(true, v, nr, tag);
		verify(true, v, nr, tag);
		/* A growth, in place or moved, while the reader looks on. */
		if (trng_next(&r) % 3 == 0) {
			unsigned long nr2 = nr + 1 + trng_next(&r) % 16;
			char *n = vrealloc(v, nr2 * PAGE_SIZE, GFP_KERNEL);

			if (!n) {
				fail("thread %d: vrealloc(%lu pages) failed",
				     w->id, nr2);
				vfree(v);
				break;
			}
			if (covered(0) && *(uint64_t *)n != word(tag, 0))
				fail("thread %d: vrealloc lost the data",
				     w->id);
			v = n;
			nr = nr2;
			tag = trng_next(&r);
			mt_put(true, v, nr, tag);
			verify(true, v, nr, tag);
		}
		vfree(v);
		w->allocs++;
	}
	return NULL;
}

Test(mt_vmalloc, readers)
{
	struct worker w[THREADS];
	pthread_t rd;
	void *rounds;
	int i;

	boot("mem=256M lazy_max_pages=2048", count_sink);
	atomic_store(&stop_readers, 0);
	cr_assert_eq(pthread_barrier_init(&start_line, NULL, THREADS + 1), 0);
	cr_assert_eq(pthread_create(&rd, NULL, reader, NULL), 0);
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .id = i, .host = true, .ops = 400 };
		cr_assert_eq(pthread_create(&w[i].tid, NULL, big_churn, &w[i]),
			     0);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(w[i].tid, NULL);
	atomic_store(&stop_readers, 1);
	pthread_join(rd, &rounds);
	pthread_barrier_destroy(&start_line);
	expect_no_errors();
	cr_assert_gt((unsigned long)rounds, 0);
	expect_all_returned();
}

/* ------------------------------------------------------- racing frees */

#define RACES 3000

static char *race_v;

static void *race_free(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < RACES; i++) {
		pthread_barrier_wait(&start_line); /* an area is ready */
		vfree(race_v);
		pthread_barrier_wait(&start_line); /* both have freed it */
	}
	return NULL;
}

static atomic_ulong race_nonexistent, race_other;

/* Count the expected warning apart from any other line. */
static void race_sink(int level, const char *line, void *arg)
{
	(void)arg;
	if (strstr(line, "Trying to vfree() nonexistent vm area"))
		atomic_fetch_add(&race_nonexistent, 1);
	else if (level <= UVM_LOG_WARNING)
		if (!atomic_fetch_add(&race_other, 1))
			fail("logged: %s", line);
}

/*
 * Two threads vfree() the same area at the same moment, RACES times: one
 * frees it, the other gets the one warning, exactly as a second vfree()
 * after the first would; nothing else is printed or changed.
 */
static void racing_double_free(const char *cmdline)
{
	pthread_t t;
	int i;

	boot(cmdline, race_sink);
	atomic_store(&race_nonexistent, 0);
	atomic_store(&race_other, 0);
	cr_assert_eq(pthread_barrier_init(&start_line, NULL, 2), 0);
	cr_assert_eq(pthread_create(&t, NULL, race_free, NULL), 0);
	for (i = 0; i < RACES; i++) {
		race_v = vmalloc(2 * PAGE_SIZE);
		cr_assert_not_null(race_v);
		race_v[0] = 1;
		pthread_barrier_wait(&start_line);
		vfree(race_v);
		pthread_barrier_wait(&start_line);
		/* Each race may print its line: no rate limit drops it. */
		uvm_log_reset_ratelimit();
	}
	pthread_join(t, NULL);
	pthread_barrier_destroy(&start_line);
	cr_assert_eq(atomic_load(&race_other), 0, "%lu other warnings: %s",
		     atomic_load(&race_other), first_err);
	cr_assert_eq(atomic_load(&race_nonexistent), RACES,
		     "%lu warnings for %d double frees",
		     atomic_load(&race_nonexistent), RACES);
	cr_assert_eq(uvm_check(), 0);
	cr_assert_eq(vmalloc_nr_pages_kb(), 0);
	expect_all_returned();
}

Test(mt_vmalloc, racing_double_free)
{
	racing_double_free("mem=64M");
}

Test(mt_vmalloc, racing_double_free_eager)
{
	racing_double_free("mem=64M lazy=0");
}
