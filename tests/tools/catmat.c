/*
 * catmat - test tool: load FILE as selfattn loads its inputs and print
 * it as CSV (shortest round-trip numbers, blank line between 2-D
 * blocks), or with -s only its shape.  Errors as selfattn prints them.
 *
 * usage: catmat [-s] [-p N] FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "out.h"

int
main(int argc, char *argv[])
{
	struct err e;
	struct rng r;
	struct mat m = { .data = NULL };
	struct mat_shape sh;
	struct out o = { .fd = -1 };
	char buf[128], msg[ERR_LINE];
	int i = 1, shape = 0, prec = 0;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "-s") == 0)
			shape = 1;
		else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
			prec = atoi(argv[++i]);
		else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: catmat [-s] [-p N] FILE\n");
		return 2;
	}
	rng_seed(&r, 0);
	if (input_load(argv[i], &r, NULL, &m, &sh, &e) != 0)
		goto fail;
	if (shape) {
		printf("%s\n", mat_shape_str(buf, sizeof buf, &sh));
		mat_free(&m);
		return 0;
	}
	if (out_open(&o, NULL, OUT_CSV, OUT_F64, prec, &e) ||
	    out_begin(&o, &sh, &e) || out_rows(&o, m.data, m.rows, &e) ||
	    out_finish(&o, &e))
		goto fail;
	mat_free(&m);
	return 0;
fail:
	fprintf(stderr, "selfattn: %s\n", err_format(&e, msg, sizeof msg));
	out_abort(&o);
	mat_free(&m);
	return 1;
}
