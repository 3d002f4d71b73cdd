/*
 * explain.h - --dry-run: check the inputs' shapes as the run would and
 * print each stage with its shape and cost, computing nothing.
 */
#ifndef EXPLAIN_H
#define EXPLAIN_H

#include <stdint.h>
#include <stdio.h>

#include "attn.h"
#include "err.h"
#include "out.h"
#include "label.h"
#include "plan.h"

struct explain_cfg {
	const char *spec[IN_NROLES];	/* matrix arguments as given */
	const char *opt[IN_NROLES];	/* their options, as messages say */
	uint32_t seed;
	struct plan_opts po;
	const char *path[PLAN_NOUT];	/* outputs; NULL: not asked for */
	const char *optname[PLAN_NOUT];	/* "-o", "-a", "--lse" */
	enum out_fmt fmt[PLAN_NOUT];
	int html;			/* --heatmap draws an HTML page */
	int threads;
	enum attn_dtype dtype;
	enum gemm_isa isa;
	/* --labels, --key-labels: loaded, with their specs; NULL: none */
	struct labels *ql, *kl;	/* (label_check() trims them) */
	const char *qspec, *kspec;
};

/*
 * Read the inputs as far as their shapes need, make the plan, and print
 * the stages to f, one a line (the format is the manual's, under
 * --dry-run).  Of a .npy only the header is parsed; text is parsed one
 * input at a time and only its shape kept (input_shape).  A mask's and
 * key padding's numbers are read: plan_make checks them.  Generators
 * are not drawn, unless --mask or --key-padding is one (their values
 * matter): then all are, in order, as the run draws them.  The labels'
 * counts are checked against the plan.  So every error is the run's,
 * with its message.  Returns 0, or -1 with e set (exit status 1).
 */
int explain_write(const struct explain_cfg *c, FILE *f, struct err *e);

#endif
