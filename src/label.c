/*
 * label.c - token labels (see label.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "label.h"
#include "text.h"

void
label_free(struct labels *l)
{
	free(l->s);
	free(l->buf);
	l->s = NULL;
	l->buf = NULL;
	l->n = 0;
}

/* Split l->buf (len bytes, NUL added) at every byte of seps; with
 * skip, runs of them are one separator and empty fields are dropped. */
static int
split(struct labels *l, size_t len, const char *seps, int skip,
    struct err *e, const char *opt)
{
	size_t i, cap = 16, start = 0;

	if ((l->s = malloc(cap * sizeof *l->s)) == NULL)
		return err_set(e, NULL, 0, 0, "%s: %s", opt, strerror(errno));
	for (i = 0; i <= len; i++) {
		if (i < len && strchr(seps, l->buf[i]) == NULL)
			continue;
		if (i < len)
			l->buf[i] = '\0';
		if (skip && i == start) {
			start = i + 1;
			continue;
		}
		if (l->n == cap) {
			char **t = realloc(l->s, 2 * cap * sizeof *l->s);

			if (t == NULL)
				return err_set(e, NULL, 0, 0, "%s: %s", opt,
				    strerror(errno));
			l->s = t;
			cap *= 2;
		}
		l->s[l->n++] = l->buf + start;
		start = i + 1;
	}
	return 0;
}

int
label_load(struct labels *l, const char *spec, const char *opt,
    struct err *e)
{
	size_t len = 0, cap = 4096, i, j;
	const char *name;
	FILE *f;

