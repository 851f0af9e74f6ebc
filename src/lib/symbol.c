/* SPDX-License-Identifier: MIT */
/*
 * Naming code addresses the way the kernel's %pS does.
 *
 * The dynamic symbol table names only exported functions. A module's own
 * functions are mostly static, so its full symbol table (.symtab) is read
 * from its file when it is loaded and kept in a table of its own; those
 * tables are searched first and print the module's name after the symbol,
 * as the kernel prints "fn+0x1c/0x80 [mod]". Tables are only ever added
 * (a push onto a list read without a lock), never freed: a program loads a
 * handful of modules, and an address may be named after its module is
 * gone (a leak report).
 */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbol.h"

struct sym_entry {
	uintptr_t start;
	unsigned long size;
	const char *name;
};

struct sym_table {
	struct sym_table *next;
	char owner[64];
	uintptr_t lo, hi; /* the span of its functions */
	size_t nr;
	struct sym_entry *syms; /* sorted by start */
	char *strings;
};

static _Atomic(struct sym_table *) tables;

static int sym_cmp(const void *a, const void *b)
{
	const struct sym_entry *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* The ELF file's section headers, checked to lie inside the file. */
static const ElfW(Shdr) *
	sections(const unsigned char *img, size_t size, size_t *nr)
{
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)img;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] !=
		    (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
	    eh->e_shentsize != sizeof(ElfW(Shdr)) || eh->e_shoff > size ||
	    (size - eh->e_shoff) / sizeof(ElfW(Shdr)) < eh->e_shnum)
		return NULL;
	*nr = eh->e_shnum;
	return (const ElfW(Shdr) *)(img + eh->e_shoff);
}

/* Fill @t from the image's .symtab; 0 or -1. */
static int read_symtab(struct sym_table *t, const unsigned char *img,
		       size_t size, uintptr_t base)
{
	const ElfW(Shdr) * sh, *symtab = NULL, *strtab;
	const ElfW(Sym) * syms;
	size_t nsec, i, n, len;

	sh = sections(img, size, &nsec);
	if (!sh)
		return -1;
	for (i = 0; i < nsec; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			symtab = &sh[i];
	if (!symtab || symtab->sh_link >= nsec || symtab->sh_offset > size ||
	    symtab->sh_size > size - symtab->sh_offset)
		return -1;
	strtab = &sh[symtab->sh_link];
	if (strtab->sh_offset > size ||
	    strtab->sh_size > size - strtab->sh_offset || !strtab->sh_size)
		return -1;

	t->strings = malloc(strtab->sh_size + 1);
	n = symtab->sh_size / sizeof(ElfW(Sym));
	t->syms = calloc(n ? n : 1, sizeof(*t->syms));
	if (!t->strings || !t->syms)
		return -1;
	memcpy(t->strings, img + strtab->sh_offset, strtab->sh_size);
	t->strings[strtab->sh_size] = '\0';
	syms = (const ElfW(Sym) *)(img + symtab->sh_offset);
	len = strtab->sh_size;
	t->lo = UINTPTR_MAX;
	for (i = 0; i < n; i++) {
		struct sym_entry *e = &t->syms[t->nr];

		if (ELF64_ST_TYPE(syms[i].st_info) != STT_FUNC ||
		    !syms[i].st_value || syms[i].st_name >= len)
			continue;
		e->start = base + syms[i].st_value;
		e->size = syms[i].st_size;
		e->name = t->strings + syms[i].st_name;
		if (e->start < t->lo)
			t->lo = e->start;
		if (e->start + e->size > t->hi)
			t->hi = e->start + e->size;
		t->nr++;
	}
	qsort(t->syms, t->nr, sizeof(*t->syms), sym_cmp);
	return t->nr ? 0 : -1;
}

int uvm_symbols_add(const char *path, const char *owner, uintptr_t base)
{
	struct sym_table *t = calloc(1, sizeof(*t));
	void *img = MAP_FAILED;
	struct stat st;
	int fd, err = -1;

	if (!t)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !fstat(fd, &st) && st.st_size > 0)
		img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			   0);
	if (fd >= 0)
		close(fd);
	if (img != MAP_FAILED) {
		err = read_symtab(t, img, (size_t)st.st_size, base);
		munmap(img, (size_t)st.st_size);
	}
	if (err) {
		free(t->syms);
		free(t->strings);
		free(t);
		return -1;
	}
	snprintf(t->owner, sizeof(t->owner), "%s", owner ? owner : "");
	t->next = atomic_load(&tables);
	while (!atomic_compare_exchange_weak(&tables, &t->next, t))
		;
	return 0;
}

/* The table entry holding @addr, or NULL. */
static const struct sym_entry *table_lookup(uintptr_t addr,
					    const struct sym_table **owner)
{
	const struct sym_table *t;

	for (t = atomic_load(&tables); t; t = t->next) {
		size_t lo = 0, hi = t->nr;

		if (addr < t->lo || addr >= t->hi)
			continue;
		/* The last symbol starting at or below @addr. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (t->syms[mid].start <= addr)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo && addr < t->syms[lo - 1].start +
					  (t->syms[lo - 1].size ?
						   t->syms[lo - 1].size :
						   1)) {
			*owner = t;
			return &t->syms[lo - 1];
		}
	}
	return NULL;
}

void uvm_format_caller(const void *caller, char *buf, size_t len)
{
	const ElfW(Sym) *sym = NULL;
	const struct sym_table *owner;
	const struct sym_entry *e;
	Dl_info info;

	e = caller ? table_lookup((uintptr_t)caller, &owner) : NULL;
	if (e) {
		snprintf(buf, len, "%s+0x%lx/0x%lx%s%s%s", e->name,
			 (unsigned long)((uintptr_t)caller - e->start), e->size,
			 owner->owner[0] ? " [" : "", owner->owner,
			 owner->owner[0] ? "]" : "");
		return;
	}
	if (caller && dladdr1(caller, &info, (void **)&sym, RTLD_DL_SYMENT) &&
	    info.dli_sname && info.dli_saddr) {
		snprintf(buf, len, "%s+0x%lx/0x%lx", info.dli_sname,
			 (unsigned long)((const char *)caller -
					 (const char *)info.dli_saddr),
			 sym ? (unsigned long)sym->st_size : 0UL);
		return;
	}
	snprintf(buf, len, "%p", caller);
}
