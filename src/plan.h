/*
 * plan.h - check that the inputs fit together, then run the attention.
 *
 * Self-attention (X given), for each batch b and head h:
 *	Q = X·WQ + bq,  K = M·WK + bk,  V = M·WV + bv	(M = memory, or X)
 * or Q, K, V given directly; then, Q_h, K_g, V_g being the columns of
 * head h (query) and of its key/value head g = h / (H/G):
 *	S_h = score(Q_h, K_g)·scale + mask	(-inf where hidden)
 *	O_h = softmax(S_h)·V_g
 * O = Concat(O_1 .. O_H), and Y = O·WO + bo when WO is given, else O.
 * score is q·kᵀ (dot), q·Wa·kᵀ (general) or vaᵀ·tanh(q·Wa + k·Ua)
 * (additive); RoPE, if asked, rotates Q_h and K_g first.
 */
#ifndef PLAN_H
#define PLAN_H

#include <stddef.h>

#include "err.h"
#include "mat.h"

/* The matrix arguments; generators draw them in this order. */
enum plan_role {
	IN_X, IN_WQ, IN_WK, IN_WV, IN_WO, IN_Q, IN_K, IN_V,
	IN_MEM, IN_BQ, IN_BK, IN_BV, IN_BO, IN_INPROJ, IN_INPROJB,
	IN_MASK, IN_KPAD, IN_WA, IN_UA, IN_VA,
	IN_BIAS, IN_SINKS, IN_ALIBI, IN_QNORM, IN_KNORM, IN_KLEN, IN_QLEN,
	IN_MEMK, IN_MEMV, IN_QPAD, IN_ROPE,
	IN_NROLES
};

struct plan_in {
	const char *name;	/* as diagnostics name it; NULL: not given */
	const char *opt;	/* the option that gave it, e.g. "--mask",
				 * "--rope=@" */
	struct mat m;
	struct mat_shape sh;
};

/* What goes between an input's option and its name: "" after an '@'
 * ("--rope=@r.csv"), else " " ("--mask m.csv"). */
const char *plan_gap(const char *opt);

/* The input's name as the command line gave it after its option: "-"
 * for standard input after an '@' ("--rope=@-", where a diagnostic's
 * FILE:LINE:COL says "<stdin>"), else its name. */
const char *plan_given(const struct plan_in *in);

enum plan_score { SCORE_DOT, SCORE_GENERAL, SCORE_ADDITIVE };

/* The outputs of a run, a table: Y, the weights, the log-sum-exp; the
 * weights again for the pictures (a sink, OUT_RAW); the picture files:
 * --heatmap's, --show's (written by main from the sink, not by run). */
enum plan_out { PLAN_Y, PLAN_W, PLAN_LSE, PLAN_PIC, PLAN_HEAT, PLAN_SHOW,
	PLAN_NOUT };

struct plan_opts {
	size_t heads;		/* -H; 0: not given */
	size_t kv_heads;	/* --kv-heads; 0: not given */
	int has_scale;
	double scale;
	int causal;		/* 0 none, 1 top-left, 2 bottom-right */
	long long window;	/* --window L,R: L; -1: none */
	long long window_r;	/* R */
	double softcap;		/* --softcap C; 0: none */
	int alibi;		/* --alibi (slopes from IN_ALIBI if given) */
	int qknorm;		/* --qk-norm: RMSNorm of queries and keys */
	double qknorm_eps;
	int torch;		/* --layout torch: weights are out x in */
	int average;		/* --average-weights */
	int pos;		/* --pos sinusoidal */
	int rope;		/* --rope (frequencies from IN_ROPE if given) */
	double rope_base;
	enum plan_score score;
	/* --query-range, --key-range A:B (has_*: given) */
	int has_qrange, has_krange;
	size_t qrange[2], krange[2];
	int lse;		/* --lse given: a key range is a shard for
				 * --merge */
};

