/*
 * progress.h - a progress bar on standard error for long runs: percent,
 * rate, time left, redrawn in place with \r and cleared at the end.
 *
 * Off unless progress_enable() was called (main does when standard
 * error is a terminal and --quiet is not given): then every function
 * is a cheap no-op.  The work is counted in units that the run defines
 * (progress_begin); progress_add may be called from any thread.  The
 * bar shows once the run has taken PROGRESS_DELAY seconds and is
 * expected to take about a second in all, and is redrawn at most every
 * PROGRESS_EVERY seconds, by whichever thread adds work then.  It only
 * writes to descriptor 2: it never changes what is computed.
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stddef.h>

#define PROGRESS_DELAY 0.5
#define PROGRESS_EVERY 0.2

/* Draw from now on (on descriptor 2). */
void progress_enable(void);

/* A run of total units begins; per units make one query row (the rate
 * is shown in rows per second). */
void progress_begin(size_t total, size_t per);

/* units more are done.  Thread-safe. */
void progress_add(size_t units);

/* The run has ended: clear the bar, if drawn. */
void progress_end(void);

#endif
