/*
 * text.c - read a matrix from CSV, TSV or blank-separated text (see
 * text.h).
 *
 * One pass over the buffer, a line at a time, never copying it: each
 * field is found in place and handed to num_parse as (pointer, length),
 * and the numbers go into one array grown by doubling, which becomes
 * the matrix's data.  The separator is chosen on the first line that
 * is not a comment, and chosen again on the next one if that first
 * line turns out to be a header.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "num.h"
#include "par.h"
#include "text.h"

#define BLANKS		0	/* separator: runs of spaces and tabs */
#define SHOW_MAX	40	/* characters of a bad field quoted in a message */
#define SHOW_BUF	(4 * SHOW_MAX + 8)	/* each shown as <= 4 bytes */
/* Bytes a piece at least: smaller inputs are parsed on one thread.  The
 * fuzz build (tests/fuzz/Makefile) sets it to a few bytes, so that every
 * input it tries is also cut into pieces. */
#ifndef TEXT_PIECE_MIN
#define TEXT_PIECE_MIN	(1 << 20)
#endif
#define PIECES_MAX	8	/* a piece's last huge page is touched in
				 * part: up to 2 MiB of memory a piece */

struct reader {
	const char *name;
	struct err *e;
	double *v;		/* the numbers so far, row by row */
	size_t n, cap;		/* used and allocated elements of v */
	int borrowed;		/* v is the caller's: never resized or
				 * freed here, left when it is full */
	unsigned long line;	/* 1-based number of the current line */
	const char *lp;		/* its first byte, to count columns from */
};

/* Outcome of parsing one line's fields. */
struct row {
	size_t fields;		/* fields on the line */
	size_t nums;		/* how many of them are numbers */
	size_t numlike;		/* how many look like one (numlike()) */
	size_t typos;		/* of those, how many with a typo (typo()) */
	size_t missing;		/* how many mark a missing value (missing()) */
};

unsigned long
text_column(const char *line, const char *at)
{
	unsigned long c = 1;
	size_t i;

	/* a UTF-8 character is one column (err_u8len, as the message
	 * shows it); any other byte, a stray continuation byte, an
	 * overlong form or a surrogate too, is one apiece (shown \xHH) */
	for (; line < at; line += i ? i : 1, c++)
		i = err_u8len(line, (size_t)(at - line));
	return c;
}

/* The column of p on the current line. */
static unsigned long
col(const struct reader *r, const char *p)
{
	return text_column(r->lp, p);
}

/*
 * Length of the UTF-8 character of 2 to 4 bytes at s[0..n) that a
 * message may quote as it is, or 0 (then its bytes are escaped): none
 * for ASCII, a malformed one, or the invisible byte order mark U+FEFF.
 * (C1 and bidirectional controls are escaped when the message is
 * printed, as in every name: err_escape().)
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t k = err_u8len((const char *)s, n);

	return k < 2 || (k == 3 && memcmp(s, TEXT_BOM, 3) == 0) ? 0 : k;
}

/*
 * Write into out (SHOW_BUF bytes) a printable copy of s[0..n) for a
 * message, to go between quote characters q: q and backslash get a
 * backslash, tab CR LF are \t \r \n, other control and stray bytes
 * \xHH; UTF-8 characters stay.  At most SHOW_MAX characters, then
 * "...".  dq: s is the inside of a double-quoted field, where ""
 * stands for one ".
 */
