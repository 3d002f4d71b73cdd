/*
 * gemm_kern.h - one instance of the blocked GEMM; gemm.c explains the
 * design.  Included by gemm.c once per (element type, ISA level), with
 * these macros defined (it #undefs them all at the end):
 *
 *   GK_T       element type (double or float)
 *   GK_ITYPE   the signed integer type of its size (long long or int)
 *   GK_VL      lanes per SIMD vector (GK_VL * sizeof(GK_T) bytes)
 *   GK_MR      register tile rows     (micro-kernel tile: GK_MR x GK_NR)
 *   GK_NR      register tile columns  (a multiple of GK_VL)
 *   GK_KC      k block: a packed B panel of GK_KC x GK_NR stays in L1
 *   GK_MC      row block: the packed A block GK_MC x GK_KC stays in L2
 *   GK_NC      column block of B kept in L3 (a multiple of GK_NR)
 *   GK_FMAFN   fused multiply-add (__builtin_fma or __builtin_fmaf); left
 *              undefined: a separate multiply and add
 *   GK_VMAXFN  optional: vmax() below in one instruction (maxpd: x > m ?
 *              x : m, the same bits); undefined: compare and select
 *   GK_TARGET  function attribute (target ISA), or empty
 *   GK_SFX     name suffix, e.g. d_avx2
 *   GK_OPS     the struct type of the function table
 *
 * It defines static functions NAME_GK_SFX and `static const GK_OPS
 * ops_GK_SFX`.  Needs <string.h>, <stdint.h>, ALIGN, align_ptr() and
 * mul_ovf() from gemm.c.
 */

#define GK_CAT2(a, b) a##_##b
#define GK_CAT(a, b) GK_CAT2(a, b)
#define GK_(name) GK_CAT(name, GK_SFX)
#define GK_NV (GK_NR / GK_VL)		/* vectors per tile row */
#define GK_FN static GK_TARGET
#define GK_MIN(a, b) ((a) < (b) ? (a) : (b))
#define GK_MAX_ROWS 144		/* rows of a packed_max call at a time: the
				 * attention's query block (ATTN_BR) in one */

_Static_assert(GK_NR % GK_VL == 0, "NR must be a multiple of VL");
_Static_assert(GK_KC == GEMM_KC, "GEMM_ADD's k block is GEMM_KC");
_Static_assert(GK_MC % GK_MR == 0, "MC must be a multiple of MR");
_Static_assert(GK_NC % GK_NR == 0, "NC must be a multiple of NR");

typedef GK_T GK_(vec) __attribute__((vector_size(GK_VL * sizeof(GK_T))));

/* The scores' epilogue (gemm_packed_max): the tile times scale, and the
 * largest of each of its rows folded into the VL lanes of mx at i·VL:
 * lane l the largest of the columns j = l (mod VL) of the row. */
struct GK_(epi) {
	GK_T scale;
	GK_T *mx;
};

typedef GK_ITYPE GK_(ivec) __attribute__((vector_size(GK_VL *
    sizeof(GK_T))));

/* x > m ? x : m, lane by lane (m where x is NaN: the maximum of the
 * numbers that are not NaN, m never NaN): GK_VMAXFN, or written with
 * bits, as C has no ?: on vectors (GCC makes a compare and a blend of
 * that, two instructions where maxpd is one: in the scores' epilogue,
 * 24 a tile of 6 x 32). */
static inline GK_TARGET __attribute__((always_inline)) GK_(vec)
GK_(vmax)(GK_(vec) x, GK_(vec) m)
{
#ifdef GK_VMAXFN
	return GK_VMAXFN(x, m);
#else
	GK_(ivec) k = x > m, ix, im;

	memcpy(&ix, &x, sizeof ix);
	memcpy(&im, &m, sizeof im);
	ix = (ix & k) | (im & ~k);
	memcpy(&x, &ix, sizeof x);
	return x;
#endif
}

