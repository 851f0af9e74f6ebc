/* SPDX-License-Identifier: MIT */
/*
 * Red-black tree inserts and erases against glibc's tsearch() and a sorted
 * array, in one run.
 *
 *   bench_rbtree [-n MAX_N] [-r ROUNDS]
 *
 * For N = 1e3, 1e4, ... up to MAX_N (default 1e6; 1e5 when UVM_BENCH_BRIEF
 * is set): insert N random keys, then erase them all in another random
 * order. Columns, in nanoseconds per operation (best of ROUNDS rounds):
 *
 *   rb       rb_link_node() + rb_insert_color(), rb_erase()
 *   rb+aug   the same with a subtree maximum kept (rb_insert_augmented(),
 *            rb_erase_augmented() and RB_DECLARE_CALLBACKS_MAX())
 *   tsearch  glibc's tsearch()/tdelete() (also a red-black tree, but one
 *            that allocates its nodes and compares through a callback)
 *   array    binary search + memmove in a sorted array (N <= 1e5 only)
 *
 * Each ratio is rb's insert+erase time over the peer's (below 1.0 means
 * faster than the peer).
 */
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "lib/rbtree.h"

struct item {
	struct rb_node rb;
	unsigned long key;
	unsigned long size;
	unsigned long subtree_max_size;
};

static inline unsigned long item_size(const struct item *it)
{
	return it->size;
}

RB_DECLARE_CALLBACKS_MAX(static, item_augment, struct item, rb, unsigned long,
			 subtree_max_size, item_size);

static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned long rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned long)(rng_state * 0x2545f4914f6cdd1dULL);
}

/* One workload: N distinct keys, an insert order and an erase order. */
struct workload {
	long n;
	struct item *items;   /* in insert order */
	long *erase_order;    /* indices into items */
	unsigned long *array; /* the sorted-array peer's storage */
};

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return (x > y) - (x < y);
}

