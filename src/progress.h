/*
 * progress.h - a progress bar on standard error for long runs: percent,
 * rate, time left, redrawn in place with \r and cleared at the end.
 *
 * Off unless progress_init() turned it on (main does when standard
 * error is a terminal and --quiet is not given): else every function
 * is a cheap no-op.  The work is counted in units that the run defines
 * (progress_begin); progress_add may be called from any thread.  The
 * bar shows once the run has taken PROGRESS_DELAY seconds and is
 * expected to take about a second in all, and is redrawn at most every
 * PROGRESS_EVERY seconds, by whichever thread adds work then.  It only
 * writes to descriptor 2: it never changes what is computed.
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdatomic.h>
#include <stddef.h>

#define PROGRESS_DELAY 0.5
#define PROGRESS_EVERY 0.2

/* A bar's state: main's, handed to the run (all zeros: off). */
struct progress {
	int on;
	size_t total, per;
	double start;
	atomic_size_t done;
	_Atomic double last;	/* when drawn last, or start */
	atomic_flag drawing;
	size_t width;		/* of the text drawn, to clear it */
};

/* Set g up, drawing (on descriptor 2) if on, else every call a no-op. */
void progress_init(struct progress *g, int on);

/* A run of total units begins; per units make one query row (the rate
 * is shown in rows per second).  g may be NULL (no bar), as below. */
void progress_begin(struct progress *g, size_t total, size_t per);

/* units more are done.  Thread-safe. */
void progress_add(struct progress *g, size_t units);

/* The run has ended: clear the bar, if drawn. */
void progress_end(struct progress *g);

#endif
