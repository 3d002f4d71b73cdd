/*
 * merge.c - combine key shards (see merge.h).
 *
 * The accumulated pair (O, LSE) and the next shard's (O2, LSE2) are
 * folded row by row, in double:
 *	L = max(LSE, LSE2) + log(exp(LSE - max) + exp(LSE2 - max))
 *	O = exp(LSE - L)·O + exp(LSE2 - L)·O2
 * Subtracting the maximum keeps every exp <= 1; a side at -inf (no key
 * seen) leaves the other exactly as it is.  Two shards are held at a
 * time, never all of them.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "merge.h"

#define SHAPESZ 96

struct shard {
	const char *yname, *lname;
	struct mat y, l;
	struct mat_shape ysh, lsh;
};

static const char *
name_of(const char *spec)
{
	return strcmp(spec, "-") == 0 ? "<stdin>" : spec;
}

static void
shard_free(struct shard *s)
{
	mat_free(&s->y);
	mat_free(&s->l);
}

static int
same_shape(const struct mat_shape *a, const struct mat_shape *b)
{
	int i;

	if (a->ndim != b->ndim)
		return 0;
	for (i = 0; i < a->ndim; i++)
		if (a->dim[i] != b->dim[i])
			return 0;
	return 1;
}

/* The shape sh reads back as from text: a 4-D array's first two axes
 * as one (B·H), leading axes of 1 gone ((1, n) as (n)). */
static struct mat_shape
as_text_shape(const struct mat_shape *sh)
{
	struct mat_shape t = *sh;
	int i;

	if (t.ndim == 4) {
		t.dim[0] *= t.dim[1];
		for (i = 1; i < 3; i++)
			t.dim[i] = t.dim[i + 1];
		t.ndim = 3;
	}
	while (t.ndim > 1 && t.dim[0] == 1) {
		for (i = 0; i + 1 < t.ndim; i++)
			t.dim[i] = t.dim[i + 1];
		t.ndim--;
	}
	return t;
}

/* An error if shard s's output (lse 0) or log-sum-exp (lse 1) has not
 * the first shard's shape, nor the same text form (as_text_shape(): .npy
 * and text shards of one run may be mixed; two 4-D shapes must be the
 * same, their rows would not pair). */
static int
differ(const struct shard *s, const struct shard *first, int lse,
    struct err *e)
{
	char a[SHAPESZ], b[SHAPESZ];
	const struct mat_shape *sa = lse ? &s->lsh : &s->ysh;
	const struct mat_shape *sb = lse ? &first->lsh : &first->ysh;
	struct mat_shape ca = as_text_shape(sa), cb = as_text_shape(sb);

	if (same_shape(sa, sb) || ((sa->ndim != 4 || sb->ndim != 4) &&
	    same_shape(&ca, &cb)))
		return 0;
	return err_set(e, NULL, 0, 0, "%s is %s but %s is %s: every shard's "
	    "%s needs the same shape", lse ? s->lname : s->yname,
	    mat_shape_str(a, sizeof a, sa), lse ? first->lname : first->yname,
	    mat_shape_str(b, sizeof b, sb), lse ? "log-sum-exp" : "output");
}

/* -1 with e set if shape sh of operand name has an empty axis, as the
 * attention's inputs may not (an output of no columns would be rows of
 * nothing, which no reader takes back). */
static int
empty(const char *name, const struct mat_shape *sh, struct err *e)
{
	char b[SHAPESZ];
	int k;

	for (k = 0; k < sh->ndim; k++)
		if (sh->dim[k] == 0)
			return err_set(e, NULL, 0, 0, "%s is %s: expected no "
			    "empty dimension", name, mat_shape_str(b, sizeof b,
			    sh));
	return 0;
}

/* Was a file of shard s, read in place, cut or written while it was
 * read (input_changed())?  1, with e set. */
static int
changed(const struct shard *s, struct err *e)
{
	return input_changed(&s->y, s->yname, e) != 0 ||
	    input_changed(&s->l, s->lname, e) != 0;
}

/* Load pair i; a 1-D Y is one row. */
static int
load(const char *const spec[], size_t i, struct rng *rng, struct par *pool,
    struct shard *s, struct err *e)
{
	memset(s, 0, sizeof *s);
	s->yname = name_of(spec[2 * i]);
	s->lname = name_of(spec[2 * i + 1]);
	if (input_load(spec[2 * i], rng, pool, &s->y, &s->ysh, e) != 0 ||
	    input_load(spec[2 * i + 1], rng, pool, &s->l, &s->lsh, e) != 0)
		return -1;
	return empty(s->yname, &s->ysh, e) || empty(s->lname, &s->lsh, e) ?
	    -1 : 0;
}

