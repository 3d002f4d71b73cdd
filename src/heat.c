/*
 * heat.c - SVG and terminal heatmaps of the weights (see heat.h).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "heat.h"
#include "heat_page.h"
#include "num.h"

#define LABEL_CHARS 16		/* longer labels are cut on the axes, with an
				 * ellipsis */
#define TIP_CHARS 100		/* and in the SVG's tooltips, which repeat
				 * them in every cell */
#define LABEL_BUF 1024		/* bytes of an axis label (cut()): 15 long
				 * emoji sequences (a family of four with skin
				 * tones is 41 bytes) and the ellipsis */

/* Viridis (matplotlib's), at 0, 0.1, .. 1; linear in between. */
static const unsigned char viridis[11][3] = {
	{ 0x44, 0x01, 0x54 }, { 0x48, 0x24, 0x75 }, { 0x41, 0x44, 0x87 },
	{ 0x35, 0x5f, 0x8d }, { 0x2a, 0x78, 0x8e }, { 0x21, 0x91, 0x8c },
	{ 0x22, 0xa8, 0x84 }, { 0x44, 0xbf, 0x70 }, { 0x7a, 0xd1, 0x51 },
	{ 0xbd, 0xdf, 0x26 }, { 0xfd, 0xe7, 0x25 },
};

static void
colour(double t, unsigned char rgb[3])
{
	double x;
	int i, c;

	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	x = t * 10;
	i = (int)x;
	if (i > 9)
		i = 9;
	x -= i;
	for (c = 0; c < 3; c++)
		rgb[c] = (unsigned char)lround(viridis[i][c] * (1 - x) +
		    viridis[i + 1][c] * x);
}

/* The xterm 256-colour cube entry nearest rgb: levels 0, 95, 135, 175,
 * 215, 255 on each axis. */
static int
xterm256(const unsigned char rgb[3])
{
	static const int lv[6] = { 0, 95, 135, 175, 215, 255 };
	int c, k, best, idx = 16, mul[3] = { 36, 6, 1 };

	for (c = 0; c < 3; c++) {
		best = 0;
		for (k = 1; k < 6; k++)
			if (abs(lv[k] - rgb[c]) < abs(lv[best] - rgb[c]))
				best = k;
		idx += mul[c] * best;
	}
	return idx;
}

/* Line s (ASCII words) into o, broken at spaces into lines of at most
 * width columns where it is wider (a word wider stands alone); width
 * below 16 (where nothing fits, a word a line would only be longer):
 * whole. */
static int
put_fit(struct out *o, const char *s, size_t width, struct err *e)
{
	size_t n = strlen(s), k, cut;

	while (width >= 16 && n > width) {
		for (cut = width; cut > 0 && s[cut] != ' '; cut--)
			;
		if (cut == 0)		/* a word wider than the line */
			for (cut = width; cut < n && s[cut] != ' '; cut++)
				;
		if (cut >= n)
			break;
		if (out_put(o, s, cut, 0, e) || out_put(o, "\n", 1, 0, e))
			return -1;
		for (k = cut; k < n && s[k] == ' '; k++)
			;
		s += k;
		n -= k;
	}
	return out_put(o, s, n, 0, e) || out_put(o, "\n", 1, 0, e);
}

/* Formatted text into o. */
static int
put(struct out *o, struct err *e, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	return out_put(o, buf, (size_t)n, 0, e);
}

static int
puts_(struct out *o, const char *s, struct err *e)
{
	return out_put(o, s, strlen(s), 0, e);
}

/* The bytes of the UTF-8 character s starts with, or 0 if s does not
 * start with one that XML allows: a malformed or overlong sequence, a
 * surrogate, past U+10FFFF, U+FFFE, U+FFFF.  (Labels are bytes, from
 * any file: the pictures put U+FFFD in place of each bad byte, so that
 * an SVG or HTML page stays well-formed.) */
static size_t
u8char(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = err_u8len(s, strnlen(s, 4));

	if (n == 3 && u[0] == 0xef && u[1] == 0xbf && u[2] >= 0xbe)
		return 0;	/* U+FFFE, U+FFFF */
	return n;
}

#define U_FFFD "\xef\xbf\xbd"	/* the replacement character */

/* The code point of the UTF-8 character at s (u8char(s) bytes, > 0). */
static unsigned long
u8cp(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long c = n == 1 ? u[0] : u[0] & (0x7f >> n);
	size_t i;

	for (i = 1; i < n; i++)
		c = c << 6 | (u[i] & 0x3f);
	return c;
}

/* Is c in one of the n ranges r (sorted, inclusive)? */
static int
in_ranges(unsigned long c, const unsigned long (*r)[2], size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c < r[mid][0])
			hi = mid;
		else if (c > r[mid][1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* Code points drawn on the character before them, not on their own
 * (the common combining marks, joiners, variation selectors, emoji
 * skin tones and tags): a label is cut, padded and measured by whole
 * characters as a reader sees them, never between e and its accent. */
static const unsigned long extend_r[][2] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
	{ 0x05bf, 0x05bf }, { 0x05c1, 0x05c2 }, { 0x05c4, 0x05c5 },
	{ 0x05c7, 0x05c7 }, { 0x0610, 0x061a }, { 0x064b, 0x065f },
	{ 0x0670, 0x0670 }, { 0x06d6, 0x06dc }, { 0x06df, 0x06e4 },
	{ 0x06e7, 0x06e8 }, { 0x06ea, 0x06ed }, { 0x0900, 0x0903 },
	{ 0x093a, 0x094f }, { 0x0951, 0x0957 }, { 0x0962, 0x0963 },
	{ 0x0e31, 0x0e31 }, { 0x0e34, 0x0e3a }, { 0x0e47, 0x0e4e },
	{ 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x200c, 0x200d },
	{ 0x20d0, 0x20ff }, { 0x302a, 0x302f }, { 0x3099, 0x309a },
	{ 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f }, { 0x1f3fb, 0x1f3ff },
	{ 0xe0020, 0xe007f }, { 0xe0100, 0xe01ef },
};

/* Characters two columns wide on a terminal (East Asian Wide and
 * Fullwidth, emoji) and about an em wide in a sans-serif font. */
static const unsigned long wide_r[][2] = {
	{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a },
	{ 0x23e9, 0x23ec }, { 0x25fd, 0x25fe }, { 0x2614, 0x2615 },
	{ 0x2648, 0x2653 }, { 0x26a1, 0x26a1 }, { 0x26aa, 0x26ab },
	{ 0x26bd, 0x26be }, { 0x26c4, 0x26c5 }, { 0x26d4, 0x26d4 },
	{ 0x26ea, 0x26ea }, { 0x26f2, 0x26f5 }, { 0x26fa, 0x26fd },
	{ 0x2705, 0x2705 }, { 0x270a, 0x270b }, { 0x2728, 0x2728 },
	{ 0x274c, 0x274c }, { 0x2753, 0x2755 }, { 0x2757, 0x2757 },
	{ 0x2795, 0x2797 }, { 0x27b0, 0x27b0 }, { 0x27bf, 0x27bf },
	{ 0x2b1b, 0x2b1c }, { 0x2b50, 0x2b50 }, { 0x2b55, 0x2b55 },
	{ 0x2e80, 0x303e }, { 0x3041, 0x33ff }, { 0x3400, 0x4dbf },
	{ 0x4e00, 0x9fff }, { 0xa000, 0xa4cf }, { 0xa960, 0xa97f },
	{ 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe10, 0xfe19 },
	{ 0xfe30, 0xfe6f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 },
	{ 0x16fe0, 0x18cff }, { 0x1b000, 0x1b2ff }, { 0x1f004, 0x1f004 },
	{ 0x1f0cf, 0x1f0cf }, { 0x1f18e, 0x1f18e }, { 0x1f191, 0x1f19a },
	{ 0x1f1e6, 0x1f1ff }, { 0x1f200, 0x1f320 }, { 0x1f32d, 0x1f335 },
	{ 0x1f337, 0x1f37c }, { 0x1f37e, 0x1f393 }, { 0x1f3a0, 0x1f3ca },
	{ 0x1f3cf, 0x1f3d3 }, { 0x1f3e0, 0x1f3f0 }, { 0x1f3f4, 0x1f3f4 },
	{ 0x1f3f8, 0x1f43e }, { 0x1f440, 0x1f440 }, { 0x1f442, 0x1f4fc },
	{ 0x1f4ff, 0x1f53d }, { 0x1f54b, 0x1f54e }, { 0x1f550, 0x1f567 },
	{ 0x1f57a, 0x1f57a }, { 0x1f595, 0x1f596 }, { 0x1f5a4, 0x1f5a4 },
	{ 0x1f5fb, 0x1f64f }, { 0x1f680, 0x1f6c5 }, { 0x1f6cc, 0x1f6cc },
	{ 0x1f6d0, 0x1f6d2 }, { 0x1f6d5, 0x1f6d7 }, { 0x1f6dc, 0x1f6df },
	{ 0x1f6eb, 0x1f6ec }, { 0x1f6f4, 0x1f6fc }, { 0x1f7e0, 0x1f7eb },
	{ 0x1f7f0, 0x1f7f0 }, { 0x1f90c, 0x1f93a }, { 0x1f93c, 0x1f945 },
	{ 0x1f947, 0x1f9ff }, { 0x1fa70, 0x1faff }, { 0x20000, 0x2fffd },
	{ 0x30000, 0x3fffd },
};

#define NRANGES(r) (sizeof r / sizeof r[0])

/* Advance widths of ASCII 0x20 .. 0x7e in DejaVu Sans, the widest of
 * the usual sans-serif fonts, in 1/100 em (rounded up): the SVG has no
 * script to measure its text, so its margins are sized from these. */
static const unsigned char ascii_w[95] = {
	32, 41, 46, 84, 64, 96, 78, 28, 40, 40, 50, 84, 32, 37, 32, 34,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 34, 34, 84, 84, 84, 54,
	100, 69, 69, 70, 77, 64, 58, 78, 76, 30, 30, 66, 56, 87, 75, 79,
	61, 79, 70, 64, 62, 74, 69, 99, 69, 62, 69, 40, 34, 40, 84, 50,
	50, 62, 64, 55, 64, 62, 36, 64, 64, 28, 28, 58, 28, 98, 64, 62,
	64, 64, 42, 53, 40, 64, 60, 82, 60, 60, 53, 64, 34, 64, 84,
};

/* Code points drawn as '?': C0 and C1 controls (an escape sequence to
 * a terminal), the line and paragraph separators (a line break in a
 * label) and the bidirectional controls (they would reorder the rest
 * of a terminal's line or a tooltip). */
static int
drawn_q(unsigned long c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 ||
	    c == 0x2029 || c == 0x061c ||
	    c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069);
}

