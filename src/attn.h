/*
 * attn.h - the numerical kernels.  Pure: pointers and sizes in, results
 * out; no allocation, no I/O.  Matrices are row-major with explicit row
 * strides (ld*), so a head can be a column slice of a wider matrix.
 * Each output row is computed in a fixed order, independent of how
 * rows are shared among threads.
 */
#ifndef ATTN_H
#define ATTN_H

#include <stddef.h>

/* C = A·B; A (n,k) B (k,m) C (n,m).  C may not alias A or B. */
void attn_matmul(size_t n, size_t k, size_t m, const double *A, size_t lda,
    const double *B, size_t ldb, double *C, size_t ldc);

/* S = Q·Kᵀ·scale; Q (n,d) K (m,d) S (n,m). */
void attn_scores(size_t n, size_t m, size_t d, const double *Q, size_t ldq,
    const double *K, size_t ldk, double scale, double *S, size_t lds);

/* P = softmax(S) along each row, in place; S (n,m).  The row maximum is
 * subtracted first.  A row with no finite maximum because every score
 * is -inf (every key masked) becomes all zeros.  Returns the number of
 * such rows. */
size_t attn_softmax(size_t n, size_t m, double *S, size_t lds);

#endif
