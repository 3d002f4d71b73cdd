/*
 * peak - benchmark tool: the ceiling of this machine for `make bench`:
 * floating-point peak at the ISA level selfattn uses, and memory
 * bandwidth, on 1 thread and on all threads.
 *
 * usage: peak [-j THREADS] [-m MIB] [-r RUNS] [-f|-b]
 *
 *   -j  threads of the "all" figures (default: the number of online
 *       processors, as selfattn's default -j)
 *   -m  size of each of the 3 bandwidth arrays, MiB (default: 256, or
 *       twice the last-level cache the system reports if that is more,
 *       within an eighth of the memory for the three)
 *   -r  runs of each measurement; the best is reported (default 5)
 *   -f  only the FMA peaks; -b only the bandwidths
 *
 * Prints "key value" lines, for tests/bench/run.sh to parse:
 *
 *   isa avx512              the level, chosen by gemm_isa_choose() of the
 *                           library, so by exactly selfattn's rule
 *                           (best the CPU has, capped by SELFATTN_ISA)
 *   vector_bits 512
 *   threads 2
 *   fp64_peak_1t 57.3       GFLOP/s, 2 flops per FMA lane
 *   fp64_peak_all ...
 *   fp32_peak_1t / fp32_peak_all
 *   read_bw_1t / read_bw_all        GB/s (1e9 bytes/s): sum of one array
 *   triad_bw_1t / triad_bw_all      GB/s: a[i] = b[i] + s*c[i], counted
 *                                   as 3 arrays x 8 bytes per element
 *                                   (STREAM's rule: the write-allocate
 *                                   read of a[] is not counted)
 *   array_mib 256
 *   llc_mib 32              the last-level cache size the system reports
 *                           (0 if unknown; in a VM it may be the host's)
 *
 * FMA peak: each thread runs independent chains acc = acc*x + y over
 * 12 (16 with AVX-512's 32 registers) vector accumulators, enough to
 * hide the FMA latency on 2 pipes, kept in registers, in
 * a function compiled for the level (__attribute__((target))): AVX-512F
 * 512-bit FMAs, AVX2+FMA 256-bit FMAs, or at the generic level 128-bit
 * vectors with a separate multiply and add (what plain C can reach; no
 * FMA in the x86-64 baseline), still 2 flops per lane.  The time is the
 * wall clock of all threads together, best of the runs.
 *
 * Bandwidth: 3 arrays of doubles, each thread touching first (and then
 * always working on) its own contiguous slice; read = a sum with 8
 * independent accumulators, triad as above.  Best of the runs.
 *
 * No -march=native or -ffast-math: built with the project's CFLAGS.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "gemm.h"

#define NACC 16

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- FMA kernels.  Each returns the flops it did; the accumulators
 * are named variables (an array would live in memory at -O2). ---- */

typedef double v2d __attribute__((vector_size(16)));
typedef float v4f __attribute__((vector_size(16)));

/* Results land here so that nothing is optimized away (one per thread:
 * no race). */
static _Thread_local double sink;

#define DECL12(T) T a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11
#define DECL16(T) DECL12(T), a12, a13, a14, a15
#define DO12(X) X(a0) X(a1) X(a2) X(a3) X(a4) X(a5) X(a6) X(a7) \
	X(a8) X(a9) X(a10) X(a11)
#define DO16(X) DO12(X) X(a12) X(a13) X(a14) X(a15)
#define SUM12 (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + \
	((a8 + a9) + (a10 + a11)))
#define SUM16 (SUM12 + ((a12 + a13) + (a14 + a15)))
/* Different starting values, so that no two chains are the same. */
#define INIT(a) a = s0 * (++k);

static double
fma_generic_d(long iters)
{
	DECL12(v2d);
	v2d x = { 0.9999999, 0.9999999 }, y = { 1e-7, 1e-7 };
	v2d s0 = { 1e-3, 2e-3 }, s;
	long i;
	double k = 0;

	DO12(INIT)
#define MA(a) a = a * x + y;
	for (i = 0; i < iters; i++) {
		DO12(MA)
	}
#undef MA
	s = SUM12;
	sink += s[0] + s[1];
	return 2.0 * 2 * 12 * (double)iters;
}