/*
 * Micro-kernel: the MR x NR tile of C at c (row stride ldc)
 *
 *   c[i][j] = c0 + sum_{p < kc} a[i*as + p] * b[p*NR + j]
 *
 * summed in order p = 0, 1, ... (each step rounded, or fused: GK_FMAFN),
 * from c0 = c[i][j] for load 1, else 0; load 2 (GEMM_ADD): then
 * c[i][j] + sum, rounded once, is what is stored.
 * a: MR rows of A, row stride as (a packed sliver: as = kc); b: a packed
 * B panel, NR values per p.  The MR x NV accumulator vectors live in
 * registers for the whole loop; per p it loads NV vectors of b and
 * broadcasts MR values of a (one from each row).
 *
 * It also prefetches pf[0 .. npf-1]: the source of a row of the next A
 * block, fetched from memory while this tile computes; and npb cache
 * lines from pb: its share of the next B panel (see macro()).  All of
 * them before the loop, a line apiece: issued in the loop, one element
 * of pf and one line of pb a step, their tests made the loop longer and
 * its exit harder to predict (case (a) of the bench on one thread,
 * Zen 3 with AVX2: 1.43 s at best against 1.61; the scores' product
 * alone about 5% faster).  Prefetches are hints: they never fault.
 *
 * epi (kernel_max, the last k block of gemm_packed_max): the sums are
 * multiplied by scale, rounded, as they are stored, and row i's
 * numbers that are not NaN are folded into its running maxima, the VL
 * lanes at mx + i·VL (struct epi).
 */
static inline GK_TARGET __attribute__((always_inline)) void
GK_(kernel_body)(size_t kc, const GK_T *restrict a, size_t as,
    const GK_T *restrict b, GK_T *restrict c, size_t ldc, int load,
    const GK_T *pf, size_t npf, const char *pb, size_t npb, const int epi,
    GK_T scale, GK_T *restrict mx)
{
	GK_(vec) acc[GK_MR][GK_NV];

#pragma GCC unroll 32
	for (int i = 0; i < GK_MR; i++)
#pragma GCC unroll 32
		for (int j = 0; j < GK_NV; j++) {
			if (load == 1)
				memcpy(&acc[i][j], c + i * ldc + j * GK_VL,
				    sizeof(GK_(vec)));
			else
				memset(&acc[i][j], 0, sizeof(GK_(vec)));
		}
	/* the prefetches first, a cache line apiece (see above) */
	for (size_t l = 0; l < npf; l += 64 / sizeof(GK_T))
		__builtin_prefetch(pf + l, 0, 3);
	if (npf > 0)
		__builtin_prefetch(pf + npf - 1, 0, 3);
#ifndef GK_PB_STEP
	for (size_t l = 0; l < npb; l++)
		__builtin_prefetch(pb + l * 64, 0, 3);
#else
	/* GK_PB_STEP: the next B panel's lines one a step instead, in the
	 * loop (only those past kc first).  All at once, 43 lines a call
	 * in P.V's 144 x 256 x 64, they outran the L1's miss buffers on
	 * Intel Sapphire Rapids and the loop waited: one a step, a key
	 * block's P.V ran 6% faster streaming 16 blocks (those of 4096
	 * keys, 2 MiB of V) and 9% streaming 64, the scores 4% faster
	 * over 64 (throwaway bench, AVX-512, one core).  Not measured on
	 * the Zen 5, where the burst cost 3% (see macro()). */
	for (size_t l = kc; l < npb; l++)
		__builtin_prefetch(pb + l * 64, 0, 3);
#endif
	for (size_t p = 0; p < kc; p++) {
		GK_(vec) bv[GK_NV];

#ifdef GK_PB_STEP
		if (p < npb)
			__builtin_prefetch(pb + p * 64, 0, 3);
#endif

#pragma GCC unroll 32
		for (int j = 0; j < GK_NV; j++)
			memcpy(&bv[j], b + j * GK_VL, sizeof(GK_(vec)));
#pragma GCC unroll 32
		for (int i = 0; i < GK_MR; i++) {
			GK_T ai = a[i * as + p];	/* broadcast */

#pragma GCC unroll 32
			for (int j = 0; j < GK_NV; j++) {
#ifdef GK_FMAFN
#pragma GCC unroll 32
				for (int l = 0; l < GK_VL; l++)
					acc[i][j][l] = GK_FMAFN(ai, bv[j][l],
					    acc[i][j][l]);
#else
				acc[i][j] = acc[i][j] + ai * bv[j];
#endif
			}
		}
		b += GK_NR;
	}
	if (epi)
#pragma GCC unroll 32
		for (int i = 0; i < GK_MR; i++)
#pragma GCC unroll 32
			for (int j = 0; j < GK_NV; j++)
				acc[i][j] = acc[i][j] * scale;
#pragma GCC unroll 32
	for (int i = 0; i < GK_MR; i++)
#pragma GCC unroll 32
		for (int j = 0; j < GK_NV; j++) {
			if (load == 2) {
				GK_(vec) c0;

				memcpy(&c0, c + i * ldc + j * GK_VL, sizeof c0);
				acc[i][j] = c0 + acc[i][j];
			}
			memcpy(c + i * ldc + j * GK_VL, &acc[i][j],
			    sizeof(GK_(vec)));
		}
	if (epi)
#pragma GCC unroll 32
		for (int i = 0; i < GK_MR; i++) {
			GK_(vec) m;

			memcpy(&m, mx + i * GK_VL, sizeof m);
#pragma GCC unroll 32
			for (int j = 0; j < GK_NV; j++)
				m = GK_(vmax)(acc[i][j], m);
			memcpy(mx + i * GK_VL, &m, sizeof m);
		}
}

