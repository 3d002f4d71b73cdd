/*
 * gemm.c - packed, cache-blocked matrix multiply (the GotoBLAS / BLIS
 * design) with a register-blocked micro-kernel, built once per element
 * type and ISA level from the template gemm_kern.h, chosen at run time.
 *
 * The op:  C (n,m) (+)= A (n,k) . B (k,m), all row-major; B may be given
 * as Bt (m,k) (attention scores Q.K^T), and may be packed once, ahead.
 *
 * Loop nest (gemm_kern.h, GK_(gemm); one for all three entry points):
 *
 *   for jc in [0,m) step NC            B columns: the KC x NC block in L3
 *     for pc in [0,k) step KC          k blocks, in increasing order
 *       (gemm_nn/nt: pack B[pc.., jc..] into NR-column panels)
 *       for ic in [0,n) step MC        pack A[ic.., pc..] (into L2)
 *         for jr in [0,nc) step NR       one B panel KC x NR (in L1)
 *           for ir in [0,mc) step MR     one A sliver MR x KC (from L2)
 *             micro-kernel: the MR x NR tile of C in registers,
 *             kc rank-1 updates, loaded from / stored to C
 *
 * Packing layouts (both zero-padded to whole tiles, blocks 64-byte
 * aligned in the workspace):
 *   A block, MC x kc, row-major:       Ap[r*kc + p]  (sliver s = rows
 *     s*MR ..+MR).  Only A's stride is removed: a copy, no transpose,
 *     so packing costs a memcpy; the kernel broadcasts from MR rows.  An
 *     A whose rows are already kc apart (one k block, lda == k, whole
 *     slivers) is used in place: no copy.
 *   B panel q (cols q*NR ..+NR):       Bp[q*S + p*NR + j]
 *     with S = k*NR for a pre-packed B (gemm_pack_b/_bt: all of k in one
 *     panel, so k block pc is the slice at p = pc), S = kc*NR for a block
 *     packed by gemm_nn/gemm_nt.  gemm_pack_b (B as (k,m)) and
 *     gemm_pack_bt (B given as (m,k), e.g. keys) give the same panels.
 *
 * Determinism.  The micro-kernel computes each C element as the chain
 * c = c + a[p]*b[p] (fused at the FMA levels), p increasing, starting
 * from 0 (overwrite) or the old C (accumulate); later k blocks continue
 * the same chain, because the kernel loads the partial sums back from C
 * into its accumulators (load = accumulate || pc > 0) rather than adding
 * a block sum to C.  So C[i,j] is a function of row i of A, column j of
 * B, k and the initial C only: not of n, m, KC, MC, the tile, the lane,
 * or how rows are split among calls or threads; a caller who splits k
 * into an overwrite call and accumulate calls gets the same bits too.
 * An edge tile (fewer than MR rows or NR columns left) runs the same
 * kernel on a full-size scratch copy of the tile, with A and B
 * zero-padded, and copies the valid part back, so its elements get
 * exactly the operations they would get inside a full tile.  Vector
 * arithmetic is lane-wise IEEE and nothing is reassociated (no
 * -ffast-math; under clang FP_CONTRACT is off so the generic level never
 * fuses; the FMA levels call __builtin_fma explicitly).
 *
 * Register budget and block sizes (tuned on Zen 3: 32 KiB L1d and 512
 * KiB L2 per core, 32 MiB L3; 2 FMA pipes of 4 doubles, latency 4):
 *   AVX2 double 3 x 16: 12 ymm accumulators + 1 broadcast + 3 of the 4
 *     B vectors = 16 ymm (GCC folds the fourth into its row's FMAs as a
 *     memory operand, an L1 load a row).  12 independent FMA chains >= 2
 *     pipes x 4 cycles.  Per p: 12 FMAs (6 cycles) against 3
 *     broadcast-loads and 6 vector loads.  It replaced 6 x 8 (6
 *     broadcasts and 2 loads a p): on Zen 3 (throwaway bench, one core,
 *     best of 30) a key block's scores, 144 x 64 x 256, ran at 44.2
 *     GFLOP/s against 42.5 and its P.V, 144 x 256 x 64, at 46.3 against
 *     45.6; case (a) of the bench on one thread took 5% less time (the
 *     broadcasts, not the loads, seem to be what costs there; 4 x 12
 *     leaves an edge tile in every 256 keys and measured slower).  KC =
 *     256: a B panel is 256*16*8 = 32 KiB, all of L1, so partly served
 *     from L2 (the P.V above, k = 256, is such a panel).  MC =
 *     144: the A block is 144*256*8 = 288 KiB of the 512 KiB L2, a whole
 *     query block of the attention (P.V 47.2 against 46.4 GFLOP/s with
 *     MC 120).  NC = 4080: B block 8 MiB of L3.  (Earlier, with 6 x 8:
 *     MC 72..144 and KC 192..384 measured within noise.)
 *   AVX2 float 3 x 32: the same registers with 8 floats per ymm (case
 *     (d) on one thread 4.5% faster than 6 x 16); KC 256, MC 144.
 *   AVX-512 (tuned on Zen 5: 48 KiB L1d, 1 MiB L2, two 512-bit FMA
 *     pipes): double 6 x 32 = 24 zmm accumulators + 4 B vectors + 1
 *     broadcast of 32; float 6 x 64.  Per p: 24 FMAs against 4 loads + 6
 *     broadcasts (12 x 16 had 2 + 12 = 14 loads; in the attention
 *     products, 96 x 64 x 256 and 96 x 256 x 64, it measured 10-25%
 *     slower in double, 5% in float).  KC = 256: a key block's P.V (k =
 *     256) is one k block, not 192 + 64 with C reloaded; its B panel (64
 *     KiB in double) is then served from L2, with no measured loss.
 *     MC 144.
 *   generic (SSE2: 16 xmm of 2 doubles): double 4 x 4 = 8 accumulators
 *     + 2 + 1; float 4 x 8.  Also fine for NEON (32 registers) and for
 *     targets without SIMD, where the vectors are lowered to scalars.
 * The accumulators are plain C arrays of GCC/clang vector-extension
 * values indexed by constants in fully unrolled loops, which both
 * compilers keep in registers.  Check with objdump -d that the AVX2
 * inner loop is 12 vfmadd231pd/ps on ymm (3 with a memory operand), 3
 * loads, 3 vbroadcastsd/ss from memory, no stack traffic.  (Broadcasts
 * come from MR separate rows on purpose: from one p-major sliver, GCC
 * merges them into a vector load plus vpermpd shuffles, which cost 30%
 * in double on Zen 3, with the tile of 6 x 8.)
 *
 * Prefetch (macro-kernel): the C tile of the next kernel call (C is
 * loaded at the start of each call; unprefetched, those misses stalled
 * the FMA chains: 30-40% slower), and, one row per kernel call, the
 * source of the next A block (when m is small, as in P.V, packing A from
 * memory was otherwise a serial 20% of the time); and, spread over the
 * kernel calls on a B panel, the next B panel (the attention streams
 * each packed key block from memory once per query block: the first
 * tile on a panel otherwise waited for it, about 15% on Zen 5): at
 * AVX-512 a line a step of the kernel's loop (GK_PB_STEP, gemm_kern.h:
 * 6-9% faster P.V on Intel Sapphire Rapids), elsewhere all at the start
 * of each kernel call.
 *
 * gemm_packed_max, the attention's scores: on the last k block the
 * micro-kernel is an instance of its own (kernel_max) that multiplies
 * the tile by the scale as it stores it and folds each row into a
 * vector of running maxima (lane l: the columns l mod VL), reduced to
 * one number per row at the end; a run-time flag in the one kernel made
 * GCC keep all the accumulators on the stack.
 *
 * The AVX-512 instance is the same template with wider vectors; its
 * block logic is checked on AVX2 machines by building with
 * -DGEMM_AVX512_EMULATE, which compiles that instance for AVX2 (the
 * compiler splits each 512-bit vector in two) and lets it be selected
 * (tests/gemm.bats does).
 *
 * Dispatch: a constant table of function pointers per element type and
 * level, indexed by the level each call is given; see gemm.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__) && defined(GEMM_AVX512_EMULATE)
/* The AVX-512 instance built for AVX2 passes its 512-bit vectors by
 * value between static inline functions of this file only: no ABI. */
