/*
 * gemm.c - packed, cache-blocked matrix multiply (GotoBLAS/BLIS design)
 * with a register-blocked micro-kernel, built once per element type and
 * ISA level from the template gemm_kern.h and chosen at run time.
 *
 * The op:  C (n,m) (+)= A (n,k) . B (k,m), all row-major.
 *
 * Loop nest (one per op, gemm_kern.h; blocks fixed per instance):
 *
 *   for jc in [0,m) step NC          B block KC x NC lives in L3
 *     for pc in [0,k) step KC        k block
 *       (gemm_nn/nt: pack B[pc.., jc..] into NR-column panels)
 *       for ic in [0,n) step MC      pack A[ic.., pc..] into MR-row slivers
 *         for jr in [0,nc) step NR     one B panel KC x NR, stays in L1
 *           for ir in [0,mc) step MR   one A sliver MR x KC, from L2
 *             micro-kernel: the MR x NR tile of C in registers,
 *             kc rank-1 updates, then stored back to C
 *
 * Packing layouts (both zero-padded to whole tiles):
 *   A sliver s (rows s*MR ..+MR), k block of kc:  Ap[s*MR*kc + p*MR + r]
 *   B panel q  (cols q*NR ..+NR):                  Bp[q*S + p*NR + j]
 * with S = k*NR for a pre-packed B (gemm_pack_b/_bt: all of k in one
 * panel, so a k block is the slice at p = pc) and S = kc*NR for a block
 * packed by gemm_nn/gemm_nt.  So the micro-kernel reads both operands
 * sequentially: per p, MR broadcasts from Ap and NR/VL vectors from Bp.
 * gemm_pack_b (B as (k,m)) and gemm_pack_bt (B given as (m,k), e.g.
 * keys) produce the same panels.
 *
 * Determinism.  The micro-kernel computes each C element as the chain
 * c = c + a[p]*b[p] (fused at the FMA levels), p increasing, starting
 * from 0 or the old C (accumulate); the k blocks continue the same chain
 * because the kernel loads the partial sums back from C into its
 * accumulators (load = accumulate || pc > 0) rather than adding a block
 * sum to C.  So the value of C[i,j] is a function of row i of A, column
 * j of B, k and the initial C only: not of n, m, KC, the tile, the lane,
 * or the split of rows among calls.  An edge tile (fewer than MR rows or
 * NR columns left) runs the same kernel on a full-size scratch copy of
 * the tile, with A and B zero-padded, and copies the valid part back, so
 * its elements get the same operations as inside a full tile.  Vector
 * arithmetic here is lane-wise IEEE, nothing is reassociated (no
 * -ffast-math; under clang FP_CONTRACT is off so the generic level never
 * fuses, and the FMA levels call __builtin_fma explicitly).
 *
 * Register budget, block sizes (Zen 3: 32 KiB L1d, 512 KiB L2 per core,
 * 32 MiB L3; 2 FMA pipes of 4 doubles, FMA latency 4):
 *   AVX2 double 6 x 8:  12 ymm accumulators + 2 B vectors + 1 broadcast
 *     = 15 of 16 ymm.  12 independent FMA chains >= 2 pipes x 4 cycles.
 *     Per p: 12 FMAs (6 cycles) against 2 loads + 6 broadcasts (4 cycles
 *     at 2 loads/cycle).  KC = 256: B panel 256*8*8 = 16 KiB, half of L1
 *     (the other half for the streamed A sliver and C).  MC = 120: A block
 *     120*256*8 = 240 KiB, about half of L2.  NC = 4080: B block 8 MiB.
 *   AVX2 float 6 x 16: the same registers with 8 floats per ymm; the
 *     same bytes per block with KC = 256 -> 16 KiB panel; MC = 120.
 *   AVX-512 (not runnable on the development machine, see below):
 *     double 12 x 16 = 24 zmm accumulators + 2 B + 1 broadcast of 32;
 *     float 12 x 32.  KC = 192 (24 KiB panel, L1 32-48 KiB), MC = 144.
 *   generic (SSE2 has 16 xmm of 2 doubles): double 4 x 4 = 8 accumulators
 *     + 2 + 1; float 4 x 8.  Also fine for NEON (32 registers) and for
 *     targets without SIMD, where the vectors are lowered to scalars.
 * The accumulators are plain C arrays of GCC/clang vector-extension
 * values indexed by constants in fully unrolled loops, which both
 * compilers keep in registers: check with objdump -d that the AVX2 inner
 * loop is vfmadd231pd/ps on ymm with no stack traffic.
 *
 * The AVX-512 instance is the same template with wider vectors; its
 * block logic is checked on AVX2 machines by building with
 * -DGEMM_AVX512_EMULATE, which compiles that instance for AVX2 (the
 * compiler splits each 512-bit vector in two) and lets it be selected.
 *
 * Dispatch: a table of function pointers per element type, set once by
 * pthread_once (gemm_init) from __builtin_cpu_supports and SELFATTN_ISA.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define ALIGN 64		/* bytes: packed blocks start on a cache line */

