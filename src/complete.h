/*
 * complete.h - the bash and zsh completion scripts of selfattn, made
 * from its option table (--completion), so that they cannot drift.
 */
#ifndef COMPLETE_H
#define COMPLETE_H

#include <stddef.h>
#include <stdio.h>

struct complete_opt {
	const char *name;	/* the long name, without "--" */
	int has_arg;		/* no_argument, required_ or optional_ */
	int letter;		/* the short option, or 0 */
	/* what the argument completes to: NULL nothing (a number), "FILE"
	 * file names, "@FILE" an @ and file names after it, else keywords
	 * separated by spaces */
	const char *arg;
};

/* Write the script for shell "bash" or "zsh" (anything else: zsh is
 * not asked for; bash is written) for the n options o to f. */
void complete_print(FILE *f, const char *shell, const struct complete_opt *o,
    size_t n);

#endif
