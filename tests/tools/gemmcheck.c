/*
 * gemmcheck - tests and benchmarks src/gemm.c.
 *
 *   gemmcheck isas              the ISA levels this CPU can run, one a line
 *   gemmcheck test              correctness, determinism and edge sizes at
 *                               the level gemm chooses (SELFATTN_ISA=...);
 *                               prints "isa: NAME", failures, and a last
 *                               line "N passed, N failed"; exit 1 on any
 *                               failure
 *   gemmcheck bench N K M [REPS]  GFLOP/s of C = A.B, A (N,K), B (K,M),
 *                               double and float, one thread
 *
 * What `test` checks, for double and float, gemm_packed / gemm_nn /
 * gemm_nt, overwrite and accumulate:
 *   - every element is bit for bit the sequential chain c = c + a*b over
 *     p = 0..k-1 (fma() at the FMA levels), as gemm.h promises; NaN only
 *     where the chain gives NaN;
 *   - and agrees with a long double reference within (k+1) units of
 *     rounding relative to sum |a*b| (and ~1e-14 relative on positive
 *     data for double);
 *   - sizes 0 and 1, non-multiples of every tile and block size, strides
 *     larger than rows (padding holds NaN, must not be read; C's padding
 *     must not be written), misaligned buffers, workspace and packed-B
 *     bounds (guard zones after them stay untouched);
 *   - gemm_packed_nz: the chain over the p whose A[i,p] is not zero,
 *     against a B with infinities and NaNs (0*inf adds no NaN);
 *   - gemm_pack_b_rows: pieces of B's rows (random split points, packed
 *     last first) make gemm_pack_b's packed B, byte for byte;
 *   - gemm_packed_top: the first k rows (and first columns) of a B
 *     packed with more, bit for bit gemm_packed of those rows packed
 *     alone;
 *   - gemm_packed_max: C is gemm_packed's times the scale, bit for bit,
 *     and mx[i] the largest C[i,j] that is not NaN (-inf if none), with
 *     NaNs and infinities in A and B, edge tiles, k > KC, n > 96;
 *   - determinism: any split of A's rows into pieces (random split
 *     points, pieces of 1 row), column slices of B, gemm_packed = gemm_nn
 *     = gemm_nt, k split by the caller into overwrite + accumulate, and
 *     two threads sharing one packed B: all bit-identical to one call.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gemm.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* The level every call runs at: SELFATTN_ISA's, or the CPU's best. */
static enum gemm_isa isa;

/* ---- element types behind one interface, values passed as double ---- */

enum how { PACKED, NN, NT };
static const char *const how_name[] = { "packed", "nn", "nt" };

struct ty {
	const char *name;
	size_t esz;
	double u;		/* unit roundoff */
	size_t (*packed_size)(size_t, size_t);
	size_t (*work_size)(size_t, size_t, size_t);
	void (*pack)(size_t, size_t, const void *, size_t, int, void *);
	void (*mul)(enum how, size_t, size_t, size_t, const void *, size_t,
	    const void *, size_t, void *, size_t, enum gemm_acc, void *);
	double (*get)(const void *, size_t);
	void (*set)(void *, size_t, double);
	double (*chain)(double, double, double, int);	/* c + a*b */
	void (*mul_nz)(size_t, size_t, size_t, const void *, size_t,
	    const void *, void *, size_t);	/* gemm_packed_nz */
	void (*mul_max)(size_t, size_t, size_t, const void *, size_t,
	    const void *, void *, size_t, double, void *, void *);
	void (*mul_top)(size_t, size_t, size_t, size_t, const void *, size_t,
	    const void *, void *, size_t, enum gemm_acc, void *);
	void (*pack_rows)(size_t, size_t, size_t, size_t, const void *,
	    size_t, void *);	/* gemm_pack_b_rows */
};

static void pack_d(size_t k, size_t m, const void *B, size_t ldb, int bt,
    void *Bp)
{
	if (bt)
		gemm_pack_bt(isa, k, m, B, ldb, Bp);
	else
		gemm_pack_b(isa, k, m, B, ldb, Bp);
}

static void rows_d(size_t k, size_t m, size_t p0, size_t kr, const void *B,
    size_t ldb, void *Bp)
{
	gemm_pack_b_rows(isa, k, m, p0, kr, B, ldb, Bp);
}

static void mul_d(enum how h, size_t n, size_t k, size_t m, const void *A,
    size_t lda, const void *B, size_t ldb, void *C, size_t ldc,
    enum gemm_acc acc, void *w)
{
	if (h == PACKED)
		gemm_packed(isa, n, k, m, A, lda, B, C, ldc, acc, w);
	else if (h == NN)
		gemm_nn(isa, n, k, m, A, lda, B, ldb, C, ldc, acc, w);
	else
		gemm_nt(isa, n, k, m, A, lda, B, ldb, C, ldc, acc, w);
}

static void nz_d(size_t n, size_t k, size_t m, const void *A, size_t lda,
    const void *Bp, void *C, size_t ldc)
{
	gemm_packed_nz(isa, n, k, m, A, lda, Bp, C, ldc);
}

static void max_d(size_t n, size_t k, size_t m, const void *A, size_t lda,
    const void *Bp, void *C, size_t ldc, double scale, void *mx, void *w)
{
	gemm_packed_max(isa, n, k, m, A, lda, Bp, C, ldc, scale, mx, w);
}

static void top_d(size_t n, size_t k, size_t kb, size_t m, const void *A,
    size_t lda, const void *Bp, void *C, size_t ldc, enum gemm_acc acc,
    void *w)
{
	gemm_packed_top(isa, n, k, kb, m, A, lda, Bp, C, ldc, acc, w);
}

static double get_d(const void *p, size_t i)
{
	return ((const double *)p)[i];
}

static void set_d(void *p, size_t i, double v)
{
	((double *)p)[i] = v;
}

static double chain_d(double c, double a, double b, int fused)
{
	return fused ? fma(a, b, c) : c + a * b;
}

