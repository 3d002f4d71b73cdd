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

size_t
err_escape_byte(unsigned char c, char *b)
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\n' || c == '\t') {
		b[0] = '\\';
		b[1] = c == '\n' ? 'n' : 't';
		return 2;
	}
	if (c < 0x20 || c == 0x7f) {
		b[0] = '\\';
		b[1] = 'x';
		b[2] = hex[c >> 4];
		b[3] = hex[c & 15];
		return 4;
	}
	b[0] = (char)c;
	return 1;
}
