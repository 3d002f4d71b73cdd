/*
 * expcheck - test tool: the kernels' vectorised exp (attn_ops()->vexp,
 * double and float) against libm's exp on N random arguments over the
 * whole range and on edge values.  Double: relative error <= 1e-15 where
 * the result is normal; float: <= 1e-6 against exp in double.  Exact 0,
 * inf and NaN where libm gives them.  And N arguments within +-700 (+-80
 * in float) must give the same bits in runs all in range (the shorter
 * way) and out of one.  And the weights (attn_ops()->weights, from kept
 * scores): exp(s - mx) / l must be vexp's exp divided by l, bit for bit,
 * where the FMA levels multiply by 1/l and correct the quotient (divl in
 * attn_tmpl.h), with quotients near a midpoint between two numbers, and
 * the rows that divide (a tiny exp, l > 2^40).  Prints "N passed, N
 * failed" and exits 1 on any failure.  SELFATTN_ISA picks the code path.
 *
 * usage: expcheck N
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
bad_double(double x, double got, double *worst)
{
	double want = exp(x), rel;

	if (isnan(want))
		return !isnan(got);
	if (want == 0 || isinf(want))	/* +0 (libm's), not -0 */
		return got != want || signbit(got) != signbit(want);
	if (want < DBL_MIN)	/* subnormal: fewer digits to compare */
		return fabs(got - want) > 0x1p-1074;
	rel = fabs(got - want) / want;
	if (rel > *worst)
		*worst = rel;
	return rel > 1e-15;
}

static int
bad_float(float x, float got, double *worst)
{
	double want = exp((double)x), rel;

	if (isnan(want))
		return !isnan(got);
	if ((float)want == 0 || isinf((float)want))
		return got != (float)want || signbit(got) != signbit(want);
	if (want < FLT_MIN)
		return fabs(got - want) > 0x1p-149;
	rel = fabs(got - want) / want;
	if (rel > *worst)
		*worst = rel;
	return rel > 1e-6;
}

#define WM 40	/* keys a row of the weights' check */

/* The weights of nq rows of WM keys from kept scores W (as doubles, the
 * scores of type dtype), row maxima 0 and sums l (dtype), against
 * vexp(s) / l in dtype; W is overwritten.  Returns the failures. */
static size_t
weights_bad(enum attn_dtype dtype, enum gemm_isa isa, size_t nq, double *W,
    const void *l, size_t *pass)
{
	const struct attn_ops *o = attn_ops(dtype, isa);
	struct attn_head h;
	double *e = malloc(nq * WM * sizeof *e), *work, zd[ATTN_BR] = { 0 };
	float *ef = (float *)e, zf[ATTN_BR] = { 0 };
	size_t i, j, fail = 0;

	memset(&h, 0, sizeof h);
	h.m = WM;
	h.dk = h.dv = 1;
	h.br = nq;
	h.mask.window = -1;
	h.mask.khi = WM;
	work = e ? malloc(o->work_size(&h) * o->size) : NULL;
	if (work == NULL || nq > ATTN_BR) {
		free(e);
		fprintf(stderr, "expcheck: out of memory\n");
		return 1;
	}
	/* the reference: vexp of each score, divided by l */
	for (i = 0; i < nq * WM; i++)
		if (dtype == ATTN_F64)
			e[i] = W[i];
		else
			ef[i] = (float)W[i];
	o->vexp(e, nq * WM);
	for (i = 0; i < nq; i++)
		for (j = 0; j < WM; j++)
			if (dtype == ATTN_F64)
				e[i * WM + j] /= ((const double *)l)[i];
			else
				ef[i * WM + j] /= ((const float *)l)[i];
	o->weights(&h, 0, nq, NULL, 0, dtype == ATTN_F64 ? (void *)zd :
	    (void *)zf, l, W, WM, 1, 0, work);
	for (i = 0; i < nq * WM; i++) {
		double want = dtype == ATTN_F64 ? e[i] : (double)ef[i];

		if (memcmp(&want, &W[i], sizeof want) == 0) {
			(*pass)++;
			continue;
		}
		if (fail++ < 10)
			fprintf(stderr, "weights (%s): %a, the division %a\n",
			    dtype == ATTN_F64 ? "double" : "float", W[i], want);
	}
	free(work);
	free(e);
	return fail;
}

