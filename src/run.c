/*
 * run.c - one attention run (see run.h).
 *
 * Data in the compute type T (double or float; E bytes), addressed in
 * bytes:
 *	x	Q given, element (b, h, i, t) at b·qs[0] + h·qs[1] +
 *		i·qs[2] + t
 *	X (B·n, d) of self-attention, the memory (B·m, dm) and K, V
 *	given (as Q) are read from the plan's double matrices block by
 *	block, converted if need be
 *	wq ..	the weights, packed once (gemm.h) for every block
 *	kp, vp	prepacked: the keys and values of the current sequence
 *		that the key range touches, per key/value head, in key
 *		blocks: head g, block j at (g·nkb + j)·kstride elements
 *	ka	the keys times Ua, (G, m, da), for additive scores
 *
 * For each sequence b:
 *  1. (prepacked) tasks over key blocks: project (or take) K and V,
 *     rotate K (RoPE), pack them.  Without prepacking (one query block,
 *     no weights: decoding) each task packs the blocks it reads itself,
 *     or reads them in place (struct run's keys), so the key/value
 *     cache is never copied whole.
 *  2. the queries, through the ordered pipeline (par_ordered): per
 *     query block, project Q, rotate it, and for every head the state
 *     over each key chunk, merged in chunk order; then normalise,
 *     concatenate, apply WO, format the rows.  Query-split runs a task
 *     per query block; key-split a task per (query block, chunk) whose
 *     state is merged when it is put, in order.
 *  3. the log-sum-exp of the sequence, (H, n), written whole.
 *  4. (weights wanted) for each head (or their mean), tasks over blocks
 *     of query rows: the weights from the final states, formatted.  The
 *     scores are computed again from the queries kept in step 2 and the
 *     prepacked keys, or, with r->keep, step 2 kept them (every head's,
 *     (H, n, m) doubles, in sk) and the weights replace them in place:
 *     when that takes no more memory (choose()).
 *
 * Task arguments travel in a small context per phase (struct job), not
 * in the run, which holds what every task reads.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attn.h"
#include "progress.h"
#include "run.h"

/* Rows of a mapped input read from its file: elements lo .. lo+n-1 of
 * m, in buf. */
struct stage {
	double *buf;
	const struct mat *m;
	size_t lo, n;
};

/* One worker's scratch. */
struct worker {
	char *qb;		/* (br, H·dq) projected or rotated queries */
	char *qg;		/* (br, H·dqk) queries times Wa (scores other
				 * than dot) */
	const char **qk;	/* per head: the kernel's queries ... */
	size_t *ldq;		/* ... and their row stride */
	char *ob, *O2;		/* (br, H·dv) the state's O, another one,
				 * rows ho apart */
	char *M, *L, *M2, *L2;	/* (H, br) */
	char *yb;		/* (br, dout) */
	char *kb, *vb;		/* (bc, G·dk), (bc, G·dv) keys and values
				 * (NULL unless kv_copied()) */
	char *mb;		/* float: (bc, dm) memory rows or (br, d) rows
				 * of X converted */
	char *ks;		/* decoding: (H, nout, ATTN_BC) a key block's
				 * dot products */
	char *ot;		/* decoding: (br, H·dv) rows ho apart, a key
				 * block's P·V */
	char *kp, *vp;		/* one block of every key head, packed */
	unsigned char *vbad;	/* (G) its values hold an inf or a NaN */
	double *nb;		/* --qk-norm: a row as doubles */
	char *work;
	struct stage sk, sv;	/* decoding: a block (or a piece) of K and V
				 * rows */
	struct stage sx;	/* self-attention: rows of X or the memory
				 * read from their file (on_file()) */
	struct stage sw;	/* a piece of a weight read from its file */
	char *wc;		/* float: a piece of a weight converted */
	char *qt;		/* decoding: (G, qts) each key head's query
				 * rows, as qk_prep() lays them out */
	unsigned char *live;	/* decoding: (H) a head's rows add P·V */
	int bad;		/* a read failed; err says how (the first) */
	size_t badtask;		/* weight_task, pack_task: 1 + the task of
				 * that read */
	struct err err;
};

/* One slot of the ordered pipeline. */
struct slot {
	double *d, *sum;	/* rows as doubles; the heads' sum */
	double *pic;		/* weights for the pictures, hidden keys -0.0
				 * (attn.h), when d goes to -a as well */
	char *txt;		/* formatted rows */
	const char *bytes;	/* what the put writes: txt, or the rows
				 * themselves (verbatim()) */
	size_t len, rows, dead;
	char *st;		/* key-split: a chunk's state M, L, O */
	int bad;		/* its task's worker + 1 if a read failed */
};

struct run {
	const struct plan *p;
	const struct attn_ops *ops;
	size_t E, hq, hk, hv, gv, dqk;
	size_t ho;		/* the row stride of the states' O (ob, O2,
				 * a slot's st): hv, and a cache line more
				 * where hv·E is a multiple of 4 KiB */
	size_t br, bc;		/* rows of a query and of a key block */
	size_t pa, pw;		/* progress units of a row, head and key
				 * chunk: of the attention, of the weights */
	struct progress *pg;	/* told of them, or NULL */
	size_t nqb;		/* query blocks */
	size_t qg;		/* query blocks a query-split task (QG_MAX): br
				 * rows */
	size_t ngt;		/* query-split: tasks of qg blocks, before the
				 * last blocks' smaller tasks (QG_TAIL) */
	size_t kb0, nkb;	/* the key blocks the range touches */
	size_t c0, nch;		/* the key chunks it touches */
	size_t shift;		/* bottom-right causal: m - n */
	/* How blocks read the keys, from the shape alone (the numbers are
	 * the same): packed once per sequence (several query blocks, the
	 * weights pass computing the scores again, additive scores); packed
	 * block by block by the task that reads them; or, for a few query
	 * rows per key head (decoding), read in place, all the heads of a
	 * key head at once.
	 * The last two never copy the key/value cache whole. */
	enum { KEYS_PREPACKED, KEYS_PACKED, KEYS_ROWS } keys;
	int keysplit;
	int keep;		/* the weights pass takes the scores from sk */
	const char *x;		/* X, or Q, in the compute type */
	char *wq, *wk, *wv, *wo, *wa, *ua;
	char *kp, *vp, *ka;
	unsigned char *vbad;	/* prepacked: (G, nkb) a value block holds
				 * an inf or a NaN (attn_keys) */
	size_t kstride, vstride;
	size_t qts;		/* decoding: a key head's query rows for qk,
				 * elements (qk_prep()) */
	struct attn_head *head;
	char *qall;		/* (H, nout, dqk): kernel queries, for weights */
	char *rmax, *rsum;	/* (H, nout): final states, for weights */
	double *sk;		/* keep: (H, nout, m) the scores step 2 kept,
				 * then the weights, row (h, i) at (h·nout +
				 * i)·m */
	double *lse;		/* (H, nout) */
	char *obatch;		/* (nout, H·dv), per-head output layout */
	struct worker *thr;	/* nw of them */
	size_t nw;
	struct worker put;	/* the key-split putter's state and scratch */
	struct slot *slot;
	unsigned char *done;
	size_t nslots, wrows;
	struct out *const *out;
	size_t dead;		/* key-split: counted as states end */
	struct err err;		/* a write error of the pipeline */
};

/* A phase's arguments. */
struct job {
	struct run *r;
	size_t b;		/* the sequence */
	size_t h;		/* the head (weights) */
};

#define AT(base, elems) ((base) + (size_t)(elems) * r->E)

/* Query rows per key head up to which keys are read in place (KEYS_ROWS):
 * beyond, the packed GEMM's register tiles win.  Reading in place saves
 * packing each block (K transposed) for a product of few rows: on Zen 3
 * (AVX2), against a quarter of the bench's decoding keys, one thread,
 * 32 rows took 0.38 s of user time in place against 0.87 packed, 64
 * rows 0.84 against 1.41 (generic level: 1.00 and 1.95 against 1.88
 * and 2.50), 96 rows 1.1-1.3 against 1.4-1.5, and 128 rows about the
 * same either way; the same bits.  Not measured with AVX-512, whose
 * GEMM tiles are wider: 64 keeps a margin. */
#define ROWS_MAX 64
/* Query blocks a query-split task takes, from the shape alone: QG_MAX
 * when that leaves QG_TASKS tasks or more, for the threads to share.
 * chunk_state() runs the blocks of a group one after another on each
 * head and key chunk, so that the chunk's packed keys and values (4 MiB
 * at dk = dv = 64, doubles) are read from memory once for the group and
 * then from cache, not once per block: case (c) of the bench, 65536
 * rows, ran 3-4% faster with groups of 4 or 8 (Zen 5, AVX-512); groups
 * of 2 gained nothing at 4096 rows, and groups cost memory (br rows of
 * the worker and slot buffers).  Rows are independent, so the grouping
 * changes no bit of the results. */
#define QG_MAX 8
#define QG_TASKS 16
/* The last blocks of a grouped run, QG_TAIL to QG_TAIL + QG_MAX - 1 of
 * them, go in tasks of QG_MAX/2, QG_MAX/2, QG_MAX/4, QG_MAX/4 blocks
 * and then one, so that the threads end within a block of each other,
 * not a group (case (c) of the bench: 456 blocks in 57 groups on 2
 * threads left one thread alone at the end for 80-120 ms of 6.4 s in
 * three runs; now 0-20).  Halving, not one at once: a thread done with
 * its last group while another still runs one may fill only the
 * pipeline's other slots (2 a thread) before it waits for that group,
 * and 4 + 4 + 2 blocks outlast the group; three single blocks left it
 * waiting up to 5 blocks.  From the shape alone, like the groups.
 * (Runs not grouped keep whole blocks: case (a) with its last 3 blocks
 * in tasks of a half, a half and quarters ended 4 ms sooner on two
 * threads, unmeasurable in whole runs, and took 1% longer on one.) */
#define QG_TAIL (2 * QG_MAX)
#define QG_HEAD (3 * QG_MAX / 2)	/* the blocks of qg_tail[], summed */
_Static_assert(QG_TAIL <= QG_MAX * QG_TASKS, "a grouped run has a tail");
_Static_assert(QG_MAX % 4 == 0 && QG_TAIL >= QG_HEAD,
    "the tail's halves fit");
#define ROWS_DK_MAX 4096	/* and key widths: qk() reads ATTN_QR laid-out
				 * query rows at a time, <= 256 KiB */

