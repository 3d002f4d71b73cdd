/*
 * plan.c - shape checks and the order of the computation (see plan.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attn.h"
#include "par.h"
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

void
plan_shapes(const struct plan *p, struct shape *ysh, struct shape *wsh)
{
	if (p->vec) {
		ysh->ndim = 1;
		ysh->dim[0] = p->dout;
	} else
		shape_2d(ysh, p->n, p->dout);
	wsh->ndim = 0;
	if (p->heads > 1)
		wsh->dim[wsh->ndim++] = p->heads;
	if (!p->vec)
		wsh->dim[wsh->ndim++] = p->n;
	wsh->dim[wsh->ndim++] = p->m;
}

/*
 * The run.  Data in the compute type T (double or float; E bytes):
 *	x	X (n, d) for self-attention, or
 *	q, k, v	Q (n, H·dk), K (m, H·dk), V (m, H·dv) given directly
 *	wq ..	the weights, packed once (gemm.h) for every block
 *	kp, vp	the keys and values of every head, packed in key blocks:
 *		head g, block b at (g·nkb + b)·kstride elements
 * Phase 1, tasks over key blocks: project (or take) K and V, pack them.
 * Phase 2, tasks over blocks of ATTN_BR query rows: project Q, attend
 * with every head, concatenate, apply WO, format the rows.  Phase 3
 * (weights wanted), for each head, tasks over blocks of query rows:
 * the weights, formatted.  Tasks run in waves of `nslots`; after each
 * wave the main thread writes the slots' text in task order.
 */
struct worker {
	char *qb, *ob, *yb, *kb, *vb, *rmax, *rsum, *work;
};

struct slot {
	double *d;		/* the rows as doubles (float runs) */
	char *txt;		/* formatted rows */
	size_t len, rows, dead;
};

struct run {
	const struct plan *p;
	const struct attn_ops *ops;
	size_t E, hq, hv, d, nkb;
	const char *x, *q, *k, *v;	/* typed data, addressed in bytes */
	char *wq, *wk, *wv, *wo;	/* packed weights */
	char *kp, *vp;
	size_t kstride, vstride;
	struct attn_head *head;
	char *qall;			/* (n, hq) kept for the weights */
	char *rmax, *rsum;		/* (H, n) */
	struct worker *thr;
	struct slot *slot;
	size_t nslots, wave0, wrows, h;
	struct out *yout, *wout;
};

#define AT(base, elems) ((base) + (size_t)(elems) * r->E)

static void
pack_task(void *arg, size_t b, int id)
{
	struct run *r = arg;
	const struct plan *p = r->p;
	struct worker *w = &r->thr[id];
	size_t j0 = b * ATTN_BC, bc = p->m - j0 < ATTN_BC ? p->m - j0 :
	    ATTN_BC, g;
	const char *kb, *vb;

	if (r->x != NULL) {
		r->ops->linear(bc, r->d, r->hq, AT(r->x, j0 * r->d), r->d,
		    r->wk, NULL, w->kb, r->hq, w->work);
		r->ops->linear(bc, r->d, r->hv, AT(r->x, j0 * r->d), r->d,
		    r->wv, NULL, w->vb, r->hv, w->work);
		kb = w->kb;
		vb = w->vb;
	} else {
		kb = AT(r->k, j0 * r->hq);
		vb = AT(r->v, j0 * r->hv);
	}
	for (g = 0; g < p->heads; g++) {
		r->ops->pack_bt(p->dk, bc, AT(kb, g * p->dk), r->hq,
		    AT(r->kp, (g * r->nkb + b) * r->kstride));
		r->ops->pack_b(bc, p->dv, AT(vb, g * p->dv), r->hv,
		    AT(r->vp, (g * r->nkb + b) * r->vstride));
	}
}

/* Rows as doubles for the writer: a float run converts into the slot. */
static const double *
as_double(struct run *r, struct slot *s, const void *rows, size_t n)
{
	if (r->ops->dtype == ATTN_F64)
		return rows;
	r->ops->to_double(n, rows, s->d);
	return s->d;
}

