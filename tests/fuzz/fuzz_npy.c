/*
 * fuzz_npy - libFuzzer target for npy_read (src/npy.c).
 *
 * The input is a .npy file, in an exact-size buffer (npy_read must
 * never read outside it).  A success must give a shape of 1 to
 * MAT_MAXDIM dimensions whose product is the matrix (rows = all but
 * the last dimension); a failure must leave m empty and say why.  An
 * array that reads back is written again (a '<f8' header + the data) and
 * must read back to the same shape and the same bits.  npy_read_bools
 * (a mask's reader) must accept and refuse the same files with the same
 * message, and give the same shape and, for booleans held as bytes, the
 * same truths.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "npyw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_npy: %s\n", what);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf;
	struct mat m, m2, mb;
	struct mat_shape sh, sh2, shb;
	struct err e, eb;
	size_t i, n, hl, nb;
	int rc, rcb;

	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	memset(&m, 0, sizeof m);
	memset(&e, 0, sizeof e);
	rc = npy_read(buf, size, "in.npy", &m, &sh, &e);
	memset(&eb, 0, sizeof eb);
	rcb = npy_read_bools(buf, size, "in.npy", &mb, &shb, NULL, &eb);
	free(buf);
	check(rcb == rc && strcmp(eb.msg, e.msg) == 0, "npy_read_bools "
	    "accepts and refuses as npy_read");
	if (rc == 0) {
		check(mb.rows == m.rows && mb.cols == m.cols && shb.ndim ==
		    sh.ndim && memcmp(shb.dim, sh.dim, sizeof sh.dim) == 0,
		    "npy_read_bools gives npy_read's shape");
		check((mb.bytes == NULL) != (mb.data == NULL) || m.rows *
		    m.cols == 0, "bytes or numbers");
		for (i = 0; mb.bytes != NULL && i < m.rows * m.cols; i++)
			check((mb.bytes[i] != 0) == (m.data[i] != 0),
			    "a byte is its boolean");
		for (i = 0; mb.data != NULL && i < m.rows * m.cols; i++)
			check(memcmp(&mb.data[i], &m.data[i], sizeof(double))
			    == 0, "numbers as npy_read's");
	}
	mat_free(&mb);
	if (rc != 0) {
		check(rc == -1, "npy_read returns 0 or -1");
		check(m.data == NULL && m.rows == 0 && m.cols == 0,
		    "a failure leaves m empty");
		check(e.msg[0] != '\0', "a failure says why");
		return 0;
	}
	check(sh.ndim >= 1 && sh.ndim <= MAT_MAXDIM, "1..MAXDIM dims");
	n = 1;
	for (i = 0; i + 1 < (size_t)sh.ndim; i++)
		n *= sh.dim[i];
	check(sh.ndim == 1 ? m.rows == 1 : n == m.rows, "rows = product");
	check(m.cols == sh.dim[sh.ndim - 1], "cols = last dimension");
	check(m.rows == 0 || m.cols == 0 || m.data != NULL, "data is there");

	/* Write it again as <f8 and read it back. */
	nb = m.rows * m.cols * sizeof(double);
	if (nb <= (64u << 20) && (buf = malloc(256 + nb)) != NULL) {
		hl = npyw_header(buf, 256, &sh);
		check(hl > 0 && hl % 64 == 0, "header length is k*64");
		if (nb)
			memcpy(buf + hl, m.data, nb);
		memset(&m2, 0, sizeof m2);
		rc = npy_read(buf, hl + nb, "again.npy", &m2, &sh2, &e);
		check(rc == 0, "what npy_header writes reads back");
		check((sh.ndim == sh2.ndim && memcmp(sh.dim, sh2.dim,
		    (size_t)sh.ndim * sizeof sh.dim[0]) == 0),
		    "the shape reads back");
		check(m2.rows == m.rows && m2.cols == m.cols &&
		    (nb == 0 || memcmp(m.data, m2.data, nb) == 0),
		    "the numbers read back");
		mat_free(&m2);
		free(buf);
	}
	mat_free(&m);
	return 0;
}
