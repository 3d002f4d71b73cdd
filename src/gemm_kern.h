/*
 * gemm_kern.h - one instance of the blocked GEMM (see gemm.c for the
 * design).  Included by gemm.c once per (element type, ISA level), with
 * these macros defined; it #undefs them at the end:
 *
 *   GK_T       element type (double or float)
 *   GK_VL      lanes per SIMD vector (GK_VL * sizeof(GK_T) bytes)
 *   GK_MR      register tile rows      (micro-kernel: GK_MR x GK_NR)
 *   GK_NR      register tile columns   (a multiple of GK_VL)
 *   GK_KC      k block: one packed B panel of GK_KC x GK_NR stays in L1
 *   GK_MC      row block: the packed A block GK_MC x GK_KC stays in L2
 *   GK_NC      column block of B kept in L3 (a multiple of GK_NR)
 *   GK_FMAFN   fused multiply-add function (__builtin_fma, ..._fmaf), or
 *              leave undefined for a separate multiply and add
 *   GK_TARGET  function attribute (target ISA), or empty
 *   GK_SFX     name suffix, e.g. d_avx2
 *   GK_OPS     the struct type of the function table to define
 *
 * It defines static functions named NAME_GK_SFX and the table
 * `static const GK_OPS ops_GK_SFX`.
 */

#define GK_CAT2(a, b) a##_##b
#define GK_CAT(a, b) GK_CAT2(a, b)
#define GK_(name) GK_CAT(name, GK_SFX)
#define GK_NV (GK_NR / GK_VL)		/* vectors per tile row */
#define GK_FN static GK_TARGET

_Static_assert(GK_NR % GK_VL == 0, "NR must be a multiple of VL");
_Static_assert(GK_MC % GK_MR == 0, "MC must be a multiple of MR");
_Static_assert(GK_NC % GK_NR == 0, "NC must be a multiple of NR");

typedef GK_T GK_(vec) __attribute__((vector_size(GK_VL * sizeof(GK_T))));

/*
 * Micro-kernel: the GK_MR x GK_NR tile of C at c (row stride ldc)
 *
 *     c[i][j] = (load ? c[i][j] : 0) + sum_{p < kc} a[p*MR + i] * b[p*NR + j]
 *
 * summed in order p = 0, 1, ...; a is a packed A sliver (MR values per
 * p), b a packed B panel (NR values per p).  The MR*NV accumulators are
 * vectors held in registers for the whole loop; per p it loads NV vectors
 * of b, and broadcasts each of the MR values of a.
 */
GK_FN void GK_(kernel)(size_t kc, const GK_T *restrict a,
    const GK_T *restrict b, GK_T *restrict c, size_t ldc, int load)
{
	GK_(vec) acc[GK_MR][GK_NV];

#pragma GCC unroll 32
	for (int i = 0; i < GK_MR; i++)
#pragma GCC unroll 32
		for (int j = 0; j < GK_NV; j++) {
			if (load)
				memcpy(&acc[i][j], c + i * ldc + j * GK_VL,
				    sizeof(GK_(vec)));
			else
				memset(&acc[i][j], 0, sizeof(GK_(vec)));
		}
	for (size_t p = 0; p < kc; p++) {
		GK_(vec) bv[GK_NV];

#pragma GCC unroll 32
		for (int j = 0; j < GK_NV; j++)
			memcpy(&bv[j], b + j * GK_VL, sizeof(GK_(vec)));
#pragma GCC unroll 32
		for (int i = 0; i < GK_MR; i++) {
			GK_(vec) av;

#pragma GCC unroll 32
			for (int l = 0; l < GK_VL; l++)
				av[l] = a[i];		/* broadcast */
#pragma GCC unroll 32
			for (int j = 0; j < GK_NV; j++) {
#ifdef GK_FMAFN
#pragma GCC unroll 32
				for (int l = 0; l < GK_VL; l++)
					acc[i][j][l] = GK_FMAFN(av[l],
					    bv[j][l], acc[i][j][l]);
#else
				acc[i][j] = acc[i][j] + av * bv[j];
#endif
			}
		}
		a += GK_MR;
		b += GK_NR;
	}
#pragma GCC unroll 32
	for (int i = 0; i < GK_MR; i++)
#pragma GCC unroll 32
		for (int j = 0; j < GK_NV; j++)
			memcpy(c + i * ldc + j * GK_VL, &acc[i][j],
			    sizeof(GK_(vec)));
}

