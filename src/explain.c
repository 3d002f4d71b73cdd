/*
 * explain.c - --dry-run (see explain.h).
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "explain.h"
#include "gemm.h"
#include "input.h"
#include "num.h"
#include "run.h"
#include "text.h"

#define DIMSZ 64

/* "RxC" */
static const char *
dim2(char *b, size_t r, size_t c)
{
	snprintf(b, DIMSZ, "%zux%zu", r, c);
	return b;
}

/* Bytes as people read them: "812 B", "1.5 KiB", "3.2 GiB". */
static const char *
bytes(char *b, double n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };
	int u = 0;

	while (n >= 1024 && u < 6) {
		n /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(b, DIMSZ, "%.0f B", n);
	else
		snprintf(b, DIMSZ, "%.1f %s", n, unit[u]);
	return b;
}

/* FLOPs as people read them: "5184", "1.2 MFLOP" ... */
static const char *
flops(char *b, double n)
{
	static const char *const unit[] = { "", "k", "M", "G", "T", "P",
	    "E" };
	int u = 0;

	if (n < 1e4) {
		snprintf(b, DIMSZ, "%.0f FLOPs", n);
		return b;
	}
	while (n >= 1000 && u < 6) {
		n /= 1000;
		u++;
	}
	snprintf(b, DIMSZ, "%.1f %sFLOP", n, unit[u]);
	return b;
}

/* Is role i one whose numbers plan_make reads (masks, padding,
 * lengths) or small vectors it points to (sinks, slopes, frequencies,
 * norms)? */
static int
valued(int i)
{
	return i == IN_MASK || i == IN_KPAD || i == IN_QPAD || i == IN_KLEN ||
	    i == IN_QLEN || i == IN_SINKS || i == IN_ALIBI || i == IN_ROPE ||
	    i == IN_QNORM || i == IN_KNORM;
}

/* Input i: shape-only (no data), except the valued ones, and when draw
 * is set, generators: all are drawn, in the run's order, then let go.
 * *text = the bytes of text read. */
static int
load(const struct explain_cfg *c, int i, int draw, struct rng *rng,
    struct plan_in *in, size_t *text, struct err *e)
{
	size_t rows, cols;

	if (valued(i))
		return input_dry(c->spec[i], rng, INPUT_VALUES | (i == IN_MASK ?
		    INPUT_BOOLS : 0), &in->m, &in->sh, text, e);
	if (!draw || !input_is_generator(c->spec[i]))
		return input_dry(c->spec[i], rng, 0, &in->m, &in->sh, text, e);
	if (input_dry(c->spec[i], rng, INPUT_VALUES, &in->m, &in->sh, text,
	    e) != 0)
		return -1;
	rows = in->m.rows;
	cols = in->m.cols;
	mat_free(&in->m);
	in->m.rows = rows;
	in->m.cols = cols;
	return 0;
}

/* The bytes the plan's derived matrices, mask (unless the input's own
 * booleans) and key padding hold. */
static double
derived(const struct plan *p, const struct plan_in in[IN_NROLES])
{
	double n = 0;
	int i;

	for (i = 0; i < p->nown; i++)
		n += (double)p->own[i].rows * (double)p->own[i].cols * 8;
	if (p->allow_buf != NULL)
		n += (double)in[IN_MASK].m.rows * (double)in[IN_MASK].m.cols;
	if (p->kpad != NULL)
		n += (double)in[IN_KPAD].m.rows * (double)in[IN_KPAD].m.cols;
	if (p->qpad != NULL)
		n += (double)in[IN_QPAD].m.rows * (double)in[IN_QPAD].m.cols;
	return n;
}

/* Is bias r given, by itself or in --in-proj-bias? */
static int
has(const struct plan_in in[IN_NROLES], int r)
{
	return in[r].name != NULL || (r != IN_BO && in[IN_INPROJB].name);
}

/* Room for shown()'s copy of a name. */
#define NAMESZ (4 * ERR_FILE + 4)

/* Name s with its control characters escaped as in diagnostics
 * (err_escape()), in b (NAMESZ bytes) when it has any, cut short
 * with "..." if it does not fit: standard output may be a terminal. */
