/*
 * heat.h - pictures of the attention weights: an SVG heatmap file, an
 * HTML page (heatmap and head view, no network) and a heatmap drawn in
 * the terminal (--show).
 *
 * They are drawn from the same stream of weight rows as -a: heat_sink
 * is the sink of the table's PLAN_PIC output (out.h), which run.c feeds
 * in order, row block by row block.  Only the picture is held: per
 * head, a grid of at most HEAT_CELLS x HEAT_CELLS cells (a longer axis
 * is cut into blocks, each cell the mean of its block), for one
 * sequence at a time; a sequence is drawn as soon as its last row
 * arrives.  A cell is drawn as masked when every weight in it is -0.0:
 * the weights pass marks so the keys whose score is -inf (attn.h's
 * marks), and a visible key whose weight underflowed to +0 is drawn as
 * a weight of 0.
 */
#ifndef HEAT_H
#define HEAT_H

#include <stddef.h>

#include "err.h"
#include "label.h"
#include "out.h"
#include "plan.h"

#define HEAT_CELLS 128

struct heat_opts {
	struct out *svg;	/* --heatmap FILE.svg or .html, or NULL */
	int html;		/* it is an HTML page */
	struct out *show;	/* --show (standard output), or NULL */
	int has_batch;		/* --batch-index given */
	size_t batch;
	double vmax;		/* --heat-max: the top of the colour scale; 0:
				 * the largest cell drawn */
	int color;		/* --show: 0 shades, 1 256 colours, 2 24-bit */
	size_t width;		/* --show: terminal columns */
	int f32;		/* --dtype f32: a cell's value rounded to
				 * float, as -a writes the weights */
};

struct heat {
	struct heat_opts o;
	const struct plan *p;
	const struct labels *ql, *kl;	/* query, key labels (NULL: numbers) */
	size_t Hs;		/* weight blocks per sequence */
	size_t gq, gk;		/* grid cells */
	size_t *qs, *ks;	/* cell c spans rows qs[c] .. qs[c+1]-1 */
	double *sum;		/* (Hs, gq, gk): per head */
	unsigned char *vis;	/* (Hs + 1, gq, gk): a weight in the cell not
				 * of a hidden key, per head, then the mean */
	size_t *live;		/* (Hs, gq): rows of a query cell that see a
				 * key */
	size_t row;		/* rows received */
	size_t nseq;		/* sequences drawn */
	size_t width, height;	/* of the SVG */
	size_t cw, ch;		/* a cell's width (keys), height (queries) */
	size_t lq, lk, pw, ph, ncol, nrow, sech;
	int fk, fq;		/* the font size of key, of query labels */
	char *tip;		/* a whole label (tooltips, the page's JSON) */
	size_t tipcap;
	unsigned char *qdup, *kdup;	/* drawn query rows' (from q0), keys':
				 * the label names several, or is "" (the
				 * tooltips add the position) */
};

/* Set h up for plan p; write the SVG's or page's head.  Returns 0, or -1 with e
 * set (--batch-index out of range, out of memory, a write error). */
int heat_start(struct heat *h, const struct plan *p, const struct labels *ql,
    const struct labels *kl, const struct heat_opts *o, struct err *e);

/* The out_sink of PLAN_PIC: takes nrows weight rows. */
int heat_sink(void *arg, const double *rows, size_t nrows, struct err *e);

/* Write the SVG's or page's end (the page's script).  Returns 0, or -1
 * with e set. */
int heat_end(struct heat *h, struct err *e);

/* Free what heat_start allocated (h may be all zeros, or started in
 * part); writes nothing. */
void heat_free(struct heat *h);

/* How --show draws on descriptor fd: *color 0 (shading characters: not
 * a terminal, or $NO_COLOR set and not empty), 2 ($COLORTERM truecolor
 * or 24bit) or 1 (256 colours); *width its columns (TIOCGWINSZ, else
 * $COLUMNS, else 80). */
void heat_term(int fd, int *color, size_t *width);

#endif