static void pack_s(size_t k, size_t m, const void *B, size_t ldb, int bt,
    void *Bp)
{
	if (bt)
		gemm_f32_pack_bt(isa, k, m, B, ldb, Bp);
	else
		gemm_f32_pack_b(isa, k, m, B, ldb, Bp);
}

static void rows_s(size_t k, size_t m, size_t p0, size_t kr, const void *B,
    size_t ldb, void *Bp)
{
	gemm_f32_pack_b_rows(isa, k, m, p0, kr, B, ldb, Bp);
}

static void mul_s(enum how h, size_t n, size_t k, size_t m, const void *A,
    size_t lda, const void *B, size_t ldb, void *C, size_t ldc,
    enum gemm_acc acc, void *w)
{
	if (h == PACKED)
		gemm_f32_packed(isa, n, k, m, A, lda, B, C, ldc, acc, w);
	else if (h == NN)
		gemm_f32_nn(isa, n, k, m, A, lda, B, ldb, C, ldc, acc, w);
	else
		gemm_f32_nt(isa, n, k, m, A, lda, B, ldb, C, ldc, acc, w);
}

static void nz_s(size_t n, size_t k, size_t m, const void *A, size_t lda,
    const void *Bp, void *C, size_t ldc)
{
	gemm_f32_packed_nz(isa, n, k, m, A, lda, Bp, C, ldc);
}

static void max_s(size_t n, size_t k, size_t m, const void *A, size_t lda,
    const void *Bp, void *C, size_t ldc, double scale, void *mx, void *w)
{
	gemm_f32_packed_max(isa, n, k, m, A, lda, Bp, C, ldc, (float)scale, mx, w);
}

static void top_s(size_t n, size_t k, size_t kb, size_t m, const void *A,
    size_t lda, const void *Bp, void *C, size_t ldc, enum gemm_acc acc,
    void *w)
{
	gemm_f32_packed_top(isa, n, k, kb, m, A, lda, Bp, C, ldc, acc, w);
}

static double get_s(const void *p, size_t i)
{
	return ((const float *)p)[i];
}

static void set_s(void *p, size_t i, double v)
{
	((float *)p)[i] = (float)v;
}

static double chain_s(double c, double a, double b, int fused)
{
	float fc = (float)c, fa = (float)a, fb = (float)b;

	return fused ? fmaf(fa, fb, fc) : (float)(fc + fa * fb);
}

static size_t psize_d(size_t k, size_t m)
{
	return gemm_packed_size(isa, k, m);
}

static size_t wsize_d(size_t n, size_t k, size_t m)
{
	return gemm_work_size(isa, n, k, m);
}

static size_t psize_s(size_t k, size_t m)
{
	return gemm_f32_packed_size(isa, k, m);
}

static size_t wsize_s(size_t n, size_t k, size_t m)
{
	return gemm_f32_work_size(isa, n, k, m);
}

static const struct ty types[2] = {
	{ "f64", sizeof(double), DBL_EPSILON / 2, psize_d, wsize_d, pack_d, mul_d, get_d, set_d, chain_d, nz_d,
	    max_d, top_d, rows_d },
	{ "f32", sizeof(float), FLT_EPSILON / 2, psize_s, wsize_s, pack_s, mul_s, get_s, set_s, chain_s, nz_s,
	    max_s, top_s, rows_s },
};

/* ---- helpers ---- */

static int npass, nfail;

static void check(int ok, const char *what, const struct ty *t,
    enum how h, size_t n, size_t k, size_t m, const char *detail)
{
	if (ok) {
		npass++;
		return;
	}
	nfail++;
	printf("FAIL %s: %s %s n=%zu k=%zu m=%zu%s%s\n", what, t->name,
	    how_name[h], n, k, m, detail ? ": " : "", detail ? detail : "");
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1du;
}

/* Uniform in [lo, hi). */
static double urand(double lo, double hi)
{
	return lo + (hi - lo) * (double)(rnd() >> 11) * 0x1p-53;
}

static size_t irand(size_t lo, size_t hi)	/* [lo, hi] */
{
	return lo + (size_t)(rnd() % (hi - lo + 1));
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		fprintf(stderr, "gemmcheck: out of memory\n");
		exit(2);
	}
	return p;
}

#define GUARD 64		/* elements of guard zone after buffers */
#define SENT (-12345.0)		/* guard value, exact in float */

/* A buffer of n elements (plus guard), at an offset of `off` elements
 * from an aligned allocation, filled with NaN; the guard with SENT. */
struct buf {
	void *base;
	unsigned char *p;
	size_t n;
};

static void buf_new(struct buf *b, const struct ty *t, size_t n, size_t off)
{
	b->base = xmalloc((n + GUARD + off + 64) * t->esz);
	b->p = (unsigned char *)b->base + off * t->esz;
	b->n = n;
	for (size_t i = 0; i < n; i++)
		t->set(b->p, i, NAN);
	for (size_t i = 0; i < GUARD; i++)
		t->set(b->p, n + i, SENT);
}

static int guard_ok(const struct buf *b, const struct ty *t)
{
	for (size_t i = 0; i < GUARD; i++)
		if (t->get(b->p, b->n + i) != SENT)
			return 0;
	return 1;
}

static int same_bits(const struct ty *t, double x, double y)
{
	if (isnan(x) || isnan(y))
		return isnan(x) && isnan(y);
	if (t->esz == sizeof(float)) {
		float a = (float)x, b = (float)y;

		return memcmp(&a, &b, sizeof a) == 0;
	}
	return memcmp(&x, &y, sizeof x) == 0;
}

/* ---- one product, checked against the chain and long double ---- */

struct prob {
	size_t n, k, m, lda, ldb, ldc;
	struct buf A, B, C0;	/* B is (k,m) for NN/PACKED or (m,k) for NT */
	int bt;
};