static void
query_task(void *arg, size_t t, int id)
{
	struct run *r = arg;
	const struct plan *p = r->p;
	struct worker *w = &r->thr[id];
	struct slot *s = &r->slot[t];
	size_t i0 = (r->wave0 + t) * ATTN_BR;
	size_t nq = p->n - i0 < ATTN_BR ? p->n - i0 : ATTN_BR, h;
	const char *qb;
	char *y = w->ob;

	if (r->x != NULL) {
		char *dst = r->qall ? AT(r->qall, i0 * r->hq) : w->qb;

		r->ops->linear(nq, r->d, r->hq, AT(r->x, i0 * r->d), r->d,
		    r->wq, NULL, dst, r->hq, w->work);
		qb = dst;
	} else
		qb = AT(r->q, i0 * r->hq);
	s->dead = 0;
	for (h = 0; h < p->heads; h++) {
		char *mx = r->rmax ? AT(r->rmax, h * p->n + i0) : w->rmax;
		char *sm = r->rsum ? AT(r->rsum, h * p->n + i0) : w->rsum;

		s->dead += r->ops->fwd(&r->head[h], i0, nq, AT(qb, h * p->dk),
		    r->hq, AT(w->ob, h * p->dv), r->hv, mx, sm, w->work);
	}
	if (r->wo != NULL) {
		r->ops->linear(nq, r->hv, p->dout, w->ob, r->hv, r->wo, NULL,
		    w->yb, p->dout, w->work);
		y = w->yb;
	}
	s->rows = nq;
	s->len = out_format(r->yout, as_double(r, s, y, nq * p->dout), nq, i0,
	    s->txt);
}

static void
weights_task(void *arg, size_t t, int id)
{
	struct run *r = arg;
	const struct plan *p = r->p;
	struct worker *w = &r->thr[id];
	struct slot *s = &r->slot[t];
	size_t i0 = (r->wave0 + t) * r->wrows;
	size_t nq = p->n - i0 < r->wrows ? p->n - i0 : r->wrows;
	const char *qb = r->x != NULL ? AT(r->qall, i0 * r->hq) :
	    AT(r->q, i0 * r->hq);

	r->ops->weights(&r->head[r->h], i0, nq, AT(qb, r->h * p->dk), r->hq,
	    AT(r->rmax, r->h * p->n + i0), AT(r->rsum, r->h * p->n + i0),
	    s->d, p->m, w->work);
	s->rows = nq;
	s->dead = 0;
	s->len = out_format(r->wout, s->d, nq, r->h * p->n + i0, s->txt);
}

/* Run ntasks tasks of fn in waves, writing each wave's slots to o in
 * task order (o NULL: nothing to write). */
static int
waves(struct run *r, struct par *pool, size_t ntasks, par_fn *fn,
    struct out *o, size_t *dead, struct err *e)
{
	size_t t0, cnt, i;

	for (t0 = 0; t0 < ntasks; t0 += cnt) {
		cnt = ntasks - t0 < r->nslots ? ntasks - t0 : r->nslots;
		r->wave0 = t0;
		par_run(pool, cnt, fn, r);
		for (i = 0; i < cnt; i++) {
			*dead += r->slot[i].dead;
			if (o != NULL && out_put(o, r->slot[i].txt,
			    r->slot[i].len, r->slot[i].rows, e) != 0)
				return -1;
		}
	}
	return 0;
}

/* *dst = src in the compute type: the data itself for double, else a
 * converted copy (*own, freed by the caller). */
static int
typed(struct run *r, const struct mat *src, const char **dst, char **own,
    struct err *e)
{
	*own = NULL;
	if (r->ops->dtype == ATTN_F64) {
		*dst = (const char *)src->data;
		return 0;
	}
	if ((*own = mat_buf(src->rows * src->cols, r->E, "input", e)) ==
	    NULL)
		return -1;
	r->ops->from_double(src->rows * src->cols, src->data, *own);
	*dst = *own;
	return 0;
}

