/* SPDX-License-Identifier: MIT */
/*
 * uvmalloc insmod FILE.c|FILE.so [param=value ...] and uvmalloc modinfo.
 *
 * A source is first checked for <linux/...> headers the module headers do
 * not provide (the host's /usr/include/linux has unrelated user-space
 * headers of the same names, which must never be picked up silently), then
 * built with the system compiler into a shared object kept in a cache
 * under a hash of everything that went into it. The module is loaded, its
 * parameters set, and its init run on a thread of its own while this one
 * waits (so that a module that never returns meets --timeout); its log is
 * printed as dmesg prints it. A fault is reported like an oops.
 */
#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/vmalloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <uvmalloc.h>

#include "insmod.h"
#include "lib/symbol.h"

#define PROG "uvmalloc"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2
};

struct insmod_opts {
	const char *file;
	const char *cmdline;
	bool debug;	  /* -g */
	bool time;	  /* --time */
	int loglevel;	  /* print levels below it */
	double timeout_s; /* 0: none */
	int nr_params;
	char **params;
	int nr_cflags;
	char **cflags; /* -D and -I words, passed to the compiler */
	char modname[64];
};

static struct insmod_opts opts = { .loglevel = 7 };
static struct timespec start_ts;

/* ------------------------------------------------------------ messages */

static void fail_line(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail_line(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },	      { ENOENT, "ENOENT" },
		{ EINTR, "EINTR" },	      { EIO, "EIO" },
		{ ENXIO, "ENXIO" },	      { E2BIG, "E2BIG" },
		{ EBADF, "EBADF" },	      { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" },	      { EACCES, "EACCES" },
		{ EFAULT, "EFAULT" },	      { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" },	      { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" },	      { ENOSPC, "ENOSPC" },
		{ ERANGE, "ERANGE" },	      { ENOSYS, "ENOSYS" },
		{ ETIMEDOUT, "ETIMEDOUT" },   { EOVERFLOW, "EOVERFLOW" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { 524, "ENOTSUPP" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	return NULL;
}

/* The log: dmesg's shape, [seconds] first with --time, levels filtered. */
static void log_sink(int level, const char *line, void *arg)
{
	struct timespec now;
	char buf[1200];
	int n = 0;

	(void)arg;
	if (level >= opts.loglevel)
		return;
	if (opts.time) {
		double t;

		clock_gettime(CLOCK_MONOTONIC, &now);
		t = (double)(now.tv_sec - start_ts.tv_sec) +
		    (double)(now.tv_nsec - start_ts.tv_nsec) / 1e9;
		n = snprintf(buf, sizeof(buf), "[%12.6f] ", t);
	}
	snprintf(buf + n, sizeof(buf) - (size_t)n, "%s\n", line);
	/* One write per line, so that threads' lines never interleave. */
	if (write(STDOUT_FILENO, buf, strlen(buf)) < 0)
		return;
}

/* ------------------------------------------------------ finding headers */

static char include_root[PATH_MAX]; /* holds uvmalloc/kmod/linux */

/*
 * Installed, the headers are at PREFIX/include next to PREFIX/bin; in the
 * build tree they are the source tree's.
 */
static int find_include_root(void)
{
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	struct stat st;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(probe, sizeof(probe),
				 "%s/../include/uvmalloc/kmod/linux/module.h",
				 exe);
			if (!stat(probe, &st)) {
				if (snprintf(include_root, sizeof(include_root),
					     "%s/../include",
					     exe) >= (int)sizeof(include_root))
					return -1;
				return 0;
			}
		}
	}
	snprintf(probe, sizeof(probe), "%s/uvmalloc/kmod/linux/module.h",
		 UVM_SOURCE_INCLUDE_DIR);
	if (!stat(probe, &st)) {
		snprintf(include_root, sizeof(include_root), "%s",
			 UVM_SOURCE_INCLUDE_DIR);
		return 0;
	}
	return -1;
}

static bool header_provided(const char *name)
{
	static const char *const dirs[] = { "uvmalloc/kmod", "uvmalloc" };
	char path[PATH_MAX * 2];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", include_root, dirs[i],
			 name);
		if (!stat(path, &st))
			return true;
	}
	return false;
}

/*
 * Every #include <linux/...> or <asm/...> of @path, and of the quoted
 * headers it includes from its own folder, must be one we provide.
 * Returns 0, or -1 after one line naming the header.
 */