static double
fma_generic_s(long iters)
{
	DECL12(v4f);
	v4f x = { 0.9999f, 0.9999f, 0.9999f, 0.9999f };
	v4f y = { 1e-4f, 1e-4f, 1e-4f, 1e-4f };
	v4f s0 = { 1e-3f, 2e-3f, 3e-3f, 4e-3f }, s;
	long i;
	float k = 0;

	DO12(INIT)
#define MA(a) a = a * x + y;
	for (i = 0; i < iters; i++) {
		DO12(MA)
	}
#undef MA
	s = SUM12;
	sink += s[0] + s[1] + s[2] + s[3];
	return 2.0 * 4 * 12 * (double)iters;
}

#if defined(__x86_64__)
/* SSE and AVX2 have 16 registers: 12 accumulators, x and y (16 would
 * spill).
 * AVX-512 has 32 zmm registers: 16 accumulators. */
__attribute__((target("avx2,fma"))) static double
fma_avx2_d(long iters)
{
	DECL12(__m256d);
	__m256d x = _mm256_set1_pd(0.9999999), y = _mm256_set1_pd(1e-7);
	__m256d s0 = _mm256_set_pd(1e-3, 2e-3, 3e-3, 4e-3), s;
	double out[4], k = 0;
	long i;

	DO12(INIT)
#define MA(a) a = _mm256_fmadd_pd(a, x, y);
	for (i = 0; i < iters; i++) {
		DO12(MA)
	}
#undef MA
	s = SUM12;
	_mm256_storeu_pd(out, s);
	sink += out[0] + out[1] + out[2] + out[3];
	return 2.0 * 4 * 12 * (double)iters;
}

__attribute__((target("avx2,fma"))) static double
fma_avx2_s(long iters)
{
	DECL12(__m256);
	__m256 x = _mm256_set1_ps(0.9999f), y = _mm256_set1_ps(1e-4f);
	__m256 s0 = _mm256_set1_ps(1e-3f), s;
	float out[8], k = 0;
	long i;
	int j;

	DO12(INIT)
#define MA(a) a = _mm256_fmadd_ps(a, x, y);
	for (i = 0; i < iters; i++) {
		DO12(MA)
	}
#undef MA
	s = SUM12;
	_mm256_storeu_ps(out, s);
	for (j = 0; j < 8; j++)
		sink += out[j];
	return 2.0 * 8 * 12 * (double)iters;
}

__attribute__((target("avx512f,avx2,fma"))) static double
fma_avx512_d(long iters)
{
	DECL16(__m512d);
	__m512d x = _mm512_set1_pd(0.9999999), y = _mm512_set1_pd(1e-7);
	__m512d s0 = _mm512_set1_pd(1e-3), s;
	long i;
	double k = 0;

	DO16(INIT)
#define MA(a) a = _mm512_fmadd_pd(a, x, y);
	for (i = 0; i < iters; i++) {
		DO16(MA)
	}
#undef MA
	s = SUM16;
	sink += _mm512_reduce_add_pd(s);
	return 2.0 * 8 * 16 * (double)iters;
}

__attribute__((target("avx512f,avx2,fma"))) static double
fma_avx512_s(long iters)
{
	DECL16(__m512);
	__m512 x = _mm512_set1_ps(0.9999f), y = _mm512_set1_ps(1e-4f);
	__m512 s0 = _mm512_set1_ps(1e-3f), s;
	long i;
	float k = 0;

	DO16(INIT)
#define MA(a) a = _mm512_fmadd_ps(a, x, y);
	for (i = 0; i < iters; i++) {
		DO16(MA)
	}
#undef MA
	s = SUM16;
	sink += _mm512_reduce_add_ps(s);
	return 2.0 * 16 * 16 * (double)iters;
}
#endif

/* ---- threads: every run starts and ends on a barrier; thread 0 times
 * it. ---- */

enum job { JOB_FMA_D, JOB_FMA_S, JOB_READ, JOB_TRIAD };

struct team {
	int nthreads, runs;
	enum job job;
	double (*fma_d)(long), (*fma_s)(long);
	long iters;			/* FMA: iterations per thread */
	double *a, *b, *c;		/* bandwidth arrays */
	size_t n;			/* their length */
	pthread_barrier_t bar;
	double best;			/* seconds */
	double flops;			/* per run, all threads */
};

struct worker {
	struct team *t;
	int id;
	double flops;
};