/* *dst = W packed for this run's type. */
static int
packed(struct run *r, const struct mat *wm, char **dst, struct err *e)
{
	const char *t;
	char *own;

	*dst = NULL;
	if (typed(r, wm, &t, &own, e) != 0)
		return -1;
	if ((*dst = mat_buf(r->ops->packed_size(wm->rows, wm->cols), r->E,
	    "weights", e)) != NULL)
		r->ops->pack_b(wm->rows, wm->cols, t, wm->cols, *dst);
	free(own);
	return *dst != NULL ? 0 : -1;
}

static size_t
max2(size_t a, size_t b)
{
	return a > b ? a : b;
}

int
plan_run(const struct plan *p, const struct plan_in in[IN_NROLES],
    int threads, enum attn_dtype dtype, struct out *y, struct out *w,
    size_t *dead, struct err *e)
{
	struct run run, *r = &run;
	struct par *pool = NULL;
	struct shape ysh, wsh;
	char *own[4] = { NULL, NULL, NULL, NULL };
	size_t i, h, nw, ws, nd, nt;
	int rc = -1;

	memset(r, 0, sizeof *r);
	*dead = 0;
	r->p = p;
	r->ops = attn_ops(dtype);
	r->E = r->ops->size;
	r->hq = p->heads * p->dk;
	r->hv = p->heads * p->dv;
	r->nkb = (p->m + ATTN_BC - 1) / ATTN_BC;
	r->yout = y;
	r->wout = w;
	plan_shapes(p, &ysh, &wsh);
	if (out_begin(y, &ysh, e) != 0 || (w && out_begin(w, &wsh, e) != 0))
		return -1;
	if ((pool = par_start(threads, e)) == NULL)
		return -1;
	nw = (size_t)par_workers(pool);

	/* inputs in the compute type, weights packed */
	if (in[IN_X].name != NULL) {
		r->d = in[IN_X].m.cols;
		if (typed(r, &in[IN_X].m, &r->x, &own[0], e) ||
		    packed(r, &in[IN_WQ].m, &r->wq, e) ||
		    packed(r, &in[IN_WK].m, &r->wk, e) ||
		    packed(r, &in[IN_WV].m, &r->wv, e))
			goto done;
	} else if (typed(r, &in[IN_Q].m, &r->q, &own[1], e) ||
	    typed(r, &in[IN_K].m, &r->k, &own[2], e) ||
	    typed(r, &in[IN_V].m, &r->v, &own[3], e))
		goto done;
	if (in[IN_WO].name != NULL && packed(r, &in[IN_WO].m, &r->wo, e))
		goto done;

	/* packed keys and values, and the heads that read them */
	r->kstride = r->ops->packed_size(p->dk, ATTN_BC);
	r->vstride = r->ops->packed_size(ATTN_BC, p->dv);
	if ((r->kp = mat_buf(p->heads * r->nkb * r->kstride, r->E, "keys",
	    e)) == NULL || (r->vp = mat_buf(p->heads * r->nkb * r->vstride,
	    r->E, "values", e)) == NULL || (r->head = mat_buf(p->heads,
	    sizeof *r->head, "heads", e)) == NULL)
		goto done;
	for (h = 0; h < p->heads; h++) {
		struct attn_head *hd = &r->head[h];

		memset(hd, 0, sizeof *hd);
		hd->m = p->m;
		hd->dk = p->dk;
		hd->dv = p->dv;
		hd->scale = p->scale;
		hd->kp = AT(r->kp, h * r->nkb * r->kstride);
		hd->vp = AT(r->vp, h * r->nkb * r->vstride);
		hd->kstride = r->kstride;
		hd->vstride = r->vstride;
		hd->mask.window = -1;
	}

	/* what the weights pass needs from the first pass */
	if (w != NULL) {
		r->wrows = max2(1, (1 << 18) / p->m);
		if (r->wrows > ATTN_BR)
			r->wrows = ATTN_BR;
		if ((r->x != NULL && (r->qall = mat_buf(p->n * r->hq, r->E,
		    "queries", e)) == NULL) || (r->rmax = mat_buf(p->heads *
		    p->n, r->E, "weights", e)) == NULL || (r->rsum = mat_buf(
		    p->heads * p->n, r->E, "weights", e)) == NULL)
			goto done;
	}

	/* per-worker scratch */
	if ((r->thr = mat_buf(nw, sizeof *r->thr, "threads", e)) == NULL)
		goto done;
	memset(r->thr, 0, nw * sizeof *r->thr);
	ws = max2(r->ops->work_size(&r->head[0]), max2(r->ops->gemm_work(
	    max2(ATTN_BR, ATTN_BC), max2(r->d, r->hv), max2(max2(r->hq, r->hv),
	    p->dout)), 1));
	for (i = 0; i < nw; i++) {
		struct worker *k = &r->thr[i];

		if ((k->qb = mat_buf(ATTN_BR * r->hq, r->E, "scratch", e)) ==
		    NULL || (k->ob = mat_buf(ATTN_BR * r->hv, r->E, "scratch",
		    e)) == NULL || (k->yb = mat_buf(ATTN_BR * p->dout, r->E,
		    "scratch", e)) == NULL || (k->kb = mat_buf(ATTN_BC * r->hq,
		    r->E, "scratch", e)) == NULL || (k->vb = mat_buf(ATTN_BC *
		    r->hv, r->E, "scratch", e)) == NULL || (k->rmax = mat_buf(
		    ATTN_BR, r->E, "scratch", e)) == NULL || (k->rsum = mat_buf(
		    ATTN_BR, r->E, "scratch", e)) == NULL || (k->work = mat_buf(
		    ws, r->E, "scratch", e)) == NULL)
			goto done;
	}

	/* per-slot results: two waves' worth of tasks per worker */
	r->nslots = 2 * nw;
	nd = max2(ATTN_BR * p->dout, r->wrows * p->m);
	nt = max2(out_format_max(y, ATTN_BR), w ? out_format_max(w, r->wrows)
	    : 0);
	if ((r->slot = mat_buf(r->nslots, sizeof *r->slot, "slots", e)) ==
	    NULL)
		goto done;
	memset(r->slot, 0, r->nslots * sizeof *r->slot);
	for (i = 0; i < r->nslots; i++)
		if ((r->slot[i].d = mat_buf(nd, sizeof(double), "output", e))
		    == NULL || (r->slot[i].txt = mat_buf(nt, 1, "output", e))
		    == NULL)
			goto done;

	par_run(pool, r->nkb, pack_task, r);
	if (waves(r, pool, (p->n + ATTN_BR - 1) / ATTN_BR, query_task, y,
	    dead, e) != 0)
		goto done;
	for (r->h = 0; w != NULL && r->h < p->heads; r->h++)
		if (waves(r, pool, (p->n + r->wrows - 1) / r->wrows,
		    weights_task, w, dead, e) != 0)
			goto done;
	rc = 0;
done:
	par_stop(pool);
	for (i = 0; i < 4; i++)
		free(own[i]);
	free(r->wq);
	free(r->wk);
	free(r->wv);
	free(r->wo);
	free(r->kp);
	free(r->vp);
	free(r->head);
	free(r->qall);
	free(r->rmax);
	free(r->rsum);
	for (i = 0; r->thr != NULL && i < nw; i++) {
		struct worker *k = &r->thr[i];

		free(k->qb);
		free(k->ob);
		free(k->yb);
		free(k->kb);
		free(k->vb);
		free(k->rmax);
		free(k->rsum);
		free(k->work);
	}
	free(r->thr);
	for (i = 0; r->slot != NULL && i < r->nslots; i++) {
		free(r->slot[i].d);
		free(r->slot[i].txt);
	}
	free(r->slot);
	return rc;
}
