/*
 * plan.c - shape checks, derived weights, and the order of the
 * computation (see plan.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "plan.h"

#define SHAPESZ 96
#define WHOSZ (ERR_FILE + 32)	/* who(): an option, its matrix, a path */

/* ---- shape checks ---- */

static const char *
shp(char *b, const struct plan_in *in)
{
	return mat_shape_str(b, SHAPESZ, &in->sh);
}

/* "" or "s": "1 head", "2 heads". */
#define PL(n) ((n) == 1 ? "" : "s")

/*
 * How every shape message names an input: the option, the matrix it
 * gives, the file.  "-k (WK) W.csv" for the one-letter options, whose
 * letter does not say which matrix it is; "--mask m.csv" for the long
 * ones, which do.  A message about two inputs names both:
 *	-k (WK) W.csv is 3x3 but -x (X) X.csv has 4 columns
 */
static const char *const sym[][2] = {
	{ "-x", "X" }, { "-q", "WQ" }, { "-k", "WK" }, { "-v", "WV" },
	{ "-w", "WO" }, { "-Q", "Q" }, { "-K", "K" }, { "-V", "V" },
};

/* The matrix of one of those options (sym), or NULL. */
static const char *
sym_of(const struct plan_in *in)
{
	size_t i;

	for (i = 0; in->opt != NULL && i < sizeof sym / sizeof sym[0]; i++)
		if (strcmp(in->opt, sym[i][0]) == 0)
			return sym[i][1];
	return NULL;
}

static const char *
who(char *b, const struct plan_in *in)
{
	const char *m = sym_of(in);

	if (in->opt == NULL)
		snprintf(b, WHOSZ, "%s", in->name);
	else if (m != NULL)
		snprintf(b, WHOSZ, "%s (%s) %s", in->opt, m, in->name);
	else
		snprintf(b, WHOSZ, "%s%s%s", in->opt, plan_gap(in->opt),
		    plan_given(in));
	return b;
}

const char *
plan_given(const struct plan_in *in)
{
	return in->opt != NULL && *plan_gap(in->opt) == '\0' &&
	    strcmp(in->name, "<stdin>") == 0 ? "-" : in->name;
}

const char *
plan_gap(const char *opt)
{
	size_t n = strlen(opt);

	return n > 0 && opt[n - 1] == '@' ? "" : " ";
}

/* "; its transpose would fit" if in is 2-D (or a 3-D batch of
 * matrices) and its (each matrix's) transpose has rows rows and cols
 * columns (0: any), the file's own terms; else "". */
static const char *
tfit(const struct plan_in *in, size_t rows, size_t cols)
{
	const size_t *d = in->sh.dim + in->sh.ndim - 2;

	if (in->name == NULL || in->sh.ndim < 2 || in->sh.ndim > 3 ||
	    d[0] == d[1] || (rows && d[1] != rows) || (cols && d[0] != cols))
		return "";
	return "; its transpose would fit";
}

/* The same for a weight matrix whose rows (in x out) must be want, with
 * what to do about it: PyTorch stores weights out x in. */
static const char *
wfit(const struct plan *p, const struct plan_in *in, size_t want)
{
	if (*(p->o.torch ? tfit(in, 0, want) : tfit(in, want, 0)) == '\0')
		return "";
	return p->o.torch ? "; its transpose would fit: leave out --layout "
	    "torch if the weights are stored in x out (it applies to every "
	    "weight), else transpose this one" : "; its transpose would "
	    "fit: give --layout torch if the weights are stored out x in, as "
	    "PyTorch stores them (it applies to every weight), else "
	    "transpose this one";
}

/* wfit for WK (keys 1) or WV (0) of keys or values projected from X,
 * in buf: with the other reading of a width that is not X's, PyTorch's
 * kdim or vdim (the keys or values of another sequence of that width:
 * -m, or --memory-keys with --memory-values). */
static const char *
kvfit(char *buf, size_t len, const struct plan *p, const struct plan_in *in,
    size_t width, int keys)
{
	snprintf(buf, len, "%s; if the %s come from another sequence, of "
	    "width %zu (PyTorch's %s), give it with -m (or --memory-keys and "
	    "--memory-values)", wfit(p, in, p->d), keys ? "keys" : "values",
	    width, keys ? "kdim" : "vdim");
	return buf;
}

/* "WHO is SHAPE but ...": the message of most shape errors; of a 1-D
 * matrix (sym), with how it was read ("is 3 but X has 3 columns"
 * seemed to contradict itself). */
static int
mismatch(struct err *e, const struct plan_in *in, const char *fmt, ...)
{
	char w[WHOSZ], s[SHAPESZ], rest[ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof rest, fmt, ap);
	va_end(ap);
	if (in->sh.ndim == 1 && sym_of(in) != NULL)
		return err_set(e, NULL, 0, 0, "%s is 1-D, read as one row "
		    "(1x%zu), but %s", who(w, in), in->sh.dim[0], rest);
	return err_set(e, NULL, 0, 0, "%s is %s but %s", who(w, in),
	    shp(s, in), rest);
}

/* A vector argument (biases, va, sinks, slopes, norm weights): 1-D,
 * one row or one column.  Its length in *len. */
static int
vector(const struct plan_in *in, size_t *len, struct err *e)
{
	char s[SHAPESZ], w[WHOSZ];

	if (in->sh.ndim > 2 || (in->m.rows != 1 && in->m.cols != 1))
		return err_set(e, NULL, 0, 0, "%s is %s: expected one row or "
		    "one column of numbers", who(w, in), shp(s, in));
	*len = in->m.rows * in->m.cols;
	return 0;
}

static int
vector_of(const struct plan_in *in, size_t want, const char *what,
    const double **v, struct err *e)
{
	size_t len = 0;

	*v = NULL;
	if (in->name == NULL)
		return 0;
	if (vector(in, &len, e) != 0)
		return -1;
	if (len != want)
		return mismatch(e, in, "%s %zu column%s", what, want,
		    PL(want));
	*v = in->m.data;
	return 0;
}

/* --rope: even head widths; =@FILE: 1 to dk/2 inverse frequencies,
 * finite, rotating the heads' first 2·nf components. */