#pragma GCC diagnostic ignored "-Wpsabi"
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
	void (*pack_b_rows)(size_t, size_t, size_t, size_t, const double *,
	    size_t, double *);
	void (*pack_bt)(size_t, size_t, const double *, size_t, double *);
	void (*packed)(size_t, size_t, size_t, size_t, const double *, size_t,
	    const double *, double *, size_t, enum gemm_acc, double *);
	void (*nn)(size_t, size_t, size_t, const double *, size_t,
	    const double *, size_t, double *, size_t, enum gemm_acc, double *);
	void (*nt)(size_t, size_t, size_t, const double *, size_t,
	    const double *, size_t, double *, size_t, enum gemm_acc, double *);
	void (*packed_nz)(size_t, size_t, size_t, const double *, size_t,
	    const double *, double *, size_t);
	void (*packed_max)(size_t, size_t, size_t, const double *, size_t,
	    const double *, double *, size_t, double, double *, double *);
};

struct ops_s {
	int mr, nr, kc, mc, nc;
	size_t (*packed_size)(size_t, size_t);
	size_t (*work_size)(size_t, size_t, size_t);
	void (*pack_b_rows)(size_t, size_t, size_t, size_t, const float *,
	    size_t, float *);
	void (*pack_bt)(size_t, size_t, const float *, size_t, float *);
	void (*packed)(size_t, size_t, size_t, size_t, const float *, size_t,
	    const float *, float *, size_t, enum gemm_acc, float *);
	void (*nn)(size_t, size_t, size_t, const float *, size_t,
	    const float *, size_t, float *, size_t, enum gemm_acc, float *);
	void (*nt)(size_t, size_t, size_t, const float *, size_t,
	    const float *, size_t, float *, size_t, enum gemm_acc, float *);
	void (*packed_nz)(size_t, size_t, size_t, const float *, size_t,
	    const float *, float *, size_t);
	void (*packed_max)(size_t, size_t, size_t, const float *, size_t,
	    const float *, float *, size_t, float, float *, float *);
};

