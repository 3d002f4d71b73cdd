/*
 * fuzz_text - libFuzzer target for text_read (src/text.c).
 *
 * Every input is parsed on one thread from an exact-size copy (so
 * ASan sees any read past len: the buffer need not be NUL-terminated).
 * When the first byte is 1 mod 16 (as '1' and 'A'), the rest is also
 * repeated to just over 2 MiB (4 MiB when the first byte is also below
 * 0x10 or in 0x40..0x4f, as 'A': 4 pieces), the size from which text_read
 * cuts a buffer into pieces and parses them on a pool of 2 workers;
 * that result, shape and message must equal the one-thread parse of the
 * same buffer.  (Those runs take ~1 s under ASan, so they are rare.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"
#include "text.h"

#define BIG ((size_t)2 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct par *pool;

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_text: %s\n", what);
		abort();
	}
}

/* Parse buf serially and, if par, on the pool too; compare. */
static void
one(const char *buf, size_t len, int par)
{
	struct mat m1, m2;
	struct shape s1, s2;
	struct err e1, e2;
	int r1, r2;
	size_t n, i;

	memset(&m1, 0, sizeof m1);
	memset(&m2, 0, sizeof m2);
	memset(&e1, 0, sizeof e1);
	memset(&e2, 0, sizeof e2);
	r1 = text_read(buf, len, "in", NULL, &m1, &s1, &e1);
	check(r1 == 0 || r1 == -1, "text_read returned neither 0 nor -1");
	if (r1 == 0) {
		check(s1.ndim == 2 || s1.ndim == 3, "shape has 2 or 3 dims");
		n = 1;
		for (i = 0; i + 1 < (size_t)s1.ndim; i++)
			n *= s1.dim[i];
		check(n == m1.rows && s1.dim[s1.ndim - 1] == m1.cols,
		    "shape matches the matrix");
		check(m1.rows > 0 && m1.cols > 0, "a matrix has numbers");
	} else
		check(m1.data == NULL && e1.msg[0] != '\0',
		    "a failure leaves m empty and says why");
	if (par) {
		r2 = text_read(buf, len, "in", pool, &m2, &s2, &e2);
		check(r1 == r2, "parallel and serial return the same");
		if (r1 == 0) {
			check(s1.ndim == s2.ndim && memcmp(s1.dim, s2.dim,
			    (size_t)s1.ndim * sizeof s1.dim[0]) == 0 &&
			    m1.rows == m2.rows && m1.cols == m2.cols,
			    "parallel and serial shapes agree");
			check(memcmp(m1.data, m2.data, m1.rows * m1.cols *
			    sizeof(double)) == 0,
			    "parallel and serial numbers agree");
		} else
			check(strcmp(e1.msg, e2.msg) == 0 && e1.line == e2.line
			    && e1.col == e2.col && strcmp(e1.file, e2.file)
			    == 0, "parallel and serial messages agree");
	}
	mat_free(&m1);
	mat_free(&m2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;
	size_t n, at, big;
	struct err e;

	if (pool == NULL && (pool = par_start(2, &e)) == NULL)
		abort();
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	one(buf, size, 0);
	free(buf);
	if (size < 2 || (data[0] & 15) != 1)
		return 0;
	/* Repeat data[1..] to just over BIG (or 2 BIG) bytes. */
	big = (data[0] & 0x30) == 0 ? 2 * BIG : BIG;
	data++;
	size--;
	n = (big / size + 1) * size;
	if ((buf = malloc(n)) == NULL)
		return 0;
	for (at = 0; at < n; at += size)
		memcpy(buf + at, data, size);
	one(buf, n, 1);
	free(buf);
	return 0;
}
