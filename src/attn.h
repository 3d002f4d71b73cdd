/*
 * attn.h - the numerical kernels of attention, for one head and a block
 * of query rows, in double or float, chosen at run time for the CPU.
 *
 * Pure: pointers and sizes in, results out; no allocation, no I/O, no
 * state.  Matrices are row-major with explicit row strides (ld*), so a
 * head is a column slice of a wider matrix.  The caller provides every
 * buffer, including a workspace of attn_work_size() elements.
 *
 * Keys and values are handed over pre-packed (gemm.h) in blocks of
 * ATTN_BC keys, so that every query block reuses them: key block b is
 *	K_b = K[b*BC .. b*BC+bc)	packed by pack_bt(dk, bc)
 *	V_b = V[b*BC .. b*BC+bc)	packed by pack_b(bc, dv)
 * at kp + b*kstride and vp + b*vstride elements.
 *
 * Each output row depends only on its own query row, the keys and
 * values, and fixed block constants; never on which rows share a call,
 * so results are identical for any split of rows among threads.
 */
#ifndef ATTN_H
#define ATTN_H

#include <stddef.h>

#include "gemm.h"

/* The block sizes.  `make check-sanitize` also builds selfattn with
 * blocks of 2 query rows and 1 key and chunks of 2 keys
 * (tests/sanitize/check.sh), so that its random runs of a handful of
 * rows cross query blocks, key blocks and key chunks; results then
 * differ in the last bits, as other blocks make them. */
#ifndef ATTN_BR
#define ATTN_BR 144		/* query rows per block (a thread's task):
				 * each key block in cache serves this many
				 * rows (96 ran 1-3% slower in cases (a) and
				 * (d) of the bench, Zen 5, AVX-512) */
#endif
#ifndef ATTN_BC
#define ATTN_BC 256		/* keys per block of the online softmax */
#endif
#define ATTN_QR 8		/* query rows side by side in qk() */
/* A state's reference M may be any number at least the largest score
 * (the sums are then those of exp(s - M), smaller): raising it by
 * ATTN_SHIFT takes every exp(s - M) below e^-32, so that sums that
 * overflow for values near the largest number (the output, an average
 * of the values, is finite) stay finite: a merge() whose sum would
 * overflow does so, and run.c computes such rows of a chunk again so. */
#define ATTN_SHIFT 32
#ifndef ATTN_KC
#define ATTN_KC 4096		/* keys per chunk: states merged (a multiple
				 * of ATTN_BC, never sized by the threads) */
#endif
_Static_assert(ATTN_KC % ATTN_BC == 0, "a chunk is whole key blocks");
_Static_assert(ATTN_BC <= GEMM_KC, "P.V (GEMM_ADD) sums a key block whole");

enum attn_dtype { ATTN_F64, ATTN_F32 };

/* Which scores are hidden (set to -inf before the softmax), for query
 * i (0-based within the sequence) and key j. */
struct attn_mask {
	int causal;		/* hide j > i + shift */
	long long shift;	/* 0: top-left; m - n: bottom-right */
	long long window;	/* >= 0: a local window, with wright: hide
				 * j < i + shift - window and
				 * j > i + shift + wright */
	long long wright;
	const double *add;	/* (n, m) added to the scores, or NULL */
	size_t ldadd;		/* its row stride; 0: one row for all */
	size_t cadd;		/* its column stride, 1; 0: one column for
				 * every key */
	const unsigned char *allow;	/* (n, m), 0 hides, or NULL */
	size_t ldallow, callow;	/* the same */
	const unsigned char *kpad;	/* (m), 1 hides key j, or NULL */
	size_t klo, khi;	/* keys outside [klo, khi) are hidden */
};

/* One head's keys and values, packed, and how to score them.  Dot
 * scores: s_ij = (q_i·k_j)·scale with Q (nq, dk).  Additive scores
 * (Bahdanau): s_ij = (sum_t va_t·tanh(q_it + k_jt))·scale, where the
 * caller passes Q = q·Wa (nq, da) and ka = k·Ua (m, da); tanh is
 * vtanh's, as for the soft-cap. */