static size_t
min2(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t
max2(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* x·y, or SIZE_MAX where that does not fit a size_t: a count built so
 * from dimensions of different inputs (m keys times da columns of Ua)
 * cannot wrap round to a small buffer; the arena's n·size check then
 * refuses it ("the buffers are too large to hold"). */
static size_t
mul(size_t x, size_t y)
{
	size_t n;

	return mat_mul_size(x, y, &n) ? SIZE_MAX : n;
}

/* x·y·z, saturated as mul(). */
static size_t
mul3(size_t x, size_t y, size_t z)
{
	return mul(mul(x, y), z);
}

/* Decoding's query rows a key head: every query row of its H/G heads. */
static size_t
head_rows(const struct plan *p)
{
	return mul(p->nout, p->H / p->G);
}

/* The elements of matrix a, 0 for none. */
static size_t
elems(const struct mat *a)
{
	return a ? a->rows * a->cols : 0;
}

/* Copy nr rows of w elements from src (row stride lds) to dst (ldd). */
static void
copy_rows(const struct run *r, size_t nr, size_t w, const char *src,
    size_t lds, char *dst, size_t ldd)
{
	size_t i;

	for (i = 0; i < nr; i++)
		memcpy(AT(dst, i * ldd), AT(src, i * lds), w * r->E);
}

/* Rows as doubles for the writer: a float run converts into buf. */
static const double *
as_double(const struct run *r, double *buf, const void *rows, size_t n)
{
	if (r->ops->dtype == ATTN_F64)
		return rows;
	r->ops->to_double(n, rows, buf);
	return buf;
}

/* Rows r0 .. r0+nr-1 (stride ld doubles, w wide) of the double input
 * a, in the compute type: a itself for double, else converted into buf
 * (row stride ldb), which holds them.  The key/value cache is read
 * block by block this way, never converted whole. */
static const char *
rows_of(const struct run *r, const double *a, size_t r0, size_t nr,
    size_t w, size_t ld, char *buf, size_t ldb, size_t *ldo)
{
	size_t i;

	if (r->ops->dtype == ATTN_F64) {
		*ldo = ld;
		return (const char *)(a + r0 * ld);
	}
	for (i = 0; i < nr; i++)
		r->ops->from_double(w, a + (r0 + i) * ld, AT(buf, i * ldb));
	*ldo = ldb;
	return buf;
}

/* --qk-norm: RMSNorm of rows i < nr of X (d wide, row stride ldx), in
 * place, in double: x·w / sqrt(mean(x²) + eps), w (d) or NULL (ones). */
static void
rmsnorm(const struct run *r, size_t nr, size_t d, char *X, size_t ldx,
    const double *w, double *row)
{
	size_t i, t;

	for (i = 0; i < nr; i++) {
		double ss = 0, inv;

		r->ops->to_double(d, AT(X, i * ldx), row);
		for (t = 0; t < d; t++)
			ss += row[t] * row[t];
		inv = 1 / sqrt(ss / (double)d + r->p->o.qknorm_eps);
		for (t = 0; t < d; t++)
			row[t] = row[t] * inv * (w ? w[t] : 1);
		r->ops->from_double(d, row, AT(X, i * ldx));
	}
}

/* Is input a read from its file with pread(2) rather than through its
 * mapping: a .npy used in place, large enough that input.c kept its
 * file open?  Decoding uses each key once, self-attention each row of
 * X twice (keys and values, then queries), packing a weight each of its
 * rows once (piece_rows()): reading costs a copy into a buffer still in
 * the cache, where a mapping's first touch costs a page fault per page
 * (on some virtual machines many times the copy: Zen 5 guest, 16 MiB,
 * 6-9 ms touched against 1.6-2.5 read, and its pages to unmap at the
 * end; case (a) of the bench 0.261 s against 0.266, (d) 0.142 against
 * 0.146, medians of 21 and 15 interleaved runs). */
static int
on_file(const struct mat *a)
{
	return a->map != NULL && a->fd >= 0;
}

/* Rows r0 .. r0+nr-1 of one head of the mapped input a, read from its
 * file (name) with pread(2) into st; e0 is the sequence's first
 * element, c0 the head's offset and ld the row stride, in elements.
 * Heads side by side in a row (c0 < ld) are read whole once, for all
 * of them.  Returns the head's first row, or NULL with w->err set (the
 * first error only). */
static const double *
file_rows(struct worker *w, struct stage *st, const struct mat *a,
    const char *name, size_t e0, size_t c0, size_t r0, size_t nr,
    size_t ld)
{
	size_t lo, n, got = 0;
	off_t off;
	ssize_t k;

	if (c0 >= ld) {		/* a head of its own: its rows only */
		e0 += c0;
		c0 = 0;
	}
	lo = e0 + r0 * ld;
	n = min2(nr * ld, a->rows * a->cols - lo) * sizeof(double);
	if (st->m == a && st->lo == lo && st->n >= n)
		return st->buf + c0;
	st->m = NULL;
	off = (off_t)((const char *)(a->data + lo) - (const char *)a->map);
	while (got < n) {
		if ((k = pread(a->fd, (char *)st->buf + got, n - got, off +
		    (off_t)got)) > 0)
			got += (size_t)k;
		else if (k < 0 && errno == EINTR)
			continue;
		else {
			if (!w->bad && k == 0)
				err_set(&w->err, name, 0, 0, "expected %zu "
				    "bytes of data at byte %jd, found the end "
				    "of the file (was it cut while being "
				    "read?)", n - got, (intmax_t)(off +
				    (off_t)got));
			else if (!w->bad)
				err_set(&w->err, name, 0, 0, "%s",
				    strerror(errno));
			w->bad = 1;
			return NULL;
		}
	}
	st->m = a;
	st->lo = lo;
	st->n = n;
	return st->buf + c0;
}

/* Rows j0 .. j0+nr-1 of head g (offset c0) of the input a (K or V; X
 * or the memory, c0 0) of sequence b (offset e0), as doubles, row
 * stride ld: from a's file into st when the run reads it so (a stage,
 * st->buf, and on_file()), else in memory.  NULL: a read failed
 * (w->err). */
static const double *
cache_rows(const struct run *r, struct worker *w, struct stage *st,
    const struct mat *a, size_t e0, size_t c0, size_t j0, size_t nr,
    size_t ld)
{
	if (st->buf != NULL && on_file(a))
		return file_rows(w, st, a, plan_name(r->p, a), e0, c0, j0, nr,
		    ld);
	return a->data + e0 + c0 + j0 * ld;
}

/* Rows i0 .. i0+nr-1 of sequence b of the self-attention input a (X,
 * or the memory of keys or of values: n rows of wd a sequence), in the
 * compute type, row stride *ld: in memory, or read from a's file into
 * w->sx; converted into w->mb in a float run.  NULL: a read failed
 * (w->err). */
static const char *
self_rows(const struct run *r, struct worker *w, const struct mat *a,
    size_t b, size_t n, size_t wd, size_t i0, size_t nr, size_t *ld)
{
	const double *d = cache_rows(r, w, &w->sx, a, b * n * wd, 0, i0, nr,
	    wd);

	return d == NULL ? NULL : rows_of(r, d, 0, nr, wd, wd, w->mb, wd, ld);
}

/* Does decoding (keys read in place) hand K and V to qk and pv as the
 * input's doubles (a float run: they convert as they load, instead of
 * a pass over a copy converted first)?  Not when K is changed first
 * (RoPE, RMSNorm), nor for more than ATTN_QR rows a key head, for which
 * qk() would convert each key ceil(rows / ATTN_QR) times and pv() each
 * value a time per 4 rows. */
static int
raw_kv(const struct run *r)
{
	return r->keys == KEYS_ROWS && r->ops->dtype != ATTN_F64 &&
	    !r->p->self && !r->p->o.rope && !r->p->o.qknorm &&
	    head_rows(r->p) <= ATTN_QR;
}

/* Do a block's keys (keys 1) or values (0) go through the worker's kb
 * or vb: projected, converted to float, or (keys) changed by RMSNorm or
 * RoPE?  Else the kernels read the input's own rows, in place or from
 * its file, and the buffer is not made. */
static int
kv_copied(const struct run *r, int keys)
{
	const struct plan *p = r->p;

	return p->self || (r->ops->dtype != ATTN_F64 && !raw_kv(r)) ||
	    (keys && (p->o.rope || p->o.qknorm));
}

/* The values of keys j0 .. j0+bc-1 of sequence b for key head g, as
 * key_rows() gives them, after key_rows() of the same keys (which
 * projects them, self-attention), into *vb, row stride *ldv.  Returns
 * 0, or -1 if a file could not be read (w->err). */
static int
value_rows(const struct run *r, struct worker *w, size_t b, size_t j0,
    size_t bc, size_t g, const char **vb, size_t *ldv)
{
	const struct plan *p = r->p;
	const double *vd;

	if (p->self) {
		*vb = AT(w->vb, g * p->dv);
		*ldv = r->gv;
		return 0;
	}
	if ((vd = cache_rows(r, w, &w->sv, p->v, b * p->vs[0], g * p->vs[1],
	    j0, bc, p->vs[2])) == NULL)
		return -1;
	if (raw_kv(r)) {
		*vb = (const char *)vd;
		*ldv = p->vs[2];
	} else
		*vb = rows_of(r, vd, 0, bc, p->dv, p->vs[2], w->vb ? AT(w->vb,
		    g * p->dv) : NULL, r->gv, ldv);
	return 0;
}

/* The keys and values j0 .. j0+bc-1 (a block, bc <= ATTN_BC, or a
 * piece of one, decoding) of sequence b for key head g, in the compute
 * type: the input's own rows when they can be read in place (or from
 * their file, decoding), else projected (all heads at once, when g is
 * 0), converted or rotated into w's scratch; with raw_kv(), the
 * input's doubles as they are.  Rows go in *kb, *vb with row strides
 * *ldk, *ldv; vb NULL: the keys only (decoding reads the values with
 * value_rows() when it needs them, so that the keys' rows are still in
 * cache for their dot products).  Returns 0, or -1 if a file could not
 * be read (w->err). */
static int
key_rows(const struct run *r, struct worker *w, size_t b, size_t j0,
    size_t bc, size_t g, const char **kb, size_t *ldk, const char **vb,
    size_t *ldv)
{
	const struct plan *p = r->p;
	size_t ld;
	char *kw = w->kb ? AT(w->kb, g * p->dk) : NULL;	/* kv_copied() */

	if (p->self) {
		if (g == 0) {
			const char *m = self_rows(r, w, p->mem, b, p->m, p->dm,
			    j0, bc, &ld);

			if (m == NULL)
				return -1;
			r->ops->linear(bc, p->dm, r->hk, m, ld, r->wk, p->bk,
			    w->kb, r->hk, w->work);
			if (p->memv != p->mem &&	/* --memory-values */
			    (m = self_rows(r, w, p->memv, b, p->m, p->dmv, j0,
			    bc, &ld)) == NULL)
				return -1;
			r->ops->linear(bc, p->dmv, r->gv, m, ld, r->wv, p->bv,
			    w->vb, r->gv, w->work);
		}
		*kb = kw;
		*ldk = r->hk;
	} else {
		/* row i of head g: (b·s0 + g·s1)/s2 + i rows in */
		const double *kd = cache_rows(r, w, &w->sk, p->k, b * p->ks[0],
		    g * p->ks[1], j0, bc, p->ks[2]);

		if (kd == NULL)
			return -1;
		if (raw_kv(r)) {
			*kb = (const char *)kd;
			*ldk = p->ks[2];
		} else
			*kb = rows_of(r, kd, 0, bc, p->dk, p->ks[2], kw, r->hk,
			    ldk);
	}
	if (vb != NULL && value_rows(r, w, b, j0, bc, g, vb, ldv) != 0)
		return -1;
	if (p->o.rope || p->o.qknorm) {
		/* RMSNorm and RoPE change a copy, never the input */
		if (*kb != kw)
			copy_rows(r, bc, p->dk, *kb, *ldk, kw, r->hk);
		if (p->o.qknorm)
			rmsnorm(r, bc, p->dk, kw, r->hk, p->knorm, w->nb);
		if (p->o.rope)
			r->ops->rope(bc, p->dk, kw, r->hk, (long long)j0,
			    p->o.rope_base, p->rope_freq, p->rope_nf);
		*kb = kw;
		*ldk = r->hk;
	}
	return 0;
}

/* Does the block of n rows of w elements of the compute type at v (row
 * stride ld; doubles whatever the type with dbl) hold an infinity or a
 * NaN?  Doubles of a float run count as the floats the kernels make of
 * them: 1e39 is +inf there. */
static int
nonfinite(const struct run *r, const char *v, size_t n, size_t w,
    size_t ld, int dbl)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < w; j++) {
			double x;

			if (r->ops->dtype == ATTN_F64)
				x = ((const double *)v)[i * ld + j];
			else if (dbl)
				x = (float)((const double *)v)[i * ld + j];
			else
				x = ((const float *)v)[i * ld + j];
			if (!isfinite(x))
				return 1;
		}
	return 0;
}