GK_FN void GK_(kernel)(size_t kc, const GK_T *restrict a, size_t as,
    const GK_T *restrict b, GK_T *restrict c, size_t ldc, int load,
    const GK_T *pf, size_t npf, const char *pb, size_t npb)
{
	GK_(kernel_body)(kc, a, as, b, c, ldc, load, pf, npf, pb, npb, 0, 0,
	    NULL);
}

/* The kernel with the epilogue of gemm_packed_max, an instance of its
 * own: a run-time choice between the two made GCC keep the accumulators
 * on the stack, in both.  Not inlined into its one caller either (GCC
 * did not at AVX-512): there, with 16 registers (AVX2), GCC kept five of
 * the six row pointers of A on the stack and loaded them at every step
 * (the scores' product, 144 x 64 x 256 a key block, ran at 33 GFLOP/s
 * where it runs at 37.5, Zen 3, throwaway bench). */
GK_FN __attribute__((noinline)) void
GK_(kernel_max)(size_t kc, const GK_T *restrict a, size_t as,
    const GK_T *restrict b, GK_T *restrict c, size_t ldc, int load,
    const GK_T *pf, size_t npf, const char *pb, size_t npb, GK_T scale,
    GK_T *restrict mx)
{
	GK_(kernel_body)(kc, a, as, b, c, ldc, load, pf, npf, pb, npb, 1,
	    scale, mx);
}

/*
 * An edge tile: only mr <= MR rows and nr <= NR columns of C exist.  The
 * packed A and B are zero-padded to whole tiles, so run the same kernel
 * on a full-size copy of the tile and copy back the part that exists:
 * every stored element goes through exactly the operations it would get
 * inside a full tile (the padding lanes are computed and dropped).
 */
GK_FN void GK_(kernel_edge)(size_t kc, const GK_T *restrict a, size_t as,
    const GK_T *restrict b, GK_T *restrict c, size_t ldc, int load,
    size_t mr, size_t nr, const GK_T *pf, size_t npf,
    const struct GK_(epi) *ep)
{
	GK_T t[GK_MR * GK_NR];

	memset(t, 0, sizeof t);
	if (load == 1)
		for (size_t i = 0; i < mr; i++)
			memcpy(t + i * GK_NR, c + i * ldc, nr * sizeof(GK_T));
	GK_(kernel)(kc, a, as, b, t, GK_NR, load == 1, pf, npf, NULL, 0);
	for (size_t i = 0; i < mr; i++) {
		/* the epilogue on the numbers that exist only */
		for (size_t j = 0; ep != NULL && j < nr; j++) {
			GK_T x = t[i * GK_NR + j] * ep->scale;
			GK_T *r = ep->mx + i * GK_VL + j % GK_VL;

			t[i * GK_NR + j] = x;
			*r = x > *r ? x : *r;
		}
		for (size_t j = 0; load == 2 && j < nr; j++)
			t[i * GK_NR + j] = c[i * ldc + j] + t[i * GK_NR + j];
		memcpy(c + i * ldc, t + i * GK_NR, nr * sizeof(GK_T));
	}
}

