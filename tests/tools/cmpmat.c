/*
 * cmpmat - test tool: compare two matrix files (text or .npy, loaded as
 * selfattn loads inputs).  Exit 0 when the shapes are equal and every
 * element satisfies |got - want| <= abs + rel * |want| (NaN equals NaN,
 * an infinity equals only itself); else print the first difference and
 * the largest relative error to stderr and exit 1.  Exit 2 on misuse.
 *
 * usage: cmpmat [-r REL] [-a ABS] GOT WANT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

static int
load(const char *path, struct mat *m, struct mat_shape *sh)
{
	struct err e;
	struct rng r;
	char msg[ERR_LINE];

	rng_seed(&r, 0);
	if (input_load(path, &r, NULL, m, sh, &e) == 0)
		return 0;
	fprintf(stderr, "cmpmat: %s\n", err_format(&e, msg, sizeof msg));
	return -1;
}

int
main(int argc, char *argv[])
{
	struct mat g = { .data = NULL }, w = { .data = NULL };
	struct mat_shape gs, ws;
	double rel = 0, abs_ = 0, worst = 0;
	size_t i, n, bad = 0, first = 0;
	char b1[128], b2[128];
	int c;

	while ((c = getopt(argc, argv, "r:a:")) != -1) {
		if (c == 'r')
			rel = strtod(optarg, NULL);
		else if (c == 'a')
			abs_ = strtod(optarg, NULL);
		else
			return 2;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: cmpmat [-r REL] [-a ABS] GOT WANT\n");
		return 2;
	}
	if (load(argv[optind], &g, &gs) || load(argv[optind + 1], &w, &ws))
		goto out;
	if (strcmp(mat_shape_str(b1, sizeof b1, &gs),
	    mat_shape_str(b2, sizeof b2, &ws)) != 0) {
		fprintf(stderr, "cmpmat: shape %s, want %s\n", b1, b2);
		bad = 1;
		goto out;
	}
	n = g.rows * g.cols;
	for (i = 0; i < n; i++) {
		double x = g.data[i], y = w.data[i], d;

		if (isnan(x) && isnan(y))
			continue;
		if (isinf(y) || isinf(x)) {
			if (x == y)
				continue;
			d = INFINITY;
		} else {
			d = fabs(x - y);
			if (y != 0 && d / fabs(y) > worst)
				worst = d / fabs(y);
			if (d <= abs_ + rel * fabs(y))
				continue;
		}
		if (bad++ == 0)
			first = i;
	}
	if (bad != 0)
		fprintf(stderr, "cmpmat: %zu of %zu differ; first at row %zu "
		    "col %zu: got %.17g, want %.17g; largest relative error "
		    "%.3g\n", bad, n, first / g.cols + 1, first % g.cols + 1,
		    g.data[first], w.data[first], worst);
	mat_free(&g);
	mat_free(&w);
	return bad != 0;
out:
	mat_free(&g);
	mat_free(&w);
	return 1;
}
