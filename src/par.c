/*
 * par.c - the thread pool (see par.h).
 *
 * One job at a time: par_run() publishes (fn, ctx, ntasks) under the
 * lock and bumps a generation counter; every worker, the caller
 * included, claims the next task number under the lock until none is
 * left.  Tasks are coarse (a block of output rows), so one mutex costs
 * nothing measurable and keeps the code obviously right.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"

#define WORKER_STACK (2 << 20)	/* bytes: the deepest task's frames take
				 * tens of KiB (musl's default is 128 KiB) */

struct par {
	pthread_mutex_t mu;
	pthread_cond_t work;	/* a new job, or the end */
	pthread_cond_t idle;	/* the last task of a job finished */
	pthread_mutex_t omu;	/* par_ordered's lock and condition (one */
	pthread_cond_t ocv;	/* job at a time: one call at a time) */
	pthread_t *tid;
	int nthreads;		/* workers created (0, the caller, too) */
	int max;		/* workers it may have: asked, or fewer */
	int asked;		/* par_start's nthreads */
	int cap;		/* workers that claim tasks: 0 .. cap-1 */
	int why;		/* 0, or why worker max could not start:
				 * pthread_create's error (-1: malloc's) */
	int end;		/* par_stop: the workers end */
	unsigned long gen;	/* job number */
	par_fn *fn;
	void *ctx;
	size_t ntasks, next, done;
};

struct worker {
	struct par *p;
	int id;
};

/* Claim and run tasks of the current job until none is left. */
static void
drain(struct par *p, int id)
{
	par_fn *fn;
	void *ctx;
	size_t t;

	pthread_mutex_lock(&p->mu);
	while (id < p->cap && p->next < p->ntasks) {
		/* The job cannot change until this task is counted done. */
		t = p->next++;
		fn = p->fn;
		ctx = p->ctx;
		pthread_mutex_unlock(&p->mu);
		fn(ctx, t, id);
		pthread_mutex_lock(&p->mu);
		if (++p->done == p->ntasks)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->mu);
}

static void *
loop(void *arg)
{
	struct worker *w = arg;
	struct par *p = w->p;
	unsigned long seen = 0;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->end && p->gen == seen)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->end) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		drain(p, w->id);
	}
	free(w);
	return NULL;
}

/* Initialise p's locks and conditions: 0, or the error number of the
 * one that failed (those before it destroyed again). */
static int
sync_init(struct par *p)
{
	int rc;

	if ((rc = pthread_mutex_init(&p->mu, NULL)) != 0)
		return rc;
	if ((rc = pthread_cond_init(&p->work, NULL)) != 0)
		goto mu;
	if ((rc = pthread_cond_init(&p->idle, NULL)) != 0)
		goto work;
	if ((rc = pthread_mutex_init(&p->omu, NULL)) != 0)
		goto idle;
	if ((rc = pthread_cond_init(&p->ocv, NULL)) == 0)
		return 0;
	pthread_mutex_destroy(&p->omu);
idle:
	pthread_cond_destroy(&p->idle);
work:
	pthread_cond_destroy(&p->work);
mu:
	pthread_mutex_destroy(&p->mu);
	return rc;
}

/* End workers 1 .. nthreads-1 (none runs a job) and wait for them. */
static void
end_all(struct par *p)
{
	int i;

	pthread_mutex_lock(&p->mu);
	p->end = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 1; i < p->nthreads; i++)
		pthread_join(p->tid[i], NULL);
	p->nthreads = 1;
}

struct par *
par_start(int nthreads, struct err *e)
{
	struct par *p;
	int rc;

	if ((p = calloc(1, sizeof *p)) == NULL ||
	    (p->tid = calloc((size_t)nthreads, sizeof *p->tid)) == NULL) {
		free(p);
		err_set(e, NULL, 0, 0, "cannot start %d threads: out of "
		    "memory", nthreads);
		return NULL;
	}
	if ((rc = sync_init(p)) != 0) {
		err_set(e, NULL, 0, 0, "cannot start %d threads: %s",
		    nthreads, strerror(rc));
		free(p->tid);
		free(p);
		return NULL;
	}
	p->nthreads = 1;
	p->max = p->cap = p->asked = nthreads;
	return p;
}

/* Create workers up to n (at most max), before a job of as many tasks:
 * a pool of 64 whose jobs have 3 tasks starts 2 threads.  A thread that
 * cannot be created (EAGAIN, as under ulimit -v) makes the pool those
 * it has, for good (max); the job runs on them, with the same results,
 * and par_short() says so.  Workers' stacks are WORKER_STACK, not
 * glibc's 8 MiB of the main thread (64 workers took 512 MiB of address
 * space); a failure to set that leaves the default. */