/* Pack key block blk of sequence b for every key head g: K_g at kp +
 * g·ks, V_g at vp + g·vs elements (additive scores: k·Ua into ka), and
 * vbad[g·fs] = whether V_g holds an infinity or a NaN.  Returns 0, or
 * -1 if a file could not be read (w->err). */
static int
pack_block(const struct run *r, struct worker *w, size_t b, size_t blk,
    char *kp, size_t ks, char *vp, size_t vs, unsigned char *vbad,
    size_t fs)
{
	const struct plan *p = r->p;
	size_t j0 = blk * ATTN_BC, bc = min2(p->m - j0, ATTN_BC), g, ldk, ldv;
	const char *kb, *vb;

	for (g = 0; g < p->G; g++) {
		if (key_rows(r, w, b, j0, bc, g, &kb, &ldk, &vb, &ldv) != 0)
			return -1;
		if (p->o.score == SCORE_ADDITIVE)
			r->ops->linear(bc, p->dk, p->da, kb, ldk, r->ua, NULL,
			    AT(r->ka, (g * p->m + j0) * p->da), p->da,
			    w->work);
		else
			r->ops->pack_bt(p->dk, bc, kb, ldk, AT(kp, g * ks));
		r->ops->pack_b(bc, p->dv, vb, ldv, AT(vp, g * vs));
		vbad[g * fs] = (unsigned char)nonfinite(r, vb, bc, p->dv, ldv,
		    0);
	}
	return 0;
}

/* Pack key block kb0 + t of sequence j->b (a task of sequence()): from
 * memory, or projected from X's rows, which may be read from its file
 * (a failure left in the worker's bad, err and badtask). */
static void
pack_task(void *arg, size_t t, int id)
{
	const struct job *j = arg;
	struct run *r = j->r;
	struct worker *w = &r->thr[id];

	if (pack_block(r, w, j->b, r->kb0 + t, AT(r->kp, t * r->kstride),
	    r->nkb * r->kstride, AT(r->vp, t * r->vstride), r->nkb *
	    r->vstride, r->vbad + t, r->nkb) != 0 && w->badtask == 0)
		w->badtask = t + 1;
}

/* Did a read of the last job's tasks (weight_task, pack_task) fail?
 * 1, with e the error of the first task that failed (workers take
 * tasks in order: each one's first failure is its earliest), whatever
 * the threads. */
static int
task_failed(const struct run *r, struct err *e)
{
	size_t i, first = 0;

	for (i = 0; i < r->nw; i++)
		if (r->thr[i].badtask != 0 && (first == 0 ||
		    r->thr[i].badtask < r->thr[first - 1].badtask))
			first = i + 1;
	if (first == 0)
		return 0;
	*e = r->thr[first - 1].err;
	return 1;
}

/* The kernel's queries of rows i0 .. i0+nq-1 (global) of sequence b for
 * every head, into w->qk[h], w->ldq[h]: Q_h (projected, rotated), or
 * Q_h·Wa.  keep: also copy them to qall for the weights pass.  Returns
 * 0, or -1 if X's file could not be read (w->err). */
static int
queries(const struct run *r, struct worker *w, size_t b, size_t i0,
    size_t nq, int keep)
{
	const struct plan *p = r->p;
	size_t h, ldq;
	const char *qh;
	char *qw;

	if (p->self) {
		/* float: the block's rows of X converted here, by the
		 * task, not the whole of X beforehand */
		const char *x = self_rows(r, w, p->x, b, p->n, p->d, i0, nq,
		    &ldq);

		if (x == NULL)
			return -1;
		r->ops->linear(nq, p->d, r->hq, x, ldq, r->wq, p->bq, w->qb,
		    r->hq, w->work);
	}
	for (h = 0; h < p->H; h++) {
		if (p->self) {
			qh = AT(w->qb, h * p->dq);
			ldq = r->hq;
		} else {
			qh = AT(r->x, b * p->qs[0] + h * p->qs[1] + i0 *
			    p->qs[2]);
			ldq = p->qs[2];
		}
		if (p->o.rope || p->o.qknorm) {
			/* RMSNorm and RoPE change a copy, never the input */
			qw = AT(w->qb, h * p->dq);
			if (!p->self)
				copy_rows(r, nq, p->dq, qh, ldq, qw, r->hq);
			if (p->o.qknorm)
				rmsnorm(r, nq, p->dq, qw, r->hq, p->qnorm,
				    w->nb);
			if (p->o.rope)
				r->ops->rope(nq, p->dq, qw, r->hq, (long long)(i0
				    + r->shift), p->o.rope_base, p->rope_freq,
				    p->rope_nf);
			qh = qw;
			ldq = r->hq;
		}
		if (p->o.score != SCORE_DOT) {
			qw = AT(w->qg, h * r->dqk);
			r->ops->linear(nq, p->dq, r->dqk, qh, ldq, r->wa, NULL,
			    qw, p->H * r->dqk, w->work);
			qh = qw;
			ldq = p->H * r->dqk;
		}
		w->qk[h] = qh;
		w->ldq[h] = ldq;
		if (keep && r->qall != NULL)
			copy_rows(r, nq, r->dqk, qh, ldq, AT(r->qall, (h *
			    p->nout + i0 - p->q0) * r->dqk), r->dqk);
	}
	return 0;
}

/* Decoding (KEYS_ROWS), keys read from their file: keys a read (a
 * piece of a key block), from the shape alone: the block, halved while
 * its rows take more than PIECE_BYTES, so that a piece is still in the
 * L2 cache when every head that shares it has used it.  (Case (g) of
 * the bench, blocks of 256 keys of 2 KiB, Zen 3: user time, which the
 * dot products and P·V are most of, 0.241 s against 0.275 in whole
 * blocks, two threads, medians of 16 interleaved runs; the kernel's
 * copy about the same.)  Not smaller than 256 KiB, half of the smallest
 * L2 of these machines: each piece is a pread(2), whose entry, file
 * lookup and page-cache walk cost about 2 µs on a paravirtualised guest
 * (a fifth of the samples at 128 KiB; Zen 5, 1 MiB of L2: (g) n = 1 in
 * 0.263 s on one thread and 0.143 on two against 0.297 and 0.161 in
 * pieces of 128 KiB, and 0.276 and 0.146 in whole blocks, medians of
 * 20 interleaved runs).  The pieces change no bit: each score is its
 * own sum, and P·V's sums run over the keys in order. */
#define PIECE_BYTES (256 << 10)
#define PIECE_MIN 16

static size_t
piece_keys(const struct run *r, const struct worker *w)
{
	size_t n = ATTN_BC;
	size_t row = max2(r->p->ks[2], r->p->vs[2]) * sizeof(double);

	if (w->sk.buf == NULL && w->sv.buf == NULL)
		return n;
	while (n > PIECE_MIN && n * row > PIECE_BYTES)
		n /= 2;
	return n;
}

/* Row i (global) of head h's kept scores. */
static double *
kept_row(const struct run *r, size_t h, size_t i)
{
	return r->sk + (h * r->p->nout + i - r->p->q0) * r->p->m;
}

/* Decoding (KEYS_ROWS): lay out the rows i0 .. i0+nq-1 of each key
 * head's query heads for qk(), into w->qt (qk_prep(): once for every
 * block of the chunk). */
static void
lay_queries(const struct run *r, struct worker *w, size_t nq)
{
	const struct plan *p = r->p;
	const void *q[ROWS_MAX];
	size_t hg = p->H / p->G, g, h, i, R;

	for (g = 0; g < p->G; g++) {
		for (R = 0, h = g * hg; h < (g + 1) * hg; h++)
			for (i = 0; i < nq; i++)
				q[R++] = AT(w->qk[h], i * w->ldq[h]);
		r->ops->qk_prep(R, p->dk, q, AT(w->qt, g * r->qts));
	}
}

/* Decoding (KEYS_ROWS): fold key block jb (up to j1) of sequence b into
 * the state (M, L, O, as chunk_state()) of rows i0 .. i0+nq-1 of every
 * head, the keys and values read in place a piece at a time
 * (piece_keys()).  First the scores of every head into w->ks (head h's
 * at h·nq·ATTN_BC, ld ATTN_BC, as keys->S of block()): for each piece,
 * each key head's rows (nq·H/G <= ROWS_MAX, laid out in w->qt) in one
 * qk(), a piece of heads side by side in a row read once for all of
 * them.  Then each head's block().  Then P·V, piece by piece, each value
 * row read once for the live query heads (w->live) of its key head,
 * summed from 0 in w->ot, and added to O (addto(), as block() does).
 * Returns 0, or -1 if a file could not be read (w->err). */