/* Fill A (n,k) and B with data: kind 0 uniform [-1,1), 1 uniform [0,1). */
static void prob_new(struct prob *P, const struct ty *t, size_t n, size_t k,
    size_t m, int bt, size_t pad, int kind)
{
	double lo = kind == 1 ? 0.0 : -1.0;

	P->n = n;
	P->k = k;
	P->m = m;
	P->bt = bt;
	P->lda = k + pad;
	P->ldb = (bt ? k : m) + pad;
	P->ldc = m + pad;
	buf_new(&P->A, t, n * P->lda, 0);
	buf_new(&P->B, t, (bt ? m : k) * P->ldb, 0);
	buf_new(&P->C0, t, n * P->ldc, 0);
	for (size_t i = 0; i < n; i++)
		for (size_t p = 0; p < k; p++)
			t->set(P->A.p, i * P->lda + p, urand(lo, 1.0));
	for (size_t r = 0; r < (bt ? m : k); r++)
		for (size_t c = 0; c < (bt ? k : m); c++)
			t->set(P->B.p, r * P->ldb + c, urand(lo, 1.0));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m; j++)
			t->set(P->C0.p, i * P->ldc + j, urand(-1.0, 1.0));
}

static void prob_free(struct prob *P)
{
	free(P->A.base);
	free(P->B.base);
	free(P->C0.base);
}

static double bval(const struct ty *t, const struct prob *P, size_t p,
    size_t j)
{
	return P->bt ? t->get(P->B.p, j * P->ldb + p) :
	    t->get(P->B.p, p * P->ldb + j);
}

/* Run h on P into a fresh C (copy of C0 when adding to C, NaN else,
 * padding NaN), with Bp and the workspace misaligned by `off` elements.
 * Returns the C buffer (caller frees .base). */
static struct buf run(const struct ty *t, const struct prob *P, enum how h,
    enum gemm_acc acc, size_t off, int *guards)
{
	struct buf C, W, Bp;
	/* gemm_packed needs only work_size(n, k, 0): test that. */
	size_t ws = t->work_size(P->n, P->k, h == PACKED ? 0 : P->m);
	size_t bs = t->packed_size(P->k, P->m);

	buf_new(&C, t, P->C0.n, 0);
	if (acc != GEMM_OVERWRITE)
		memcpy(C.p, P->C0.p, P->C0.n * t->esz);
	buf_new(&W, t, ws, off);
	buf_new(&Bp, t, bs, off);
	*guards = ws > 0 && bs > 0;
	if (h == PACKED) {
		t->pack(P->k, P->m, P->B.p, P->ldb, P->bt, Bp.p);
		t->mul(h, P->n, P->k, P->m, P->A.p, P->lda, Bp.p, 0, C.p,
		    P->ldc, acc, W.p);
	} else {
		t->mul(P->bt ? NT : NN, P->n, P->k, P->m, P->A.p, P->lda,
		    P->B.p, P->ldb, C.p, P->ldc, acc, W.p);
	}
	*guards = *guards && guard_ok(&W, t) && guard_ok(&Bp, t) &&
	    guard_ok(&C, t);
	free(W.base);
	free(Bp.base);
	return C;
}

/* Check one product every way: exact chain, error bound, padding.  The
 * chain of GEMM_ADD: the first GEMM_KC terms from 0, added to C0, then
 * the rest (gemm.h). */
static void check_prob(const struct ty *t, struct prob *P, enum how h,
    enum gemm_acc acc, int fused, double *maxrel)
{
	size_t n = P->n, k = P->k, m = P->m;
	int guards, exact = 1, bound = 1, pad = 1;
	struct buf C = run(t, P, h, acc, (size_t)(h + acc) % 3, &guards);
	char detail[160] = "";

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < m; j++) {
			double c0 = acc ? t->get(P->C0.p, i * P->ldc + j) : 0;
			double ch = acc == GEMM_ADD ? 0 : c0;
			double got = t->get(C.p, i * P->ldc + j);
			long double ref = c0, mag = fabs(c0);

			for (size_t p = 0; p < k; p++) {
				double a = t->get(P->A.p, i * P->lda + p);
				double b = bval(t, P, p, j);

				ch = t->chain(ch, a, b, fused);
				ref += (long double)a * b;
				mag += fabsl((long double)a * b);
				if (acc == GEMM_ADD && p + 1 == GEMM_KC)
					ch = t->chain(c0, ch, 1, fused);
			}
			if (acc == GEMM_ADD && k < GEMM_KC)
				ch = t->chain(c0, ch, 1, fused);
			if (!same_bits(t, got, ch) && exact) {
				exact = 0;
				snprintf(detail, sizeof detail,
				    "C[%zu,%zu] = %a, chain %a", i, j, got, ch);
			}
			if (isnan(got) || isnan(ch))
				continue;
			long double err = fabsl((long double)got - ref);
			if (err > (long double)(k + 1) * t->u * mag)
				bound = 0;
			if (ref != 0 && err / fabsl(ref) > *maxrel)
				*maxrel = (double)(err / fabsl(ref));
		}
		for (size_t j = m; j < P->ldc; j++)
			if (!isnan(t->get(C.p, i * P->ldc + j)))
				pad = 0;
	}
	check(exact, "bits = sequential chain", t, h, n, k, m,
	    exact ? NULL : detail);
	check(bound, "error <= (k+1) u sum|ab|", t, h, n, k, m, NULL);
	check(pad && guards, "no write outside C/work/Bp", t, h, n, k, m,
	    NULL);
	free(C.base);
}