static void shuffle(long *v, long n)
{
	long i;

	for (i = n - 1; i > 0; i--) {
		long j = (long)(rng_next() % (unsigned long)(i + 1)), t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

static int workload_init(struct workload *w, long n)
{
	unsigned long *keys;
	long i, j;

	w->n = n;
	w->items = calloc(n, sizeof(*w->items));
	w->erase_order = calloc(n, sizeof(long));
	w->array = calloc(n, sizeof(unsigned long));
	keys = calloc(n, sizeof(unsigned long));
	if (!w->items || !w->erase_order || !w->array || !keys) {
		free(keys);
		return -1;
	}
	/* Distinct keys: draw, sort, drop duplicates, top up, repeat. */
	for (i = 0; i < n;) {
		while (i < n)
			keys[i++] = rng_next() >> 1;
		qsort(keys, n, sizeof(*keys), cmp_ulong);
		for (i = j = 1; j < n; j++)
			if (keys[j] != keys[i - 1])
				keys[i++] = keys[j];
	}
	for (i = 0; i < n; i++)
		w->erase_order[i] = i;
	shuffle(w->erase_order, n);
	for (i = 0; i < n; i++) {
		w->items[i].key = keys[w->erase_order[i]];
		w->items[i].size = rng_next() % 65536;
	}
	shuffle(w->erase_order, n);
	free(keys);
	return 0;
}

static void workload_fini(struct workload *w)
{
	free(w->items);
	free(w->erase_order);
	free(w->array);
}

/* Keeps results alive. */
static volatile unsigned long sink;

static void rb_run(struct workload *w, bool aug, double *ins, double *del)
{
	struct rb_root root = RB_ROOT;
	double t0, t1, t2;
	long i;

	t0 = now_ns();
	for (i = 0; i < w->n; i++) {
		struct item *it = &w->items[i];
		struct rb_node **link = &root.rb_node, *parent = NULL;

		while (*link) {
			parent = *link;
			if (it->key < rb_entry(parent, struct item, rb)->key)
				link = &parent->rb_left;
			else
				link = &parent->rb_right;
		}
		rb_link_node(&it->rb, parent, link);
		if (aug) {
			it->subtree_max_size = it->size;
			rb_insert_augmented(&it->rb, &root, &item_augment);
		} else {
			rb_insert_color(&it->rb, &root);
		}
	}
	t1 = now_ns();
	sink = rb_entry(root.rb_node, struct item, rb)->subtree_max_size;
	for (i = 0; i < w->n; i++) {
		struct item *it = &w->items[w->erase_order[i]];

		if (aug)
			rb_erase_augmented(&it->rb, &root, &item_augment);
		else
			rb_erase(&it->rb, &root);
	}
	t2 = now_ns();
	sink = (unsigned long)root.rb_node;
	*ins = (t1 - t0) / w->n;
	*del = (t2 - t1) / w->n;
}

static void tsearch_run(struct workload *w, double *ins, double *del)
{
	void *root = NULL;
	double t0, t1, t2;
	long i;

	t0 = now_ns();
	for (i = 0; i < w->n; i++)
		sink = (unsigned long)tsearch(&w->items[i].key, &root,
					      cmp_ulong);
	t1 = now_ns();
	for (i = 0; i < w->n; i++)
		sink = (unsigned long)tdelete(&w->items[w->erase_order[i]].key,
					      &root, cmp_ulong);
	t2 = now_ns();
	*ins = (t1 - t0) / w->n;
	*del = (t2 - t1) / w->n;
}

static long lower_bound(const unsigned long *a, long n, unsigned long key)
{
	long lo = 0, hi = n;

	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;

		if (a[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void array_run(struct workload *w, double *ins, double *del)
{
	unsigned long *a = w->array;
	double t0, t1, t2;
	long i, n = 0;

	t0 = now_ns();
	for (i = 0; i < w->n; i++) {
		unsigned long key = w->items[i].key;
		long pos = lower_bound(a, n, key);

		memmove(&a[pos + 1], &a[pos], (n - pos) * sizeof(*a));
		a[pos] = key;
		n++;
	}
	t1 = now_ns();
	for (i = 0; i < w->n; i++) {
		unsigned long key = w->items[w->erase_order[i]].key;
		long pos = lower_bound(a, n, key);

		memmove(&a[pos], &a[pos + 1], (n - pos - 1) * sizeof(*a));
		n--;
	}
	t2 = now_ns();
	sink = (unsigned long)n;
	*ins = (t1 - t0) / w->n;
	*del = (t2 - t1) / w->n;
}

struct result {
	double ins, del;
};

enum {
	RB,
	RB_AUG,
	TSEARCH,
	ARRAY,
	NR_PEERS
};

static void best(struct result *r, double ins, double del)
{
	if (ins + del < r->ins + r->del) {
		r->ins = ins;
		r->del = del;
	}
}

int main(int argc, char **argv)
{
	bool brief = getenv("UVM_BENCH_BRIEF") != NULL;
	long max_n = brief ? 100000 : 1000000;
	int rounds = brief ? 3 : 5, opt;
	long n;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		switch (opt) {
		case 'n':
			max_n = atol(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: bench_rbtree [-n MAX_N] [-r ROUNDS]\n");
			return 2;
		}
	}
	if (max_n < 1000 || rounds < 1) {
		fprintf(stderr, "bench_rbtree: MAX_N >= 1000, ROUNDS >= 1\n");
		return 2;
	}

	printf("rbtree: insert N random keys, erase them in another order; ns/op, best of %d\n",
	       rounds);
	printf("%8s %13s %13s %13s %13s %9s %9s %9s\n", "N", "rb ins/del",
	       "rb+aug", "tsearch", "array", "aug/rb", "rb/tsrch", "rb/array");
	for (n = 1000; n <= max_n; n *= 10) {
		struct result res[NR_PEERS];
		struct workload w;
		bool with_array = n <= 100000;
		double ins, del, rb_total;
		int r, p;

		if (workload_init(&w, n)) {
			fprintf(stderr, "bench_rbtree: out of memory\n");
			workload_fini(&w);
			return 1;
		}
		for (p = 0; p < NR_PEERS; p++)
			res[p].ins = res[p].del = 1e30;
		for (r = 0; r < rounds; r++) {
			rb_run(&w, false, &ins, &del);
			best(&res[RB], ins, del);
			rb_run(&w, true, &ins, &del);
			best(&res[RB_AUG], ins, del);
			tsearch_run(&w, &ins, &del);
			best(&res[TSEARCH], ins, del);
			if (with_array) {
				array_run(&w, &ins, &del);
				best(&res[ARRAY], ins, del);
			}
		}
		rb_total = res[RB].ins + res[RB].del;
		printf("%8ld %6.1f/%6.1f %6.1f/%6.1f %6.1f/%6.1f", n,
		       res[RB].ins, res[RB].del, res[RB_AUG].ins,
		       res[RB_AUG].del, res[TSEARCH].ins, res[TSEARCH].del);
		if (with_array)
			printf(" %6.0f/%6.0f", res[ARRAY].ins, res[ARRAY].del);
		else
			printf(" %13s", "-");
		printf(" %9.2f %9.2f",
		       (res[RB_AUG].ins + res[RB_AUG].del) / rb_total,
		       rb_total / (res[TSEARCH].ins + res[TSEARCH].del));
		if (with_array)
			printf(" %9.2f\n",
			       rb_total / (res[ARRAY].ins + res[ARRAY].del));
		else
			printf(" %9s\n", "-");
		workload_fini(&w);
	}
	return 0;
}
