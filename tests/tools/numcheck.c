/*
 * numcheck - check src/num.c against the C library, a reference
 * implementation and golden data.
 *
 *	numcheck [-s SEED] N	random mode: N rounds of random doubles and
 *				decimal strings, plus fixed lists of edge
 *				cases
 *	numcheck -g FILE	golden mode: lines "HEXBITS TEXT" (prec 0)
 *				or "HEXBITS PREC TEXT"; '#' lines are comments
 *
 * num_parse must agree with strtod bit for bit on: random doubles as
 * "%.17g" and "%.{0..25}e"; random decimals of 1 to 40 digits, with
 * exponents all over, the subnormal and overflow ranges included;
 * strings from the grammar's corners; the exact points halfway between
 * adjacent doubles (big-integer arithmetic below), with and without a
 * sticky digit far out, and cut to 17..25 digits; powers of ten from
 * 1e-350 to 1e350; and with the text in a buffer of exactly its length
 * (so that a sanitizer sees any read past it), or followed by digits
 * that must not count.
 *
 * num_format(x, 0) must read back to x, be byte for byte what the
 * previous implementation of src/num.c gave (ref_format below: printf's
 * 15, 16 or 17 digits and strtod round trips), and pass a brute-force
 * check with printf: no decimal with fewer digits reads back to x (it
 * suffices that neither of the two (n-1)-digit decimals next to x does:
 * a shorter decimal is an (n-1)-digit one too, and those that read back
 * lie in an interval around x; with a full check every length below n
 * is tried as well), and of its length it is the nearest that does.  num_format(x, p), p = 1..17, must be
 * ref_format's, i.e. "%.{p-1}e" laid out.  Neither may write past
 * NUM_MAXLEN bytes.  glibc's strtod and printf are correctly rounded,
 * so they are the reference.
 *
 * Prints "N passed, M failed" and exits 1 if M > 0, after showing the
 * first few failures.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

#define SHOWMAX 10

static unsigned long npass, nfail;

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* splitmix64: tiny, seedable, good enough to pick test cases */
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* A uniform integer in [0, n). */
static unsigned
rndn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static uint64_t
bits(double x)
{
	uint64_t b;

	memcpy(&b, &x, sizeof b);
	return b;
}

static double
frombits(uint64_t b)
{
	double x;

	memcpy(&x, &b, sizeof x);
	return x;
}

/* Same double, bit for bit, except that any NaN matches any NaN: text
 * carries no NaN payload, and num_format drops the sign. */
static int
same(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return bits(a) == bits(b);
}

static void
fail(const char *what, double x, const char *text, const char *detail)
{
	if (++nfail <= SHOWMAX)
		fprintf(stderr, "FAIL %s: x=%.17g (0x%016" PRIx64 ") "
		    "text=\"%.120s%s\" %s\n", what, x, bits(x), text,
		    strlen(text) > 120 ? "..." : "", detail);
}

static void
check(int ok, const char *what, double x, const char *text,
    const char *detail)
{
	if (ok)
		npass++;
	else
		fail(what, x, text, detail);
}

/* ---- the reference: src/num.c's num_format before the rewrite ---- */

/*
 * The correctly rounded prec-digit decimal of |x| (finite, nonzero):
 * digits into d (prec of them, no NUL) and the decimal exponent of the
 * first one into *e10.  printf("%.*e") rounds correctly in glibc.
 */
static void
ref_ecvt(double x, int prec, char *d, int *e10)
{
	char tmp[64];
	const char *p;
	int n = 0;

	snprintf(tmp, sizeof tmp, "%.*e", prec - 1, fabs(x));
	/* "d.ddde+XX", the point possibly another (multibyte) string */
	for (p = tmp; *p != '\0' && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && n < prec)
			d[n++] = *p;
	*e10 = *p == 'e' ? atoi(p + 1) : 0;
}

/* Read back digits d[0..n) with exponent e10 of the first one. */
static double
ref_value(const char *d, int n, int e10)
{
	char tmp[64];

	memcpy(tmp, d, (size_t)n);
	snprintf(tmp + n, sizeof tmp - (size_t)n, "e%d", e10 - (n - 1));
	return strtod(tmp, NULL);
}

/* Add one unit in the last of the n digits; 999 becomes 1000 with the
 * exponent one higher (and still n digits). */
static void
ref_up(char *d, int n, int *e10)
{
	int i;

	for (i = n - 1; i >= 0 && d[i] == '9'; i--)
		d[i] = '0';
	if (i >= 0) {
		d[i]++;
	} else {
		d[0] = '1';
		(*e10)++;
	}
}

