/*
 * label.h - token labels: names for the query rows and key columns of
 * the weights, from a string of words or a file of lines.
 */
#ifndef LABEL_H
#define LABEL_H

#include <stddef.h>

#include "err.h"

struct labels {
	char **s;		/* NUL-terminated, any UTF-8 */
	size_t n;
	char *buf;		/* the bytes s points into */
};

/* Read spec: "@FILE" is one label per line (a final newline ends the
 * last line, a CR before a newline is dropped, so "" is a label only as
 * an empty line), "@-" standard input; anything else is words split on
 * blanks (spaces and tabs).  opt names the option in messages.  Returns
 * 0, or -1 with e set (the file cannot be read, a NUL byte in it, with
 * its line and column, no label). */
int label_load(struct labels *l, const char *spec, const char *opt,
    struct err *e);

/* Numbers "0" .. "n-1" as labels.  Returns 0, or -1 with e set (out
 * of memory). */
int label_count(struct labels *l, size_t n, struct err *e);

/* Do labels l, from spec (words or @FILE, as given to opt), name n
 * queries (keys: n keys)?  A file's empty labels past the n-th, all of
 * them (its blank last lines), are dropped from l first.  Returns 0, or
 * -1 with e set: "--labels: expected 6 labels (one per query), found
 * 3", with the file's name for @FILE, and why when spec is words with
 * commas. */
int label_check(struct labels *l, const char *spec, const char *opt,
    size_t n, int keys, struct err *e);

/* Free what label_load or label_count allocated; l may be all zeros. */
void label_free(struct labels *l);

/* Write s into buf as a field of a line separated by sep (',' '\t' or
 * ' '): as it is, or in double quotes with '"' doubled when it holds
 * sep, a quote, a line break, a blank (for ' '), or is empty.  Returns
 * the bytes written; buf needs label_quoted_max(s) bytes. */
size_t label_quote(char *buf, const char *s, char sep);
size_t label_quoted_max(const char *s);

#endif