/*
 * Pack rows [0, mc), columns [0, kc) of A into ceil(mc/MR) slivers of
 * MR x kc, each row-major (row r of the block at dst + r*kc), zero rows
 * up to a whole sliver.  A plain copy: it only removes A's stride, so
 * the block sits in L2 without cache-set conflicts.
 */
GK_FN void GK_(pack_a)(size_t mc, size_t kc, const GK_T *restrict A,
    size_t lda, GK_T *restrict dst)
{
	for (size_t i = 0; i < mc; i++)
		memcpy(dst + i * kc, A + i * lda, kc * sizeof(GK_T));
	for (size_t i = mc; i % GK_MR != 0; i++)
		memset(dst + i * kc, 0, kc * sizeof(GK_T));
}

/*
 * Pack columns [0, nc) of B (kc rows, row stride ldb) into ceil(nc/NR)
 * panels, panel q at dst + q*stride:  dst[q*stride + p*NR + j] =
 * B[p*ldb + q*NR + j], zero past column nc.
 */
GK_FN void GK_(pack_bn)(size_t kc, size_t nc, const GK_T *restrict B,
    size_t ldb, GK_T *restrict dst, size_t stride)
{
	/* row by row: B is read in order, a page at a time (panel by
	 * panel, each 4 KiB row of a 512 x 512 weight was read once per
	 * panel, 16 times in AVX-512's panels of 32, and a mapped file's
	 * small pages missed the TLB at every one) */
	for (size_t p = 0; p < kc; p++)
		for (size_t j = 0; j < nc; j += GK_NR) {
			size_t nr = GK_MIN(nc - j, GK_NR);
			GK_T *d = dst + j / GK_NR * stride + p * GK_NR;

			memcpy(d, B + p * ldb + j, nr * sizeof(GK_T));
			for (size_t q = nr; q < GK_NR; q++)
				d[q] = 0;
		}
}

/* The same panels from Bt (nc rows, kc columns, row stride ldb), the
 * transpose of B:  dst[q*stride + p*NR + j] = Bt[(q*NR + j)*ldb + p].
 * A cache line of each source row at a time (GK_LINE columns): rows a
 * power of two apart fall into a few cache sets, and reading one column
 * of NR rows per p evicted the lines before their next column. */
#define GK_LINE (64 / sizeof(GK_T))
GK_FN void GK_(pack_bt_blk)(size_t kc, size_t nc, const GK_T *restrict Bt,
    size_t ldb, GK_T *restrict dst, size_t stride)
{
	for (size_t j = 0; j < nc; j += GK_NR) {
		size_t nr = GK_MIN(nc - j, GK_NR);
		const GK_T *s = Bt + j * ldb;
		GK_T *d = dst + j / GK_NR * stride;

		for (size_t p0 = 0; p0 < kc; p0 += GK_LINE) {
			size_t p1 = GK_MIN(kc, p0 + GK_LINE);

			for (size_t q = 0; q < nr; q++)
				for (size_t p = p0; p < p1; p++)
					d[p * GK_NR + q] = s[q * ldb + p];
			for (size_t q = nr; q < GK_NR; q++)
				for (size_t p = p0; p < p1; p++)
					d[p * GK_NR + q] = 0;
		}
	}
}
#undef GK_LINE

/* The source of the A block that will be packed next: rows x cols at a,
 * row stride lda (rows = 0: none). */
struct GK_(next) {
	const GK_T *a;
	size_t rows, cols, lda;
};

