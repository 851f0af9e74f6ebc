/* SPDX-License-Identifier: MIT */
/*
 * Loading modules: a module is a shared object built against the module
 * headers. Its module_init(), module_exit(), module_param() and MODULE_*()
 * lines are constructors that register with the module being loaded, so
 * dlopen() runs them with `loading` pointing at that module; loads are
 * serialised by load_lock for that reason. Then the loader (the uvmalloc
 * program, or any program) sets parameters and runs init and exit.
 */
#include <dlfcn.h>
#include <link.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <uvmalloc.h>

#include "kmod.h"
#include "lib/symbol.h"

#define MAX_PARAMS 64
#define MAX_INFO 32

/* How a parameter's text becomes its value, and back, by type name. */
struct param_type {
	const char *name;
	int (*set)(const char *val, void *arg);
	void (*get)(const void *arg, char *buf, size_t len);
};

struct module_param {
	const char *name;
	const struct param_type *type;
	void *arg;
	unsigned int perm;
	const char *desc;
	char initial[64]; /* its value when the module was loaded */
};

struct module_info {
	const char *tag;
	const char *value;
};

struct uvm_module {
	char name[64];
	void *handle;
	int (*init)(void);
	void (*exit)(void);
	int nr_params, nr_info;
	struct module_param params[MAX_PARAMS];
	struct module_info info[MAX_INFO];
	int nr_descs;
	struct module_info descs[MAX_PARAMS]; /* parameter name, text */
	int overflow; /* registrations past the tables' size */
	char *charp_values[MAX_PARAMS]; /* what charp parameters point to */
};

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static struct uvm_module *loading;

/* ---------------------------------------------------------- value types */

static int parse_signed(const char *val, long long lo, long long hi,
			long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(val, &end, 0);
	if (end == val || *end)
		return -EINVAL;
	if (errno || *out < lo || *out > hi)
		return -ERANGE;
	return 0;
}

static int parse_unsigned(const char *val, unsigned long long hi,
			  unsigned long long *out)
{
	char *end;

	errno = 0;
	while (*val == ' ')
		val++;
	if (*val == '-')
		return -EINVAL;
	*out = strtoull(val, &end, 0);
	if (end == val || *end)
		return -EINVAL;
	if (errno || *out > hi)
		return -ERANGE;
	return 0;
}

#define SIGNED_TYPE(tname, ctype, lo, hi)                                   \
	static int set_##tname(const char *val, void *arg)                  \
	{                                                                   \
		long long v;                                                \
		int err = parse_signed(val, lo, hi, &v);                    \
		if (!err)                                                   \
			*(ctype *)arg = (ctype)v;                           \
		return err;                                                 \
	}                                                                   \
	static void get_##tname(const void *arg, char *buf, size_t len)     \
	{                                                                   \
		snprintf(buf, len, "%lld", (long long)*(const ctype *)arg); \
	}

#define UNSIGNED_TYPE(tname, ctype, hi)                                 \
	static int set_##tname(const char *val, void *arg)              \
	{                                                               \
		unsigned long long v;                                   \
		int err = parse_unsigned(val, hi, &v);                  \
		if (!err)                                               \
			*(ctype *)arg = (ctype)v;                       \
		return err;                                             \
	}                                                               \
	static void get_##tname(const void *arg, char *buf, size_t len) \
	{                                                               \
		snprintf(buf, len, "%llu",                              \
			 (unsigned long long)*(const ctype *)arg);      \
	}

SIGNED_TYPE(short, short, SHRT_MIN, SHRT_MAX)
SIGNED_TYPE(int, int, INT_MIN, INT_MAX)
SIGNED_TYPE(long, long, LONG_MIN, LONG_MAX)
UNSIGNED_TYPE(byte, unsigned char, UCHAR_MAX)
UNSIGNED_TYPE(ushort, unsigned short, USHRT_MAX)
UNSIGNED_TYPE(uint, unsigned int, UINT_MAX)
UNSIGNED_TYPE(ulong, unsigned long, ULONG_MAX)
UNSIGNED_TYPE(ullong, unsigned long long, ULLONG_MAX)

