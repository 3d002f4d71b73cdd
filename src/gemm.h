/*
 * gemm.h - packed, cache-blocked matrix multiply, chosen at run time
 * for the CPU (generic C, AVX2+FMA, AVX-512).
 *
 * Two element types with the same API: gemm_* for double, gemm_f32_* for
 * float.  All matrices are row-major with a leading dimension (stride
 * between rows, in elements) that is at least the row length.
 *
 *   gemm_nn      C (+)= A . B      A (n,k) lda,  B (k,m) ldb,  C (n,m) ldc
 *   gemm_nt      C (+)= A . B^T    A (n,k) lda,  B (m,k) ldb,  C (n,m) ldc
 *   gemm_pack_b  pack B (k,m) once ...
 *   gemm_pack_bt ... or B given transposed, as (m,k)  (e.g. keys K (m,d))
 *   gemm_packed  C (+)= A . B      with B pre-packed by either of them
 *   gemm_packed_top  the same with the first rows of a packed B
 *
 * `acc` selects GEMM_OVERWRITE (C = A.B), GEMM_ACCUMULATE (C += A.B,
 * summed on in C) or GEMM_ADD (C += A.B, summed apart, then added).
 * Any size >= 0 is valid.  With n == 0 or m == 0 nothing is touched;
 * with k == 0, C is set to +0.0 (overwrite), left as is (accumulate) or
 * set to C + 0.0 (add), and A and B are not read.  A pointer to an empty
 * matrix may be NULL.
 * C must not overlap A, B, the packed B or the workspace.
 *
 * Numbers (the determinism contract).  Each C element is computed as
 *
 *     c = c0;  for p = 0, 1, ..., k-1:  c = c + A[i,p]*B[p,j]
 *
 * with c0 = +0.0 (overwrite) or the old C[i,j] (accumulate), one
 * rounding per multiply and one per add at the generic level, and one
 * rounding per step (a fused multiply-add) at the AVX2 and AVX-512
 * levels.  The order is always p = 0..k-1: it does not depend on n, m,
 * on where the row or column falls in a register tile or cache block, on
 * which of gemm_nn / gemm_nt / gemm_packed is used, on alignment, or on
 * how a caller splits the rows of A (or the columns of B) among calls or
 * threads.  So for one ISA level, results are bit-identical for any such
 * split.  Different ISA levels may differ in the last bits (FMA or not).
 * Infinities and NaNs propagate as IEEE arithmetic says (no fast-math).
 * GEMM_ADD sums the first GEMM_KC terms from c = +0.0 as above, then
 * adds them to the old C[i,j] (c = C[i,j] + c, one rounding), and goes
 * on with the terms after them: for k <= GEMM_KC the bits of C = A.B
 * into a buffer followed by C += buffer, without the buffer's pass (a
 * sum over a few hundred terms keeps its own rounding errors, not those
 * of adding each term to a large C).
 *
 * Memory.  Nothing here allocates, does I/O or keeps state.  The caller
 * provides:
 *   - the packed B: gemm_packed_size(k, m) elements.  Its layout depends
 *     on the ISA level chosen (register-tile width), so pack and multiply
 *     under the same level.  Any address aligned for the element type
 *     works; 64-byte alignment (posix_memalign) is fastest, and since
 *     the size is a multiple of 64 bytes, packed matrices laid end to end
 *     in one aligned buffer all stay aligned.  The packed contents do
 *     not depend on the address, so a packed B may be copied.  A B
 *     packed with m columns is also the packed B of its first m' <= m
 *     columns (for gemm_packed, _top, _nz and _max: the attention's
 *     scores against the first keys of a block), and, through
 *     gemm_packed_top, of its first k' <= k rows.
 *   - a workspace for packing A (and, in gemm_nn/gemm_nt, blocks of B):
 *     gemm_work_size(n, k, m) elements, any alignment (it is aligned
 *     inside).  gemm_packed packs only A and needs just
 *     gemm_work_size(n, k, 0) (at most ~37 K elements); gemm_nn/gemm_nt
 *     need the full size (at most ~1.1 M elements: 8.6 MB of double).
 *     Both are bounds from the cache blocking, whatever n, k, m are.
 *     One workspace per concurrent call.
 * gemm_packed_size returns 0 if the size does not fit in size_t (every
 * valid answer is > 0).
 *
 * Threads.  Every function may be called from several threads at once,
 * each with its own workspace and C rows; a packed B is only read by
 * gemm_packed, so many threads may share one.
 *
 * Dispatch.  Every function takes the ISA level first: the caller
 * chooses it once (gemm_isa_choose: the best level the CPU and OS
 * support, or a lower one asked for by name) and passes it to every
 * call; there is no level kept here.  Non-x86-64 builds have only
 * "generic".  A B packed at one level is for products at that level.
 */
