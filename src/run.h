/*
 * run.h - one attention run: the plan's computation, scheduled over the
 * threads, its results streamed to the outputs.
 */
#ifndef RUN_H
#define RUN_H

#include <stddef.h>

#include "attn.h"
#include "err.h"
#include "out.h"
#include "par.h"
#include "plan.h"
#include "progress.h"

/*
 * Compute the outputs of plan p into out[] (PLAN_Y always; PLAN_W, the
 * weights, and PLAN_LSE, the log-sum-exp, when not NULL).  Each given
 * output must be open (out_open); run_plan begins it with the shape of
 * plan_shapes() and streams its rows in order, so neither Y nor the
 * weights are ever held whole: memory is O((n + m)·d) plus a few blocks
 * per thread, in one arena.  The one exception saves memory: the
 * weights pass may keep a sequence's scores, (H, n, m) doubles, from
 * the first pass instead of computing them again, when that takes no
 * more memory than the queries, packed keys and weight rows that the
 * computation needs (run_info's keep; decoding, small runs).
 *
 * Every result is the same fixed sequence of kernel steps (attn.h): per
 * head and block of query rows, the state over each chunk of ATTN_KC
 * keys, merged chunk after chunk.  Two schedulers share those steps:
 * query-split (a task per query block, its chunks in turn) and, when
 * query blocks are fewer than threads and keys span several chunks,
 * key-split (a task per query block and chunk, merged in chunk order
 * as they are written).  So results do not depend on the number of
 * threads.  dtype ATTN_F32 computes in single precision; isa is the
 * kernels' level (gemm_isa_choose()).
 *
 * g (NULL: none) is told of the work as it is done (progress.h).
 * *dead is set to the number of query rows (over all heads and
 * batches) whose keys were all hidden.  Returns 0, or -1 with e set
 * (out of memory, a write error).
 */
int run_plan(const struct plan *p, struct par *pool, enum attn_dtype dtype,
    enum gemm_isa isa, struct out *const out[PLAN_NOUT], struct progress *g,
    size_t *dead, struct err *e);

/* What run_plan would do, without doing it (--dry-run). */
struct run_info {
	int workers;		/* threads it keeps busy: at most nthreads,
				 * at most the tasks of its largest phase */
	size_t arena;		/* bytes of its buffers, one allocation */
	int keysplit;		/* 1: key-split, 0: query-split */
	int keep;		/* 1: the weights pass takes the scores the
				 * first pass kept, 0: it computes them again */
	const char *keys;	/* "packed once" (per sequence), "packed block
				 * by block" or "read in place" */
	size_t nqb;		/* query blocks of ATTN_BR rows */
	size_t qg;		/* query blocks a task: 1, or a group */
	size_t qone;		/* with groups, the last blocks, in smaller
				 * tasks (0: none) */
	size_t nch;		/* key chunks of ATTN_KC keys */
	size_t nkb;		/* key blocks of ATTN_BC keys */
};

/*
 * Fill ri for plan p (whose inputs may be shape-only) run in dtype on
 * nthreads workers, with the outputs want[] (PLAN_Y always) in formats
 * fmt[]: the arena is measured by the very code that carves it, not
 * allocated.  Returns 0, or -1 with e set as run_plan would set it when
 * the sizes overflow.
 */
int run_info(const struct plan *p, enum attn_dtype dtype, enum gemm_isa isa,
    int nthreads, const enum out_fmt fmt[PLAN_NOUT], const int want[PLAN_NOUT],
    struct run_info *ri, struct err *e);

#endif