static int
rope_freqs(struct plan *p, const struct plan_in *in, struct err *e)
{
	size_t len = 0, i, w = p->dq < p->dk ? p->dq : p->dk;
	char who_[WHOSZ];

	if (!p->o.rope)
		return 0;
	if (in->name == NULL) {
		if (p->dq % 2 != 0 || p->dk % 2 != 0)
			return err_set(e, NULL, 0, 0, "--rope needs even head "
			    "widths, found queries of %zu and keys of %zu",
			    p->dq, p->dk);
		return 0;
	}
	if (vector(in, &len, e) != 0)
		return -1;
	if (len > w / 2) {
		char wide[64];

		if (p->dq == p->dk)
			snprintf(wide, sizeof wide, "the heads are %zu wide", w);
		else
			snprintf(wide, sizeof wide, "the heads are %zu wide "
			    "(queries %zu, keys %zu)", w, p->dq, p->dk);
		if (w < 2)
			return mismatch(e, in, "%s: no frequency can rotate "
			    "them (a pair of components each)", wide);
		if (w / 2 == 1)
			return mismatch(e, in, "%s: expected 1 inverse "
			    "frequency (it rotates %s)", wide, w == 2 ?
			    "the whole head" : "the first 2 components");
		return mismatch(e, in, "%s: expected 1 to %zu inverse "
		    "frequencies (%zu rotate %s)", wide, w / 2, w / 2, w % 2 ?
		    "all but the last component" : "the whole head");
	}
	for (i = 0; in->m.data != NULL && i < len; i++)
		if (!isfinite(in->m.data[i]))
			return err_set(e, NULL, 0, 0, "%s: expected finite "
			    "inverse frequencies, found %g at %zu",
			    who(who_, in), in->m.data[i], i);
	p->rope_freq = in->m.data;
	p->rope_nf = len;
	return 0;
}

/* ---- derived matrices, owned by the plan ---- */

static struct mat *
own(struct plan *p, size_t rows, size_t cols, struct err *e)
{
	struct mat *m = &p->own[p->nown];

	if (mat_alloc(m, rows, cols, "weights", e) != 0)
		return NULL;
	p->nown++;
	return m;
}

/* A derived matrix of a shape-only input (no data, as --dry-run gives
 * it): its shape, no numbers, nothing allocated. */
static const struct mat *
shape_only(struct plan *p, size_t rows, size_t cols)
{
	struct mat *m = &p->own[p->nown++];

	memset(m, 0, sizeof *m);
	m->rows = rows;
	m->cols = cols;
	return m;
}

/* Rows r0 .. r0+nr-1 of a, transposed: (cols, nr). */
static const struct mat *
transposed(struct plan *p, const struct mat *a, size_t r0, size_t nr,
    struct err *e)
{
	struct mat *t;
	size_t i, j;

	if (a->data == NULL)
		return shape_only(p, a->cols, nr);
	if ((t = own(p, a->cols, nr, e)) == NULL)
		return NULL;
	for (i = 0; i < nr; i++)
		for (j = 0; j < a->cols; j++)
			t->data[j * nr + i] = a->data[(r0 + i) * a->cols + j];
	return t;
}

/* A weight argument in row layout (in x out): the input itself, or its
 * transpose under --layout torch. */
static const struct mat *
weight(struct plan *p, const struct plan_in *in, struct err *e)
{
	char s[SHAPESZ], w[WHOSZ];

	if (in->name == NULL)
		return NULL;
	if (in->sh.ndim > 2) {
		/* one weight per head, as a lesson writes W_i^Q: where
		 * their blocks go in the one matrix (WO's rows, the others'
		 * columns; the other way round in PyTorch's layout) */
		const char *m = sym_of(in);
		int rows = m != NULL && strcmp(m, "WO") == 0;
		char hint[96] = "";

		if (m != NULL && m[0] == 'W')
			snprintf(hint, sizeof hint, ": put the heads' blocks "
			    "%s (H blocks of %s %s)", rows != p->o.torch ?
			    "one above another" : "side by side", m[1] == 'Q'
			    || m[1] == 'K' ? "dk" : "dv", rows != p->o.torch ?
			    "rows" : "columns");
		err_set(e, NULL, 0, 0, "%s is %s: expected a matrix (1-D or "
		    "2-D)%s", who(w, in), shp(s, in), hint);
		return NULL;
	}
	if (!p->o.torch)
		return &in->m;
	return transposed(p, &in->m, 0, in->m.rows, e);
}

/* X + PE, PE[pos][2t] = sin(pos / 10000^(2t/d)),
 * PE[pos][2t+1] = cos(same angle), pos = 0 .. n-1 in every sequence.
 * The angle as PyTorch's PositionalEncoding tutorial computes it, pos ·
 * exp(2t · (-ln 10000 / d)), in its order: the literal form differs
 * in the last digits (5e-13 at positions up to 2000). */
static const struct mat *
positions(struct plan *p, const struct mat *x, struct err *e)
{
	struct mat *y;
	size_t b, i, j;

	if (x->data == NULL)
		return shape_only(p, x->rows, x->cols);
	if ((y = own(p, x->rows, x->cols, e)) == NULL)
		return NULL;
	for (b = 0; b < p->B; b++)
		for (i = 0; i < p->n; i++) {
			const double *xr = x->data + (b * p->n + i) * p->d;
			double *yr = y->data + (b * p->n + i) * p->d;

			for (j = 0; j < p->d; j++) {
				double th = (double)i * exp((double)(j & ~
				    (size_t)1) * (-log(10000.0) / (double)p->d));

				yr[j] = xr[j] + (j & 1 ? cos(th) : sin(th));
			}
		}
	return y;
}

/* Every given matrix argument: at most 4-D, no empty dimension. */
static int
check_present(const struct plan_in in[IN_NROLES], struct err *e)
{
	char s[SHAPESZ], w[WHOSZ];
	int i, k;

	for (i = 0; i < IN_NROLES; i++) {
		if (in[i].name == NULL)
			continue;
		for (k = 0; k < in[i].sh.ndim; k++)
			if (in[i].sh.dim[k] == 0)
				return err_set(e, NULL, 0, 0, "%s is %s: "
				    "expected no empty dimension", who(w,
				    &in[i]), shp(s, &in[i]));
	}
	return 0;
}

/* A sequence argument (X, memory, 2-D Q, K, V): 1-D, 2-D or, batched,
 * 3-D.  Sets *B, *rows, *cols. */