/* Python repr layout of -?d[0..n) * 10^e10 (d without trailing zeros),
 * minus repr's ".0" on whole numbers. */
static size_t
ref_layout(char *buf, int neg, const char *d, int n, int e10)
{
	char *p = buf;
	int i;

	if (neg)
		*p++ = '-';
	if (e10 >= 16 || e10 <= -5) {
		*p++ = d[0];
		if (n > 1) {
			*p++ = '.';
			memcpy(p, d + 1, (size_t)n - 1);
			p += n - 1;
		}
		*p++ = 'e';
		*p++ = e10 < 0 ? '-' : '+';
		if (e10 < 0)
			e10 = -e10;
		if (e10 >= 100)
			*p++ = (char)('0' + e10 / 100);
		*p++ = (char)('0' + e10 / 10 % 10);
		*p++ = (char)('0' + e10 % 10);
	} else if (e10 >= 0) {
		for (i = 0; i <= e10; i++)
			*p++ = i < n ? d[i] : '0';
		if (n > e10 + 1) {
			*p++ = '.';
			memcpy(p, d + e10 + 1, (size_t)(n - e10 - 1));
			p += n - e10 - 1;
		}
	} else {
		*p++ = '0';
		*p++ = '.';
		for (i = -1; i > e10; i--)
			*p++ = '0';
		memcpy(p, d, (size_t)n);
		p += n;
	}
	return (size_t)(p - buf);
}

/*
 * The old num_format: printf's correctly rounded 15, 16 or 17 digits
 * (from 1 up for subnormals), the first that reads back.  Any decimal
 * of <= 15 digits that reads back to x is x's correct 15-digit
 * rounding: that grid's spacing is over 4 ulp, so only its point
 * nearest x can be within ulp/2.  Likewise the nearest 16-digit decimal
 * reads back if any does, except when x is a power of two: its interval
 * is ulp/4 below and ulp/2 above, so the next 16-digit decimal up may
 * read back when the nearest, below x, does not.  17 digits always read
 * back.  Subnormals have fewer bits, so shorter digit strings may read
 * back: there, try lengths from 1 up; at each the nearest decimal is
 * the one to try, since a farther one reads back only if the nearest
 * does.
 */
static size_t
ref_format(char *buf, double x, int prec)
{
	char d[17];
	int n, e10, p;

	if (isnan(x)) {
		memcpy(buf, "nan", 3);
		return 3;
	}
	if (isinf(x)) {
		memcpy(buf, x < 0 ? "-inf" : "inf", x < 0 ? 4 : 3);
		return x < 0 ? 4 : 3;
	}
	if (x == 0) {
		memcpy(buf, signbit(x) ? "-0" : "0", signbit(x) ? 2 : 1);
		return signbit(x) ? 2 : 1;
	}
	if (prec > 17)
		prec = 17;
	if (prec > 0) {
		ref_ecvt(x, prec, d, &e10);
		n = prec;
	} else {
		for (p = fabs(x) < DBL_MIN ? 1 : 15; ; p++) {
			double y;

			ref_ecvt(x, p, d, &e10);
			n = p;
			if (p == 17 || (y = ref_value(d, p, e10)) == fabs(x))
				break;
			if (p == 16 && y < fabs(x)) {
				int e;

				if (fabs(frexp(x, &e)) == 0.5) {
					char u[17];
					int ue = e10;

					memcpy(u, d, sizeof u);
					ref_up(u, 16, &ue);
					if (ref_value(u, 16, ue) == fabs(x)) {
						memcpy(d, u, sizeof d);
						e10 = ue;
						break;
					}
				}
			}
		}
	}
	while (n > 1 && d[n - 1] == '0')
		n--;
	return ref_layout(buf, x < 0, d, n, e10);
}

/* ---- helpers ---- */

/*
 * Normalise a decimal "[-]digits[.digits][e[+-]N]" to its significant
 * digits (no leading or trailing zeros) and the decimal exponent of the
 * first one.  Returns the number of digits (0 for zero).
 */
static int
norm(const char *s, char *dig, int *e10)
{
	int n = 0, point = -1, pos = 0, first = -1;
	const char *p;

	for (p = s; *p != '\0' && *p != 'e' && *p != 'E'; p++) {
		if (*p == '.') {
			point = pos;
			continue;
		}
		if (*p < '0' || *p > '9')
			continue;
		if (first < 0 && *p == '0') {
			pos++;
			continue;
		}
		if (first < 0)
			first = pos;
		dig[n++] = *p;
		pos++;
	}
	if (point < 0)
		point = pos;
	while (n > 0 && dig[n - 1] == '0')
		n--;
	dig[n] = '\0';
	*e10 = (point - first - 1) + (*p ? atoi(p + 1) : 0);
	return n;
}