struct attn_head {
	size_t m;		/* keys */
	size_t dk, dv;		/* widths of a key and of a value */
	double scale;		/* multiplies the scores */
	double softcap;		/* > 0: s = softcap·tanh(s / softcap) */
	double alibi;		/* ALiBi slope: s -= alibi·|i + shift - j| */
	const void *kp, *vp;	/* packed key and value blocks (weights) */
	size_t kstride, vstride;	/* elements from block to block */
	size_t jp;		/* kp's first block holds keys jp .. */
	size_t br;		/* the most query rows of a call, 1 .. ATTN_BR:
				 * block()'s P·V of a key block takes br·dv
				 * of the workspace (dv may be huge) */
	struct attn_mask mask;
	int additive;		/* additive scores: ka, va, da below */
	const void *ka;		/* (m, da), row stride da */
	const double *va;	/* (da) */
	size_t da;
};

/* Where a block step reads keys j0 .. j1-1 (j1 - j0 <= ATTN_BC when
 * not packed) and their values.  Packed (kp not NULL): block b (keys
 * j0 + b·ATTN_BC ..) at kp + b·kstride and vp + b·vstride elements, as
 * the head's strides say.  Else (decoding) S holds the block's dot
 * products q_i·k_r for the nq rows, (nq, ATTN_BC), from qk(), which
 * block() turns into the weights in place, the unnormalised P, and
 * leaves there: the caller adds P·V with pv(), for all the heads that
 * share the values at once; value j0 + r is row r of
 * V (ldv), read in place: decoding copies no key and no value.  Both
 * give the same numbers: the products keep gemm.h's order of
 * operations.  Dot scores only, for the unpacked form.
 * A key of weight 0 (hidden, or its exp underflowed) adds nothing to
 * P·V, even when its value holds an infinity or a NaN (0·inf would be
 * NaN): pv() leaves such terms out, and a packed block whose values
 * hold one, vbad[b] nonzero (vbad NULL: none does), is multiplied by
 * gemm_packed_nz. */
struct attn_keys {
	const void *kp, *vp;
	const unsigned char *vbad;
	void *S;
	const void *V;
	size_t ldv;
};

/* The kernels of one element type and ISA level.  Every void * points
 * to elements of that type (double or float) unless it says double. */
struct attn_ops {
	enum attn_dtype dtype;
	size_t size;		/* bytes per element */

	/* gemm.h, for this type */
	size_t (*packed_size)(size_t k, size_t m);
	size_t (*linear_work)(size_t n, size_t k);	/* for linear() */
	void (*pack_b)(size_t k, size_t m, const void *B, size_t ldb,
	    void *Bp);
	void (*pack_b_rows)(size_t k, size_t m, size_t p0, size_t kr,
	    const void *B, size_t ldb, void *Bp);
	void (*pack_bt)(size_t k, size_t m, const void *Bt, size_t ldb,
	    void *Bp);

	/* Y (n, c) = X (n, k) · W + b, W packed by pack_b(k, c), b (c) or
	 * NULL; work: linear_work(n, k) elements. */
	void (*linear)(size_t n, size_t k, size_t c, const void *X,
	    size_t ldx, const void *Wp, const double *b, void *Y, size_t ldy,
	    void *work);

	/* Rotate rows i < n of X (width d; row stride ldx) by the rotary
	 * position embedding, row i at position pos0 + i: pairs (x_t,
	 * x_{t+d/2}) turn by pos·base^(-2t/d) (Hugging Face Llama's
	 * rotate_half pairing; d even); with freq non-NULL, pairs (x_t,
	 * x_{t+nf}) for t < nf turn by pos·freq[t], components 2nf .. d-1
	 * unrotated (partial rotation, GPT-NeoX's; 2nf <= d). */
	void (*rope)(size_t n, size_t d, void *X, size_t ldx, long long pos0,
	    double base, const double *freq, size_t nf);

	/* x[i] = exp(x[i]) for i < n: the kernels' vectorisable exp, with
	 * a relative error <= 1e-15 for normal results in double, <= 1e-6
	 * in float (tests/tools/expcheck). */
	void (*vexp)(void *x, size_t n);