/* An extender that is a combining mark drawn on its letter (not a
 * joiner, variation selector, skin tone or tag). */
static int
mark(unsigned long d)
{
	return !(d == 0x200c || d == 0x200d || (d >= 0xfe00 && d <= 0xfe0f) ||
	    (d >= 0x1f3fb && d <= 0x1f3ff) || (d >= 0xe0020 && d <= 0xe007f) ||
	    (d >= 0xe0100 && d <= 0xe01ef));
}

/* Pictographs that U+200D joins into one emoji. */
static int
emoji(unsigned long c)
{
	return (c >= 0x1f000 && c <= 0x1faff) || (c >= 0x2600 && c <= 0x27bf);
}

/* Hangul written as jamo (NFD: what decomposition gives, and macOS's
 * file names): L, a leading consonant, V, a vowel, T, a trailing
 * consonant; S and X the precomposed syllables LV and LVT. */
static int
jamo(unsigned long c)
{
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0xa960 && c <= 0xa97c))
		return 'L';
	if ((c >= 0x1160 && c <= 0x11a7) || (c >= 0xd7b0 && c <= 0xd7c6))
		return 'V';
	if ((c >= 0x11a8 && c <= 0x11ff) || (c >= 0xd7cb && c <= 0xd7fb))
		return 'T';
	if (c >= 0xac00 && c <= 0xd7a3)
		return (c - 0xac00) % 28 == 0 ? 'S' : 'X';
	return 0;
}

/* Does d stay in the syllable that c ends (UAX #29, GB6-GB8): L before
 * L, V or a syllable; V or LV before V or T; T or LVT before T? */
static int
jamo_joins(unsigned long c, unsigned long d)
{
	int a = jamo(c), b = jamo(d);

	return b != 0 && (a == 'L' ? b != 'T' : (a == 'V' || a == 'S') ?
	    b == 'V' || b == 'T' : (a == 'T' || a == 'X') && b == 'T');
}