/* Subtract one unit in the last of the n digits (d > 10^(n-1) or the
 * exponent drops: 1000 becomes 9999 one lower, still n digits). */
static void
digits_down(char *d, int n, int *e10)
{
	int i;

	for (i = n - 1; i >= 0 && d[i] == '0'; i--)
		d[i] = '9';
	d[i]--;
	if (d[0] == '0') {
		memmove(d, d + 1, (size_t)n - 1);
		d[n - 1] = '9';
		(*e10)--;
	}
}

/* ---- num_parse ---- */

/*
 * num_parse on s must give the same bits as strtod, reading s from a
 * buffer of exactly its length (no NUL: a sanitizer catches a read
 * past it) and from one where more digits follow.
 */
static void
check_parse(const char *s)
{
	double want = strtod(s, NULL), got = 12345.0, got2 = 12345.0;
	size_t len = strlen(s);
	char d[128], *b = malloc(len + 9);

	if (b == NULL) {
		perror("numcheck");
		exit(2);
	}
	memcpy(b, s, len);
	memcpy(b + len, "12345678", 9);
	if (num_parse(b, len, &got2) != 0) {
		free(b);
		fail("num_parse rejected", want, s, "");
		return;
	}
	free(b);
	b = malloc(len > 0 ? len : 1);
	if (b == NULL) {
		perror("numcheck");
		exit(2);
	}
	memcpy(b, s, len);
	if (num_parse(b, len, &got) != 0) {
		free(b);
		fail("num_parse rejected", want, s, "");
		return;
	}
	free(b);
	snprintf(d, sizeof d, "got %.17g (0x%016" PRIx64 ")", got,
	    bits(got));
	check(same(got, want), "num_parse != strtod", want, s, d);
	snprintf(d, sizeof d, "got %.17g (0x%016" PRIx64 ") when digits "
	    "follow", got2, bits(got2));
	check(same(got2, want), "num_parse read past its length", want, s,
	    d);
}

/*
 * Exact decimal of the point halfway between x (positive, finite, not
 * DBL_MAX) and the next double up, as "DIGITSe-K", into s (cap >= 1200).
 * x + ulp/2 = (2m + 1) * 2^(q-1) with m, q from frexp; for q - 1 < 0 it
 * is (2m + 1) * 5^k / 10^k, k = 1 - q.  Big integers in base 10^9.
 */
static void
halfway(double x, char *s, size_t cap)
{
	uint32_t a[140];
	uint64_t m, carry;
	int n, e, k, i, step;
	size_t len;
	double f = frexp(x, &e);

	/* x = f * 2^e, f in [0.5, 1): x = m * 2^(e-53), or subnormal */
	if (e - 53 < -1074) {
		m = (uint64_t)ldexp(f, e + 1074);
		e = -1074;
	} else {
		m = (uint64_t)ldexp(f, 53);
		e -= 53;
	}
	m = 2 * m + 1;
	k = 1 - e;			/* x + ulp/2 = m * 2^(e-1) */
	a[0] = (uint32_t)(m % 1000000000);
	a[1] = (uint32_t)(m / 1000000000 % 1000000000);
	a[2] = (uint32_t)(m / 1000000000 / 1000000000);
	n = 3;
	while (k != 0) {
		/* multiply by 5^13 or 2^29 (both < 2^32) at a time */
		uint32_t mul;

		if (k > 0) {
			step = k > 13 ? 13 : k;
			for (mul = 1, i = 0; i < step; i++)
				mul *= 5;
		} else {
			step = -k > 29 ? 29 : -k;
			mul = (uint32_t)1 << step;
		}
		carry = 0;
		for (i = 0; i < n; i++) {
			uint64_t t = (uint64_t)a[i] * mul + carry;

			a[i] = (uint32_t)(t % 1000000000);
			carry = t / 1000000000;
		}
		while (carry != 0) {
			a[n++] = (uint32_t)(carry % 1000000000);
			carry /= 1000000000;
		}
		k += k > 0 ? -step : step;
	}
	while (n > 1 && a[n - 1] == 0)
		n--;
	len = (size_t)snprintf(s, cap, "%" PRIu32, a[n - 1]);
	for (i = n - 2; i >= 0; i--)
		len += (size_t)snprintf(s + len, cap - len, "%09" PRIu32, a[i]);
	/* for e - 1 >= 0 the big integer already holds the power of 2 */
	snprintf(s + len, cap - len, "e%d", e - 1 < 0 ? e - 1 : 0);
}