static int
sequence(const struct plan_in *in, int allow3, size_t *B, size_t *rows,
    size_t *cols, struct err *e)
{
	char s[SHAPESZ], w[WHOSZ];
	const struct mat_shape *sh = &in->sh;

	if (sh->ndim > 3 || (sh->ndim == 3 && !allow3))
		return err_set(e, NULL, 0, 0, "%s is %s: expected a matrix "
		    "(1-D or 2-D)%s", who(w, in), shp(s, in), allow3 ?
		    " or a batch of them (3-D)" : "");
	*B = sh->ndim == 3 ? sh->dim[0] : 1;
	*rows = sh->ndim == 1 ? 1 : sh->dim[sh->ndim - 2];
	*cols = sh->dim[sh->ndim - 1];
	return 0;
}

/* G key/value heads must each serve the same number of query heads. */
static int
groups(const struct plan *p, struct err *e)
{
	if (p->H % p->G == 0)
		return 0;
	if (p->o.heads == 0)	/* the inputs' heads, or 1 */
		return err_set(e, NULL, 0, 0, "%zu key/value heads do not "
		    "divide the %zu query head%s of the inputs (--kv-heads %zu)",
		    p->G, p->H, PL(p->H), p->G);
	return err_set(e, NULL, 0, 0, "%zu key/value heads do not divide the "
	    "%zu query head%s (--kv-heads %zu, -H %zu)", p->G, p->H, PL(p->H),
	    p->G, p->H);
}

/* The cols output columns of `in` must split into `heads` equal parts;
 * what says where they are in the file: "columns", "rows" (a weight
 * stored out x in) or "rows per block" (--in-proj). */
static int
split(const struct plan_in *in, size_t cols, size_t heads, const char *opt,
    const char *what, size_t *width, struct err *e)
{
	char w[WHOSZ], s[SHAPESZ];
	size_t l = strcspn(what, " ") - 1;	/* what's plural s */

	if (cols % heads != 0)	/* "its 1 column does", "its 3 rows do" */
		return err_set(e, NULL, 0, 0, "%s is %s: its %zu %.*s%s %s "
		    "not split into %zu heads of equal width (%s %zu)",
		    who(w, in), shp(s, in), cols, (int)l, what, cols == 1 ?
		    what + l + 1 : what + l, cols == 1 ? "does" : "do", heads,
		    opt, heads);
	*width = cols / heads;
	return 0;
}

/* The self-attention form: X, memory, weights, biases. */
static int
make_self(struct plan *p, const struct plan_in in[IN_NROLES],
    struct err *e)
{
	const struct plan_in *x = &in[IN_X], *mem = &in[IN_MEM];
	const struct plan_in *wqi = &in[IN_WQ], *wki = &in[IN_WK],
	    *wvi = &in[IN_WV];
	char s[SHAPESZ], w[WHOSZ], h[384];
	const char *d_of;
	size_t Bm = 0;

	if (sequence(x, 1, &p->B, &p->n, &p->d, e) != 0)
		return -1;
	p->batched = x->sh.ndim == 3;
	p->vec = x->sh.ndim == 1;
	p->x = &x->m;
	p->m = p->n;
	p->dm = p->d;
	p->mem = p->x;
	if (in[IN_MEMK].name != NULL)
		mem = &in[IN_MEMK];	/* --memory-keys, --memory-values */
	if (mem->name != NULL) {
		if (sequence(mem, 1, &Bm, &p->m, &p->dm, e) != 0)
			return -1;
		if ((mem->sh.ndim == 3) != p->batched || Bm != p->B)
			return mismatch(e, mem, "%s is %s: both must be 3-D "
			    "with as many sequences, or neither", who(w, x),
			    mat_shape_str(s, sizeof s, &x->sh));
		p->mem = &mem->m;
	}
	p->dmv = p->dm;
	if (in[IN_MEMV].name != NULL) {
		const struct plan_in *mv = &in[IN_MEMV];
		size_t mm = 0;

		if (sequence(mv, 1, &Bm, &mm, &p->dmv, e) != 0)
			return -1;
		if ((mv->sh.ndim == 3) != p->batched || Bm != p->B)
			return mismatch(e, mv, "%s is %s: both must be 3-D "
			    "with as many sequences, or neither", who(w, x),
			    mat_shape_str(s, sizeof s, &x->sh));
		if (mm != p->m)
			return mismatch(e, mv, "%s is %s: every key needs a "
			    "value", who(w, mem), mat_shape_str(s, sizeof s,
			    &mem->sh));
		p->memv = &mv->m;
	}
	if (in[IN_INPROJ].name != NULL) {
		const struct plan_in *ip = &in[IN_INPROJ];
		size_t E = p->d;

		if (ip->sh.ndim != 2 || ip->m.cols != E || ip->m.rows != 3 * E)
			return mismatch(e, ip, "%s has E = %zu column%s: "
			    "expected 3E x E = %zux%zu (PyTorch's "
			    "in_proj_weight)%s", who(w, x), E, PL(E), 3 * E, E,
			    tfit(ip, 3 * E, E));
		/* (PyTorch's in_proj_weight: kdim = vdim = E, the keys
		 * and values may still be two sequences) */
		if (p->dm != E)
			return mismatch(e, mem, "%s projects keys and values "
			    "of width %zu", who(w, ip), E);
		if (p->dmv != E)
			return mismatch(e, &in[IN_MEMV], "%s projects keys "
			    "and values of width %zu", who(w, ip), E);
		if ((p->wq = transposed(p, &ip->m, 0, E, e)) == NULL ||
		    (p->wk = transposed(p, &ip->m, E, E, e)) == NULL ||
		    (p->wv = transposed(p, &ip->m, 2 * E, E, e)) == NULL)
			return -1;
		wqi = wki = wvi = ip;
	} else if ((p->wq = weight(p, wqi, e)) == NULL ||
	    (p->wk = weight(p, wki, e)) == NULL ||
	    (p->wv = weight(p, wvi, e)) == NULL)
		return -1;
	d_of = who(w, x);
	/* X stored d x n (a column per token): every weight applied to
	 * it has as many rows as X has, where X's columns should be */
	if (p->wq->rows != p->d && mem->name == NULL && in[IN_MEMV].name ==
	    NULL && p->wk->rows == p->wq->rows && p->wv->rows ==
	    p->wq->rows && *wfit(p, wqi, p->d) == '\0' &&
	    *tfit(x, 0, p->wq->rows) != '\0')
		return mismatch(e, x, "%s has %zu %s%s, not %zu (one a "
		    "column of X); if X is stored a column per token, its "
		    "transpose would fit (a row per token)", who(w, wqi),
		    p->wq->rows, p->o.torch ? "column" : "row",
		    PL(p->wq->rows), p->d);
	if (p->wq->rows != p->d)
		return mismatch(e, wqi, "%s has %zu column%s%s", d_of, p->d,
		    PL(p->d), wfit(p, wqi, p->d));
	if (mem->name != NULL)
		d_of = who(w, mem);
	if (p->wk->rows != p->dm)
		return mismatch(e, wki, "%s has %zu column%s%s", d_of, p->dm,
		    PL(p->dm), mem->name != NULL ? wfit(p, wki, p->dm) :
		    kvfit(h, sizeof h, p, wki, p->wk->rows, 1));
	if (in[IN_MEMV].name != NULL)
		d_of = who(w, &in[IN_MEMV]);
	if (p->wv->rows != p->dmv)
		return mismatch(e, wvi, "%s has %zu column%s%s", d_of, p->dmv,
		    PL(p->dmv), mem->name != NULL || in[IN_MEMV].name != NULL ?
		    wfit(p, wvi, p->dmv) : kvfit(h, sizeof h, p, wvi,
		    p->wv->rows, 0));
	if (p->o.pos && (p->x = positions(p, &x->m, e)) == NULL)
		return -1;
	if (mem->name == NULL)
		p->mem = p->x;
	if (p->memv == NULL)
		p->memv = p->mem;
	return 0;
}