static int
rows_block(const struct run *r, struct worker *w, size_t b, size_t i0,
    size_t nq, size_t jb, size_t j1, char *M, char *L, char *O)
{
	const struct plan *p = r->p;
	const void *P[ROWS_MAX];
	void *Or[ROWS_MAX];
	const char *kb, *vb;
	size_t hg = p->H / p->G, bc = min2(p->m - jb, ATTN_BC);
	size_t pk = piece_keys(r, w), j, n, g, h, i, R, ldk, ldv;
	struct attn_keys keys;

	for (j = 0; j < bc; j += pk) {
		n = min2(pk, bc - j);
		for (g = 0; g < p->G; g++) {
			if (key_rows(r, w, b, jb + j, n, g, &kb, &ldk, NULL,
			    NULL) != 0)
				return -1;
			r->ops->qk(hg * nq, p->dk, n, AT(w->qt, g * r->qts),
			    kb, ldk, raw_kv(r), AT(w->ks, g * hg * nq *
			    ATTN_BC + j), ATTN_BC);
		}
	}
	memset(&keys, 0, sizeof keys);
	for (h = 0; h < p->H; h++) {
		keys.S = AT(w->ks, h * nq * ATTN_BC);
		w->live[h] = r->ops->block(&r->head[h], i0, nq, w->qk[h],
		    w->ldq[h], jb, min2(jb + ATTN_BC, j1), &keys, AT(M, h *
		    r->br), AT(L, h * r->br), AT(O, h * p->dv), r->ho, r->sk ?
		    kept_row(r, h, i0) : NULL, p->m, w->work) > 0;
		for (i = 0; w->live[h] && i < nq; i++)
			memset(AT(w->ot, i * r->ho + h * p->dv), 0, p->dv *
			    r->E);
	}
	for (j = 0; j < bc; j += pk) {
		n = min2(pk, bc - j);
		for (g = 0; g < p->G; g++) {
			for (R = 0, h = g * hg; h < (g + 1) * hg; h++)
				for (i = 0; w->live[h] && i < nq; i++) {
					P[R] = AT(w->ks, (h * nq + i) *
					    ATTN_BC + j);
					Or[R++] = AT(w->ot, i * r->ho + h *
					    p->dv);
				}
			if (R == 0)
				continue;
			if (value_rows(r, w, b, jb + j, n, g, &vb, &ldv) != 0)
				return -1;
			r->ops->pv(R, p->dv, n, P, vb, ldv, raw_kv(r), Or);
		}
	}
	for (h = 0; h < p->H; h++)
		if (w->live[h])
			r->ops->addto(nq, p->dv, AT(w->ot, h * p->dv), r->ho,
			    AT(O, h * p->dv), r->ho);
	return 0;
}

/* Every head's state of rows i0 .. i0+nq-1 over key chunk c, from the
 * queries in w->qk: into M, L (H, br) and O (br, H·dv).  nq <= br: a
 * query group of several blocks of ATTN_BR rows with prepacked keys
 * (QG_MAX), else one.  Prepacked keys are read chunk by chunk, head by
 * head, by each block of the group in turn; else block by block, packed
 * by the task, or (decoding) read in place by rows_block().
 * r->keep: the scores also go to the rows' kept scores (sk) at their
 * columns.  The columns of chunk c (from 0 for the first chunk, to m
 * for the last: the chunks share [0, m) out) are set to -inf first, as
 * block() writes only the blocks it reads: the others are hidden.
 * M0 (H, nq) not NULL: each row starts from M0, not -inf, with L = 0
 * and O = 0 (chunk_safe()).
 * Returns 0, or -1 if a file could not be read (w->err). */
static int
chunk_state(const struct run *r, struct worker *w, size_t b, size_t i0,
    size_t nq, size_t c, char *M, char *L, char *O, const char *M0)
{
	const struct plan *p = r->p;
	size_t j0 = max2(c * ATTN_KC, r->kb0 * ATTN_BC);
	size_t j1 = min2((c + 1) * ATTN_KC, p->k1), h, g, jb, blk, i, j;
	size_t q, nr, step, hg = p->H / p->G;
	struct attn_keys keys;

	for (h = 0; h < p->H; h++) {
		r->ops->begin(nq, p->dv, AT(M, h * r->br), AT(L, h * r->br),
		    AT(O, h * p->dv), r->ho);
		if (M0 != NULL)
			copy_rows(r, 1, nq, AT(M0, h * nq), 0, AT(M, h * r->br),
			    0);
	}
	if (r->sk != NULL) {
		size_t lo = c == r->c0 ? 0 : c * ATTN_KC;
		size_t hi = c + 1 == r->c0 + r->nch ? p->m : (c + 1) * ATTN_KC;

		for (h = 0; h < p->H; h++)
			for (i = 0; i < nq; i++) {
				double *s = kept_row(r, h, i0 + i);

				for (j = lo; j < hi; j++)
					s[j] = -INFINITY;
			}
	}
	if (r->keys == KEYS_ROWS)
		lay_queries(r, w, nq);
	memset(&keys, 0, sizeof keys);
	/* prepacked: the whole chunk in each block() call */
	step = r->keys == KEYS_PREPACKED ? j1 - j0 : ATTN_BC;
	for (jb = j0; jb < j1; jb += step) {
		if (r->keys == KEYS_ROWS) {
			if (rows_block(r, w, b, i0, nq, jb, j1, M, L, O) != 0)
				return -1;
			continue;
		}
		if (r->keys == KEYS_PACKED && pack_block(r, w, b, jb /
		    ATTN_BC, w->kp, r->kstride, w->vp, r->vstride, w->vbad,
		    1) != 0)
			return -1;
		for (h = 0; h < p->H; h++) {
			g = h / hg;
			if (r->keys == KEYS_PREPACKED) {
				blk = jb / ATTN_BC - r->kb0;
				keys.kp = AT(r->kp, (g * r->nkb + blk) *
				    r->kstride);
				keys.vp = AT(r->vp, (g * r->nkb + blk) *
				    r->vstride);
				keys.vbad = r->vbad + g * r->nkb + blk;
			} else {
				keys.kp = AT(w->kp, g * r->kstride);
				keys.vp = AT(w->vp, g * r->vstride);
				keys.vbad = w->vbad + g;
			}
			/* a query group: its blocks one after another,
			 * while this head's chunk of keys is in cache */
			for (q = 0; q < nq; q += ATTN_BR) {
				nr = min2(nq - q, ATTN_BR);
				r->ops->block(&r->head[h], i0 + q, nr,
				    AT(w->qk[h], q * w->ldq[h]), w->ldq[h], jb,
				    min2(jb + step, j1), &keys, AT(M, h * r->br +
				    q), AT(L, h * r->br + q), AT(O, q * r->ho +
				    h * p->dv), r->ho, r->sk ? kept_row(r, h, i0
				    + q) : NULL, p->m, w->work);
			}
		}
	}
	return 0;
}

/* Has row i of head h of the state (M, L, O) overflowed: M and L finite,
 * L > 0, and O holding an infinity or a NaN? */
static int
overflowed(const struct run *r, const char *M, const char *L,
    const char *O, size_t h, size_t i)
{
	double m, l;

	r->ops->to_double(1, AT(M, h * r->br + i), &m);
	r->ops->to_double(1, AT(L, h * r->br + i), &l);
	return isfinite(m) && isfinite(l) && l > 0 && nonfinite(r, AT(O, i *
	    r->ho + h * r->p->dv), 1, r->p->dv, 0, 0);
}

/* Do the values of chunk c of sequence b for key head g hold an
 * infinity or a NaN?  0 or 1, or -1 if a file could not be read
 * (w->err).  Prepacked: as the packing found (vbad); else read again,
 * a piece at a time (rare: chunk_safe() asks for a row that came out
 * infinite or NaN), key head 0 first, whose key_rows() projects every
 * head's (self-attention). */
static int
chunk_nonfinite(const struct run *r, struct worker *w, size_t b,
    size_t c, size_t g)
{
	const struct plan *p = r->p;
	size_t j0 = max2(c * ATTN_KC, r->kb0 * ATTN_BC);
	size_t j1 = min2((c + 1) * ATTN_KC, p->k1), pk = piece_keys(r, w);
	size_t j, n, ldk, ldv;
	const char *kb, *vb;

	if (r->keys == KEYS_PREPACKED) {
		for (j = j0 / ATTN_BC; j * ATTN_BC < j1; j++)
			if (r->vbad[g * r->nkb + j - r->kb0])
				return 1;
		return 0;
	}
	for (j = j0; j < j1; j += n) {
		n = min2(pk, j1 - j);
		if ((g > 0 && key_rows(r, w, b, j, n, 0, &kb, &ldk, &vb,
		    &ldv) != 0) || key_rows(r, w, b, j, n, g, &kb, &ldk, &vb,
		    &ldv) != 0)
			return -1;
		if (nonfinite(r, vb, n, p->dv, ldv, raw_kv(r)))
			return 1;
	}
	return 0;
}

/*
 * chunk_state(), safe from overflow.  A row's sums O = sum exp(s - M)·v
 * are divided by L only at the end (finish()), so values near the
 * largest number can overflow them where the output, an average of the
 * values, is finite (PyTorch's math path divides first).  Such a row,
 * when the chunk's values are all finite, is computed again from a
 * reference raised ATTN_SHIFT above the maximum the first try found
 * (attn_raise()): the chunk's sums, of at most ATTN_KC keys, then stay
 * far from the largest number; the terms left out, below about e^-676
 * of the largest (e^-55 in float), are ones that the first try's sums
 * could not tell from 0 either.  With an infinite or NaN value among
 * them it keeps its first try: the raise would leave out such a value
 * of a key whose weight was small but not 0, and PyTorch's infinity or
 * NaN with it.  Every other row is the first try's, bit for bit (the
 * same steps from the same empty state).  Returns 0, or -1 (w->err).
 */
static int
chunk_safe(const struct run *r, struct worker *w, size_t b, size_t i0,
    size_t nq, size_t c, char *M, char *L, char *O)
{
	const struct plan *p = r->p;
	size_t h, i, hg = p->H / p->G, again = 0;
	signed char *bad;	/* per key head: chunk_nonfinite(), 2 unknown */
	char *M0;
	double m;
	int rc;

	if (chunk_state(r, w, b, i0, nq, c, M, L, O, NULL) != 0)
		return -1;
	for (h = 0; h < p->H; h++)
		for (i = 0; i < nq; i++)
			again += overflowed(r, M, L, O, h, i);
	if (again == 0)
		return 0;
	/* the second try's references, raised or -inf (begin()), then bad */
	if ((M0 = mat_buf(p->H * nq * r->E + p->G, 1, "buffers",
	    &w->err)) == NULL) {
		w->bad = 1;
		return -1;
	}
	bad = (signed char *)AT(M0, p->H * nq);
	memset(bad, 2, p->G);
	again = 0;
	for (h = 0; h < p->H; h++)
		for (i = 0; i < nq; i++) {
			m = -INFINITY;
			if (overflowed(r, M, L, O, h, i)) {
				if (bad[h / hg] == 2 && (rc = chunk_nonfinite(r,
				    w, b, c, h / hg)) >= 0)
					bad[h / hg] = (signed char)rc;
				if (bad[h / hg] == 2) {
					free(M0);
					w->bad = 1;
					return -1;
				}
				r->ops->to_double(1, AT(M, h * r->br + i), &m);
				m = bad[h / hg] ? NAN : attn_raise(r->ops->dtype,
				    m);
				m = m == m ? m : -INFINITY;
				again += m != -INFINITY;
			}
			r->ops->from_double(1, &m, AT(M0, h * nq + i));
		}
	rc = again == 0 ? 0 : chunk_state(r, w, b, i0, nq, c, M, L, O, M0);
	free(M0);
	return rc;
}