static void
grow(struct par *p, int n)
{
	struct worker *w;
	pthread_attr_t attr;
	int rc = 0, have;

	if (n > p->max)
		n = p->max;
	if (p->nthreads >= n)
		return;
	have = pthread_attr_init(&attr) == 0;
	if (have && pthread_attr_setstacksize(&attr, WORKER_STACK) != 0) {
		pthread_attr_destroy(&attr);
		have = 0;
	}
	while (p->nthreads < n) {
		if ((w = malloc(sizeof *w)) == NULL) {
			rc = -1;
		} else {
			w->p = p;
			w->id = p->nthreads;
			if ((rc = pthread_create(&p->tid[w->id], have ? &attr :
			    NULL, loop, w)) != 0)
				free(w);
		}
		if (rc != 0) {
			p->max = p->nthreads;
			p->why = rc;
			break;
		}
		p->nthreads++;
	}
	if (have)
		pthread_attr_destroy(&attr);
}

void
par_run(struct par *p, size_t ntasks, par_fn *fn, void *ctx)
{
	if (ntasks == 0)
		return;
	/* no job runs: the workers wait, and new ones see this job's gen */
	grow(p, ntasks < (size_t)p->cap ? (int)ntasks : p->cap);
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->ctx = ctx;
	p->ntasks = ntasks;
	p->next = p->done = 0;
	p->gen++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	drain(p, 0);
	pthread_mutex_lock(&p->mu);
	while (p->done < p->ntasks)
		pthread_cond_wait(&p->idle, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

/* The state of one par_ordered call, under the pool's omu. */
struct ordered {
	pthread_mutex_t *mu;
	pthread_cond_t *cv;
	par_slot_fn *fn;
	par_put_fn *put;
	void *ctx;
	size_t nslots;
	unsigned char *done;	/* per slot: finished, not yet put */
	size_t next;		/* the first task not yet put */
	int putting;
	int failed;		/* put's non-zero result */
};

static void
ordered_task(void *arg, size_t t, int id)
{
	struct ordered *o = arg;
	size_t k = t % o->nslots;
	int failed, rc;

	pthread_mutex_lock(o->mu);
	while (t >= o->next + o->nslots && !o->failed)
		pthread_cond_wait(o->cv, o->mu);	/* slot k in use */
	failed = o->failed;
	pthread_mutex_unlock(o->mu);
	if (!failed)
		o->fn(o->ctx, t, k, id);
	pthread_mutex_lock(o->mu);
	o->done[k] = 1;
	if (!o->putting) {
		o->putting = 1;
		while (!o->failed && o->done[o->next % o->nslots]) {
			k = o->next % o->nslots;
			pthread_mutex_unlock(o->mu);
			rc = o->put(o->ctx, o->next, k);
			pthread_mutex_lock(o->mu);
			o->done[k] = 0;
			o->next++;
			if (rc != 0)
				o->failed = rc;
			pthread_cond_broadcast(o->cv);
		}
		o->putting = 0;
	}
	pthread_mutex_unlock(o->mu);
}

int
par_ordered(struct par *p, size_t ntasks, size_t nslots,
    unsigned char *done, par_slot_fn *fn, par_put_fn *put, void *ctx)
{
	struct ordered o;

	memset(&o, 0, sizeof o);
	o.mu = &p->omu;
	o.cv = &p->ocv;
	o.fn = fn;
	o.put = put;
	o.ctx = ctx;
	o.nslots = nslots;
	o.done = done;
	memset(done, 0, nslots);
	par_run(p, ntasks, ordered_task, &o);
	return o.failed;
}

int
par_workers(const struct par *p)
{
	return p->max;
}

void
par_cap(struct par *p, int n)
{
	pthread_mutex_lock(&p->mu);
	p->cap = n < 1 ? 1 : n > p->max ? p->max : n;
	pthread_mutex_unlock(&p->mu);
}

int
par_short(const struct par *p, struct err *e)
{
	if (p->why == 0)
		return 0;
	return err_set(e, NULL, 0, 0, "%d of %d threads (thread %d could "
	    "not start: %s)", p->max, p->asked, p->max + 1, p->why > 0 ?
	    strerror(p->why) : "out of memory");
}

void
par_stop(struct par *p)
{
	if (p == NULL)
		return;
	end_all(p);
	pthread_cond_destroy(&p->ocv);
	pthread_mutex_destroy(&p->omu);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p->tid);
	free(p);
}
