/*
 * num.c - decimal text <-> double, exactly (see num.h).
 *
 * Parsing checks the grammar here, then takes Clinger's fast path when
 * the value is a small integer times an exact power of ten, and
 * otherwise hands a normalised, NUL-terminated copy to strtod (which is
 * correctly rounded in glibc and the BSDs).  Formatting asks printf for
 * the correctly rounded 15, 16 or 17 significant digits (from 1 up for
 * subnormals) and keeps the first that reads back to x, which is the
 * shortest (see num_format), then lays the digits out as Python's repr
 * does.  Both directions are independent of the locale: we never give
 * strtod a decimal point, and we read printf's digits around whatever
 * decimal point it writes.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

/* 10^0 .. 10^22: every one is exactly representable as a double. */
static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/*
 * Significant digits passed on to strtod.  A point halfway between two
 * adjacent doubles (where rounding changes) has at most 767 significant
 * decimal digits, so it lies on the grid of any K >= 767 digit decimals.
 * If the input has more than KEEP digits, its value lies strictly
 * between two neighbours of that grid (its last digit is not zero), and
 * so does the KEEP digits followed by a single '1': both round the same.
 */
#define KEEP 800

static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* Case-insensitive compare of s[0..len) with the lower-case word w. */
static int
word_is(const char *s, size_t len, const char *w)
{
	size_t i;

	if (strlen(w) != len)
		return 0;
	for (i = 0; i < len; i++)
		if ((s[i] | 0x20) != w[i])	/* folds ASCII letters only */
			return 0;
	return 1;
}

/* Slow path: strtod on sign, digits d[0..n) (no leading or trailing
 * zeros, n >= 1) and exponent: value = d * 10^exp10. */
static double
parse_slow(int neg, const char *d, size_t n, long long exp10)
{
	char buf[1 + KEEP + 1 + 24], *p = buf;
	size_t keep = n > KEEP ? KEEP : n;

	if (neg)
		*p++ = '-';
	memcpy(p, d, keep);
	p += keep;
	if (n > keep) {
		*p++ = '1';		/* sticky digit, see KEEP */
		exp10 += (long long)(n - keep) - 1;
	}
	/*
	 * value = 0.ddd * 10^(exp10 + digits written).  Beyond 10^400 it
	 * is infinite, below 10^-400 zero; clamping keeps the exponent
	 * small for strtod without changing the result.
	 */
	{
		long long digits = (long long)(p - buf) - neg;
		long long mag = exp10 + digits;

		if (mag > 400)
			exp10 = 400 - digits;
		else if (mag < -400)
			exp10 = -400 - digits;
	}
	/* the exponent by hand: snprintf would cost more than strtod */
	*p++ = 'e';
	if (exp10 < 0) {
		*p++ = '-';
		exp10 = -exp10;
	}
	{
		char t[24];
		int k = 0;

		do
			t[k++] = (char)('0' + exp10 % 10);
		while ((exp10 /= 10) > 0);
		while (k > 0)
			*p++ = t[--k];
	}
	*p = '\0';
	return strtod(buf, NULL);
}