#ifndef GEMM_H
#define GEMM_H

#include <stddef.h>

enum gemm_acc {
	GEMM_OVERWRITE = 0,		/* C  = A.B */
	GEMM_ACCUMULATE = 1,		/* C += A.B, summed on in C */
	GEMM_ADD = 2			/* C += A.B, summed apart, then added */
};

#define GEMM_KC 256	/* the k block of every level (GEMM_ADD) */

enum gemm_isa {
	GEMM_ISA_GENERIC = 0,		/* portable C, no FMA */
	GEMM_ISA_AVX2 = 1,		/* x86-64 AVX2 + FMA */
	GEMM_ISA_AVX512 = 2		/* x86-64 AVX-512F (+ AVX2, FMA) */
};
#define GEMM_ISA_COUNT 3

/* 1 if this CPU and build can run level isa, else 0. */
int gemm_isa_supported(enum gemm_isa isa);

/* The level to run at: the one named want (as gemm_isa_name gives), or
 * the best this CPU supports when want is NULL, empty or no level's
 * name; a level the CPU lacks gives the best it has below that. */
enum gemm_isa gemm_isa_choose(const char *want);

/* "generic", "avx2", "avx512"; NULL for an unknown value. */
const char *gemm_isa_name(enum gemm_isa isa);

/* The level named name (as gemm_isa_name gives), or -1. */
int gemm_isa_parse(const char *name);

/* Below, isa is a level gemm_isa_choose returned (one the CPU runs). */

/* ---- double ---- */

/* Elements of double for a packed B of k rows and m columns. */
size_t gemm_packed_size(enum gemm_isa isa, size_t k, size_t m);

/* Elements of double of workspace for an n x k x m product by gemm_nn
 * or gemm_nt; with m = 0, enough for gemm_packed (any m). */
size_t gemm_work_size(enum gemm_isa isa, size_t n, size_t k, size_t m);

/* Pack B (k,m), row stride ldb >= m, into Bp. */
void gemm_pack_b(enum gemm_isa isa, size_t k, size_t m, const double *B,
    size_t ldb, double *Bp);

/* Pack rows p0 .. p0+kr-1 of B (k,m), given at B (row p0), row stride
 * ldb >= m, into their place in Bp, the packed B of all k rows: pieces
 * that cover rows 0 .. k-1, packed in any order or on several threads,
 * make gemm_pack_b's Bp (a weight packed as it is read, a piece at a
 * time).  Nothing is done unless p0 + kr <= k. */
void gemm_pack_b_rows(enum gemm_isa isa, size_t k, size_t m, size_t p0,
    size_t kr, const double *B, size_t ldb, double *Bp);

/* Pack B^T: Bt is (m,k), row stride ldb >= k; packs B = Bt^T (k,m). */
void gemm_pack_bt(enum gemm_isa isa, size_t k, size_t m, const double *Bt,
    size_t ldb, double *Bp);

/* C (n,m) (+)= A (n,k) . B (k,m), B packed by gemm_pack_b/_bt(k, m). */
void gemm_packed(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const double *A, size_t lda, const double *Bp, double *C, size_t ldc,
    enum gemm_acc acc, double *work);