/* The form with Q, K, V given: 2-D (or batched 3-D with -H), or
 * per-head (H, n, d) / (B, H, n, d) tensors; with a per-head (H, n, d)
 * Q, K and V may be matrices, one key/value head for all (as PyTorch
 * broadcasts them, and as text writes one block). */
static int
make_direct(struct plan *p, const struct plan_in in[IN_NROLES],
    struct err *e)
{
	const struct plan_in *q = &in[IN_Q], *k = &in[IN_K], *v = &in[IN_V];
	char s1[SHAPESZ], s2[SHAPESZ], w[WHOSZ];
	int nd = q->sh.ndim, one = nd == 3 && p->o.heads == 0 &&
	    k->sh.ndim == 2 && v->sh.ndim == 2;
	size_t Bk = 0, Bv = 0, mk = 0, mv = 0, ck = 0, cv = 0, qc = 0;

	if (!one && (k->sh.ndim != nd || v->sh.ndim != nd)) {
		if (!(nd <= 2 && k->sh.ndim <= 2 && v->sh.ndim <= 2))
			return mismatch(e, k->sh.ndim != nd ? k : v, "%s is %s:"
			    " queries, keys and values need the same number "
			    "of dimensions", who(w, q),
			    mat_shape_str(s1, sizeof s1, &q->sh));
	}
	p->perhead = nd == 4 || (nd == 3 && p->o.heads == 0);
	if (!p->perhead) {
		if (sequence(q, 1, &p->B, &p->n, &qc, e) != 0 ||
		    sequence(k, 1, &Bk, &mk, &ck, e) != 0 ||
		    sequence(v, 1, &Bv, &mv, &cv, e) != 0)
			return -1;
		p->batched = nd == 3;
		p->vec = nd == 1;
		if (Bk != p->B || Bv != p->B)
			return mismatch(e, Bk != p->B ? k : v, "%s is %s: "
			    "they need the same number of sequences", who(w, q),
			    mat_shape_str(s1, sizeof s1, &q->sh));
		p->H = p->o.heads ? p->o.heads : 1;
		p->G = p->o.kv_heads ? p->o.kv_heads : p->H;
		if (groups(p, e) || split(q, qc, p->H, "-H", "columns",
		    &p->dq, e) || split(k, ck, p->G, p->o.kv_heads ?
		    "--kv-heads" : "-H", "columns", &p->dk, e) || split(v, cv,
		    p->G, p->o.kv_heads ? "--kv-heads" : "-H", "columns",
		    &p->dv, e))
			return -1;
		p->qs[0] = p->n * qc, p->qs[1] = p->dq, p->qs[2] = qc;
		p->ks[0] = mk * ck, p->ks[1] = p->dk, p->ks[2] = ck;
		p->vs[0] = mv * cv, p->vs[1] = p->dv, p->vs[2] = cv;
	} else {
		const size_t *qd = q->sh.dim + (nd - 3), *kd = k->sh.dim +
		    (nd - 3), *vd = v->sh.dim + (nd - 3);
		size_t k1[3] = { 1, k->sh.dim[0], k->sh.dim[1] };
		size_t v1[3] = { 1, v->sh.dim[0], v->sh.dim[1] };

		if (one)	/* (m, d) as (1, m, d) */
			kd = k1, vd = v1;

		p->B = nd == 4 ? q->sh.dim[0] : 1;
		p->batched = nd == 4;
		if (nd == 4 && (k->sh.dim[0] != p->B || v->sh.dim[0] != p->B))
			return mismatch(e, k->sh.dim[0] != p->B ? k : v, "%s is"
			    " %s: they need the same number of sequences",
			    who(w, q), mat_shape_str(s1, sizeof s1, &q->sh));
		p->H = qd[0], p->n = qd[1], p->dq = qd[2];
		p->G = kd[0], mk = kd[1], p->dk = kd[2];
		mv = vd[1], p->dv = vd[2];
		if (p->o.heads && p->o.heads != p->H)
			return mismatch(e, q, "-H %zu asks for %zu head%s",
			    p->o.heads, p->o.heads, PL(p->o.heads));
		if (p->o.kv_heads && p->o.kv_heads != p->G)
			return mismatch(e, k, "--kv-heads %zu asks for %zu "
			    "key/value head%s", p->o.kv_heads, p->o.kv_heads,
			    PL(p->o.kv_heads));
		if (vd[0] != p->G)
			return mismatch(e, v, "%s is %s: keys and values need "
			    "the same heads", who(w, k),
			    mat_shape_str(s1, sizeof s1, &k->sh));
		if (p->H % p->G != 0)
			return mismatch(e, k, "%s is %s: its %zu key/value heads "
			    "do not divide the %zu query head%s", who(w, q),
			    mat_shape_str(s1, sizeof s1, &q->sh), p->G, p->H,
			    PL(p->H));
		p->qs[0] = p->H * p->n * p->dq, p->qs[1] = p->n * p->dq,
		    p->qs[2] = p->dq;
		p->ks[0] = p->G * mk * p->dk, p->ks[1] = mk * p->dk,
		    p->ks[2] = p->dk;
		p->vs[0] = p->G * mv * p->dv, p->vs[1] = mv * p->dv,
		    p->vs[2] = p->dv;
	}
	/* K stored dk x m, which V and Q fit as they are (with dk = dv
	 * V's transpose would fit K's rows too: K's width, not Q's,
	 * tells which is wrong) */
	if (mk != mv && !p->perhead && qc % p->H == 0 && ck != qc / p->H *
	    p->G && *tfit(k, mv, qc / p->H * p->G) != '\0')
		return mismatch(e, k, "%s is %s: every key needs a value; its "
		    "transpose would fit (a row per key)", who(w, v),
		    mat_shape_str(s2, sizeof s2, &v->sh));
	if (mk != mv && k->sh.ndim == 1 && v->sh.ndim != 1)
		/* a key saved 1-D: one row, one key */
		return mismatch(e, k, "%s is %s: every key needs a value",
		    who(w, v), mat_shape_str(s2, sizeof s2, &v->sh));
	if (mk != mv)
		return mismatch(e, v, "%s is %s: every key needs a value%s",
		    who(w, k), mat_shape_str(s2, sizeof s2, &k->sh),
		    p->perhead ? "" : tfit(v, mk, 0));
	p->m = mk;
	p->q = &q->m;
	p->k = &k->m;
	p->v = &v->m;
	return 0;
}