static void
show(char *out, const char *s, size_t n, char q, int dq)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, chars = 0, k;

	for (; i < n; chars++) {
		unsigned char c = u[i];

		if (chars == SHOW_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (dq && c == '"' && i + 1 < n && u[i + 1] == '"')
			i++;
		if (c == (unsigned char)q || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else if (c == '\t' || c == '\r' || c == '\n') {
			out[o++] = '\\';
			out[o++] = c == '\t' ? 't' : c == '\r' ? 'r' : 'n';
		} else if ((k = utf8_len(u + i, n - i)) > 0) {
			memcpy(out + o, u + i, k);
			o += k;
			i += k;
			continue;
		} else {
			snprintf(out + o, 5, "\\x%02x", c);
			o += 4;
		}
		i++;
	}
	out[o] = '\0';
}

/*
 * Room for about as many numbers as the text from line lp to end holds
 * if its lines are like line lp (len bytes with its newline, fields
 * numbers), plus an eighth: one allocation, of huge pages when large
 * (mat_buf), instead of some twenty doublings, each a copy and, on
 * small pages, a page fault per 4 KiB of fresh memory.  A guess only:
 * when it cannot be had the doubling goes on, and grow() takes over
 * past it.
 */
static void
reserve(struct reader *r, const char *lp, const char *end, size_t len,
    size_t fields)
{
	size_t lines = (size_t)(end - lp) / (len ? len : 1) + 1, want;
	struct err e;
	double *nv;

	if (mat_mul_size(lines, fields, &want) || want > SIZE_MAX - want / 8 -
	    1024)
		return;
	want += want / 8 + 1024;
	if (r->borrowed || want <= r->cap ||
	    (nv = mat_buf(want, sizeof(double), r->name, &e)) == NULL)
		return;
	if (r->n > 0)
		memcpy(nv, r->v, r->n * sizeof(double));
	free(r->v);
	r->v = nv;
	r->cap = want;
}

/* Make room for one more number. */
static int
grow(struct reader *r)
{
	size_t ncap = r->cap ? r->cap : 1024, bytes;
	double *nv;

	if (r->cap && mat_mul_size(r->cap, 2, &ncap))
		ncap = 0;
	/* the message of mat_buf's, at the line that asked */
	if (ncap <= r->n || mat_mul_size(ncap, sizeof(double), &bytes) ||
	    bytes > PTRDIFF_MAX)
		return err_set(r->e, r->name, r->line, 0, "cannot allocate "
		    "more than %zu numbers: %s", r->n, strerror(ENOMEM));
	if ((nv = r->borrowed ? malloc(bytes) : realloc(r->v, bytes)) == NULL)
		return err_set(r->e, r->name, r->line, 0, "cannot allocate "
		    "%zu bytes: %s", bytes, strerror(ENOMEM));
	if (r->borrowed && r->n > 0)
		memcpy(nv, r->v, r->n * sizeof(double));
	r->borrowed = 0;
	r->v = nv;
	r->cap = ncap;
	return 0;
}

static const char *
skip_blanks(const char *p, const char *end, int sep)
{
	/* with tab as the separator only spaces are padding */
	if (sep == '\t')
		while (p < end && *p == ' ')
			p++;
	else
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
	return p;
}

/* Separators seen on a line, as bits. */
#define HAS_SEMI	1
#define HAS_COMMA	2
#define HAS_TAB		4

/* Which of ';', ',' and tab the (non-blank) line [p, end) has outside
 * quotes, a tab counting only between its fields: HAS_* bits. */
static int
seps_in(const char *p, const char *end)
{
	int inq = 0, has = 0;

	p = skip_blanks(p, end, BLANKS);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (; p < end; p++) {
		if (*p == '"')
			inq = !inq;	/* "" inside quotes toggles twice */
		else if (!inq && *p == ';')
			has |= HAS_SEMI;
		else if (!inq && *p == ',')
			has |= HAS_COMMA;
		else if (!inq && *p == '\t')
			has |= HAS_TAB;
	}
	return has;
}

/* The separator of a line that has the separators `has`: ';' first
 * (it is used where ',' is the decimal mark, so a line with both is
 * ';'-separated), then ',', then tab, else BLANKS. */
static int
pick_sep(int has)
{
	if (has & HAS_SEMI)
		return ';';
	if (has & HAS_COMMA)
		return ',';
	return has & HAS_TAB ? '\t' : BLANKS;
}

/* Whether the field s[0..n) would be a number with its one ',' read as
 * '.': a decimal comma, which the message then names. */
static int
decimal_comma(const char *s, size_t n)
{
	char b[64];
	const char *c;
	double x;

	if (n >= sizeof b || (c = memchr(s, ',', n)) == NULL ||
	    memchr(c + 1, ',', n - (size_t)(c + 1 - s)) != NULL)
		return 0;
	memcpy(b, s, n);
	b[c - s] = '.';
	return num_parse(b, n, &x) == 0;
}

/* Is the field cs..ce, that ',' cut, numbers with tabs between them,
 * as "5<TAB>2" of "1,5<TAB>2,5": tab-separated numbers with decimal
 * commas? */
static int
tab_numbers(const char *cs, const char *ce)
{
	const char *t;
	double x;
	int tabs = 0;

	for (; (t = memchr(cs, '\t', (size_t)(ce - cs))) != NULL; cs = t + 1,
	    tabs++)
		if (num_parse(cs, (size_t)(t - cs), &x) != 0)
			return 0;
	return tabs > 0 && num_parse(cs, (size_t)(ce - cs), &x) == 0;
}

/* Is the field cs..ce numbers with blanks between them, as "0 1 0" of
 * a line in a file whose separator is ','? */
static int
blank_numbers(const char *cs, const char *ce)
{
	const char *t;
	double x;
	int n = 0;

	for (;;) {
		while (cs < ce && (*cs == ' ' || *cs == '\t'))
			cs++;
		if (cs == ce)
			return n > 1;
		for (t = cs; t < ce && *t != ' ' && *t != '\t'; t++)
			;
		if (num_parse(cs, (size_t)(t - cs), &x) != 0)
			return 0;
		n++;
		cs = t;
	}
}

/* Where a field of the line ending at end is in error, a NUL byte in
 * the line is what to report (binary, not text): -1 with r->e set at
 * the NUL, else 0.  Only on the way to an error: no pass over good
 * lines. */
static int
nul_in_line(struct reader *r, const char *end)
{
	const char *z = memchr(r->lp, '\0', (size_t)(end - r->lp));
	const unsigned char *b = (const unsigned char *)r->lp;

	if (z == NULL)
		return 0;
	/* Windows' "Unicode text" (UTF-16, with its byte-order mark) */
	return err_set(r->e, r->name, r->line, col(r, z), "expected text, "
	    "found a NUL byte%s", r->line == 1 && end - r->lp >= 2 &&
	    ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] ==
	    0xff)) ? " (the file is UTF-16: convert it to UTF-8, as iconv "
	    "-f UTF-16 -t UTF-8 does)" : "");
}