static const char *
shown(const char *s, char *b)
{
	size_t n = 0, k;
	const char *c;
	char e[ERR_ESC_MAX];

	for (c = s; *c != '\0' && err_escape(c, &k, e) == k; c += k)
		;	/* (written as taken: as it is) */
	if (*c == '\0')
		return s;
	for (c = s; *c != '\0' && n + ERR_ESC_MAX + 4 < NAMESZ; c += k)
		n += err_escape(c, &k, b + n);
	memcpy(b + n, *c != '\0' ? "..." : "", *c != '\0' ? 4 : 1);
	return b;
}

/* The score modifiers in force, in their order, if any. */
static void
modifiers(const struct plan *p, const struct plan_in in[IN_NROLES], FILE *f)
{
	const char *sep = "";
	char nb[NAMESZ];

	if (p->o.qknorm) {
		fprintf(f, "modifiers: RMSNorm of queries and keys (eps %g)",
		    p->o.qknorm_eps);
		sep = ",";
	}
	if (p->o.softcap > 0) {
		fprintf(f, "%s soft-cap %g", *sep ? sep : "modifiers:",
		    p->o.softcap);
		sep = ",";
	}
	if (p->o.alibi) {
		fprintf(f, "%s ALiBi slopes %s", *sep ? sep : "modifiers:",
		    in[IN_ALIBI].name ? shown(in[IN_ALIBI].name, nb) :
		    "of the paper");
		sep = ",";
	}
	if (in[IN_SINKS].name != NULL) {
		fprintf(f, "%s sinks %s%s", *sep ? sep : "modifiers:",
		    shown(in[IN_SINKS].name, nb), p->k0 > 0 ? " (in the shard "
		    "of key 0 only: none here)" : "");
		sep = ",";
	}
	if (*sep)
		fputc('\n', f);
}

/* The line of positions and masks in force. */
static void
masks(const struct plan *p, const struct plan_in in[IN_NROLES], FILE *f)
{
	/* the inputs that hide keys or queries, in the line's order */
	static const struct {
		int role;
		const char *what;
	} by[] = {
		{ IN_MASK, " (0/1: 1 = may attend)" },
		{ IN_BIAS, " (added to the scores)" },
		{ IN_KLEN, "" }, { IN_QLEN, "" }, { IN_KPAD, "" }, { IN_QPAD, "" },
	};
	const char *sep = "";
	char nb[NAMESZ];
	size_t i;

	fputs("masks:", f);
	if (p->o.causal) {
		fprintf(f, " causal %s", p->o.causal == 1 ? "top-left" :
		    "bottom-right");
		if (p->o.causal == 2)
			fprintf(f, " (shifted by m - n = %lld)", (long long)
			    p->m - (long long)p->n);
		sep = ",";
	}
	if (p->o.window >= 0) {
		if (p->o.window_r != p->o.window)
			fprintf(f, "%s window %lld,%lld", sep, p->o.window,
			    p->o.window_r);
		else if (p->o.causal)	/* W with -c: L = W, R = 0 */
			fprintf(f, "%s window %lld back (-c: none ahead)", sep,
			    p->o.window);
		else
			fprintf(f, "%s window %lld", sep, p->o.window);
		sep = ",";
	}
	for (i = 0; i < sizeof by / sizeof by[0]; i++)
		if (in[by[i].role].name != NULL) {
			fprintf(f, "%s %s%s%s%s", sep, in[by[i].role].opt,
			    plan_gap(in[by[i].role].opt),
			    shown(plan_given(&in[by[i].role]), nb), by[i].what);
			sep = ",";
		}
	if (p->o.has_krange) {
		fprintf(f, "%s keys %zu..%zu only (--key-range)", sep, p->k0,
		    p->k1 - 1);
		sep = ",";
	}
	fprintf(f, "%s\n", *sep ? "" : " none");
}