static void test_shapes(const struct ty *t, int fused)
{
	static const size_t ns[] = { 0, 1, 2, 5, 6, 7, 13, 25 };
	static const size_t ks[] = { 0, 1, 2, 3, 64, 193, 257 };
	static const size_t ms[] = { 0, 1, 3, 7, 8, 9, 16, 17, 33, 50 };
	double maxrel = 0;

	for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
		for (size_t b = 0; b < sizeof ks / sizeof *ks; b++)
			for (size_t c = 0; c < sizeof ms / sizeof *ms; c++) {
				size_t n = ns[a], k = ks[b], m = ms[c];
				size_t pad = (a + b + c) % 3 == 0 ? 0 : 3;
				int bt = (a + c) % 2;
				int acc = (int)((b + c) % 3);
				struct prob P;

				prob_new(&P, t, n, k, m, bt, pad, 0);
				check_prob(t, &P, PACKED, (enum gemm_acc)acc,
				    fused, &maxrel);
				check_prob(t, &P, bt ? NT : NN,
				    (enum gemm_acc)((acc + 1) % 3), fused,
				    &maxrel);
				prob_free(&P);
			}
	/* Across every block size: MC (<= 144), KC (<= 256), NC (<= 4096). */
	{
		static const size_t big[][3] = {
			{ 150, 520, 70 }, { 290, 300, 13 }, { 3, 5, 8200 },
			{ 1, 1000, 1 }, { 300, 1, 300 },
		};

		for (size_t s = 0; s < sizeof big / sizeof *big; s++)
			for (int bt = 0; bt < 2; bt++) {
				struct prob P;

				prob_new(&P, t, big[s][0], big[s][1],
				    big[s][2], bt, 1, 0);
				for (int acc = 0; acc < 3; acc++) {
					check_prob(t, &P, PACKED,
					    (enum gemm_acc)acc, fused, &maxrel);
					check_prob(t, &P, bt ? NT : NN,
					    (enum gemm_acc)acc, fused, &maxrel);
				}
				prob_free(&P);
			}
	}
	/* Relative error on well-conditioned (positive) data. */
	{
		struct prob P;
		double rel = 0, lim = t->esz == sizeof(double) ? 1e-14 : 1e-5;
		char d[64];

		prob_new(&P, t, 100, 1000, 60, 0, 0, 1);
		check_prob(t, &P, PACKED, GEMM_OVERWRITE, fused, &rel);
		snprintf(d, sizeof d, "max relative error %.3g", rel);
		check(rel <= lim, "positive data relative error", t, PACKED,
		    100, 1000, 60, d);
		printf("%s: max relative error %.3g (positive data, k=1000)\n",
		    t->name, rel);
		prob_free(&P);
	}
}

/* Infinities and NaNs in A and B: the result is NaN exactly where the
 * chain gives NaN, and equal to it elsewhere (checked by check_prob). */
static void test_special(const struct ty *t, int fused)
{
	double maxrel = 0;

	for (int bt = 0; bt < 2; bt++) {
		struct prob P;

		prob_new(&P, t, 9, 20, 11, bt, 1, 0);
		t->set(P.A.p, 2 * P.lda + 3, INFINITY);
		t->set(P.A.p, 4 * P.lda + 0, -INFINITY);
		t->set(P.A.p, 7 * P.lda + 19, NAN);
		if (bt) {
			t->set(P.B.p, 5 * P.ldb + 3, 0.0);	/* inf*0 */
			t->set(P.B.p, 1 * P.ldb + 7, INFINITY);
		} else {
			t->set(P.B.p, 3 * P.ldb + 5, 0.0);
			t->set(P.B.p, 7 * P.ldb + 1, INFINITY);
		}
		check_prob(t, &P, PACKED, GEMM_OVERWRITE, fused, &maxrel);
		check_prob(t, &P, bt ? NT : NN, GEMM_ACCUMULATE, fused,
		    &maxrel);
		prob_free(&P);
	}
}

/* gemm_packed_nz: zeros of A (+0 and -0) against infinities and NaNs
 * of B add nothing; every element is the chain over the p with
 * A[i,p] != 0, bit for bit, and the padding of C is not written. */
static void test_nz(const struct ty *t, int fused)
{
	static const size_t sz[][3] = {
		{ 1, 1, 1 }, { 7, 13, 37 }, { 96, 256, 64 }, { 13, 300, 5 },
	};

	for (size_t z = 0; z < sizeof sz / sizeof sz[0]; z++)
		for (int bt = 0; bt < 2; bt++) {
			size_t n = sz[z][0], k = sz[z][1], m = sz[z][2];
			struct prob P;
			struct buf C, Bp;
			int ok = 1;

			prob_new(&P, t, n, k, m, bt, 2, 0);
			for (size_t i = 0; i < n; i++)
				for (size_t p = 0; p < k; p++)
					if (rnd() % 3 == 0)
						t->set(P.A.p, i * P.lda + p,
						    rnd() % 2 ? 0.0 : -0.0);
			for (size_t p = 0; p < k; p++)
				for (size_t j = 0; j < m; j++)
					if (rnd() % 17 == 0)
						t->set(P.B.p, bt ? j * P.ldb +
						    p : p * P.ldb + j,
						    rnd() % 3 == 0 ? NAN :
						    rnd() % 2 ? INFINITY :
						    -INFINITY);
			buf_new(&Bp, t, t->packed_size(k, m), 0);
			t->pack(k, m, P.B.p, P.ldb, bt, Bp.p);
			buf_new(&C, t, P.C0.n, 0);
			memcpy(C.p, P.C0.p, P.C0.n * t->esz);
			t->mul_nz(n, k, m, P.A.p, P.lda, Bp.p, C.p, P.ldc);
			for (size_t i = 0; i < n; i++) {
				for (size_t j = 0; j < m; j++) {
					double c = t->get(P.C0.p, i * P.ldc +
					    j);

					for (size_t p = 0; p < k; p++) {
						double a = t->get(P.A.p,
						    i * P.lda + p);

						if (a != 0)
							c = t->chain(c, a,
							    bval(t, &P, p, j),
							    fused);
					}
					ok &= same_bits(t, c, t->get(C.p,
					    i * P.ldc + j));
				}
				for (size_t j = m; j < P.ldc && i * P.ldc + j <
				    C.n; j++)
					ok &= isnan(t->get(C.p, i * P.ldc +
					    j));
			}
			check(ok && guard_ok(&C, t) && guard_ok(&Bp, t),
			    "packed_nz skips zeros of A", t, PACKED, n, k, m,
			    bt ? "B given transposed" : NULL);
			free(C.base);
			free(Bp.base);
			prob_free(&P);
		}
}

