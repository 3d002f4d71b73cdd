/*
 * npy.c - read NumPy .npy arrays of real numbers, write a '<f8' header.
 *
 * The format (numpy.lib.format): the 6-byte magic "\x93NUMPY", a major
 * and a minor version byte, the header length as a little-endian
 * unsigned integer of 2 bytes (version 1.0) or 4 bytes (2.0 and 3.0),
 * then the header: the text of a Python dict literal such as
 *	{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and ended by '\n' (latin-1 text in 1.0 and 2.0,
 * UTF-8 in 3.0).  The data follow at once: prod(shape) items, last
 * index fastest (C order) or first index fastest (Fortran order).
 * descr is numpy's dtype.str: a byte order ('<' little, '>' big, '|'
 * not applicable, '=' native) then a kind letter and the item size in
 * bytes, as '<f8', '>i2', '|u1', '|b1'; a structured dtype is a list.
 * Writers pad preamble and header to a multiple of 64 bytes, but a
 * reader must not count on it.  Bytes after the data are ignored, as
 * numpy does.
 *
 * The file is untrusted: every read is bounded by len, every size is
 * checked for overflow, and the data's length is checked against the
 * shape before anything is allocated.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

#define MAGIC		"\x93NUMPY"
#define UTF8_MAGIC	"\xc2\x93NUMPY"	/* the magic re-encoded as UTF-8 */
#define MAGIC_LEN	6
#define ALIGN		64	/* numpy pads preamble + header to this */
#define GROWTH_DIGITS	21	/* numpy leaves room for shape[0] to grow
				 * to this many digits (numpy >= 1.24) */
#define QUOTE_MAX	40	/* header bytes quoted in a message */
#define REAL_TYPES	"a real number type (f2 f4 f8, i1-i8, u1-u8, b1)"

/* The bit-copying of f4 and f8 items below needs IEEE-sized types. */
_Static_assert(sizeof(float) == 4 && sizeof(double) == 8,
    "float and double must be IEEE binary32 and binary64");

/* A dtype we can read. */
struct dtype {
	char kind;		/* 'f' float, 'i' signed, 'u' unsigned, 'b' bool */
	size_t size;		/* bytes per item: 1, 2, 4 or 8 */
	int big;		/* items are big-endian */
};

/* What the header dict says. */
struct header {
	size_t descr_at;	/* the descr string: offset into the file */
	size_t descr_len;
	int fortran;		/* fortran_order */
	size_t ndim;		/* may exceed MAT_MAXDIM: rejected later */
	size_t dim[MAT_MAXDIM];
	char shape[96];		/* the shape for messages: "2x3", "()" */
	int shape_cut;		/* shape[] ends in "x..." */
};

/* A cursor over the header text. */
struct parser {
	const unsigned char *buf;	/* the whole file */
	size_t pos;		/* next byte, as an offset into the file */
	size_t end;		/* offset just past the header */
	const char *name;
	struct err *e;
};

static const char *const keys[] = { "descr", "fortran_order", "shape" };

int
npy_is(const unsigned char *buf, size_t len)
{
	return len >= MAGIC_LEN && memcmp(buf, MAGIC, MAGIC_LEN) == 0;
}

int
npy_like(const unsigned char *buf, size_t len)
{
	return npy_is(buf, len) || (len >= MAGIC_LEN + 2 && buf[0] == 0x93 &&
	    buf[MAGIC_LEN] >= 1 && buf[MAGIC_LEN] <= 3 &&
	    buf[MAGIC_LEN + 1] == 0) || (len >= MAGIC_LEN &&
	    (buf[0] < 0x20 || buf[0] >= 0x7f) &&
	    memcmp(buf + 1, &MAGIC[1], MAGIC_LEN - 1) == 0) ||
	    (len >= sizeof UTF8_MAGIC - 1 &&
	    memcmp(buf, UTF8_MAGIC, sizeof UTF8_MAGIC - 1) == 0) ||
	    (len > 1 && len < MAGIC_LEN && memcmp(buf, MAGIC, len) == 0);
}