#define MAX_EXTEND 30	/* extenders kept on a character: as Unicode's
			 * stream-safe form (UAX #15), so that one is never
			 * longer than a label's buffer */
#define MAX_MARKS 4	/* and combining marks among them: enough for
			 * Vietnamese, Hebrew or Indic text; more are drawn
			 * stacked, a tower out of the picture, and left
			 * out (dropped()) */

/* The character at s as a reader sees it (a grapheme, roughly): a code
 * point with the extenders after it (at most MAX_EXTEND), an emoji
 * joined to the one before by U+200D, a pair of regional indicators (a
 * flag) and a Hangul syllable's jamo included (its vowels and trailing
 * consonants of no width, as wcwidth() has them; a leading consonant
 * two columns, as alone).  Returns its bytes (> 0 where *s; a bad byte is one
 * character) and sets *cols to its terminal columns (0, 1 or 2) and *w
 * to its width in 1/100 em. */
static size_t
grapheme(const char *s, int *cols, int *w)
{
	size_t n = u8char(s), k, ext = 0, marks = 0;
	unsigned long c, d, base;

	if (n == 0) {		/* drawn as U+FFFD */
		*cols = 1;
		*w = 100;
		return 1;
	}
	base = c = u8cp(s, n);
	if (c >= 0x20 && c < 0x7f) {
		*cols = 1;
		*w = ascii_w[c - 0x20];
	} else if (drawn_q(c)) {
		*cols = 1;
		*w = 60;
	} else if (in_ranges(c, extend_r, NRANGES(extend_r)) ||
	    c == 0x200b || (c >= 0x2060 && c <= 0x206f) || c == 0xfeff) {
		*cols = 0;
		*w = 0;
	} else if (in_ranges(c, wide_r, NRANGES(wide_r))) {
		*cols = 2;
		*w = c >= 0x1f000 ? 125 : 100;
	} else {
		*cols = 1;
		*w = 80;
	}
	while (ext < MAX_EXTEND && s[n] != '\0' && (k = u8char(s + n)) != 0) {
		d = u8cp(s + n, k);
		if (c == 0x200d && emoji(base) && emoji(d))
			;	/* an emoji sequence: 👩 ZWJ 👧 */
		else if (jamo_joins(c, d)) {
			if (jamo(d) == 'L') {
				*cols += 2;
				*w += 100;
			}
		} else if (in_ranges(d, extend_r, NRANGES(extend_r))) {
			if (mark(d) && ++marks > MAX_MARKS)
				break;
			if (d == 0xfe0f && *cols == 1 && (base >= 0x2000 ||
			    base == 0xa9 || base == 0xae)) {
				/* a symbol's emoji presentation (none for a
				 * letter, a digit or a '?') */
				*cols = 2;
				*w = 125;
			}
		} else if (!(base >= 0x1f1e6 && base <= 0x1f1ff && d >= 0x1f1e6 &&
		    d <= 0x1f1ff && n == 4))
			break;		/* not a flag's second indicator */
		n += k;
		c = d;
		ext++;
	}
	return n;
}

/* Is the character at s, of c columns and width x, left out of a label:
 * one of no width after another (combining marks beyond MAX_MARKS on
 * one letter, which would be drawn stacked on it, out of the picture;
 * a lone joiner)? */
static int
dropped(const char *s, const char *start, int c, int x)
{
	return c == 0 && x == 0 && s != start;
}

/* Characters (graphemes) of s, its terminal columns and its width in
 * 1/100 em, of at most max characters of it. */
static size_t
glen(const char *s, size_t max, size_t *cols, size_t *w)
{
	const char *start = s;
	size_t n = 0, k;
	int c, x;

	*cols = *w = 0;
	for (; *s && n < max; s += k) {
		k = grapheme(s, &c, &x);
		if (dropped(s, start, c, x))
			continue;
		*cols += (size_t)c;
		*w += (size_t)x;
		n++;
	}
	return n;
}

/* One byte of a label into buf: escaped for XML when xml, a control
 * character as '?' (not allowed in XML, nor shown); returns the bytes
 * written (at most 6). */
static size_t
put_byte(char *buf, unsigned char c, int xml)
{
	const char *ent = NULL;

	if (xml)
		ent = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ?
		    "&gt;" : c == '"' ? "&quot;" : NULL;
	if (ent != NULL) {
		memcpy(buf, ent, strlen(ent));
		return strlen(ent);
	}
	buf[0] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	return 1;
}

/* The code point at s into dst as put_byte() writes a byte (a bad byte
 * as U+FFFD, one drawn_q() as '?'); sets *adv to the bytes of s it
 * took, returns the bytes written (at most 6). */
static size_t
put_cp(char *dst, const char *s, size_t *adv, int xml)
{
	size_t m = u8char(s);

	*adv = m ? m : 1;
	if (m == 0) {
		memcpy(dst, U_FFFD, 3);
		return 3;
	}
	if (m > 1 && drawn_q(u8cp(s, m))) {
		dst[0] = '?';
		return 1;
	}
	if (m > 1) {
		memcpy(dst, s, m);
		return m;
	}
	return put_byte(dst, (unsigned char)*s, xml);
}

/* s cut to at most max characters (graphemes; an ellipsis for the
 * rest), XML-escaped when xml, a bad byte U+FFFD, into buf of cap bytes
 * (cap >= 16): a character that would not fit in buf ends it as the
 * ellipsis would.  max 0: all of s that fits. */
static void
cut(char *buf, size_t cap, const char *s, size_t max, int xml)
{
	const char *start = s;
	size_t k = 0, chars = 0, total, cols, w, n, i, b, adv;
	char tmp[6];
	int c, x;

	/* its characters, counted no further than tells whether it is cut
	 * (a tooltip's label, in every cell, is not read to its end) */
	total = glen(s, max ? max + 1 : (size_t)-1, &cols, &w);
	if (max == 0)
		max = total;
	for (; *s; s += n) {
		n = grapheme(s, &c, &x);
		if (dropped(s, start, c, x))
			continue;
		if (++chars > (total > max ? max - 1 : max))
			break;
		for (i = b = 0; i < n; i += adv)	/* its bytes written */
			b += put_cp(tmp, s + i, &adv, xml);
		if (k + b + 4 > cap) {
			total = max + 1;	/* the ellipsis */
			break;
		}
		for (i = 0; i < n; i += adv)
			k += put_cp(buf + k, s + i, &adv, xml);
	}
	if (total > max) {
		memcpy(buf + k, "\xe2\x80\xa6", 3);
		k += 3;
	}
	buf[k] = '\0';
}

/* The label of query row (or key) a .. b-1 of an axis: its own (cut
 * to max characters; 0: whole), or the range of positions when a cell
 * is a block; into buf of cap bytes, as cut(). */
static void
axis_label(char *buf, size_t cap, const struct labels *l, size_t a,
    size_t b, size_t max, int xml)
{
	if (b - a > 1)
		snprintf(buf, cap, "%zu\xe2\x80\x93%zu", a, b - 1);
	else if (l != NULL && a < l->n)
		cut(buf, cap, l->s[a], max, xml);
	else
		snprintf(buf, cap, "%zu", a);
}

/* Cells c of n rows (or keys, or cells) cut as evenly as can be: the
 * first n % c hold q + 1, the others q = n / c; cell i spans s[i] ..
 * s[i+1]-1.  Summed (keys), a larger cell draws a uniform row brighter
 * by 1/q (129 keys in 64 blocks of 2 and one of 1 drew the last column
 * at half), so c, from g down to g / 3, is the one of least 1/q (0 if
 * all are equal) + (g / c - 1) / 4 (fewer cells): 129 keys in 43 of 3,
 * 1000 in 125 of 8, 4097 in 128 of 32 or 33.  Queries are cut alike: as
 * many as the keys are cut as they are, and a diagonal stays in the
 * diagonal cells.  Returns c. */
static size_t
spans(size_t *s, size_t g, size_t n)
{
	size_t c, best = g < n ? g : n, i, q, r = best;
	double cost, least = -1;

	for (c = best; c >= 1 && 3 * c >= best; c--) {
		q = n / c;
		cost = (n % c ? 1.0 / (double)q : 0) + ((double)g / (double)c -
		    1) / 4;
		if (least < 0 || cost < least) {
			least = cost;
			r = c;
		}
	}
	best = r;
	q = n / best;
	r = n % best;
	for (i = 0; i <= best; i++)
		s[i] = i * q + (i < r ? i : r);
	return best;
}

/* The cell of row i on an axis cut by spans() s into c cells. */
static size_t
cell_of(size_t i, const size_t *s, size_t c)
{
	size_t n = s[c], q = n / c, r = n % c, b = r * (q + 1);

	return i < b ? i / (q + 1) : r + (i - b) / q;
}

/* Is panel k the mean of heads: the one after the heads drawn, or the
 * only one with --average-weights? */
static int
is_mean(const struct heat *h, size_t k)
{
	return k == h->Hs || (h->p->o.average && h->p->H > 1);
}

static const char *
panel_name(const struct heat *h, size_t k, char *buf)
{
	const struct plan *p = h->p;

	if (is_mean(h, k))
		sprintf(buf, "mean of %zu heads", p->H);
	else if (p->H == 1)
		sprintf(buf, "weights");
	else if (p->G < p->H)
		sprintf(buf, "head %zu (kv head %zu)", k, k / (p->H / p->G));
	else
		sprintf(buf, "head %zu", k);
	return buf;
}

static size_t
npanels(const struct heat *h)
{
	return h->Hs > 1 ? h->Hs + 1 : 1;
}

/* The widest label drawn on an axis (keys, else queries), as cut for
 * the axis (to max characters): its terminal columns and its width in
 * 1/100 em. */
static void
axis_size(const struct heat *h, int keys, size_t max, size_t *cols,
    size_t *w)
{
	const struct plan *p = h->p;
	const size_t *sp = keys ? h->ks : h->qs, off = keys ? 0 : p->q0;
	size_t c, n = keys ? h->gk : h->gq, cc, ww;
	char buf[LABEL_BUF];

	*cols = *w = 1;
	for (c = 0; c < n; c++) {
		axis_label(buf, sizeof buf, keys ? h->kl : h->ql,
		    off + sp[c], off + sp[c + 1], max, 0);
		glen(buf, (size_t)-1, &cc, &ww);
		*cols = cc > *cols ? cc : *cols;
		*w = ww > *w ? ww : *w;
	}
}

/* The width in pixels of text s at font size px (an upper bound, from
 * grapheme()'s widths). */
static size_t
px_width(const char *s, int px)
{
	size_t cols, w;

	glen(s, (size_t)-1, &cols, &w);
	return (w * (size_t)px + 99) / 100;
}

/* Is the picture in blocks (more than HEAT_CELLS queries or keys)? */
static int
in_blocks(const struct heat *h)
{
	return h->gq < h->p->nout || h->gk < h->p->m;
}

/* How many rows the c cells of spans() s hold: "3", or "3 or 4" (48
 * bytes suffice). */
static void
span_size(char *buf, const size_t *s, size_t c)
{
	size_t q = s[c] / c;

	if (s[c] % c)
		sprintf(buf, "%zu or %zu", q, q + 1);
	else
		sprintf(buf, "%zu", q);
}

/* The note of a picture in blocks, into buf (200 bytes suffice). */
static void
block_note(const struct heat *h, char *buf, size_t cap)
{
	char a[48], b[48];

	span_size(a, h->qs, h->gq);
	span_size(b, h->ks, h->gk);
	snprintf(buf, cap, "%zu quer%s x %zu key%s drawn as %zu x %zu blocks "
	    "of %s quer%s and %s key%s, each the weights summed over its "
	    "keys, averaged over its queries", h->p->nout, h->p->nout == 1 ?
	    "y" : "ies", h->p->m, h->p->m == 1 ? "" : "s", h->gq, h->gk, a, strcmp(a,
	    "1") ? "ies" : "y", b, strcmp(b, "1") ? "s" : "");
}

/* The caption naming the axes (U+2193 and U+2192: arrows down, right),
 * on one line or two. */
#define CAPTION1 "rows: queries \xe2\x86\x93,"
#define CAPTION2 "columns: keys \xe2\x86\x92"
#define CAPTION CAPTION1 " " CAPTION2

/* The SVG's cells along an axis of n: 560 px shared, 8 to 36 each. */
static size_t
cell_px(size_t n)
{
	size_t c = 560 / n;

	return c < 8 ? 8 : c > 36 ? 36 : c;
}

static int
svg_head(struct heat *h, struct err *e)
{
	const struct plan *p = h->p;
	struct out *o = h->o.svg;
	size_t nsec = h->o.has_batch ? 1 : p->B, n, cols, w, k, title = 0, cap,
	    nt;
	int agg = in_blocks(h), two;
	char name[64], note[200];

	/* columns as wide as 560 px for the keys allow, rows as tall as
	 * 560 px for the queries (8 to 36 px each): 100 queries of 3 keys
	 * are a column of readable cells, not a strip of 8 px ones */
	h->cw = cell_px(h->gk);
	h->ch = cell_px(h->gq);
	h->fk = h->cw < 14 ? (int)h->cw - 1 : 12;
	h->fq = h->ch < 14 ? (int)h->ch - 1 : 12;
	axis_size(h, 0, LABEL_CHARS, &cols, &w);
	h->lq = (w * (size_t)h->fq + 99) / 100 + 8;
	axis_size(h, 1, LABEL_CHARS, &cols, &w);
	h->lk = (w * (size_t)h->fk + 99) / 100 + 8;
	/* wide enough for the panel's title (13 px) too */
	for (k = 0; k < npanels(h); k++)
		if ((w = px_width(panel_name(h, k, name), 13)) > title)
			title = w;
	h->pw = h->lq + (h->gk * h->cw > title ? h->gk * h->cw : title) + 28;
	h->ph = 22 + h->lk + h->gq * h->ch + 16;
	n = npanels(h);
	h->ncol = n < 4 ? n : 4;
	h->nrow = (n + 3) / 4;
	/* a section is as tall as its panels, or as the legend beside
	 * them (title, scale, masked, NaN: 246) */
	h->sech = (p->B > 1 ? 24 : 0) + (h->nrow * h->ph > 246 ? h->nrow *
	    h->ph : 246);
	h->width = 16 + h->ncol * h->pw + 110;
	block_note(h, note, sizeof note);
	if (agg && 16 + px_width(note, 12) > h->width)
		h->width = 16 + px_width(note, 12);
	/* a caption naming the axes, and the note when in blocks: right
	 * under the panels of a single section shorter than the legend,
	 * each if it fits beside the legend, else at the foot (where they
	 * stood far below a one-row heatmap) */
	h->height = 16 + nsec * h->sech + 8;
	cap = 16 + (p->B > 1 ? 24 : 0) + (h->nrow - 1) * h->ph + 22 + h->lk +
	    h->gq * h->ch + 20;
	/* on two lines where one is too wide (a single narrow panel) */
	two = px_width(CAPTION, 12) > h->ncol * h->pw;
	if (nsec > 1 || h->nrow * h->ph >= 246 || (two &&
	    (px_width(CAPTION2, 12) > h->ncol * h->pw || cap + 14 >
	    h->height - 8)))
		cap = (h->height += 22) - 12, two = 0;
	nt = cap + 22 + (two ? 14 : 0);
	if (agg && (nt > h->height - 8 || px_width(note, 12) > h->ncol *
	    h->pw))
		nt = (h->height += 22) - 12;
	if (put(o, e, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%zu\" "
	    "height=\"%zu\" viewBox=\"0 0 %zu %zu\" font-family=\"sans-serif\" "
	    "style=\"color-scheme: only light\">"
	    "\n<title>attention weights</title>\n", h->width, h->height,
	    h->width, h->height) ||
	    puts_(o, "<defs>\n<pattern id=\"masked\" width=\"6\" height=\"6\" "
	    "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	    "<rect width=\"6\" height=\"6\" fill=\"#d0d0d0\"/>"
	    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#808080\" "
	    "stroke-width=\"2\"/></pattern>\n"
	    "<linearGradient id=\"viridis\" x1=\"0\" y1=\"1\" x2=\"0\" "
	    "y2=\"0\">\n", e))
		return -1;
	for (n = 0; n <= 10; n++)
		if (put(o, e, "<stop offset=\"%zu%%\" stop-color=\"#%02x%02x"
		    "%02x\"/>\n", n * 10, viridis[n][0], viridis[n][1],
		    viridis[n][2]))
			return -1;
	if (puts_(o, "</linearGradient>\n</defs>\n<rect width=\"100%\" "
	    "height=\"100%\" fill=\"white\"/>\n", e))
		return -1;
	if (two ? put(o, e, "<text class=\"axes\" x=\"8\" y=\"%zu\" "
	    "font-size=\"12\" fill=\"#555\">" CAPTION1 "<tspan x=\"8\" "
	    "dy=\"14\">" CAPTION2 "</tspan></text>\n", cap) : put(o, e,
	    "<text class=\"axes\" x=\"8\" y=\"%zu\" font-size=\"12\" "
	    "fill=\"#555\">" CAPTION "</text>\n", cap))
		return -1;
	if (agg && put(o, e, "<text class=\"note\" x=\"8\" y=\"%zu\" "
	    "font-size=\"12\">%s</text>\n", nt, note))
		return -1;
	return 0;
}

/* Cell (i, j) of panel k: the weight, or for a block of queries and
 * keys its share of the queries' attention: the weights summed over its
 * keys, averaged over its queries that see a key (a row of cells still
 * sums to 1, and one weight of 1 draws alike in a block of 1 key or of
 * 3, where their mean drew it a third as bright in the larger, and
 * beside a padding query, which counted as a row of zeros).  The mean
 * panel: the mean of the heads' cells, a head whose rows there see no
 * key counting 0, as -a --average-weights writes its zeros (pooled over
 * the heads' live rows, a query that one head of two hid drew 1 where
 * --average-weights drew 0.5). */
static double
cell_value(const struct heat *h, size_t k, size_t i, size_t j, int *masked)
{
	size_t at = (k * h->gq + i) * h->gk + j, a;
	double v = 0;
	int m;

	*masked = !h->vis[at];
	if (k == h->Hs) {
		for (a = 0; a < h->Hs; a++)
			v += cell_value(h, a, i, j, &m);
		v /= (double)h->Hs;
	} else if (h->live[k * h->gq + i] != 0) {
		v = h->sum[at] / (double)h->live[k * h->gq + i];
	}
	/* the mean of float weights, made in double, in float as -a
	 * --average-weights writes it (a weight itself is a float) */
	return h->o.f32 ? (double)(float)v : v;
}

/* A cell whose weight is NaN (a NaN query, key or score: its row is
 * NaN, as in PyTorch): drawn in this colour, outside viridis, and named
 * in the legend of a picture that has one. */
#define NAN_RGB "e41a1c"

/* Before the legend's top when a cell is above --heat-max, drawn in the
 * top colour: U+2265, greater-than or equal to. */
#define OVER "\xe2\x89\xa5"

/* Is v, the largest cell drawn, above --heat-max?  By more than its
 * rounding: the weights of a row summed come to 1.0000000000000002, and
 * --heat-max 1 was then said to clip a picture of weights. */
static int
above(const struct heat *h, double v)
{
	return h->o.vmax > 0 && v > h->o.vmax * (1 + 1e-9);
}

/* The top of the colour scale: --heat-max, else the largest cell of the
 * np panels, or 1 when every cell is 0 (NaN cells do not count); *nan =
 * whether a cell that is not masked is NaN, *masked whether a cell is
 * masked, *over whether a cell is above --heat-max (the legend names
 * them then). */
static double
scale_max(const struct heat *h, size_t np, int *nan, int *anymasked,
    int *over)
{
	double v, vmax = 0;
	size_t k, i, j;
	int masked;

	*nan = *anymasked = 0;
	for (k = 0; k < np; k++)
		for (i = 0; i < h->gq; i++)
			for (j = 0; j < h->gk; j++) {
				v = cell_value(h, k, i, j, &masked);
				if (v > vmax)
					vmax = v;
				*nan |= v != v && !masked;
				*anymasked |= masked;
			}
	*over = above(h, vmax);
	return h->o.vmax > 0 ? h->o.vmax : vmax > 0 ? vmax : 1;
}

#define FSI "\xe2\x81\xa8"	/* U+2068, first-strong isolate ... */
#define PDI "\xe2\x81\xa9"	/* ... to U+2069: a right-to-left label
				 * does not reorder what stands around it */

/* The labels of tokens a .. b-1 of an axis (a block of several), each
 * isolated, separated by spaces, TIP_CHARS characters in all at most
 * (an ellipsis for the rest), XML-escaped when xml: into buf of cap
 * bytes (cap >= 64), as cut() writes each. */
static void
block_labels(char *buf, size_t cap, const struct labels *l, size_t a,
    size_t b, int xml)
{
	size_t k = 0, left = TIP_CHARS, t, n, cols, w;
	int ended = 0;		/* a label cut short, with its ellipsis */

	for (t = a; t < b && !ended && left > 0 && k + 32 < cap; t++) {
		if (t > a)
			buf[k++] = ' ';
		memcpy(buf + k, FSI, 3);
		n = glen(l->s[t], left + 1, &cols, &w);
		cut(buf + k + 3, cap - k - 3 - 8, l->s[t], left, xml);
		k += 3 + strlen(buf + k + 3);
		memcpy(buf + k, PDI, 3);
		k += 3;
		ended = n > left;
		left -= ended ? left : n;
		if (!ended && left > 0)	/* the space after it: an empty
					 * label costs a character too */
			left--;
	}
	if (t < b && !ended) {	/* labels left out */
		memcpy(buf + k, " \xe2\x80\xa6", 4);
		k += 4;
	}
	buf[k] = '\0';
}

/* Is the query (keys: key) axis cut in blocks? */
static int
axis_blocks(const struct heat *h, int keys)
{
	return keys ? h->gk < h->p->m : h->gq < h->p->nout;
}

/* The labels of a cell of an axis in blocks, tokens a .. b-1, and their
 * positions, "the cat (3–4)", "sat (5)", into h->tip: block_labels(). */
static const char *
block_tip(struct heat *h, const struct labels *l, size_t a, size_t b,
    int xml)
{
	size_t k;

	block_labels(h->tip, h->tipcap - 64, l, a, b, xml);
	k = strlen(h->tip);
	if (b - a > 1)
		snprintf(h->tip + k, h->tipcap - k, " (%zu\xe2\x80\x93%zu)",
		    a, b - 1);
	else
		snprintf(h->tip + k, h->tipcap - k, " (%zu)", a);
	return h->tip;
}

/* On an axis in blocks with labels, the tooltip of the axis label of
 * tokens a .. b-1: their labels and positions (block_tip()), once for
 * every cell of the row or column (in each cell's, they made a picture
 * of 500 tokens 60% larger); else nothing. */
static int
axis_title(struct heat *h, int keys, size_t a, size_t b, struct err *e)
{
	const struct labels *l = keys ? h->kl : h->ql;

	if (l == NULL || !axis_blocks(h, keys))
		return 0;
	return puts_(h->o.svg, "<title>", e) || puts_(h->o.svg, block_tip(h,
	    l, a, b, 1), e) || puts_(h->o.svg, "</title>", e);
}

/* A cell's tooltip's label: query row (keys) a .. b-1, up to TIP_CHARS
 * characters, XML-escaped, isolated (the arrow and the number after it
 * stay in place), then " #a" for a label that does not tell the token
 * (qdup, kdup), as the page's read-out; a block's positions ("3–5");
 * in h->tip, of h->tipcap bytes. */
static const char *
tip_label(struct heat *h, int keys, size_t a, size_t b)
{
	const unsigned char *dup = keys ? h->kdup : h->qdup;
	const struct labels *l = keys ? h->kl : h->ql;
	size_t k;

	memcpy(h->tip, FSI, 3);
	axis_label(h->tip + 3, h->tipcap - 32, l, a, b, TIP_CHARS, 1);
	strcat(h->tip, PDI);
	if (b - a == 1 && dup != NULL && dup[keys ? a : a - h->p->q0]) {
		k = strlen(h->tip);
		snprintf(h->tip + k, h->tipcap - k, " #%zu", a);
	}
	return h->tip;
}

static int
by_label(const void *a, const void *b)
{
	char *const *x = *(char *const *const *)a;
	char *const *y = *(char *const *const *)b;
	int c = strcmp(*x, *y);

	return c ? c : (x > y) - (x < y);
}

/* Marks of labels l->s[a .. b-1] that name more than one of them, or
 * are empty, as the tooltips draw them (cut() to TIP_CHARS: two labels
 * that differ only in control characters, both drawn '?', or only past
 * the cut, are one) (calloc'd, b - a bytes; NULL without labels, *oom
 * set when memory runs out).  Sorted, so that thousands of tokens take
 * no n². */
static unsigned char *
dup_marks(const struct labels *l, size_t a, size_t b, int *oom)
{
	char **drawn, ***v;
	unsigned char *d;
	size_t n = b - a, i, j, k, cap;

	if (l == NULL || n == 0)
		return NULL;
	drawn = calloc(n, sizeof *drawn);
	v = malloc(n * sizeof *v);
	d = calloc(n, 1);
	for (i = 0; drawn != NULL && v != NULL && d != NULL && i < n; i++) {
		/* (a bad byte is drawn U+FFFD, 3 bytes) */
		cap = 3 * strlen(l->s[a + i]) + 16;
		if ((drawn[i] = malloc(cap)) == NULL)
			break;
		cut(drawn[i], cap, l->s[a + i], TIP_CHARS, 0);
		v[i] = drawn + i;
	}
	if (drawn == NULL || v == NULL || d == NULL || i < n) {
		free(d);
		d = NULL;
		*oom = 1;
	} else {
		qsort(v, n, sizeof *v, by_label);
		for (i = 0; i < n; i = j) {
			for (j = i + 1; j < n && strcmp(*v[i], *v[j]) == 0; j++)
				;
			if (j - i > 1 || (*v[i])[0] == '\0')
				for (k = i; k < j; k++)
					d[v[k] - drawn] = 1;
		}
	}
	for (i = 0; drawn != NULL && i < n; i++)
		free(drawn[i]);
	free(drawn);
	free(v);
	return d;
}

static int
svg_section(struct heat *h, size_t b, size_t y0, struct err *e)
{
	const struct plan *p = h->p;
	struct out *o = h->o.svg;
	size_t k, i, j, np = npanels(h), x, y, cw = h->cw, ch = h->ch;
	char lab[LABEL_BUF], num[40], name[64], fill[8];
	double v, vmax = 0;
	int masked, nan, anymasked, over;
	unsigned char rgb[3];

	vmax = scale_max(h, np, &nan, &anymasked, &over);
	if (put(o, e, "<g class=\"sequence\" data-sequence=\"%zu\">\n", b))
		return -1;
	if (p->B > 1 && put(o, e, "<text x=\"8\" y=\"%zu\" font-size=\"14\" "
	    "font-weight=\"bold\">sequence %zu</text>\n", y0 + 16, b))
		return -1;
	if (p->B > 1)
		y0 += 24;
	for (k = 0; k < np; k++) {
		size_t px = 8 + (k % 4) * h->pw, py = y0 + (k / 4) * h->ph;
		size_t gx = px + h->lq, gy = py + 22 + h->lk;

		if (put(o, e, "<g class=\"panel\" data-head=\"%s\">\n"
		    "<text x=\"%zu\" y=\"%zu\" font-size=\"13\">%s</text>\n",
		    is_mean(h, k) ? "mean" : (sprintf(num, "%zu", k), num), gx,
		    py + 15, panel_name(h, k, name)))
			return -1;
		for (j = 0; j < h->gk; j++) {
			axis_label(lab, sizeof lab, h->kl, h->ks[j],
			    h->ks[j + 1], LABEL_CHARS, 1);
			x = gx + j * cw + cw / 2 + (size_t)h->fk / 3;
			if (put(o, e, "<text class=\"key\" x=\"%zu\" y=\"%zu\" "
			    "font-size=\"%d\" transform=\"rotate(-90 %zu %zu)\">"
			    "%s", x, gy - 4, h->fk, x, gy - 4, lab) ||
			    axis_title(h, 1, h->ks[j], h->ks[j + 1], e) ||
			    puts_(o, "</text>\n", e))
				return -1;
		}
		for (i = 0; i < h->gq; i++) {
			size_t q0 = p->q0 + h->qs[i], q1 = p->q0 + h->qs[i + 1];

			axis_label(lab, sizeof lab, h->ql, q0, q1, LABEL_CHARS,
			    1);
			y = gy + i * ch;
			if (put(o, e, "<text class=\"query\" x=\"%zu\" y=\"%zu\" "
			    "font-size=\"%d\" text-anchor=\"end\">%s",
			    gx - 4, y + ch / 2 + (size_t)h->fq / 3, h->fq,
			    lab) || axis_title(h, 0, q0, q1, e) ||
			    puts_(o, "</text>\n", e))
				return -1;
			for (j = 0; j < h->gk; j++) {
				v = cell_value(h, k, i, j, &masked);
				num[num_format(num, v, 0)] = '\0';
				colour(v / vmax, rgb);
				if (v != v) {	/* named as in the legend */
					strcpy(num, "NaN");
					strcpy(fill, NAN_RGB);
				} else
					sprintf(fill, "%02x%02x%02x", rgb[0],
					    rgb[1], rgb[2]);
				/* the tooltip: query → key: weight */
				if (put(o, e, "<rect class=\"cell%s\" x=\"%zu\" "
				    "y=\"%zu\" width=\"%zu\" height=\"%zu\" "
				    "fill=\"%s%s%s\"><title>", masked ?
				    " masked" : "", gx + j * cw, y, cw, ch,
				    masked ? "url(#masked" : "#", masked ? "" :
				    fill, masked ? ")" : "") ||
				    puts_(o, tip_label(h, 0, q0, q1), e) ||
				    puts_(o, " \xe2\x86\x92 ", e) ||
				    puts_(o, tip_label(h, 1, h->ks[j],
				    h->ks[j + 1]), e) ||
				    put(o, e, ": %s%s</title></rect>\n",
				    masked ? "0 (masked)" : q1 - q0 > 1 ||
				    h->ks[j + 1] - h->ks[j] > 1 ? "share " : "",
				    masked ? "" : num))
					return -1;
			}
		}
		if (puts_(o, "</g>\n", e))
			return -1;
	}
	/* the legend, right of the panels: masked and NaN when drawn */
	x = 8 + h->ncol * h->pw + 8;
	y = y0 + 22;
	num[num_format(num, vmax, 3)] = '\0';
	/* in blocks the cells are shares, which no one weight may reach */
	if (put(o, e, "<g class=\"legend\">\n<text x=\"%zu\" y=\"%zu\" "
	    "font-size=\"12\">%s</text>\n<rect x=\"%zu\" y=\"%zu\" "
	    "width=\"16\" height=\"160\" fill=\"url(#viridis)\" "
	    "stroke=\"#444\"/>\n<text x=\"%zu\" y=\"%zu\" font-size=\"11\">"
	    "%s%s</text>\n<text x=\"%zu\" y=\"%zu\" font-size=\"11\">0"
	    "</text>\n", x, y, in_blocks(h) ? "share" : "weight", x, y + 8,
	    x + 20, y + 18, over ? OVER : "", num, x + 20, y + 168))
		return -1;
	y += 180;
	if (anymasked && put(o, e, "<rect x=\"%zu\" y=\"%zu\" width=\"16\" "
	    "height=\"16\" fill=\"url(#masked)\" stroke=\"#444\"/>\n<text "
	    "x=\"%zu\" y=\"%zu\" font-size=\"11\">masked</text>\n", x, y,
	    x + 20, y + 13))
		return -1;
	if (anymasked)
		y += 20;
	if (nan && put(o, e, "<rect x=\"%zu\" y=\"%zu\" "
	    "width=\"16\" height=\"16\" fill=\"#" NAN_RGB "\" "
	    "stroke=\"#444\"/>\n<text x=\"%zu\" y=\"%zu\" "
	    "font-size=\"11\">NaN</text>\n", x, y, x + 20, y + 13))
		return -1;
	return puts_(o, "</g>\n</g>\n", e);
}

/* s as a JSON string, safe inside <script>: '<', '>', '&' escaped. */
static int
json_str(struct out *o, const char *s, struct err *e)
{
	char buf[8];
	size_t k, n;

	if (out_put(o, "\"", 1, 0, e))
		return -1;
	for (; *s; s += n) {
		unsigned char c = (unsigned char)*s;

		if ((n = u8char(s)) != 1) {
			/* several bytes, or a bad one (U+FFFD) */
			if (out_put(o, n ? s : U_FFFD, n ? n : 3, 0, e))
				return -1;
			n = n ? n : 1;
			continue;
		}
		if (c == '"' || c == '\\') {
			buf[0] = '\\';
			buf[1] = (char)c;
			k = 2;
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&' ||
		    c == 0x7f) {
			k = (size_t)sprintf(buf, "\\u%04x", c);
		} else {
			buf[0] = (char)c;
			k = 1;
		}
		if (out_put(o, buf, k, 0, e))
			return -1;
	}
	return out_put(o, "\"", 1, 0, e);
}

static const char html_head_text[] =
"<!DOCTYPE html>\n"
"<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
/* light only: a browser's forced dark mode left the SVGs' black text on
 * a darkened page */
"<meta name=\"color-scheme\" content=\"only light\">\n"
"<title>attention weights</title>\n"
"<style>body{font-family:sans-serif;margin:16px}"
"#views{display:flex;gap:40px;flex-wrap:wrap}"
"#views>div{min-width:0;max-width:100%}#heat{overflow-x:auto}"
".hkey{margin:0 0 4px;font-size:13px;max-width:520px}"
".hk{white-space:nowrap;margin:0 .4em 3px 0;font:inherit;cursor:pointer;"
"background:#fff;border:1px solid #ccc;border-radius:3px;padding:0 5px}"
".hk[aria-pressed=false]{opacity:.4;text-decoration:line-through}"
"#readout{display:flex;font-family:monospace;margin-top:6px;height:1.3em;"
"overflow:hidden;white-space:nowrap}"
".rl{overflow:hidden;text-overflow:ellipsis;min-width:0}.ra,.rv{flex:none;"
"white-space:pre}"
".axes{margin:0 0 4px;font-size:12px;color:#555}"
"#errors{color:#b00;white-space:pre-wrap;margin:0}"
".tok{cursor:pointer}.tok.on{font-weight:bold}"
".tok:focus{outline:none;text-decoration:underline}"
"#bar{position:sticky;top:0;background:#fff;z-index:1;margin:0;"
"padding:4px 0}"
"svg:focus-visible{outline:2px solid #1f77b4}"
"h1{font-size:18px}h2{font-size:15px}"
/* printed: each picture shrunk to the paper's width (their viewBox),
 * none cut at its box's edge, none apart from its heading */
"@media print{#bar{position:static}#heat{overflow:visible}"
"svg{max-width:100%;max-height:80vh;width:auto;height:auto}"
"#views>div{break-inside:avoid}"
"h2,.axes,.hkey{break-after:avoid}}</style>\n"
"<script>window.onerror=function(m,s,l){var e=document.getElementById("
"\"errors\");if(e)e.textContent+=m+\" (line \"+l+\")\\n\";"
"document.documentElement.setAttribute(\"data-error\",\"1\");};"
"console.error=function(m){window.onerror(String(m),\"\",0);};"
"</script>\n"
"</head><body data-ready=\"no\">\n"
"<h1>attention weights</h1>\n<pre id=\"errors\"></pre>\n"
"<p id=\"bar\"><span id=\"seqbox\"><label for=\"seq\">sequence</label> "
"<select id=\"seq\"></select> </span>"
"<span id=\"headbox\"><label for=\"head\">head</label> "
"<select id=\"head\"></select></span>"
"<span id=\"readout\" aria-live=\"polite\">hover a cell</span></p>\n"
"<p id=\"note\"></p>\n"
"<div id=\"views\"><div><h2>heatmap</h2><div id=\"heat\"></div></div>\n"
"<div><h2>head view</h2><div id=\"headview\"></div></div></div>\n"
"<noscript>The pictures need JavaScript.</noscript>\n";

/* ,"name":[...], the rows of each of the c cells of spans() s. */
static int
json_sizes(struct out *o, const char *name, const size_t *s, size_t c,
    struct err *e)
{
	size_t i;

	if (put(o, e, ",\"%s\":[", name))
		return -1;
	for (i = 0; i < c; i++)
		if (put(o, e, "%s%zu", i ? "," : "", s[i + 1] - s[i]))
			return -1;
	return puts_(o, "]", e);
}

/* ,"name":[...] the labels of the c cells of an axis in blocks, cut by
 * spans() s, from position off: block_tip()'s. */
static int
json_tips(struct heat *h, const char *name, const struct labels *l,
    const size_t *s, size_t c, size_t off, struct err *e)
{
	size_t i;

	if (put(h->o.svg, e, ",\"%s\":[", name))
		return -1;
	for (i = 0; i < c; i++)
		if ((i && puts_(h->o.svg, ",", e)) || json_str(h->o.svg,
		    block_tip(h, l, off + s[i], off + s[i + 1], 0), e))
			return -1;
	return puts_(h->o.svg, "]", e);
}

/* Sequence b as JSON, for the page's script: labels, then per panel
 * its name and rows of weights (null: masked). */
static int
html_section(struct heat *h, size_t b, struct err *e)
{
	const struct plan *p = h->p;
	struct out *o = h->o.svg;
	size_t k, i, j, np = npanels(h);
	char lab[LABEL_BUF], name[64], num[40];
	double v;
	int masked;

	if (put(o, e, "<script type=\"application/json\" class=\"seq\">"
	    "{\"sequence\":%zu,\"of\":%zu,\"vmax\":%.17g,", b, p->B,
	    h->o.vmax) || (p->q0 > 0 && put(o, e, "\"q0\":%zu,", p->q0)) ||
	    puts_(o, "\"q\":[", e))
		return -1;
	/* whole labels: the page cuts them for its axes */
	for (i = 0; i < h->gq; i++) {
		axis_label(h->tip, h->tipcap, h->ql, p->q0 + h->qs[i], p->q0 +
		    h->qs[i + 1], 0, 0);
		if ((i && puts_(o, ",", e)) || json_str(o, h->tip, e))
			return -1;
	}
	if (puts_(o, "],\"k\":[", e))
		return -1;
	for (j = 0; j < h->gk; j++) {
		axis_label(h->tip, h->tipcap, h->kl, h->ks[j], h->ks[j + 1], 0,
		    0);
		if ((j && puts_(o, ",", e)) || json_str(o, h->tip, e))
			return -1;
	}
	if (puts_(o, "],\"note\":", e))
		return -1;
	if (in_blocks(h)) {
		/* and the tokens of each cell: "share" where more than 1 */
		block_note(h, lab, sizeof lab);
		if (json_str(o, lab, e) || json_sizes(o, "qn", h->qs, h->gq,
		    e) || json_sizes(o, "kn", h->ks, h->gk, e))
			return -1;
		/* with labels, each cell's tokens' for the read-out */
		if ((h->ql != NULL && axis_blocks(h, 0) && json_tips(h, "qt",
		    h->ql, h->qs, h->gq, p->q0, e)) || (h->kl != NULL &&
		    axis_blocks(h, 1) && json_tips(h, "kt", h->kl, h->ks, h->gk,
		    0, e)))
			return -1;
	} else if (puts_(o, "\"\"", e))
		return -1;
	if (puts_(o, ",\"panels\":[", e))
		return -1;
	for (k = 0; k < np; k++) {
		if (put(o, e, "%s{\"name\":", k ? "," : "") ||
		    json_str(o, panel_name(h, k, name), e) ||
		    puts_(o, ",\"w\":[", e))
			return -1;
		for (i = 0; i < h->gq; i++) {
			if (puts_(o, i ? ",[" : "[", e))
				return -1;
			for (j = 0; j < h->gk; j++) {
				v = cell_value(h, k, i, j, &masked);
				if (masked)
					strcpy(num, "null");
				else if (v != v)
					strcpy(num, "\"nan\"");
				else
					num[num_format(num, v, 0)] = '\0';
				if ((j && puts_(o, ",", e)) || puts_(o, num, e))
					return -1;
			}
			if (puts_(o, "]", e))
				return -1;
		}
		if (puts_(o, "]}", e))
			return -1;
	}
	return puts_(o, "]}</script>\n", e);
}

/* Grapheme t (from 0) of axis label lab into o, in a cell cw columns
 * wide: "x " (cw 2), "x", a wide character (cw 2), or blanks. */
static int
show_char(struct out *o, const char *lab, size_t t, size_t cw,
    struct err *e)
{
	size_t n = 0;
	int cols = 0, w;

	for (; *lab; lab += n, t--) {
		n = grapheme(lab, &cols, &w);
		if (t == 0)
			break;
	}
	if (*lab == '\0' || cols == 0)
		return puts_(o, cw == 2 ? "  " : " ", e);
	return out_put(o, lab, n, 0, e) || puts_(o, cols < (int)cw ? " " :
	    "", e);
}

/* The cell --show draws for panel k, row i, terminal column j (key
 * blocks ts[j] .. ts[j+1]-1): the sum of their cells (the weights
 * summed over the column's keys); *any = whether a key there is not
 * masked. */
static double
drawn(const struct heat *h, size_t k, size_t i, const size_t *ts, size_t j,
    int *any)
{
	double s = 0;
	size_t a;
	int masked;

	*any = 0;
	for (a = ts[j]; a < ts[j + 1]; a++) {
		s += cell_value(h, k, i, a, &masked);
		*any |= !masked;
	}
	return s;
}

/* The characters --show keeps of a query label: LABEL_CHARS, fewer on
 * a narrow terminal (a quarter of it, 3 at least), which 16 of would
 * leave the keys no room. */
static size_t
show_chars(const struct heat *h)
{
	size_t c = h->o.width / 4;

	return c >= LABEL_CHARS ? LABEL_CHARS : c > 3 ? c : 3;
}

/* The terminal columns --show has for the keys, right of the query
 * labels (*lw columns wide). */
static size_t
show_avail(const struct heat *h, size_t *lw)
{
	size_t w;

	axis_size(h, 0, show_chars(h), lw, &w);
	return h->o.width > *lw + 3 ? h->o.width - *lw - 1 : 2;
}

/* The terminal picture of sequence b.  Labels go through cut(), so a
 * control character in one is drawn '?', never sent to the terminal. */
static int
show_section(struct heat *h, size_t b, struct err *e)
{
	static const char shades[] = " .:-=+*#%@";
	const struct plan *p = h->p;
	struct out *o = h->o.show;
	size_t np = npanels(h), k, i, j, t, lw, tk, avail, *ts, a, c, cw;
	size_t klines = 0, cols, w;
	char lab[LABEL_BUF], name[64], num[48], *ticks = NULL;
	double v, vmax = 0;
	int any, blocked, dmasked = 0, dnan = 0, over;
	unsigned char rgb[3];

	avail = show_avail(h, &lw);
	/* cells two columns wide where the keys fit so, else one (40
	 * keys at 80 columns: each its own, not 31 blocks of 1 and 2),
	 * unless a key label has a wide character, drawn a line each */
	cw = 2;
	if (2 * h->gk > avail && h->gk == p->m && h->gk <= avail) {
		for (j = 0; j < h->gk; j++) {
			axis_label(lab, sizeof lab, h->kl, j, j + 1,
			    LABEL_CHARS, 0);
			if (glen(lab, (size_t)-1, &cols, &w) < cols)
				break;
		}
		if (j == h->gk)
			cw = 1;
	}
	tk = avail / cw ? avail / cw : 1;
	tk = h->gk < tk ? h->gk : tk;
	if ((ts = malloc((tk + 1) * sizeof *ts)) == NULL ||
	    (ticks = malloc(cw * tk + 1)) == NULL) {
		free(ts);
		return err_set(e, NULL, 0, 0, "--show: %s", strerror(errno));
	}
	tk = spans(ts, tk, h->gk);
	blocked = tk < h->gk || h->gk < p->m;
	if (!blocked)
		/* key labels downwards, a character a line */
		for (j = 0; j < tk; j++) {
			axis_label(lab, sizeof lab, h->kl, j, j + 1,
			    LABEL_CHARS, 0);
			if ((c = glen(lab, (size_t)-1, &cols, &w)) > klines)
				klines = c;
		}
	else {
		/* a column of blocks: numbered by its first key, where
		 * the number fits */
		memset(ticks, ' ', cw * tk);
		for (j = 0, a = 0; j < tk; j++) {	/* a: past the last */
			int len = snprintf(num, sizeof num, "%zu",
			    h->ks[ts[j]]);

			if ((j == 0 || cw * j > a) && cw * j + (size_t)len <=
			    cw * tk) {
				memcpy(ticks + cw * j, num, (size_t)len);
				a = cw * j + (size_t)len;
			}
		}
		ticks[a] = '\0';
	}
	if (p->B > 1 && put(o, e, "sequence %zu\n", b))
		goto fail;
	/* short lines, each within 50 columns up to 9999 tokens, broken
	 * to fit a narrower terminal */
	span_size(num, h->qs, h->gq);
	if (h->gq < p->nout) {
		snprintf(lab, sizeof lab, "%zu queries in %zu rows of %s "
		    "(averaged)", p->nout, h->gq, num);
		if (put_fit(o, lab, h->o.width, e))
			goto fail;
	}
	/* how many keys a column holds: "of 3", "of 3 or 4" */
	for (j = 0, a = (size_t)-1, c = 0; blocked && j < tk; j++) {
		size_t nk = h->ks[ts[j + 1]] - h->ks[ts[j]];

		a = nk < a ? nk : a;
		c = nk > c ? nk : c;
	}
	if (c == a)
		sprintf(num, "%zu", a);
	else
		sprintf(num, "%zu %s %zu", a, c == a + 1 ? "or" : "to", c);
	if (blocked) {
		snprintf(lab, sizeof lab, "%zu keys in %zu column%s of %s "
		    "(summed)", p->m, tk, tk == 1 ? "" : "s", num);
		if (put_fit(o, lab, h->o.width, e))
			goto fail;
	}
	/* the scale: the largest cell drawn (a 1 in a block of keys, drawn
	 * averaged, had left the picture dark under a legend that no cell
	 * reached) */
	for (k = 0, vmax = 0; k < np; k++)
		for (i = 0; i < h->gq; i++)
			for (j = 0; j < tk; j++)
				if ((v = drawn(h, k, i, ts, j, &any)) > vmax)
					vmax = v;
	if (!(vmax > 0))
		vmax = 1;
	over = above(h, vmax);
	if (h->o.vmax > 0)
		vmax = h->o.vmax;
	for (k = 0; k < np; k++) {
		if (put(o, e, "%s\n", panel_name(h, k, name)))
			goto fail;
		for (t = 0; t < klines; t++) {
			if (put(o, e, "%*s ", (int)lw, ""))
				goto fail;
			for (j = 0; j < tk; j++) {
				axis_label(lab, sizeof lab, h->kl, j, j + 1,
				    LABEL_CHARS, 0);
				if (show_char(o, lab, t, cw, e))
					goto fail;
			}
			if (puts_(o, "\n", e))
				goto fail;
		}
		if (blocked && put(o, e, "%*s %s\n", (int)lw, "", ticks))
			goto fail;
		for (i = 0; i < h->gq; i++) {
			axis_label(lab, sizeof lab, h->ql, p->q0 + h->qs[i],
			    p->q0 + h->qs[i + 1], show_chars(h), 0);
			glen(lab, (size_t)-1, &cols, &w);
			if (puts_(o, lab, e) || put(o, e, "%*s ",
			    (int)(lw - cols), ""))
				goto fail;
			for (j = 0; j < tk; j++) {
				v = drawn(h, k, i, ts, j, &any) / vmax;
				if (v > 1)	/* above --heat-max: its top */
					v = 1;
				dnan |= any && v != v;
				dmasked |= !any;
				/* cw of the cell's character */
				if (any && v != v)
					c = (size_t)put(o, e, "%.*s", (int)cw,
					    "??");
				else if (!any)
					c = (size_t)put(o, e, "%s%.*s%s",
					    h->o.color ? "\033[38;5;250;48;5;240m" :
					    "", (int)cw, "//", h->o.color ?
					    "\033[0m" : "");
				else if (h->o.color == 0) {
					size_t z = (size_t)(v * 9.999);

					c = (size_t)put(o, e, "%c%.*s", shades[z],
					    (int)cw - 1, shades + z);
				} else {
					colour(v, rgb);
					c = h->o.color == 2 ? (size_t)put(o, e,
					    "\033[48;2;%d;%d;%dm%.*s\033[0m", rgb[0],
					    rgb[1], rgb[2], (int)cw, "  ") :
					    (size_t)put(o, e, "\033[48;5;%dm%.*s"
					    "\033[0m", xterm256(rgb), (int)cw, "  ");
				}
				if (c != 0)
					goto fail;
			}
			if (puts_(o, "\n", e))
				goto fail;
		}
	}
	/* the legend: masked and NaN when drawn (a column of keys in a
	 * block is masked only where all of them are) */
	num[num_format(num, vmax, 3)] = '\0';
	if (puts_(o, "0 ", e))
		goto fail;
	for (t = 0; t < 10; t++) {
		colour(t / 9.0, rgb);
		c = h->o.color == 0 ? (size_t)put(o, e, "%c", shades[t]) :
		    h->o.color == 2 ? (size_t)put(o, e, "\033[48;2;%d;%d;%dm "
		    "\033[0m", rgb[0], rgb[1], rgb[2]) : (size_t)put(o, e,
		    "\033[48;5;%dm \033[0m", xterm256(rgb));
		if (c != 0)
			goto fail;
	}
	/* masked drawn as they are in the cells; their entry and NaN's
	 * each on a line of its own where the line would be wider than the
	 * terminal (the scale, 14 columns at least, stays whole) */
	if (put(o, e, " %s%s", over ? OVER : "", num))
		goto fail;
	c = 2 + 10 + 1 + (over != 0) + strlen(num);
	for (t = 0; t < 2; t++) {
		size_t ew = t == 0 ? 9 : 6;	/* "// masked", "?? NaN" */

		if (t == 0 ? !dmasked : !dnan)
			continue;
		if (c + 3 + ew > h->o.width) {
			if (puts_(o, "\n", e))
				goto fail;
			c = 0;
		} else if (puts_(o, "   ", e)) {
			goto fail;
		} else {
			c += 3;
		}
		if (t == 0 ? put(o, e, "%s masked", h->o.color ?
		    "\033[38;5;250;48;5;240m//\033[0m" : "//") :
		    puts_(o, "?? NaN", e))
			goto fail;
		c += ew;
	}
	if (puts_(o, "\n", e))
		goto fail;
	free(ts);
	free(ticks);
	return 0;
fail:
	free(ts);
	free(ticks);
	return -1;
}

int
heat_start(struct heat *h, const struct plan *p, const struct labels *ql,
    const struct labels *kl, const struct heat_opts *o, struct err *e)
{
	size_t n, i, l, longest = 0, lw, avail;
	int oom;

	memset(h, 0, sizeof *h);
	h->o = *o;
	h->p = p;
	h->ql = ql;
	h->kl = kl;
	if (o->has_batch && o->batch >= p->B)
		return err_set(e, NULL, 0, 0, "--batch-index %zu: the input "
		    "has %zu sequence%s", o->batch, p->B, p->B == 1 ? "" : "s");
	h->Hs = p->o.average || p->H == 1 ? 1 : p->H;
	h->gq = p->nout < HEAT_CELLS ? p->nout : HEAT_CELLS;
	h->gk = p->m < HEAT_CELLS ? p->m : HEAT_CELLS;
	h->qs = malloc((h->gq + 1) * sizeof *h->qs);
	h->ks = malloc((h->gk + 1) * sizeof *h->ks);
	if (h->qs == NULL || h->ks == NULL)
		return err_set(e, NULL, 0, 0, "pictures: %s", strerror(ENOMEM));
	h->gq = spans(h->qs, h->gq, p->nout);
	/* --show alone: the key cells are its columns (two terminal
	 * columns each where the keys do not fit one each), cut evenly
	 * from the keys (grouping cells cut for the SVG again compounds
	 * their unevenness) */
	if (o->show != NULL && o->svg == NULL) {
		avail = show_avail(h, &lw);
		if (p->m > avail && avail / 2 < h->gk)
			h->gk = avail / 2 ? avail / 2 : 1;
	}
	h->gk = spans(h->ks, h->gk, p->m);
	n = h->Hs * h->gq * h->gk;
	h->sum = calloc(n, sizeof *h->sum);
	h->vis = calloc(n + h->gq * h->gk, 1);
	h->live = calloc(h->Hs * h->gq, sizeof *h->live);
	if (h->sum == NULL || h->vis == NULL || h->live == NULL)
		return err_set(e, NULL, 0, 0, "pictures: %s", strerror(ENOMEM));
	/* room for the longest label whole, escaped (6 bytes a byte at
	 * most), isolated (6 bytes), or a block's range */
	for (l = 0; l < 2; l++)
		for (i = 0; (l ? kl : ql) != NULL && i < (l ? kl : ql)->n;
		    i++)
			if ((n = strlen((l ? kl : ql)->s[i])) > longest)
				longest = n;
	/* (a block's labels: TIP_CHARS characters, cut() bounds them) */
	h->tipcap = 6 * longest + 64 + (in_blocks(h) ? 16384 : 0);
	oom = (h->tip = malloc(h->tipcap)) == NULL;
	if (o->svg != NULL && !o->html) {	/* the SVG's tooltips' */
		h->qdup = dup_marks(ql, p->q0, p->q1, &oom);
		h->kdup = dup_marks(kl, 0, p->m, &oom);
	}
	if (oom)
		return err_set(e, NULL, 0, 0, "pictures: %s", strerror(ENOMEM));
	if (h->o.svg != NULL && (h->o.html ? puts_(h->o.svg,
	    html_head_text, e) : svg_head(h, e)) != 0)
		return -1;
	return 0;
}

int
heat_sink(void *arg, const double *rows, size_t nrows, struct err *e)
{
	struct heat *h = arg;
	const struct plan *p = h->p;
	size_t r, j, cj, per = h->Hs * p->nout;
	int live;

	for (r = 0; r < nrows; r++, rows += p->m, h->row++) {
		size_t b = h->row / per, k = h->row / p->nout % h->Hs;
		size_t i = h->row % p->nout, ci = cell_of(i, h->qs, h->gq);
		double *s = h->sum + (k * h->gq + ci) * h->gk;
		unsigned char *v = h->vis + (k * h->gq + ci) * h->gk;
		unsigned char *mv = h->vis + (h->Hs * h->gq + ci) * h->gk;

		/* cell by cell, its keys in order: no division a key */
		for (cj = 0, live = 0; cj < h->gk; cj++)
			for (j = h->ks[cj]; j < h->ks[cj + 1]; j++) {
				/* -0.0 marks a hidden key (attn.h) */
				int seen = rows[j] != 0 || !signbit(rows[j]);

				s[cj] += rows[j];
				v[cj] |= seen;
				mv[cj] |= seen;
				live |= seen;
			}
		h->live[k * h->gq + ci] += (size_t)live;
		if ((h->row + 1) % per != 0)
			continue;
		/* the sequence's last row: draw it */
		if (!h->o.has_batch || h->o.batch == b) {
			if (h->o.svg != NULL && (h->o.html ? html_section(h, b,
			    e) : svg_section(h, b, 16 + h->nseq * h->sech,
			    e)) != 0)
				return -1;
			if (h->o.show != NULL && show_section(h, b, e) != 0)
				return -1;
			h->nseq++;
		}
		memset(h->sum, 0, h->Hs * h->gq * h->gk * sizeof *h->sum);
		memset(h->vis, 0, (h->Hs + 1) * h->gq * h->gk);
		memset(h->live, 0, h->Hs * h->gq * sizeof *h->live);
	}
	return 0;
}

int
heat_end(struct heat *h, struct err *e)
{
	size_t i;

	if (h->o.svg == NULL)
		return 0;
	if (!h->o.html)
		return puts_(h->o.svg, "</svg>\n", e);
	if (puts_(h->o.svg, "<script>\n", e))
		return -1;
	for (i = 0; heat_page_js[i] != NULL; i++)
		if (puts_(h->o.svg, heat_page_js[i], e))
			return -1;
	return puts_(h->o.svg, "</script>\n</body></html>\n", e);
}

void
heat_free(struct heat *h)
{
	free(h->qs);
	free(h->ks);
	free(h->sum);
	free(h->vis);
	free(h->live);
	free(h->tip);
	free(h->qdup);
	free(h->kdup);
	h->tip = NULL;
	h->qdup = h->kdup = NULL;
	h->qs = h->ks = NULL;
	h->sum = NULL;
	h->vis = NULL;
	h->live = NULL;
}

void
heat_term(int fd, int *color, size_t *width)
{
	const char *nc = getenv("NO_COLOR"), *ct = getenv("COLORTERM");
	const char *cols = getenv("COLUMNS"), *term = getenv("TERM");
	unsigned long long w = 0;
	int tty = isatty(fd);

	/* a terminal of TERM=dumb draws no escape sequences */
	*color = !tty || (nc != NULL && *nc != '\0') || (term != NULL &&
	    strcmp(term, "dumb") == 0) ? 0 : ct != NULL &&
	    (strcmp(ct, "truecolor") == 0 || strcmp(ct, "24bit") == 0) ? 2 : 1;
	*width = 0;
#ifdef TIOCGWINSZ
	{
		struct winsize ws;

		if (tty && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
			*width = ws.ws_col;
	}
#endif
	if (*width == 0 && cols != NULL && sscanf(cols, "%llu", &w) == 1 &&
	    w > 0 && w < 100000)
		*width = (size_t)w;
	if (*width == 0)
		*width = 80;
}