/* Is c a digit, or a letter typed for one (O, o for 0; l, I for 1)? */
static int
digitish(int c)
{
	return (c >= '0' && c <= '9') || (c != '\0' && strchr("OolI", c));
}

/* Is *p, in the field [start, end) (past its sign), Fortran's exponent
 * letter D, d ("1.5D-3"): after a digit or a point, before a digit or
 * a sign, in a field that is not hexadecimal ("0x1d3")? */
static int
fortran_d(const char *start, const char *p, const char *end)
{
	if (end - start >= 2 && start[0] == '0' && (start[1] == 'x' ||
	    start[1] == 'X'))
		return 0;
	return (*p == 'd' || *p == 'D') && p > start && ((p[-1] >= '0' &&
	    p[-1] <= '9') || p[-1] == '.') && p + 1 < end && ((p[1] >= '0' &&
	    p[1] <= '9') || p[1] == '+' || p[1] == '-');
}

/* Is the field [p, end) a mark of a missing value, as R, pandas and
 * spreadsheets write one (NA, N/A, null, None, nil, "-", "?", SAS's
 * "."), in these cases only: "Na" is sodium?  (NaN is a number; a
 * quoted "NA" is a name, as R quotes names and not its NA.) */
static int
missing(const char *p, const char *end)
{
	static const char *const mark[] = { "NA", "N/A", "n/a", "null",
	    "NULL", "None", "nil", "-", "?", "." };
	size_t i, n = (size_t)(end - p);

	for (i = 0; i < sizeof mark / sizeof mark[0]; i++)
		if (strlen(mark[i]) == n && memcmp(p, mark[i], n) == 0)
			return 1;
	return 0;
}

/* Does the field [p, end) look like a number: start as one does (a
 * sign or none, then a digit, or a point and a digit) and hold only
 * what numbers hold (digits, signs, points, e, x, p, '_': "1e5.5",
 * "0x1p1", "1.2.3", "1_000")?  A header word ("1st", "10:00") does
 * not.  So does a typo that looks like one: a minus sign U+2212 for
 * '-', or a letter O, o, l or I for a digit in a field with a digit
 * that starts with one or holds a point ("O.5", "1O", "\u22121"); a
 * name such as "l2", "O2" or "I0", or a word ("I", "lo"), does not;
 * with any, any letter O, o, l or I counts (a field that must be a
 * number: "l0"). */
static int
numlike(const char *p, const char *end, int any)
{
	const char *q = p;
	int digit = 0, letter = 0, point = 0;

	if (end - q >= 3 && memcmp(q, "\xe2\x88\x92", 3) == 0)
		q += 3;
	else if (q < end && (*q == '+' || *q == '-'))
		q++;
	p = q;
	if (q < end && *q == '.')
		q++;
	if (!(q < end && digitish(*q)))
		return 0;
	for (; p < end; p++) {
		digit |= *p >= '0' && *p <= '9';
		letter |= !(*p >= '0' && *p <= '9') && digitish(*p);
		point |= *p == '.';
		if (!(digitish(*p) || (*p != '\0' && strchr("+-.eExXpP_", *p) !=
		    NULL) || fortran_d(q, p, end)))
			return 0;
	}
	return digit && (any || !letter || point || (*q >= '0' &&
	    *q <= '9'));
}

/* Are [p, end) digits grouped by '_' in threes, as Python writes them
 * ("1_000", "12_345.5"), not a name such as "2024_01"? */
static int
grouped(const char *p, const char *end)
{
	const char *q;
	int groups = 0;

	for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
		;
	if (q == p || q - p > 3)
		return 0;
	while (q < end && *q == '_' && end - q >= 4 && q[1] >= '0' && q[1] <=
	    '9' && q[2] >= '0' && q[2] <= '9' && q[3] >= '0' && q[3] <= '9' &&
	    (end - q == 4 || !(q[4] >= '0' && q[4] <= '9'))) {
		q += 4;
		groups++;
	}
	return groups > 0 && (q == end || *q == '.' || *q == 'e' || *q == 'E');
}