/*
 * An edge tile: only mr <= MR rows and nr <= NR columns of C exist.  The
 * packed A and B are zero-padded to the full tile, so run the same
 * kernel on a full-size copy of the tile and copy the part that exists
 * back: every stored element goes through exactly the operations it
 * would inside a full tile (the padding lanes are computed and dropped).
 */
GK_FN void GK_(kernel_edge)(size_t kc, const GK_T *restrict a,
    const GK_T *restrict b, GK_T *restrict c, size_t ldc, int load,
    size_t mr, size_t nr)
{
	GK_T t[GK_MR * GK_NR];

	if (load) {
		memset(t, 0, sizeof t);
		for (size_t i = 0; i < mr; i++)
			memcpy(t + i * GK_NR, c + i * ldc, nr * sizeof(GK_T));
	}
	GK_(kernel)(kc, a, b, t, GK_NR, load);
	for (size_t i = 0; i < mr; i++)
		memcpy(c + i * ldc, t + i * GK_NR, nr * sizeof(GK_T));
}

/*
 * Pack W rows of a row-major block (rows valid of them exist, the rest
 * are zeros), kc columns, into one sliver: dst[p*W + r] = src[r*ld + p].
 * Used for A (W = MR) and for B given transposed (W = NR).
 */
GK_FN void GK_(pack_rows)(size_t rows, size_t kc,
    const GK_T *restrict src, size_t ld, GK_T *restrict dst, size_t w)
{
	if (rows == w) {
		for (size_t p = 0; p < kc; p++)
			for (size_t r = 0; r < w; r++)
				dst[p * w + r] = src[r * ld + p];
		return;
	}
	for (size_t p = 0; p < kc; p++) {
		for (size_t r = 0; r < rows; r++)
			dst[p * w + r] = src[r * ld + p];
		for (size_t r = rows; r < w; r++)
			dst[p * w + r] = 0;
	}
}

/* Pack A rows [0, mc), columns [0, kc) into ceil(mc/MR) slivers of
 * MR x kc, sliver s at dst + s*MR*kc. */
GK_FN void GK_(pack_a)(size_t mc, size_t kc, const GK_T *restrict A,
    size_t lda, GK_T *restrict dst)
{
	for (size_t i = 0; i < mc; i += GK_MR) {
		size_t mr = mc - i < GK_MR ? mc - i : GK_MR;

		if (mr == GK_MR)
			GK_(pack_rows)(GK_MR, kc, A + i * lda, lda, dst,
			    GK_MR);
		else
			GK_(pack_rows)(mr, kc, A + i * lda, lda, dst, GK_MR);
		dst += GK_MR * kc;
	}
}

/* Pack B (kc rows, nc columns) into ceil(nc/NR) panels of kc x NR,
 * panel q at dst + q*stride: dst[q*stride + p*NR + j] = B[p*ldb + q*NR+j],
 * zero-padded past column nc. */
GK_FN void GK_(pack_bn)(size_t kc, size_t nc, const GK_T *restrict B,
    size_t ldb, GK_T *restrict dst, size_t stride)
{
	for (size_t j = 0; j < nc; j += GK_NR) {
		size_t nr = nc - j < GK_NR ? nc - j : GK_NR;
		GK_T *d = dst + (j / GK_NR) * stride;

		if (nr == GK_NR) {
			for (size_t p = 0; p < kc; p++)
				memcpy(d + p * GK_NR, B + p * ldb + j,
				    GK_NR * sizeof(GK_T));
		} else {
			for (size_t p = 0; p < kc; p++) {
				memcpy(d + p * GK_NR, B + p * ldb + j,
				    nr * sizeof(GK_T));
				for (size_t q = nr; q < GK_NR; q++)
					d[p * GK_NR + q] = 0;
			}
		}
	}
}