static double
read_slice(const double *b, size_t lo, size_t hi)
{
	v2d s[4] = { { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 } };
	size_t i;
	int j;

	/* 8 doubles a step in 4 chains of 2 lanes (16-byte loads). */
	for (i = lo; i + 8 <= hi; i += 8)
		for (j = 0; j < 4; j++) {
			v2d v;

			memcpy(&v, b + i + 2 * j, sizeof v);
			s[j] += v;
		}
	for (; i < hi; i++)
		s[0][0] += b[i];
	s[0] += s[1] + s[2] + s[3];
	return s[0][0] + s[0][1];
}

static void
triad_slice(double *a, const double *b, const double *c, double s,
    size_t lo, size_t hi)
{
	size_t i;

	for (i = lo; i < hi; i++)
		a[i] = b[i] + s * c[i];
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct team *t = w->t;
	size_t lo = t->n * (size_t)w->id / (size_t)t->nthreads;
	size_t hi = t->n * (size_t)(w->id + 1) / (size_t)t->nthreads;
	double t0 = 0, acc = 0;
	int r;

	if (t->job == JOB_READ || t->job == JOB_TRIAD) {
		/* First touch by the thread that uses the slice. */
		for (size_t i = lo; i < hi; i++) {
			t->a[i] = 0;
			t->b[i] = 1.0 + (double)(i & 7);
			t->c[i] = 2.0;
		}
	}
	for (r = 0; r < t->runs; r++) {
		pthread_barrier_wait(&t->bar);
		if (w->id == 0)
			t0 = now();
		switch (t->job) {
		case JOB_FMA_D:
			w->flops = t->fma_d(t->iters);
			break;
		case JOB_FMA_S:
			w->flops = t->fma_s(t->iters);
			break;
		case JOB_READ:
			acc += read_slice(t->b, lo, hi);
			break;
		case JOB_TRIAD:
			triad_slice(t->a, t->b, t->c, 3.0, lo, hi);
			break;
		}
		pthread_barrier_wait(&t->bar);
		if (w->id == 0) {
			double dt = now() - t0;

			if (r == 0 || dt < t->best)
				t->best = dt;
		}
	}
	sink += acc;
	return NULL;
}

/* Run the team; returns the best seconds of a run. */
static double
team_run(struct team *t)
{
	struct worker *w = calloc((size_t)t->nthreads, sizeof *w);
	pthread_t *th = calloc((size_t)t->nthreads, sizeof *th);
	int i;

	if (w == NULL || th == NULL) {
		fprintf(stderr, "peak: out of memory\n");
		exit(1);
	}
	if (pthread_barrier_init(&t->bar, NULL, (unsigned)t->nthreads) != 0) {
		fprintf(stderr, "peak: pthread_barrier_init failed\n");
		exit(1);
	}
	for (i = 0; i < t->nthreads; i++) {
		w[i].t = t;
		w[i].id = i;
		w[i].flops = 0;
		if (i > 0 && pthread_create(&th[i], NULL, work, &w[i]) != 0) {
			fprintf(stderr, "peak: cannot create a thread\n");
			exit(1);
		}
	}
	work(&w[0]);
	for (i = 1; i < t->nthreads; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&t->bar);
	t->flops = 0;
	for (i = 0; i < t->nthreads; i++)
		t->flops += w[i].flops;
	free(w);
	free(th);
	return t->best;
}

/* GFLOP/s of the FMA kernel on nthreads; the iteration count is grown
 * until one run of one thread takes ~0.1 s. */
static double
fma_peak(struct team *base, enum job job, int nthreads)
{
	struct team t = *base;
	double s;

	t.job = job;
	t.nthreads = 1;
	t.runs = 1;
	for (t.iters = 1000;; t.iters *= 4) {
		s = team_run(&t);
		if (s >= 0.025 || t.iters > (1L << 40))
			break;
	}
	if (s > 0)
		t.iters = (long)((double)t.iters * 0.1 / s) + 1;
	t.nthreads = nthreads;
	t.runs = base->runs;
	s = team_run(&t);
	return s > 0 ? t.flops / s / 1e9 : 0;
}

static double
bw(struct team *base, enum job job, int nthreads)
{
	struct team t = *base;
	double s, bytes;

	t.job = job;
	t.nthreads = nthreads;
	s = team_run(&t);
	bytes = (double)t.n * sizeof(double) * (job == JOB_TRIAD ? 3 : 1);
	return s > 0 ? bytes / s / 1e9 : 0;
}

