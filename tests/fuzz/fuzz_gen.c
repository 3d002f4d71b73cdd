/*
 * fuzz_gen - libFuzzer target for the generator specs of src/input.c:
 * input_is_generator, input_generator and input_load("rand:...").
 *
 * The input, NUL-terminated in an exact-size buffer, is tried as is
 * and behind "rand:" and "randn:" (first byte even/odd).  When
 * input_generator accepts a spec, every count must be >= 1; if the
 * spec has at most 4096 values, input_load must give the same shape
 * and exactly the values NumPy's legacy stream draws (rng_double or
 * rng_gauss from the same seed, row by row).  A spec it rejects must
 * be rejected by input_load too, without allocating.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "rng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what, const char *spec)
{
	if (!ok) {
		fprintf(stderr, "fuzz_gen: %s: \"%s\"\n", what, spec);
		abort();
	}
}

static void
one(const char *spec, uint32_t seed)
{
	struct mat_shape sh, sh2;
	struct mat m = { .data = NULL };
	struct err e;
	struct rng r, ref;
	size_t i, n;
	int kind, rc;

	if (!input_is_generator(spec))
		return;
	memset(&e, 0, sizeof e);
	kind = input_generator(spec, &sh, &e);
	rng_seed(&r, seed);
	if (kind < 0) {
		check(kind == -1 && e.msg[0] != '\0', "a rejection says why",
		    spec);
		rc = input_load(spec, &r, NULL, &m, &sh2, &e);
		check(rc == -1 && m.data == NULL, "input_load rejects it too",
		    spec);
		return;
	}
	check(kind == (strncmp(spec, "randn:", 6) == 0 ? 2 : 1),
	    "1 for rand, 2 for randn", spec);
	check(sh.ndim == 1 || sh.ndim == 2, "1 or 2 dimensions", spec);
	n = 1;
	for (i = 0; i < (size_t)sh.ndim; i++) {
		check(sh.dim[i] >= 1, "counts are >= 1", spec);
		if (n <= 4096)
			n *= sh.dim[i] <= 4097 ? sh.dim[i] : 4097;
	}
	if (n > 4096)
		return;
	rc = input_load(spec, &r, NULL, &m, &sh2, &e);
	check(rc == 0, "input_load accepts what input_generator accepts",
	    spec);
	check((sh.ndim == sh2.ndim &&
	    memcmp(sh.dim, sh2.dim, (size_t)sh.ndim * sizeof sh.dim[0]) == 0),
	    "input_load gives input_generator's shape", spec);
	check(m.rows * m.cols == n && m.cols == sh.dim[sh.ndim - 1],
	    "the matrix holds the shape", spec);
	rng_seed(&ref, seed);
	for (i = 0; i < n; i++) {
		double x = kind == 2 ? rng_gauss(&ref) : rng_double(&ref);

		check(memcmp(&x, &m.data[i], sizeof x) == 0,
		    "values are the legacy stream's", spec);
	}
	mat_free(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	const char *pre;
	size_t pl, rest;
	uint32_t seed = size ? data[0] : 0;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	one(s, seed);
	free(s);
	/* behind a prefix, in an exact-size buffer */
	pre = size && (data[0] & 1) ? "randn:" : "rand:";
	pl = strlen(pre);
	rest = size ? size - 1 : 0;
	if ((s = malloc(pl + rest + 1)) == NULL)
		return 0;
	memcpy(s, pre, pl);
	if (rest)
		memcpy(s + pl, data + 1, rest);
	s[pl + rest] = '\0';
	one(s, seed);
	free(s);
	return 0;
}