/* Halfway point and its neighbours, in several spellings. */
static void
check_halfway(double x)
{
	char h[1400], s[2000], dig[1300];
	char *ep;
	int nd, ex, r, i, k;

	if (!(x > 0) || isinf(x) || x == DBL_MAX)
		return;
	halfway(x, h, sizeof h);
	check_parse(h);
	ep = strchr(h, 'e');
	nd = (int)(ep - h);
	ex = atoi(ep + 1);
	memcpy(dig, h, (size_t)nd);
	dig[nd] = '\0';

	/* just above: zeros then a 1, often past 800 digits in all */
	r = rndn(2) ? (int)rndn(300) : 800 - nd + (int)rndn(20);
	if (r < 0)
		r = 0;
	snprintf(s, sizeof s, "%s%0*d1e%d", dig, r, 0, ex - r - 1);
	if (r == 0)
		snprintf(s, sizeof s, "%s1e%d", dig, ex - 1);
	check_parse(s);
	/* exactly halfway still, with zeros past 800 digits */
	snprintf(s, sizeof s, "%s%0*de%d", dig, r + 1, 0, ex - r - 1);
	check_parse(s);
	/* just below: drop the final 5 for a 4, then many 9s */
	snprintf(s, sizeof s, "%.*s4", nd - 1, dig);
	for (i = 0; i < r; i++)
		strcat(s, "9");
	snprintf(s + strlen(s), sizeof s - strlen(s), "e%d", ex - r);
	check_parse(s);
	/* with a point after the first digit, and trailing zeros */
	snprintf(s, sizeof s, "%c.%s000E%+d", dig[0], dig + 1, ex + nd - 1);
	check_parse(s);
	/* cut to 17..25 digits, and one unit up: near ties in few digits */
	if (nd > 17) {
		k = 17 + (int)rndn(9);
		if (k > nd)
			k = nd;
		snprintf(s, sizeof s, "%.*se%d", k, dig, ex + nd - k);
		check_parse(s);
		memcpy(s, dig, (size_t)k);
		i = ex + nd - k;
		{
			int e1 = 0;

			/* s[0..k) + 1, as digits with their own exponent */
			ref_up(s, k, &e1);
			snprintf(s + k, sizeof s - (size_t)k, "e%d", i + e1);
		}
		check_parse(s);
	}
}

/* A random decimal string in the grammar (s has room for 1100). */
static void
random_decimal(char *s)
{
	char *p = s;
	unsigned ni, nf, i;
	int e;

	switch (rndn(4)) {
	case 0:
		*p++ = '-';
		break;
	case 1:
		*p++ = '+';
		break;
	}
	ni = rndn(32) == 0 ? rndn(1000) : rndn(22);
	nf = rndn(3) == 0 ? 0 : (rndn(8) == 0 ? rndn(60) : rndn(22));
	if (ni == 0 && nf == 0)
		ni = 1;
	for (i = 0; i < ni; i++)
		*p++ = (char)('0' + (i == 0 && rndn(2) ? rndn(2) : rndn(10)));
	if (nf > 0 || rndn(4) == 0) {
		*p++ = '.';
		for (i = 0; i < nf; i++)
			*p++ = (char)('0' + rndn(10));
	}
	if (rndn(4) != 0) {
		*p++ = rndn(2) ? 'e' : 'E';
		e = (int)rndn(700) - 350 - (int)ni;
		if (rndn(8) == 0)
			e = (int)rndn(60) - 30;
		p += sprintf(p, rndn(2) && e >= 0 ? "+%d" : "%d", e);
	}
	*p = '\0';
}

/*
 * A random decimal of 1 to 40 significant digits (s has room for 100):
 * maybe leading zeros, a point anywhere, trailing zeros, and a value in
 * the subnormal or overflow range as often as in the middle.
 */