/* The largest cache size the system reports, bytes (0 if unknown). */
static long
llc_bytes(void)
{
	long best = 0;
	int i;

	for (i = 0; i < 8; i++) {
		char path[96], unit = 0;
		long v = 0;
		FILE *f;

		snprintf(path, sizeof path,
		    "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%ld%c", &v, &unit) >= 1) {
			if (unit == 'K')
				v <<= 10;
			else if (unit == 'M')
				v <<= 20;
			if (v > best)
				best = v;
		}
		fclose(f);
	}
#ifdef _SC_LEVEL3_CACHE_SIZE
	/* glibc's, from cpuid: where /sys has no cache information. */
	if (best == 0 && sysconf(_SC_LEVEL3_CACHE_SIZE) > 0)
		best = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
	return best;
}

static int
usage(void)
{
	fprintf(stderr, "usage: peak [-j THREADS] [-m MIB] [-r RUNS] "
	    "[-f|-b]\n");
	return 2;
}

int
main(int argc, char *argv[])
{
	struct team t;
	long mib = 0, llc = llc_bytes();
	int nth, i, do_fma = 1, do_bw = 1, bits = 128;
	enum gemm_isa isa = gemm_isa_choose(getenv("SELFATTN_ISA"));
	long np = sysconf(_SC_NPROCESSORS_ONLN);

	memset(&t, 0, sizeof t);
	nth = np > 0 ? (int)np : 1;
	t.runs = 5;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-j") == 0 && i + 1 < argc)
			nth = atoi(argv[++i]);
		else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc)
			mib = atol(argv[++i]);
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			t.runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "-f") == 0)
			do_bw = 0;
		else if (strcmp(argv[i], "-b") == 0)
			do_fma = 0;
		else
			return usage();
	}
	if (nth < 1 || nth > 4096 || mib < 0 || t.runs < 1)
		return usage();
	if (mib == 0) {
		long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
		long cap = pages > 0 && psz > 0 ?
		    (long)((double)pages * psz / 8 / 3 / 1048576) : 256;

		mib = 2 * (llc >> 20) + 1;
		if (mib > cap)
			mib = cap;
		if (mib < 256)
			mib = 256;
	}

	t.fma_d = fma_generic_d;
	t.fma_s = fma_generic_s;
	switch (isa) {
#if defined(__x86_64__)
	case GEMM_ISA_AVX512:
		t.fma_d = fma_avx512_d;
		t.fma_s = fma_avx512_s;
		bits = 512;
		break;
	case GEMM_ISA_AVX2:
		t.fma_d = fma_avx2_d;
		t.fma_s = fma_avx2_s;
		bits = 256;
		break;
#endif
	default:
		break;
	}
	printf("isa %s\nvector_bits %d\nthreads %d\n", gemm_isa_name(isa),
	    bits, nth);
	fflush(stdout);
	if (do_fma) {
		printf("fp64_peak_1t %.2f\n", fma_peak(&t, JOB_FMA_D, 1));
		printf("fp64_peak_all %.2f\n", fma_peak(&t, JOB_FMA_D, nth));
		printf("fp32_peak_1t %.2f\n", fma_peak(&t, JOB_FMA_S, 1));
		printf("fp32_peak_all %.2f\n", fma_peak(&t, JOB_FMA_S, nth));
		fflush(stdout);
	}
	if (do_bw) {
		size_t bytes = (size_t)mib << 20;

		t.n = bytes / sizeof(double);
		if (posix_memalign((void **)&t.a, 64, bytes) != 0 ||
		    posix_memalign((void **)&t.b, 64, bytes) != 0 ||
		    posix_memalign((void **)&t.c, 64, bytes) != 0) {
			fprintf(stderr, "peak: out of memory (3 x %ld MiB)\n",
			    mib);
			return 1;
		}
		printf("read_bw_1t %.2f\n", bw(&t, JOB_READ, 1));
		printf("read_bw_all %.2f\n", bw(&t, JOB_READ, nth));
		printf("triad_bw_1t %.2f\n", bw(&t, JOB_TRIAD, 1));
		printf("triad_bw_all %.2f\n", bw(&t, JOB_TRIAD, nth));
		printf("array_mib %ld\nllc_mib %ld\n", mib, llc >> 20);
		free(t.a);
		free(t.b);
		free(t.c);
	}
	if (sink == 12345.678)
		printf("\n");
	return 0;
}