static void *align_ptr(void *p)
{
	uintptr_t u = (uintptr_t)p;

	return (void *)((u + (ALIGN - 1)) & ~(uintptr_t)(ALIGN - 1));
}

/* *r = a*b; 1 if it overflows. */
static int mul_ovf(size_t a, size_t b, size_t *r)
{
	if (b != 0 && a > SIZE_MAX / b)
		return 1;
	*r = a * b;
	return 0;
}

struct ops_d {
	int mr, nr, kc, mc, nc;
	size_t (*packed_size)(size_t, size_t);
	size_t (*work_size)(size_t, size_t, size_t);
	void (*pack_b)(size_t, size_t, const double *, size_t, double *);
	void (*pack_bt)(size_t, size_t, const double *, size_t, double *);
	void (*packed)(size_t, size_t, size_t, const double *, size_t,
	    const double *, double *, size_t, enum gemm_acc, double *);
	void (*nn)(size_t, size_t, size_t, const double *, size_t,
	    const double *, size_t, double *, size_t, enum gemm_acc, double *);
	void (*nt)(size_t, size_t, size_t, const double *, size_t,
	    const double *, size_t, double *, size_t, enum gemm_acc, double *);
};

struct ops_s {
	int mr, nr, kc, mc, nc;
	size_t (*packed_size)(size_t, size_t);
	size_t (*work_size)(size_t, size_t, size_t);
	void (*pack_b)(size_t, size_t, const float *, size_t, float *);
	void (*pack_bt)(size_t, size_t, const float *, size_t, float *);
	void (*packed)(size_t, size_t, size_t, const float *, size_t,
	    const float *, float *, size_t, enum gemm_acc, float *);
	void (*nn)(size_t, size_t, size_t, const float *, size_t,
	    const float *, size_t, float *, size_t, enum gemm_acc, float *);
	void (*nt)(size_t, size_t, size_t, const float *, size_t,
	    const float *, size_t, float *, size_t, enum gemm_acc, float *);
};

/* ---- generic: any target, separate multiply and add ---- */

#define GK_T double
#define GK_VL 2
#define GK_MR 4
#define GK_NR 4
#define GK_KC 256
#define GK_MC 128
#define GK_NC 4096
#define GK_TARGET
#define GK_SFX d_generic
#define GK_OPS struct ops_d
#include "gemm_kern.h"

#define GK_T float
#define GK_VL 4
#define GK_MR 4
#define GK_NR 8
#define GK_KC 256
#define GK_MC 128
#define GK_NC 4096
#define GK_TARGET
#define GK_SFX s_generic
#define GK_OPS struct ops_s
#include "gemm_kern.h"

#if defined(__x86_64__)

/* ---- AVX2 + FMA ---- */

#define GK_T double
#define GK_VL 4
#define GK_MR 6
#define GK_NR 8
#define GK_KC 256
#define GK_MC 120
#define GK_NC 4080
#define GK_FMAFN __builtin_fma
#define GK_TARGET __attribute__((target("avx2,fma")))
#define GK_SFX d_avx2
#define GK_OPS struct ops_d
#include "gemm_kern.h"

#define GK_T float
#define GK_VL 8
#define GK_MR 6
#define GK_NR 16
#define GK_KC 256
#define GK_MC 120
#define GK_NC 4080
#define GK_FMAFN __builtin_fmaf
#define GK_TARGET __attribute__((target("avx2,fma")))
#define GK_SFX s_avx2
#define GK_OPS struct ops_s
#include "gemm_kern.h"

/* ---- AVX-512F ---- */

