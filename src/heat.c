/*
 * heat.c - SVG and terminal heatmaps of the weights (see heat.h).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "heat.h"
#include "heat_page.h"
#include "num.h"

#define LABEL_CHARS 16		/* longer labels are cut, with an ellipsis */

/* Viridis (matplotlib's), at 0, 0.1, .. 1; linear in between. */
static const unsigned char viridis[11][3] = {
	{ 0x44, 0x01, 0x54 }, { 0x48, 0x24, 0x75 }, { 0x41, 0x44, 0x87 },
	{ 0x35, 0x5f, 0x8d }, { 0x2a, 0x78, 0x8e }, { 0x21, 0x91, 0x8c },
	{ 0x22, 0xa8, 0x84 }, { 0x44, 0xbf, 0x70 }, { 0x7a, 0xd1, 0x51 },
	{ 0xbd, 0xdf, 0x26 }, { 0xfd, 0xe7, 0x25 },
};

static void
colour(double t, unsigned char rgb[3])
{
	double x;
	int i, c;

	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	x = t * 10;
	i = (int)x;
	if (i > 9)
		i = 9;
	x -= i;
	for (c = 0; c < 3; c++)
		rgb[c] = (unsigned char)lround(viridis[i][c] * (1 - x) +
		    viridis[i + 1][c] * x);
}

/* The xterm 256-colour cube entry nearest rgb: levels 0, 95, 135, 175,
 * 215, 255 on each axis. */
static int
xterm256(const unsigned char rgb[3])
{
	static const int lv[6] = { 0, 95, 135, 175, 215, 255 };
	int c, k, best, idx = 16, mul[3] = { 36, 6, 1 };

	for (c = 0; c < 3; c++) {
		best = 0;
		for (k = 1; k < 6; k++)
			if (abs(lv[k] - rgb[c]) < abs(lv[best] - rgb[c]))
				best = k;
		idx += mul[c] * best;
	}
	return idx;
}

/* Formatted text into o. */
static int
put(struct out *o, struct err *e, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	return out_put(o, buf, (size_t)n, 0, e);
}

static int
puts_(struct out *o, const char *s, struct err *e)
{
	return out_put(o, s, strlen(s), 0, e);
}

/* The bytes of the UTF-8 character s starts with, or 0 if s does not
 * start with one that XML allows: a malformed or overlong sequence, a
 * surrogate, past U+10FFFF, U+FFFE, U+FFFF.  (Labels are bytes, from
 * any file: the pictures put U+FFFD in place of each bad byte, so that
 * an SVG or HTML page stays well-formed.) */
