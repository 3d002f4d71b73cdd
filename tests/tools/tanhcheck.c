/*
 * tanhcheck - test tool: the kernels' vectorised tanh (attn_ops()->vtanh,
 * double and float) against libm's tanh, in long double for double and
 * in double for float, on N arguments: half an even grid over the range
 * where tanh is not yet ±1 (either side of the switch at 0.625 included),
 * half random with a log-uniform magnitude from the smallest subnormal
 * up, and on edge values.  Double: relative error <= 4e-16 (2 ulp);
 * float: <= 2e-7.  Exactly: ±0 kept with its sign, x itself for tiny
 * |x| (below 2^-28, 2^-13 in float: tanh x rounds to x), ±1 for large
 * |x| (from 20, 10 in float: tanh x rounds to ±1) and ±inf, NaN for
 * NaN, and tanh(-x) = -tanh(x) bit for bit.  Prints the largest errors
 * and "N passed, N failed"; exits 1 on any failure.  SELFATTN_ISA picks
 * the code path.
 *
 * usage: tanhcheck N
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attn.h"

/* xorshift64*: a fixed, portable stream of test arguments. */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static int
same_bits_d(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

static int
same_bits_f(float a, float b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

static int
bad_double(double x, double got, double *worst, double *at)
{
	long double want, rel;

	if (isnan(x))
		return !isnan(got);
	if (fabs(x) < 0x1p-28)
		return !same_bits_d(got, x);
	if (fabs(x) >= 20)
		return got != (x < 0 ? -1.0 : 1.0);
	want = tanhl((long double)x);
	rel = fabsl((long double)got - want) / fabsl(want);
	if (rel > *worst) {
		*worst = (double)rel;
		*at = x;
	}
	return rel > 4e-16L;
}

static int
bad_float(float x, float got, double *worst, double *at)
{
	double want, rel;

	if (isnan(x))
		return !isnan(got);
	if (fabsf(x) < 0x1p-13f)
		return !same_bits_f(got, x);
	if (fabsf(x) >= 10)
		return got != (x < 0 ? -1.0f : 1.0f);
	want = tanh((double)x);
	rel = fabs((double)got - want) / fabs(want);
	if (rel > *worst) {
		*worst = rel;
		*at = x;
	}
	return rel > 2e-7;
}

int
main(int argc, char *argv[])
{
	static const double edge[] = { 0.0, -0.0, 0x1p-1074, -0x1p-1074,
	    0x1p-1060, DBL_MIN, -DBL_MIN, 0x1.fffffffffffffp-1023, 1e-300,
	    0x1p-29, 0x1p-28, 0x1.fffffffffffffp-29, 1e-8, 1e-5, 0.1, 0.5,
	    0x1.3ffffffffffffp-1, 0.625, 0x1.4000000000001p-1, -0.625, 0.75,
	    1.0, -1.0, 2.0, 5.0, 9.0, 9.1, 18.0, 19.0, 19.1, 20.0, 22.0,
	    44.5, 89.0, 354.0, 355.0, 356.0, 709.0, 710.0, 711.0, 1e10,
	    1e300, DBL_MAX, -DBL_MAX, 0x1p-149, 0x1p-126, 0x1p-14, 0x1p-13,
	    0.62499997, 0.62500006, 8.9, 9.1, -9.1, 44.0, 45.0, 88.7, 89.5,
	    3e38, -3e38 };
	size_t n, i, k, nedge = sizeof edge / sizeof edge[0], chunk = 1000;
	enum gemm_isa isa = gemm_isa_choose(getenv("SELFATTN_ISA"));
	size_t pass = 0, fail = 0;
	double *x, *y, *yn, worst = 0, worstf = 0, at = 0, atf = 0;
	float *xf, *yf, *yfn;
	uint64_t s = 0x9E3779B97F4A7C15ULL;

	if (argc != 2 || (n = strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: tanhcheck N\n");
		return 2;
	}
	x = malloc(chunk * sizeof *x);
	y = malloc(chunk * sizeof *y);
	yn = malloc(chunk * sizeof *yn);
	xf = malloc(chunk * sizeof *xf);
	yf = malloc(chunk * sizeof *yf);
	yfn = malloc(chunk * sizeof *yfn);
	if (!x || !y || !yn || !xf || !yf || !yfn) {
		free(x);
		free(y);
		free(yn);
		free(xf);
		free(yf);
		free(yfn);
		return 2;
	}
	for (i = 0; i < n + nedge + 4; i += chunk) {
		for (k = 0; k < chunk; k++) {
			size_t j = i + k;
			uint64_t r = next(&s);
			double u = (double)(r >> 11) * 0x1p-53;
			double g = (double)(j / 2) / (double)(n / 2 + 1);
			double sg = r & 1 ? -1.0 : 1.0;

			if (j < nedge) {
				x[k] = edge[j];
				/* DBL_MAX and 1e300 become inf in float */
				xf[k] = fabs(edge[j]) > FLT_MAX ? (float)
				    copysign(INFINITY, edge[j]) : (float)edge[j];
			} else if (j == nedge) {
				x[k] = xf[k] = INFINITY;
			} else if (j == nedge + 1) {
				x[k] = xf[k] = -INFINITY;
			} else if (j == nedge + 2) {
				x[k] = xf[k] = NAN;
			} else if (j == nedge + 3) {
				x[k] = xf[k] = -NAN;
			} else if (j % 2) {
				/* the grid: -22 .. 22, -11 .. 11 in float */
				x[k] = -22 + 44 * g;
				xf[k] = (float)(-11 + 22 * g);
			} else {
				/* |x| log-uniform: 2^-1074 .. 2^10, 2^-149 ..
				 * 2^5 in float */
				x[k] = sg * ldexp(1 + u, -1074 + (int)(1084 *
				    ((double)(next(&s) >> 11) * 0x1p-53)));
				xf[k] = (float)(sg * ldexp(1 + u, -149 +
				    (int)(154 * ((double)(next(&s) >> 11) *
				    0x1p-53))));
			}
			y[k] = x[k];
			yn[k] = -x[k];
			yf[k] = xf[k];
			yfn[k] = -xf[k];
		}
		attn_ops(ATTN_F64, isa)->vtanh(y, chunk);
		attn_ops(ATTN_F64, isa)->vtanh(yn, chunk);
		attn_ops(ATTN_F32, isa)->vtanh(yf, chunk);
		attn_ops(ATTN_F32, isa)->vtanh(yfn, chunk);
		for (k = 0; k < chunk; k++) {
			int b = bad_double(x[k], y[k], &worst, &at);
			int bf = bad_float(xf[k], yf[k], &worstf, &atf);

			/* odd, bit for bit (NaN: any NaN) */
			b |= !isnan(x[k]) && !same_bits_d(yn[k], -y[k]);
			bf |= !isnan(xf[k]) && !same_bits_f(yfn[k], -yf[k]);
			if (b)
				fprintf(stderr, "tanh(%a) = %a, tanh(-x) = %a, "
				    "libm %La\n", x[k], y[k], yn[k],
				    tanhl((long double)x[k]));
			if (bf)
				fprintf(stderr, "tanhf(%a) = %a, tanhf(-x) = %a, "
				    "libm %a\n", (double)xf[k], (double)yf[k],
				    (double)yfn[k], tanh((double)xf[k]));
			fail += (size_t)b + (size_t)bf;
			pass += (size_t)!b + (size_t)!bf;
		}
	}
	printf("tanh: largest relative error %.3g at %a (double), %.3g at "
	    "%a (float)\n", worst, at, worstf, atf);
	printf("%zu passed, %zu failed\n", pass, fail);
	free(x);
	free(y);
	free(yn);
	free(xf);
	free(yf);
	free(yfn);
	return fail != 0;
}
