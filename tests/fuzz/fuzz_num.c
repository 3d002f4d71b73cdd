/*
 * fuzz_num - libFuzzer target for num_parse and num_format (src/num.c).
 *
 * 1. The whole input as text (exact-size buffer, no NUL): num_parse must
 *    read nothing outside it; when it accepts the text, glibc's strtod
 *    must read all of it and give the same double (any NaN for a NaN).
 * 2. The first 8 bytes (if there are 8) as a double x, and the next
 *    byte as a precision p: num_format(x, 0) must be at most NUM_MAXLEN
 *    bytes and read back (num_parse, and strtod) to exactly x; no text
 *    of fewer digits (printf's "%.{d-2}e") may read back to x; and
 *    num_format(x, p) for p in 1..17 must parse, to the double that
 *    printf's "%.{p-1}e" (exactly rounded in glibc) reads back as.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what, const char *text, size_t len, double x)
{
	fprintf(stderr, "fuzz_num: %s: \"%.*s\" (x = %.17g, bits %016llx)\n",
	    what, (int)len, text, x, (unsigned long long)
	    (*(const uint64_t *)(const void *)&x));
	abort();
}

static int
same(double a, double b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* strtod of text[0..len), or 0 with *all = 0 if it stops short. */
static double
ref(const char *text, size_t len, int *all)
{
	char z[4096], *end;
	double y;

	if (len >= sizeof z) {
		*all = 0;
		return 0;
	}
	memcpy(z, text, len);
	z[len] = '\0';
	y = strtod(z, &end);
	*all = (size_t)(end - z) == len;
	return y;
}

static void
parse_text(const uint8_t *data, size_t size)
{
	char *buf;
	double x = 0, y;
	int all;

	if ((buf = malloc(size ? size : 1)) == NULL)
		return;
	memcpy(buf, data, size);
	if (num_parse(buf, size, &x) == 0 && size < 4096 &&
	    memchr(buf, '\0', size) == NULL) {
		y = ref(buf, size, &all);
		if (!all)
			fail("num_parse accepts what strtod does not read whole",
			    buf, size, x);
		if (!same(x, y))
			fail("num_parse and strtod differ", buf, size, x);
	}
	free(buf);
}

static void
format(double x, int prec)
{
	char buf[NUM_MAXLEN], ref17[64], refp[64];
	size_t len;
	double y, z;
	int all;

	memset(buf, 'Z', sizeof buf);
	len = num_format(buf, x, 0);
	if (len == 0 || len > NUM_MAXLEN)
		fail("num_format length out of range", buf, 0, x);
	if (num_parse(buf, len, &y) != 0)
		fail("shortest text does not parse", buf, len, x);
	if (!same(x, y))
		fail("shortest text does not read back to x", buf, len, x);
	if (!same(ref(buf, len, &all), x) || !all)
		fail("strtod does not read the shortest text back", buf, len,
		    x);
	if (isfinite(x) && x != 0) {
		/* Shortest: its d significant digits (leading and trailing
		 * zeros aside) are at most 17, and x rounded to d - 1 digits
		 * does not read back to x. */
		char dig[NUM_MAXLEN];
		size_t i, d = 0, lo;

		for (i = 0; i < len && buf[i] != 'e'; i++)
			if (buf[i] >= '0' && buf[i] <= '9')
				dig[d++] = buf[i];
		for (lo = 0; lo < d && dig[lo] == '0'; lo++)
			;
		while (d > lo && dig[d - 1] == '0')
			d--;
		d -= lo;
		if (d < 1 || d > 17)
			fail("shortest text has not 1 to 17 digits", buf, len,
			    x);
		if (d > 1) {
			snprintf(ref17, sizeof ref17, "%.*e", (int)d - 2, x);
			if (same(strtod(ref17, NULL), x))
				fail("a shorter text reads back to x", buf, len,
				    x);
		}
	}
	prec = 1 + prec % 17;
	memset(buf, 'Z', sizeof buf);
	len = num_format(buf, x, prec);
	if (len == 0 || len > NUM_MAXLEN)
		fail("num_format -p length out of range", buf, 0, x);
	if (num_parse(buf, len, &y) != 0)
		fail("-p text does not parse", buf, len, x);
	snprintf(refp, sizeof refp, "%.*e", prec - 1, x);
	z = strtod(refp, NULL);
	if (!same(y, z))
		fail("-p text is not x rounded to p digits (as printf)", buf,
		    len, x);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double x;

	parse_text(data, size);
	if (size >= 8) {
		memcpy(&x, data, sizeof x);
		format(x, size > 8 ? data[8] : 0);
	}
	return 0;
}