/* gemm_packed_max: C bit for bit gemm_packed's C times scale (one
 * rounding), C's padding not written, and mx[i] the largest C[i,j] of
 * the row that is not NaN (-inf if none; +0 and -0 equal), with NaNs
 * and infinities among the inputs and whole rows of NaN. */
static void test_max(const struct ty *t)
{
	static const size_t sz[][3] = {
		{ 1, 1, 1 }, { 7, 13, 37 }, { 96, 64, 256 }, { 13, 300, 5 },
		{ 150, 64, 256 }, { 6, 64, 32 }, { 97, 1, 70 }, { 3, 0, 9 },
		{ 4, 7, 0 },
	};
	static const double scales[] = { 0.125, 1, -0.5 };

	for (size_t z = 0; z < sizeof sz / sizeof sz[0]; z++)
		for (size_t sc = 0; sc < 3; sc++) {
			size_t n = sz[z][0], k = sz[z][1], m = sz[z][2];
			double scale = scales[sc];
			struct prob P;
			struct buf C, Bp, mx, W;
			void *C1 = xmalloc((n * (m + 2) + 1) * t->esz);
			void *w1 = xmalloc((t->work_size(n, k, m) + 1) *
			    t->esz);
			int ok = 1;

			prob_new(&P, t, n, k, m, 1, 2, 0);
			for (size_t i = 0; i < n; i++)
				for (size_t p = 0; p < k; p++)
					if (i % 5 == 4 || rnd() % 41 == 0)
						/* row 4 (mod 5): all NaN */
						t->set(P.A.p, i * P.lda + p,
						    i % 5 == 4 ? NAN : rnd() %
						    2 ? INFINITY : 1e300);
			for (size_t p = 0; p < k; p++)
				for (size_t j = 0; j < m; j++)
					if (rnd() % 53 == 0)
						t->set(P.B.p, j * P.ldb + p,
						    rnd() % 2 ? NAN :
						    -INFINITY);
			buf_new(&Bp, t, t->packed_size(k, m), 0);
			t->pack(k, m, P.B.p, P.ldb, 1, Bp.p);
			buf_new(&C, t, P.C0.n, 0);
			buf_new(&mx, t, n, 0);
			buf_new(&W, t, t->work_size(n, k, m), 1);
			t->mul_max(n, k, m, P.A.p, P.lda, Bp.p, C.p, P.ldc,
			    scale, mx.p, W.p);
			t->mul(PACKED, n, k, m, P.A.p, P.lda, Bp.p, 0, C1,
			    P.ldc, GEMM_OVERWRITE, w1);
			for (size_t i = 0; i < n; i++) {
				double r = -INFINITY, x;

				for (size_t j = 0; j < m; j++) {
					/* one rounding of the product */
					t->set(C1, i * P.ldc + j, t->get(C1,
					    i * P.ldc + j) * scale);
					x = t->get(C1, i * P.ldc + j);
					ok &= same_bits(t, x, t->get(C.p,
					    i * P.ldc + j));
					r = x > r ? x : r;
				}
				for (size_t j = m; j < P.ldc && i * P.ldc + j <
				    C.n; j++)
					ok &= isnan(t->get(C.p, i * P.ldc +
					    j));
				ok &= t->get(mx.p, i) == r;
			}
			check(ok && guard_ok(&C, t) && guard_ok(&mx, t) &&
			    guard_ok(&W, t), "packed_max = packed times the "
			    "scale, with the rows' maxima", t, PACKED, n, k, m,
			    sc == 2 ? "negative scale" : NULL);
			free(C.base);
			free(Bp.base);
			free(mx.base);
			free(W.base);
			free(C1);
			free(w1);
			prob_free(&P);
		}
}

/* gemm_packed_top: the first k rows of a B packed with kb rows, bit for
 * bit gemm_packed with those rows packed alone, in every mode, k across
 * KC and kb past it, C's padding and the guards untouched; and of its
 * first mp columns, those columns of the product, the rest of C left. */
static void test_top(const struct ty *t)
{
	static const size_t sz[][4] = {	/* n, k, kb, m */
		{ 1, 1, 8, 1 }, { 7, 40, 256, 64 }, { 13, 144, 256, 33 },
		{ 144, 200, 256, 64 }, { 6, 250, 300, 17 }, { 5, 257, 520, 9 },
		{ 9, 0, 16, 8 }, { 4, 64, 64, 70 },
	};

	for (size_t z = 0; z < sizeof sz / sizeof sz[0]; z++)
		for (int acc = 0; acc < 3; acc++) {
			size_t n = sz[z][0], k = sz[z][1], kb = sz[z][2];
			size_t m = sz[z][3];
			struct prob P;
			struct buf Bk, Bkb, C1, C2, W;
			int ok = 1;

			prob_new(&P, t, n, kb, m, 0, 2, 0);
			buf_new(&Bk, t, t->packed_size(k, m), 0);
			buf_new(&Bkb, t, t->packed_size(kb, m), 0);
			t->pack(k, m, P.B.p, P.ldb, 0, Bk.p);
			t->pack(kb, m, P.B.p, P.ldb, 0, Bkb.p);
			buf_new(&C1, t, P.C0.n, 0);
			buf_new(&C2, t, P.C0.n, 0);
			memcpy(C1.p, P.C0.p, P.C0.n * t->esz);
			memcpy(C2.p, P.C0.p, P.C0.n * t->esz);
			buf_new(&W, t, t->work_size(n, k, 0), 1);
			t->mul(PACKED, n, k, m, P.A.p, P.lda, Bk.p, 0, C1.p,
			    P.ldc, (enum gemm_acc)acc, W.p);
			t->mul_top(n, k, kb, m, P.A.p, P.lda, Bkb.p, C2.p,
			    P.ldc, (enum gemm_acc)acc, W.p);
			for (size_t e = 0; e < P.C0.n; e++)
				ok &= same_bits(t, t->get(C1.p, e),
				    t->get(C2.p, e));
			/* and its first mp columns: those of C1 */
			size_t mp = m - m / 3;

			memcpy(C2.p, P.C0.p, P.C0.n * t->esz);
			t->mul_top(n, k, kb, mp, P.A.p, P.lda, Bkb.p, C2.p,
			    P.ldc, (enum gemm_acc)acc, W.p);
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < P.ldc; j++)
					ok &= same_bits(t, t->get(j < mp ? C1.p :
					    P.C0.p, i * P.ldc + j), t->get(C2.p,
					    i * P.ldc + j));
			check(ok && guard_ok(&C2, t) && guard_ok(&W, t),
			    "packed_top = packed on B's first k rows", t,
			    PACKED, n, k, m, acc == 0 ? "overwrite" : acc == 1 ?
			    "accumulate" : "add");
			free(Bk.base);
			free(Bkb.base);
			free(C1.base);
			free(C2.base);
			free(W.base);
			prob_free(&P);
		}
}

