/*
 * text.h - read a matrix from CSV, TSV or whitespace-separated text.
 */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

#include "err.h"
#include "mat.h"

/*
 * Parse buf[0..len) (need not be NUL-terminated).  Rows are lines (LF
 * or CRLF); the separator is found on the first data line: ',' if it
 * has one, else tab if it has one, else runs of blanks.  Blanks around
 * fields are ignored; a field may be in RFC 4180 double quotes.  Lines
 * whose first non-blank is '#' are comments.  The first non-comment
 * line is a header, and skipped, when none of its fields is a number.
 * A blank line separates blocks: k > 1 blocks of equal shape (r, c)
 * give a 3-D shape (k, r, c); trailing blank lines are ignored.
 *
 * Returns 0 with m allocated (m->rows = all rows of all blocks) and sh
 * set (1 block: (r, c)).  Returns -1 with e set to name:LINE:COL and
 * what was expected and found: a non-number, an empty field, a ragged
 * row, an unterminated quote, blocks of different shapes, no numbers.
 */
int text_read(const char *buf, size_t len, const char *name,
    struct mat *m, struct shape *sh, struct err *e);

#endif