/*
 * Macro-kernel: C block (mc, nc) (+)= packed A block (mc, kc) . packed B
 * (kc, nc), panel q of B at bp + q*bstride.
 *
 *   for jr in [0,nc) step NR        the B panel (kc x NR) stays in L1
 *     for ir in [0,mc) step MR      the A sliver (MR x kc) comes from L2
 *       kernel(tile ir, jr)
 *
 * Before each kernel call it prefetches the C tile of the next call
 * (whose loads would otherwise stall the start of that call), and each
 * call prefetches one row of the next A block, which would otherwise be
 * read from memory during the next (serial) packing step, and 1/ni of
 * the B panel after its own, the memory just past it: the next panel,
 * or, after the last one, whatever follows B, which for keys and values
 * packed end to end (run.c) is the next key block.  Without it the
 * first tile on each panel waits for memory: the attention streams
 * every key block from DRAM once per query block, and a measured
 * 96 x 64 x 256 product over 64 MiB of packed keys ran about 15% slower
 * than from cache; with it, about 3% (Zen 5, AVX-512, throwaway bench).
 * The address is formed as an integer: it may lie past B's end.
 */
GK_FN void GK_(macro)(size_t mc, size_t nc, size_t kc,
    const GK_T *restrict ap, const GK_T *restrict bp, size_t bstride,
    GK_T *restrict C, size_t ldc, int load, const struct GK_(next) *nx,
    const struct GK_(epi) *ep)
{
	size_t ni = (mc + GK_MR - 1) / GK_MR;
	size_t lines = kc * GK_NR * sizeof(GK_T) / 64, per = lines / ni + 1;

	for (size_t j = 0; j < nc; j += GK_NR) {
		size_t nr = GK_MIN(nc - j, GK_NR);
		const GK_T *b = bp + j / GK_NR * bstride;
		uintptr_t bn = (uintptr_t)b + bstride * sizeof(GK_T);

		for (size_t i = 0; i < mc; i += GK_MR) {
			size_t mr = GK_MIN(mc - i, GK_MR);
			const GK_T *a = ap + i * kc;
			GK_T *c = C + i * ldc + j, *cn = NULL;
			size_t t = j / GK_NR * ni + i / GK_MR;
			size_t rn = 0, cl = nr, npf = 0, l0 = i / GK_MR * per;
			const GK_T *pf = a;

			if (t < nx->rows) {
				pf = nx->a + t * nx->lda;
				npf = nx->cols;
			}
			/* The next tile: below, or atop the next panel. */
			if (i + GK_MR < mc) {
				cn = c + GK_MR * ldc;
				rn = GK_MIN(mc - i - GK_MR, GK_MR);
			} else if (j + GK_NR < nc) {
				cn = C + j + GK_NR;
				rn = GK_MIN(mc, GK_MR);
				cl = GK_MIN(nc - j - GK_NR, GK_NR);
			}
			for (size_t r = 0; r < rn; r++) {
				__builtin_prefetch(cn + r * ldc, 1, 3);
				__builtin_prefetch(cn + r * ldc + cl - 1, 1, 3);
			}
			struct GK_(epi) te, *tp = NULL;

			if (ep != NULL) {	/* rows i .. of the block */
				te.scale = ep->scale;
				te.mx = ep->mx + i * GK_VL;
				tp = &te;
			}
			if (mr == GK_MR && nr == GK_NR && tp != NULL)
				GK_(kernel_max)(kc, a, kc, b, c, ldc, load, pf,
				    npf, (const char *)(bn + l0 * 64), l0 < lines ?
				    GK_MIN(per, lines - l0) : 0, tp->scale,
				    tp->mx);
			else if (mr == GK_MR && nr == GK_NR)
				GK_(kernel)(kc, a, kc, b, c, ldc, load, pf,
				    npf, (const char *)(bn + l0 * 64), l0 < lines ?
				    GK_MIN(per, lines - l0) : 0);
			else
				GK_(kernel_edge)(kc, a, kc, b, c, ldc, load, mr,
				    nr, pf, npf, tp);
		}
	}
}

/* Round n up to a multiple of GK_MR / GK_NR. */
#define GK_RUPM(n) (((n) + GK_MR - 1) / GK_MR * GK_MR)
#define GK_RUPN(n) (((n) + GK_NR - 1) / GK_NR * GK_NR)