static int check_headers(const char *path, int depth)
{
	char line[4096], dir[PATH_MAX];
	const char *slash;
	FILE *f;
	int lineno = 0, bad = 0;

	if (depth > 8)
		return 0;
	f = fopen(path, "r");
	if (!f)
		return 0; /* the compiler will say why */
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	while (!bad && fgets(line, sizeof(line), f)) {
		char name[256], *p = line;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '#')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "include", 7))
			continue;
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		if (sscanf(p, "<%255[^>]>", name) == 1) {
			if ((!strncmp(name, "linux/", 6) ||
			     !strncmp(name, "asm/", 4)) &&
			    !header_provided(name)) {
				fail_line(
					"insmod",
					"%s:%d: <%s> is not a header uvmalloc provides for modules "
					"(the host's /usr/include/%s is an unrelated user-space header); "
					"see %s/uvmalloc/kmod/linux for those there are",
					path, lineno, name, name, include_root);
				bad = 1;
			}
		} else if (sscanf(p, "\"%255[^\"]\"", name) == 1) {
			char sub[PATH_MAX * 2];

			snprintf(sub, sizeof(sub), "%s/%s", dir, name);
			bad = check_headers(sub, depth + 1) ? 1 : 0;
		}
	}
	fclose(f);
	return bad ? -1 : 0;
}

/* ------------------------------------------------------------ building */

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t hash_file(uint64_t h, const char *path)
{
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return h;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		h = fnv1a(h, buf, n);
	fclose(f);
	return h;
}

/* The newest change to the module headers, so that editing one rebuilds. */
static uint64_t hash_headers(uint64_t h)
{
	char path[PATH_MAX + 32];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/uvmalloc/kmod/linux", include_root);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		char f[PATH_MAX * 2];
		struct stat st;

		snprintf(f, sizeof(f), "%s/%s", path, de->d_name);
		if (!stat(f, &st)) {
			h = fnv1a(h, de->d_name, strlen(de->d_name));
			h = fnv1a(h, &st.st_mtim, sizeof(st.st_mtim));
		}
	}
	if (d)
		closedir(d);
	return h;
}

static int make_dirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0755) && errno != EEXIST ? -1 : 0;
}

static int cache_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && *xdg)
		snprintf(buf, len, "%s/uvmalloc/modules", xdg);
	else if (home && *home)
		snprintf(buf, len, "%s/.cache/uvmalloc/modules", home);
	else
		snprintf(buf, len, "/tmp/uvmalloc-%d/modules", (int)getuid());
	return make_dirs(buf);
}

