/*
 * gemm_api.h - the entry points of gemm.h for one element type: the
 * checks common to every level, then the level's table.  Included by
 * gemm.c once for double and once for float, with these macros defined
 * (it #undefs them at the end):
 *
 *   GA_T       element type (double or float)
 *   GA_(name)  the public name: gemm_NAME or gemm_f32_NAME
 *   GA_TAB     the table of kernels by enum gemm_isa (tab_d or tab_s)
 *
 * It defines GA_(trivial), static, and the extern GA_(...) of gemm.h.
 */

/* Is C (n,m) (+)= A (n,k) . B done without the kernels: nothing when n
 * or m is 0; for k = 0, C = 0 (overwrite) or C + 0 (add: -0 becomes
 * +0, as C + a sum of none), nothing for accumulate.  1 if so. */
static int GA_(trivial)(size_t n, size_t k, size_t m, GA_T *C, size_t ldc,
    enum gemm_acc acc)
{
	if (n == 0 || m == 0)
		return 1;
	if (k > 0)
		return 0;
	for (size_t i = 0; acc != GEMM_ACCUMULATE && i < n; i++)
		for (size_t j = 0; j < m; j++)
			C[i * ldc + j] = acc == GEMM_ADD ? C[i * ldc + j] +
			    (GA_T)0 : (GA_T)0;
	return 1;
}

size_t GA_(packed_size)(enum gemm_isa isa, size_t k, size_t m)
{
	return GA_TAB[isa]->packed_size(k, m);
}

size_t GA_(work_size)(enum gemm_isa isa, size_t n, size_t k, size_t m)
{
	return GA_TAB[isa]->work_size(n, k, m);
}

void GA_(pack_b)(enum gemm_isa isa, size_t k, size_t m, const GA_T *B,
    size_t ldb, GA_T *Bp)
{
	if (k > 0 && m > 0)
		GA_TAB[isa]->pack_b_rows(k, m, 0, k, B, ldb, Bp);
}

void GA_(pack_b_rows)(enum gemm_isa isa, size_t k, size_t m, size_t p0,
    size_t kr, const GA_T *B, size_t ldb, GA_T *Bp)
{
	if (kr > 0 && m > 0 && p0 < k && kr <= k - p0)
		GA_TAB[isa]->pack_b_rows(k, m, p0, kr, B, ldb, Bp);
}

void GA_(pack_bt)(enum gemm_isa isa, size_t k, size_t m, const GA_T *Bt,
    size_t ldb, GA_T *Bp)
{
	if (k > 0 && m > 0)
		GA_TAB[isa]->pack_bt(k, m, Bt, ldb, Bp);
}

void GA_(packed_top)(enum gemm_isa isa, size_t n, size_t k, size_t kb,
    size_t m, const GA_T *A, size_t lda, const GA_T *Bp, GA_T *C,
    size_t ldc, enum gemm_acc acc, GA_T *work)
{
	if (!GA_(trivial)(n, k, m, C, ldc, acc))
		GA_TAB[isa]->packed(n, k, kb, m, A, lda, Bp, C, ldc, acc,
		    work);
}

void GA_(packed)(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const GA_T *A, size_t lda, const GA_T *Bp, GA_T *C, size_t ldc,
    enum gemm_acc acc, GA_T *work)
{
	GA_(packed_top)(isa, n, k, k, m, A, lda, Bp, C, ldc, acc, work);
}

void GA_(packed_max)(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const GA_T *A, size_t lda, const GA_T *Bp, GA_T *C, size_t ldc,
    GA_T scale, GA_T *mx, GA_T *work)
{
	GA_TAB[isa]->packed_max(n, k, m, A, lda, Bp, C, ldc, scale, mx,
	    work);
}

void GA_(packed_nz)(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const GA_T *A, size_t lda, const GA_T *Bp, GA_T *C, size_t ldc)
{
	if (n > 0 && m > 0 && k > 0)
		GA_TAB[isa]->packed_nz(n, k, m, A, lda, Bp, C, ldc);
}

void GA_(nn)(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const GA_T *A, size_t lda, const GA_T *B, size_t ldb, GA_T *C,
    size_t ldc, enum gemm_acc acc, GA_T *work)
{
	if (!GA_(trivial)(n, k, m, C, ldc, acc))
		GA_TAB[isa]->nn(n, k, m, A, lda, B, ldb, C, ldc, acc, work);
}

void GA_(nt)(enum gemm_isa isa, size_t n, size_t k, size_t m,
    const GA_T *A, size_t lda, const GA_T *Bt, size_t ldb, GA_T *C,
    size_t ldc, enum gemm_acc acc, GA_T *work)
{
	if (!GA_(trivial)(n, k, m, C, ldc, acc))
		GA_TAB[isa]->nt(n, k, m, A, lda, Bt, ldb, C, ldc, acc, work);
}

#undef GA_T
#undef GA_
#undef GA_TAB