struct plan {
	struct plan_opts o;
	size_t B;		/* sequences */
	size_t n, m;		/* queries, keys per sequence */
	size_t q0, q1, nout;	/* the query rows computed, q1 - q0 */
	size_t k0, k1;		/* the keys attended to */
	size_t H, G;		/* query heads, key/value heads */
	size_t dq, dk, dv;	/* per-head widths of Q, K, V */
	size_t da;		/* additive score width */
	size_t d, dm;		/* widths of X and of the memory (keys) */
	size_t dmv;		/* width of the values' memory */
	size_t dout;		/* columns of Y (per-head layout: dv) */
	double scale;
	int self;		/* X given (else Q, K, V) */
	int batched;		/* the inputs had a batch axis */
	int perhead;		/* Q, K, V given as (B,) H, n, d tensors */
	int vec;		/* the query side was 1-D: so are the outputs */
	/* Q, K, V given: element (b, h, i, t) at b·s[0] + h·s[1] + i·s[2] */
	size_t qs[3], ks[3], vs[3];
	/* The matrices in row layout (in x out), derived when needed (torch
	 * layout, in-proj, position encoding), else the inputs' own. */
	const struct mat *x, *mem, *memv, *wq, *wk, *wv, *wo, *wa, *ua;
	const struct mat *q, *k, *v;	/* Q, K, V given */
	const struct plan_in *in;	/* what it was made of (plan_name()) */
	const double *bq, *bk, *bv, *bo, *va;
	/* --mask, per batch b and head h at b·ms[0] + h·ms[1], query row
	 * i at i·ms[2], key j at j·ms[3] (0: shared, a broadcast axis of
	 * 1); --bias the same with bs[].  allow is the input's own bytes
	 * (a .npy of booleans) or allow_buf, the plan's copy of its 0/1 */
	const unsigned char *allow;
	unsigned char *allow_buf;
	size_t ms[4];
	const double *bias;
	size_t bs[4];
	double *slopes;		/* --alibi: (H) */
	const double *sinks;	/* --sinks: (H) */
	const double *qnorm, *knorm;	/* --q-norm (dq), --k-norm (dk) */
	const double *rope_freq;	/* --rope=@FILE: (rope_nf), or NULL */
	size_t rope_nf;
	size_t *klen, *qlen;	/* --key-lengths, --query-lengths: (B) */
	unsigned char *kpad;	/* key padding, batch b at b·m */
	size_t kpad_sb;
	unsigned char *qpad;	/* query padding, batch b at b·n */
	size_t qpad_sb;
	struct mat own[8];	/* derived matrices this plan owns */
	int nown;
};

/*
 * Check in[] and o against each other and fill p: which form (X or Q,
 * K, V), batches, heads, widths, masks; derive the weights in row
 * layout.  Returns 0, or -1 with e naming the option, the file and both
 * shapes that disagree (exit status 1: the data is wrong).  Option
 * combinations are main()'s to check.  p points into in[] (its
 * matrices and names), which must outlive it.  Free p with plan_free.
 *
 * An input may be shape-only: m.rows, m.cols and sh set, m.data NULL
 * (--dry-run).  Every shape check is then made as for the data, and
 * nothing is read or allocated for it: derived matrices get their
 * shape only, and a mask or key padding is not looked at (whether a
 * mask is 0/1, and the key padding's values, need the numbers).
 */
int plan_make(struct plan *p, const struct plan_in in[IN_NROLES],
    const struct plan_opts *o, struct err *e);

/* The message (a format of one %zu, H) for a shard --merge could not
 * combine: plan_make's error where H is read from per-head inputs,
 * main()'s usage error where -H gives it. */
#define PLAN_SHARD_WO "--key-range with --lse and -w of %zu heads: " \
	"--merge cannot combine such shards, as WO mixes the heads; leave " \
	"out -w (and --bo), merge, then apply WO to the merged Y"

/* For --dtype f32, after plan_make: a finite value that float cannot
 * hold where it would change the result's kind is a data error (a sink
 * logit of 1e39 became +inf, whose row is NaN), as -s and --softcap
 * beyond float's range are usage errors.  Returns 0, or -1 with e set. */
int plan_float(const struct plan *p, const struct plan_in in[IN_NROLES],
    struct err *e);

void plan_free(struct plan *p);

/* The name of the input whose matrix m is (one of p->x, p->k, p->wq,
 * ... that the command line gave), as diagnostics name it; NULL for a
 * matrix the plan derived. */
const char *plan_name(const struct plan *p, const struct mat *m);

/* The shapes of the outputs (enum plan_out): Y is (B,) nout, dout, or
 * (B,) H, nout, dv for per-head tensors without WO; 1-D for a 1-D
 * query.  The weights are (B,) H, nout, m, without H when it is 1 or
 * averaged, without B when the inputs had no batch axis, without nout
 * for a 1-D query.  The log-sum-exp is (B, H, nout) for a batch, else
 * (H, nout), or (nout) for one head. */
void plan_shapes(const struct plan *p, struct mat_shape sh[PLAN_NOUT]);

#endif