/* The kernel's kstrtobool(): y/Y/1/on and n/N/0/off; an empty value is y. */
static int parse_bool(const char *val, bool *out)
{
	if (!*val || !strcmp(val, "1") || !strcasecmp(val, "y") ||
	    !strcasecmp(val, "yes") || !strcasecmp(val, "on") ||
	    !strcasecmp(val, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(val, "0") || !strcasecmp(val, "n") ||
	    !strcasecmp(val, "no") || !strcasecmp(val, "off") ||
	    !strcasecmp(val, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int set_bool(const char *val, void *arg)
{
	return parse_bool(val, arg);
}

static void get_bool(const void *arg, char *buf, size_t len)
{
	snprintf(buf, len, "%c", *(const bool *)arg ? 'Y' : 'N');
}

static int set_invbool(const char *val, void *arg)
{
	bool v;
	int err = parse_bool(val, &v);

	if (!err)
		*(bool *)arg = !v;
	return err;
}

static void get_invbool(const void *arg, char *buf, size_t len)
{
	snprintf(buf, len, "%c", *(const bool *)arg ? 'N' : 'Y');
}

static int set_charp(const char *val, void *arg)
{
	/* The module's pointer is set by uvm_module_set_param(). */
	(void)val;
	(void)arg;
	return 0;
}

static void get_charp(const void *arg, char *buf, size_t len)
{
	const char *s = *(char *const *)arg;

	snprintf(buf, len, "%s", s ? s : "(null)");
}

static const struct param_type param_types[] = {
	{ "byte", set_byte, get_byte },
	{ "short", set_short, get_short },
	{ "ushort", set_ushort, get_ushort },
	{ "int", set_int, get_int },
	{ "uint", set_uint, get_uint },
	{ "hexint", set_uint, get_uint },
	{ "long", set_long, get_long },
	{ "ulong", set_ulong, get_ulong },
	{ "ullong", set_ullong, get_ullong },
	{ "bool", set_bool, get_bool },
	{ "_Bool", set_bool, get_bool },
	{ "invbool", set_invbool, get_invbool },
	{ "charp", set_charp, get_charp },
};

static const struct param_type *find_type(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(param_types); i++)
		if (!strcmp(param_types[i].name, name))
			return &param_types[i];
	return NULL;
}

/* ------------------------------------------------- what modules register */

void __uvm_module_init(int (*fn)(void))
{
	if (loading)
		loading->init = fn;
}

void __uvm_module_exit(void (*fn)(void))
{
	if (loading)
		loading->exit = fn;
}

void __uvm_module_info(const char *tag, const char *value)
{
	if (!loading)
		return;
	if (loading->nr_info == MAX_INFO) {
		loading->overflow++;
		return;
	}
	loading->info[loading->nr_info++] = (struct module_info){ tag, value };
}

void __uvm_module_param(const char *name, const char *type, void *arg,
			unsigned int perm)
{
	struct module_param *p;

	if (!loading)
		return;
	if (loading->nr_params == MAX_PARAMS || !find_type(type)) {
		loading->overflow++;
		return;
	}
	p = &loading->params[loading->nr_params++];
	p->name = name;
	p->type = find_type(type);
	p->arg = arg;
	p->perm = perm;
	p->type->get(arg, p->initial, sizeof(p->initial));
}

static struct module_param *find_param(struct uvm_module *m, const char *name)
{
	int i;

	for (i = 0; i < m->nr_params; i++)
		if (!strcmp(m->params[i].name, name))
			return &m->params[i];
	return NULL;
}

void __uvm_module_parm_desc(const char *name, const char *desc)
{
	if (!loading)
		return;
	/* Descriptions may come before their parameters: joined after load. */
	if (loading->nr_descs == MAX_PARAMS) {
		loading->overflow++;
		return;
	}
	loading->descs[loading->nr_descs++] =
		(struct module_info){ name, desc };
}

/* ------------------------------------------------------------ the loader */

struct uvm_module *uvm_module_load(const char *path, const char *name,
				   char *err, size_t errlen)
{
	struct uvm_module *m = calloc(1, sizeof(*m));
	struct link_map *map = NULL;
	int i;

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(m->name, sizeof(m->name), "%s", name ? name : "module");
	pthread_mutex_lock(&load_lock);
	loading = m;
	m->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	loading = NULL;
	pthread_mutex_unlock(&load_lock);
	if (!m->handle) {
		snprintf(err, errlen, "%s", dlerror());
		free(m);
		return NULL;
	}
	if (m->overflow) {
		snprintf(
			err, errlen,
			"%d parameters or MODULE_*() fields beyond what the loader keeps (%d, %d), or of an unknown type",
			m->overflow, MAX_PARAMS, MAX_INFO);
		dlclose(m->handle);
		free(m);
		return NULL;
	}
	for (i = 0; i < m->nr_descs; i++) {
		struct module_param *p = find_param(m, m->descs[i].tag);

		if (p)
			p->desc = m->descs[i].value;
	}
	if (!dlinfo(m->handle, RTLD_DI_LINKMAP, &map) && map)
		uvm_symbols_add(path, m->name, (uintptr_t)map->l_addr);
	return m;
}

bool uvm_module_has_init(const struct uvm_module *m)
{
	return m->init != NULL;
}

bool uvm_module_has_exit(const struct uvm_module *m)
{
	return m->exit != NULL;
}

int uvm_module_nr_params(const struct uvm_module *m)
{
	return m->nr_params;
}

int uvm_module_param_at(const struct uvm_module *m, int i,
			struct uvm_module_param *out)
{
	const struct module_param *p;

	if (i < 0 || i >= m->nr_params)
		return -ENOENT;
	p = &m->params[i];
	out->name = p->name;
	out->type = strcmp(p->type->name, "_Bool") ? p->type->name : "bool";
	out->desc = p->desc;
	out->perm = p->perm;
	snprintf(out->initial, sizeof(out->initial), "%s", p->initial);
	p->type->get(p->arg, out->value, sizeof(out->value));
	return 0;
}

int uvm_module_set_param(struct uvm_module *m, const char *name,
			 const char *value)
{
	struct module_param *p = find_param(m, name);
	int idx;

	if (!p)
		return -ENOENT;
	idx = (int)(p - m->params);
	if (p->type->set == set_charp) {
		char *copy = strdup(value);

		if (!copy)
			return -ENOMEM;
		free(m->charp_values[idx]);
		m->charp_values[idx] = copy;
		*(char **)p->arg = copy;
		return 0;
	}
	return p->type->set(value, p->arg);
}

int uvm_module_nr_info(const struct uvm_module *m)
{
	return m->nr_info;
}

int uvm_module_info_at(const struct uvm_module *m, int i, const char **tag,
		       const char **value)
{
	if (i < 0 || i >= m->nr_info)
		return -ENOENT;
	*tag = m->info[i].tag;
	*value = m->info[i].value;
	return 0;
}

const char *uvm_module_name(const struct uvm_module *m)
{
	return m->name;
}

int uvm_module_run_init(struct uvm_module *m)
{
	int ret = 0;

	kmod_task_adopt("insmod");
	if (m->init)
		ret = m->init();
	kmod_printk_flush();
	return ret;
}

void uvm_module_run_exit(struct uvm_module *m)
{
	kmod_task_adopt("rmmod");
	if (m->exit)
		m->exit();
	kmod_printk_flush();
}

void uvm_module_unload(struct uvm_module *m)
{
	int i;

	if (!m)
		return;
	dlclose(m->handle);
	for (i = 0; i < MAX_PARAMS; i++)
		free(m->charp_values[i]);
	free(m);
}
