/*
 * rngdump - print NumPy-legacy random draws for the rng tests.
 *
 *	rngdump SEED SPEC...
 *
 * Seeds a struct rng with SEED (0 .. 2^32-1, as np.random.seed), then
 * for each SPEC, "rand:N" (N draws of rng_double, as np.random.rand) or
 * "randn:N" (N of rng_gauss, as np.random.randn), in order on the one
 * stream, prints each value as a C99 hex float ("%a"), one a line, so
 * that a comparison with the golden files is bit for bit.  A SPEC
 * "seed:S" seeds the stream again (np.random.seed(S)), printing nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

static int	parse_u(const char *, unsigned long long, unsigned long long *);
static void	usage(void);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: rngdump SEED rand:N|randn:N|seed:S ...\n");
	exit(2);
}

/* Parse a decimal number in [0, max]; return 0, or -1 if it is not one. */
static int
parse_u(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || *v > max)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct rng r;
	unsigned long long seed, n, i;
	const char *arg;
	int i_arg, gauss;

	if (argc < 2)
		usage();
	if (parse_u(argv[1], UINT32_MAX, &seed)) {
		fprintf(stderr, "rngdump: bad seed '%s'\n", argv[1]);
		return 2;
	}
	rng_seed(&r, (uint32_t)seed);
	for (i_arg = 2; i_arg < argc; i_arg++) {
		arg = argv[i_arg];
		if (strncmp(arg, "seed:", 5) == 0) {
			if (parse_u(arg + 5, UINT32_MAX, &seed)) {
				fprintf(stderr, "rngdump: bad seed in '%s'\n",
				    argv[i_arg]);
				return 2;
			}
			rng_seed(&r, (uint32_t)seed);
			continue;
		}
		if (strncmp(arg, "rand:", 5) == 0) {
			gauss = 0;
			arg += 5;
		} else if (strncmp(arg, "randn:", 6) == 0) {
			gauss = 1;
			arg += 6;
		} else {
			fprintf(stderr, "rngdump: bad spec '%s'\n",
			    argv[i_arg]);
			return 2;
		}
		if (parse_u(arg, 100000000ULL, &n)) {
			fprintf(stderr, "rngdump: bad count in '%s'\n",
			    argv[i_arg]);
			return 2;
		}
		for (i = 0; i < n; i++)
			printf("%a\n", gauss ? rng_gauss(&r) : rng_double(&r));
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("rngdump: stdout");
		return 1;
	}
	return 0;
}
