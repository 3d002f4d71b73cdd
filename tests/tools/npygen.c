/*
 * npygen - benchmark tool: write a ROWS x COLS '<f8' .npy of
 * pseudo-random doubles, fast and without NumPy (the large inputs of
 * the bench's decoding case).
 *
 * usage: npygen [-s SEED] [-k SCALE] ROWS COLS FILE
 *
 * The numbers are uniform on [-sqrt(3), sqrt(3)) (mean 0, variance 1,
 * so dot products of 128 of them, scaled by 1/sqrt(128), are O(1)), from
 * splitmix64 seeded with SEED (default 1): the same arguments give the
 * same file on every machine; -k multiplies them by SCALE (default 1).
 * They are not NumPy's random numbers.
 * FILE is written to FILE.tmp and renamed when complete.  Exit 0, 1 on
 * an I/O error, 2 on misuse.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
big_endian(void)
{
	uint16_t one = 1;
	unsigned char c;

	memcpy(&c, &one, 1);
	return c == 0;
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: npygen [-s SEED] [-k SCALE] ROWS COLS FILE\n");
	return 2;
}

static int
parse(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || end == s || *end || s[0] == '-' ? -1 : 0;
}

int
main(int argc, char *argv[])
{
	static double buf[1 << 16];
	double scale = 1;
	uint64_t seed = 1, rows, cols, left, st;
	char hdr[128], tmp[4096];
	const char *path;
	int i = 1, len, pad;
	FILE *f;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-s") == 0) {
			if (parse(argv[i + 1], &seed) != 0)
				return usage();
		} else if (strcmp(argv[i], "-k") == 0) {
			char *end;

			scale = strtod(argv[i + 1], &end);
			if (end == argv[i + 1] || *end)
				return usage();
		} else {
			return usage();
		}
	}
	if (argc - i != 3 || parse(argv[i], &rows) != 0 ||
	    parse(argv[i + 1], &cols) != 0 ||
	    (cols != 0 && rows > UINT64_MAX / 8 / cols))
		return usage();
	path = argv[i + 2];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return usage();

	/* Version 1.0 header, padded with spaces to a multiple of 64 bytes,
	 * ending in '\n'. */
	len = snprintf(hdr, sizeof hdr, "{'descr': '<f8', 'fortran_order': "
	    "False, 'shape': (%" PRIu64 ", %" PRIu64 "), }", rows, cols);
	pad = 64 - (10 + len + 1) % 64;
	if (pad == 64)
		pad = 0;
	if ((f = fopen(tmp, "wb")) == NULL)
		goto fail;
	fwrite("\x93NUMPY\x01\x00", 1, 8, f);
	fputc((len + pad + 1) & 0xff, f);
	fputc((len + pad + 1) >> 8, f);
	fwrite(hdr, 1, (size_t)len, f);
	fprintf(f, "%*s\n", pad, "");

	st = seed;
	for (left = rows * cols; left > 0;) {
		size_t n = left < sizeof buf / sizeof buf[0] ? (size_t)left :
		    sizeof buf / sizeof buf[0];

		for (size_t k = 0; k < n; k++) {
			/* 53 random bits -> [0, 1) -> [-sqrt 3, sqrt 3). */
			double u = (double)(splitmix64(&st) >> 11) *
			    (1.0 / 9007199254740992.0);

			buf[k] = (2 * u - 1) * 1.7320508075688772 * scale;
		}
		/* '<f8' is little-endian: swap on a big-endian machine. */
		if (big_endian())
			for (size_t k = 0; k < n; k++) {
				uint64_t b;

				memcpy(&b, &buf[k], 8);
				b = __builtin_bswap64(b);
				memcpy(&buf[k], &b, 8);
			}
		if (fwrite(buf, sizeof buf[0], n, f) != n)
			break;
		left -= n;
	}
	if (ferror(f) | (fclose(f) != 0))
		goto fail;
	if (rename(tmp, path) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "npygen: %s: %s\n", path, strerror(errno));
	remove(tmp);
	return 1;
}