static void
random_digits(char *s)
{
	char *p = s;
	int nd = 1 + (int)rndn(40), nz = 0, pt, i, mag, e;

	if (rndn(2))
		*p++ = '-';
	if (rndn(4) == 0)
		nz = 1 + (int)rndn(5);
	/* the point before digit pt (of all nz + nd), or none */
	pt = rndn(3) == 0 ? -1 : (int)rndn((unsigned)(nz + nd + 1));
	for (i = 0; i < nz + nd; i++) {
		if (i == pt)
			*p++ = '.';
		if (i < nz)
			*p++ = '0';
		else if (i == nz)
			*p++ = (char)('1' + rndn(9));
		else if (rndn(8) == 0 && i > nz + nd / 2)
			*p++ = '0';	/* some trailing zeros */
		else
			*p++ = (char)('0' + rndn(10));
	}
	if (pt == nz + nd)
		*p++ = '.';
	/* magnitude of the first significant digit */
	switch (rndn(5)) {
	case 0:
		mag = -330 + (int)rndn(35);	/* subnormal and below */
		break;
	case 1:
		mag = 300 + (int)rndn(12);	/* DBL_MAX and beyond */
		break;
	case 2:
		mag = -30 + (int)rndn(60);
		break;
	case 3:
		mag = -5 + (int)rndn(25);
		break;
	default:
		mag = -400 + (int)rndn(800);
		break;
	}
	/* the first nonzero digit stands for 10^(pt - nz - 1 + e) */
	e = mag + 1 + nz - (pt < 0 ? nz + nd : pt);
	if (e != 0 || rndn(2))
		p += sprintf(p, "%s%d", rndn(2) ? "e" : "E", e);
	*p = '\0';
}

/* More digits than the exponent's saturation point (a field of a line
 * may hold 2.7e8): 1 and 1e8 zeros times 10^-1000000000 is 0, and
 * 0.(1e8 zeros)1 times 10^1000000000 is inf (when the exponent stopped
 * growing at 1e8 they read as inf and 0). */
static void
long_digits(void)
{
	const size_t nz = 100001000;
	char *s = malloc(nz + 40);

	if (s == NULL) {
		perror("numcheck");
		exit(2);
	}
	s[0] = '1';
	memset(s + 1, '0', nz);
	strcpy(s + 1 + nz, "e-1000000000");
	check_parse(s);
	memcpy(s, "0.", 2);
	memset(s + 2, '0', nz);
	strcpy(s + 2 + nz, "1e1000000000");
	check_parse(s);
	free(s);
}

static void
check_syntax(void)
{
	static const char *good[] = {
		"0", "-0", "+0", "1", "1.", ".5", "-.5", "+3", "1e5", "1E5",
		"1e+5", "1e-5", "1.5e0", "00012", "0.000", "1e0000000000000000001",
		"1e-99999999999999999999", "nan", "NaN", "-nan", "+NAN", "inf",
		"-Inf", "INFINITY", "+infinity", "9007199254740993",
		"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792",
		"2.4703282292062327e-324", "2.4703282292062328e-324",
		"4.9406564584124654e-324", "2.2250738585072011e-308",
		"2.2250738585072012e-308", "0.1", "1.7976931348623157e308",
		"1.7976931348623158e308", "1.7976931348623159e308", "1e23",
		"8.589973e9", "123456789012345678901234567890e-30",
		/* 8-digit groups, as the parser reads them */
		"12345678", "1234567812345678", "12345678.12345678",
		"0.00000000000000000000000000000000001", "99999999.99999999",
		"00000000000000000000000000000000000000001",
		"1000000000000000000000000000000000000000e-40",
		"9999999999999999999", "99999999999999999999",
		"18446744073709551615", "18446744073709551616",
		"10000000000000000000", "9007199254740992.5",
		"9007199254740993.0000000000000000000000001",
		"4.9406564584124654e-324", "2.4703282292062328e-324",
		"1e-342", "1e-343", "9.999999999999999999e-343",
		"1.8e308", "1e308", "1e309", "0.1e310", "1000e305",
		"7.2057594037927933e16", "4.5035996273704985e15",
	};
	static const char *bad[] = {
		"", "+", "-", ".", "e5", "1e", "1e+", "1e-", "1.2.3", "0x10",
		" 1", "1 ", "1,5", "1e5.5", "--1", "+-1", "nan(1)", "na", "in",
		"infinit", "infinityy", "1f", "1d", "\t1", "1\n", "1_000",
		"1e 5", ".e5", "-.", "+.e1", "12345678x", "1234567812345678x",
		"0.12345678x1", "12345678.1234567/", "1234567:", "12345678e",
		"1234567a",
		"123456789012345678901234567890.1.", "1e1234567890123456789x",
	};
	size_t i;
	double x;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		x = 0;
		if (num_parse(good[i], strlen(good[i]), &x) != 0)
			fail("num_parse rejected a number", 0, good[i], "");
		else
			check_parse(good[i]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		x = 42;
		check(num_parse(bad[i], strlen(bad[i]), &x) == -1 && x == 42,
		    "num_parse accepted a non-number", 0, bad[i], "");
	}
	/* the length bounds the parse: "12" of "123", "" of "1" */
	check(num_parse("123", 2, &x) == 0 && x == 12, "num_parse length",
	    x, "123", "len 2");
	check(num_parse("1234567a", 7, &x) == 0 && x == 1234567,
	    "num_parse length", x, "1234567a", "len 7");
	check(num_parse("123456789", 8, &x) == 0 && x == 12345678,
	    "num_parse length", x, "123456789", "len 8");
	check(num_parse("1", 0, &x) == -1, "num_parse length", x, "1",
	    "len 0");
	check(num_parse("-nan", 4, &x) == 0 && isnan(x) && signbit(x),
	    "-nan keeps its sign", x, "-nan", "");
	check(num_parse("nan", 3, &x) == 0 && isnan(x) && !signbit(x),
	    "nan is positive", x, "nan", "");
	check(num_parse("-0", 2, &x) == 0 && x == 0 && signbit(x),
	    "-0 keeps its sign", x, "-0", "");
	check(num_parse("-0e999", 6, &x) == 0 && x == 0 && signbit(x),
	    "-0e999 is -0", x, "-0e999", "");
	check(num_parse("-1e999", 6, &x) == 0 && isinf(x) && x < 0,
	    "-1e999 is -inf", x, "-1e999", "");
	check(num_parse("-1e-999", 7, &x) == 0 && x == 0 && signbit(x),
	    "-1e-999 is -0", x, "-1e-999", "");
	long_digits();
}

