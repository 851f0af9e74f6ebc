/* SPDX-License-Identifier: MIT */
/*
 * `uvmalloc insmod` and `uvmalloc modinfo`: build a kernel-style module
 * source against the module headers and run it on the instance.
 */
#ifndef UVM_TOOLS_INSMOD_H
#define UVM_TOOLS_INSMOD_H

/**
 * insmod_main() - the insmod command
 * @cmdline: the program's -b boot parameters, or NULL
 * @argc: the words after "insmod"
 * @argv: them
 *
 * Return: the exit status: 0 when init returned 0 or -EAGAIN, 1 when the
 * module failed (compile error, init error, fault, leak, timeout), 2 for
 * misuse (bad options or parameters).
 */
int insmod_main(const char *cmdline, int argc, char **argv);

/**
 * modinfo_main() - the modinfo command
 * @cmdline: the program's -b boot parameters, or NULL
 * @argc: the words after "modinfo"
 * @argv: them
 *
 * Return: the exit status.
 */
int modinfo_main(const char *cmdline, int argc, char **argv);

#endif /* UVM_TOOLS_INSMOD_H */