int
npy_host_little(void)
{
	const uint16_t one = 1;
	unsigned char b[sizeof one];

	memcpy(b, &one, sizeof one);
	return b[0] == 1;
}

/*
 * Copy src[0..n) into dst (cap bytes, NUL-terminated), bytes outside
 * printable ASCII written as \xHH and anything past QUOTE_MAX bytes cut
 * to "...": header text is untrusted and ends up on a terminal.
 */
static void
quote(char *dst, size_t cap, const unsigned char *src, size_t n)
{
	size_t len = 0, i;
	int w;

	dst[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i == QUOTE_MAX)
			w = snprintf(dst + len, cap - len, "...");
		else if (src[i] >= 0x20 && src[i] < 0x7f)
			w = snprintf(dst + len, cap - len, "%c", src[i]);
		else
			w = snprintf(dst + len, cap - len, "\\x%02x", src[i]);
		if (w < 0 || (size_t)w >= cap - len || i == QUOTE_MAX)
			break;
		len += (size_t)w;
	}
}

/* Describe the byte under the cursor, for "found ..." in messages. */
static const char *
found(const struct parser *p, char *buf, size_t cap)
{
	int c;

	if (p->pos >= p->end)
		return "the end of the header";
	c = p->buf[p->pos];
	if (c == '\'')
		snprintf(buf, cap, "\"'\"");
	else if (c >= 0x20 && c < 0x7f)
		snprintf(buf, cap, "'%c'", c);
	else
		snprintf(buf, cap, "byte 0x%02x", (unsigned)c);
	return buf;
}

/* Fail with "expected WHAT, found ..." at the cursor's column. */
static int
expected(const struct parser *p, const char *what)
{
	char f[32];

	return err_set(p->e, p->name, 1, (unsigned long)p->pos + 1,
	    "expected %s in the .npy header, found %s", what,
	    found(p, f, sizeof f));
}

static int
at(const struct parser *p, int c)
{
	return p->pos < p->end && p->buf[p->pos] == c;
}

static int
at_digit(const struct parser *p)
{
	return p->pos < p->end && p->buf[p->pos] >= '0' &&
	    p->buf[p->pos] <= '9';
}

/* Python allows any whitespace, newlines included, inside braces. */
static void
skip_space(struct parser *p)
{
	while (p->pos < p->end && (p->buf[p->pos] == ' ' ||
	    p->buf[p->pos] == '\t' || p->buf[p->pos] == '\n' ||
	    p->buf[p->pos] == '\r' || p->buf[p->pos] == '\f'))
		p->pos++;
}

/*
 * Parse a string literal in single or double quotes, the cursor on the
 * opening quote; set *at_ and *len to its contents.  numpy never writes
 * escapes, so a backslash is refused rather than half understood.
 */
static int
parse_string(struct parser *p, size_t *at_, size_t *len)
{
	size_t open = p->pos;
	int q = p->buf[p->pos++];

	*at_ = p->pos;
	for (; p->pos < p->end && p->buf[p->pos] != q; p->pos++) {
		if (p->buf[p->pos] == '\\')
			return expected(p, "no backslash escapes in a string");
		if (p->buf[p->pos] == '\n')
			break;
	}
	if (!at(p, q))
		return err_set(p->e, p->name, 1, (unsigned long)open + 1,
		    "unterminated string in the .npy header");
	*len = p->pos - *at_;
	p->pos++;
	return 0;
}

/*
 * A list descr is a structured dtype (named fields).  Quote it up to
 * its closing ']' (or QUOTE_MAX bytes) in the message.
 */
static int
structured(const struct parser *p)
{
	char q[4 * QUOTE_MAX + 8];
	size_t i = p->pos;
	int depth = 0, in = 0;

	for (; i < p->end; i++) {
		int c = p->buf[i];

		if (in) {
			if (c == in)
				in = 0;
		} else if (c == '\'' || c == '"') {
			in = c;
		} else if (c == '[') {
			depth++;
		} else if (c == ']' && --depth == 0) {
			i++;
			break;
		}
	}
	quote(q, sizeof q, p->buf + p->pos, i - p->pos);
	return err_set(p->e, p->name, 0, 0,
	    "unsupported dtype %s (structured: named fields); expected "
	    REAL_TYPES, q);
}