	memset(l, 0, sizeof *l);
	if (spec[0] != '@') {
		len = strlen(spec);
		if ((l->buf = malloc(len + 1)) == NULL)
			return err_set(e, NULL, 0, 0, "%s: %s", opt,
			    strerror(errno));
		memcpy(l->buf, spec, len + 1);
		if (split(l, len, " \t\n", 1, e, opt) != 0)
			goto fail;
		if (l->n == 0) {
			err_set(e, NULL, 0, 0, "%s: no label in \"%s\"", opt,
			    spec);
			goto fail;
		}
		return 0;
	}
	name = strcmp(spec, "@-") == 0 ? "<stdin>" : spec + 1;
	if ((f = strcmp(spec, "@-") == 0 ? stdin : fopen(spec + 1, "rb")) ==
	    NULL)
		return err_set(e, name, 0, 0, "%s", strerror(errno));
	if ((l->buf = malloc(cap)) == NULL) {
		err_set(e, name, 0, 0, "%s", strerror(errno));
		goto fail_f;
	}
	for (;;) {
		/* to one byte past the cap at most: more is an error */
		size_t want = cap - len - 1 < TEXT_LINE_MAX + 1 - len ?
		    cap - len - 1 : TEXT_LINE_MAX + 1 - len;
		size_t k = fread(l->buf + len, 1, want, f);
		const char *z = memchr(l->buf + len, '\0', k);

		if (z != NULL) {
			/* a label is text: a NUL would end it early (and
			 * @/dev/zero would be read until memory ran out) */
			size_t at = (size_t)(z - l->buf), line = 1, ls = 0;

			for (i = 0; i < at; i++)
				if (l->buf[i] == '\n')
					line++, ls = i + 1;
			err_set(e, name, line, text_column(l->buf + ls, z),
			    "expected a label of text, found a NUL byte");
			goto fail_f;
		}
		len += k;
		if (len > TEXT_LINE_MAX) {
			/* a stream without end is not read till memory
			 * runs out (a text input's line has the same cap) */
			err_set(e, name, 0, 0, "expected at most %zu MiB of "
			    "labels, found more", TEXT_LINE_MAX >> 20);
			goto fail_f;
		}
		if (k < want)
			break;	/* the end (or an error: ferror below) */
		{
			char *t = realloc(l->buf, 2 * cap);

			if (t == NULL) {
				err_set(e, name, 0, 0, "%s", strerror(errno));
				goto fail_f;
			}
			l->buf = t;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		err_set(e, name, 0, 0, "%s", strerror(errno ? errno : EIO));
		goto fail_f;
	}
	if (f != stdin)
		fclose(f);
	/* drop a UTF-8 byte order mark (Windows' Notepad writes one, which
	 * the first label kept, invisibly), a final newline and every CR
	 * before a newline */
	i = len >= 3 && memcmp(l->buf, TEXT_BOM, 3) == 0 ? 3 : 0;
	if (len > 0 && l->buf[len - 1] == '\n')
		len--;
	for (j = 0; i < len; i++)
		if (!(l->buf[i] == '\r' && (i + 1 == len ||
		    l->buf[i + 1] == '\n')))
			l->buf[j++] = l->buf[i];
	len = j;
	l->buf[len] = '\0';
	if (len == 0) {
		err_set(e, name, 0, 0, "%s: no label in the file", opt);
		goto fail;
	}
	if (split(l, len, "\n", 0, e, opt) != 0)
		goto fail;
	return 0;
fail_f:
	if (f != stdin)
		fclose(f);
fail:
	label_free(l);
	return -1;
}

int
label_count(struct labels *l, size_t n, struct err *e)
{
	size_t i, len = 0;

	memset(l, 0, sizeof *l);
	if (n > (SIZE_MAX - 1) / 21 || n > SIZE_MAX / sizeof *l->s)
		return err_set(e, NULL, 0, 0, "labels: %s", strerror(ENOMEM));
	if ((l->buf = malloc(n * 21 + 1)) == NULL ||
	    (l->s = malloc((n ? n : 1) * sizeof *l->s)) == NULL) {
		label_free(l);
		return err_set(e, NULL, 0, 0, "labels: %s", strerror(errno));
	}
	for (i = 0; i < n; i++) {
		l->s[i] = l->buf + len;
		len += (size_t)sprintf(l->buf + len, "%zu", i) + 1;
	}
	l->n = n;
	return 0;
}

/* Are the words given (file NULL) one, the name of an existing file:
 * --labels FILE where @FILE was meant? */
static int
named_file(const char *file, const struct labels *l)
{
	return file == NULL && l->n == 1 && access(l->s[0], F_OK) == 0;
}

int
label_check(struct labels *l, const char *spec, const char *opt,
    size_t n, int keys, struct err *e)
{
	/* the file's name, as label_load gives it; for words, none */
	const char *file = spec[0] != '@' ? NULL : strcmp(spec, "@-") == 0 ?
	    "<stdin>" : spec + 1;
	size_t i;
	int nf;

	/* a file's blank lines at its end, past the n labels, are an
	 * editor's, not labels (blank lines among them are empty ones) */
	for (i = n; file != NULL && i < l->n && l->s[i][strspn(l->s[i],
	    " \t")] == '\0'; i++)
		;
	if (file != NULL && l->n > n && i == l->n)
		l->n = n;
	if (l->n == n)
		return 0;
	nf = named_file(file, l);
	return err_set(e, file, 0, 0, "%s: expected %zu label%s (one per %s), "
	    "found %zu%s%s%s%s", opt, n, n == 1 ? "" : "s", keys ? "key" :
	    "query", l->n, file == NULL && strchr(spec, ',') != NULL ?
	    " (labels are separated by blanks, not commas)" : file != NULL &&
	    l->n > 0 && l->n < n && strpbrk(l->s[0], " \t") != NULL ? " (a "
	    "file holds a label a line: its blanks are the labels' own)" :
	    "", nf ? " (to read the labels from that file, write @" : "",
	    nf ? spec : "", nf ? ")" : "");
}

static int
needs_quotes(const char *s, char sep)
{
	if (*s == '\0')
		return 1;
	for (; *s; s++)
		if (*s == sep || *s == '"' || *s == '\n' || *s == '\r' ||
		    (sep == ' ' && *s == '\t') || *s == '#')
			return 1;
	return 0;
}

size_t
label_quoted_max(const char *s)
{
	return 2 * strlen(s) + 2;
}

size_t
label_quote(char *buf, const char *s, char sep)
{
	size_t k = 0;

	if (!needs_quotes(s, sep)) {
		k = strlen(s);
		memcpy(buf, s, k);
		return k;
	}
	buf[k++] = '"';
	for (; *s; s++) {
		if (*s == '"')
			buf[k++] = '"';
		buf[k++] = *s;
	}
	buf[k++] = '"';
	return k;
}