/* Is there a '_' between two digits in [p, end)? */
static int
between_digits(const char *p, const char *end)
{
	for (p++; p + 1 < end; p++)
		if (*p == '_' && p[-1] >= '0' && p[-1] <= '9' && p[1] >= '0' &&
		    p[1] <= '9')
			return 1;
	return 0;
}

/* Why the field [p, end), not a number, looks like one (numlike()):
 * a letter for a digit, a minus sign for '-', a number in a syntax not
 * read (C's hexadecimal "0x10", Python's "1_000"); else "".  head (a
 * first line, maybe a header): only what no name is, so "0x00" and
 * "2024_01" stay words there, and only hexadecimal floats ("0x1p3") and
 * Python's groups of three count. */
static const char *
typo(const char *p, const char *end, int head)
{
	const char *q, *d;

	if (!numlike(p, end, 1))
		return "";
	if (end - p >= 3 && memcmp(p, "\xe2\x88\x92", 3) == 0)
		return " (U+2212, a minus sign, where '-' is meant?)";
	for (q = p; q < end; q++)
		if (*q != '\0' && strchr("OolI", *q) != NULL)
			return " (a letter O, o, l or I where a digit is "
			    "meant?)";
	q = p + (*p == '+' || *p == '-');
	if (end - q >= 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X') &&
	    (!head || memchr(q, 'p', (size_t)(end - q)) != NULL ||
	    memchr(q, 'P', (size_t)(end - q)) != NULL))
		return " (a hexadecimal number: decimal ones are read)";
	for (d = p; d < end; d++)
		if (fortran_d(p, d, end))
			return " (Fortran's exponent D: write E)";
	if (head ? grouped(q, end) : between_digits(q, end))
		return " (digits grouped by '_': write them without)";
	return "";
}

/* Does [p, end) (a line, or a field) start as NumPy prints an array:
 * "[[", or "[" and a number, or repr's "array(" (not a header, which
 * the line would be read as)? */
static int
printed(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p >= 6 && memcmp(p, "array(", 6) == 0)
		return 1;
	if (end - p < 2 || p[0] != '[')
		return 0;
	p++;
	return *p == '[' || *p == ' ' || *p == '-' || *p == '+' || *p == '.' ||
	    (*p >= '0' && *p <= '9') || (end - p >= 3 &&
	    (strncasecmp(p, "inf", 3) == 0 || strncasecmp(p, "nan", 3) == 0));
}

/* Is the line [p, end) pandas' default header beside its index column,
 * an empty field and then the column names 0, 1, 2, ... (to_csv)?  (An
 * empty first field alone may be a NaN, as to_csv writes one.) */
