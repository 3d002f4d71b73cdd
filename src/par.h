/*
 * par.h - a small pool of POSIX threads that runs numbered tasks.
 *
 * Tasks are claimed in increasing order by whichever thread is free;
 * the caller's function must make each task's result independent of
 * which thread runs it (selfattn's kernels do: a task owns whole
 * output rows), so results do not depend on the number of threads.
 */
#ifndef PAR_H
#define PAR_H

#include <stddef.h>

#include "err.h"

struct par;

/* fn(ctx, task, worker): run task number `task` (0 .. ntasks-1) on
 * worker `worker` (0 .. nthreads-1; per-worker scratch can be indexed
 * by it).  It must not fail: tasks record their own errors in ctx. */
typedef void par_fn(void *ctx, size_t task, int worker);

/* A pool of up to nthreads >= 1 workers (the calling thread is worker
 * 0; the others are created as jobs need them, up to the job's tasks
 * and par_cap).  Returns the pool, or NULL with e set (malloc's error,
 * or a lock's initialisation).  A thread that cannot be created
 * (pthread_create's EAGAIN, as under ulimit -v) leaves the pool the
 * workers it has (par_workers() then says how many, par_short() why),
 * and the jobs run on them. */
struct par *par_start(int nthreads, struct err *e);

/* Run tasks 0 .. ntasks-1 and return when all have finished. */
void par_run(struct par *p, size_t ntasks, par_fn *fn, void *ctx);

/*
 * The ordered pipeline: run tasks 0 .. ntasks-1, each filling slot
 * task % nslots (fn), and hand the slots to put in task order, so that
 * results go out in order while every thread keeps working.  Task t
 * waits for its slot until task t - nslots has been put; whoever
 * finishes the oldest task not yet put puts it, and the finished ones
 * after it (one putter at a time, outside the lock).  done is the
 * caller's scratch of nslots bytes.  When put returns non-zero the
 * tasks not yet started are skipped and par_ordered returns that value;
 * else 0.
 */
typedef void par_slot_fn(void *ctx, size_t task, size_t slot, int worker);
typedef int par_put_fn(void *ctx, size_t task, size_t slot);
int par_ordered(struct par *p, size_t ntasks, size_t nslots,
    unsigned char *done, par_slot_fn *fn, par_put_fn *put, void *ctx);

/* The number of workers a job of p may have: nthreads, or fewer if a
 * thread could not be created. */
int par_workers(const struct par *p);

/* 0 if every thread created started, else -1 with e set: how many
 * workers of how many, and why the next could not start. */
int par_short(const struct par *p, struct err *e);

/* From now on only workers 0 .. n-1 claim tasks (n clamped to 1 ..
 * par_workers(p)), so that a job of few tasks can size per-worker
 * scratch for n; par_cap(p, par_workers(p)) lets every one again.  Not
 * while a job runs. */
void par_cap(struct par *p, int n);

/* Stop and free the pool (NULL is allowed). */
void par_stop(struct par *p);

#endif
