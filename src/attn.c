/*
 * attn.c - the attention kernels (see attn.h), instantiated from
 * attn_tmpl.h for double and float, at the generic level and, on
 * x86-64, for AVX2 + FMA and for AVX-512F: the level gemm.h chose, so
 * the kernels' own loops (scaling, masks, exp, sums) use the same
 * vectors as the matrix products.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "attn.h"
#include "gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF	/* fuse only where FMA() says so */
#elif defined(__GNUC__)
/* GCC's -O2 vectoriser only takes loops it needs no scalar epilogue
 * for; the exp and softmax loops need one (their length is a block's
 * width).  Loops still run in program order per element: no
 * reassociation, IEEE inf and NaN kept (no -ffast-math). */
#pragma GCC optimize("vect-cost-model=dynamic")
/* The kernels pass vectors wider than the generic level's by value only
 * between static inline functions of this file: no ABI is involved. */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define F(x) CAT(x, SUF)

double
attn_raise(enum attn_dtype dtype, double m)
{
	double r, most = dtype == ATTN_F32 ? 2 * ATTN_SHIFT : 16 * ATTN_SHIFT;

	if (dtype == ATTN_F32) {
		float f = (float)(m + ATTN_SHIFT);

		while (isfinite(f) && (double)f - m < ATTN_SHIFT)
			f = nextafterf(f, INFINITY);
		r = f;
	} else {
		r = m + ATTN_SHIFT;
		while (isfinite(r) && r - m < ATTN_SHIFT)
			r = nextafter(r, INFINITY);
	}
	return isfinite(r) && r - m <= most ? r : NAN;
}

/* exp(r) on |r| <= ln2/2: Chebyshev interpolants of exp there (near
 * minimax), coefficients of r^0 .. r^deg, evaluated in Horner form
 * (attn_tmpl.h).  Relative error of the polynomials with these
 * coefficients, before rounding in the evaluation: 2.7e-17 for double
 * (degree 11), 2.0e-8 for float (degree 6), measured on 2e5 points in
 * long double.  (The Taylor polynomials needed degree 13 and 7 for
 * that.) */
static const double exp_c_d[12] = {
	1.0, 1.0, 0x1.0000000000011p-1, 0x1.5555555555504p-3,
	0x1.555555554f0fep-5, 0x1.1111111119eb9p-7, 0x1.6c16c187eedc2p-10,
	0x1.a01a018e36c3p-13, 0x1.a01991d18f901p-16, 0x1.71de26a608058p-19,
	0x1.28b3e4dd30ee2p-22, 0x1.af324820137a1p-26
};
static const float exp_c_s[7] = {
	1.0f, 1.0f, 0.5f, 0x1.555404p-3f, 0x1.5554acp-5f, 0x1.126fa6p-7f,
	0x1.6d7532p-10f
};

/* tanh(a) = a + a·z·P(z)/Q(z), z = a², on 0 <= a < 0.625: Cephes'
 * rationals (tanh.c, tanhf.c, S. L. Moshier).  Relative error before
 * rounding in the evaluation: 5.0e-18 for double (P of degree 2 over
 * Q of degree 3), 8.6e-9 for float (P of degree 4 and Q = 1, so the
 * division in tanh1 is exact), measured on 2e6 points in long
 * double. */
#define TANH_P_D(z) \
	FMA(FMA(-9.64399179425052238628e-1, z, -9.92877231001918586564e1), \
	z, -1.61468768441708447952e3)
#define TANH_Q_D(z) \
	FMA(FMA((z) + 1.12811678491632931402e2, z, 2.23548839060100448583e3), \
	z, 4.84406305325125486048e3)
#define TANH_P_S(z) \
	FMA(FMA(FMA(FMA(-5.70498872745e-3f, z, 2.06390887954e-2f), \
	z, -5.37397155531e-2f), z, 1.33314422036e-1f), z, -3.33332819422e-1f)
#define TANH_Q_S(z) 1.0f

#define GEN_FMA(a, b, c) ((a) * (b) + (c))

/* ---- double, generic ---- */
#define T double
#define T_INT int64_t
#define T_UINT uint64_t
#define T_DTYPE ATTN_F64
#define T_EXP_LO (-746.0)	/* exp < 2^-1075: rounds to 0 */
#define T_EXP_HI 710.0		/* exp > DBL_MAX */
#define T_MAX DBL_MAX		/* a running maximum's cap (block()) */
#define T_EXP_NRM 700.0		/* |x| <= it: 2^k and exp(x) normal */
#define T_DIV_MIN 0x1p-900	/* divl(): s >= it and l <= T_DIV_LMAX, */
#define T_DIV_LMAX 0x1p40	/* nothing underflows */
#define T_LOG2E 0x1.71547652b82fep0
#define T_ROUND 0x1.8p52
#define T_ROUND_BITS ((int64_t)0x4338000000000000)
#define T_LN2_HI 0x1.62e42fee00000p-1
#define T_LN2_LO 0x1.a39ef35793c76p-33
#define T_BIAS 1023
#define T_MANT 52
#define T_EXP_C exp_c_d
#define T_EXP_DEG 11
#define T_SIGN ((uint64_t)1 << 63)
#define T_TANH_SMALL 0.625
#define T_TANH_P TANH_P_D
#define T_TANH_Q TANH_Q_D
#define EXPF exp
#define GEMM(x) gemm_##x

