/*
 * fuzz_text - libFuzzer target for text_read (src/text.c).
 *
 * Every input is parsed from an exact-size copy (so ASan sees any read
 * past len: the buffer need not be NUL-terminated), on one thread and
 * on a pool of 2 workers; the results, shapes and messages must be the
 * same.  The fuzz build sets TEXT_PIECE_MIN to 16 bytes (Makefile), so
 * that text_read cuts any input of 32 bytes or more into pieces where
 * selfattn does from 2 MiB on: the cuts, and the rule that sends a
 * buffer whose pieces disagree back to one thread, are tried on every
 * input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"
#include "text.h"

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

/* Parse buf serially and on the pool; compare. */
static void
one(const char *buf, size_t len)
{
	struct mat m1, m2;
	struct mat_shape s1, s2;
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
	mat_free(&m1);
	mat_free(&m2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;
	struct err e;

	if (pool == NULL && (pool = par_start(2, &e)) == NULL)
		abort();
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	one(buf, size);
	free(buf);
	return 0;
}
