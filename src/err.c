/* err.c - fill the error record (see err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
err_set(struct err *e, const char *file, unsigned long line,
    unsigned long col, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->file, sizeof e->file, "%s", file ? file : "");
	e->line = line;
	e->col = col;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

char *
err_format(const struct err *e, char *buf, size_t cap)
{
	if (e->file[0] == '\0')
		snprintf(buf, cap, "%s", e->msg);
	else if (e->line == 0)
		snprintf(buf, cap, "%s: %s", e->file, e->msg);
	else if (e->col == 0)
		snprintf(buf, cap, "%s:%lu: %s", e->file, e->line, e->msg);
	else
		snprintf(buf, cap, "%s:%lu:%lu: %s", e->file, e->line, e->col,
		    e->msg);
	return buf;
}

/* Length of the invisible control character that starts s, UTF-8, NUL
 * terminated: C1 (U+0080..U+009F, which a terminal may obey) or a
 * bidirectional control (U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069, which reorder the line); else 0. */
static size_t
invisible(const unsigned char *s)
{
	if ((s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) || (s[0] == 0xd8 &&
	    s[1] == 0x9c))
		return 2;
	if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f ||
	    (s[2] >= 0xaa && s[2] <= 0xae)))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
		return 3;
	return 0;
}

size_t
err_u8len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t k, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		k = 3;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;	/* not overlong */
		hi = s[0] == 0xed ? 0x9f : 0xbf;	/* no surrogate */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		k = 4;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;	/* not overlong */
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;	/* <= U+10FFFF */
	} else
		return 0;
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < k; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return k;
}

size_t
err_escape(const char *s, size_t *len, char *b)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t k = invisible(u), n = err_u8len(s, strnlen(s, 4)), i;

	if (u[0] == '\n' || u[0] == '\t') {
		b[0] = '\\';
		b[1] = u[0] == '\n' ? 'n' : 't';
		*len = 1;
		return 2;
	}
	if (k == 0 && n > 0 && u[0] >= 0x20 && u[0] != 0x7f) {
		memcpy(b, s, n);	/* a character as it is */
		*len = n;
		return n;
	}
	*len = k ? k : 1;
	for (i = 0; i < *len; i++) {
		b[4 * i] = '\\';
		b[4 * i + 1] = 'x';
		b[4 * i + 2] = hex[u[i] >> 4];
		b[4 * i + 3] = hex[u[i] & 15];
	}
	return 4 * *len;
}