/* Rows of scores whose weights hit the cases of divl: exp in [e^-40, 1]
 * over l in [1, 2^41], quotients within about an ulp of a midpoint
 * between two numbers (l from the exp and a midpoint), tiny exps (below
 * 2^-900, 2^-60 in float, whose quotients may be subnormal: the check of
 * divl that sends them to a division fails here without it) and
 * zeros. */
static size_t
check_weights(enum gemm_isa isa, size_t n, uint64_t *s, size_t *pass)
{
	enum { NQ = 16 };
	double W[NQ * WM], Wf[NQ * WM], l[NQ];
	float lf[NQ];
	size_t t, i, j, fail = 0;

	for (t = 0; t < n; t += NQ * WM) {
		for (i = 0; i < NQ; i++) {
			double u = (double)(next(s) >> 11) * 0x1p-53;

			l[i] = exp2(41 * u);
			lf[i] = (float)l[i];
			for (j = 0; j < WM; j++) {
				double *w = &W[i * WM + j];

				u = (double)(next(s) >> 11) * 0x1p-53;
				*w = -40 * u;
				Wf[i * WM + j] = (double)(float)*w;
				if (i % 4 == 3 && j == 7) {	/* tiny */
					*w = -745 + 90 * u;
					Wf[i * WM + j] = -104 + 60 * u;
				}
				if (i % 8 == 5 && j == 9)
					*w = Wf[i * WM + j] = -INFINITY;
			}
			if (i % 2 == 1) {
				/* l = e / mid: e / l a midpoint within an
				 * ulp or so, mid = q + half an ulp of q for
				 * the exp e of the row's first score */
				double e = W[i * WM], q;
				float ef = (float)Wf[i * WM], qf;

				attn_ops(ATTN_F64, isa)->vexp(&e, 1);
				attn_ops(ATTN_F32, isa)->vexp(&ef, 1);
				q = e / exp2(40 * u);
				qf = ef / (float)exp2(40 * u);
				l[i] = (double)((long double)e / ((long double)q
				    + ((long double)nextafter(q, 2) - q) / 2));
				lf[i] = (float)((double)ef / ((double)qf +
				    ((double)nextafterf(qf, 2) - qf) / 2));
				l[i] = l[i] < 1 ? 1 : l[i];
				lf[i] = lf[i] < 1 ? 1 : lf[i];
			}
		}
		fail += weights_bad(ATTN_F64, isa, NQ, W, l, pass);
		fail += weights_bad(ATTN_F32, isa, NQ, Wf, lf, pass);
	}
	return fail;
}

