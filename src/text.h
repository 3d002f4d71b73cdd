/*
 * text.h - read a matrix from CSV, TSV or whitespace-separated text.
 */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

#include "err.h"
#include "mat.h"
#include "par.h"

/*
 * The longest line that text_read takes: TEXT_LINE_MAX bytes before its
 * LF (its CR included).  A longer one is refused, so that an input
 * without line ends is refused too, however it grows.
 */
#define TEXT_LINE_MAX	((size_t)256 << 20)

/* The UTF-8 byte order mark, U+FEFF: skipped at the start of a text
 * (and of a labels file). */
#define TEXT_BOM	"\xef\xbb\xbf"

/*
 * Parse buf[0..len) (need not be NUL-terminated).  A UTF-8 byte order
 * mark (EF BB BF) at buf[0] is skipped, and not counted in the columns
 * of line 1; anywhere else it is data.  Rows are lines (LF or CRLF).
 * The separator is found on the first data line, outside quotes: ';'
 * if it has one, else ',' if it has one, else tab if it has one between
 * its fields, else runs of blanks.  Blanks around fields are ignored
 * (with tab as separator, spaces); a field may be in RFC 4180 double
 * quotes, where "" is a literal quote (and so not a number).  Numbers
 * are read by num_parse: a decimal comma is not read ("1,5" is an
 * error, which the message says needs a decimal point).
 *
 * Lines whose first non-blank is '#' are comments.  The first
 * non-comment line is a header, and skipped, when no field is a number
 * however it is split: by each of ';', ',' and tab that it has outside
 * quotes, or by blanks if it has none of them; and when it is not one
 * field that looks like a number ("1e5.5", "O.5"), nor fields that all
 * do with a typo among them ("\u22121,\u22122").  So "a,b,c",
 * "\"x\";\"y\"" and "layer 1,layer 2" are headers, while "1;0;1" and
 * "1,5;2,5" are data (the last an error).  After a header the separator
 * is found again on the next line.
 *
 * A blank line separates blocks: k > 1 blocks of equal shape (r, c)
 * give a 3-D shape (k, r, c); leading and trailing blank lines are
 * ignored, and several in a row separate as one.
 *
 * Returns 0 with m allocated (m->rows = all rows of all blocks) and sh
 * set (1 block: (r, c)).  Returns -1 with e set to name:LINE:COL and
 * what was expected and found: a line longer than TEXT_LINE_MAX (at
 * LINE:1, as text_line_long says it), a non-number, an empty field, a
 * ragged row, an unterminated quote, text after a closing quote, blocks
 * of different shapes (at the first line of the odd block), no numbers
 * (at line 1, or the header's).  m is then left empty.
 *
 * With a pool of threads (pool not NULL), a large buffer is parsed in
 * pieces at once; the result and any message are the same as on one
 * thread.
 */
int text_read(const char *buf, size_t len, const char *name,
    struct par *pool, struct mat *m, struct mat_shape *sh, struct err *e);

/* The memory text_read may touch beyond the text and its numbers, for
 * len bytes of text read with `workers` threads (for --dry-run's
 * estimate): on one thread none; in k pieces, whose places in one
 * buffer of huge pages (2 MiB) lie side by side, k + 1 pages. */
size_t text_scratch(size_t len, int workers);

/* The 1-based column of at on the line that starts at line, in
 * characters as an editor counts them: a UTF-8 sequence is one (its
 * continuation bytes, 10xxxxxx, do not count), any other byte is one
 * (a stray continuation byte too), a tab is one.  For messages. */
unsigned long text_column(const char *line, const char *at);

/* Set e to say that line `line` of name is longer than TEXT_LINE_MAX,
 * as text_read would, for a reader that finds it first (input_load, on
 * a stream).  Returns -1. */
int text_line_long(struct err *e, const char *name, unsigned long line);

#endif