/* Fold state 2 into state 1, every head. */
static void
merge_state(const struct run *r, size_t nq, char *M, char *L, char *O,
    const char *M2, const char *L2, const char *O2)
{
	const struct plan *p = r->p;
	size_t h;

	for (h = 0; h < p->H; h++)
		r->ops->merge(nq, p->dv, AT(M, h * r->br), AT(L, h * r->br),
		    AT(O, h * p->dv), r->ho, AT(M2, h * r->br), AT(L2, h *
		    r->br), AT(O2, h * p->dv), r->ho);
}

/* --query-lengths, --query-padding: is query row i (global) of
 * sequence b padding? */
static int
padded(const struct plan *p, size_t b, size_t i)
{
	return (p->qlen != NULL && i >= p->qlen[b]) ||
	    (p->qpad != NULL && p->qpad[b * p->qpad_sb + i]);
}

/* The padding rows among i0 .. i0+nq-1 (global) of sequence b, of one
 * head: output 0, LSE -inf, and M = -inf, L = 0 (a row that saw no
 * key), so that the weights pass gives zeros, whatever its scores were
 * (a NaN among them had made L NaN, and its weights NaN).  Returns how
 * many of them end() counted as fully masked: padding rows are
 * expected, and not warned about. */
static size_t
unpad(const struct run *r, size_t b, size_t i0, size_t nq, char *M,
    char *L, char *O, double *lse)
{
	const double ninf = -INFINITY;
	size_t k, j, dead = 0;
	double mk;

	for (k = 0; k < nq; k++) {
		if (!padded(r->p, b, i0 + k))
			continue;
		r->ops->to_double(1, AT(M, k), &mk);
		dead += mk == ninf;
		r->ops->from_double(1, &ninf, AT(M, k));
		r->ops->from_double(1, &(const double){ 0 }, AT(L, k));
		for (j = 0; j < r->p->dv; j++)
			r->ops->from_double(1, &(const double){ 0 }, AT(O, k *
			    r->ho + j));
		if (lse != NULL)
			lse[k] = ninf;
	}
	return dead;
}

/* Is output i (PLAN_Y, PLAN_W) given, and its bytes its rows' own
 * (out_verbatim): the output's in the compute type, the weights' in
 * double?  Then a slot's rows are put from where they were made,
 * without a formatted copy: 1 GiB of copying less for case (f) of the
 * bench, and no txt in the slots. */
static int
verbatim(const struct run *r, int i)
{
	return r->out[i] != NULL && out_verbatim(r->out[i]) && (i ==
	    PLAN_Y || r->ops->dtype == ATTN_F64);
}

/* The end of rows i0 .. i0+nq-1: normalise every head, keep what the
 * weights pass and the LSE need, and format the output rows into s
 * (with y and work as scratch; a verbatim() output's rows are made in
 * s->d).  Returns the rows with no visible key. */
static size_t
finish(const struct run *r, size_t b, size_t i0, size_t nq, char *M,
    char *L, char *O, char *y, void *work, struct slot *s)
{
	const struct plan *p = r->p;
	size_t h, dead = 0, i = i0 - p->q0;
	int vb = verbatim(r, PLAN_Y);

	for (h = 0; h < p->H; h++) {
		/* the sink is folded into M, L first: the weights read them */
		dead += r->ops->end(nq, p->dv, AT(M, h * r->br), AT(L, h *
		    r->br), AT(O, h * p->dv), r->ho, r->lse ? r->lse + h *
		    p->nout + i : NULL, p->sinks && p->k0 == 0 ? p->sinks + h :
		    NULL);
		if (p->qlen != NULL || p->qpad != NULL)
			dead -= unpad(r, b, i0, nq, AT(M, h * r->br), AT(L, h *
			    r->br), AT(O, h * p->dv), r->lse ? r->lse + h *
			    p->nout + i : NULL);
		if (r->rmax != NULL) {
			copy_rows(r, 1, nq, AT(M, h * r->br), 0, AT(r->rmax,
			    h * p->nout + i), 0);
			copy_rows(r, 1, nq, AT(L, h * r->br), 0, AT(r->rsum,
			    h * p->nout + i), 0);
		}
	}
	s->rows = nq;
	if (p->perhead && p->wo == NULL) {
		/* kept for the per-head layout, written after the phase */
		copy_rows(r, nq, r->hv, O, r->ho, AT(r->obatch, i * r->hv),
		    r->hv);
		s->len = 0;
		return dead;
	}
	if (vb)
		y = (char *)s->d;	/* the rows are the output's bytes */
	if (p->wo != NULL) {
		r->ops->linear(nq, r->hv, p->dout, O, r->ho, r->wo, p->bo, y,
		    p->dout, work);
		O = y;
	} else if (r->ho != r->hv || vb) {
		/* the rows side by side, as the writer takes them */
		copy_rows(r, nq, p->dout, O, r->ho, y, p->dout);
		O = y;
	}
	if (vb) {
		s->bytes = y;
		s->len = nq * p->dout * r->E;
		return dead;
	}
	s->bytes = s->txt;
	s->len = r->ops->dtype == ATTN_F64 ? out_format(r->out[PLAN_Y],
	    (const double *)(const void *)O, nq, b * p->nout + i, s->txt) :
	    out_format_float(r->out[PLAN_Y], (const float *)(const void *)O,
	    nq, b * p->nout + i, s->txt, s->d);
	return dead;
}

/* Did slot s's task fail to read a file?  Then its worker's error
 * becomes the run's (the worker records only its first, so it is not
 * being written now), and the pipeline stops. */
static int
read_failed(struct run *r, const struct slot *s)
{
	if (s->bad == 0)
		return 0;
	r->err = r->thr[s->bad - 1].err;
	return 1;
}

/* The query blocks of the tail's first tasks (QG_TAIL, QG_HEAD in
 * all); then one. */
static const size_t qg_tail[] = { QG_MAX / 2, QG_MAX / 2, QG_MAX / 4,
    QG_MAX / 4 };
#define NTAIL (sizeof qg_tail / sizeof qg_tail[0])

/* The blocks after the ngt groups: a grouped run's tail, else none. */
static size_t
tail_blocks(const struct run *r)
{
	return r->nqb - r->ngt * r->qg;
}

/* Query-split: the tasks of a sequence, ngt groups of qg blocks, then
 * the tail's (its first NTAIL tasks take QG_HEAD blocks). */
static size_t
query_tasks(const struct run *r)
{
	size_t tail = tail_blocks(r);

	return r->ngt + (tail > 0 ? NTAIL + tail - QG_HEAD : 0);
}

/* The rows i0 .. i0+nq-1 of query-split task t (query_tasks()). */
static void
task_rows(const struct run *r, size_t t, size_t *i0, size_t *nq)
{
	size_t b = t * r->qg, nb = r->qg, k;

	if (t >= r->ngt) {
		b = r->ngt * r->qg;
		for (k = 0, t -= r->ngt; k < NTAIL && t > 0; k++, t--)
			b += qg_tail[k];
		nb = k < NTAIL ? qg_tail[k] : 1;
		b += t;
	}
	*i0 = r->p->q0 + b * ATTN_BR;
	*nq = min2(r->p->q1 - *i0, nb * ATTN_BR);
}

/* Query-split: task t's query blocks, every chunk in turn. */
static void
query_task(void *arg, size_t t, size_t k, int id)
{
	const struct job *j = arg;
	const struct run *r = j->r;
	struct worker *w = &r->thr[id];
	struct slot *s = &r->slot[k];
	size_t i0, nq, c;

	task_rows(r, t, &i0, &nq);

	/* chunk after chunk: the first into the state itself (merging
	 * into an empty state is an exact copy), the rest merged */
	s->bad = 0;
	if (queries(r, w, j->b, i0, nq, 1) != 0 ||
	    chunk_safe(r, w, j->b, i0, nq, r->c0, w->M, w->L, w->ob) != 0) {
		s->bad = id + 1;
		return;
	}
	for (c = r->c0 + 1; c < r->c0 + r->nch; c++) {
		if (chunk_safe(r, w, j->b, i0, nq, c, w->M2, w->L2, w->O2) !=
		    0) {
			s->bad = id + 1;
			return;
		}
		merge_state(r, nq, w->M, w->L, w->ob, w->M2, w->L2, w->O2);
	}
	s->dead = finish(r, j->b, i0, nq, w->M, w->L, w->ob, w->yb, w->work,
	    s);
}

static int
query_put(void *arg, size_t t, size_t k)
{
	const struct job *j = arg;
	struct run *r = j->r;
	struct slot *s = &r->slot[k];

	(void)t;
	if (read_failed(r, s))
		return -1;
	r->dead += s->dead;
	progress_add(r->pg, s->rows * r->nch * r->p->H * r->pa);
	if (s->len > 0 && out_put(r->out[PLAN_Y], s->bytes, s->len, s->rows,
	    &r->err) != 0)
		return -1;
	return 0;
}

/* The state of slot st: M, L at st, (H, br) each, then O (br, H·dv). */
#define ST_M(st) (st)
#define ST_L(st) AT(st, p->H * r->br)
#define ST_O(st) AT(st, 2 * p->H * r->br)

/* Key-split: chunk t % nch of query block t / nch. */
static void
chunk_task(void *arg, size_t t, size_t k, int id)
{
	const struct job *j = arg;
	const struct run *r = j->r;
	const struct plan *p = r->p;
	struct worker *w = &r->thr[id];
	char *st = r->slot[k].st;
	size_t qb = t / r->nch, c = t % r->nch;
	size_t i0 = p->q0 + qb * ATTN_BR, nq = min2(p->q1 - i0, ATTN_BR);

	/* the weights pass keeps the queries of the first chunk's task */
	r->slot[k].bad = queries(r, w, j->b, i0, nq, c == 0) != 0 ||
	    chunk_safe(r, w, j->b, i0, nq, r->c0 + c, ST_M(st), ST_L(st),
	    ST_O(st)) != 0 ? id + 1 : 0;
}

/* Merge the chunks in order; the last one ends the block and writes it. */
static int
chunk_put(void *arg, size_t t, size_t k)
{
	const struct job *j = arg;
	struct run *r = j->r;
	const struct plan *p = r->p;
	struct worker *w = &r->put;
	struct slot *s = &r->slot[k];
	size_t qb = t / r->nch, c = t % r->nch;
	size_t i0 = p->q0 + qb * ATTN_BR, nq = min2(p->q1 - i0, ATTN_BR);

	if (read_failed(r, s))
		return -1;
	if (c == 0) {
		copy_rows(r, 1, 2 * p->H * r->br, s->st, 0, w->M, 0);
		copy_rows(r, nq, r->hv, ST_O(s->st), r->ho, w->ob, r->ho);
	} else
		merge_state(r, nq, w->M, w->L, w->ob, ST_M(s->st),
		    ST_L(s->st), ST_O(s->st));
	progress_add(r->pg, nq * p->H * r->pa);
	if (c + 1 < r->nch)
		return 0;
	r->dead += finish(r, j->b, i0, nq, w->M, w->L, w->ob, w->yb, w->work,
	    s);
	if (s->len > 0 && out_put(r->out[PLAN_Y], s->bytes, s->len, s->rows,
	    &r->err) != 0)
		return -1;
	return 0;
}