int
main(int argc, char *argv[])
{
	static const double edge[] = { 0.0, -0.0, 1.0, -1.0, 1e-300, -1e-300,
	    709.782712893384, 709.79, 710, -708.39, -708.4, -745.13, -745.14,
	    -746, -1000, 1000, 0.5 * M_LN2, -0.5 * M_LN2, 88.72, 88.73,
	    -87.33, -103.97, -103.98 };
	size_t n, i, k, nedge = sizeof edge / sizeof edge[0], chunk = 1000;
	enum gemm_isa isa = gemm_isa_choose(getenv("SELFATTN_ISA"));
	size_t pass = 0, fail = 0;
	double *x, *y, worst = 0, worstf = 0;
	float *xf, *yf;
	uint64_t s = 0x9E3779B97F4A7C15ULL;

	if (argc != 2 || (n = strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: expcheck N\n");
		return 2;
	}
	x = malloc(chunk * sizeof *x);
	y = malloc(chunk * sizeof *y);
	xf = malloc(chunk * sizeof *xf);
	yf = malloc(chunk * sizeof *yf);
	if (!x || !y || !xf || !yf) {
		free(x);
		free(y);
		free(xf);
		free(yf);
		return 2;
	}
	for (i = 0; i < n + nedge + 3; i += chunk) {
		for (k = 0; k < chunk; k++) {
			size_t j = i + k;
			double u = (double)(next(&s) >> 11) * 0x1p-53;

			if (j < nedge)
				x[k] = edge[j];
			else if (j == nedge)
				x[k] = INFINITY;
			else if (j == nedge + 1)
				x[k] = -INFINITY;
			else if (j == nedge + 2)
				x[k] = NAN;
			else if (j % 2)		/* the softmax's range */
				x[k] = -40 * u;
			else			/* everything */
				x[k] = -750 + 1465 * u;
			xf[k] = (float)(j % 2 ? x[k] : -110 + 200 * u);
			y[k] = x[k];
			yf[k] = xf[k];
		}
		attn_ops(ATTN_F64, isa)->vexp(y, chunk);
		attn_ops(ATTN_F32, isa)->vexp(yf, chunk);
		for (k = 0; k < chunk; k++) {
			int b = bad_double(x[k], y[k], &worst);
			int bf = bad_float(xf[k], yf[k], &worstf);

			if (b)
				fprintf(stderr, "exp(%a) = %a, libm %a\n", x[k],
				    y[k], exp(x[k]));
			if (bf)
				fprintf(stderr, "expf(%a) = %a, libm %a\n",
				    (double)xf[k], (double)yf[k],
				    exp((double)xf[k]));
			fail += (size_t)b + (size_t)bf;
			pass += (size_t)!b + (size_t)!bf;
		}
	}
	/* A run of arguments all within +-700 (+-80 in float), as in a
	 * softmax, takes a shorter way than the others (attn_tmpl.h, expv)
	 * that must give the same bits: the same arguments again with a
	 * NaN, -inf or -1e300 in every 16, so that no run is all in range
	 * (-inf and -1e300, hidden keys, are computed apart: +0, checked
	 * above, and the other lanes of their vectors as they were). */
	for (i = 0; i < n; i += chunk) {
		for (k = 0; k < chunk; k++) {
			double u = (double)(next(&s) >> 11) * 0x1p-53;

			y[k] = -700 + 1400 * u;
			yf[k] = (float)(-80 + 160 * u);
			x[k] = k % 16 != 0 ? y[k] : k % 48 == 0 ? NAN :
			    k % 48 == 16 ? -INFINITY : -1e300;
			xf[k] = k % 16 != 0 ? yf[k] : (float)x[k];
		}
		attn_ops(ATTN_F64, isa)->vexp(y, chunk);
		attn_ops(ATTN_F32, isa)->vexp(yf, chunk);
		attn_ops(ATTN_F64, isa)->vexp(x, chunk);
		attn_ops(ATTN_F32, isa)->vexp(xf, chunk);
		for (k = 0; k < chunk; k++) {
			int b = k % 16 != 0 && memcmp(&x[k], &y[k],
			    sizeof x[k]) != 0;
			int bf = k % 16 != 0 && memcmp(&xf[k], &yf[k],
			    sizeof xf[k]) != 0;

			if (b)
				fprintf(stderr, "exp: %a in a run in range, %a "
				    "out of one\n", y[k], x[k]);
			if (bf)
				fprintf(stderr, "expf: %a in a run in range, %a "
				    "out of one\n", (double)yf[k],
				    (double)xf[k]);
			fail += (size_t)b + (size_t)bf;
			pass += (size_t)!b + (size_t)!bf;
		}
	}
	fail += check_weights(isa, n, &s, &pass);
	printf("exp: largest relative error %.3g (double), %.3g (float)\n",
	    worst, worstf);
	printf("%zu passed, %zu failed\n", pass, fail);
	free(x);
	free(y);
	free(xf);
	free(yf);
	return fail != 0;
}