static int
parse_descr(struct parser *p, struct header *h)
{
	if (at(p, '['))
		return structured(p);
	if (!at(p, '\'') && !at(p, '"'))
		return expected(p, "a quoted dtype such as '<f8' as the "
		    "value of 'descr'");
	return parse_string(p, &h->descr_at, &h->descr_len);
}

/* True or False, not followed by more of a Python name. */
static int
parse_bool(struct parser *p, int *v)
{
	static const char *const word[] = { "False", "True" };
	int i;

	for (i = 0; i < 2; i++) {
		size_t n = strlen(word[i]), after = p->pos + n;
		int c;

		if (p->end - p->pos < n ||
		    memcmp(p->buf + p->pos, word[i], n) != 0)
			continue;
		c = after < p->end ? p->buf[after] : ' ';
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_')
			continue;
		p->pos = after;
		*v = i;
		return 0;
	}
	return expected(p, "True or False as the value of "
	    "'fortran_order'");
}

/* Add dimension v to h->shape, the text messages show. */
static void
shape_text_add(struct header *h, size_t v)
{
	char num[32];
	size_t len, n;

	if (h->shape_cut)
		return;
	len = strlen(h->shape);
	n = (size_t)snprintf(num, sizeof num, "%s%zu", len ? "x" : "", v);
	/* Keep room for "x..." and the NUL after whatever fits. */
	if (len + n + 5 > sizeof h->shape) {
		memcpy(h->shape + len, "x...", 5);
		h->shape_cut = 1;
		return;
	}
	memcpy(h->shape + len, num, n + 1);
}

/*
 * A tuple of non-negative integers: (), (5,), (2, 3), (2, 3,).  An
 * integer may carry the 'L' that Python 2 numpy wrote on longs.  (5)
 * is refused: Python reads it as a number, not a tuple.
 */
static int
parse_shape(struct parser *p, struct header *h)
{
	if (!at(p, '('))
		return expected(p, "a tuple such as (2, 3) as the value "
		    "of 'shape'");
	p->pos++;
	skip_space(p);
	if (at(p, ')')) {
		p->pos++;
		snprintf(h->shape, sizeof h->shape, "()");
		return 0;
	}
	for (;;) {
		size_t v = 0, start = p->pos;

		if (!at_digit(p))
			return expected(p, "a dimension (an integer >= 0)");
		for (; at_digit(p); p->pos++) {
			size_t d = (size_t)(p->buf[p->pos] - '0');

			if (v > (SIZE_MAX - d) / 10)
				return err_set(p->e, p->name, 1,
				    (unsigned long)start + 1,
				    "dimension in the .npy header is too "
				    "large (more than %zu)", (size_t)SIZE_MAX);
			v = v * 10 + d;
		}
		if (at(p, 'L'))
			p->pos++;
		if (h->ndim < MAT_MAXDIM)
			h->dim[h->ndim] = v;
		h->ndim++;
		shape_text_add(h, v);
		skip_space(p);
		if (at(p, ',')) {
			p->pos++;
			skip_space(p);
			if (at(p, ')'))
				break;
			continue;
		}
		if (at(p, ')')) {
			if (h->ndim == 1)
				return err_set(p->e, p->name, 1,
				    (unsigned long)p->pos + 1,
				    "expected ',' before ')' in the .npy "
				    "header: a 1-D shape is written (%zu,), "
				    "(%zu) is a number", v, v);
			break;
		}
		return expected(p, "',' or ')' after a dimension");
	}
	p->pos++;
	return 0;
}

/*
 * The header: one dict with exactly the keys descr, fortran_order and
 * shape, in any order, then only whitespace.
 */