int
num_parse(const char *s, size_t len, double *x)
{
	const char *p = s, *end = s + len, *first = NULL;
	int neg = 0, point = 0;
	long long ex = 0, exp10;
	size_t nsig = 0;	/* significant digits, from the first nonzero */
	size_t ndig = 0;	/* all digits */
	size_t nfrac = 0;	/* digits after the point */
	size_t ntz = 0;		/* zeros after the last nonzero digit */
	uint64_t w = 0;		/* the first 19 significant digits */
	double v;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (p < end && ((*p | 0x20) == 'n' || (*p | 0x20) == 'i')) {
		size_t rest = (size_t)(end - p);

		if (word_is(p, rest, "nan"))
			*x = copysign(NAN, neg ? -1.0 : 1.0);
		else if (word_is(p, rest, "inf") ||
		    word_is(p, rest, "infinity"))
			*x = neg ? -INFINITY : INFINITY;
		else
			return -1;
		return 0;
	}

	/*
	 * digits [. [digits]] | . digits, then [eE][+-]digits; in the same
	 * pass gather the significant digits into w.
	 */
	for (; p < end; p++) {
		if (isdig(*p)) {
			ndig++;
			nfrac += point;
			if (*p == '0') {
				if (nsig == 0)
					continue;	/* a leading zero */
				ntz++;
			} else {
				ntz = 0;
			}
			if (nsig++ == 0)
				first = p;
			if (nsig <= 19)
				w = w * 10 + (uint64_t)(*p - '0');
		} else if (*p == '.' && !point) {
			point = 1;
		} else {
			break;
		}
	}
	if (ndig == 0)
		return -1;
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == end || !isdig(*p))
			return -1;
		for (; p < end && isdig(*p); p++)
			if (ex < 100000000)	/* saturate; far beyond any double */
				ex = ex * 10 + (*p - '0');
		if (eneg)
			ex = -ex;
	}
	if (p != end)
		return -1;
	if (nsig == 0) {
		*x = neg ? -0.0 : 0.0;
		return 0;
	}

	/* value = (all the digits as an integer) * 10^(ex - nfrac) */
	exp10 = ex - (long long)nfrac;
	if (nsig <= 19) {
		/* drop w's trailing zeros into the exponent */
		while (w % 10 == 0) {
			w /= 10;
			exp10++;
		}
		/*
		 * Clinger: w <= 2^53 and 10^|e| are exact doubles, and one
		 * IEEE operation on them is correctly rounded.
		 */
		if (w <= (UINT64_C(1) << 53)) {
			if (exp10 >= 0 && exp10 <= 22) {
				v = (double)w * pow10_exact[exp10];
				*x = neg ? -v : v;
				return 0;
			}
			if (exp10 < 0 && exp10 >= -22) {
				v = (double)w / pow10_exact[-exp10];
				*x = neg ? -v : v;
				return 0;
			}
			/* 123e30: move the excess exponent into w while it
			 * stays exact, then one multiply by 1e22. */
			if (exp10 > 22 && exp10 <= 22 + 15) {
				long long k;

				for (k = exp10 - 22; k > 0 &&
				    w <= (UINT64_C(1) << 53); k--)
					w *= 10;
				if (w <= (UINT64_C(1) << 53)) {
					v = (double)w * 1e22;
					*x = neg ? -v : v;
					return 0;
				}
			}
		}
	}

	/*
	 * Slow path: collect the significant digits up to the last nonzero
	 * one, without the point, and at most KEEP + 1 of them: parse_slow
	 * keeps KEEP and turns the rest, which then ends in a nonzero
	 * digit, into a sticky digit.
	 */
	{
		char dig[KEEP + 1];
		size_t nd = 0, n = nsig - ntz;

		exp10 = ex - (long long)nfrac + (long long)ntz;
		for (p = first; nd < n && nd < sizeof dig; p++)
			if (*p != '.')
				dig[nd++] = *p;
		exp10 += (long long)(n - nd);
		*x = parse_slow(neg, dig, nd, exp10);
	}
	return 0;
}

/*
 * The correctly rounded prec-digit decimal of |x| (finite, nonzero):
 * digits into d (prec of them, no NUL) and the decimal exponent of the
 * first one into *e10.  printf("%.*e") rounds correctly in glibc.
 */
static void
ecvt_digits(double x, int prec, char *d, int *e10)
{
	char tmp[64];
	const char *p;
	int n = 0;

	snprintf(tmp, sizeof tmp, "%.*e", prec - 1, fabs(x));
	/* "d.ddde+XX", the point possibly another (multibyte) string */
	for (p = tmp; *p != '\0' && *p != 'e'; p++)
		if (isdig(*p) && n < prec)
			d[n++] = *p;
	*e10 = *p == 'e' ? atoi(p + 1) : 0;
}

/* Read back digits d[0..n) with exponent e10 of the first one. */
static double
digits_value(const char *d, int n, int e10)
{
	char tmp[64];

	memcpy(tmp, d, (size_t)n);
	snprintf(tmp + n, sizeof tmp - (size_t)n, "e%d", e10 - (n - 1));
	return strtod(tmp, NULL);
}

/* Add one unit in the last of the n digits; 999 becomes 1000 with the
 * exponent one higher (and still n digits). */
static void
digits_up(char *d, int n, int *e10)
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
layout(char *buf, int neg, const char *d, int n, int e10)
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
		/* n <= 17 digits, e10 <= 15: at most 16 integer digits */
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

size_t
num_format(char *buf, double x, int prec)
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
		prec = 17;		/* 17 digits are always exact enough */
	if (prec > 0) {
		ecvt_digits(x, prec, d, &e10);
		n = prec;
	} else {
		/*
		 * Any decimal of <= 15 digits that reads back to x is x's
		 * correct 15-digit rounding: that grid's spacing is over 4
		 * ulp, so only its point nearest x can be within ulp/2.
		 * Likewise the nearest 16-digit decimal reads back if any
		 * does, except when x is a power of two: its interval is
		 * ulp/4 below and ulp/2 above, so the next 16-digit decimal
		 * up may read back when the nearest, below x, does not.  17
		 * digits always read back.  Subnormals have fewer bits, so
		 * shorter digit strings may read back: there, try lengths
		 * from 1 up; at each the nearest decimal is the one to try,
		 * since a farther one reads back only if the nearest does.
		 */
		for (p = fabs(x) < DBL_MIN ? 1 : 15; ; p++) {
			double y;

			ecvt_digits(x, p, d, &e10);
			n = p;
			if (p == 17 || (y = digits_value(d, p, e10)) == fabs(x))
				break;
			if (p == 16 && y < fabs(x)) {
				int e;

				if (fabs(frexp(x, &e)) == 0.5) {
					char u[17];
					int ue = e10;

					memcpy(u, d, sizeof u);
					digits_up(u, 16, &ue);
					if (digits_value(u, 16, ue) == fabs(x)) {
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
	return layout(buf, x < 0, d, n, e10);
}
