/* SPDX-License-Identifier: MIT */
/*
 * A table-driven parser for kernel-style command lines.
 *
 * A command line is a list of words separated by blanks: `name=value` or a
 * lone `name` (a boolean switched on). A value may be double-quoted to hold
 * blanks. As in the kernel, '-' and '_' are the same in names. The table says
 * for each option its type, where its value lives inside a caller-provided
 * parameter structure, its default (as text, parsed like any other value) and
 * a line of help. Each option remembers where its value came from.
 */
#ifndef UVM_LIB_OPTIONS_H
#define UVM_LIB_OPTIONS_H

#include <stdio.h>

#include "compiler.h"

enum uvm_opt_type {
	UVM_OPT_BOOL, /* int: 0/1; value words 1/0 y/n yes/no on/off true/false */
	UVM_OPT_INT, /* long: decimal, 0x hex, optional '-', within [min, max] */
	UVM_OPT_SIZE, /* unsigned long: a number with an optional K/M/G/T/P/E suffix (powers of 1024, either case), within [min, max] */
	UVM_OPT_ENUM, /* int: the index of the value in choices[] */
	UVM_OPT_STRING, /* char[UVM_OPT_STRING_MAX]: the raw value */
};

#define UVM_OPT_STRING_MAX 128

enum uvm_opt_source {
	UVM_OPT_SRC_DEFAULT,
	UVM_OPT_SRC_ENV,     /* UVMALLOC_CMDLINE */
	UVM_OPT_SRC_CMDLINE, /* the string given to uvm_boot() */
};

/**
 * struct uvm_option - one row of an options table
 * @name: the parameter's name, e.g. "mem"
 * @type: how the value is parsed and stored
 * @offset: where the value lives in the parameter structure (offsetof)
 * @def: the default as text; NULL leaves the field zero (or "" for strings)
 * @help: one line for `uvmalloc info config` and error messages
 * @min: smallest accepted value (UVM_OPT_INT, UVM_OPT_SIZE)
 * @max: largest accepted value (UVM_OPT_INT, UVM_OPT_SIZE); min == max == 0
 *       means no bound
 * @choices: UVM_OPT_ENUM only: NULL-terminated list of accepted words
 */
struct uvm_option {
	const char *name;
	enum uvm_opt_type type;
	size_t offset;
	const char *def;
	const char *help;
	long long min;
	long long max;
	const char *const *choices;
};

/**
 * struct uvm_options - a table bound to the structure it fills
 * @table: the rows
 * @count: how many rows
 * @params: the parameter structure the rows' offsets point into
 * @sources: one entry per row, where each value came from
 */
struct uvm_options {
	const struct uvm_option *table;
	size_t count;
	void *params;
	enum uvm_opt_source *sources;
};

/**
 * uvm_options_defaults() - set every option to its default
 * @opts: the table and its structure
 *
 * Return: 0, or -EINVAL if a default in the table does not parse (a bug in
 * the table, reported with the option's name).
 */
int uvm_options_defaults(struct uvm_options *opts);

/**
 * uvm_options_parse() - apply a command line over the current values
 * @opts: the table and its structure
 * @cmdline: the words; NULL or blank is an empty line
 * @src: recorded as the source of each value the line sets
 *
 * Parsing stops at the first bad word, which is reported in one line naming
 * it (unknown parameter, malformed value, value out of range) followed by one
 * line listing the valid parameter names. Words before it have been applied.
 *
 * Return: 0, or -EINVAL.
 */
int uvm_options_parse(struct uvm_options *opts, const char *cmdline,
		      enum uvm_opt_source src);

/**
 * uvm_options_print() - print each option, its value and its source
 * @opts: the table and its structure
 * @out: the stream
 *
 * One line per option: name, value (sizes with their largest exact suffix),
 * source, help.
 */
void uvm_options_print(const struct uvm_options *opts, FILE *out);

/**
 * uvm_parse_size() - parse a size with an optional binary suffix
 * @str: e.g. "512M", "4096", "0x1000", "1g"; nothing may follow the suffix
 * @out: the value in bytes
 *
 * Return: 0, -EINVAL for malformed text, -ERANGE on overflow.
 */
int uvm_parse_size(const char *str, unsigned long long *out);

/**
 * uvm_format_size() - print a size with its largest exact binary suffix
 * @bytes: the value
 * @buf: where to write, e.g. "512M", "4097"
 * @len: the buffer's size
 */
void uvm_format_size(unsigned long long bytes, char *buf, size_t len);

#endif /* UVM_LIB_OPTIONS_H */