static int
parse_header(struct parser *p, struct header *h)
{
	int seen[3] = { 0, 0, 0 };
	size_t close, k;

	skip_space(p);
	if (!at(p, '{'))
		return expected(p, "'{' to open the dict");
	p->pos++;
	for (;;) {
		size_t key_at, s, n;
		char q[4 * QUOTE_MAX + 8];
		int rc;

		skip_space(p);
		if (at(p, '}'))
			break;
		key_at = p->pos;
		if (!at(p, '\'') && !at(p, '"'))
			return expected(p, "a quoted key or '}'");
		if (parse_string(p, &s, &n))
			return -1;
		for (k = 0; k < 3; k++)
			if (strlen(keys[k]) == n &&
			    memcmp(p->buf + s, keys[k], n) == 0)
				break;
		quote(q, sizeof q, p->buf + s, n);
		if (k == 3)
			return err_set(p->e, p->name, 1,
			    (unsigned long)key_at + 1, "unknown key '%s' in "
			    "the .npy header; expected 'descr', "
			    "'fortran_order' or 'shape'", q);
		if (seen[k])
			return err_set(p->e, p->name, 1,
			    (unsigned long)key_at + 1,
			    "key '%s' appears twice in the .npy header", q);
		seen[k] = 1;
		skip_space(p);
		if (!at(p, ':'))
			return expected(p, "':' after a key");
		p->pos++;
		skip_space(p);
		if (k == 0)
			rc = parse_descr(p, h);
		else if (k == 1)
			rc = parse_bool(p, &h->fortran);
		else
			rc = parse_shape(p, h);
		if (rc)
			return -1;
		skip_space(p);
		if (at(p, ','))
			p->pos++;
		else if (!at(p, '}'))
			return expected(p, "',' or '}' after a value");
	}
	close = p->pos++;
	skip_space(p);
	if (p->pos < p->end)
		return expected(p, "only spaces and a newline after '}'");
	for (k = 0; k < 3; k++)
		if (!seen[k])
			return err_set(p->e, p->name, 1,
			    (unsigned long)close + 1,
			    "the .npy header has no '%s' key", keys[k]);
	return 0;
}

/*
 * Decode descr s[0..n) into dt.  Returns NULL, or, for a dtype we do
 * not read, what kind of dtype it is.  '?' is numpy's one-letter name
 * of bool; '!' is its network (big-endian) order.
 */
static const char *
parse_dtype(const unsigned char *s, size_t n, struct dtype *dt)
{
	size_t i = 0, size = 0, ndigit = 0;
	int order = '=', kind;

	if (n == 1 && s[0] == '?') {
		dt->kind = 'b';
		dt->size = 1;
		dt->big = 0;
		return NULL;
	}
	if (n > 0 && (s[0] == '<' || s[0] == '>' || s[0] == '|' ||
	    s[0] == '=' || s[0] == '!'))
		order = s[i++];
	if (i == n)
		return "unrecognized";
	kind = s[i++];
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ndigit++)
		if (size < 100000)	/* far past any real size: no overflow */
			size = size * 10 + (size_t)(s[i] - '0');
	switch (kind) {
	case 'c':
		return "complex";
	case 'O':
		return "Python objects";
	case 'U':
		return "unicode string";
	case 'S':
	case 'a':
		return "byte string";
	case 'V':
		/* np.save of ml_dtypes' bfloat16 (JAX, a torch tensor's
		 * .view) writes V2 */
		return size == 2 && ndigit == 1 ? "raw bytes, as NumPy saves a "
		    "bfloat16: convert it first, t.float().numpy()" :
		    "raw bytes";
	case 'M':
		return "datetime";
	case 'm':
		return "timedelta";
	case 'f':
	case 'i':
	case 'u':
	case 'b':
		break;
	default:
		return "unrecognized";
	}
	if (ndigit == 0 || i != n)
		return "unrecognized";
	if (kind == 'f' && size != 2 && size != 4 && size != 8)
		return size > 8 ? "long double" :
		    "float of unsupported size";
	if ((kind == 'i' || kind == 'u') && size != 1 && size != 2 &&
	    size != 4 && size != 8)
		return "integer of unsupported size";
	if (kind == 'b' && size != 1)
		return "boolean of unsupported size";
	dt->kind = (char)kind;
	dt->size = size;
	dt->big = order == '>' || order == '!' ||
	    ((order == '=' || order == '|') && !npy_host_little());
	return NULL;
}