/* Elements of the packed A block for an (n, k) A. */
static size_t GK_(ablk)(size_t n, size_t k)
{
	return (n < GK_MC ? GK_RUPM(n) : GK_MC) * GK_MIN(k, GK_KC);
}

/* Elements of one packed KC x NC block of B (k, m), for gemm_nn/nt. */
static size_t GK_(bblk)(size_t k, size_t m)
{
	return GK_MIN(k, GK_KC) * (m < GK_NC ? GK_RUPN(m) : GK_NC);
}

/* Panels of k x NR, rounded up to a whole number of ALIGN bytes (at
 * least one): packed matrices laid end to end stay aligned. */
static size_t GK_(packed_size)(size_t k, size_t m)
{
	size_t r, q = ALIGN / sizeof(GK_T);

	if (mul_ovf(m / GK_NR + (m % GK_NR != 0), GK_NR, &r) ||
	    mul_ovf(r, k, &r) || r > SIZE_MAX - q)
		return 0;
	return r / q * q + q;
}

/* The A block, then (gemm_nn/nt; none for m = 0) the B block, each
 * aligned to ALIGN bytes.  Bounded by the block sizes: no overflow. */
static size_t GK_(work_size)(size_t n, size_t k, size_t m)
{
	return GK_(ablk)(n, k) + GK_(bblk)(k, m) + 2 * ALIGN / sizeof(GK_T);
}

/* Whole B (all k rows in each panel): panel stride k*NR; rows p0 ..
 * p0+kr-1 of it (at B) go to row p0 of every panel. */
GK_FN void GK_(pack_b_rows)(size_t k, size_t m, size_t p0, size_t kr,
    const GK_T *B, size_t ldb, GK_T *Bp)
{
	GK_(pack_bn)(kr, m, B, ldb, Bp + p0 * GK_NR, k * GK_NR);
}

GK_FN void GK_(pack_bt)(size_t k, size_t m, const GK_T *Bt, size_t ldb,
    GK_T *Bp)
{
	GK_(pack_bt_blk)(k, m, Bt, ldb, Bp, k * GK_NR);
}

/* Set *nx to the source of the A block packed after block (jc, pc, ic)
 * in the loop order of gemm_packed and gemm_nn/nt below. */
static void GK_(next_a)(struct GK_(next) *nx, const GK_T *A, size_t lda,
    size_t n, size_t k, size_t m, size_t jc, size_t pc, size_t ic)
{
	nx->a = A;
	nx->rows = nx->cols = 0;
	nx->lda = lda;
	if (ic + GK_MC < n) {
		ic += GK_MC;
	} else if (pc + GK_KC < k) {
		ic = 0;
		pc += GK_KC;
	} else if (jc + GK_NC < m) {
		ic = pc = 0;
	} else {
		return;
	}
	nx->a = A + ic * lda + pc;
	nx->rows = GK_MIN(n - ic, GK_MC);
	nx->cols = GK_MIN(k - pc, GK_KC);
}

/*
 * C (n,m) (+)= A (n,k) . B (k,m).  B is either pre-packed whole (Bp, by
 * pack_b/pack_bt of ldb >= k rows, of which the first k are used: panel
 * q of a k block at Bp + q*ldb*NR + pc*NR, a panel's rows NR apart), or,
 * when Bp is NULL, packed here block by block from B (row stride ldb;
 * bt: given as (m,k)) into the workspace after the A block.
 *
 *   for jc in [0,m) step NC           B columns; the KC x NC block in L3
 *     for pc in [0,k) step KC         k blocks, in increasing order: the
 *                                     kernel carries partial sums in C
 *       [pack B block (pc, jc)]
 *       for ic in [0,n) step MC       pack A block (ic, pc), into L2
 *         macro(C block (ic, jc))
 */
