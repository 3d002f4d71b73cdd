/*
 * progress.c - the progress bar (see progress.h).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
put(const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(STDERR_FILENO, s, n)) > 0) {
			s += w;
			n -= (size_t)w;
		} else if (w == 0 || errno != EINTR)
			return;		/* a bar lost: nothing to report */
	}
}

void
progress_init(struct progress *g, int on)
{
	g->on = on;
	g->total = 0;
	g->per = 1;
	atomic_init(&g->done, 0);
	atomic_init(&g->last, 0.0);
	atomic_flag_clear(&g->drawing);
	g->width = 0;
}

void
progress_begin(struct progress *g, size_t units, size_t per_row)
{
	if (g == NULL || !g->on)
		return;
	g->total = units;
	g->per = per_row ? per_row : 1;
	atomic_store(&g->done, 0);
	g->start = now();
	atomic_store(&g->last, g->start);
	g->width = 0;
}

/* "1.2k" */
static const char *
human(char *b, size_t cap, double x)
{
	static const char *const unit[] = { "", "k", "M", "G", "T" };
	int u = 0;

	while (x >= 1000 && u < 4) {
		x /= 1000;
		u++;
	}
	snprintf(b, cap, u ? "%.1f%s" : "%.0f%s", x, unit[u]);
	return b;
}

static void
draw(struct progress *g, double t, size_t d)
{
	char line[160], rate[32];
	double el = t - g->start, frac = g->total ? (double)d /
	    (double)g->total : 1, left;
	size_t n;

	if (frac > 1)
		frac = 1;
	left = frac > 0 ? el / frac - el : 0;
	/* at most 99999:59: a first draw after little progress of a huge
	 * run can estimate more seconds than an int holds, and converting
	 * such a double to int is undefined */
	if (!(left < 6e6))
		left = 6e6 - 1;
	n = (size_t)snprintf(line, sizeof line, "\rselfattn: %3d%% %s rows/s,"
	    " %d:%02d left", (int)(frac * 100), human(rate, sizeof rate,
	    (double)d / (double)g->per / el), (int)(left / 60),
	    (int)left % 60);
	if (n >= sizeof line)
		n = sizeof line - 1;
	/* blank what a longer line before left */
	while (n < g->width + 1 && n < sizeof line - 1)
		line[n++] = ' ';
	g->width = n - 1;
	put(line, n);
}

void
progress_add(struct progress *g, size_t units)
{
	size_t d;
	double t, el;

	if (g == NULL || !g->on)
		return;
	d = atomic_fetch_add_explicit(&g->done, units,
	    memory_order_relaxed) + units;
	t = now();
	if (t - atomic_load_explicit(&g->last, memory_order_relaxed) <
	    PROGRESS_EVERY || (el = t - g->start) < PROGRESS_DELAY)
		return;
	/* expected to take about a second in all */
	if (d == 0 || el * (double)g->total / (double)d < 1.0)
		return;
	if (atomic_flag_test_and_set(&g->drawing))
		return;
	atomic_store_explicit(&g->last, t, memory_order_relaxed);
	draw(g, t, d);
	atomic_flag_clear(&g->drawing);
}

void
progress_end(struct progress *g)
{
	char blank[192];
	size_t n;

	if (g == NULL || !g->on || g->width == 0)
		return;
	while (atomic_flag_test_and_set(&g->drawing))
		;
	n = g->width < sizeof blank - 2 ? g->width : sizeof blank - 2;
	blank[0] = '\r';
	memset(blank + 1, ' ', n);
	blank[n + 1] = '\r';
	put(blank, n + 2);
	g->width = 0;
	atomic_flag_clear(&g->drawing);
}