int
explain_write(const struct explain_cfg *c, FILE *f, struct err *e)
{
	static const char *const outname[PLAN_NOUT] = { "Y", "weights",
	    "LSE" };
	struct plan_in in[IN_NROLES];
	struct plan p;
	struct rng rng;
	struct run_info ri;
	struct mat_shape sh[PLAN_NOUT];
	char a[DIMSZ], b[DIMSZ], d[DIMSZ], s[DIMSZ], t[DIMSZ], g[64] = "";
	char asked[48] = "";
	char num[NUM_MAXLEN + 1], nb[NAMESZ];
	double inbytes = 0, fl, total = 0, B, nq, nk, mem, mb, reading = 0,
	    freed;
	size_t text;
	int i, draw, want[PLAN_NOUT], rc = -1, planned = 0;
	size_t H, G, dqk;

	memset(in, 0, sizeof in);
	rng_seed(&rng, c->seed);
	/* a generated valued input is drawn, and so, to draw it as the run
	 * does, is every generator before it */
	for (i = 0, draw = 0; i < IN_NROLES; i++)
		draw |= valued(i) && c->spec[i] && input_is_generator(c->spec[i]);
	for (i = 0; i < IN_NROLES; i++) {
		if (c->spec[i] == NULL)
			continue;
		in[i].name = strcmp(c->spec[i], "-") == 0 ? "<stdin>" :
		    c->spec[i];
		in[i].opt = c->opt[i];
		if (load(c, i, draw, &rng, &in[i], &text, e) != 0)
			goto done;
		mb = (double)in[i].m.rows * (double)in[i].m.cols *
		    (in[i].m.bytes != NULL ? 1 : 8);
		/* while text is parsed: the inputs before it, the text, its
		 * numbers and the parser's scratch */
		if (text > 0)
			reading = fmax(reading, inbytes + (double)text + mb +
			    (double)text_scratch(text, c->threads));
		inbytes += mb;
	}
	planned = 1;
	if (plan_make(&p, in, &c->po, e) != 0 || (c->dtype == ATTN_F32 &&
	    plan_float(&p, in, e) != 0) || (c->ql != NULL &&
	    label_check(c->ql, c->qspec, "--labels", p.n, 0, e) != 0) ||
	    (c->kl != NULL && label_check(c->kl, c->kspec, "--key-labels",
	    p.m, 1, e) != 0))
		goto done;
	for (i = 0; i < PLAN_NOUT; i++)
		want[i] = c->path[i] != NULL;
	/* the pictures are drawn from the weights, as -a's (main.c) */
	want[PLAN_PIC] = want[PLAN_HEAT] || want[PLAN_SHOW];
	if (run_info(&p, c->dtype, c->isa, c->threads, c->fmt, want, &ri, e) != 0)
		goto done;
	plan_shapes(&p, sh);

	for (i = 0; i < IN_NROLES; i++)
		if (in[i].name != NULL)
			fprintf(f, "input: %s%s%s %s\n", in[i].opt,
			    plan_gap(in[i].opt), shown(plan_given(&in[i]), nb),
			    mat_shape_str(s, sizeof s, &in[i].sh));
	B = (double)p.B;
	nq = (double)p.nout;
	nk = (double)(p.k1 - p.k0);
	H = p.H;
	G = p.G;
	fprintf(f, "sequences: %zu of %zu quer%s and %zu key%s\n", p.B, p.n,
	    p.n == 1 ? "y" : "ies", p.m, p.m == 1 ? "" : "s");
	if (p.o.has_qrange)
		fprintf(f, "queries: %zu..%zu only (--query-range)\n", p.q0,
		    p.q1 - 1);
	if (p.self) {
		const char *mx = in[IN_MEM].name ? "M" : "X";

		if (p.o.pos)
			fprintf(f, "positions: X %s + sinusoidal PE -> X\n",
			    dim2(a, p.n, p.d));
		fl = 2 * B * nq * (double)p.d * (double)(H * p.dq);
		total += fl;
		fprintf(f, "project: X %s · WQ %s%s -> Q %s, %s\n",
		    dim2(a, p.nout, p.d), dim2(b, p.d, H * p.dq), has(in, IN_BQ) ?
		    " + bq" : "", dim2(d, p.nout, H * p.dq), flops(s, fl));
		fl = 2 * B * nk * (double)p.dm * (double)(G * p.dk);
		total += fl;
		fprintf(f, "project: %s %s · WK %s%s -> K %s, %s\n", mx,
		    dim2(a, p.m, p.dm), dim2(b, p.dm, G * p.dk), has(in, IN_BK) ?
		    " + bk" : "", dim2(d, p.m, G * p.dk), flops(s, fl));
		fl = 2 * B * nk * (double)p.dm * (double)(G * p.dv);
		total += fl;
		fprintf(f, "project: %s %s · WV %s%s -> V %s, %s\n", mx,
		    dim2(a, p.m, p.dm), dim2(b, p.dm, G * p.dv), has(in, IN_BV) ?
		    " + bv" : "", dim2(d, p.m, G * p.dv), flops(s, fl));
	} else
		fprintf(f, "given: Q %s, K %s, V %s%s\n", dim2(a, p.nout,
		    H * p.dq), dim2(b, p.m, G * p.dk), dim2(d, p.m, G * p.dv),
		    p.perhead ? " (per head)" : "");
	fprintf(f, "heads: %zu query head%s, %zu key/value head%s, d_q %zu, "
	    "d_k %zu, d_v %zu\n", H, H == 1 ? "" : "s",
	    G, G == 1 ? "" : "s", p.dq, p.dk, p.dv);
	if (p.o.rope && in[IN_ROPE].name != NULL)
		fprintf(f, "positions: RoPE, %zu inverse frequenc%s from %s, "
		    "rotates components 0..%zu of Q_h and K_h\n", p.rope_nf,
		    p.rope_nf == 1 ? "y" : "ies", shown(in[IN_ROPE].name,
		    nb), 2 * p.rope_nf - 1);
	else if (p.o.rope) {
		num[num_format(num, p.o.rope_base, 0)] = '\0';
		fprintf(f, "positions: RoPE base %s rotates Q_h and K_h\n",
		    num);
	}
	num[num_format(num, p.scale, 0)] = '\0';
	dqk = p.o.score == SCORE_ADDITIVE ? p.da : p.dk;
	switch (p.o.score) {
	case SCORE_DOT:
		fl = 2 * B * (double)H * nq * nk * (double)p.dk;
		fprintf(f, "scores: Q_h %s · K_h^T %s -> S_h %s, scale %s, "
		    "%s\n", dim2(a, p.nout, p.dq), dim2(b, p.dk, p.m),
		    dim2(d, p.nout, p.m), num, flops(s, fl));
		break;
	case SCORE_GENERAL:
		fl = 2 * B * (double)H * nq * (double)(p.dq * p.dk) +
		    2 * B * (double)H * nq * nk * (double)p.dk;
		fprintf(f, "scores: Q_h %s · Wa %s · K_h^T %s -> S_h %s, "
		    "scale %s, %s\n", dim2(a, p.nout, p.dq), dim2(b, p.dq,
		    p.dk), dim2(d, p.dk, p.m), dim2(t, p.nout, p.m), num,
		    flops(s, fl));
		break;
	default:
		fl = 2 * B * (double)H * nq * (double)(p.dq * p.da) +
		    2 * B * (double)G * nk * (double)(p.dk * p.da) +
		    2 * B * (double)H * nq * nk * (double)p.da;
		fprintf(f, "scores: va^T · tanh(Q_h · Wa %s + K_h · Ua %s) -> "
		    "S_h %s, scale %s, %s\n", dim2(a, p.dq, p.da), dim2(b,
		    p.dk, p.da), dim2(d, p.nout, p.m), num, flops(s, fl));
		break;
	}
	total += fl;
	modifiers(&p, in, f);
	masks(&p, in, f);
	fprintf(f, "softmax: S_h %s -> A_h %s\n", dim2(a, p.nout, p.m),
	    dim2(b, p.nout, p.m));
	fl = 2 * B * (double)H * nq * nk * (double)p.dv;
	total += fl;
	fprintf(f, "values: A_h %s · V_h %s -> O_h %s, %s\n", dim2(a, p.nout,
	    p.m), dim2(b, p.m, p.dv), dim2(d, p.nout, p.dv), flops(s, fl));
	if (p.wo != NULL) {
		fl = 2 * B * nq * (double)(H * p.dv) * (double)p.dout;
		total += fl;
		fprintf(f, "output: O %s · WO %s%s -> Y %s, %s\n", dim2(a,
		    p.nout, H * p.dv), dim2(b, H * p.dv, p.dout), has(in, IN_BO) ?
		    " + bo" : "", dim2(d, p.nout, p.dout), flops(s, fl));
	} else
		fprintf(f, "output: %s -> Y %s\n", p.perhead ? "O_h" :
		    "Concat(O_1..O_H)", p.perhead ? dim2(a, p.nout, p.dv) :
		    dim2(a, p.nout, H * p.dv));
	if ((want[PLAN_W] || want[PLAN_PIC]) && ri.keep)
		/* the first pass's scores, kept: no product */
		fprintf(f, "weights: scores kept%s\n", p.o.average ?
		    ", averaged over heads" : "");
	else if (want[PLAN_W] || want[PLAN_PIC]) {
		/* the scores again, over every key, from the final states */
		fl = 2 * B * (double)H * nq * (double)p.m * (double)dqk;
		total += fl;
		fprintf(f, "weights: scores again%s, %s\n", p.o.average ?
		    ", averaged over heads" : "", flops(s, fl));
	}
	for (i = 0; i < PLAN_NOUT; i++) {
		const char *to = c->path[i];

		if (to == NULL)
			continue;
		to = strcmp(to, "-") == 0 ? "<stdout>" : shown(to, nb);
		if (i == PLAN_HEAT || i == PLAN_SHOW)
			/* pictures of the weights: their own formats */
			fprintf(f, "write: %s %s: heatmap of the weights %s, "
			    "%s\n", c->optname[i], to,
			    mat_shape_str(s, sizeof s, &sh[PLAN_W]),
			    i == PLAN_SHOW ? "terminal" :
			    c->html ? "html" : "svg");
		else
			fprintf(f, "write: %s %s: %s %s, %s\n", c->optname[i],
			    to, outname[i], mat_shape_str(s, sizeof s, &sh[i]),
			    out_fmt_name(c->fmt[i]));
	}
	if (total < 1e4)
		fprintf(f, "total: %s\n", flops(s, total));
	else
		fprintf(f, "total: %.0f FLOPs (%s)\n", total, flops(s, total));
	/* a mask of numbers goes once the plan has its bytes (main.c),
	 * before the run takes its buffers */
	freed = p.allow_buf != NULL ? (double)in[IN_MASK].m.rows *
	    (double)in[IN_MASK].m.cols * 8 : 0;
	mem = inbytes + derived(&p, in) + fmax(0, (double)ri.arena - freed);
	fprintf(f, "memory: %s peak: inputs %.0f B, derived %.0f B, buffers "
	    "%zu B", bytes(a, fmax(mem, reading)), inbytes,
	    derived(&p, in), ri.arena);
	if (reading > 0)
		fprintf(f, "; reading text %.0f B", reading);
	fputc('\n', f);
	if (ri.qg > 1)
		snprintf(g, sizeof g, " (%zu a task, the last %zu fewer)",
		    ri.qg, ri.qone);
	if (ri.workers < c->threads)
		snprintf(asked, sizeof asked, " (of %d: no more tasks at once)",
		    c->threads);
	fprintf(f, "compute: %s, ISA %s, %d thread%s%s, %s: %zu query "
	    "block%s%s x %zu key chunk%s per sequence, keys %s\n", c->dtype ==
	    ATTN_F32 ? "f32" : "f64", gemm_isa_name(c->isa), ri.workers,
	    ri.workers == 1 ? "" : "s", asked, ri.keysplit ? "key-split" :
	    "query-split", ri.nqb, ri.nqb == 1 ? "" : "s", g, ri.nch,
	    ri.nch == 1 ? "" : "s", ri.keys);
	if (fflush(f) != 0 || ferror(f)) {
		err_set(e, "<stdout>", 0, 0, "write error: %s",
		    strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (planned)
		plan_free(&p);
	for (i = 0; i < IN_NROLES; i++)
		mat_free(&in[i].m);
	return rc;
}