/* k = 0: overwrite gives +0, accumulate leaves C, add gives C + 0 (+0
 * for -0: C0 is set to -0 at [0,0]). */
static void test_k0(const struct ty *t)
{
	static const char *const what[] = { "k=0 overwrite zeroes C",
	    "k=0 accumulate keeps C", "k=0 add gives C + 0" };

	for (int acc = 0; acc < 3; acc++) {
		struct prob P;
		int guards, ok = 1;
		struct buf C;

		prob_new(&P, t, 5, 0, 9, 0, 2, 0);
		t->set(P.C0.p, 0, -0.0);
		C = run(t, &P, PACKED, (enum gemm_acc)acc, 0, &guards);
		for (size_t i = 0; i < 5; i++)
			for (size_t j = 0; j < 9; j++) {
				double c = t->get(C.p, i * P.ldc + j);
				double e = acc ? t->get(P.C0.p, i * P.ldc + j)
				    : 0.0;

				if (!same_bits(t, c, acc == GEMM_ADD ? e + 0.0 :
				    e))
					ok = 0;
			}
		check(ok && guards, what[acc], t, PACKED, 5, 0, 9, NULL);
		free(C.base);
		prob_free(&P);
	}
}

/* ---- determinism ---- */

static int same_block(const struct ty *t, const void *x, size_t ldx,
    const void *y, size_t ldy, size_t n, size_t m)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp((const char *)x + i * ldx * t->esz,
		    (const char *)y + i * ldy * t->esz, m * t->esz) != 0)
			return 0;
	return 1;
}

struct piece_job {
	const struct ty *t;
	const struct prob *P;
	const void *Bp;
	void *C;
	const size_t *cut;	/* row split points, cut[0]=0 .. cut[np]=n */
	size_t np, first, step;
};

static void *piece_thread(void *arg)
{
	struct piece_job *j = arg;
	const struct ty *t = j->t;
	const struct prob *P = j->P;
	void *w = xmalloc((t->work_size(P->n, P->k, 0) + 1) * t->esz);

	for (size_t q = j->first; q < j->np; q += j->step) {
		size_t r0 = j->cut[q], r1 = j->cut[q + 1];

		t->mul(PACKED, r1 - r0, P->k, P->m,
		    P->A.p + r0 * P->lda * t->esz, P->lda, j->Bp, 0,
		    (char *)j->C + r0 * P->ldc * t->esz, P->ldc,
		    GEMM_OVERWRITE, (char *)w + t->esz);
	}
	free(w);
	return NULL;
}