/* The same panels from Bt (nc rows, kc columns): B[p][j] = Bt[j][p]. */
GK_FN void GK_(pack_bt_blk)(size_t kc, size_t nc, const GK_T *restrict Bt,
    size_t ldb, GK_T *restrict dst, size_t stride)
{
	for (size_t j = 0; j < nc; j += GK_NR) {
		size_t nr = nc - j < GK_NR ? nc - j : GK_NR;
		GK_T *d = dst + (j / GK_NR) * stride;

		if (nr == GK_NR)
			GK_(pack_rows)(GK_NR, kc, Bt + j * ldb, ldb, d, GK_NR);
		else
			GK_(pack_rows)(nr, kc, Bt + j * ldb, ldb, d, GK_NR);
	}
}

/*
 * Macro-kernel: C block (mc, nc) (+)= packed A block (mc, kc) . packed B
 * (kc, nc), panel q of B at bp + q*bstride.  The B panel (kc x NR, in
 * L1) is reused across the mc/MR slivers of A (the A block is in L2).
 */
GK_FN void GK_(macro)(size_t mc, size_t nc, size_t kc,
    const GK_T *restrict ap, const GK_T *restrict bp, size_t bstride,
    GK_T *restrict C, size_t ldc, int load)
{
	for (size_t j = 0; j < nc; j += GK_NR) {
		size_t nr = nc - j < GK_NR ? nc - j : GK_NR;
		const GK_T *b = bp + (j / GK_NR) * bstride;

		for (size_t i = 0; i < mc; i += GK_MR) {
			size_t mr = mc - i < GK_MR ? mc - i : GK_MR;
			const GK_T *a = ap + (i / GK_MR) * GK_MR * kc;
			GK_T *c = C + i * ldc + j;

			if (mr == GK_MR && nr == GK_NR)
				GK_(kernel)(kc, a, b, c, ldc, load);
			else
				GK_(kernel_edge)(kc, a, b, c, ldc, load, mr,
				    nr);
		}
	}
}

/* Round n up to a multiple of r. */
#define GK_RUP(n, r) (((n) + (r) - 1) / (r) * (r))

/* Elements of the A block (n rows, k columns) as packed. */
static size_t GK_(ablk)(size_t n, size_t k)
{
	return (n < GK_MC ? GK_RUP(n, GK_MR) : GK_MC) * (k < GK_KC ? k : GK_KC);
}

/* Elements of one B block (k rows, m columns) as packed by gemm_nn. */
static size_t GK_(bblk)(size_t k, size_t m)
{
	return (k < GK_KC ? k : GK_KC) * (m < GK_NC ? GK_RUP(m, GK_NR) : GK_NC);
}

static size_t GK_(packed_size)(size_t k, size_t m)
{
	size_t panels = m / GK_NR + (m % GK_NR != 0), r;

	if (mul_ovf(panels, GK_NR, &r) || mul_ovf(r, k, &r) ||
	    r > SIZE_MAX - 1)
		return 0;
	return r + 1;		/* > 0 even when empty */
}

static size_t GK_(work_size)(size_t n, size_t k, size_t m)
{
	/* Both blocks are bounded by the block sizes: no overflow. */
	return GK_(ablk)(n, k) + GK_(bblk)(k, m) + 2 * ALIGN / sizeof(GK_T);
}

GK_FN void GK_(pack_b)(size_t k, size_t m, const GK_T *B, size_t ldb,
    GK_T *Bp)
{
	GK_(pack_bn)(k, m, B, ldb, Bp, k * GK_NR);
}

GK_FN void GK_(pack_bt)(size_t k, size_t m, const GK_T *Bt, size_t ldb,
    GK_T *Bp)
{
	GK_(pack_bt_blk)(k, m, Bt, ldb, Bp, k * GK_NR);
}

/*
 * C (n,m) (+)= A (n,k) . B (k,m), B pre-packed (all k rows per panel):
 *
 *   for jc in [0,m) step NC               columns of B in L3
 *     for pc in [0,k) step KC             k block; after the first, C
 *                                         carries the partial sums
 *       for ic in [0,n) step MC           rows of A: pack to L2
 *         macro(ic.., jc.., pc..)         panels from L1, tiles in regs
 */