/* IEEE binary16 bits to double: exact, as every half is a double; a
 * NaN keeps its payload and quiet bit, as NumPy's astype(float64). */
static double
half_to_double(unsigned h)
{
	unsigned exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
	uint64_t u;
	double x;

	if (exp == 0)			/* zero or subnormal: frac * 2^-24 */
		x = ldexp(frac, -24);
	else if (exp == 31 && frac) {	/* the sign and fraction, moved */
		u = (uint64_t)(h & 0x8000) << 48 | (uint64_t)0x7ff << 52 |
		    (uint64_t)frac << 42;
		memcpy(&x, &u, sizeof x);
		return x;
	} else if (exp == 31)
		x = INFINITY;
	else				/* 1.frac * 2^(exp-15) */
		x = ldexp(frac + 1024, (int)exp - 25);
	return h & 0x8000 ? -x : x;
}

/*
 * One item at p to double.  The bytes are assembled by significance,
 * so the host's byte order never matters; integers keep to unsigned
 * arithmetic, so no conversion is implementation-defined.  i8 and u8
 * beyond 2^53 round to a nearby double.
 */
static double
decode(const unsigned char *p, const struct dtype *dt)
{
	uint64_t u = 0, sign;
	uint32_t w;
	size_t i;
	float f;
	double d;

	for (i = 0; i < dt->size; i++)
		u = u << 8 | p[dt->big ? i : dt->size - 1 - i];
	switch (dt->kind) {
	case 'b':
		return u != 0;
	case 'u':
		return (double)u;
	case 'i':
		sign = (uint64_t)1 << (8 * dt->size - 1);
		if (u & sign)	/* magnitude = 2^bits - u, two's complement */
			return -(double)((~u + 1) & (sign | (sign - 1)));
		return (double)u;
	default:
		if (dt->size == 2)
			return half_to_double((unsigned)u);
		if (dt->size == 4) {
			w = (uint32_t)u;
			memcpy(&f, &w, sizeof f);
			return f;
		}
		memcpy(&d, &u, sizeof d);
		return d;
	}
}

int
npy_read(const unsigned char *buf, size_t len, const char *name,
    struct mat *m, struct mat_shape *sh, struct err *e)
{
	return npy_read_view(buf, len, name, m, sh, NULL, e);
}

/* tab[b] = the value of the one-byte item b of type dt: a byte is
 * looked up, not decoded (a call an item took 0.18 s for a 4096 x
 * 4096 mask). */
static void
byte_values(const struct dtype *dt, double tab[256])
{
	unsigned char c;
	int i;

	for (i = 0; i < 256; i++) {
		c = (unsigned char)i;
		tab[i] = decode(&c, dt);
	}
}

/* A mask's n items as bytes, into m->bytes: booleans as they are (any
 * byte but 0 true, as numpy reads them), other items as 0 and 1 if
 * every one is 0 or 1; items of one byte in data itself when borrowed
 * is not NULL (*borrowed = 1).  Returns 1; 0 when an item is neither 0
 * nor 1, m->bytes NULL (the caller reads numbers, whose check names it);
 * or -1 with e set. */
static int
read_bools(const unsigned char *data, size_t n, const struct dtype *dt,
    struct mat *m, int *borrowed, const char *name, struct err *e)
{
	double tab[256], v;
	size_t i;

