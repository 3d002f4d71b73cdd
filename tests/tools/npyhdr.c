/*
 * npyhdr - unit driver for src/npy.c, used by tests/npy.bats.
 *
 *	npyhdr [-t DESCR] D0 [D1 ...]
 *				write npy_header() of that shape and dtype
 *				(default '<f8') to stdout (no dimensions:
 *				a 0-D shape)
 *	npyhdr -r FILE		npy_read() FILE and print its shape, as
 *				"2x3"; on failure print the diagnostic as
 *				selfattn would and exit 1
 *
 * -r reaches npy_read even for files that do not start with the magic,
 * which selfattn's input path would hand to the text reader instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

static void
report(const struct err *e)
{
	fprintf(stderr, "selfattn: ");
	if (e->file[0] != '\0') {
		fprintf(stderr, "%s:", e->file);
		if (e->line != 0) {
			fprintf(stderr, "%lu:", e->line);
			if (e->col != 0)
				fprintf(stderr, "%lu:", e->col);
		}
		fprintf(stderr, " ");
	}
	fprintf(stderr, "%s\n", e->msg);
}

static int
readfile(const char *path)
{
	struct err e;
	struct mat m;
	struct mat_shape sh;
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, got;
	char str[128];
	FILE *f;
	int rc;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "npyhdr: %s: %s\n", path, strerror(errno));
		return 2;
	}
	do {
		if (len == cap) {
			unsigned char *nb;

			cap = cap ? 2 * cap : 4096;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "npyhdr: out of memory\n");
				free(buf);
				fclose(f);
				return 2;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);

	rc = npy_read(buf, len, path, &m, &sh, &e);
	free(buf);
	if (rc != 0) {
		report(&e);
		return 1;
	}
	printf("%s\n", mat_shape_str(str, sizeof str, &sh));
	mat_free(&m);
	return 0;
}

int
main(int argc, char **argv)
{
	struct mat_shape sh;
	const char *descr = "<f8";
	char buf[256];
	size_t n;
	int i;

	if (argc == 3 && strcmp(argv[1], "-r") == 0)
		return readfile(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "-t") == 0) {
		descr = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc - 1 > MAT_MAXDIM) {
		fprintf(stderr, "usage: npyhdr [-t DESCR] [D0 ... D%d] | "
		    "-r FILE\n", MAT_MAXDIM - 1);
		return 2;
	}
	memset(&sh, 0, sizeof sh);
	sh.ndim = argc - 1;
	for (i = 1; i < argc; i++)
		sh.dim[i - 1] = (size_t)strtoull(argv[i], NULL, 10);
	if ((n = npy_header(buf, sizeof buf, descr, &sh)) == 0) {
		fprintf(stderr, "npyhdr: npy_header failed\n");
		return 1;
	}
	fwrite(buf, 1, n, stdout);
	return 0;
}