/* gemm_packed with B packed by gemm_pack_b/_bt(kb, m), kb >= k: the
 * product of A (n,k) and B's first k rows, the same numbers as a B of
 * those rows packed alone (the attention: a key block's values, when the
 * masks hide its last keys from every query row of the block). */
void gemm_packed_top(enum gemm_isa isa, size_t n, size_t k, size_t kb,
    size_t m, const double *A, size_t lda, const double *Bp, double *C,
    size_t ldc, enum gemm_acc acc, double *work);

/* C (n,m) += A (n,k) . B (k,m), B packed, without the terms whose A
 * element is zero: c = c + A[i,p]*B[p,j] for the p with A[i,p] != 0,
 * in order, rounded as gemm_packed rounds.  For a B that may hold an
 * infinity or a NaN, where a zero of A must add nothing (0*inf is NaN);
 * with a finite B the same numbers as gemm_packed, but for the sign of
 * a zero.  Slow (a plain loop); needs no workspace. */
void gemm_packed_nz(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const double *A, size_t lda, const double *Bp, double *C, size_t ldc);

/* C (n,m) = (A (n,k) . B (k,m))·scale, B packed whole, each sum as
 * gemm_packed makes it, then multiplied by scale (rounded once), and
 * mx[i] = the largest C[i,j] of row i that is not NaN, -inf if none
 * (which of +0 and -0 when both are there may depend on the level).
 * The maxima are taken from the register tiles as they are stored: no
 * pass over C (attention: the scores and their row maxima at once).
 * work as gemm_packed; mx has n elements. */
void gemm_packed_max(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const double *A, size_t lda, const double *Bp, double *C, size_t ldc,
    double scale, double *mx, double *work);

/* C (n,m) (+)= A (n,k) . B (k,m). */
void gemm_nn(enum gemm_isa isa, size_t n, size_t k, size_t m, const double *A,
    size_t lda, const double *B, size_t ldb, double *C, size_t ldc,
    enum gemm_acc acc, double *work);

/* C (n,m) (+)= A (n,k) . Bt^T, Bt given as (m,k). */
void gemm_nt(enum gemm_isa isa, size_t n, size_t k, size_t m, const double *A,
    size_t lda, const double *Bt, size_t ldb, double *C, size_t ldc,
    enum gemm_acc acc, double *work);

/* ---- float: the same, with float elements ---- */

size_t gemm_f32_packed_size(enum gemm_isa isa, size_t k, size_t m);
size_t gemm_f32_work_size(enum gemm_isa isa, size_t n, size_t k, size_t m);
void gemm_f32_pack_b(enum gemm_isa isa, size_t k, size_t m, const float *B,
    size_t ldb, float *Bp);
void gemm_f32_pack_b_rows(enum gemm_isa isa, size_t k, size_t m, size_t p0,
    size_t kr, const float *B, size_t ldb, float *Bp);
void gemm_f32_pack_bt(enum gemm_isa isa, size_t k, size_t m, const float *Bt,
    size_t ldb, float *Bp);
void gemm_f32_packed(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const float *A, size_t lda, const float *Bp, float *C, size_t ldc,
    enum gemm_acc acc, float *work);
void gemm_f32_packed_top(enum gemm_isa isa, size_t n, size_t k, size_t kb,
    size_t m, const float *A, size_t lda, const float *Bp, float *C,
    size_t ldc, enum gemm_acc acc, float *work);
void gemm_f32_packed_nz(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const float *A, size_t lda, const float *Bp, float *C, size_t ldc);
void gemm_f32_packed_max(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const float *A, size_t lda, const float *Bp, float *C, size_t ldc,
    float scale, float *mx, float *work);
void gemm_f32_nn(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const float *A, size_t lda, const float *B, size_t ldb, float *C,
    size_t ldc, enum gemm_acc acc, float *work);
void gemm_f32_nt(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const float *A, size_t lda, const float *Bt, size_t ldb, float *C,
    size_t ldc, enum gemm_acc acc, float *work);

#endif
