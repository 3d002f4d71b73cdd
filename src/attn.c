/*
 * attn.c - numerical kernels for attention (see attn.h).
 *
 *	Attention(Q, K, V) = softmax(Q·Kᵀ·scale)·V
 *
 * Plain loops in an order the compiler vectorises: every inner loop
 * walks memory with unit stride.
 */
#include <math.h>

#include "attn.h"

/* C = A·B; A (n,k) B (k,m) C (n,m).
 * Row i of C is a sum over p of A[i,p]·B[p,:], accumulated in order
 * p = 0..k-1: the inner loop is an axpy on contiguous rows. */
void
attn_matmul(size_t n, size_t k, size_t m, const double *A, size_t lda,
    const double *B, size_t ldb, double *C, size_t ldc)
{
	size_t i, p, j;

	for (i = 0; i < n; i++) {
		double *c = C + i * ldc;

		for (j = 0; j < m; j++)
			c[j] = 0;
		for (p = 0; p < k; p++) {
			const double a = A[i * lda + p];
			const double *b = B + p * ldb;

			for (j = 0; j < m; j++)
				c[j] += a * b[j];
		}
	}
}

/* S = Q·Kᵀ·scale; Q (n,d) K (m,d) S (n,m).
 * Both operands are read along rows: S[i,j] = (q_i · k_j)·scale, the
 * dot product summed in order t = 0..d-1, then scaled once (as
 * PyTorch's reference: (Q @ K.T) * scale). */
void
attn_scores(size_t n, size_t m, size_t d, const double *Q, size_t ldq,
    const double *K, size_t ldk, double scale, double *S, size_t lds)
{
	size_t i, j, t;

	for (i = 0; i < n; i++) {
		const double *q = Q + i * ldq;

		for (j = 0; j < m; j++) {
			const double *k = K + j * ldk;
			double s = 0;

			for (t = 0; t < d; t++)
				s += q[t] * k[t];
			S[i * lds + j] = s * scale;
		}
	}
}

/* P = softmax(S) row-wise; S (n,m).
 * exp(s - max) <= 1 never overflows, and the largest term is exactly 1,
 * so the sum is >= 1 and the division is safe; mathematically the
 * shift cancels.  Dividing each term (rather than multiplying by 1/sum)
 * keeps each weight correctly rounded from its two operands. */
size_t
attn_softmax(size_t n, size_t m, double *S, size_t lds)
{
	size_t i, j, dead = 0;

	for (i = 0; i < n; i++) {
		double *s = S + i * lds, max = -INFINITY, sum = 0;

		for (j = 0; j < m; j++) {
			if (isnan(s[j])) {
				max = s[j];	/* a NaN score poisons its row */
				break;
			}
			if (s[j] > max)
				max = s[j];
		}
		if (max == -INFINITY) {
			/* Every key masked: attend to nothing. */
			for (j = 0; j < m; j++)
				s[j] = 0;
			dead++;
			continue;
		}
		for (j = 0; j < m; j++) {
			s[j] = exp(s[j] - max);
			sum += s[j];
		}
		for (j = 0; j < m; j++)
			s[j] /= sum;
	}
	return dead;
}
