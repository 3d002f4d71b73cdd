/*
 * rng.c - NumPy's legacy random stream (see rng.h), bit for bit.
 *
 * np.random.seed(s), np.random.rand and np.random.randn (the legacy
 * RandomState) are the Mersenne Twister MT19937 of Matsumoto and
 * Nishimura (1998) with their reference init_genrand seeding, the
 * 53-bit genrand_res53 double, and the Marsaglia polar method for
 * normals that keeps the second value of each pair.  The code follows
 * mt19937.c, distributions.c (random_standard_uniform) and legacy-
 * distributions.c (legacy_gauss) in numpy/random/src.
 *
 * Bit-exactness needs every floating-point step done in the same order
 * and rounding as NumPy's C code, and log and sqrt from the same libm.
 * The one sum that a fused multiply-add would round differently,
 * x1*x1 + x2*x2, is split over statements: C allows contraction only
 * within an expression (clang's default), and GCC contracts across
 * statements only in GNU modes (the Makefile uses -std=c11).  The other
 * products (2*u, a*2^26) are exact, so fusing them changes nothing.
 */
#include <math.h>
#include <stdint.h>

#include "rng.h"

/* MT19937 parameters (Matsumoto & Nishimura 1998, Table 2). */
#define MT_N		624		/* degree of recurrence (state words) */
#define MT_M		397		/* middle word offset */
#define MT_MATRIX_A	0x9908b0dfUL	/* twist matrix, last row */
#define MT_UPPER	0x80000000UL	/* most significant w-r bits */
#define MT_LOWER	0x7fffffffUL	/* least significant r bits */

/* init_genrand multiplier (Knuth, TAOCP vol. 2, 3rd ed., p. 106). */
#define MT_INIT_MULT	1812433253UL

/* Tempering masks. */
#define MT_TEMPER_B	0x9d2c5680UL
#define MT_TEMPER_C	0xefc60000UL

static uint32_t	mt_twist(uint32_t, uint32_t, uint32_t);
static void	mt_generate(struct rng *);
static uint32_t	mt_next(struct rng *);

/*
 * Seed as init_genrand(seed), which is what np.random.seed(int) calls
 * (mt19937_seed):
 *	mt[0] = seed
 *	mt[i] = 1812433253 * (mt[i-1] ^ (mt[i-1] >> 30)) + i   (mod 2^32)
 * The next draw regenerates the whole state.  The cached Gaussian is
 * dropped, as RandomState._reset_state_variables does.
 */
void
rng_seed(struct rng *r, uint32_t seed)
{
	int i;

	r->mt[0] = seed;
	for (i = 1; i < MT_N; i++)
		r->mt[i] = (uint32_t)(MT_INIT_MULT *
		    (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i);
	r->mti = MT_N;
	r->has_gauss = 0;
	r->gauss = 0.0;
}

/*
 * One step of the recurrence: x[k+n] = x[k+m] ^ ((upper(x[k]) |
 * lower(x[k+1])) A), where multiplying by A is a right shift and, if
 * the low bit was set, an exclusive or with MATRIX_A.
 */
static uint32_t
mt_twist(uint32_t mid, uint32_t cur, uint32_t next)
{
	uint32_t y;

	y = (cur & MT_UPPER) | (next & MT_LOWER);
	return mid ^ (y >> 1) ^ ((y & 1U) ? (uint32_t)MT_MATRIX_A : 0U);
}

/* Regenerate all 624 words at once (genrand_int32's refill). */
static void
mt_generate(struct rng *r)
{
	uint32_t *mt = r->mt;
	int i;

	for (i = 0; i < MT_N - MT_M; i++)
		mt[i] = mt_twist(mt[i + MT_M], mt[i], mt[i + 1]);
	for (; i < MT_N - 1; i++)
		mt[i] = mt_twist(mt[i + MT_M - MT_N], mt[i], mt[i + 1]);
	mt[MT_N - 1] = mt_twist(mt[MT_M - 1], mt[MT_N - 1], mt[0]);
	r->mti = 0;
}

/* Next 32-bit output, tempered (genrand_int32). */
static uint32_t
mt_next(struct rng *r)
{
	uint32_t y;

	if (r->mti >= MT_N)
		mt_generate(r);
	y = r->mt[r->mti++];
	y ^= y >> 11;
	y ^= (y << 7) & MT_TEMPER_B;
	y ^= (y << 15) & MT_TEMPER_C;
	y ^= y >> 18;
	return y;
}

/*
 * genrand_res53: a = first word >> 5 (27 bits), b = second word >> 6
 * (26 bits); (a * 2^26 + b) / 2^53, with 2^26 = 67108864 and
 * 2^53 = 9007199254740992.  Both steps are exact.
 */
double
rng_double(struct rng *r)
{
	uint32_t a, b;

	a = mt_next(r) >> 5;
	b = mt_next(r) >> 6;
	return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

/*
 * legacy_gauss: if a value is cached, return it and clear the cache.
 * Otherwise draw x1 = 2u - 1, x2 = 2u - 1 until 0 < r2 = x1^2 + x2^2
 * < 1, let f = sqrt(-2 log(r2) / r2), cache f*x1 and return f*x2.
 * Each expression is written as NumPy writes it, for the same rounding.
 */
double
rng_gauss(struct rng *r)
{
	double f, x1, x2, s1, s2, r2;

	if (r->has_gauss) {
		r->has_gauss = 0;
		f = r->gauss;
		r->gauss = 0.0;
		return f;
	}
	do {
		x1 = 2.0 * rng_double(r) - 1.0;
		x2 = 2.0 * rng_double(r) - 1.0;
		s1 = x1 * x1;	/* rounded on its own: no fma */
		s2 = x2 * x2;
		r2 = s1 + s2;
	} while (r2 >= 1.0 || r2 == 0.0);
	f = sqrt(-2.0 * log(r2) / r2);
	r->gauss = f * x1;
	r->has_gauss = 1;
	return f * x2;
}