/* The heads of the self-attention form, from the weights' widths. */
static int
self_heads(struct plan *p, const struct plan_in in[IN_NROLES],
    struct err *e)
{
	const struct plan_in *src = in[IN_INPROJ].name ? &in[IN_INPROJ] :
	    NULL;
	const char *kvopt = p->o.kv_heads ? "--kv-heads" : "-H";
	const char *what = src ? "rows per block" : p->o.torch ? "rows" :
	    "columns";

	p->H = p->o.heads ? p->o.heads : 1;
	p->G = p->o.kv_heads ? p->o.kv_heads : p->H;
	if (groups(p, e) || split(src ? src : &in[IN_WQ], p->wq->cols, p->H,
	    "-H", what, &p->dq, e) || split(src ? src : &in[IN_WK],
	    p->wk->cols, p->G, kvopt, what, &p->dk, e) || split(src ? src :
	    &in[IN_WV], p->wv->cols, p->G, kvopt, what, &p->dv, e))
		return -1;
	return 0;
}

/* Biases: given one by one, or packed by --in-proj-bias: bq, bk, bv
 * one after another (PyTorch's in_proj_bias, with --in-proj or with
 * q_proj_weight, k_proj_weight, v_proj_weight as -q, -k, -v). */
static int
biases(struct plan *p, const struct plan_in in[IN_NROLES], struct err *e)
{
	const struct plan_in *ipb = &in[IN_INPROJB];
	const size_t nq = p->H * p->dq, nk = p->G * p->dk, nv = p->G * p->dv;
	char w[WHOSZ];
	size_t len = 0;

	if (ipb->name != NULL) {
		if (vector(ipb, &len, e) != 0)
			return -1;
		if (len != nq + nk + nv && in[IN_INPROJ].name != NULL)
			return mismatch(e, ipb, "%s needs 3E = %zu values",
			    who(w, &in[IN_INPROJ]), 3 * p->d);
		if (len != nq + nk + nv)
			return mismatch(e, ipb, "the queries, keys and values "
			    "have %zu + %zu + %zu = %zu columns", nq, nk, nv,
			    nq + nk + nv);
		p->bq = ipb->m.data;
		p->bk = ipb->m.data + nq;
		p->bv = ipb->m.data + nq + nk;
		return 0;
	}
	if (vector_of(&in[IN_BQ], nq, "the queries have", &p->bq, e) ||
	    vector_of(&in[IN_BK], nk, "the keys have", &p->bk, e) ||
	    vector_of(&in[IN_BV], nv, "the values have", &p->bv, e))
		return -1;
	return 0;
}

/* The shape of --mask and --bias: (m|1), (n|1, m|1), (H|1, n|1, m|1)
 * or (B|1, H|1, n|1, m|1), an axis of 1 broadcast as PyTorch does (a
 * 1-D one is one row); the strides of batch, head, query row and key
 * into st (0: shared). */
static int
score_shape(struct plan *p, const struct plan_in *in, size_t st[4],
    struct err *e)
{
	const struct mat_shape *sh = &in->sh;
	size_t n = p->vec ? 1 : p->n, dh = 1, db = 1, rows, cols;
	int nd = sh->ndim;
	const char *sq;

	rows = nd >= 2 ? sh->dim[nd - 2] : 1;
	cols = sh->dim[nd - 1];
	/* (n, m, 1), (1, n, m, 1): an axis too many */
	sq = nd >= 3 && cols == 1 && rows == p->m && sh->dim[nd - 3] == n ?
	    "; its last axis of 1 is one too many: give it .squeeze(-1)" : "";
	if (nd > 4 || (rows != n && rows != 1) || (cols != p->m && cols !=
	    1))
		/* else its (each matrix's) transpose, broadcast as it
		 * would be */
		return mismatch(e, in, "the scores are %zux%zu (queries x "
		    "keys)%s", n, p->m, *sq ? sq : nd >= 2 && nd <= 4 && rows !=
		    cols && (cols == n || cols == 1) && (rows == p->m || rows ==
		    1) ? "; its transpose would fit" : "");
	if (nd >= 3)
		dh = sh->dim[nd - 3];
	if (nd == 4)
		db = sh->dim[0];
	if ((dh != 1 && dh != p->H) || (db != 1 && db != p->B)) {
		char hint[96] = "";

		/* nn.MultiheadAttention's 3-D attn_mask, (B·H, n, m), or a
		 * mask a sequence, (B, n, m) */
		if (*sq)	/* (n, n, 1) broadcasts, as n heads */
			snprintf(hint, sizeof hint, "%s", sq);
		else if (nd == 3 && p->B > 1 && (dh == p->B * p->H || dh ==
		    p->B))
			snprintf(hint, sizeof hint, "; a (%s, n, m) mask is "
			    "4-D: give it .reshape(%zu, %zu, %zu, %zu)",
			    p->H > 1 && dh == p->B * p->H ? "B*H" : "B", p->B,
			    dh == p->B * p->H ? p->H : 1, rows, cols);
		return mismatch(e, in, "there %s %zu head%s%s%zu sequence%s: "
		    "expected (%s%zu|1, n|1, m|1)%s", p->H == 1 ? "is" : "are",
		    p->H, PL(p->H), nd == 4 ? " and " : " in ", p->B,
		    PL(p->B), nd == 4 ? "B|1, " : "", p->H, hint);
	}
	st[0] = db == 1 ? 0 : dh * rows * cols;
	st[1] = dh == 1 ? 0 : rows * cols;
	st[2] = rows == 1 ? 0 : cols;
	st[3] = cols == 1 ? 0 : 1;
	return 0;
}