static int
pandas_header(const char *p, const char *end, int sep)
{
	unsigned long want = 0, v;

	while (end > p && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (p == end || *p != sep)
		return 0;
	while (p < end && *p == sep) {
		if (++p == end || *p < '0' || *p > '9')
			return 0;
		for (v = 0; p < end && *p >= '0' && *p <= '9' && v < 1000000;
		    p++)
			v = v * 10 + (unsigned long)(*p - '0');
		if (v != want++)
			return 0;
	}
	return p == end;
}

/*
 * Parse the fields of the non-blank line [p, end) split by sep, adding
 * its numbers to r->v.  probe (the line may be a header): a field that
 * is not a number is only left out of rw->nums, not an error.  Returns
 * 0, or -1 with r->e set.
 */
static int
parse_row(struct reader *r, const char *p, const char *end, int sep,
    int probe, struct row *rw)
{
	char shown[SHOW_BUF];
	const char *fs, *cs, *ce, *q, *line = p;
	double x;
	int quoted;

	rw->fields = rw->nums = rw->numlike = rw->typos = rw->missing = 0;
	for (;;) {
		p = skip_blanks(p, end, sep);
		if (sep == BLANKS && p == end)
			break;
		fs = p;
		quoted = p < end && *p == '"';
		if (quoted) {
			/* the closing quote is one not followed by another */
			for (q = p + 1;; q += 2) {
				q = memchr(q, '"', (size_t)(end - q));
				if (q == NULL)
					return nul_in_line(r, end) ? -1 :
					    err_set(r->e, r->name, r->line,
					    col(r, end), "expected a closing "
					    "'\"', found the end of the line");
				if (q + 1 == end || q[1] != '"')
					break;
			}
			cs = p + 1;
			ce = q;
			p = skip_blanks(q + 1, end, sep);
			if (sep == BLANKS ? p == q + 1 && p < end :
			    p < end && *p != sep) {
				size_t k = utf8_len((const unsigned char *)p,
				    (size_t)(end - p));

				show(shown, p, k ? k : 1, '\'', 0);
				if (nul_in_line(r, end))
					return -1;
				return err_set(r->e, r->name, r->line,
				    col(r, p), "expected a separator after "
				    "'\"', found '%s'", shown);
			}
		} else if (sep == BLANKS) {
			while (p < end && *p != ' ' && *p != '\t')
				p++;
			cs = fs;
			ce = p;
		} else {
			/* (p < end spelt out: gcc -O3 fears a negative size) */
			q = p < end ? memchr(p, sep, (size_t)(end - p)) : NULL;
			p = q ? q : end;
			cs = fs;
			ce = p;
			while (ce > cs && (ce[-1] == ' ' ||
			    (sep != '\t' && ce[-1] == '\t')))
				ce--;
		}
		rw->fields++;
		if (num_parse(cs, (size_t)(ce - cs), &x) == 0) {
			if (r->n == r->cap && grow(r))
				return -1;
			r->v[r->n++] = x;
			rw->nums++;
		} else if (probe) {
			/* a header field: fine, unless numbers are beside it,
			 * or it is alone and looks like one, or all do and
			 * one has a typo */
			int like = numlike(cs, ce, 0);

			rw->numlike += (size_t)like;
			rw->typos += like && *typo(cs, ce, 1);
			rw->missing += !quoted && missing(cs, ce);
		} else if (nul_in_line(r, end)) {
			return -1;
		} else if (ce == cs) {
			/* pandas' to_csv: ",0,1,2", its index's empty name
			 * before the column names */
			return err_set(r->e, r->name, r->line, col(r, fs),
			    "expected a number, found an empty field%s",
			    r->line == 1 && fs == line && pandas_header(line,
			    end, sep) ? " (a header row with "
			    "an index column, as pandas' to_csv writes: write "
			    "with index=False, header=False)" : "");
		} else {
			/* "1,5<TAB>2,5": tab-separated, with decimal commas
			 * that made ',' the separator */
			int tabbed = sep == ',' && memchr(line, ',', (size_t)(end -
			    line)) != NULL && tab_numbers(cs, ce);
			int blanks = !tabbed && blank_numbers(cs, ce);

			show(shown, cs, (size_t)(ce - cs), '"', quoted);
			return err_set(r->e, r->name, r->line, col(r, fs),
			    "expected a number%s, found \"%s\"%s%s%s%s%s%s%s",
			    tabbed || decimal_comma(cs, (size_t)(ce - cs)) ?
			    " with a decimal point" : "", shown, printed(line,
			    end) || ce[-1] == ']' ? " (an array as NumPy prints "
			    "it: write it with np.savetxt, or np.save)" : "",
			    tabbed ? " (tab-separated numbers with decimal "
			    "commas: the commas were read as separators)" : "",
			    blanks ? " (numbers split by blanks, where the "
			    "file's separator, from its first row of numbers, "
			    "is " : "", blanks ? sep == '\t' ? "a tab)" : sep ==
			    ';' ? "';')" : "',')" : "", typo(cs, ce, 0),
			    !quoted && missing(cs, ce) ? " (a missing value: "
			    "there are none in a matrix, fill it in)" : "",
			    memchr(cs, '\r', (size_t)(ce - cs)) != NULL ?
			    " (lines that end in a CR alone, as old Mac files: "
			    "end them in LF, as tr '\\r' '\\n' does)" : "");
		}
		if (sep != BLANKS) {
			if (p == end)
				break;
			p++;		/* past the separator */
		}
	}
	return 0;
}


/*
 * Whether the line [p, end), on which no field split by sep is a
 * number, has one when split by another of the separators `has` (see
 * seps_in): then it is a row of data in the wrong separator, not a
 * header.  A quoting error in such a reading only ends it.
 */
static int
split_has_number(struct reader *r, const char *p, const char *end,
    int has, int sep)
{
	static const int bit[] = { HAS_SEMI, HAS_COMMA, HAS_TAB };
	static const char chr[] = { ';', ',', '\t' };
	struct err *keep = r->e, scratch;
	struct row rw;
	size_t mark = r->n, i, nums = 0;

	r->e = &scratch;
	for (i = 0; i < sizeof bit / sizeof bit[0] && nums == 0; i++) {
		if (!(has & bit[i]) || chr[i] == sep)
			continue;
		rw.nums = 0;
		(void)parse_row(r, p, end, chr[i], 1, &rw);
		nums = rw.nums;
		r->n = mark;
	}
	r->e = keep;
	return nums > 0;
}

static const char *
plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Check that the block starting at line bline, of rows rows, has the
 * shape r1 x cols of the first one (at line line1). */
static int
check_block(struct reader *r, unsigned long bline, size_t rows, size_t r1,
    size_t cols, unsigned long line1)
{
	if (rows == r1)
		return 0;
	return err_set(r->e, r->name, bline, 1,
	    "expected a block of %zux%zu as at line %lu, found %zu %s", r1,
	    cols, line1, rows, plural(rows, "row", "rows"));
}

/* What parse() saw besides the matrix, for the parallel path. */
/* The fields of the line [p, end) split by sep as written, an empty
 * one at its start too (separators inside double quotes not counted),
 * and in *named whether one of them holds more than quotes and blanks. */
static size_t
raw_fields(const char *p, const char *end, int sep, int *named)
{
	size_t n = 1;
	int quoted = 0;

	*named = 0;
	for (; p < end; p++)
		if (*p == '"')
			quoted = !quoted;
		else if (*p == sep && !quoted)
			n++;
		else if (*p != ' ' && *p != '\t' && *p != '\r')
			*named = 1;
	return n;
}

/* The header line [p, end), when its first name is empty and another
 * is not, as pandas' to_csv (",a,b") and R's write.csv ("\"\",\"a\"")
 * write above their index column: its fields as written; else 0. */
static size_t
index_header(const char *p, const char *end, int sep)
{
	size_t n;
	int named;

	if (sep == BLANKS)
		return 0;
	if (end - p >= 2 && p[0] == '"' && p[1] == '"')
		p += 2;
	if (p == end || *p != sep)
		return 0;
	n = raw_fields(p, end, sep, &named);
	return named ? n : 0;
}

/* Is the data line [p, end) a row of such an index: the header's nh
 * fields, as written, the first the first row name, 0 (pandas) or 1
 * (R), quoted or not? */
static int
index_field(const char *p, const char *end, int sep, size_t nh)
{
	const char *q = skip_blanks(p, end, sep);
	int named;

	if (raw_fields(p, end, sep, &named) != nh)
		return 0;
	if (q < end && *q == '"')
		q++;
	if (q == end || (*q != '0' && *q != '1'))
		return 0;
	q++;
	if (q < end && *q == '"')
		q++;
	q = skip_blanks(q, end, sep);
	return q < end && *q == sep;
}

struct info {
	int sep;		/* the separator of the data lines */
	int header;		/* a header line was skipped */
	size_t blank;		/* blank lines */
	size_t trail;		/* blank lines after the last data line */
};

/* text_read on one thread, telling what it saw in *info; the numbers
 * go to dst (room for dcap), the caller's, while they fit, and m->data
 * is then dst; with dst NULL, or past dcap, to memory of its own. */
static int
parse(const char *buf, size_t len, const char *name, double *dst,
    size_t dcap, struct mat *m, struct mat_shape *sh, struct info *info,
    struct err *e)
{
	struct reader r;
	struct row rw;
	const char *p = buf, *end = buf + len, *nl, *le, *next, *q;
	int sep = BLANKS, have_sep = 0, first = 1, gap = 0, has = 0;
	unsigned long header_line = 0, line1 = 0, bline = 0;
	size_t cols = 0, rows = 0, brows = 0, r1 = 0, nblocks = 0, mark;
	size_t idx = 0;		/* index_header()'s fields, 0: none */
	double *shrunk;

	m->rows = m->cols = 0;
	m->data = NULL;
	memset(&r, 0, sizeof r);
	memset(info, 0, sizeof *info);
	r.name = name;
	r.e = e;
	r.v = dst;
	r.cap = dst ? dcap : 0;
	r.borrowed = dst != NULL;
	for (; p < end; p = next) {
		r.line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		le = nl ? nl : end;
		next = nl ? nl + 1 : end;
		if ((size_t)(le - p) > TEXT_LINE_MAX) {
			text_line_long(e, name, r.line);
			goto fail;
		}
		if (le > p && le[-1] == '\r')
			le--;
		q = skip_blanks(p, le, BLANKS);
		if (q == le) {
			gap = nblocks > 0;	/* ends a block, if one began */
			info->blank++;
			info->trail++;
			continue;
		}
		r.lp = p;
		/* a comment is skipped, but a NUL in it is no text either: a
		 * stream stops at one (input.c), so reading on would lose
		 * the lines after it */
		if (*q == '#') {
			if (nul_in_line(&r, le))
				goto fail;
			continue;
		}
		if (!have_sep) {
			has = seps_in(p, le);
			sep = pick_sep(has);
			have_sep = 1;
		}
		mark = r.n;
		if (first) {
			/* header if no field is a number, however split,
			 * and it is not one field that looks like a number
			 * (a one-column "1e5.5" is a typo, not a header),
			 * nor fields that all do, one with a typo ("−1,−2",
			 * where "2024-01-01,2024-01-02" is a header), nor
			 * fields that all mark missing values ("NA,NA"):
			 * skip it, and choose the separator again on the
			 * next line */
			first = 0;
			if (parse_row(&r, p, le, sep, 1, &rw))
				goto fail;
			/* (a NUL byte is no text: binary, reported where
			 * it is by the strict pass) */
			if (rw.nums == 0 && !(rw.fields == 1 && rw.numlike) &&
			    !(rw.typos > 0 && rw.numlike == rw.fields) &&
			    rw.missing < rw.fields &&
			    !split_has_number(&r, p, le, has,
			    sep) && memchr(p, '\0', (size_t)(le - p)) == NULL &&
			    !printed(p, le)) {
				header_line = r.line;
				idx = index_header(p, le, sep);
				have_sep = 0;
				info->header = 1;
				continue;
			}
			/* numbers and non-numbers: data with an error,
			 * which the strict pass below reports */
			if (rw.nums < rw.fields) {
				r.n = mark;
				if (parse_row(&r, p, le, sep, 0, &rw))
					goto fail;
			}
			reserve(&r, p, end, (size_t)(next - p), rw.nums);
		} else if (parse_row(&r, p, le, sep, 0, &rw)) {
			goto fail;
		}

		if (nblocks == 0 && idx && index_field(p, le, sep, idx)) {
			err_set(e, name, r.line, col(&r, skip_blanks(p, le,
			    sep)), "expected a row of numbers, found a row "
			    "name of an index column, under the empty first "
			    "name of the header at line %lu (as pandas' to_csv "
			    "and R's write.csv write: write with index=False, "
			    "or row.names=FALSE)", header_line);
			goto fail;
		}
		if (nblocks == 0) {
			nblocks = 1;
			line1 = bline = r.line;
			cols = rw.fields;
		} else if (gap) {
			if (nblocks == 1)
				r1 = brows;
			else if (check_block(&r, bline, brows, r1, cols, line1))
				goto fail;
			if (rw.fields != cols) {
				err_set(e, name, r.line, 1, "expected a block of "
				    "%zux%zu as at line %lu, found %zu %s", r1,
				    cols, line1, rw.fields,
				    plural(rw.fields, "field", "fields"));
				goto fail;
			}
			nblocks++;
			bline = r.line;
			brows = 0;
			gap = 0;
		} else if (rw.fields != cols) {
			err_set(e, name, r.line, 1, "expected %zu %s as on line "
			    "%lu, found %zu", cols, plural(cols, "field",
			    "fields"), line1, rw.fields);
			goto fail;
		}
		brows++;
		rows++;
		info->trail = 0;
	}
	info->sep = sep;
	if (nblocks == 0) {
		err_set(e, name, header_line ? header_line : 1, 1,
		    "expected a matrix, found no numbers");
		goto fail;
	}
	if (nblocks > 1 && check_block(&r, bline, brows, r1, cols, line1))
		goto fail;

	/* give back the unused tail of the doubling */
	if (!r.borrowed && r.n < r.cap && (shrunk = realloc(r.v, r.n *
	    sizeof(double))))
		r.v = shrunk;
	m->rows = rows;
	m->cols = cols;
	m->data = r.v;
	if (nblocks == 1) {
		mat_shape_2d(sh, rows, cols);
	} else {
		sh->ndim = 3;
		sh->dim[0] = nblocks;
		sh->dim[1] = r1;
		sh->dim[2] = cols;
		sh->dim[3] = 0;
	}
	return 0;
fail:
	if (!r.borrowed)
		free(r.v);
	return -1;
}

/* The parallel path: a piece of the buffer, parsed on its own. */
struct piece {
	const char *p;
	size_t len;
	const char *name;
	double *dst;		/* where its numbers go, or NULL */
	size_t dcap;
	struct mat m;
	struct mat_shape sh;
	struct info info;
	struct err e;
	int rc;
};

static void
piece_task(void *arg, size_t i, int worker)
{
	struct piece *pc = (struct piece *)arg + i;

	(void)worker;
	pc->rc = parse(pc->p, pc->len, pc->name, pc->dst, pc->dcap, &pc->m,
	    &pc->sh, &pc->info, &pc->e);
}

/* Into how many pieces len bytes of text are cut for w threads: 0 when
 * they are read on one thread (one thread, or less than two pieces'
 * worth); else pieces of TEXT_PIECE_MIN, or of len / PIECES_MAX for
 * more text, whatever w, so that the cuts are the same on any number of
 * threads (the numbers are anyway: each is its own field's).  A 58 MB
 * CSV of 60000 x 48 numbers, two threads: 8 pieces take 116 MB of
 * memory and 97 ms (medians of 12), 16 pieces 130 MB and the same
 * time, 55 of 1 MiB 182 MB; the bench's (b), 44 MB of X.csv and four
 * weights of 5.5 MB, 91 MB with 8 and 106 with 16. */
static size_t
pieces(size_t len, size_t w)
{
	size_t k = len / TEXT_PIECE_MIN;

	if (w < 2 || k < 2)
		return 0;
	return k < PIECES_MAX ? k : PIECES_MAX;
}

size_t
text_scratch(size_t len, int workers)
{
	size_t k = pieces(len, workers > 0 ? (size_t)workers : 0);

	/* the places are contiguous: k + 1 pages at most past the numbers */
	return k > 0 ? (k + 1) * (2 << 20) : 0;
}

/*
 * Pieces of a large buffer, cut after a newline, parsed at once.  The
 * result is the whole buffer's only when the pieces agree: all parsed,
 * one block each, the same separator and width, no header after the
 * first piece, no blank line but at the very end.  Otherwise (a 3-D
 * file, an error anywhere) returns 1 and the caller parses the whole
 * buffer on one thread, which gives the exact result and message.
 *
 * The pieces write into one buffer, each at its own place with room
 * for len / 2 + 1 numbers: more than its text holds (a number takes a
 * byte and a separator), so none outgrows it.  Their numbers are then
 * moved down, in order, into one matrix, and the rest given back.  The
 * buffer is virtual memory of 4 bytes a byte of text, touched only
 * where numbers are written, and of huge pages (mat_buf): a buffer per
 * piece grown by doubling took a copy per doubling and, on small pages,
 * a page fault per 4 KiB, some 500 for each 512 x 512 CSV.  Without
 * that buffer, each piece grows its own and they are copied together.
 */
static int
parse_pieces(const char *buf, size_t len, const char *name, struct par *pool,
    struct mat *m, struct mat_shape *sh)
{
	struct piece *pc;	/* each with an error record: on the heap */
	size_t k, i, at = 0, cut, rows = 0, n, tot = 0;
	double *big, *dst, *shrunk;
	struct err e;
	int ok = 1;

	k = pieces(len, (size_t)par_workers(pool));
	if ((pc = calloc(k, sizeof *pc)) == NULL)
		return 1;	/* read on one thread */
	for (i = 0; i < k; i++) {
		const char *nl;

		cut = i + 1 == k ? len : len / k * (i + 1);
		if (cut < at)
			cut = at;
		nl = cut < len ? memchr(buf + cut, '\n', len - cut) : NULL;
		cut = nl ? (size_t)(nl - buf) + 1 : len;
		pc[i].p = buf + at;
		pc[i].len = cut - at;
		pc[i].name = name;
		pc[i].dcap = pc[i].len / 2 + 1;
		tot += pc[i].dcap;	/* <= len / 2 + k: no overflow */
		at = cut;
	}
	big = mat_buf(tot, sizeof(double), name, &e);
	for (i = 0, at = 0; big != NULL && i < k; i++) {
		pc[i].dst = big + at;
		at += pc[i].dcap;
	}
	par_run(pool, k, piece_task, pc);
	for (i = 0; i < k; i++) {
		const struct info *f = &pc[i].info;

		ok = ok && pc[i].rc == 0 && pc[i].sh.ndim == 2 &&
		    pc[i].m.cols == pc[0].m.cols && f->sep == pc[0].info.sep &&
		    (i == 0 || !f->header) &&
		    f->blank == (i + 1 == k ? f->trail : 0);
		rows += pc[i].m.rows;
	}
	dst = NULL;
	if (ok && mat_mul_size(rows, pc[0].m.cols, &n) == 0 &&
	    (dst = big ? big : mat_buf(n, sizeof(double), name, &e)) != NULL) {
		/* down, in order: piece i's place starts at or past at */
		for (i = 0, at = 0; i < k; i++) {
			n = pc[i].m.rows * pc[i].m.cols;
			if (n > 0 && pc[i].m.data != dst + at)
				memmove(dst + at, pc[i].m.data, n *
				    sizeof(double));
			at += n;
		}
		m->rows = rows;
		m->cols = pc[0].m.cols;
		mat_shape_2d(sh, rows, m->cols);
	} else
		ok = 0;
	for (i = 0; i < k; i++) {
		if (big != NULL && pc[i].m.data == pc[i].dst)
			pc[i].m.data = NULL;	/* in big, not its own */
		mat_free(&pc[i].m);
	}
	free(pc);
	if (!ok) {
		free(big);
		return 1;
	}
	/* the rest of big back (its pages past the numbers, touched at
	 * the end of each piece's place) */
	if (dst == big && (shrunk = realloc(big, (at ? at : 1) *
	    sizeof(double))) != NULL)
		dst = shrunk;
	m->data = dst;
	return 0;
}

int
text_line_long(struct err *e, const char *name, unsigned long line)
{
	return err_set(e, name, line, 1, "expected a line of at most %zu MiB, "
	    "found more", TEXT_LINE_MAX >> 20);
}

int
text_read(const char *buf, size_t len, const char *name, struct par *pool,
    struct mat *m, struct mat_shape *sh, struct err *e)
{
	struct info info;

	memset(m, 0, sizeof *m);
	/* a byte order mark, as some editors write, is not data */
	if (len >= 3 && memcmp(buf, TEXT_BOM, 3) == 0) {
		buf += 3;
		len -= 3;
	}
	if (pool != NULL && pieces(len, (size_t)par_workers(pool)) > 0 &&
	    parse_pieces(buf, len, name, pool, m, sh) == 0)
		return 0;
	return parse(buf, len, name, NULL, 0, m, sh, &info, e);
}