/*
 * Do Y of shape y (rows x cols as a matrix) and LSE of shape l pair:
 * *heads = 1 when each row of Y has one LSE value (Y's shape less its
 * last axis is LSE's), else the number of heads side by side in Y's
 * columns, with rows of Y per head row of LSE.  Returns 1 if they do.
 */
static int
pairs(const struct mat_shape *y, const struct mat_shape *l, size_t rows,
    size_t cols, size_t *heads)
{
	size_t H, n, B;
	int i, ok;

	/* (..., n, dv) with LSE (..., n), or a 1-D Y with LSE (1) */
	ok = y->ndim == l->ndim + 1 || (y->ndim == 1 && l->ndim == 1 &&
	    l->dim[0] == 1);
	for (i = 0; ok && i < l->ndim && y->ndim > 1; i++)
		ok = y->dim[i] == l->dim[i];
	/* or the same rows with leading axes flattened: text holds a 4-D
	 * Y (B, H, n, dv) as (B·H, n, dv), its LSE (B, H, n) as it is */
	if (!ok && y->ndim >= 2 && l->ndim >= 1 && y->dim[y->ndim - 2] ==
	    l->dim[l->ndim - 1]) {
		size_t py = 1, pl = 1;

		for (i = 0; i < y->ndim - 1; i++)
			py *= y->dim[i];
		for (i = 0; i < l->ndim; i++)
			pl *= l->dim[i];
		ok = py == pl;
	}
	if (ok) {
		*heads = 1;
		return 1;
	}
	/* (B,) n, H·dv with LSE (B,) H, n; 1-D Y: n = 1 */
	if (l->ndim >= 2 && l->ndim <= 3 && y->ndim == l->ndim - (l->ndim ==
	    2 && y->ndim == 1 ? 1 : 0)) {
		B = l->ndim == 3 ? l->dim[0] : 1;
		H = l->dim[l->ndim - 2];
		n = l->dim[l->ndim - 1];
		if (rows == B * n && cols % H == 0 && (l->ndim == 2 ||
		    y->dim[0] == B)) {
			*heads = H;
			return 1;
		}
	}
	return 0;
}

/*
 * How the rows of shard s's Y pair with its LSE (pairs()): as they are,
 * or in their text forms (as_text_shape()), so that a batch of one written
 * as .npy (1, n, H·dv) pairs with its LSE written as text (H, n), and
 * the other way round.  Returns 0, or -1 with e set.
 */
static int
pairing(const struct shard *s, size_t *heads, struct err *e)
{
	char a[SHAPESZ], b[SHAPESZ], c[SHAPESZ], alt[SHAPESZ + 64] = "";
	const struct mat_shape *y = &s->ysh, *l = &s->lsh;
	struct mat_shape want, ty = as_text_shape(y), tl = as_text_shape(l);

	if (pairs(y, l, s->y.rows, s->y.cols, heads) || pairs(&ty, &tl,
	    s->y.rows, s->y.cols, heads))
		return 0;
	/* the log-sum-exp that output would take: its shape less its
	 * last axis (a 1-D output: 1), or with heads side by side */
	want = *y;
	want.ndim = y->ndim > 1 ? y->ndim - 1 : 1;
	if (y->ndim == 1)
		want.dim[0] = 1;
	mat_shape_str(c, sizeof c, &want);
	if (y->ndim == 2)
		snprintf(alt, sizeof alt, ", or Hx%zu with H heads side by "
		    "side in Y's columns", y->dim[0]);
	else if (y->ndim == 3)
		snprintf(alt, sizeof alt, ", or %zuxHx%zu with H heads side "
		    "by side in Y's columns", y->dim[0], y->dim[1]);
	return err_set(e, NULL, 0, 0, "%s is %s and %s, taken as its "
	    "log-sum-exp (operands go in pairs: Y, then its LSE), is %s: "
	    "expected %s (its shape less its last axis)%s", s->yname,
	    mat_shape_str(a, sizeof a, y), s->lname,
	    mat_shape_str(b, sizeof b, l), c, alt);
}

/* Where the LSE of Y's row i, head h (of heads side by side) is. */
static size_t
lse_at(const struct shard *acc, size_t heads, size_t i, size_t h)
{
	size_t n = acc->l.cols;

	return heads == 1 ? i : (i / n * heads + h) * n + i % n;
}