/* --mask: boolean, 0 hides; any other value is refused, with its
 * position (from 0, as sequences, heads, queries and keys are numbered
 * everywhere) and a pointer to --bias.  Booleans read as bytes
 * (input_load_bools) are used as they are: every byte is a boolean. */
static int
mask(struct plan *p, const struct plan_in *in, struct err *e)
{
	char w[WHOSZ], at[160];
	size_t i, cnt, n, c, per;
	int nd = in->sh.ndim;

	if (in->name == NULL)
		return 0;
	if (score_shape(p, in, p->ms, e) != 0)
		return -1;
	if (in->m.bytes != NULL) {
		p->allow = in->m.bytes;
		return 0;
	}
	if (in->m.data == NULL)		/* shape-only: the shape is right */
		return 0;
	n = nd >= 2 ? in->sh.dim[nd - 2] : 1;	/* its query rows */
	c = in->sh.dim[nd - 1];			/* and keys */
	cnt = in->m.rows * in->m.cols;
	for (i = 0; i < cnt; i++) {
		double x = in->m.data[i];

		if (x == 0 || x == 1)
			continue;
		per = n * c;
		if (nd <= 2)
			snprintf(at, sizeof at, "query %zu, key %zu",
			    i / c % n, i % c);
		else if (nd == 3)
			snprintf(at, sizeof at, "head %zu, query %zu, key %zu",
			    i / per, i / c % n, i % c);
		else
			snprintf(at, sizeof at, "sequence %zu, head %zu, query "
			    "%zu, key %zu", i / (per * in->sh.dim[1]),
			    i / per % in->sh.dim[1], i / c % n, i % c);
		return err_set(e, NULL, 0, 0, "%s: expected 0 or 1 (1 = may "
		    "attend), found %g at %s: give values added to the "
		    "scores with --bias", who(w, in), x, at);
	}
	if ((p->allow_buf = mat_buf(cnt, 1, in->name, e)) == NULL)
		return -1;
	for (i = 0; i < cnt; i++)
		p->allow_buf[i] = in->m.data[i] != 0;
	p->allow = p->allow_buf;
	return 0;
}

/* --bias: added to the scores, any value (-inf hides). */
static int
bias(struct plan *p, const struct plan_in *in, struct err *e)
{
	if (in->name == NULL)
		return 0;
	if (score_shape(p, in, p->bs, e) != 0)
		return -1;
	p->bias = in->m.data;
	return 0;
}

/* One value per query head (--sinks, --alibi=@FILE): into *v. */
static int
per_head(const struct plan *p, const struct plan_in *in, const char *what,
    const double **v, struct err *e)
{
	size_t len = 0;

	if (vector(in, &len, e) != 0)
		return -1;
	if (len != p->H)
		return mismatch(e, in, "there %s %zu head%s: expected one %s "
		    "per head", p->H == 1 ? "is" : "are", p->H, PL(p->H),
		    what);
	*v = in->m.data;
	return 0;
}

/* --alibi: the slopes of the ALiBi paper and BLOOM (get_slopes): for a
 * power of two H, 2^(-8/H)^k, k = 1 .. H; else those of the closest
 * power of two c below H, then the odd powers 2^(-4/c)^(2i+1) of the
 * next, i < H - c.  Or H slopes from a file. */
static int
alibi(struct plan *p, const struct plan_in *in, struct err *e)
{
	const double *given = NULL;
	double base;
	size_t c = 1, k;

	if (!p->o.alibi)
		return 0;
	if (in->name != NULL && per_head(p, in, "slope", &given, e) != 0)
		return -1;
	if ((p->slopes = mat_buf(p->H, sizeof *p->slopes, "--alibi", e)) ==
	    NULL)
		return -1;
	if (given != NULL) {
		memcpy(p->slopes, given, p->H * sizeof *p->slopes);
		return 0;
	}
	while (c * 2 <= p->H)
		c *= 2;
	base = pow(2.0, -pow(2.0, -(log2((double)c) - 3)));
	for (k = 0; k < c; k++)
		p->slopes[k] = pow(base, (double)(k + 1));
	base = pow(2.0, -pow(2.0, -(log2((double)(2 * c)) - 3)));
	for (k = 0; k < p->H - c; k++)
		p->slopes[c + k] = pow(base, (double)(2 * k + 1));
	return 0;
}

/* --key-lengths, --query-lengths: B whole numbers from 0 to max, the
 * valid keys or queries of each sequence (the first ones). */
static int
lengths(const struct plan *p, const struct plan_in *in, size_t max,
    const char *what, size_t **out, struct err *e)
{
	char w[WHOSZ];
	size_t len = 0, b;

	if (in->name == NULL)
		return 0;
	if (vector(in, &len, e) != 0)
		return -1;
	if (len != p->B)
		return mismatch(e, in, "there %s %zu sequence%s: expected one "
		    "length per sequence", p->B == 1 ? "is" : "are", p->B,
		    PL(p->B));
	if ((*out = mat_buf(p->B, sizeof **out, in->name, e)) == NULL)
		return -1;
	for (b = 0; b < p->B; b++) {
		double x = in->m.data[b];

		if (!(x >= 0 && x <= (double)max && x == floor(x)))
			return err_set(e, NULL, 0, 0, "%s: expected a whole "
			    "number of %s from 0 to %zu, found %g for "
			    "sequence %zu", who(w, in), what, max, x, b);
		(*out)[b] = (size_t)x;
	}
	return 0;
}

/* --key-padding (keys 1) or --query-padding (0): (m) or (n) for every
 * sequence (a row or a column), or (B, m), (B, n), into *pad (1 =
 * padding) and its batch stride *sb. */
