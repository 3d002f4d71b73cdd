/*
 * plan.c - shape checks and the order of the computation (see plan.h).
 */
#include <math.h>
#include <stdlib.h>

#include "attn.h"
#include "plan.h"

#define SHAPESZ 96

/* Every matrix argument: at most 2-D, no empty dimension. */
static int
check_matrix(const struct plan_in *in, struct err *e)
{
	char b[SHAPESZ];

	if (in->sh.ndim > 2)
		return err_set(e, in->name, 0, 0, "expected a matrix (1-D or "
		    "2-D), found an array of shape %s",
		    shape_str(b, sizeof b, &in->sh));
	if (in->m.rows == 0 || in->m.cols == 0)
		return err_set(e, in->name, 0, 0, "expected a matrix with at "
		    "least one row and one column, found shape %s",
		    shape_str(b, sizeof b, &in->sh));
	return 0;
}

/* in is a weight matrix that must have `need` rows, the columns of
 * the input named `of`. */
static int
check_rows(const struct plan_in *in, size_t need, const char *of,
    struct err *e)
{
	char b[SHAPESZ];

	if (in->m.rows == need)
		return 0;
	return err_set(e, NULL, 0, 0, "%s is %s but %s has %zu columns",
	    in->name, shape_str(b, sizeof b, &in->sh), of, need);
}

/* `what` columns of `name` must split into `heads` equal parts. */
static int
check_heads(size_t cols, size_t heads, const char *name, struct err *e)
{
	if (cols % heads == 0)
		return 0;
	return err_set(e, NULL, 0, 0, "%s has %zu columns, which do not split "
	    "into %zu heads of equal width", name, cols, heads);
}

int
plan_make(struct plan *p, const struct plan_in in[IN_NROLES],
    size_t heads, const double *scale, struct err *e)
{
	const struct plan_in *q, *k, *v;
	char b1[SHAPESZ], b2[SHAPESZ];
	size_t i, qcols, kcols, vcols;

	for (i = 0; i < IN_NROLES; i++)
		if (in[i].name != NULL && check_matrix(&in[i], e) != 0)
			return -1;
	if (in[IN_X].name != NULL) {
		const struct plan_in *x = &in[IN_X];

		for (i = IN_WQ; i <= IN_WV; i++)
			if (check_rows(&in[i], x->m.cols, x->name, e) != 0)
				return -1;
		q = &in[IN_WQ];
		k = &in[IN_WK];
		v = &in[IN_WV];
		p->n = p->m = x->m.rows;
		p->vec = x->sh.ndim == 1;
	} else {
		q = &in[IN_Q];
		k = &in[IN_K];
		v = &in[IN_V];
		if (v->m.rows != k->m.rows)
			return err_set(e, NULL, 0, 0, "%s is %s but %s has %zu "
			    "rows: every key needs a value", v->name,
			    shape_str(b1, sizeof b1, &v->sh), k->name,
			    k->m.rows);
		p->n = q->m.rows;
		p->m = k->m.rows;
		p->vec = q->sh.ndim == 1;
	}
	qcols = q->m.cols;
	kcols = k->m.cols;
	vcols = v->m.cols;
	if (kcols != qcols)
		return err_set(e, NULL, 0, 0, "%s is %s but %s is %s: queries "
		    "and keys need the same number of columns", k->name,
		    shape_str(b1, sizeof b1, &k->sh), q->name,
		    shape_str(b2, sizeof b2, &q->sh));
	if (check_heads(qcols, heads, q->name, e) != 0 ||
	    check_heads(vcols, heads, v->name, e) != 0)
		return -1;
	p->heads = heads;
	p->dk = qcols / heads;
	p->dv = vcols / heads;
	p->dout = vcols;
	if (in[IN_WO].name != NULL) {
		if (in[IN_WO].m.rows != vcols)
			return err_set(e, NULL, 0, 0, "%s is %s but the "
			    "attention output has %zu columns (%zu heads of "
			    "%zu)", in[IN_WO].name,
			    shape_str(b1, sizeof b1, &in[IN_WO].sh), vcols,
			    heads, p->dv);
		p->dout = in[IN_WO].m.cols;
	}
	p->scale = scale ? *scale : 1.0 / sqrt((double)p->dk);
	return 0;
}

/* Project X by W into *r (X.rows x W.cols). */
static int
project(const struct plan_in *x, const struct plan_in *w, struct mat *r,
    struct err *e)
{
	if (mat_alloc(r, x->m.rows, w->m.cols, "projection", e) != 0)
		return -1;
	attn_matmul(x->m.rows, x->m.cols, w->m.cols, x->m.data, x->m.cols,
	    w->m.data, w->m.cols, r->data, r->cols);
	return 0;
}

int
plan_run(const struct plan *p, const struct plan_in in[IN_NROLES],
    struct mat *out, struct mat *w, size_t *dead, struct err *e)
{
	struct mat proj[3] = { { 0, 0, NULL }, { 0, 0, NULL },
	    { 0, 0, NULL } };
	struct mat o = { 0, 0, NULL }, s = { 0, 0, NULL };
	const struct mat *q, *k, *v;
	size_t h, hq = p->heads * p->dk, hv = p->heads * p->dv;
	int rc = -1, i;

	*dead = 0;
	out->data = NULL;
	if (w != NULL)
		w->data = NULL;
	if (in[IN_X].name != NULL) {
		for (i = 0; i < 3; i++)
			if (project(&in[IN_X], &in[IN_WQ + i], &proj[i], e))
				goto done;
		q = &proj[0];
		k = &proj[1];
		v = &proj[2];
	} else {
		q = &in[IN_Q].m;
		k = &in[IN_K].m;
		v = &in[IN_V].m;
	}
	/* O (n, H·dv) is the output itself unless WO follows. */
	if (mat_alloc(&o, p->n, hv, "output", e) != 0)
		goto done;
	/* Scores go straight into the weights when they are wanted:
	 * w is H blocks of (n, m); else one (n, m) block is reused. */
	if (w != NULL) {
		if (mat_alloc(w, p->heads * p->n, p->m, "weights", e) != 0)
			goto done;
	} else if (mat_alloc(&s, p->n, p->m, "scores", e) != 0)
		goto done;
	for (h = 0; h < p->heads; h++) {
		double *sh = w != NULL ? w->data + h * p->n * p->m : s.data;

		attn_scores(p->n, p->m, p->dk, q->data + h * p->dk, hq,
		    k->data + h * p->dk, hq, p->scale, sh, p->m);
		*dead += attn_softmax(p->n, p->m, sh, p->m);
		attn_matmul(p->n, p->m, p->dv, sh, p->m, v->data + h * p->dv,
		    hv, o.data + h * p->dv, hv);
	}
	if (in[IN_WO].name != NULL) {
		const struct mat *wo = &in[IN_WO].m;

		if (mat_alloc(out, p->n, p->dout, "output", e) != 0)
			goto done;
		attn_matmul(p->n, hv, p->dout, o.data, hv, wo->data, wo->cols,
		    out->data, out->cols);
	} else {
		*out = o;
		o.data = NULL;
	}
	rc = 0;
done:
	for (i = 0; i < 3; i++)
		mat_free(&proj[i]);
	mat_free(&o);
	mat_free(&s);
	if (rc != 0 && w != NULL)
		mat_free(w);
	return rc;
}