GK_FN void GK_(packed)(size_t n, size_t k, size_t m, const GK_T *A,
    size_t lda, const GK_T *Bp, GK_T *C, size_t ldc, enum gemm_acc acc,
    GK_T *work)
{
	GK_T *ap = align_ptr(work);

	for (size_t jc = 0; jc < m; jc += GK_NC) {
		size_t nc = m - jc < GK_NC ? m - jc : GK_NC;

		for (size_t pc = 0; pc < k; pc += GK_KC) {
			size_t kc = k - pc < GK_KC ? k - pc : GK_KC;
			int load = acc == GEMM_ACCUMULATE || pc > 0;

			for (size_t ic = 0; ic < n; ic += GK_MC) {
				size_t mc = n - ic < GK_MC ? n - ic : GK_MC;

				GK_(pack_a)(mc, kc, A + ic * lda + pc, lda, ap);
				GK_(macro)(mc, nc, kc, ap,
				    Bp + jc * k + pc * GK_NR, k * GK_NR,
				    C + ic * ldc + jc, ldc, load);
			}
		}
	}
}

/* gemm_nn and gemm_nt: the same loop nest, packing each KC x NC block
 * of B into the workspace (after the A block) as it comes. */
GK_FN void GK_(unpacked)(size_t n, size_t k, size_t m, const GK_T *A,
    size_t lda, const GK_T *B, size_t ldb, int bt, GK_T *C, size_t ldc,
    enum gemm_acc acc, GK_T *work)
{
	GK_T *ap = align_ptr(work);
	GK_T *bp = align_ptr(ap + GK_(ablk)(n, k));

	for (size_t jc = 0; jc < m; jc += GK_NC) {
		size_t nc = m - jc < GK_NC ? m - jc : GK_NC;

		for (size_t pc = 0; pc < k; pc += GK_KC) {
			size_t kc = k - pc < GK_KC ? k - pc : GK_KC;
			int load = acc == GEMM_ACCUMULATE || pc > 0;

			if (bt)
				GK_(pack_bt_blk)(kc, nc, B + jc * ldb + pc,
				    ldb, bp, kc * GK_NR);
			else
				GK_(pack_bn)(kc, nc, B + pc * ldb + jc, ldb,
				    bp, kc * GK_NR);
			for (size_t ic = 0; ic < n; ic += GK_MC) {
				size_t mc = n - ic < GK_MC ? n - ic : GK_MC;

				GK_(pack_a)(mc, kc, A + ic * lda + pc, lda, ap);
				GK_(macro)(mc, nc, kc, ap, bp, kc * GK_NR,
				    C + ic * ldc + jc, ldc, load);
			}
		}
	}
}

GK_FN void GK_(nn)(size_t n, size_t k, size_t m, const GK_T *A, size_t lda,
    const GK_T *B, size_t ldb, GK_T *C, size_t ldc, enum gemm_acc acc,
    GK_T *work)
{
	GK_(unpacked)(n, k, m, A, lda, B, ldb, 0, C, ldc, acc, work);
}

GK_FN void GK_(nt)(size_t n, size_t k, size_t m, const GK_T *A, size_t lda,
    const GK_T *Bt, size_t ldb, GK_T *C, size_t ldc, enum gemm_acc acc,
    GK_T *work)
{
	GK_(unpacked)(n, k, m, A, lda, Bt, ldb, 1, C, ldc, acc, work);
}

static const GK_OPS GK_(ops) = {
	GK_MR, GK_NR, GK_KC, GK_MC, GK_NC,
	GK_(packed_size), GK_(work_size), GK_(pack_b), GK_(pack_bt),
	GK_(packed), GK_(nn), GK_(nt)
};

#undef GK_CAT2
#undef GK_CAT
#undef GK_
#undef GK_NV
#undef GK_FN
#undef GK_RUP
#undef GK_T
#undef GK_VL
#undef GK_MR
#undef GK_NR
#undef GK_KC
#undef GK_MC
#undef GK_NC
#undef GK_FMAFN
#undef GK_TARGET
#undef GK_SFX
#undef GK_OPS