static int
padding(struct plan *p, const struct plan_in *in, int keys,
    unsigned char **pad, size_t *sb, struct err *e)
{
	const char *what = keys ? "key" : "query", *whats = keys ? "keys" :
	    "queries";
	char w[WHOSZ];
	size_t i, cnt, len = keys ? p->m : p->n;
	int col, bad;

	if (in->name == NULL)
		return 0;
	/* a column of len > 1 values is one row: (len) */
	col = in->sh.ndim == 2 && in->m.cols == 1 && in->m.rows == len &&
	    len > 1;
	bad = in->sh.ndim > 2 || (!col && (in->m.cols != len ||
	    (in->m.rows != 1 && in->m.rows != p->B)));
	if (bad && p->B == 1)
		return mismatch(e, in, "there %s %zu %s and one sequence: "
		    "expected %zu value%s%s", len == 1 ? "is" : "are", len,
		    len == 1 ? what : whats, len, PL(len), tfit(in, 1, len));
	/* (B, len) stored len x B: or a batch stored sequence-first, as
	 * PyTorch's modules take it without batch_first, read as B = n
	 * sequences of length B, where the mask is right */
	if (bad)
		return mismatch(e, in, "there are %zu sequences of %zu %s: "
		    "expected %zu value%s, or %zux%zu%s", p->B, len, len == 1 ?
		    what : whats, len, PL(len), p->B, len, *tfit(in, p->B,
		    len) == '\0' ? "" : "; its transpose "
		    "would fit, or the batch is stored sequence-first (n, B, "
		    "d), as PyTorch's modules take it without batch_first: "
		    "give the inputs' transpose(0, 1)");
	if (in->m.data == NULL)		/* shape-only: the shape is right */
		return 0;
	cnt = in->m.rows * in->m.cols;
	if ((*pad = mat_buf(cnt, 1, in->name, e)) == NULL)
		return -1;
	for (i = 0; i < cnt; i++) {
		double x = in->m.data[i];

		if (x == 0 || x == 1) {
			(*pad)[i] = x != 0;
			continue;
		}
		/* (PyTorch adds a float key_padding_mask to the scores:
		 * that is a --bias) */
		if (cnt > len)
			return err_set(e, NULL, 0, 0, "%s: expected 0 or 1 "
			    "(1 = padding), found %g at sequence %zu, %s %zu%s",
			    who(w, in), x, i / len, what, i % len, keys ?
			    ": give values added to the scores with --bias, "
			    "shaped (B, 1, 1, m)" : "");
		return err_set(e, NULL, 0, 0, "%s: expected 0 or 1 (1 = "
		    "padding), found %g at %s %zu%s", who(w, in), x, what,
		    i % len, keys ? ": give values added to the scores with "
		    "--bias, shaped (1, m)" : "");
	}
	*sb = in->m.rows == 1 || col ? 0 : len;
	return 0;
}

/* The score function's matrices. */
static int
score(struct plan *p, const struct plan_in in[IN_NROLES], struct err *e)
{
	const struct plan_in *wa = &in[IN_WA], *ua = &in[IN_UA];
	const struct plan_in *q = p->self ? (in[IN_INPROJ].name ?
	    &in[IN_INPROJ] : &in[IN_WQ]) : &in[IN_Q];
	const struct plan_in *k = p->self ? (in[IN_INPROJ].name ?
	    &in[IN_INPROJ] : &in[IN_WK]) : &in[IN_K];
	char s[SHAPESZ], s2[SHAPESZ], w[WHOSZ], w2[WHOSZ];

	switch (p->o.score) {
	case SCORE_DOT:
		if (p->dq != p->dk) {
			char per[160] = "";

			if (p->H > 1 || p->G > 1)  /* the shapes do not say */
				snprintf(per, sizeof per, " per head, and have "
				    "%zu (%zu query head%s) and %zu (%zu "
				    "key/value head%s)", p->dq, p->H, PL(p->H),
				    p->dk, p->G, PL(p->G));
			/* Q given the wrong way round (np.savetxt writes a
			 * 1-D query as a column); a transposed K is named
			 * by make_direct, with its values */
			const char *turn = p->self || p->perhead || p->H > 1 ||
			    p->G > 1 || *tfit(q, 0, p->dk) == '\0' ? "" :
			    "; the transpose of the queries would fit (a row "
			    "per query)";

			/* (shapes alike, the heads differ: "both", not
			 * "16x16 but ... 16x16") */
			if (strcmp(shp(s, q), shp(s2, k)) == 0)
				return err_set(e, NULL, 0, 0, "%s and %s are "
				    "both %s, but queries and keys need the "
				    "same number of columns%s", who(w2, k),
				    who(w, q), s, per);
			return mismatch(e, k, "%s is %s: queries and keys need "
			    "the same number of columns%s%s", who(w, q),
			    shp(s, q), per, turn);
		}
		return 0;
	case SCORE_GENERAL:
		/* q·Wa·kᵀ: Wa (dq, dk) in either layout (as PyTorch's
		 * nn.Linear(dk, dq).weight, applied to the keys). */
		if (wa->sh.ndim != 2 || wa->m.rows != p->dq ||
		    wa->m.cols != p->dk)
			return mismatch(e, wa, "--score general needs %zux%zu "
			    "(query width x key width per head)%s", p->dq,
			    p->dk, tfit(wa, p->dq, p->dk));
		p->wa = &wa->m;
		return 0;
	case SCORE_ADDITIVE:
		if ((p->wa = weight(p, wa, e)) == NULL ||
		    (p->ua = weight(p, ua, e)) == NULL)
			return -1;
		p->da = p->wa->cols;
		if (p->wa->rows != p->dq)
			return mismatch(e, wa, "the queries have %zu column%s per "
			    "head%s%s", p->dq, PL(p->dq), p->o.torch ? " (torch "
			    "layout: da x dq)" : "", wfit(p, wa, p->dq));
		if (p->ua->rows != p->dk || p->ua->cols != p->da)
			return mismatch(e, ua, "%s needs %zux%zu%s%s", p->o.torch ?
			    "with --wa of da x dq," : "with --wa of dq x da,",
			    p->o.torch ? p->da : p->dk, p->o.torch ? p->dk :
			    p->da, p->o.torch ? " (torch layout)" : "", tfit(ua,
			    p->o.torch ? p->da : p->dk, p->o.torch ? p->dk :
			    p->da));
		return vector_of(&in[IN_VA], p->da, "--wa has", &p->va, e);
	}
	return 0;
}

/* --query-range or --key-range A:B within [0, count): [*lo, *hi). */
static int
range(int given, const size_t ab[2], size_t count, const char *opt,
    const char *what, size_t *lo, size_t *hi, struct err *e)
{
	*lo = 0;
	*hi = count;
	if (!given)
		return 0;
	if (ab[1] > count)
		return err_set(e, NULL, 0, 0, "%s %zu:%zu reaches past the %s: "
		    "expected B <= %zu, their number", opt, ab[0], ab[1], what,
		    count);
	*lo = ab[0];
	*hi = ab[1];
	return 0;
}