#ifdef GEMM_AVX512_EMULATE
#define AVX512_TARGET __attribute__((target("avx2,fma")))
#else
#define AVX512_TARGET __attribute__((target("avx512f,avx2,fma")))
#endif

#define GK_T double
#define GK_VL 8
#define GK_MR 12
#define GK_NR 16
#define GK_KC 192
#define GK_MC 144
#define GK_NC 4080
#define GK_FMAFN __builtin_fma
#define GK_TARGET AVX512_TARGET
#define GK_SFX d_avx512
#define GK_OPS struct ops_d
#include "gemm_kern.h"

#define GK_T float
#define GK_VL 16
#define GK_MR 12
#define GK_NR 32
#define GK_KC 192
#define GK_MC 144
#define GK_NC 4096
#define GK_FMAFN __builtin_fmaf
#define GK_TARGET AVX512_TARGET
#define GK_SFX s_avx512
#define GK_OPS struct ops_s
#include "gemm_kern.h"

#endif /* __x86_64__ */

/* ---- dispatch ---- */

static const char *const isa_names[GEMM_ISA_COUNT] = {
	"generic", "avx2", "avx512"
};

/* The table: written by init_once (or gemm_set_isa), then only read. */
static enum gemm_isa cur_isa;
static const struct ops_d *cur_d;
static const struct ops_s *cur_s;
static pthread_once_t once = PTHREAD_ONCE_INIT;

int gemm_isa_supported(enum gemm_isa isa)
{
	switch (isa) {
	case GEMM_ISA_GENERIC:
		return 1;
#if defined(__x86_64__)
	case GEMM_ISA_AVX2:
		__builtin_cpu_init();
		return __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("fma");
	case GEMM_ISA_AVX512:
		__builtin_cpu_init();
#ifdef GEMM_AVX512_EMULATE
		return gemm_isa_supported(GEMM_ISA_AVX2);
#else
		return __builtin_cpu_supports("avx512f") &&
		    __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("fma");
#endif
#endif
	default:
		return 0;
	}
}

static void set_isa(enum gemm_isa isa)
{
	cur_isa = isa;
	switch (isa) {
#if defined(__x86_64__)
	case GEMM_ISA_AVX512:
		cur_d = &ops_d_avx512;
		cur_s = &ops_s_avx512;
		break;
	case GEMM_ISA_AVX2:
		cur_d = &ops_d_avx2;
		cur_s = &ops_s_avx2;
		break;
#endif
	default:
		cur_isa = GEMM_ISA_GENERIC;
		cur_d = &ops_d_generic;
		cur_s = &ops_s_generic;
		break;
	}
}

static void init_once(void)
{
	const char *env = getenv("SELFATTN_ISA");
	int want = env != NULL ? gemm_isa_parse(env) : -1;
	int isa = GEMM_ISA_COUNT - 1;

	if (want >= 0)
		isa = want;
	while (isa > 0 && !gemm_isa_supported((enum gemm_isa)isa))
		isa--;
	set_isa((enum gemm_isa)isa);
}

void gemm_init(void)
{
	pthread_once(&once, init_once);
}

enum gemm_isa gemm_isa(void)
{
	gemm_init();
	return cur_isa;
}

const char *gemm_isa_name(enum gemm_isa isa)
{
	if ((int)isa < 0 || (int)isa >= GEMM_ISA_COUNT)
		return NULL;
	return isa_names[isa];
}

int gemm_isa_parse(const char *name)
{
	for (int i = 0; i < GEMM_ISA_COUNT; i++)
		if (strcmp(name, isa_names[i]) == 0)
			return i;
	return -1;
}

int gemm_set_isa(enum gemm_isa isa)
{
	gemm_init();
	if (!gemm_isa_supported(isa))
		return -1;
	set_isa(isa);
	return 0;
}

/* ---- entry points: checks common to all levels, then the table ---- */

/* C = 0 (overwrite) for an empty k; nothing for accumulate. */
static void zero_d(size_t n, size_t m, double *C, size_t ldc,
    enum gemm_acc acc)
{
	if (acc == GEMM_OVERWRITE)
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < m; j++)
				C[i * ldc + j] = 0.0;
}

static void zero_s(size_t n, size_t m, float *C, size_t ldc,
    enum gemm_acc acc)
{
	if (acc == GEMM_OVERWRITE)
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < m; j++)
				C[i * ldc + j] = 0.0f;
}