#define T_SUF _d
#define T_FMA __builtin_fma
/* the AVX-512 vector type and intrinsics for T (X512, attn_isa.h) */
#define X512_VEC __m512d
#define X512_SET1 _mm512_set1_pd
#define X512_MAX _mm512_max_pd
#define X512_MIN _mm512_min_pd
#define X512_SCALEF _mm512_scalef_pd
#define X512_FMA _mm512_fmadd_pd
#define X512_LTMASK(a, b) _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ)
/* and the AVX2 ones (X256) */
#define X256_VEC __m256d
#define X256_SET1 _mm256_set1_pd
#define X256_MAX _mm256_max_pd
#define X256_MIN _mm256_min_pd
#define X256_FMA _mm256_fmadd_pd
#define X256_MOVEMASK _mm256_movemask_pd
#include "attn_isa.h"

#undef T
#undef T_INT
#undef T_UINT
#undef T_DTYPE
#undef T_EXP_LO
#undef T_EXP_HI
#undef T_MAX
#undef T_EXP_NRM
#undef T_LOG2E
#undef T_ROUND
#undef T_ROUND_BITS
#undef T_LN2_HI
#undef T_LN2_LO
#undef T_BIAS
#undef T_MANT
#undef T_DIV_MIN
#undef T_DIV_LMAX
#undef T_EXP_C
#undef T_EXP_DEG
#undef T_SIGN
#undef T_TANH_SMALL
#undef T_TANH_P
#undef T_TANH_Q
#undef EXPF
#undef GEMM
#undef T_SUF
#undef T_FMA
#undef X512_VEC
#undef X512_SET1
#undef X512_MAX
#undef X512_MIN
#undef X512_SCALEF
#undef X512_FMA
#undef X512_LTMASK
#undef X256_VEC
#undef X256_SET1
#undef X256_MAX
#undef X256_MIN
#undef X256_FMA
#undef X256_MOVEMASK

/* ---- float ---- */
#define T float
#define T_INT int32_t
#define T_UINT uint32_t
#define T_DTYPE ATTN_F32
#define T_EXP_LO (-104.0f)	/* exp < 2^-150: rounds to 0 */
#define T_EXP_HI 89.0f		/* exp > FLT_MAX */
#define T_MAX FLT_MAX
#define T_EXP_NRM 80.0f		/* |x| <= it: 2^k and exp(x) normal */
#define T_DIV_MIN 0x1p-60f
#define T_DIV_LMAX 0x1p40f
#define T_LOG2E 0x1.715476p0f
#define T_ROUND 0x1.8p23f
#define T_ROUND_BITS ((int32_t)0x4b400000)
#define T_LN2_HI 0x1.62e4p-1f
#define T_LN2_LO 0x1.7f7d1cp-20f
#define T_BIAS 127
#define T_MANT 23
#define T_EXP_C exp_c_s
#define T_EXP_DEG 6
#define T_SIGN ((uint32_t)1 << 31)
#define T_TANH_SMALL 0.625f
#define T_TANH_P TANH_P_S
#define T_TANH_Q TANH_Q_S
#define EXPF expf
#define GEMM(x) gemm_f32_##x

#define T_SUF _s
#define T_FMA __builtin_fmaf
#define X512_VEC __m512
#define X512_SET1 _mm512_set1_ps
#define X512_MAX _mm512_max_ps
#define X512_MIN _mm512_min_ps
#define X512_SCALEF _mm512_scalef_ps
#define X512_FMA _mm512_fmadd_ps
#define X512_LTMASK(a, b) _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ)
#define X512_QK4		/* qk() on 4 keys by 4 rows a vector */
#define X256_VEC __m256
#define X256_SET1 _mm256_set1_ps
#define X256_MAX _mm256_max_ps
#define X256_MIN _mm256_min_ps
#define X256_FMA _mm256_fmadd_ps
#define X256_MOVEMASK _mm256_movemask_ps
#define X256_QK4		/* and 2 keys by 4 rows */
#include "attn_isa.h"

const struct attn_ops *
attn_ops(enum attn_dtype dtype, enum gemm_isa isa)
{
#if defined(__x86_64__)
	if (isa >= GEMM_ISA_AVX512)
		return dtype == ATTN_F32 ? &ops_s2 : &ops_d2;
	if (isa >= GEMM_ISA_AVX2)
		return dtype == ATTN_F32 ? &ops_s1 : &ops_d1;
#endif
	return dtype == ATTN_F32 ? &ops_s0 : &ops_d0;
}