int
plan_make(struct plan *p, const struct plan_in in[IN_NROLES],
    const struct plan_opts *o, struct err *e)
{
	const struct plan_in *woi = &in[IN_WO];

	memset(p, 0, sizeof *p);
	p->o = *o;
	p->in = in;
	if (check_present(in, e) != 0)
		return -1;
	p->self = in[IN_X].name != NULL;
	if (p->self ? make_self(p, in, e) || self_heads(p, in, e) ||
	    biases(p, in, e) : make_direct(p, in, e))
		return -1;
	if (groups(p, e) || score(p, in, e) != 0)
		return -1;
	if (rope_freqs(p, &in[IN_ROPE], e) != 0)
		return -1;
	p->dout = p->perhead ? p->dv : p->H * p->dv;
	if (woi->name != NULL) {
		if ((p->wo = weight(p, woi, e)) == NULL)
			return -1;
		/* 3-D Q, K, V without -H are heads; a WO of one head's
		 * width says they were meant as a batch (not with GQA's
		 * fewer key heads, which a batch cannot have) */
		const char *fit = wfit(p, woi, p->H * p->dv);
		int batch = p->perhead && p->o.heads == 0 && p->G == p->H &&
		    in[IN_Q].sh.ndim == 3 && p->wo->rows == p->dv &&
		    *fit == '\0';

		if (p->wo->rows != p->H * p->dv)
			return mismatch(e, woi, "the attention output has %zu "
			    "column%s (%zu head%s of %zu)%s", p->H * p->dv,
			    PL(p->H * p->dv), p->H, PL(p->H), p->dv, batch ?
			    "; 3-D -Q, -K, -V are heads: give -H 1 if they are "
			    "a batch of sequences" : fit);
		p->dout = p->wo->cols;
	}
	if (vector_of(&in[IN_BO], p->dout, "the output has", &p->bo, e))
		return -1;
	if (mask(p, &in[IN_MASK], e) || bias(p, &in[IN_BIAS], e) ||
	    padding(p, &in[IN_KPAD], 1, &p->kpad, &p->kpad_sb, e) ||
	    padding(p, &in[IN_QPAD], 0, &p->qpad, &p->qpad_sb, e) ||
	    alibi(p, &in[IN_ALIBI], e) ||
	    (in[IN_SINKS].name != NULL && per_head(p, &in[IN_SINKS],
	    "sink logit", &p->sinks, e) != 0) || vector_of(&in[IN_QNORM],
	    p->dq, "each query head has", &p->qnorm, e) ||
	    vector_of(&in[IN_KNORM], p->dk, "each key head has",
	    &p->knorm, e) || lengths(p, &in[IN_KLEN], p->m, "keys",
	    &p->klen, e) || lengths(p, &in[IN_QLEN], p->n, "queries",
	    &p->qlen, e))
		return -1;
	if (range(p->o.has_qrange, p->o.qrange, p->n, "--query-range",
	    "queries", &p->q0, &p->q1, e) || range(p->o.has_krange,
	    p->o.krange, p->m, "--key-range", "keys", &p->k0, &p->k1, e))
		return -1;
	/* a shard for --merge, merged after WO: WO mixes the heads, and
	 * the merge weighs each head's columns by its own LSE */
	if (p->o.has_krange && p->o.lse && p->wo != NULL && p->H > 1)
		return err_set(e, NULL, 0, 0, PLAN_SHARD_WO, p->H);
	p->nout = p->q1 - p->q0;
	if (p->o.has_scale)
		p->scale = p->o.scale;
	else
		p->scale = p->o.score == SCORE_DOT ? 1.0 / sqrt((double)p->dk) :
		    1.0;
	return 0;
}

const char *
plan_name(const struct plan *p, const struct mat *m)
{
	int i;

	for (i = 0; i < IN_NROLES; i++)
		if (m == &p->in[i].m)
			return p->in[i].name;
	return NULL;
}

void
plan_free(struct plan *p)
{
	int i;

	for (i = 0; i < p->nown; i++)
		mat_free(&p->own[i]);
	free(p->allow_buf);
	free(p->kpad);
	free(p->qpad);
	free(p->slopes);
	free(p->klen);
	free(p->qlen);
	p->nown = 0;
	p->allow = p->allow_buf = p->kpad = p->qpad = NULL;
	p->slopes = NULL;
	p->klen = p->qlen = NULL;
}

void
plan_shapes(const struct plan *p, struct mat_shape sh[PLAN_NOUT])
{
	struct mat_shape *y = &sh[PLAN_Y], *w = &sh[PLAN_W], *l = &sh[PLAN_LSE];

	y->ndim = w->ndim = l->ndim = 0;
	if (p->batched) {
		y->dim[y->ndim++] = p->B;
		w->dim[w->ndim++] = p->B;
		l->dim[l->ndim++] = p->B;
	}
	if (p->perhead && p->wo == NULL)
		y->dim[y->ndim++] = p->H;
	if (!p->vec)
		y->dim[y->ndim++] = p->nout;
	y->dim[y->ndim++] = p->dout;
	/* a head axis of 1 where the inputs have one (per-head Q, K, V):
	 * softmax(Q·Kᵀ) of PyTorch's 4-D tensors keeps it */
	if ((p->H > 1 || p->perhead) && !p->o.average)
		w->dim[w->ndim++] = p->H;
	if (!p->vec)
		w->dim[w->ndim++] = p->nout;
	w->dim[w->ndim++] = p->m;
	if (p->H > 1 || p->batched || p->perhead)
		l->dim[l->ndim++] = p->H;
	l->dim[l->ndim++] = p->nout;
}

int
plan_float(const struct plan *p, const struct plan_in in[IN_NROLES],
    struct err *e)
{
	char num[NUM_MAXLEN + 1];
	size_t h;

	for (h = 0; p->sinks != NULL && h < p->H; h++)
		if (isfinite(p->sinks[h]) && isinf((float)p->sinks[h])) {
			/* the value in digits that read back to it */
			num[num_format(num, p->sinks[h], 0)] = '\0';
			return err_set(e, NULL, 0, 0, "--sinks %s: %s (head "
			    "%zu) is beyond the range of float, which --dtype "
			    "f32 computes in", in[IN_SINKS].name, num, h);
		}
	return 0;
}