/* ---- num_format ---- */

/*
 * The n-digit decimal nearest |x| (printf, half to even) into d[0..n),
 * its first digit's exponent into *e10; returns its value (strtod).
 */
static double
nearest(double x, int n, char *d, int *e10)
{
	ref_ecvt(x, n, d, e10);
	return ref_value(d, n, *e10);
}

/*
 * Brute force for num_format(x, 0) = text, with n significant digits
 * dig, first at exponent e1: nothing shorter reads back, and it is the
 * nearest of its length that does.  Around |x| the n-digit decimals
 * that may read back are the nearest one and its neighbour on the
 * other side of x (the doubles that round to x form an interval).
 */
static void
brute(double x, const char *text, const char *dig, int n, int e1, int full)
{
	char d[24], det[128];
	double ax = fabs(x), y;
	int p, e, ok;

	for (p = full ? 1 : n - 1; p >= 1 && p < n; p++) {
		y = nearest(ax, p, d, &e);
		ok = y != ax;
		if (y < ax)
			ref_up(d, p, &e);
		else
			digits_down(d, p, &e);
		ok = ok && ref_value(d, p, e) != ax;
		snprintf(det, sizeof det, "a %d-digit decimal reads back", p);
		check(ok, "num_format(x,0) not the shortest", x, text, det);
	}
	y = nearest(ax, n, d, &e);
	if (y != ax) {
		if (y < ax)
			ref_up(d, n, &e);
		else
			digits_down(d, n, &e);
		y = ref_value(d, n, e);
	}
	d[n] = '\0';
	snprintf(det, sizeof det, "nearest %d-digit one that reads back: "
	    "%se%d", n, d, e);
	check(y == ax && e == e1 && memcmp(d, dig, (size_t)n) == 0,
	    "num_format(x,0) not the nearest shortest", x, text, det);
}

/*
 * All the checks on num_format for one double; full: brute force over
 * all shorter lengths, and all precisions.
 */