/* Fold shard s into acc, whose l holds the running maximum M of the
 * shards' LSEs and S (sum) the sum of exp(LSE_k - M): so many shards of
 * LSEs near 1e308 weigh alike (an LSE carried from shard to shard,
 * M + log S rounded, made the third of three equal ones weigh 1/2). */
static void
fold(struct shard *acc, double *S, const struct shard *s, size_t heads)
{
	size_t rows = acc->y.rows, cols = acc->y.cols, dv = cols / heads;
	size_t i, h, j;

	for (i = 0; i < rows; i++)
		for (h = 0; h < heads; h++) {
			size_t li = lse_at(acc, heads, i, h);
			double a = acc->l.data[li], b = s->l.data[li], mx;
			double wa, wb, sum;
			double *o = acc->y.data + i * cols + h * dv;
			const double *o2 = s->y.data + i * cols + h * dv;

			if (b == -INFINITY)
				continue;
			if (a == -INFINITY) {
				acc->l.data[li] = b;
				S[li] = 1;
				memcpy(o, o2, dv * sizeof *o);
				continue;
			}
			mx = a > b || b != b ? a : b;
			mx = a != a ? a : mx;
			/* a shard's +inf (a +inf score): the maximum kept
			 * is DBL_MAX, so that its weight is +inf/+inf, NaN,
			 * and the LSE +inf, as the whole run gives */
			mx = mx > DBL_MAX ? DBL_MAX : mx;
			/* the weights from the differences to the larger */
			wa = S[li] * exp(a - mx);
			wb = exp(b - mx);
			sum = wa + wb;
			wa /= sum;
			wb /= sum;
			for (j = 0; j < dv; j++)
				o[j] = wa * o[j] + wb * o2[j];
			acc->l.data[li] = mx;
			S[li] = sum;
		}
}

/* A row of dv numbers that no shard saw a key of, as the first shard
 * has it: 0 unless every number is finite. */
static void
unseen(double *o, size_t dv)
{
	size_t j;

	for (j = 0; j < dv; j++)
		if (!isfinite(o[j])) {
			memset(o, 0, dv * sizeof *o);
			return;
		}
}

int
merge_run(const char *const spec[], size_t npairs, struct par *pool,
    struct out *y, struct out *lse, size_t *dead, struct err *e)
{
	struct shard acc, s;
	struct rng rng;
	size_t i, heads = 1, h, k, nl;
	double *S = NULL;
	int rc = -1;

	*dead = 0;
	rng_seed(&rng, 0);
	memset(&s, 0, sizeof s);
	if (load(spec, 0, &rng, pool, &acc, e) != 0 ||
	    pairing(&acc, &heads, e) != 0)
		goto done;
	nl = acc.l.rows * acc.l.cols;
	if ((S = mat_buf(nl, sizeof *S, acc.lname, e)) == NULL)
		goto done;
	for (k = 0; k < nl; k++)
		S[k] = 1;	/* M = the first shard's LSE */
	for (i = 1; i < npairs; i++) {
		/* each pair first as a pair (operands out of order are
		 * told as such), then against the first */
		if (load(spec, i, &rng, pool, &s, e) != 0 ||
		    pairing(&s, &h, e) != 0)
			goto done;
		if (differ(&s, &acc, 0, e) || differ(&s, &acc, 1, e))
			goto done;
		fold(&acc, S, &s, heads);
		if (changed(&s, e))
			goto done;
		shard_free(&s);
	}
	for (k = 0; k < nl; k++) {
		*dead += acc.l.data[k] == -INFINITY;
		if (acc.l.data[k] != -INFINITY)
			acc.l.data[k] += log(S[k]);	/* LSE = M + log S */
	}
	/* a row (of a head) no shard saw a key of: the first shard's, as
	 * the attention writes it (0 before WO: 0, or bo with -w --bo),
	 * or 0 if it is not finite (PyTorch's NaN) */
	for (k = 0; k < acc.y.rows * heads; k++)
		if (acc.l.data[lse_at(&acc, heads, k / heads, k % heads)] ==
		    -INFINITY)
			unseen(acc.y.data + k * (acc.y.cols / heads),
			    acc.y.cols / heads);
	if (changed(&acc, e) || out_begin(y, &acc.ysh, e) != 0 ||
	    out_rows(y, acc.y.data, acc.y.rows, e) != 0)
		goto done;
	if (lse != NULL && (out_begin(lse, &acc.lsh, e) != 0 ||
	    out_rows(lse, acc.l.data, acc.l.rows, e) != 0))
		goto done;
	rc = 0;
done:
	free(S);
	shard_free(&s);
	shard_free(&acc);
	return rc;
}