/* ---- generic: any target, separate multiply and add ---- */

#define GK_T double
#define GK_ITYPE long long
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
#define GK_ITYPE int
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
#define GK_ITYPE long long
#define GK_VL 4
#define GK_MR 3
#define GK_NR 16
#define GK_KC 256
#define GK_MC 144
#define GK_NC 4080
#define GK_FMAFN __builtin_fma
/* x > m ? x : m, NaN x giving m, is what maxpd does */
#define GK_VMAXFN(x, m) ((GK_(vec))_mm256_max_pd((__m256d)(x), \
    (__m256d)(m)))
#define GK_TARGET __attribute__((target("avx2,fma")))
#define GK_SFX d_avx2
#define GK_OPS struct ops_d
#include "gemm_kern.h"

#define GK_T float
#define GK_ITYPE int
#define GK_VL 8
#define GK_MR 3
#define GK_NR 32
#define GK_KC 256
#define GK_MC 144
#define GK_NC 4064
#define GK_FMAFN __builtin_fmaf
#define GK_VMAXFN(x, m) ((GK_(vec))_mm256_max_ps((__m256)(x), \
    (__m256)(m)))
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
#define GK_ITYPE long long
#define GK_VL 8
#define GK_MR 6
#define GK_NR 32
#define GK_KC 256
#define GK_MC 144
#define GK_NC 4096
#define GK_FMAFN __builtin_fma
#ifndef GEMM_AVX512_EMULATE
#define GK_VMAXFN(x, m) ((GK_(vec))_mm512_max_pd((__m512d)(x), \
    (__m512d)(m)))
#endif
#define GK_TARGET AVX512_TARGET
#define GK_PB_STEP	/* the next B panel a line a step */
#define GK_SFX d_avx512
#define GK_OPS struct ops_d
#include "gemm_kern.h"

#define GK_T float
#define GK_ITYPE int
#define GK_VL 16
#define GK_MR 6
#define GK_NR 64
#define GK_KC 256
#define GK_MC 144
#define GK_NC 4096
#define GK_FMAFN __builtin_fmaf
#ifndef GEMM_AVX512_EMULATE
#define GK_VMAXFN(x, m) ((GK_(vec))_mm512_max_ps((__m512)(x), \
    (__m512)(m)))
#endif
#define GK_TARGET AVX512_TARGET
#define GK_PB_STEP	/* the next B panel a line a step */
#define GK_SFX s_avx512
#define GK_OPS struct ops_s
#include "gemm_kern.h"

#endif /* __x86_64__ */

/* ---- dispatch ---- */

static const char *const isa_names[GEMM_ISA_COUNT] = {
	"generic", "avx2", "avx512"
};

/* The kernels of each level, by enum gemm_isa (a level this build lacks
 * is never chosen: its entry is the generic one). */
static const struct ops_d *const tab_d[GEMM_ISA_COUNT] = {
#if defined(__x86_64__)
	&ops_d_generic, &ops_d_avx2, &ops_d_avx512
#else
	&ops_d_generic, &ops_d_generic, &ops_d_generic
#endif
};
static const struct ops_s *const tab_s[GEMM_ISA_COUNT] = {
#if defined(__x86_64__)
	&ops_s_generic, &ops_s_avx2, &ops_s_avx512
#else
	&ops_s_generic, &ops_s_generic, &ops_s_generic
#endif
};

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

enum gemm_isa gemm_isa_choose(const char *want)
{
	int isa = want != NULL ? gemm_isa_parse(want) : -1;

	if (isa < 0)
		isa = GEMM_ISA_COUNT - 1;
	while (isa > 0 && !gemm_isa_supported((enum gemm_isa)isa))
		isa--;
	return (enum gemm_isa)isa;
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

/* ---- entry points: checks common to all levels, then the table ---- */

#define GA_T double
#define GA_(name) gemm_##name
#define GA_TAB tab_d
#include "gemm_api.h"

#define GA_T float
#define GA_(name) gemm_f32_##name
#define GA_TAB tab_s
#include "gemm_api.h"