static void
check_format(double x, int full)
{
	char buf[NUM_MAXLEN + 16], ref[64], d1[64], det[512];
	size_t len, rlen;
	double y;
	int p, n1, e1, i, canary;

	memset(buf, '#', sizeof buf);
	len = num_format(buf, x, 0);
	for (canary = 1, i = NUM_MAXLEN; i < (int)sizeof buf; i++)
		canary &= buf[i] == '#';
	check(canary && len <= NUM_MAXLEN, "num_format wrote past "
	    "NUM_MAXLEN", x, "", "");
	buf[len] = '\0';
	rlen = ref_format(ref, x, 0);
	ref[rlen] = '\0';
	snprintf(det, sizeof det, "the reference gives \"%s\"", ref);
	check(strcmp(buf, ref) == 0, "num_format(x,0) != reference", x, buf,
	    det);
	y = strtod(buf, NULL);
	check(same(x, y), "num_format(x,0) does not read back (strtod)", x,
	    buf, "");
	y = -1.0;
	check(num_parse(buf, len, &y) == 0 && same(x, y),
	    "num_format(x,0) does not read back (num_parse)", x, buf, "");
	if (isnan(x) || isinf(x) || x == 0)
		return;
	n1 = norm(buf, d1, &e1);
	brute(x, buf, d1, n1, e1, full);

	for (p = full ? 1 : 1 + (int)rndn(17); p <= 17; p++) {
		memset(buf, '#', sizeof buf);
		len = num_format(buf, x, p);
		for (canary = 1, i = NUM_MAXLEN; i < (int)sizeof buf; i++)
			canary &= buf[i] == '#';
		buf[len < NUM_MAXLEN ? len : NUM_MAXLEN] = '\0';
		rlen = ref_format(ref, x, p);
		ref[rlen] = '\0';
		snprintf(det, sizeof det, "prec %d, %%.%de gives \"%s\"", p,
		    p - 1, ref);
		check(canary && strcmp(buf, ref) == 0,
		    "num_format(x,p) != %e laid out", x, buf, det);
		if (!full)
			break;
	}
}

/* A random double: all bit patterns, and more of the common kinds. */
static double
random_double(void)
{
	uint64_t b = rnd();

	switch (rndn(8)) {
	case 0:
		/* uniform in [-10, 10) */
		return ((double)(b >> 11) / 9007199254740992.0 - 0.5) * 20;
	case 1:
		/* few decimal digits: k / 10^j */
		return (double)((int64_t)(b % 2000001) - 1000000) /
		    pow(10, (double)rndn(12));
	case 2:
		/* subnormal */
		return frombits(b & (UINT64_C(0x800fffffffffffff) >>
		    rndn(52)));
	case 3:
		/* a power of two, or next to one */
		b = (b & UINT64_C(0x8000000000000000)) |
		    (b & UINT64_C(0x7ff0000000000000));
		if ((b & UINT64_C(0x7ff0000000000000)) ==
		    UINT64_C(0x7ff0000000000000))
			b ^= UINT64_C(0x0010000000000000);
		return frombits(b + rndn(3) - (rndn(2) &&
		    (b & UINT64_C(0x7fffffffffffffff)) > 0));
	case 4:
		/* a whole number */
		return (double)(int64_t)(b >> rndn(64)) * (rndn(2) ? 1 : -1);
	default:
		return frombits(b);
	}
}

static void
check_edges(void)
{
	static const double v[] = {
		0.0, -0.0, 5e-324, -5e-324, 1e-323, 1.5e-323,
		2.2250738585072009e-308, DBL_MIN, DBL_MAX, -DBL_MAX, 0.1,
		0.2, 0.3, 1.0 / 3, 9007199254740992.0, 9007199254740993.0,
		9007199254740994.0, 9007199254740991.0, 1e16, 9999999999999998.0,
		1e-5, 1e-4, 0.00009999999999999999, 1234567890123456.0,
		123456789012345678.0, 1.7976931348623157e308, 4.35e-321, 1.5,
		0.5, 100.0, 1e22, 1e23, 1e15, 1e17, 123456789012345.67,
		0.000123456789, 5e-5, 12.5, 125.0, 0.125, 2.5, 3.5,
		/* the longest texts of each layout */
		-12345678901234.567, -123456789012345.67,
		-1234567890123456.7, -0.00012345678901234567,
		-1.2345678901234567e-300, -1.2345678901234567e+300,
		-1.2345678901234567e+16, -1.2345678901234567e-5,
		INFINITY, -INFINITY, NAN,
	};
	char s[64];
	size_t i;
	int e;
	uint64_t c;
	double t;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		check_format(v[i], 1);
		check_halfway(v[i]);
	}
	check_format(-NAN, 1);
	for (e = -1074; e <= 1023; e++) {
		check_format(ldexp(1.0, e), 1);
		check_format(nextafter(ldexp(1.0, e), 0), e % 4 == 0);
		check_format(nextafter(ldexp(1.0, e), INFINITY), e % 4 == 0);
		check_format(ldexp(1.5, e), 0);
		if (e % 7 == 0)
			check_halfway(ldexp(1.0, e));
	}
	/*
	 * m 10^j: whole numbers with few significant digits, whose
	 * roundings to fewer digits are exact ties or exact, and the
	 * shortest digits of m 10^-j.
	 */
	for (c = 1; c <= 150; c++)
		for (e = 0; e <= 24; e++) {
			check_format((double)c * pow(10, e), 1);
			check_format((double)c / pow(10, e), e < 4);
		}
	/* the smallest subnormals, one by one */
	for (c = 1; c < 3000; c++)
		check_format(frombits(c), c < 64);
	for (e = -350; e <= 350; e++) {
		snprintf(s, sizeof s, "1e%d", e);
		check_parse(s);
		check_format(strtod(s, NULL), 1);
		snprintf(s, sizeof s, "-9.999999999999999e%d", e);
		check_parse(s);
		check_format(strtod(s, NULL), 0);
		/* 10^e as a double, and its neighbours */
		t = strtod(s + 1, NULL);
		check_format(nextafter(t, 0), 0);
		check_format(nextafter(t, INFINITY), 0);
	}
	for (i = 0; i < 64; i++) {
		/* 2^53 +- small, integers near the fast path limit */
		snprintf(s, sizeof s, "%" PRIu64,
		    (UINT64_C(1) << 53) - 32 + i);
		check_parse(s);
		snprintf(s, sizeof s, "%" PRIu64 "e%d",
		    (UINT64_C(1) << 53) - 32 + i, (int)i - 40);
		check_parse(s);
	}
}