GK_FN void GK_(gemm)(size_t n, size_t k, size_t m, const GK_T *A,
    size_t lda, const GK_T *Bp, const GK_T *B, size_t ldb, int bt,
    GK_T *C, size_t ldc, enum gemm_acc acc, GK_T *work,
    const struct GK_(epi) *ep)
{
	GK_T *ap = align_ptr(work), *bw = NULL;

	if (Bp == NULL)
		bw = align_ptr(ap + GK_(ablk)(n, k));
	if (ep != NULL) {
		/* a vector of -inf a row: GCC at -O2 left the loop of single
		 * stores (n·VL a call, once per key block of the scores) */
		GK_(vec) ninf;

		for (size_t l = 0; l < GK_VL; l++)
			ninf[l] = -(GK_T)__builtin_inf();
		for (size_t i = 0; i < n; i++)
			memcpy(ep->mx + i * GK_VL, &ninf, sizeof ninf);
	}

	for (size_t jc = 0; jc < m; jc += GK_NC) {
		size_t nc = GK_MIN(m - jc, GK_NC);

		for (size_t pc = 0; pc < k; pc += GK_KC) {
			size_t kc = GK_MIN(k - pc, GK_KC);
			/* the kernel's load: acc's value (0 from 0, 1 from
			 * C, 2 added to C) in the first k block, then 1 */
			int load = pc > 0 ? 1 : (int)acc;
			const GK_T *bp;
			size_t bstride;

			if (Bp != NULL) {
				bp = Bp + jc * ldb + pc * GK_NR;
				bstride = ldb * GK_NR;
			} else {
				if (bt)
					GK_(pack_bt_blk)(kc, nc,
					    B + jc * ldb + pc, ldb, bw,
					    kc * GK_NR);
				else
					GK_(pack_bn)(kc, nc, B + pc * ldb + jc,
					    ldb, bw, kc * GK_NR);
				bp = bw;
				bstride = kc * GK_NR;
			}
			for (size_t ic = 0; ic < n; ic += GK_MC) {
				size_t mc = GK_MIN(n - ic, GK_MC);
				struct GK_(next) nx;

				/* A already in the packed layout (one k block,
				 * rows kc apart, whole slivers: the score block
				 * of P.V) is used in place */
				const GK_T *a = A + ic * lda + pc;

				if (!(lda == kc && mc % GK_MR == 0)) {
					GK_(pack_a)(mc, kc, a, lda, ap);
					a = ap;
				}
				struct GK_(epi) be, *bep = NULL;

				if (ep != NULL && pc + kc == k) {
					/* the last k block: the sums are whole */
					be.scale = ep->scale;
					be.mx = ep->mx + ic * GK_VL;
					bep = &be;
				}
				GK_(next_a)(&nx, A, lda, n, k, m, jc, pc, ic);
				GK_(macro)(mc, nc, kc, a, bp, bstride,
				    C + ic * ldc + jc, ldc, load, &nx, bep);
			}
		}
	}
}

/* kb: the rows B was packed with (>= k; gemm_packed_top) */
GK_FN void GK_(packed)(size_t n, size_t k, size_t kb, size_t m,
    const GK_T *A, size_t lda, const GK_T *Bp, GK_T *C, size_t ldc,
    enum gemm_acc acc, GK_T *work)
{
	GK_(gemm)(n, k, m, A, lda, Bp, NULL, kb, 0, C, ldc, acc, work, NULL);
}

GK_FN void GK_(nn)(size_t n, size_t k, size_t m, const GK_T *A, size_t lda,
    const GK_T *B, size_t ldb, GK_T *C, size_t ldc, enum gemm_acc acc,
    GK_T *work)
{
	GK_(gemm)(n, k, m, A, lda, NULL, B, ldb, 0, C, ldc, acc, work, NULL);
}

GK_FN void GK_(nt)(size_t n, size_t k, size_t m, const GK_T *A, size_t lda,
    const GK_T *Bt, size_t ldb, GK_T *C, size_t ldc, enum gemm_acc acc,
    GK_T *work)
{
	GK_(gemm)(n, k, m, A, lda, NULL, Bt, ldb, 1, C, ldc, acc, work, NULL);
}