/* Are the weights wanted: written (-a), or drawn? */
static int
want_w(const struct run *r)
{
	return r->out[PLAN_W] != NULL || r->out[PLAN_PIC] != NULL;
}

static size_t
p_m(const struct run *r)
{
	return r->p->m;
}

/* Where the weights of task t of the weights pass of head j->h (or of
 * the mean) go: the slot's rows, or, with kept scores, their place (the
 * mean into the first head's rows). */
static double *
weight_rows(const struct run *r, const struct job *j, size_t t,
    struct slot *s)
{
	const struct plan *p = r->p;

	return r->keep ? kept_row(r, p->o.average ? 0 : j->h, p->q0 + t *
	    r->wrows) : s->d;
}

/* The weights of head j->h (or the mean over heads) for a block of rows,
 * into weight_rows(). */
static void
weights_task(void *arg, size_t t, size_t k, int id)
{
	const struct job *jb = arg;
	const struct run *r = jb->r;
	const struct plan *p = r->p;
	struct worker *w = &r->thr[id];
	struct slot *s = &r->slot[k];
	size_t i = t * r->wrows, h, j, row0;
	size_t nq = min2(p->nout - i, r->wrows);
	size_t h0 = p->o.average ? 0 : jb->h, h1 = p->o.average ? p->H :
	    jb->h + 1;
	double *d = weight_rows(r, jb, t, s), *sum = r->keep ? d : s->sum;
	int marks = r->out[PLAN_PIC] != NULL;

	for (h = h0; h < h1; h++) {
		size_t hn = h * p->nout + i;
		double *wh = r->keep ? kept_row(r, h, p->q0 + i) : s->d;

		r->ops->weights(&r->head[h], p->q0 + i, nq, r->keep ? NULL :
		    AT(r->qall, hn * r->dqk), r->dqk, AT(r->rmax, hn),
		    AT(r->rsum, hn), wh, p->m, r->keep, marks, w->work);
		if (!p->o.average)
			break;
		/* the mean over heads: summed in head order, then / H */
		for (j = 0; j < nq * p->m; j++)
			sum[j] = h == 0 ? wh[j] : sum[j] + wh[j];
	}
	if (p->o.average)
		for (j = 0; j < nq * p->m; j++) {
			d[j] = sum[j] / (double)p->H;
			/* float's, for -a and the pictures alike */
			if (r->ops->dtype != ATTN_F64)
				d[j] = (double)(float)d[j];
		}
	/* the pictures keep the marks of hidden keys (-0.0, whose mean
	 * over heads stays -0.0 only where every head hides the key); -a
	 * writes +0 there, as without them (pic: pictures and -a both) */
	if (s->pic != NULL) {
		memcpy(s->pic, d, nq * p->m * sizeof *d);
		for (j = 0; j < nq * p->m; j++)
			d[j] = d[j] == 0 ? 0 : d[j];
	}
	s->rows = nq;
	s->dead = 0;
	row0 = p->o.average || p->H == 1 ? jb->b * p->nout + i :
	    (jb->b * p->H + jb->h) * p->nout + i;
	s->bytes = s->txt;
	s->len = 0;
	if (verbatim(r, PLAN_W)) {
		s->bytes = (const char *)d;
		s->len = nq * p->m * sizeof(double);
	} else if (r->out[PLAN_W] != NULL)
		s->len = out_format(r->out[PLAN_W], d, nq, row0, s->txt);
}

static int
weights_put(void *arg, size_t t, size_t k)
{
	const struct job *j = arg;
	struct run *r = j->r;
	struct slot *s = &r->slot[k];

	progress_add(r->pg, s->rows * r->nch * (r->p->o.average ? r->p->H :
	    1) * r->pw);
	if (r->out[PLAN_W] != NULL && out_put(r->out[PLAN_W], s->bytes, s->len,
	    s->rows, &r->err) != 0)
		return -1;
	/* the pictures' sink takes the rows as doubles */
	return r->out[PLAN_PIC] == NULL ? 0 : out_put(r->out[PLAN_PIC],
	    (const char *)(s->pic ? s->pic : weight_rows(r, j, t, s)),
	    s->rows * p_m(r) * sizeof(double), s->rows, &r->err);
}

/* The per-head output of sequence b, (H, nout, dv), from obatch. */
static int
write_perhead(struct run *r, struct err *e)
{
	const struct plan *p = r->p;
	double *row = r->slot[0].d;
	size_t h, i;

	for (h = 0; h < p->H; h++)
		for (i = 0; i < p->nout; i++) {
			const char *o = AT(r->obatch, i * r->hv + h * p->dv);

			if (out_rows(r->out[PLAN_Y], as_double(r, row, o,
			    p->dv), 1, e))
				return -1;
		}
	return 0;
}

/* Point the heads at sequence b's masks. */
static void
heads_for(struct run *r, size_t b)
{
	const struct plan *p = r->p;
	const unsigned char *kpad = p->kpad ? p->kpad + b * p->kpad_sb :
	    NULL;
	/* --key-lengths: the keys past the length are hidden */
	size_t h, lo = p->k0, hi = p->klen ? min2(p->k1, p->klen[b]) : p->k1;

	/* --key-padding: so are the keys before the first that is not
	 * padding and after the last, as a range hides them, so that the
	 * kernels skip their blocks, as they skip those of the lengths:
	 * the same numbers, where they computed the blocks' scores only to
	 * hide them (16 sequences of 2048 keys, 256 of them not padding:
	 * 6 times the time of --key-lengths) */
	while (kpad != NULL && lo < hi && kpad[lo])
		lo++;
	while (kpad != NULL && hi > lo && kpad[hi - 1])
		hi--;
	for (h = 0; h < p->H; h++) {
		struct attn_mask *mk = &r->head[h].mask;

		mk->add = p->bias ? p->bias + b * p->bs[0] + h * p->bs[1] :
		    NULL;
		mk->allow = p->allow ? p->allow + b * p->ms[0] + h *
		    p->ms[1] : NULL;
		mk->kpad = kpad;
		mk->klo = lo;
		mk->khi = hi;
	}
}

/* The most query rows of a block() call (attn_head.br), by which
 * buffers() sizes the workspace and prepare() the heads: a task's rows,
 * a block at most. */
static size_t
call_rows(const struct run *r)
{
	return max2(1, min2(r->br, ATTN_BR));
}

/* Take n elements of the compute type from arena a. */
static char *
take(const struct run *r, struct mat_arena *a, size_t n)
{
	return mat_arena_take(a, n, r->E);
}

#define NWEIGHTS 6	/* the weights packed by prepare() */

/* They, in that order (WQ, WK, WV, WO, Wa, Ua): NULL where not given. */
static void
weights_of(const struct plan *p, const struct mat *wm[NWEIGHTS])
{
	wm[0] = p->wq;
	wm[1] = p->wk;
	wm[2] = p->wv;
	wm[3] = p->wo;
	wm[4] = p->wa;
	wm[5] = p->ua;
}

/* Rows of a piece of weight w: as many as PIECE_BYTES of doubles hold,
 * one at least.  prepare() packs the weights a piece a task, read from
 * their file (on_file()) or in memory, converted (float) and packed
 * into place: the threads share the work in tasks of equal size, a
 * float run converts a piece at a time, not a weight, and a file is
 * read as X is, not through its mapping (the bench's four weights of 2
 * MiB, Zen 5 guest: case (d) 0.139 s against 0.142 for a weight a
 * task, (a) 0.262 against 0.265, medians of 15 interleaved runs). */
static size_t
piece_rows(const struct mat *w)
{
	return max2(1, PIECE_BYTES / sizeof(double) / w->cols);
}

/* The elements of a packed k x m matrix, saturated as mul() (the
 * kernels' packed_size() gives 0 for a size that does not fit). */
static size_t
psize(const struct run *r, size_t k, size_t m)
{
	size_t n = r->ops->packed_size(k, m);

	return n != 0 ? n : SIZE_MAX;
}

/* The buffers of the run, from arena a: called once to measure, once
 * to carve (see mat.h).  Inputs and weights are converted and packed
 * by prepare(), after the carving. */