static int
random_mode(unsigned long n)
{
	char s[1200];
	unsigned long i;

	check_syntax();
	check_edges();
	for (i = 0; i < n; i++) {
		double x = random_double(), r = frombits(rnd());

		check_format(x, i % 256 == 0);
		if (i % 4 == 0)
			check_format(r, 0);
		snprintf(s, sizeof s, "%.17g", x);
		check_parse(s);
		snprintf(s, sizeof s, "%.17g", r);
		check_parse(s);
		snprintf(s, sizeof s, "%.*e", (int)rndn(26), x);
		check_parse(s);
		snprintf(s, sizeof s, "%.*e", (int)rndn(26), r);
		check_parse(s);
		random_decimal(s);
		check_parse(s);
		random_digits(s);
		check_parse(s);
		random_digits(s);
		check_parse(s);
		random_digits(s);
		check_parse(s);
		if (i % 64 == 0)
			check_halfway(fabs(rndn(2) ? x : r));
	}
	return 0;
}

static int
golden_mode(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256], buf[NUM_MAXLEN + 1], det[256], *tok[4], *text;
	unsigned long lineno = 0;
	uint64_t b;
	int prec, k;
	size_t len;
	double x, y;

	if (f == NULL) {
		fprintf(stderr, "numcheck: %s: %s\n", path, strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		/* "HEX TEXT" or "HEX PREC TEXT" */
		tok[0] = strtok(line, " \t\r\n");
		for (k = 1; k < 4 && tok[k - 1] != NULL; k++)
			tok[k] = strtok(NULL, " \t\r\n");
		k = tok[1] == NULL ? 1 : tok[2] == NULL ? 2 :
		    tok[3] == NULL ? 3 : 4;
		if (k != 2 && k != 3) {
			fprintf(stderr, "numcheck: %s:%lu: bad line\n", path,
			    lineno);
			fclose(f);
			return 2;
		}
		b = strtoull(tok[0], NULL, 16);
		prec = k == 3 ? atoi(tok[1]) : 0;
		text = tok[k - 1];
		x = frombits(b);
		len = num_format(buf, x, prec);
		buf[len] = '\0';
		snprintf(det, sizeof det, "line %lu, prec %d: got \"%s\"",
		    lineno, prec, buf);
		check(strcmp(buf, text) == 0, "golden num_format", x, text,
		    det);
		if (prec == 0) {
			y = 0;
			check(num_parse(text, strlen(text), &y) == 0 &&
			    (same(x, y) || (isnan(x) && isnan(y))),
			    "golden num_parse", x, text, det);
		}
	}
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	int r;

	rng_state = 20240601;
	if (argc == 3 && strcmp(argv[1], "-g") == 0) {
		r = golden_mode(argv[2]);
	} else if (argc == 2 || (argc == 4 && strcmp(argv[1], "-s") == 0)) {
		if (argc == 4)
			rng_state = strtoull(argv[2], NULL, 10);
		r = random_mode(strtoul(argv[argc - 1], NULL, 10));
	} else {
		fprintf(stderr, "usage: numcheck [-s SEED] N\n"
		    "       numcheck -g FILE\n");
		return 2;
	}
	if (r != 0)
		return r;
	printf("%lu passed, %lu failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
