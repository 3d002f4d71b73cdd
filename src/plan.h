/*
 * plan.h - check that the inputs fit together and run the attention.
 *
 * Self-attention:  Q = X·WQ, K = X·WK, V = X·WV
 * or given directly: Q, K, V
 * then per head h (a contiguous slice of the columns of Q, K and V):
 *	O_h = softmax(Q_h·K_hᵀ·scale)·V_h
 * O = Concat(O_1 .. O_H), and Y = O·WO when WO is given, else Y = O.
 */
#ifndef PLAN_H
#define PLAN_H

#include <stddef.h>

#include "attn.h"
#include "err.h"
#include "mat.h"
#include "out.h"

/* The matrix arguments, in the order generators draw them. */
enum plan_role { IN_X, IN_WQ, IN_WK, IN_WV, IN_WO, IN_Q, IN_K, IN_V,
	IN_NROLES };

struct plan_in {
	const char *name;	/* as diagnostics name it; NULL: not given */
	struct mat m;
	struct shape sh;
};

struct plan {
	size_t n, m;		/* queries, keys */
	size_t heads;
	size_t dk, dv;		/* per-head widths of keys and values */
	size_t dout;		/* columns of Y */
	double scale;		/* multiplies every score */
	int vec;		/* the query side was 1-D: so are the outputs */
};

/*
 * Check the shapes of in[] (X, WQ, WK, WV given, or Q, K, V given; WO
 * optional) against each other and the number of heads, and fill p.
 * scale NULL means 1/sqrt(dk).  Returns 0, or -1 with e naming the
 * files and shapes that disagree (exit status 1: the data is wrong).
 */
int plan_make(struct plan *p, const struct plan_in in[IN_NROLES],
    size_t heads, const double *scale, struct err *e);

/* The shapes of the output Y, (n, dout) or (dout) for a 1-D query, and
 * of the weights: (H, n, m), without H when it is 1 and without n for a
 * 1-D query. */
void plan_shapes(const struct plan *p, struct shape *ysh, struct shape *wsh);

/*
 * Compute Y and write it to y; if w is not NULL, also the weights, to
 * w.  Both outputs must be open (out_open); plan_run begins them with
 * plan_shapes() and streams their rows out in order, so neither Y nor
 * the weights are ever held whole: memory is O((n + m)·d) plus a few
 * blocks per thread.  Work is split over `threads` threads by blocks of
 * query rows; the results do not depend on the number of threads.
 * dtype ATTN_F32 computes in single precision.  *dead is set to the
 * number of query rows (over all heads) whose keys were all hidden.
 * Returns 0, or -1 with e set (out of memory, a write error).
 */
int plan_run(const struct plan *p, const struct plan_in in[IN_NROLES],
    int threads, enum attn_dtype dtype, struct out *y, struct out *w,
    size_t *dead, struct err *e);

#endif