	/* x[i] = tanh(x[i]) for i < n: the vectorisable tanh of the
	 * additive scores and the soft-cap, with a relative error <= 4e-16
	 * (2 ulp) in double, <= 2e-7 in float; tanh(±0) = ±0, ±1 exactly
	 * for large |x| and ±inf, x itself for tiny x, NaN kept
	 * (tests/tools/tanhcheck). */
	void (*vtanh)(void *x, size_t n);

	/* y[i] = x[i] converted, for i < n. */
	void (*from_double)(size_t n, const double *x, void *y);
	void (*to_double)(size_t n, const void *x, double *y);

	/* QT = R query rows q[r] (dk each) laid out for qk(): ATTN_QR rows
	 * at a time transposed, (dk, ATTN_QR) each, zero past R; QT has
	 * ceil(R / ATTN_QR)·ATTN_QR·dk elements.  Made once for the rows,
	 * read by every qk() of their keys. */
	void (*qk_prep)(size_t R, size_t dk, const void *const *q,
	    void *QT);

	/* S (R, bc) lds = the dot products of the R query rows of QT
	 * (qk_prep()) with keys K (bc, dk) ldk, read in place, in gemm.h's
	 * order: per element s = +0, then s = FMA(q_p, k_p, s) for p in
	 * order, so the numbers are the packed GEMM's.  dbl: K holds
	 * doubles, whatever the compute type, each converted as it is
	 * read (the same numbers as from_double first). */
	void (*qk)(size_t R, size_t dk, size_t bc, const void *QT,
	    const void *K, size_t ldk, int dbl, void *S, size_t lds);

	/* Workspace elements for fwd and weights on head h (of which it
	 * reads dk, dv, additive and da); SIZE_MAX when that does not fit. */
	size_t (*work_size)(const struct attn_head *h);

	/*
	 * The partial state of query rows i0 .. i0+nq-1 (nq <= h->br) of
	 * one head over a set of keys J (FlashAttention's running state):
	 *	M_i = max_{j in J} s_ij,  L_i = sum_j exp(s_ij - M_i),
	 *	O_i = sum_j exp(s_ij - M_i)·v_j
	 * (M_i may be larger, ATTN_SHIFT: every step keeps it at least the
	 * largest score it has seen)
	 * with s = Q·Kᵀ·scale + mask (-inf where hidden); M (nq), L (nq),
	 * O (nq, dv) ldo.  An empty state (no visible key yet) has M = -inf,
	 * L = 0, O = 0.  Every result of selfattn is a fixed sequence of
	 * these steps, whatever the threads:
	 *
	 * begin: the empty state.
	 * block: fold keys j0 .. j1-1 in (j0 a multiple of ATTN_BC, j1 <= m),
	 *	one ATTN_BC block at a time (the online softmax: the n x m
	 *	scores are never held); Q (nq, dk) ldq; the keys and values
	 *	as *keys says; returns the number of blocks folded (0: no key
	 *	of [j0, j1) is visible to these rows).  keep (not NULL): the
	 *	caller's (nq, m) doubles, row stride ldk, that also receive
	 *	the scores s_ij of every key block the step reads (the keys
	 *	of [j0, j1) that the key range, causal and window masks leave
	 *	visible to some row of the call, rounded out to whole ATTN_BC
	 *	blocks, less the blocks that --mask (allow) hides from every
	 *	row of the call; -inf where hidden),
	 *	at keep[i·ldk + j], j the key's index in the sequence; no
	 *	other column is written.  They are the scores as weights()
	 *	would compute them, before the softmax (a float converts to
	 *	double and back exactly).
	 * merge: fold the state (M2, L2, O2) of a disjoint set of keys into
	 *	(M, L, O): M' = max(M, M2), L' = L·e^(M-M') + L2·e^(M2-M'),
	 *	O' = O·e^(M-M') + O2·e^(M2-M').  An empty side contributes
	 *	nothing, exactly.
	 * end: with a sink logit (gpt-oss; NULL: none), first fold it in
	 *	as one more key whose value is 0: M' = max(M, sink),
	 *	L' = L·e^(M-M') + e^(sink-M'), O' = O·e^(M-M'), and M, L
	 *	become M', L' (the weights pass reads them).  Then O /= L,
	 *	and lse_i = M_i + log L_i (double, NULL: not wanted); a row
	 *	with no visible key (nor a sink) gets O = 0, lse = -inf.
	 *	Returns the number of such rows.
	 */
	void (*begin)(size_t nq, size_t dv, void *M, void *L, void *O,
	    size_t ldo);
	int (*block)(const struct attn_head *h, size_t i0, size_t nq,
	    const void *Q, size_t ldq, size_t j0, size_t j1,
	    const struct attn_keys *keys, void *M, void *L, void *O,
	    size_t ldo, double *keep, size_t ldk, void *work);