/* C (n,m) = (A (n,k) . B (k,m))·scale, B packed whole, and mx[i] the
 * largest C[i,j] that is not NaN (gemm.h), GK_MAX_ROWS rows at a time
 * (their lanes of maxima on the stack). */
GK_FN void GK_(packed_max)(size_t n, size_t k, size_t m, const GK_T *A,
    size_t lda, const GK_T *Bp, GK_T *C, size_t ldc, GK_T scale, GK_T *mx,
    GK_T *work)
{
	GK_T lanes[GK_MAX_ROWS * GK_VL];
	struct GK_(epi) ep = { scale, lanes };

	if (k == 0 || m == 0) {
		/* no product: sums of 0, and no column in a row of none */
		for (size_t i = 0; i < n; i++) {
			mx[i] = -(GK_T)__builtin_inf();
			for (size_t j = 0; j < m; j++) {
				C[i * ldc + j] = 0 * scale;
				if (C[i * ldc + j] > mx[i])
					mx[i] = C[i * ldc + j];
			}
		}
		return;
	}
	for (size_t i0 = 0; i0 < n; i0 += GK_MAX_ROWS) {
		size_t nr = GK_MIN(n - i0, GK_MAX_ROWS);

		GK_(gemm)(nr, k, m, A + i0 * lda, lda, Bp, NULL, k, 0,
		    C + i0 * ldc, ldc, GEMM_OVERWRITE, work, &ep);
		for (size_t i = 0; i < nr; i++) {
			GK_T *l = lanes + i * GK_VL;	/* none is NaN */

			/* halves folded onto each other: fixed widths,
			 * which the compiler does in vectors */
#pragma GCC unroll 8
			for (int w = GK_VL / 2; w >= 1; w /= 2)
#pragma GCC unroll 16
				for (int q = 0; q < w; q++)
					l[q] = l[q + w] > l[q] ? l[q + w] : l[q];
			mx[i0 + i] = l[0];
		}
	}
}

/*
 * C (n,m) += A (n,k) . B (k,m), B packed whole (pack_b/pack_bt), leaving
 * out every term whose element of A is zero:
 *
 *   c = c + A[i,p]*B[p,j]   for p = 0..k-1 with A[i,p] != 0
 *
 * each step rounded as in the kernel (fused with GK_FMAFN).  For a B
 * that may hold infinities or NaNs, where 0*inf would make a NaN of a
 * term that is not there (attention: a key of weight 0).  With a finite
 * B the numbers are the kernel's, but for the sign of a zero.  A plain
 * loop, for the rare blocks that need it.
 */
GK_FN void GK_(packed_nz)(size_t n, size_t k, size_t m, const GK_T *A,
    size_t lda, const GK_T *Bp, GK_T *C, size_t ldc)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m; j++) {
			const GK_T *a = A + i * lda;
			const GK_T *b = Bp + j / GK_NR * k * GK_NR + j % GK_NR;
			GK_T c = C[i * ldc + j];

			for (size_t p = 0; p < k; p++)
				if (a[p] != 0)
#ifdef GK_FMAFN
					c = GK_FMAFN(a[p], b[p * GK_NR], c);
#else
					c = c + a[p] * b[p * GK_NR];
#endif
			C[i * ldc + j] = c;
		}
}

static const GK_OPS GK_(ops) = {
	GK_MR, GK_NR, GK_KC, GK_MC, GK_NC,
	GK_(packed_size), GK_(work_size), GK_(pack_b_rows), GK_(pack_bt),
	GK_(packed), GK_(nn), GK_(nt), GK_(packed_nz), GK_(packed_max)
};

#undef GK_CAT2
#undef GK_CAT
#undef GK_
#undef GK_NV
#undef GK_FN
#undef GK_MIN
#undef GK_MAX_ROWS
#undef GK_RUPM
#undef GK_RUPN
#undef GK_T
#undef GK_VL
#undef GK_MR
#undef GK_NR
#undef GK_KC
#undef GK_MC
#undef GK_NC
#undef GK_FMAFN
#undef GK_VMAXFN
#undef GK_PB_STEP
#undef GK_ITYPE
#undef GK_TARGET
#undef GK_SFX
#undef GK_OPS
