/*
 * numcheck - check src/num.c against the C library and golden data.
 *
 *	numcheck [-s SEED] N	random mode: N random doubles and decimal
 *				strings, plus a fixed list of edge cases
 *	numcheck -g FILE	golden mode: lines "HEXBITS TEXT" (prec 0)
 *				or "HEXBITS PREC TEXT"; '#' lines are comments
 *
 * Random mode checks, for each double x: num_format(x, 0) reads back to
 * x bit for bit (with strtod and with num_parse), has no more digits
 * than the shortest "%.{p}g" that reads back, and is that very decimal
 * when as short; num_format(x, p) has the value of "%.{p-1}e".  For
 * decimal strings ("%.17g", "%.{p}e", random ones, exact halfway points
 * between doubles with and without a far sticky digit) num_parse must
 * agree with strtod bit for bit.  glibc's strtod and printf are
 * correctly rounded, so they are the reference.
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

/* num_parse on s must give the same bits as strtod. */
static void
check_parse(const char *s)
{
	double want = strtod(s, NULL), got = 12345.0;
	char d[128];

	if (num_parse(s, strlen(s), &got) != 0) {
		fail("num_parse rejected", want, s, "");
		return;
	}
	snprintf(d, sizeof d, "got %.17g (0x%016" PRIx64 ")", got,
	    bits(got));
	check(same(got, want), "num_parse != strtod", want, s, d);
}

/* All the checks on num_format for one double; full: search all
 * lengths for the shortest. */
static void
check_format(double x, int full)
{
	char buf[NUM_MAXLEN + 1], g[400], d1[400], d2[400], det[512];
	size_t len;
	double y;
	int p, pmin, n1, n2, e1, e2;

	len = num_format(buf, x, 0);
	buf[len] = '\0';
	if (len > NUM_MAXLEN) {
		fail("num_format too long", x, buf, "");
		return;
	}
	y = strtod(buf, NULL);
	check(same(x, y), "num_format(x,0) does not read back (strtod)", x,
	    buf, "");
	y = -1.0;
	check(num_parse(buf, len, &y) == 0 && same(x, y),
	    "num_format(x,0) does not read back (num_parse)", x, buf, "");
	if (isnan(x) || isinf(x) || x == 0)
		return;

	/*
	 * The p-digit rounding is never farther from x than the (p-1)-digit
	 * one (which lies on the p-digit grid too), so if it does not read
	 * back no shorter one does: check p = n1 - 1 alone.  Not quite so at
	 * powers of two, whose interval is narrower below: full search.
	 */
	n1 = norm(buf, d1, &e1);
	pmin = 1;
	if (!full && n1 > 1)
		pmin = n1 - 1;
	for (; pmin < 17; pmin++) {
		snprintf(g, sizeof g, "%.*g", pmin, x);
		if (strtod(g, NULL) == x)
			break;
	}
	snprintf(g, sizeof g, "%.*g", pmin, x);
	n2 = norm(g, d2, &e2);
	snprintf(det, sizeof det, "shortest %%g is \"%s\"", g);
	check(n1 <= n2, "num_format(x,0) longer than shortest %g", x, buf,
	    det);
	if (n1 == n2)
		check(e1 == e2 && strcmp(d1, d2) == 0,
		    "num_format(x,0) not the nearest shortest", x, buf, det);

	p = 1 + (int)rndn(17);
	len = num_format(buf, x, p);
	buf[len] = '\0';
	snprintf(g, sizeof g, "%.*e", p - 1, x);
	snprintf(det, sizeof det, "prec %d, %%e gives \"%s\"", p, g);
	check(len <= NUM_MAXLEN && strtod(buf, NULL) == strtod(g, NULL),
	    "num_format(x,p) != %e", x, buf, det);
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
	int nd, ex, r, i;

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
	};
	static const char *bad[] = {
		"", "+", "-", ".", "e5", "1e", "1e+", "1e-", "1.2.3", "0x10",
		" 1", "1 ", "1,5", "1e5.5", "--1", "+-1", "nan(1)", "na", "in",
		"infinit", "infinityy", "1f", "1d", "\t1", "1\n", "1_000",
		"1e 5", ".e5", "-.", "+.e1",
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
}

static void
check_edges(void)
{
	static const double v[] = {
		0.0, -0.0, 5e-324, -5e-324, 2.2250738585072009e-308,
		DBL_MIN, DBL_MAX, -DBL_MAX, 0.1, 0.2, 0.3, 1.0 / 3,
		9007199254740992.0, 9007199254740993.0, 9007199254740994.0,
		9007199254740991.0, 1e16, 9999999999999998.0, 1e-5, 1e-4,
		0.00009999999999999999, 1234567890123456.0, 123456789012345678.0,
		1.7976931348623157e308, 4.35e-321, 1.5, 0.5, 100.0, 1e22,
		1e23, INFINITY, -INFINITY, NAN,
	};
	char s[64];
	size_t i;
	int e;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		check_format(v[i], 1);
		check_halfway(v[i]);
	}
	check_format(-NAN, 1);
	for (e = -1074; e <= 1023; e++) {
		check_format(ldexp(1.0, e), 1);
		check_format(nextafter(ldexp(1.0, e), 0), 1);
		check_format(nextafter(ldexp(1.0, e), INFINITY), 1);
		if (e % 7 == 0)
			check_halfway(ldexp(1.0, e));
	}
	for (e = -330; e <= 310; e++) {
		snprintf(s, sizeof s, "1e%d", e);
		check_parse(s);
		check_format(strtod(s, NULL), 1);
		snprintf(s, sizeof s, "-9.999999999999999e%d", e);
		check_parse(s);
		check_format(strtod(s, NULL), 1);
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
		double x = frombits(rnd());

		check_format(x, 0);
		snprintf(s, sizeof s, "%.17g", x);
		check_parse(s);
		snprintf(s, sizeof s, "%.*e", (int)rndn(26), x);
		check_parse(s);
		random_decimal(s);
		check_parse(s);
		if (i % 64 == 0)
			check_halfway(fabs(x));
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