static void
buffers(struct run *r, struct mat_arena *a, size_t nw)
{
	const struct plan *p = r->p;
	struct attn_head hd;
	const struct mat *wm[NWEIGHTS];
	size_t i, ws, nd, nt, wr, inputs = 0, piece = 0;
	int wfile = 0;

	/* float: Q given whole; X, keys and values block by block */
	if (r->ops->dtype != ATTN_F64 && !p->self)
		inputs = elems(p->q);
	r->x = take(r, a, inputs);	/* the converted inputs, if any */
	weights_of(p, wm);
	for (i = 0; i < NWEIGHTS; i++)
		if (wm[i] != NULL) {
			piece = max2(piece, mul(piece_rows(wm[i]),
			    wm[i]->cols));
			wfile |= on_file(wm[i]);
		}
	r->wq = p->wq ? take(r, a, psize(r, p->wq->rows, p->wq->cols)) : NULL;
	r->wk = p->wk ? take(r, a, psize(r, p->wk->rows, p->wk->cols)) : NULL;
	r->wv = p->wv ? take(r, a, psize(r, p->wv->rows, p->wv->cols)) : NULL;
	r->wo = p->wo ? take(r, a, psize(r, p->wo->rows, p->wo->cols)) : NULL;
	r->wa = p->wa ? take(r, a, psize(r, p->wa->rows, p->wa->cols)) : NULL;
	r->ua = p->ua ? take(r, a, psize(r, p->ua->rows, p->ua->cols)) : NULL;
	if (r->keys == KEYS_PREPACKED) {
		r->kp = take(r, a, mul3(p->G, r->nkb, r->kstride));
		r->vp = take(r, a, mul3(p->G, r->nkb, r->vstride));
		r->vbad = mat_arena_take(a, mul(p->G, r->nkb), 1);
	}
	if (p->o.score == SCORE_ADDITIVE)
		r->ka = take(r, a, mul3(p->G, p->m, p->da));
	/* what this thread fills before the workers start: small pages */
	r->head = mat_arena_small(a, p->H, sizeof *r->head);
	if (want_w(r)) {
		if (!r->keep)
			r->qall = take(r, a, mul3(p->H, p->nout, r->dqk));
		else
			r->sk = mat_arena_take(a, mul3(p->H, p->nout, p->m),
			    sizeof(double));
		r->rmax = take(r, a, mul(p->H, p->nout));
		r->rsum = take(r, a, mul(p->H, p->nout));
	}
	if (r->out[PLAN_LSE] != NULL)
		r->lse = mat_arena_take(a, mul(p->H, p->nout), sizeof(double));
	if (p->perhead && p->wo == NULL)
		r->obatch = take(r, a, mul(p->nout, r->hv));

	/* per-worker scratch, and the putter's */
	r->thr = mat_arena_small(a, nw, sizeof *r->thr);
	r->nw = nw;
	memset(&hd, 0, sizeof hd);
	hd.dk = p->dk;
	hd.dv = p->dv;
	hd.br = call_rows(r);
	hd.additive = p->o.score == SCORE_ADDITIVE;
	hd.da = p->da;
	/* linear() takes up to r->br query rows (a task's blocks) or
	 * ATTN_BC key rows: sized for ATTN_BR rows, a task of 8 blocks
	 * overran it where the A block was not at its cap already (a
	 * build with small blocks) */
	ws = max2(r->ops->work_size(&hd), r->ops->linear_work(
	    max2(r->br, ATTN_BC), max2(max2(p->d, max2(p->dm, p->dmv)),
	    max2(r->hv, max2(p->dq, p->dk)))));
	for (i = 0; i < nw; i++) {
		struct worker *k = r->thr ? &r->thr[i] : &r->put;

		memset(k, 0, sizeof *k);	/* no stage, no error yet */
		k->qb = take(r, a, mul(r->br, r->hq));
		if (p->o.score != SCORE_DOT)
			k->qg = take(r, a, mul3(r->br, p->H, r->dqk));
		k->qk = mat_arena_take(a, p->H, sizeof *k->qk);
		k->ldq = mat_arena_take(a, p->H, sizeof *k->ldq);
		k->ob = take(r, a, mul(r->br, r->ho));
		k->M = take(r, a, mul3(2, p->H, r->br));	/* M then L */
		k->L = k->M ? AT(k->M, p->H * r->br) : NULL;
		if (!r->keysplit && r->nch > 1) {
			/* query_task's state of a later chunk */
			k->O2 = take(r, a, mul(r->br, r->ho));
			k->M2 = take(r, a, mul3(2, p->H, r->br));
			k->L2 = k->M2 ? AT(k->M2, p->H * r->br) : NULL;
		}
		k->yb = take(r, a, mul(r->br, p->dout));
		if (kv_copied(r, 1))
			k->kb = take(r, a, mul(r->bc, r->hk));
		if (kv_copied(r, 0))
			k->vb = take(r, a, mul(r->bc, r->gv));
		if (p->self && r->ops->dtype != ATTN_F64)
			k->mb = take(r, a, max2(mul(r->bc, max2(p->dm,
			    p->dmv)), mul(r->br, p->d)));
		if (r->keys == KEYS_PACKED) {
			k->kp = take(r, a, mul(p->G, r->kstride));
			k->vp = take(r, a, mul(p->G, r->vstride));
			k->vbad = mat_arena_take(a, p->G, 1);
		}
		if (r->keys == KEYS_ROWS) {
			k->ks = take(r, a, mul3(p->nout, p->H, ATTN_BC));
			k->ot = take(r, a, mul(r->br, r->ho));
			k->qt = take(r, a, mul(p->G, r->qts));
			k->live = mat_arena_take(a, p->H, 1);
		}
		if (wfile)
			k->sw.buf = mat_arena_take(a, piece, sizeof(double));
		if (r->ops->dtype != ATTN_F64)
			k->wc = take(r, a, piece);
		if (p->self && (on_file(p->x) || on_file(p->mem) ||
		    on_file(p->memv)))
			/* X's (or the memory's) rows from their file */
			k->sx.buf = mat_arena_take(a, max2(mul(r->bc,
			    max2(p->dm, p->dmv)), mul(r->br, p->d)),
			    sizeof(double));
		if (p->o.qknorm)
			k->nb = mat_arena_take(a, max2(p->dq, p->dk),
			    sizeof(double));
		if (!p->self && r->keys != KEYS_PREPACKED) {
			/* decoding reads mapped K and V from their files */
			if (on_file(p->k))
				k->sk.buf = mat_arena_take(a, mul(r->bc,
				    p->ks[2]), sizeof(double));
			if (on_file(p->v))
				k->sv.buf = mat_arena_take(a, mul(r->bc,
				    p->vs[2]), sizeof(double));
		}
		k->work = take(r, a, ws);
	}
	/* the key-split putter merges states and ends query blocks */
	if (r->keysplit) {
		r->put.ob = take(r, a, r->br * r->ho);
		r->put.M = take(r, a, 2 * p->H * r->br);
		r->put.L = r->put.M ? AT(r->put.M, p->H * r->br) : NULL;
		r->put.yb = take(r, a, r->br * p->dout);
		r->put.work = take(r, a, ws);
	}

	/* per-slot results: a few tasks per worker in flight (kept scores
	 * become the weights in place: no rows of them here); query blocks
	 * of equal cost need two a worker, chunks and weight rows more */
	r->nslots = (r->keysplit || want_w(r) ? 4 : 2) * nw;
	wr = want_w(r) ? r->wrows : 0;
	nd = max2(max2(r->br * p->dout, p->dv), r->keep ? 0 : wr * p->m);
	nt = max2(verbatim(r, PLAN_Y) ? 0 : out_format_max(r->out[PLAN_Y],
	    r->br), wr && r->out[PLAN_W] && !verbatim(r, PLAN_W) ?
	    out_format_max(r->out[PLAN_W], min2(wr, p->nout)) : 0);
	r->slot = mat_arena_small(a, r->nslots, sizeof *r->slot);
	r->done = mat_arena_small(a, r->nslots, 1);
	for (i = 0; i < r->nslots; i++) {
		struct slot s, *sp = r->slot ? &r->slot[i] : &s;

		memset(sp, 0, sizeof *sp);
		sp->d = mat_arena_take(a, nd, sizeof(double));
		sp->txt = mat_arena_take(a, nt, 1);
		if (p->o.average && !r->keep)
			sp->sum = mat_arena_take(a, nd, sizeof(double));
		if (wr && r->out[PLAN_W] && r->out[PLAN_PIC])
			sp->pic = mat_arena_take(a, wr * p->m, sizeof(double));
		if (r->keysplit)
			sp->st = take(r, a, 2 * p->H * r->br + r->br * r->ho);
	}
}

/* *dst = the rows of src in the compute type: src itself for double,
 * else converted into *buf, which advances. */
static const char *
typed(const struct run *r, const struct mat *src, char **buf)
{
	const char *t = *buf;

	if (r->ops->dtype == ATTN_F64)
		return (const char *)src->data;
	r->ops->from_double(src->rows * src->cols, src->data, *buf);
	*buf = AT(*buf, src->rows * src->cols);
	return t;
}

/* The pieces of weight w (NULL: none): tasks of prepare(). */
static size_t
npieces(const struct mat *w)
{
	return w == NULL ? 0 : (w->rows + piece_rows(w) - 1) / piece_rows(w);
}

/* Task t of prepare(): pack a piece of a weight of weights_of() (pieces
 * of the first weight given, then of the next), from its file or from
 * memory, converted into the worker's wc in a float run.  A failed
 * read is left in the worker's bad, err and badtask. */
static void
weight_task(void *arg, size_t t, int id)
{
	const struct run *r = arg;
	const struct mat *wm[NWEIGHTS];
	char *const dst[] = { r->wq, r->wk, r->wv, r->wo, r->wa, r->ua };
	struct worker *w = &r->thr[id];
	size_t i, q = t, p0, kr, ld;
	const double *d;
	const char *src;

	weights_of(r->p, wm);
	for (i = 0; q >= npieces(wm[i]); i++)
		q -= npieces(wm[i]);
	p0 = q * piece_rows(wm[i]);
	kr = min2(piece_rows(wm[i]), wm[i]->rows - p0);
	if ((d = cache_rows(r, w, &w->sw, wm[i], 0, 0, p0, kr, wm[i]->cols)) ==
	    NULL) {
		if (w->badtask == 0)
			w->badtask = t + 1;
		return;
	}
	src = rows_of(r, d, 0, kr, wm[i]->cols, wm[i]->cols, w->wc,
	    wm[i]->cols, &ld);
	r->ops->pack_b_rows(wm[i]->rows, wm[i]->cols, p0, kr, src, ld, dst[i]);
}

/* The inputs in the compute type, the weights packed (a piece a task,
 * on the pool), the heads.  Returns 0, or -1 with e set if a weight's
 * file could not be read. */
static int
prepare(struct run *r, struct par *pool, struct err *e)
{
	const struct plan *p = r->p;
	const struct mat *wm[NWEIGHTS];
	char *buf = (char *)r->x;
	size_t h, g, t = 0;
	long long far = (long long)(p->m + p->n);

	if (!p->self)
		r->x = typed(r, p->q, &buf);
	weights_of(p, wm);
	for (h = 0; h < NWEIGHTS; h++)
		t += npieces(wm[h]);
	par_run(pool, t, weight_task, r);
	if (task_failed(r, e))
		return -1;
	for (h = 0; h < p->H; h++) {
		struct attn_head *hd = &r->head[h];

		g = h / (p->H / p->G);
		memset(hd, 0, sizeof *hd);
		hd->m = p->m;
		hd->dk = p->dk;
		hd->dv = p->dv;
		hd->scale = p->scale;
		if (r->keys == KEYS_PREPACKED) {
			hd->kp = AT(r->kp, g * r->nkb * r->kstride);
			hd->vp = AT(r->vp, g * r->nkb * r->vstride);
		}
		hd->jp = r->kb0 * ATTN_BC;
		hd->br = call_rows(r);
		hd->kstride = r->kstride;
		hd->vstride = r->vstride;
		hd->mask.causal = p->o.causal != 0;
		hd->mask.shift = (long long)r->shift;
		/* a window wider than any distance is no window */
		hd->mask.window = p->o.window < 0 ? -1 : p->o.window > far ?
		    far : p->o.window;
		hd->mask.wright = p->o.window_r > far ? far : p->o.window_r;
		hd->softcap = p->o.softcap;
		hd->alibi = p->slopes ? p->slopes[h] : 0;
		hd->mask.ldadd = p->bs[2];	/* 0: one row for every query */
		hd->mask.cadd = p->bs[3];	/* 0: one column for every key */
		hd->mask.ldallow = p->ms[2];
		hd->mask.callow = p->ms[3];
		hd->mask.klo = p->k0;
		hd->mask.khi = p->k1;
		if (p->o.score == SCORE_ADDITIVE) {
			hd->additive = 1;
			hd->ka = AT(r->ka, g * p->m * p->da);
			hd->va = p->va;
			hd->da = p->da;
		}
	}
	return 0;
}