/* Build @src into @so (a cached path); 0, or -1 after the compiler spoke. */
static int build_module(const char *src, char *so, size_t solen)
{
	const char *cc = getenv("CC");
	char dir[PATH_MAX], tmp[PATH_MAX + 64], modname_def[128];
	char inc_kmod[PATH_MAX + 32], inc_pub[PATH_MAX + 32], inc[PATH_MAX + 8];
	const char *argv[64];
	uint64_t h = 0xcbf29ce484222325ULL;
	struct stat st;
	int argc = 0, status;
	pid_t pid;

	if (!cc || !*cc)
		cc = "cc";
	snprintf(inc_kmod, sizeof(inc_kmod), "-I%s/uvmalloc/kmod",
		 include_root);
	snprintf(inc_pub, sizeof(inc_pub), "-I%s/uvmalloc", include_root);
	snprintf(inc, sizeof(inc), "-I%s", include_root);
	snprintf(modname_def, sizeof(modname_def), "-DKBUILD_MODNAME=\"%s\"",
		 opts.modname);

	argv[argc++] = cc;
	argv[argc++] = "-std=gnu11";
	argv[argc++] = "-shared";
	argv[argc++] = "-fPIC";
	argv[argc++] = opts.debug ? "-Og" : "-O2";
	argv[argc++] = opts.debug ? "-g3" : "-g1";
	argv[argc++] = "-fno-omit-frame-pointer";
	argv[argc++] = "-Wall";
	argv[argc++] = "-Wno-unused-function";
	argv[argc++] = "-D_GNU_SOURCE";
	argv[argc++] = "-D__KERNEL__";
	argv[argc++] = "-DMODULE";
	argv[argc++] = modname_def;
	argv[argc++] = inc_kmod;
	argv[argc++] = inc_pub;
	argv[argc++] = inc;
	for (int i = 0; i < opts.nr_cflags && argc < 56; i++)
		argv[argc++] = opts.cflags[i];

	h = hash_file(h, src);
	h = hash_headers(h);
	h = fnv1a(h, cc, strlen(cc));
	for (int i = 1; i < argc; i++)
		h = fnv1a(h, argv[i], strlen(argv[i]) + 1);
	h = fnv1a(h, UVM_VERSION_STRING, sizeof(UVM_VERSION_STRING));

	if (cache_dir(dir, sizeof(dir))) {
		fail_line("insmod", "cannot make the module cache %s: %s", dir,
			  strerror(errno));
		return -1;
	}
	snprintf(so, solen, "%s/%s-%016llx.so", dir, opts.modname,
		 (unsigned long long)h);
	if (!stat(so, &st))
		return 0;

	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", so, (int)getpid()) >=
	    (int)sizeof(tmp)) {
		fail_line("insmod", "the module cache path is too long: %s",
			  so);
		return -1;
	}
	argv[argc++] = "-o";
	argv[argc++] = tmp;
	argv[argc++] = src;
	argv[argc] = NULL;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fail_line("insmod", "fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		/* The compiler's own messages go to stderr, as they are. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(cc, (char *const *)argv);
		fprintf(stderr,
			PROG ": insmod: cannot run the compiler '%s': %s\n", cc,
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		unlink(tmp);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			return -1;
		fail_line("insmod",
			  "%s: the compiler failed (%s %d); nothing was loaded",
			  src, WIFEXITED(status) ? "exit status" : "signal",
			  WIFEXITED(status) ? WEXITSTATUS(status) :
					      WTERMSIG(status));
		return -1;
	}
	if (rename(tmp, so)) {
		fail_line("insmod", "cannot store %s: %s", so, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- faults */

static const char *fatal_name(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	case SIGFPE:
		return "SIGFPE";
	case SIGILL:
		return "SIGILL";
	case SIGABRT:
		return "SIGABRT";
	}
	return "signal";
}

/*
 * An oops: what was touched, whether it is a guard page and of which area,
 * where the module was, and its call trace. The process is going down;
 * the report may take locks (a watchdog alarm ends it if one is stuck).
 */
static void fatal_handler(int sig, siginfo_t *si, void *uctx)
{
	ucontext_t *uc = uctx;
	void *frames[32];
	char line[512], area[512];
	unsigned long addr = (unsigned long)si->si_addr;
	unsigned long ip = 0, err = 0;
	int n, i, kind;

	signal(SIGALRM, SIG_DFL);
	alarm(5);
#if defined(__x86_64__)
	ip = (unsigned long)uc->uc_mcontext.gregs[REG_RIP];
	err = (unsigned long)uc->uc_mcontext.gregs[REG_ERR];
#else
	(void)uc;
#endif
	if (sig == SIGSEGV || sig == SIGBUS) {
		printf("BUG: unable to handle page fault for address: %016lx\n",
		       addr);
		printf("#PF: %s access in kernel mode\n",
		       (err & 2)  ? "write" :
		       (err & 16) ? "instruction fetch" :
				    "read");
		printf("#PF: error_code(0x%04lx) - %s\n", err,
		       (err & 1) ? "permissions violation" :
				   "not-present page");
		kind = uvm_addr_describe(addr, area, sizeof(area));
		if (kind == UVM_ADDR_GUARD)
			printf("the address is in the guard page of the vmalloc area:\n  %s\n",
			       area);
		else if (kind == UVM_ADDR_INSIDE)
			printf("the address is inside the vmalloc area:\n  %s\n",
			       area);
		else if (kind == UVM_ADDR_FREED)
			printf("the address is in a vfree()d area not purged yet (a use after free):\n  %s\n",
			       area);
		else if (is_vmalloc_addr((void *)addr))
			printf("the address is in the vmalloc window, in no area\n");
		else
			printf("the address is outside the vmalloc window\n");
		printf("Oops: %04lx [#1] SMP\n", err);
	} else {
		printf("Oops: %s [#1] SMP\n", fatal_name(sig));
	}
	if (ip) {
		uvm_format_caller((void *)ip, line, sizeof(line));
		printf("RIP: %s\n", line);
	}
	printf("Call Trace:\n <TASK>\n");
	n = 0;
#if defined(__x86_64__)
	{
		/*
		 * Modules are built with frame pointers: follow the chain from
		 * the faulting frame, while it climbs the stack sanely.
		 */
		unsigned long *fp =
			(unsigned long *)uc->uc_mcontext.gregs[REG_RBP];

		while (n < 32 && fp && !((unsigned long)fp & 7)) {
			unsigned long *next = (unsigned long *)fp[0];

			if (!fp[1])
				break;
			frames[n++] = (void *)fp[1];
			if (next <= fp ||
			    (unsigned long)(next - fp) > (8UL << 20))
				break;
			fp = next;
		}
	}
#endif
	if (!n)
		n = backtrace(frames, 32);
	for (i = 0; i < n; i++) {
		uvm_format_caller(frames[i], line, sizeof(line));
		printf(" %s\n", line);
	}
	printf(" </TASK>\n---[ end trace 0000000000000000 ]---\n");
	fflush(stdout);
	fprintf(stderr, PROG ": insmod: %s: the module crashed (%s)\n",
		opts.file, fatal_name(sig));
	_exit(EXIT_FAIL);
}

static void catch_faults(void)
{
	static char altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	size_t i;

	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fatal_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ------------------------------------------------------------- running */

struct init_run {
	struct uvm_module *mod;
	int ret;
	bool done;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *init_thread(void *arg)
{
	struct init_run *r = arg;
	int ret = uvm_module_run_init(r->mod);

	pthread_mutex_lock(&r->lock);
	r->ret = ret;
	r->done = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* init on its own thread; false when --timeout ran out first. */
static bool run_init(struct uvm_module *mod, int *ret)
{
	struct init_run r = { .mod = mod, .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_condattr_t attr;
	pthread_attr_t tattr;
	struct timespec deadline;
	pthread_t t;
	bool done;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r.cond, &attr);
	pthread_attr_init(&tattr);
	/* A kernel stack is small, but modules here call the C library. */
	pthread_attr_setstacksize(&tattr, 8 << 20);
	if (pthread_create(&t, &tattr, init_thread, &r)) {
		*ret = uvm_module_run_init(mod);
		return true;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	if (opts.timeout_s > 0) {
		double s = opts.timeout_s;
		long long ns = deadline.tv_nsec +
			       (long long)((s - (long long)s) * 1e9);

		deadline.tv_sec += (time_t)s + ns / 1000000000LL;
		deadline.tv_nsec = ns % 1000000000LL;
	}
	pthread_mutex_lock(&r.lock);
	while (!r.done) {
		if (opts.timeout_s <= 0)
			pthread_cond_wait(&r.cond, &r.lock);
		else if (pthread_cond_timedwait(&r.cond, &r.lock, &deadline) ==
			 ETIMEDOUT)
			break;
	}
	done = r.done;
	*ret = r.ret;
	pthread_mutex_unlock(&r.lock);
	if (done)
		pthread_join(t, NULL);
	return done;
}

/* The vmallocinfo lines naming the module: the areas it left behind. */
static int report_leaks(const char *modname)
{
	char *buf = NULL, *line, *save, tag[80];
	size_t len = 0;
	int leaks = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return 0;
	uvm_show("vmallocinfo", f);
	fclose(f);
	snprintf(tag, sizeof(tag), " [%s]", modname);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, tag))
			continue;
		if (!leaks++)
			fprintf(stderr,
				PROG
				": insmod: %s: areas the module left allocated (vmallocinfo):\n",
				modname);
		fprintf(stderr, "  %s\n", line);
	}
	if (leaks)
		fprintf(stderr, PROG ": insmod: %s: %d area%s leaked\n",
			modname, leaks, leaks == 1 ? "" : "s");
	free(buf);
	return leaks;
}

static void list_params(FILE *out, struct uvm_module *mod)
{
	struct uvm_module_param p;
	int i, n = uvm_module_nr_params(mod);

	if (!n) {
		fprintf(out, "(the module has no parameters)");
		return;
	}
	for (i = 0; i < n; i++) {
		uvm_module_param_at(mod, i, &p);
		fprintf(out, "%s%s:%s", i ? " " : "", p.name, p.type);
	}
}

static int set_params(struct uvm_module *mod)
{
	int i;

	for (i = 0; i < opts.nr_params; i++) {
		char *arg = opts.params[i], *eq = strchr(arg, '=');
		char name[128];
		const char *value = eq ? eq + 1 : "";
		int err;

		snprintf(name, sizeof(name), "%.*s",
			 eq ? (int)(eq - arg) : (int)strlen(arg), arg);
		err = uvm_module_set_param(mod, name, value);
		if (err == -ENOENT) {
			fprintf(stderr,
				PROG
				": insmod: %s: unknown parameter '%s' (parameters: ",
				opts.modname, name);
			list_params(stderr, mod);
			fprintf(stderr, ")\n");
			return EXIT_USAGE;
		}
		if (err) {
			struct uvm_module_param p = { 0 };
			int j;

			for (j = 0; j < uvm_module_nr_params(mod); j++) {
				uvm_module_param_at(mod, j, &p);
				if (!strcmp(p.name, name))
					break;
			}
			fprintf(stderr,
				PROG
				": insmod: %s: '%s' invalid for parameter '%s' (%s %s)\n",
				opts.modname, value, name, p.type,
				err == -ERANGE ? "out of range" : "expected");
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

static void modname_of(const char *file, char *buf, size_t len)
{
	const char *base = strrchr(file, '/');
	size_t n, i;

	base = base ? base + 1 : file;
	n = strcspn(base, ".");
	snprintf(buf, len, "%.*s", (int)n, base);
	for (i = 0; buf[i]; i++)
		if (buf[i] == '-')
			buf[i] = '_';
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Parse the words after the command; EXIT_OK or a misuse's status. */
static int parse_args(const char *cmd, int argc, char **argv, bool insmod)
{
	int i;

	opts.params = calloc((size_t)argc + 1, sizeof(char *));
	opts.cflags = calloc((size_t)argc + 1, sizeof(char *));
	if (!opts.params || !opts.cflags)
		return EXIT_FAIL;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (insmod && !strcmp(a, "-g")) {
			opts.debug = true;
		} else if (insmod && !strcmp(a, "--time")) {
			opts.time = true;
		} else if (!strcmp(a, "-b")) {
			if (++i >= argc) {
				fail_line(
					cmd,
					"option '-b' needs boot options, e.g. -b \"mem=1G\"");
				return EXIT_USAGE;
			}
			opts.cmdline = argv[i];
		} else if (insmod && !strncmp(a, "--timeout=", 10)) {
			char *end;

			opts.timeout_s = strtod(a + 10, &end);
			if (end == a + 10 || *end || opts.timeout_s <= 0 ||
			    opts.timeout_s > 86400) {
				fail_line(
					cmd,
					"'%s': the timeout is seconds, above 0 and at most 86400",
					a);
				return EXIT_USAGE;
			}
		} else if (insmod && !strncmp(a, "--loglevel=", 11)) {
			char *end;
			long v = strtol(a + 11, &end, 10);

			if (end == a + 11 || *end || v < 0 || v > 8) {
				fail_line(
					cmd,
					"'%s': the console log level is 0..8 (levels below it print)",
					a);
				return EXIT_USAGE;
			}
			opts.loglevel = (int)v;
		} else if ((!strncmp(a, "-D", 2) || !strncmp(a, "-I", 2)) &&
			   a[2]) {
			opts.cflags[opts.nr_cflags++] = argv[i];
		} else if (a[0] == '-' && a[1]) {
			fail_line(cmd,
				  "unknown option '%s' (see '" PROG
				  " %s --help')",
				  a, cmd);
			return EXIT_USAGE;
		} else if (!opts.file) {
			opts.file = a;
		} else if (insmod && strchr(a, '=')) {
			opts.params[opts.nr_params++] = argv[i];
		} else if (insmod) {
			fail_line(cmd, "'%s' is not param=value", a);
			return EXIT_USAGE;
		} else {
			fail_line(cmd, "unexpected argument '%s'", a);
			return EXIT_USAGE;
		}
	}
	if (!opts.file) {
		fail_line(cmd,
			  "missing FILE (a module source FILE.c, or FILE.so)");
		return EXIT_USAGE;
	}
	if (!ends_with(opts.file, ".c") && !ends_with(opts.file, ".so")) {
		fail_line(
			cmd,
			"'%s' is neither a module source (.c) nor a built module (.so)",
			opts.file);
		return EXIT_USAGE;
	}
	if (access(opts.file, R_OK)) {
		fail_line(cmd, "%s: %s", opts.file, strerror(errno));
		return EXIT_FAIL;
	}
	modname_of(opts.file, opts.modname, sizeof(opts.modname));
	return EXIT_OK;
}

/* Build (if a source) and load; the module, or NULL after one line. */
static struct uvm_module *get_module(const char *cmd, const char *cmdline)
{
	char so[PATH_MAX * 2], err[512];
	struct uvm_module *mod;
	const char *boot = opts.cmdline ? opts.cmdline : cmdline;

	if (find_include_root()) {
		fail_line(
			cmd,
			"the module headers are not installed (looked for include/uvmalloc/kmod)");
		return NULL;
	}
	if (ends_with(opts.file, ".c")) {
		if (check_headers(opts.file, 0) ||
		    build_module(opts.file, so, sizeof(so)))
			return NULL;
	} else {
		snprintf(so, sizeof(so), "%s%s",
			 strchr(opts.file, '/') ? "" : "./", opts.file);
	}
	if (uvm_boot(boot)) {
		fail_line(cmd, "the boot failed (the library said why above)");
		return NULL;
	}
	mod = uvm_module_load(so, opts.modname, err, sizeof(err));
	if (!mod)
		fail_line(cmd, "%s: cannot load the module: %s", opts.file,
			  err);
	return mod;
}

int insmod_main(const char *cmdline, int argc, char **argv)
{
	struct uvm_module *mod;
	int status, ret;

	clock_gettime(CLOCK_MONOTONIC, &start_ts);
	status = parse_args("insmod", argc, argv, true);
	if (status)
		return status;
	uvm_set_log(log_sink, NULL);
	mod = get_module("insmod", cmdline);
	if (!mod)
		return EXIT_FAIL;
	if (!uvm_module_has_init(mod)) {
		fail_line("insmod",
			  "%s: the module has no init function (module_init())",
			  opts.file);
		uvm_module_unload(mod);
		return EXIT_FAIL;
	}
	status = set_params(mod);
	if (status) {
		uvm_module_unload(mod);
		return status;
	}
	catch_faults();
	if (!run_init(mod, &ret)) {
		fflush(stdout);
		fail_line(
			"insmod",
			"%s: init did not return within %g s (--timeout); the module is left running and the program ends",
			opts.modname, opts.timeout_s);
		_exit(EXIT_FAIL);
	}
	if (ret == 0 && uvm_module_has_exit(mod))
		uvm_module_run_exit(mod);
	vm_unmap_aliases();
	status = report_leaks(opts.modname) ? EXIT_FAIL : EXIT_OK;
	if (ret && ret != -EAGAIN) {
		const char *name = ret < 0 ? errno_name(-ret) : NULL;

		fail_line("insmod",
			  "ERROR: could not insert module %s: %s (%d%s%s)",
			  opts.file,
			  ret < 0 ? strerror(-ret) :
				    "init returned a positive value",
			  ret, name ? ", -" : "", name ? name : "");
		status = EXIT_FAIL;
	}
	uvm_module_unload(mod);
	return status;
}

int modinfo_main(const char *cmdline, int argc, char **argv)
{
	struct uvm_module *mod;
	struct uvm_module_param p;
	const char *tag, *value;
	int status, i;

	status = parse_args("modinfo", argc, argv, false);
	if (status)
		return status;
	mod = get_module("modinfo", cmdline);
	if (!mod)
		return EXIT_FAIL;
	printf("%-16s%s\n", "filename:", opts.file);
	printf("%-16s%s\n", "name:", opts.modname);
	for (i = 0; uvm_module_info_at(mod, i, &tag, &value) == 0; i++) {
		char key[40];

		snprintf(key, sizeof(key), "%s:", tag);
		printf("%-16s%s\n", key, value);
	}
	printf("%-16s%s\n",
	       "init:", uvm_module_has_init(mod) ? "yes" : "no (not loadable)");
	printf("%-16s%s\n", "exit:", uvm_module_has_exit(mod) ? "yes" : "no");
	for (i = 0; uvm_module_param_at(mod, i, &p) == 0; i++) {
		printf("%-16s%s:", "parm:", p.name);
		if (p.desc) {
			const char *d;

			/* Continuation lines of a description, indented. */
			putchar(' ');
			for (d = p.desc; *d; d++) {
				putchar(*d);
				if (*d == '\n' && d[1])
					printf("%16s", "");
			}
			if (d > p.desc && d[-1] == '\n')
				printf("%16s", "");
			else
				putchar(' ');
		} else {
			putchar(' ');
		}
		printf("(%s, default %s, mode %04o)\n", p.type, p.initial,
		       p.perm);
	}
	uvm_module_unload(mod);
	return EXIT_OK;
}