static void test_determinism(const struct ty *t)
{
	static const size_t shapes[][3] = {
		{ 211, 300, 37 }, { 64, 64, 130 }, { 29, 7, 5 },
	};

	for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
		size_t n = shapes[s][0], k = shapes[s][1], m = shapes[s][2];
		struct prob P, Q;
		size_t ldc = m + 1, cut[400];
		void *w = xmalloc(t->work_size(n, k, m) * t->esz);
		void *Bp = xmalloc(t->packed_size(k, m) * t->esz);
		void *Cf = xmalloc(n * ldc * t->esz);
		void *Cp = xmalloc(n * ldc * t->esz);
		void *Bq = xmalloc(t->packed_size(k, m) * t->esz);
		int ok;

		prob_new(&P, t, n, k, m, 0, 1, 0);
		prob_new(&Q, t, n, k, m, 1, 1, 0);
		/* Q's B^T is P's B, so all three ways compute the same. */
		for (size_t p = 0; p < k; p++)
			for (size_t j = 0; j < m; j++)
				t->set(Q.B.p, j * Q.ldb + p,
				    t->get(P.B.p, p * P.ldb + j));
		t->pack(k, m, P.B.p, P.ldb, 0, Bp);
		t->mul(PACKED, n, k, m, P.A.p, P.lda, Bp, 0, Cf, ldc,
		    GEMM_OVERWRITE, w);

		/* Same B packed from B^T; gemm_nn; gemm_nt. */
		t->pack(k, m, Q.B.p, Q.ldb, 1, Bq);
		t->mul(PACKED, n, k, m, P.A.p, P.lda, Bq, 0, Cp, ldc,
		    GEMM_OVERWRITE, w);
		check(same_block(t, Cf, ldc, Cp, ldc, n, m),
		    "pack_bt = pack_b, bitwise", t, PACKED, n, k, m, NULL);

		/* B packed a piece of rows at a time, the last piece first,
		 * over a buffer of 0xff bytes (NaNs): every byte as pack_b
		 * over the same (the padding of the packed size included) */
		ok = 1;
		memset(Bp, 0xff, t->packed_size(k, m) * t->esz);
		t->pack(k, m, P.B.p, P.ldb, 0, Bp);
		for (int trial = 0; trial < 4; trial++) {
			size_t hi = k, lo;

			memset(Bq, 0xff, t->packed_size(k, m) * t->esz);
			while (hi > 0) {
				lo = hi - irand(1, trial == 0 ? 1 : hi);
				t->pack_rows(k, m, lo, hi - lo, (const char *)
				    P.B.p + lo * P.ldb * t->esz, P.ldb, Bq);
				hi = lo;
			}
			ok &= memcmp(Bp, Bq, t->packed_size(k, m) * t->esz) ==
			    0;
		}
		check(ok, "pack_b_rows pieces = pack_b, bytewise", t, PACKED,
		    n, k, m, NULL);
		t->mul(NN, n, k, m, P.A.p, P.lda, P.B.p, P.ldb, Cp, ldc,
		    GEMM_OVERWRITE, w);
		check(same_block(t, Cf, ldc, Cp, ldc, n, m),
		    "gemm_nn = gemm_packed, bitwise", t, NN, n, k, m, NULL);
		t->mul(NT, n, k, m, P.A.p, P.lda, Q.B.p, Q.ldb, Cp, ldc,
		    GEMM_OVERWRITE, w);
		check(same_block(t, Cf, ldc, Cp, ldc, n, m),
		    "gemm_nt = gemm_packed, bitwise", t, NT, n, k, m, NULL);

		/* Random row splits, some all 1-row pieces. */
		ok = 1;
		for (int trial = 0; trial < 12; trial++) {
			size_t np = 0, r = 0, maxp = trial < 2 ? 1 :
			    irand(1, n);

			cut[0] = 0;
			while (r < n) {
				size_t len = irand(1, maxp);

				if (len > n - r)
					len = n - r;
				r += len;
				cut[++np] = r;
			}
			memset(Cp, 0xff, n * ldc * t->esz);
			for (size_t q = 0; q < np; q++) {
				size_t r0 = cut[q], r1 = cut[q + 1];
				enum how h = (enum how)(q % 3);
				const void *B = h == PACKED ? Bp :
				    h == NN ? P.B.p : Q.B.p;
				size_t ldb = h == NN ? P.ldb : Q.ldb;

				t->mul(h, r1 - r0, k, m,
				    P.A.p + r0 * P.lda * t->esz, P.lda, B,
				    ldb, (char *)Cp + r0 * ldc * t->esz, ldc,
				    GEMM_OVERWRITE, w);
			}
			if (!same_block(t, Cf, ldc, Cp, ldc, n, m))
				ok = 0;
		}
		check(ok, "row splits bitwise", t, PACKED, n, k, m, NULL);

		/* Column slices of B: B[:, j0:j1] packed alone. */
		ok = 1;
		for (int trial = 0; trial < 12; trial++) {
			size_t j0 = irand(0, m - 1), j1 = irand(j0 + 1, m);
			enum how h = (enum how)(trial % 3);

			memset(Cp, 0xff, n * ldc * t->esz);
			if (h == PACKED) {
				if (trial % 2)
					t->pack(k, j1 - j0,
					    Q.B.p + j0 * Q.ldb * t->esz,
					    Q.ldb, 1, Bq);
				else
					t->pack(k, j1 - j0,
					    P.B.p + j0 * t->esz, P.ldb, 0, Bq);
				t->mul(h, n, k, j1 - j0, P.A.p, P.lda, Bq, 0,
				    Cp, ldc, GEMM_OVERWRITE, w);
			} else if (h == NN) {
				t->mul(h, n, k, j1 - j0, P.A.p, P.lda,
				    P.B.p + j0 * t->esz, P.ldb, Cp, ldc,
				    GEMM_OVERWRITE, w);
			} else {
				t->mul(h, n, k, j1 - j0, P.A.p, P.lda,
				    Q.B.p + j0 * Q.ldb * t->esz, Q.ldb, Cp,
				    ldc, GEMM_OVERWRITE, w);
			}
			if (!same_block(t, (char *)Cf + j0 * t->esz, ldc, Cp,
			    ldc, n, j1 - j0))
				ok = 0;
		}
		check(ok, "column slices bitwise", t, PACKED, n, k, m, NULL);

		/* k split by the caller: overwrite with A[:, :k1] B[:k1],
		 * then accumulate A[:, k1:] B[k1:]: the same chain. */
		ok = 1;
		for (int trial = 0; trial < 4; trial++) {
			size_t k1 = irand(0, k);

			t->mul(NN, n, k1, m, P.A.p, P.lda, P.B.p, P.ldb, Cp,
			    ldc, GEMM_OVERWRITE, w);
			t->mul(NT, n, k - k1, m, P.A.p + k1 * t->esz, P.lda,
			    Q.B.p + k1 * t->esz, Q.ldb, Cp, ldc,
			    GEMM_ACCUMULATE, w);
			if (!same_block(t, Cf, ldc, Cp, ldc, n, m))
				ok = 0;
		}
		check(ok, "k split into overwrite+accumulate bitwise", t, NN,
		    n, k, m, NULL);

		/* Two threads, one shared packed B, interleaved pieces. */
		{
			size_t np = 0, r = 0;
			pthread_t th[2];
			struct piece_job job[2];

			cut[0] = 0;
			while (r < n) {
				size_t len = irand(1, 9);

				if (len > n - r)
					len = n - r;
				r += len;
				cut[++np] = r;
			}
			memset(Cp, 0xff, n * ldc * t->esz);
			for (int i = 0; i < 2; i++) {
				job[i] = (struct piece_job){ t, &P, Bp, Cp, cut,
				    np, (size_t)i, 2 };
				if (pthread_create(&th[i], NULL, piece_thread,
				    &job[i]) != 0) {
					fprintf(stderr, "gemmcheck: "
					    "pthread_create failed\n");
					exit(2);
				}
			}
			for (int i = 0; i < 2; i++)
				pthread_join(th[i], NULL);
			check(same_block(t, Cf, ldc, Cp, ldc, n, m),
			    "two threads, shared packed B, bitwise", t,
			    PACKED, n, k, m, NULL);
		}
		prob_free(&P);
		prob_free(&Q);
		free(w);
		free(Bp);
		free(Bq);
		free(Cf);
		free(Cp);
	}
}

