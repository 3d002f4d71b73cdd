/*
 * rng.h - NumPy's legacy random stream (np.random.seed / rand / randn).
 */
#ifndef RNG_H
#define RNG_H

#include <stdint.h>

struct rng {
	uint32_t mt[624];
	int mti;
	int has_gauss;		/* legacy polar method keeps a second value */
	double gauss;
};

/* Seed as np.random.seed(seed): MT19937 init_genrand; clears the
 * cached Gaussian. */
void rng_seed(struct rng *r, uint32_t seed);

/* Next double in [0, 1), as np.random.rand: 53 bits from two words,
 * ((a >> 5) * 2^26 + (b >> 6)) / 2^53. */
double rng_double(struct rng *r);

/* Next standard normal, as np.random.randn (legacy polar method, which
 * returns the cached second value of each pair on every other call). */
double rng_gauss(struct rng *r);

#endif