	if (dt->size == 1 && dt->kind != 'b') {
		byte_values(dt, tab);
		for (i = 0; i < n; i++)
			if (tab[data[i]] != 0 && tab[data[i]] != 1)
				return 0;
	}
	if (dt->size == 1 && borrowed != NULL) {
		m->bytes = (unsigned char *)(uintptr_t)data;
		*borrowed = 1;
		return 1;
	}
	if ((m->bytes = mat_buf(n, 1, name, e)) == NULL)
		return -1;
	if (dt->size == 1) {
		memcpy(m->bytes, data, n);
		return 1;
	}
	for (i = 0; i < n; i++) {
		v = decode(data + i * dt->size, dt);
		if (v != 0 && v != 1) {
			free(m->bytes);
			m->bytes = NULL;
			return 0;
		}
		m->bytes[i] = v != 0;
	}
	return 1;
}

/* What parse() makes of the numbers. */
enum how {
	VALUES,		/* npy_read_view */
	SHAPE,		/* npy_shape: none */
	BOOLS		/* npy_read_bools */
};

/* npy_read_view, npy_shape or npy_read_bools, as how says. */
static int
parse(const unsigned char *buf, size_t len, const char *name,
    struct mat *m, struct mat_shape *sh, int *borrowed, enum how how,
    struct err *e)
{
	struct parser p;
	struct header h;
	struct dtype dt;
	const unsigned char *data;
	const char *bad;
	char descr[4 * QUOTE_MAX + 8];
	size_t lensize, start, hlen, n, need, rows, cols, i;
	int k, nd;