static size_t
u8char(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		n = 2;
	else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		lo = u[0] == 0xe0 ? 0xa0 : 0x80;
		hi = u[0] == 0xed ? 0x9f : 0xbf;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		lo = u[0] == 0xf0 ? 0x90 : 0x80;
		hi = u[0] == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if (u[1] < lo || u[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (u[i] < 0x80 || u[i] > 0xbf)
			return 0;
	if (n == 3 && u[0] == 0xef && u[1] == 0xbf && u[2] >= 0xbe)
		return 0;	/* U+FFFE, U+FFFF */
	return n;
}

#define U_FFFD "\xef\xbf\xbd"	/* the replacement character */

/* Codepoints of s, a bad byte counting as one. */
static size_t
u8len(const char *s)
{
	size_t n = 0, k;

	for (; *s; s += k ? k : 1)
		k = u8char(s), n++;
	return n;
}

/* s cut to at most max codepoints (an ellipsis for the rest), XML-
 * escaped when xml, a bad byte U+FFFD, into buf (cap >= 6 * max + 8). */
static void
cut(char *buf, const char *s, size_t max, int xml)
{
	size_t k = 0, cps = 0, total = u8len(s), n;

	for (; *s; s += n ? n : 1) {
		unsigned char c = (unsigned char)*s;

		if (++cps > (total > max ? max - 1 : max))
			break;
		if ((n = u8char(s)) != 1) {
			/* a character of several bytes, or a bad byte */
			memcpy(buf + k, n ? s : U_FFFD, n ? n : 3);
			k += n ? n : 3;
		} else if (xml && c == '&')
			k += (size_t)sprintf(buf + k, "&amp;");
		else if (xml && c == '<')
			k += (size_t)sprintf(buf + k, "&lt;");
		else if (xml && c == '>')
			k += (size_t)sprintf(buf + k, "&gt;");
		else if (xml && c == '"')
			k += (size_t)sprintf(buf + k, "&quot;");
		else if (c < 0x20 || c == 0x7f)
			buf[k++] = '?';	/* not allowed in XML, nor shown */
		else
			buf[k++] = (char)c;
	}
	if (total > max)
		k += (size_t)sprintf(buf + k, "\xe2\x80\xa6");
	buf[k] = '\0';
}

/* The label of query row (or key) a .. b-1 of an axis: its own, or the
 * range of positions when a cell is a block. */
static void
axis_label(char *buf, const struct labels *l, size_t a, size_t b, size_t max,
    int xml)
{
	if (b - a > 1)
		sprintf(buf, "%zu\xe2\x80\x93%zu", a, b - 1);
	else if (l != NULL && a < l->n)
		cut(buf, l->s[a], max, xml);
	else
		sprintf(buf, "%zu", a);
}

static void
spans(size_t *s, size_t g, size_t n)
{
	size_t c;

	for (c = 0; c <= g; c++)
		s[c] = (c * n + g - 1) / g;
}

/* Cell c of an axis of g cells over n: row i is in cell i·g/n. */
static size_t
cell_of(size_t i, size_t g, size_t n)
{
	return i * g / n;
}

static const char *
panel_name(const struct heat *h, size_t k, char *buf)
{
	const struct plan *p = h->p;

	if (k == h->Hs)
		sprintf(buf, "mean of %zu heads", p->H);
	else if (p->o.average && p->H > 1)
		sprintf(buf, "mean of %zu heads", p->H);
	else if (p->H == 1)
		sprintf(buf, "weights");
	else if (p->G < p->H)
		sprintf(buf, "head %zu (kv head %zu)", k, k / (p->H / p->G));
	else
		sprintf(buf, "head %zu", k);
	return buf;
}

static size_t
npanels(const struct heat *h)
{
	return h->Hs > 1 ? h->Hs + 1 : 1;
}

static size_t
longest(const struct labels *l, size_t n)
{
	size_t i, k, best = 1;

	for (i = 0; l != NULL && i < l->n && i < n; i++)
		if ((k = u8len(l->s[i])) > best)
			best = k;
	if (l == NULL)
		best = 5;
	return best > LABEL_CHARS ? LABEL_CHARS : best;
}

static int
svg_head(struct heat *h, struct err *e)
{
	const struct plan *p = h->p;
	struct out *o = h->o.svg;
	size_t nsec = h->o.has_batch ? 1 : p->B, n, cs;
	int agg = h->gq < p->nout || h->gk < p->m;

	n = h->gq > h->gk ? h->gq : h->gk;
	cs = 560 / n;
	h->cs = cs < 8 ? 8 : cs > 36 ? 36 : cs;
	h->font = h->cs < 14 ? (int)h->cs - 1 : 12;
	h->lq = (size_t)((agg && h->gq < p->nout ? 9 : longest(h->ql,
	    p->n)) * h->font * 0.62) + 8;
	h->lk = (size_t)((agg && h->gk < p->m ? 9 : longest(h->kl, p->m)) *
	    h->font * 0.62) + 8;
	h->pw = h->lq + h->gk * h->cs + 28;
	h->ph = 22 + h->lk + h->gq * h->cs + 16;
	n = npanels(h);
	h->ncol = n < 4 ? n : 4;
	h->nrow = (n + 3) / 4;
	/* a section is as tall as its panels, or as the legend beside
	 * them (title, scale, masked, NaN: 246) */
	h->sech = (p->B > 1 ? 24 : 0) + (h->nrow * h->ph > 246 ? h->nrow *
	    h->ph : 246);
	h->width = 16 + h->ncol * h->pw + 110;
	h->height = 16 + nsec * h->sech + (agg ? 22 : 0) + 8;
	if (put(o, e, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%zu\" "
	    "height=\"%zu\" viewBox=\"0 0 %zu %zu\" font-family=\"sans-serif\">"
	    "\n<title>attention weights</title>\n", h->width, h->height,
	    h->width, h->height) ||
	    puts_(o, "<defs>\n<pattern id=\"masked\" width=\"6\" height=\"6\" "
	    "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	    "<rect width=\"6\" height=\"6\" fill=\"#d0d0d0\"/>"
	    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#808080\" "
	    "stroke-width=\"2\"/></pattern>\n"
	    "<linearGradient id=\"viridis\" x1=\"0\" y1=\"1\" x2=\"0\" "
	    "y2=\"0\">\n", e))
		return -1;
	for (n = 0; n <= 10; n++)
		if (put(o, e, "<stop offset=\"%zu%%\" stop-color=\"#%02x%02x"
		    "%02x\"/>\n", n * 10, viridis[n][0], viridis[n][1],
		    viridis[n][2]))
			return -1;
	if (puts_(o, "</linearGradient>\n</defs>\n<rect width=\"100%\" "
	    "height=\"100%\" fill=\"white\"/>\n", e))
		return -1;
	if (agg && put(o, e, "<text class=\"note\" x=\"8\" y=\"%zu\" "
	    "font-size=\"12\">%zu queries x %zu keys drawn as %zu x %zu "
	    "cells, each the mean of its block of weights</text>\n",
	    h->height - 12, p->nout, p->m, h->gq, h->gk))
		return -1;
	return 0;
}

static double
cell_value(const struct heat *h, size_t k, size_t i, size_t j, int *masked)
{
	size_t c = (h->qs[i + 1] - h->qs[i]) * (h->ks[j + 1] - h->ks[j]);
	size_t at = (k * h->gq + i) * h->gk + j;

	*masked = !h->vis[at];
	return h->sum[at] / (double)c / (k == h->Hs ? (double)h->Hs : 1.0);
}

/* A cell whose weight is NaN (a NaN query, key or score: its row is
 * NaN, as in PyTorch): drawn in this colour, outside viridis, and named
 * in the legend of a picture that has one. */
#define NAN_RGB "e41a1c"

/* The top of the colour scale: the largest cell of the np panels, or 1
 * when every cell is 0 (NaN cells do not count); *nan = whether a cell
 * that is not masked is NaN (the legend names the colour then). */
static double
scale_max(const struct heat *h, size_t np, int *nan)
{
	double v, vmax = 0;
	size_t k, i, j;
	int masked;

	*nan = 0;
	for (k = 0; k < np; k++)
		for (i = 0; i < h->gq; i++)
			for (j = 0; j < h->gk; j++) {
				v = cell_value(h, k, i, j, &masked);
				if (v > vmax)
					vmax = v;
				*nan |= v != v && !masked;
			}
	return vmax > 0 ? vmax : 1;
}

/* The key (j) and query (i) labels and value of a tooltip. */
static int
svg_section(struct heat *h, size_t b, size_t y0, struct err *e)
{
	const struct plan *p = h->p;
	struct out *o = h->o.svg;
	size_t k, i, j, np = npanels(h), x, y, cs = h->cs;
	char ql[6 * LABEL_CHARS + 64], kl[6 * LABEL_CHARS + 64], num[40];
	char name[64], fill[8];
	double v, vmax = 0;
	int masked, nan;
	unsigned char rgb[3];

	vmax = scale_max(h, np, &nan);
	if (put(o, e, "<g class=\"sequence\" data-sequence=\"%zu\">\n", b))
		return -1;
	if (p->B > 1 && put(o, e, "<text x=\"8\" y=\"%zu\" font-size=\"14\" "
	    "font-weight=\"bold\">sequence %zu</text>\n", y0 + 16, b))
		return -1;
	if (p->B > 1)
		y0 += 24;
	for (k = 0; k < np; k++) {
		size_t px = 8 + (k % 4) * h->pw, py = y0 + (k / 4) * h->ph;
		size_t gx = px + h->lq, gy = py + 22 + h->lk;

		if (put(o, e, "<g class=\"panel\" data-head=\"%s\">\n"
		    "<text x=\"%zu\" y=\"%zu\" font-size=\"13\">%s</text>\n",
		    k == h->Hs ? "mean" : (sprintf(num, "%zu", k), num), gx,
		    py + 15, panel_name(h, k, name)))
			return -1;
		for (j = 0; j < h->gk; j++) {
			axis_label(kl, h->kl, h->ks[j], h->ks[j + 1],
			    LABEL_CHARS, 1);
			x = gx + j * cs + cs / 2 + (size_t)h->font / 3;
			if (put(o, e, "<text class=\"key\" x=\"%zu\" y=\"%zu\" "
			    "font-size=\"%d\" transform=\"rotate(-90 %zu %zu)\">"
			    "%s</text>\n", x, gy - 4, h->font, x, gy - 4, kl))
				return -1;
		}
		for (i = 0; i < h->gq; i++) {
			axis_label(ql, h->ql, p->q0 + h->qs[i], p->q0 +
			    h->qs[i + 1], LABEL_CHARS, 1);
			y = gy + i * cs;
			if (put(o, e, "<text class=\"query\" x=\"%zu\" y=\"%zu\" "
			    "font-size=\"%d\" text-anchor=\"end\">%s</text>\n",
			    gx - 4, y + cs / 2 + (size_t)h->font / 3, h->font,
			    ql))
				return -1;
			for (j = 0; j < h->gk; j++) {
				v = cell_value(h, k, i, j, &masked);
				axis_label(kl, h->kl, h->ks[j], h->ks[j + 1],
				    LABEL_CHARS, 1);
				num[num_format(num, v, 0)] = '\0';
				colour(v / vmax, rgb);
				if (v != v)
					strcpy(fill, NAN_RGB);
				else
					sprintf(fill, "%02x%02x%02x", rgb[0],
					    rgb[1], rgb[2]);
				if (masked ? put(o, e, "<rect class=\"cell "
				    "masked\" x=\"%zu\" y=\"%zu\" width=\"%zu\" "
				    "height=\"%zu\" fill=\"url(#masked)\"><title>"
				    "%s \xe2\x86\x92 %s: 0 (masked)</title></rect>\n",
				    gx + j * cs, y, cs, cs, ql, kl) : put(o, e,
				    "<rect class=\"cell\" x=\"%zu\" y=\"%zu\" "
				    "width=\"%zu\" height=\"%zu\" fill=\"#%s\">"
				    "<title>%s \xe2\x86\x92 %s: %s%s</title>"
				    "</rect>\n", gx + j * cs, y, cs, cs, fill, ql,
				    kl, h->qs[i + 1] - h->qs[i] > 1 ||
				    h->ks[j + 1] - h->ks[j] > 1 ? "mean " : "",
				    num))
					return -1;
			}
		}
		if (puts_(o, "</g>\n", e))
			return -1;
	}
	/* the legend, right of the panels */
	x = 8 + h->ncol * h->pw + 8;
	y = y0 + 22;
	num[num_format(num, vmax, 3)] = '\0';
	if (put(o, e, "<g class=\"legend\">\n<text x=\"%zu\" y=\"%zu\" "
	    "font-size=\"12\">weight</text>\n<rect x=\"%zu\" y=\"%zu\" "
	    "width=\"16\" height=\"160\" fill=\"url(#viridis)\" "
	    "stroke=\"#444\"/>\n<text x=\"%zu\" y=\"%zu\" font-size=\"11\">"
	    "%s</text>\n<text x=\"%zu\" y=\"%zu\" font-size=\"11\">0</text>\n"
	    "<rect x=\"%zu\" y=\"%zu\" width=\"16\" height=\"16\" "
	    "fill=\"url(#masked)\" stroke=\"#444\"/>\n<text x=\"%zu\" y=\"%zu\" "
	    "font-size=\"11\">masked</text>\n", x, y, x, y + 8,
	    x + 20, y + 18, num, x + 20, y + 168, x, y + 180, x + 20, y + 193))
		return -1;
	if (nan && put(o, e, "<rect x=\"%zu\" y=\"%zu\" "
	    "width=\"16\" height=\"16\" fill=\"#" NAN_RGB "\" "
	    "stroke=\"#444\"/>\n<text x=\"%zu\" y=\"%zu\" "
	    "font-size=\"11\">NaN</text>\n", x, y + 200, x + 20, y + 213))
		return -1;
	return puts_(o, "</g>\n</g>\n", e);
}

/* s as a JSON string, safe inside <script>: '<', '>', '&' escaped. */
static int
json_str(struct out *o, const char *s, struct err *e)
{
	char buf[8];
	size_t k, n;

	if (out_put(o, "\"", 1, 0, e))
		return -1;
	for (; *s; s += n) {
		unsigned char c = (unsigned char)*s;

		if ((n = u8char(s)) != 1) {
			/* several bytes, or a bad one (U+FFFD) */
			if (out_put(o, n ? s : U_FFFD, n ? n : 3, 0, e))
				return -1;
			n = n ? n : 1;
			continue;
		}
		if (c == '"' || c == '\\') {
			buf[0] = '\\';
			buf[1] = (char)c;
			k = 2;
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&' ||
		    c == 0x7f) {
			k = (size_t)sprintf(buf, "\\u%04x", c);
		} else {
			buf[0] = (char)c;
			k = 1;
		}
		if (out_put(o, buf, k, 0, e))
			return -1;
	}
	return out_put(o, "\"", 1, 0, e);
}

static const char html_head_text[] =
"<!DOCTYPE html>\n"
"<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
"<title>attention weights</title>\n"
"<style>body{font-family:sans-serif;margin:16px}"
"#views{display:flex;gap:40px;flex-wrap:wrap}"
"#readout{font-family:monospace;margin-left:1em}"
"#errors{color:#b00;white-space:pre-wrap;margin:0}"
".tok{cursor:pointer}h1{font-size:18px}h2{font-size:15px}</style>\n"
"<script>window.onerror=function(m,s,l){var e=document.getElementById("
"\"errors\");if(e)e.textContent+=m+\" (line \"+l+\")\\n\";"
"document.documentElement.setAttribute(\"data-error\",\"1\");};"
"console.error=function(m){window.onerror(String(m),\"\",0);};"
"</script>\n"
"</head><body data-ready=\"no\">\n"
"<h1>attention weights</h1>\n<pre id=\"errors\"></pre>\n"
"<p><span id=\"seqbox\">sequence <select id=\"seq\"></select> </span>"
"head <select id=\"head\"></select>"
"<span id=\"readout\">hover a cell</span></p>\n<p id=\"note\"></p>\n"
"<div id=\"views\"><div><h2>heatmap</h2><div id=\"heat\"></div></div>\n"
"<div><h2>head view</h2><div id=\"headview\"></div></div></div>\n"
"<noscript>The pictures need JavaScript.</noscript>\n";

/* Sequence b as JSON, for the page's script: labels, then per panel
 * its name and rows of weights (null: masked). */
static int
html_section(struct heat *h, size_t b, struct err *e)
{
	const struct plan *p = h->p;
	struct out *o = h->o.svg;
	size_t k, i, j, np = npanels(h);
	char lab[6 * LABEL_CHARS + 64], name[64], num[40];
	double v;
	int masked;

	if (put(o, e, "<script type=\"application/json\" class=\"seq\">"
	    "{\"sequence\":%zu,\"q\":[", b))
		return -1;
	for (i = 0; i < h->gq; i++) {
		axis_label(lab, h->ql, p->q0 + h->qs[i], p->q0 + h->qs[i + 1],
		    LABEL_CHARS, 0);
		if ((i && puts_(o, ",", e)) || json_str(o, lab, e))
			return -1;
	}
	if (puts_(o, "],\"k\":[", e))
		return -1;
	for (j = 0; j < h->gk; j++) {
		axis_label(lab, h->kl, h->ks[j], h->ks[j + 1], LABEL_CHARS, 0);
		if ((j && puts_(o, ",", e)) || json_str(o, lab, e))
			return -1;
	}
	if (puts_(o, "],\"note\":", e))
		return -1;
	if (h->gq < p->nout || h->gk < p->m) {
		sprintf(lab, "%zu queries x %zu keys drawn as %zu x %zu cells, "
		    "each the mean of its block of weights", p->nout, p->m,
		    h->gq, h->gk);
		if (json_str(o, lab, e))
			return -1;
	} else if (puts_(o, "\"\"", e))
		return -1;
	if (puts_(o, ",\"panels\":[", e))
		return -1;
	for (k = 0; k < np; k++) {
		if (put(o, e, "%s{\"name\":", k ? "," : "") ||
		    json_str(o, panel_name(h, k, name), e) ||
		    puts_(o, ",\"w\":[", e))
			return -1;
		for (i = 0; i < h->gq; i++) {
			if (puts_(o, i ? ",[" : "[", e))
				return -1;
			for (j = 0; j < h->gk; j++) {
				v = cell_value(h, k, i, j, &masked);
				if (masked)
					strcpy(num, "null");
				else if (v != v)
					strcpy(num, "\"nan\"");
				else
					num[num_format(num, v, 0)] = '\0';
				if ((j && puts_(o, ",", e)) || puts_(o, num, e))
					return -1;
			}
			if (puts_(o, "]", e))
				return -1;
		}
		if (puts_(o, "]}", e))
			return -1;
	}
	return puts_(o, "]}</script>\n", e);
}

/* The terminal picture of sequence b. */
static int
show_section(struct heat *h, size_t b, struct err *e)
{
	static const char shades[] = " .:-=+*#%@";
	const struct plan *p = h->p;
	struct out *o = h->o.show;
	size_t np = npanels(h), k, i, j, t, lw, tk, avail, *ts, a, c, cnt;
	size_t klines;
	char lab[6 * LABEL_CHARS + 64], name[64], num[40];
	double v, vmax = 0, s;
	int masked, any, nan;
	unsigned char rgb[3];

	lw = longest(h->ql, p->n);
	if (h->gq < p->nout && lw < 9)
		lw = 9;
	avail = h->o.width > lw + 3 ? h->o.width - lw - 1 : 2;
	tk = h->gk < avail / 2 ? h->gk : avail / 2;
	if (tk == 0)
		tk = 1;
	if ((ts = malloc((tk + 1) * sizeof *ts)) == NULL)
		return err_set(e, NULL, 0, 0, "--show: %s", strerror(errno));
	spans(ts, tk, h->gk);
	vmax = scale_max(h, np, &nan);
	/* key labels downwards: as many lines as the longest (numbers:
	 * the digits of the last key) */
	klines = tk < h->gk || h->gk < p->m ? 0 : h->kl ? longest(h->kl,
	    p->m) : (size_t)snprintf(NULL, 0, "%zu", p->m - 1);
	if (p->B > 1 && put(o, e, "sequence %zu\n", b))
		goto fail;
	if ((tk < h->gk || h->gk < p->m) && put(o, e, "(%zu keys in %zu "
	    "columns, %zu queries in %zu rows: each the mean of a block)\n",
	    p->m, tk, p->nout, h->gq))
		goto fail;
	for (k = 0; k < np; k++) {
		if (put(o, e, "%s\n", panel_name(h, k, name)))
			goto fail;
		/* key labels, downwards, a character per line */
		for (t = 0; t < klines; t++) {
			if (put(o, e, "%*s ", (int)lw, ""))
				goto fail;
			for (j = 0; j < tk; j++) {
				const char *s8 = h->kl ? h->kl->s[j] : NULL;
				size_t cp = 0;

				if (s8 == NULL) {
					sprintf(num, "%zu", j);
					s8 = num;
				}
				while (*s8 && cp < t) {
					s8++;
					if (((unsigned char)*s8 & 0xc0) != 0x80)
						cp++;
				}
				c = 1;
				while (s8[0] && (((unsigned char)s8[c] & 0xc0) ==
				    0x80))
					c++;
				if (*s8 && out_put(o, s8, c, 0, e))
					goto fail;
				if (puts_(o, *s8 ? " " : "  ", e))
					goto fail;
			}
			if (puts_(o, "\n", e))
				goto fail;
		}
		for (i = 0; i < h->gq; i++) {
			axis_label(lab, h->ql, p->q0 + h->qs[i], p->q0 +
			    h->qs[i + 1], lw, 0);
			if (put(o, e, "%s%*s ", lab, (int)(lw - u8len(lab)),
			    ""))
				goto fail;
			for (j = 0; j < tk; j++) {
				s = 0;
				cnt = 0;
				any = 0;
				for (a = ts[j]; a < ts[j + 1]; a++) {
					size_t w = h->ks[a + 1] - h->ks[a];

					s += cell_value(h, k, i, a, &masked) *
					    (double)w;
					cnt += w;
					any |= !masked;
				}
				v = s / (double)(cnt ? cnt : 1) / vmax;
				if (any && v != v)
					c = (size_t)puts_(o, "??", e);
				else if (!any)
					c = h->o.color ? (size_t)put(o, e,
					    "\033[38;5;250;48;5;240m//\033[0m") :
					    (size_t)puts_(o, "//", e);
				else if (h->o.color == 0) {
					size_t z = (size_t)(v * 9.999);

					c = (size_t)put(o, e, "%c%c", shades[z],
					    shades[z]);
				} else {
					colour(v, rgb);
					c = h->o.color == 2 ? (size_t)put(o, e,
					    "\033[48;2;%d;%d;%dm  \033[0m", rgb[0],
					    rgb[1], rgb[2]) : (size_t)put(o, e,
					    "\033[48;5;%dm  \033[0m", xterm256(rgb));
				}
				if (c != 0)
					goto fail;
			}
			if (puts_(o, "\n", e))
				goto fail;
		}
	}
	/* the legend */
	num[num_format(num, vmax, 3)] = '\0';
	if (puts_(o, "0 ", e))
		goto fail;
	for (t = 0; t < 10; t++) {
		colour(t / 9.0, rgb);
		c = h->o.color == 0 ? (size_t)put(o, e, "%c", shades[t]) :
		    h->o.color == 2 ? (size_t)put(o, e, "\033[48;2;%d;%d;%dm "
		    "\033[0m", rgb[0], rgb[1], rgb[2]) : (size_t)put(o, e,
		    "\033[48;5;%dm \033[0m", xterm256(rgb));
		if (c != 0)
			goto fail;
	}
	if (put(o, e, " %s   // masked (weight 0)%s\n", num,
	    nan ? "   ?? NaN" : ""))
		goto fail;
	free(ts);
	return 0;
fail:
	free(ts);
	return -1;
}

int
heat_start(struct heat *h, const struct plan *p, const struct labels *ql,
    const struct labels *kl, const struct heat_opts *o, struct err *e)
{
	size_t n;

	memset(h, 0, sizeof *h);
	h->o = *o;
	h->p = p;
	h->ql = ql;
	h->kl = kl;
	if (o->has_batch && o->batch >= p->B)
		return err_set(e, NULL, 0, 0, "--batch-index %zu: the input "
		    "has %zu sequence%s", o->batch, p->B, p->B == 1 ? "" : "s");
	h->Hs = p->o.average || p->H == 1 ? 1 : p->H;
	h->gq = p->nout < HEAT_CELLS ? p->nout : HEAT_CELLS;
	h->gk = p->m < HEAT_CELLS ? p->m : HEAT_CELLS;
	n = (h->Hs + 1) * h->gq * h->gk;
	h->qs = malloc((h->gq + 1) * sizeof *h->qs);
	h->ks = malloc((h->gk + 1) * sizeof *h->ks);
	h->sum = calloc(n, sizeof *h->sum);
	h->vis = calloc(n, 1);
	if (h->qs == NULL || h->ks == NULL || h->sum == NULL || h->vis == NULL)
		return err_set(e, NULL, 0, 0, "pictures: %s", strerror(ENOMEM));
	spans(h->qs, h->gq, p->nout);
	spans(h->ks, h->gk, p->m);
	if (h->o.svg != NULL && (h->o.html ? puts_(h->o.svg,
	    html_head_text, e) : svg_head(h, e)) != 0)
		return -1;
	return 0;
}

int
heat_sink(void *arg, const double *rows, size_t nrows, struct err *e)
{
	struct heat *h = arg;
	const struct plan *p = h->p;
	size_t r, j, per = h->Hs * p->nout;

	for (r = 0; r < nrows; r++, rows += p->m, h->row++) {
		size_t b = h->row / per, k = h->row / p->nout % h->Hs;
		size_t i = h->row % p->nout, ci = cell_of(i, h->gq, p->nout);
		double *s = h->sum + (k * h->gq + ci) * h->gk;
		double *ms = h->sum + (h->Hs * h->gq + ci) * h->gk;
		unsigned char *v = h->vis + (k * h->gq + ci) * h->gk;
		unsigned char *mv = h->vis + (h->Hs * h->gq + ci) * h->gk;

		for (j = 0; j < p->m; j++) {
			size_t cj = cell_of(j, h->gk, p->m);
			/* -0.0 marks a hidden key (attn.h) */
			int seen = rows[j] != 0 || !signbit(rows[j]);

			s[cj] += rows[j];
			ms[cj] += rows[j];
			v[cj] |= seen;
			mv[cj] |= seen;
		}
		if ((h->row + 1) % per != 0)
			continue;
		/* the sequence's last row: draw it */
		if (!h->o.has_batch || h->o.batch == b) {
			if (h->o.svg != NULL && (h->o.html ? html_section(h, b,
			    e) : svg_section(h, b, 16 + h->nseq * h->sech,
			    e)) != 0)
				return -1;
			if (h->o.show != NULL && show_section(h, b, e) != 0)
				return -1;
			h->nseq++;
		}
		memset(h->sum, 0, (h->Hs + 1) * h->gq * h->gk *
		    sizeof *h->sum);
		memset(h->vis, 0, (h->Hs + 1) * h->gq * h->gk);
	}
	return 0;
}

int
heat_end(struct heat *h, struct err *e)
{
	size_t i;

	if (h->o.svg == NULL)
		return 0;
	if (!h->o.html)
		return puts_(h->o.svg, "</svg>\n", e);
	if (puts_(h->o.svg, "<script>\n", e))
		return -1;
	for (i = 0; heat_page_js[i] != NULL; i++)
		if (puts_(h->o.svg, heat_page_js[i], e))
			return -1;
	return puts_(h->o.svg, "</script>\n</body></html>\n", e);
}

void
heat_free(struct heat *h)
{
	free(h->qs);
	free(h->ks);
	free(h->sum);
	free(h->vis);
	h->qs = h->ks = NULL;
	h->sum = NULL;
	h->vis = NULL;
}

void
heat_term(int fd, int *color, size_t *width)
{
	const char *nc = getenv("NO_COLOR"), *ct = getenv("COLORTERM");
	const char *cols = getenv("COLUMNS");
	unsigned long long w = 0;
	int tty = isatty(fd);

	*color = !tty || (nc != NULL && *nc != '\0') ? 0 : ct != NULL &&
	    (strcmp(ct, "truecolor") == 0 || strcmp(ct, "24bit") == 0) ? 2 : 1;
	*width = 0;
#ifdef TIOCGWINSZ
	{
		struct winsize ws;

		if (tty && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
			*width = ws.ws_col;
	}
#endif
	if (*width == 0 && cols != NULL && sscanf(cols, "%llu", &w) == 1 &&
	    w > 0 && w < 100000)
		*width = (size_t)w;
	if (*width == 0)
		*width = 80;
}