size_t gemm_packed_size(size_t k, size_t m)
{
	gemm_init();
	return cur_d->packed_size(k, m);
}

size_t gemm_work_size(size_t n, size_t k, size_t m)
{
	gemm_init();
	return cur_d->work_size(n, k, m);
}

void gemm_pack_b(size_t k, size_t m, const double *B, size_t ldb,
    double *Bp)
{
	gemm_init();
	if (k > 0 && m > 0)
		cur_d->pack_b(k, m, B, ldb, Bp);
}

void gemm_pack_bt(size_t k, size_t m, const double *Bt, size_t ldb,
    double *Bp)
{
	gemm_init();
	if (k > 0 && m > 0)
		cur_d->pack_bt(k, m, Bt, ldb, Bp);
}

void gemm_packed(size_t n, size_t k, size_t m, const double *A,
    size_t lda, const double *Bp, double *C, size_t ldc,
    enum gemm_acc acc, double *work)
{
	gemm_init();
	if (n == 0 || m == 0)
		return;
	if (k == 0)
		zero_d(n, m, C, ldc, acc);
	else
		cur_d->packed(n, k, m, A, lda, Bp, C, ldc, acc, work);
}

void gemm_nn(size_t n, size_t k, size_t m, const double *A, size_t lda,
    const double *B, size_t ldb, double *C, size_t ldc, enum gemm_acc acc,
    double *work)
{
	gemm_init();
	if (n == 0 || m == 0)
		return;
	if (k == 0)
		zero_d(n, m, C, ldc, acc);
	else
		cur_d->nn(n, k, m, A, lda, B, ldb, C, ldc, acc, work);
}

void gemm_nt(size_t n, size_t k, size_t m, const double *A, size_t lda,
    const double *Bt, size_t ldb, double *C, size_t ldc,
    enum gemm_acc acc, double *work)
{
	gemm_init();
	if (n == 0 || m == 0)
		return;
	if (k == 0)
		zero_d(n, m, C, ldc, acc);
	else
		cur_d->nt(n, k, m, A, lda, Bt, ldb, C, ldc, acc, work);
}

size_t sgemm_packed_size(size_t k, size_t m)
{
	gemm_init();
	return cur_s->packed_size(k, m);
}

size_t sgemm_work_size(size_t n, size_t k, size_t m)
{
	gemm_init();
	return cur_s->work_size(n, k, m);
}

void sgemm_pack_b(size_t k, size_t m, const float *B, size_t ldb,
    float *Bp)
{
	gemm_init();
	if (k > 0 && m > 0)
		cur_s->pack_b(k, m, B, ldb, Bp);
}

void sgemm_pack_bt(size_t k, size_t m, const float *Bt, size_t ldb,
    float *Bp)
{
	gemm_init();
	if (k > 0 && m > 0)
		cur_s->pack_bt(k, m, Bt, ldb, Bp);
}

void sgemm_packed(size_t n, size_t k, size_t m, const float *A,
    size_t lda, const float *Bp, float *C, size_t ldc, enum gemm_acc acc,
    float *work)
{
	gemm_init();
	if (n == 0 || m == 0)
		return;
	if (k == 0)
		zero_s(n, m, C, ldc, acc);
	else
		cur_s->packed(n, k, m, A, lda, Bp, C, ldc, acc, work);
}

void sgemm_nn(size_t n, size_t k, size_t m, const float *A, size_t lda,
    const float *B, size_t ldb, float *C, size_t ldc, enum gemm_acc acc,
    float *work)
{
	gemm_init();
	if (n == 0 || m == 0)
		return;
	if (k == 0)
		zero_s(n, m, C, ldc, acc);
	else
		cur_s->nn(n, k, m, A, lda, B, ldb, C, ldc, acc, work);
}

void sgemm_nt(size_t n, size_t k, size_t m, const float *A, size_t lda,
    const float *Bt, size_t ldb, float *C, size_t ldc, enum gemm_acc acc,
    float *work)
{
	gemm_init();
	if (n == 0 || m == 0)
		return;
	if (k == 0)
		zero_s(n, m, C, ldc, acc);
	else
		cur_s->nt(n, k, m, A, lda, Bt, ldb, C, ldc, acc, work);
}