static void test_sizes(void)
{
	const struct ty *t = &types[0];

	check(gemm_packed_size(isa, SIZE_MAX / 2, 3) == 0, "packed_size overflow",
	    t, PACKED, 0, SIZE_MAX / 2, 3, NULL);
	check(gemm_f32_packed_size(isa, 3, SIZE_MAX - 1) == 0,
	    "packed_size overflow", &types[1], PACKED, 0, 3, SIZE_MAX - 1,
	    NULL);
	check(gemm_packed_size(isa, 0, 0) > 0 && gemm_work_size(isa, 0, 0, 0) > 0,
	    "sizes > 0 when empty", t, PACKED, 0, 0, 0, NULL);
	check(gemm_packed_size(isa, 64, 37) * sizeof(double) % 64 == 0 &&
	    gemm_f32_packed_size(isa, 7, 3) * sizeof(float) % 64 == 0 &&
	    gemm_packed_size(isa, 64, 37) >= 64 * 37,
	    "packed_size a multiple of 64 bytes", t, PACKED, 0, 64, 37, NULL);
	check(gemm_work_size(isa, SIZE_MAX, SIZE_MAX, SIZE_MAX) < 1200000 &&
	    gemm_f32_work_size(isa, SIZE_MAX, SIZE_MAX, SIZE_MAX) < 1200000 &&
	    gemm_work_size(isa, SIZE_MAX, SIZE_MAX, 0) < 40000 &&
	    gemm_f32_work_size(isa, SIZE_MAX, SIZE_MAX, 0) < 40000,
	    "work_size bounded", t, PACKED, SIZE_MAX, SIZE_MAX, SIZE_MAX,
	    NULL);
}

static int cmd_test(void)
{
	int fused = isa != GEMM_ISA_GENERIC;

	printf("isa: %s\n", gemm_isa_name(isa));
	test_sizes();
	for (int i = 0; i < 2; i++) {
		test_shapes(&types[i], fused);
		test_special(&types[i], fused);
		test_nz(&types[i], fused);
		test_max(&types[i]);
		test_top(&types[i]);
		test_k0(&types[i]);
		test_determinism(&types[i]);
	}
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}

/* ---- bench ---- */

/* Seconds of CPU time of this thread (GEMMCHECK_CLOCK=wall: wall time).
 * CPU time is steadier on a shared machine: time slices given to other
 * processes are not counted. */
static double now(void)
{
	static int wall = -1;
	struct timespec ts;

	if (wall < 0) {
		const char *e = getenv("GEMMCHECK_CLOCK");

		wall = e != NULL && strcmp(e, "wall") == 0;
	}
	clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int parse_size(const char *s, size_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || x == 0 ||
	    x > 1000000)
		return -1;
	*v = (size_t)x;
	return 0;
}

static int cmd_bench(size_t n, size_t k, size_t m, int reps)
{
	double flop = 2.0 * (double)n * (double)k * (double)m;

	printf("isa: %s  n=%zu k=%zu m=%zu  best of %d\n",
	    gemm_isa_name(isa), n, k, m, reps);
	for (int ti = 0; ti < 2; ti++) {
		const struct ty *t = &types[ti];
		void *A = xmalloc(n * k * t->esz), *B = xmalloc(k * m * t->esz);
		void *Bt = xmalloc(k * m * t->esz), *C = xmalloc(n * m * t->esz);
		void *Bp, *w;
		size_t bs = t->packed_size(k, m), ws = t->work_size(n, k, m);

		if (bs == 0 || posix_memalign(&Bp, 64, bs * t->esz) ||
		    posix_memalign(&w, 64, ws * t->esz)) {
			fprintf(stderr, "gemmcheck: out of memory\n");
			return 2;
		}
		for (size_t i = 0; i < n * k; i++)
			t->set(A, i, urand(-1, 1));
		for (size_t i = 0; i < k * m; i++) {
			t->set(B, i, urand(-1, 1));
			t->set(Bt, i, urand(-1, 1));
		}
		for (int h = -1; h < 3; h++) {
			double best = 1e30;

			for (int r = 0; r < reps; r++) {
				double t0 = now();

				if (h < 0)
					t->pack(k, m, B, m, 0, Bp);
				else if (h == PACKED)
					t->mul(PACKED, n, k, m, A, k, Bp, 0,
					    C, m, GEMM_OVERWRITE, w);
				else if (h == NN)
					t->mul(NN, n, k, m, A, k, B, m, C, m,
					    GEMM_OVERWRITE, w);
				else
					t->mul(NT, n, k, m, A, k, Bt, k, C, m,
					    GEMM_OVERWRITE, w);
				t0 = now() - t0;
				if (t0 < best)
					best = t0;
			}
			if (h < 0)
				printf("%s pack_b      %9.3f ms\n", t->name,
				    best * 1e3);
			else
				printf("%s %-6s      %9.3f ms  %7.2f GFLOP/s\n",
				    t->name, how_name[h], best * 1e3,
				    flop / best * 1e-9);
		}
		free(A);
		free(B);
		free(Bt);
		free(C);
		free(Bp);
		free(w);
	}
	return 0;
}

_Noreturn static void usage(void)
{
	fprintf(stderr, "usage: gemmcheck test | isas | "
	    "bench N K M [REPS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	isa = gemm_isa_choose(getenv("SELFATTN_ISA"));
	if (argc == 2 && strcmp(argv[1], "test") == 0)
		return cmd_test();
	if (argc == 2 && strcmp(argv[1], "isas") == 0) {
		for (int i = 0; i < GEMM_ISA_COUNT; i++)
			if (gemm_isa_supported((enum gemm_isa)i))
				printf("%s\n", gemm_isa_name((enum gemm_isa)i));
		return 0;
	}
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "bench") == 0) {
		size_t n = 0, k = 0, m = 0, reps = 5;

		if (parse_size(argv[2], &n) || parse_size(argv[3], &k) ||
		    parse_size(argv[4], &m) ||
		    (argc == 6 && parse_size(argv[5], &reps)))
			usage();
		return cmd_bench(n, k, m, (int)reps);
	}
	usage();
}