	/* O_r (dv) += P_r (bc) · V (bc, dv) ldv for R rows, P_r at P[r] and
	 * O_r at O[r]: per element o = FMA(p_j, v_j, o) for j in order,
	 * gemm.h's order, so the numbers are the packed GEMM's, leaving out
	 * the j with p_j = 0 (attn_keys: 0·inf adds no NaN); each value
	 * row is read once for up to 4 rows.  The P·V of block() when the
	 * keys are not packed (its rows returned 1), into rows that start
	 * at 0 for the block and go to the state with addto(), as block()
	 * adds its own.  dbl: V holds doubles, as in qk. */
	void (*pv)(size_t R, size_t dv, size_t bc, const void *const *P,
	    const void *V, size_t ldv, int dbl, void *const *O);
	/* O (nq, dv) ldo += Ot (nq, dv) ldt: a key block's P·V, summed
	 * from 0 (block() in Ot, the caller of pv() in its own), added to
	 * the state's O, which a long row's sum took a rounding a term
	 * from when it was summed on in O. */
	void (*addto)(size_t nq, size_t dv, const void *Ot, size_t ldt,
	    void *O, size_t ldo);
	void (*merge)(size_t nq, size_t dv, void *M, void *L, void *O,
	    size_t ldo, const void *M2, const void *L2, const void *O2,
	    size_t ldo2);
	size_t (*end)(size_t nq, size_t dv, void *M, void *L, void *O,
	    size_t ldo, double *lse, const double *sink);

	/*
	 * The weights of the same rows from their final state over all the
	 * keys: W[i][j] = exp(s_ij - M_i) / L_i as doubles, W (nq, m) ldw;
	 * rows with no visible key are zeros, and so is every key block
	 * that no row of the call may see (key range, causal, window, a
	 * --mask that hides it from each row), not computed; a row whose
	 * M or L is NaN is NaN throughout, as PyTorch's.
	 * kept 0: a second pass over the keys computes the scores again,
	 * Q (nq, dk) ldq against the keys packed at h->kp (block b holding
	 * keys h->jp + b·ATTN_BC ..).  kept 1: W holds the scores already,
	 * as block() kept them for these rows over all the chunks, -inf in
	 * every column no block() call wrote (the caller fills W with -inf
	 * first); Q and the keys are not read, no product is made: the
	 * weights replace the scores in place.  Both give the same numbers.
	 * marks 1: a weight whose score is -inf (a hidden key: masked, out
	 * of the key range, a -inf bias), and every weight of a row with no
	 * visible key, is -0.0 instead of +0, so that the pictures tell it
	 * from a visible key's weight that is 0 because its exp underflowed
	 * (no weight is -0.0 otherwise: clearing the signs of the zeros
	 * gives the numbers of marks 0).
	 */
	void (*weights)(const struct attn_head *h, size_t i0, size_t nq,
	    const void *Q, size_t ldq, const void *rmax, const void *rsum,
	    double *W, size_t ldw, int kept, int marks, void *work);
};

/* A state's reference raised (ATTN_SHIFT): the smallest number of the
 * compute type dtype at least m + ATTN_SHIFT, for m of that type; NaN
 * when it is more than 2·ATTN_SHIFT above m (double: 16·ATTN_SHIFT), as
 * for |m| beyond about 1e9 in float (4e18 in double), whose next number
 * is that far, or not finite. */
double attn_raise(enum attn_dtype dtype, double m);

/* The kernels for dtype at ISA level isa (gemm_isa_choose()), whose
 * products they run at that level. */
const struct attn_ops *attn_ops(enum attn_dtype dtype, enum gemm_isa isa);

#endif