/* One sequence: keys, queries, LSE, weights. */
static int
sequence(struct run *r, struct par *pool, size_t b, struct err *e)
{
	const struct plan *p = r->p;
	struct job j = { r, b, 0 };
	int rc;

	heads_for(r, b);
	if (r->keys == KEYS_PREPACKED) {
		par_run(pool, r->nkb, pack_task, &j);
		if (task_failed(r, e))
			return -1;
	}
	if (r->keysplit)
		rc = par_ordered(pool, r->nqb * r->nch, r->nslots, r->done,
		    chunk_task, chunk_put, &j);
	else
		rc = par_ordered(pool, query_tasks(r), r->nslots, r->done,
		    query_task, query_put, &j);
	if (rc != 0) {
		*e = r->err;
		return -1;
	}
	if (r->obatch != NULL && write_perhead(r, e) != 0)
		return -1;
	if (r->lse != NULL && out_rows(r->out[PLAN_LSE], r->lse, p->H, e) != 0)
		return -1;
	for (j.h = 0; want_w(r) && j.h < (p->o.average ? 1 :
	    p->H); j.h++)
		if (par_ordered(pool, (p->nout + r->wrows - 1) / r->wrows,
		    r->nslots, r->done, weights_task, weights_put, &j) != 0) {
			*e = r->err;
			return -1;
		}
	return 0;
}

/* The run's constants for plan p on nw workers: block counts, the
 * scheduler, strides.  Shared by run_plan and run_info. */
static void
setup(struct run *r, const struct plan *p, const struct attn_ops *ops,
    struct out *const out[PLAN_NOUT], size_t nw, int keep)
{
	size_t k1b;

	memset(r, 0, sizeof *r);
	r->p = p;
	r->out = out;
	r->ops = ops;
	r->E = r->ops->size;
	r->hq = mul(p->H, p->dq);	/* saturated: see mul() */
	r->hk = mul(p->G, p->dk);
	r->hv = mul(p->H, p->dv);
	/* rows 4 KiB apart fall in one set of the L1 cache, and a tile of
	 * P·V loads and stores MR of them: the values' product, 144 x 256 x
	 * 64 into rows of 512 doubles, ran 6% slower than into rows of 520
	 * (Zen 3, AVX2's tile of 6 x 8 then, throwaway bench) */
	r->ho = mul(r->hv, r->E) % 4096 == 0 ? r->hv + 64 / r->E : r->hv;
	r->gv = mul(p->G, p->dv);
	r->dqk = p->o.score == SCORE_DOT ? p->dq : p->o.score ==
	    SCORE_GENERAL ? p->dk : p->da;
	r->bc = min2(p->m, ATTN_BC);
	r->nqb = (p->nout + ATTN_BR - 1) / ATTN_BR;
	r->kb0 = p->k0 / ATTN_BC;
	k1b = (p->k1 + ATTN_BC - 1) / ATTN_BC;
	r->nkb = k1b - r->kb0;
	r->c0 = p->k0 / ATTN_KC;
	r->nch = (p->k1 + ATTN_KC - 1) / ATTN_KC - r->c0;
	r->shift = p->o.causal == 2 ? p->m - p->n : 0;
	r->qts = head_rows(p) > SIZE_MAX - ATTN_QR ? SIZE_MAX :
	    mul((head_rows(p) + ATTN_QR - 1) / ATTN_QR * ATTN_QR, p->dk);
	r->kstride = psize(r, p->dk, r->bc);
	r->vstride = psize(r, r->bc, p->dv);
	r->keep = keep && want_w(r);
	if (r->nqb > 1 || (want_w(r) && !r->keep) || p->o.score ==
	    SCORE_ADDITIVE)
		r->keys = KEYS_PREPACKED;
	else if (head_rows(p) > ROWS_MAX || p->dk > ROWS_DK_MAX)
		r->keys = KEYS_PACKED;
	else
		r->keys = KEYS_ROWS;
	r->keysplit = r->nqb < nw && r->nch > 1;
	r->qg = !r->keysplit && r->nqb >= QG_MAX * QG_TASKS ? QG_MAX : 1;
	r->ngt = r->qg > 1 ? (r->nqb - QG_TAIL) / r->qg : r->nqb;
	r->br = min2(p->nout, r->qg * ATTN_BR);
	/* the weights pass: about 2^16 weights a task (512 KiB of doubles,
	 * the L2 of a core, from which they are written), in whole register
	 * tiles of the scores' product where that is 6 rows or more (3 rows
	 * AVX2's, 6 AVX-512's: at m = 4096, 16 rows left a tile of one, and
	 * case (f) of the bench on one thread took 5% more CPU time than
	 * with 18) */
	if (want_w(r)) {
		r->wrows = max2(1, (1 << 16) / p->m);
		if (r->wrows >= 6)
			r->wrows = (r->wrows + 5) / 6 * 6;
		r->wrows = min2(r->wrows, ATTN_BR);
	}
}

/*
 * setup() for plan p, choosing whether the weights pass keeps the scores
 * (r->keep): when its buffers, measured, take no more memory than
 * computing the scores again.  Kept: the scores of a sequence, (H, n, m)
 * doubles, held from the first pass to the second.  Computed again: the
 * kernel's queries of every head, the keys and values packed whole
 * (which one block of queries can do without) and a few blocks of
 * weight rows per thread.  So decoding and small runs keep them; a long
 * sequence, whose n x m scores would be held, computes them again.
 */
static void
choose(struct run *r, const struct plan *p, const struct attn_ops *ops,
    struct out *const out[PLAN_NOUT], size_t nw)
{
	struct mat_arena again, kept;

	setup(r, p, ops, out, nw, 0);
	if (!want_w(r))
		return;
	memset(&again, 0, sizeof again);
	buffers(r, &again, nw);
	setup(r, p, ops, out, nw, 1);
	memset(&kept, 0, sizeof kept);
	buffers(r, &kept, nw);
	if (kept.overflow || (!again.overflow && mat_arena_bytes(&kept) >
	    mat_arena_bytes(&again)))
		setup(r, p, ops, out, nw, 0);
}

/*
 * choose() for nw workers at most, and how many of them the run keeps
 * busy: no more than the tasks of its largest phase (packing the
 * weights given, packing the keys, the query blocks or chunks, the
 * blocks of weight rows), so that a run of few tasks on many threads
 * takes buffers for those only (200 queries and 300 keys, two tasks,
 * took 112 MiB of buffers on 64 threads).  With fewer workers the same
 * choices are made (key-split with nw stays key-split), and the results
 * are anyway the same for any number.
 */
static size_t
busy(struct run *r, const struct plan *p, const struct attn_ops *ops,
    struct out *const out[PLAN_NOUT], size_t nw)
{
	const struct mat *wm[NWEIGHTS];
	size_t t = 0, i;

	choose(r, p, ops, out, nw);
	weights_of(p, wm);
	for (i = 0; i < NWEIGHTS; i++)
		t += wm[i] != NULL;
	if (r->keys == KEYS_PREPACKED)
		t = max2(t, r->nkb);
	t = max2(t, r->keysplit ? mul(r->nqb, r->nch) : query_tasks(r));
	if (want_w(r))
		t = max2(t, (p->nout + r->wrows - 1) / r->wrows);
	if (t >= nw)
		return nw;
	t = max2(t, 1);
	choose(r, p, ops, out, t);
	return t;
}

int
run_info(const struct plan *p, enum attn_dtype dtype, enum gemm_isa isa,
    int nthreads, const enum out_fmt fmt[PLAN_NOUT], const int want[PLAN_NOUT],
    struct run_info *ri, struct err *e)
{
	struct run run, *r = &run;
	struct out o[PLAN_NOUT], *out[PLAN_NOUT];
	struct mat_shape sh[PLAN_NOUT];
	struct mat_arena a;
	size_t nw;
	int i;

	plan_shapes(p, sh);
	for (i = 0; i < PLAN_NOUT; i++) {
		out_init(&o[i]);
		o[i].fmt = fmt[i];
		o[i].type = dtype == ATTN_F32 ? OUT_F32 : OUT_F64;
		o[i].sh = sh[i];
		out[i] = want[i] ? &o[i] : NULL;
	}
	nw = busy(r, p, attn_ops(dtype, isa), out, (size_t)nthreads);
	memset(&a, 0, sizeof a);
	buffers(r, &a, nw);
	memset(ri, 0, sizeof *ri);
	ri->workers = (int)nw;
	ri->arena = mat_arena_bytes(&a);
	ri->keysplit = r->keysplit;
	ri->keep = r->keep;
	ri->keys = r->keys == KEYS_PREPACKED ? "packed once" : r->keys ==
	    KEYS_PACKED ? "packed block by block" : "read in place";
	ri->nqb = r->nqb;
	ri->qg = r->qg;
	ri->qone = tail_blocks(r);
	ri->nch = r->nch;
	ri->nkb = r->nkb;
	if (a.overflow)
		return err_set(e, "buffers", 0, 0, "the buffers are too large "
		    "to hold");
	return 0;
}

int
run_plan(const struct plan *p, struct par *pool, enum attn_dtype dtype,
    enum gemm_isa isa, struct out *const out[PLAN_NOUT], struct progress *g,
    size_t *dead, struct err *e)
{
	struct run run, *r = &run;
	struct mat_shape sh[PLAN_NOUT];
	struct mat_arena a;
	size_t nw, b, per;
	int i, rc = -1;

	memset(&a, 0, sizeof a);
	*dead = 0;
	nw = (size_t)par_workers(pool);	/* the pool's; busy() the run's */
	plan_shapes(p, sh);
	sh[PLAN_PIC] = sh[PLAN_W];
	for (i = 0; i <= PLAN_PIC; i++)
		if (out[i] != NULL && out_begin(out[i], &sh[i], e) != 0)
			return -1;
	/* the outputs begun: buffers() measures their formatted rows */
	nw = busy(r, p, attn_ops(dtype, isa), out, nw);
	buffers(r, &a, nw);
	if (mat_arena_alloc(&a, "buffers", e) != 0)
		return -1;
	buffers(r, &a, nw);
	par_cap(pool, (int)nw);
	if (prepare(r, pool, e) != 0)
		goto done;
	/* the work: per query row, each head over each key chunk, and again
	 * for the weights, weighed by what a score costs: 4·dk FLOPs in the
	 * attention, 2·dk again for a weight, and writing it as text
	 * about as much as 256 more (shortest digits: -a w.csv of 6000 x
	 * 6000 x 4 heads of 16 took 5.5 times the attention's time; the bar
	 * had shown an even split, 51% done with 83% of the time to go) */
	r->pa = 4 * r->dqk + 1;
	r->pw = 2 * r->dqk + 1 + (out[PLAN_W] != NULL &&
	    !verbatim(r, PLAN_W) ? 256 : 0);
	per = r->nch * p->H * (r->pa + (out[PLAN_W] != NULL ||
	    out[PLAN_PIC] != NULL ? r->pw : 0));
	r->pg = g;
	progress_begin(g, p->B * p->nout * per, per);
	for (b = 0; b < p->B; b++)
		if (sequence(r, pool, b, e) != 0)
			goto done;
	*dead = r->dead;
	rc = 0;
done:
	progress_end(g);
	par_cap(pool, par_workers(pool));
	mat_arena_free(&a);
	return rc;
}