	memset(m, 0, sizeof *m);
	if (borrowed != NULL)
		*borrowed = 0;
	if (!npy_is(buf, len)) {
		/* its first bytes, as \xHH but for printable ASCII */
		char got[4 * (MAGIC_LEN + 1) + 1], *g = got;
		int utf8 = len >= sizeof UTF8_MAGIC - 1 &&
		    memcmp(buf, UTF8_MAGIC, sizeof UTF8_MAGIC - 1) == 0;

		for (i = 0; i < MAGIC_LEN + (size_t)utf8 && i < len; i++)
			g += sprintf(g, buf[i] >= 0x20 && buf[i] < 0x7f &&
			    buf[i] != '\\' ? "%c" : "\\x%02x", buf[i]);
		return err_set(e, name, 0, 0, "expected the .npy magic string "
		    "\\x93NUMPY, found %s%s", got, utf8 ? " (the file was "
		    "re-encoded as UTF-8 text: its binary data is lost)" :
		    i < len ? "" : " and the end of the file");
	}
	if (len < MAGIC_LEN + 2)
		return err_set(e, name, 0, 0, "truncated .npy file: expected "
		    "%d bytes of preamble, found %zu", MAGIC_LEN + 2, len);
	if (buf[6] < 1 || buf[6] > 3 || buf[7] != 0)
		return err_set(e, name, 0, 0, "unsupported .npy format version "
		    "%u.%u; expected 1.0, 2.0 or 3.0", (unsigned)buf[6],
		    (unsigned)buf[7]);
	lensize = buf[6] == 1 ? 2 : 4;
	start = MAGIC_LEN + 2 + lensize;
	if (len < start)
		return err_set(e, name, 0, 0, "truncated .npy file: expected "
		    "%zu bytes of preamble, found %zu", start, len);
	hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
	if (lensize == 4)
		hlen |= (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
	if (hlen > len - start)
		return err_set(e, name, 0, 0, "truncated .npy file: expected "
		    "%zu bytes of header, found %zu", hlen, len - start);

	memset(&h, 0, sizeof h);
	p.buf = buf;
	p.pos = start;
	p.end = start + hlen;
	p.name = name;
	p.e = e;
	if (parse_header(&p, &h))
		return -1;

	quote(descr, sizeof descr, buf + h.descr_at, h.descr_len);
	if ((bad = parse_dtype(buf + h.descr_at, h.descr_len, &dt)) != NULL)
		return err_set(e, name, 0, 0, "unsupported dtype '%s' (%s); "
		    "expected " REAL_TYPES, descr, bad);
	if (h.ndim > MAT_MAXDIM)
		return err_set(e, name, 0, 0, "%zu-D shape %s has too many "
		    "dimensions; at most %d are supported", h.ndim, h.shape,
		    MAT_MAXDIM);
	nd = (int)h.ndim;

	/* Element count and row count; a zero dimension empties the array
	 * whatever the others are. */
	n = 1;
	rows = 1;
	for (k = 0; k < nd; k++)
		if (h.dim[k] == 0)
			n = 0;
	for (k = 0; k < nd; k++) {
		if (n != 0 && mat_mul_size(n, h.dim[k], &n))
			return err_set(e, name, 0, 0, "shape %s of '%s' is too "
			    "large to hold", h.shape, descr);
		if (k < nd - 1 && mat_mul_size(rows, h.dim[k], &rows))
			return err_set(e, name, 0, 0, "shape %s of '%s' is too "
			    "large to hold", h.shape, descr);
	}
	cols = nd > 0 ? h.dim[nd - 1] : 1;
	if (mat_mul_size(n, dt.size, &need))
		return err_set(e, name, 0, 0, "shape %s of '%s' is too large "
		    "to hold", h.shape, descr);
	if (need > len - p.end)
		return err_set(e, name, 0, 0, "expected %zu bytes of data for "
		    "shape %s '%s', found %zu", need, h.shape, descr,
		    len - p.end);
	data = buf + p.end;
	m->rows = rows;
	m->cols = cols;
	if (how == SHAPE)
		;
	else if (how == BOOLS && n > 0 && (!h.fortran || nd < 2) &&
	    (k = read_bools(data, n, &dt, m, borrowed, name, e)) != 0) {
		if (k < 0) {
			m->rows = m->cols = 0;
			return -1;
		}
	} else if (borrowed != NULL && n > 0 && (!h.fortran || nd < 2) &&
	    dt.kind == 'f' && dt.size == 8 && dt.big == !npy_host_little() &&
	    (uintptr_t)data % sizeof(double) == 0) {
		/* the tool's own format, in place: no copy */
		m->data = (double *)(uintptr_t)data;
		*borrowed = 1;
	} else if ((m->data = mat_buf(n, sizeof(double), name, e)) == NULL) {
		/* (every element is written below: no zero-fill) */
		m->rows = m->cols = 0;
		return -1;
	} else if ((!h.fortran || nd < 2) && dt.kind == 'f' && dt.size == 8 &&
	    dt.big == !npy_host_little()) {
		/* the tool's own format, in this host's byte order */
		memcpy(m->data, data, n * sizeof(double));
	} else if ((!h.fortran || nd < 2) && dt.size == 1) {
		double tab[256];

		byte_values(&dt, tab);
		for (i = 0; i < n; i++)
			m->data[i] = tab[data[i]];
	} else if (!h.fortran || nd < 2) {
		for (i = 0; i < n; i++)
			m->data[i] = decode(data + i * dt.size, &dt);
	} else {
		/* The file's first index runs fastest: walk the file in
		 * order with an odometer over the index, and place each
		 * item at its row-major (C-order) offset. */
		size_t idx[MAT_MAXDIM] = { 0 }, stride[MAT_MAXDIM], c;

		stride[nd - 1] = 1;
		for (k = nd - 2; k >= 0; k--)
			stride[k] = stride[k + 1] * h.dim[k + 1];
		for (i = 0; i < n; i++) {
			for (c = 0, k = 0; k < nd; k++)
				c += idx[k] * stride[k];
			m->data[c] = decode(data + i * dt.size, &dt);
			for (k = 0; k < nd && ++idx[k] == h.dim[k]; k++)
				idx[k] = 0;
		}
	}

	if (nd == 0) {
		mat_shape_2d(sh, 1, 1);
	} else {
		memset(sh, 0, sizeof *sh);
		sh->ndim = nd;
		for (k = 0; k < nd; k++)
			sh->dim[k] = h.dim[k];
	}
	return 0;
}

int
npy_read_view(const unsigned char *buf, size_t len, const char *name,
    struct mat *m, struct mat_shape *sh, int *borrowed, struct err *e)
{
	return parse(buf, len, name, m, sh, borrowed, VALUES, e);
}

int
npy_read_bools(const unsigned char *buf, size_t len, const char *name,
    struct mat *m, struct mat_shape *sh, int *borrowed, struct err *e)
{
	return parse(buf, len, name, m, sh, borrowed, BOOLS, e);
}

int
npy_shape(const unsigned char *buf, size_t len, const char *name,
    struct mat *m, struct mat_shape *sh, struct err *e)
{
	return parse(buf, len, name, m, sh, NULL, SHAPE, e);
}

int
npy_size(const unsigned char *buf, size_t len, size_t *size)
{
	struct parser p;
	struct header h;
	struct dtype dt;
	struct err e;
	size_t start, hlen, n = 1;
	int k;

	if (len < MAGIC_LEN + 2) {
		*size = MAGIC_LEN + 2;
		return 1;
	}
	if (!npy_is(buf, len) || buf[6] < 1 || buf[6] > 3 || buf[7] != 0)
		return -1;
	start = MAGIC_LEN + 2 + (buf[6] == 1 ? 2 : 4);
	if (len < start) {
		*size = start;
		return 1;
	}
	hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
	if (buf[6] != 1)
		hlen |= (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
	if (hlen > len - start) {
		*size = start + hlen;
		return 1;
	}

	/* npy_read's checks, without its messages */
	memset(&h, 0, sizeof h);
	p.buf = buf;
	p.pos = start;
	p.end = start + hlen;
	p.name = NULL;
	p.e = &e;
	if (parse_header(&p, &h) || parse_dtype(buf + h.descr_at,
	    h.descr_len, &dt) != NULL || h.ndim > MAT_MAXDIM)
		return -1;
	for (k = 0; k < (int)h.ndim; k++)
		if (h.dim[k] == 0)
			n = 0;
	/* a size past SIZE_MAX: all the stream has, which npy_read then
	 * counts in its message ("found 48") */
	for (k = 0; k < (int)h.ndim && n != 0; k++)
		if (mat_mul_size(n, h.dim[k], &n))
			n = SIZE_MAX;
	if (mat_mul_size(n, dt.size, &n) || n > SIZE_MAX - p.end)
		n = SIZE_MAX - p.end;
	*size = p.end + n;
	return 0;
}

size_t
npy_header(char *buf, size_t cap, const char *descr, const struct mat_shape *sh)
{
	unsigned char *u = (unsigned char *)buf;
	char dict[192];
	size_t len, hlen, pad, total, grow = 0;
	int i, w;

	if (sh->ndim > MAT_MAXDIM || strlen(descr) > 8)
		return 0;
	/* Keys sorted, each "'key': repr(value), ", as numpy writes. */
	len = (size_t)snprintf(dict, sizeof dict,
	    "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
	for (i = 0; i < sh->ndim; i++) {
		w = snprintf(dict + len, sizeof dict - len, "%s%zu",
		    i ? ", " : "", sh->dim[i]);
		if (i == 0)
			grow = GROWTH_DIGITS - (size_t)w;
		len += (size_t)w;
	}
	len += (size_t)snprintf(dict + len, sizeof dict - len, "%s), }",
	    sh->ndim == 1 ? "," : "");

	/* numpy's padding: room for shape[0] to grow, then spaces up to
	 * the next multiple of ALIGN counting the '\n' -- a whole ALIGN
	 * of spaces when already aligned. */
	hlen = len + grow + 1;
	pad = ALIGN - (MAGIC_LEN + 4 + hlen) % ALIGN;
	total = MAGIC_LEN + 4 + hlen + pad;
	if (total > cap)
		return 0;
	memcpy(buf, MAGIC, MAGIC_LEN);
	u[6] = 1;			/* version 1.0 */
	u[7] = 0;
	u[8] = (unsigned char)((hlen + pad) & 0xff);	/* little-endian */
	u[9] = (unsigned char)((hlen + pad) >> 8);
	memcpy(buf + 10, dict, len);
	memset(buf + 10 + len, ' ', grow + pad);
	buf[total - 1] = '\n';
	return total;
}
