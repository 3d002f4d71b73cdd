/*
 * attn_tmpl.h - the attention kernels, written once and included by
 * attn.c for each element type and ISA level, with:
 *	T	double or float
 *	F(x)	x with this instance's suffix
 *	TARGET	the function attribute of the ISA level (or nothing)
 *	FMA(a, b, c)	a*b + c, fused where the level has FMA
 *	GEMM(x)	gemm_x or gemm_f32_x, called at level ISA (gemm.h)
 *	EXPF	the scalar libm exp for T
 *	T_EXP_*, T_TANH_*	the constants of the vector exp and tanh
 *		for T (in attn.c)
 *
 * Shapes: a query block Q (nq, dk), key block K_b (bc, dk), value block
 * V_b (bc, dv), score block S (nq, bc), output block O (nq, dv).
 */

/* exp(v), the body of the vector loops below (inlined into each, so the
 * compiler vectorises them).
 * exp(x) = 2^k · exp(r), k = round(x / ln 2), r = x - k·ln 2 in
 * [-ln2/2, ln2/2], ln 2 split in a high part with trailing zero bits
 * (k·hi is exact) and a low part (Cody and Waite).  exp(r) is a
 * polynomial (T_EXP_C, attn.c) whose error is far below half an ulp
 * on that interval; Horner adds about one ulp.  2^k is built from
 * exponent bits in two halves, 2^k1 · 2^k2, so that results near
 * overflow and subnormal results need no branch; k1 = round(k/2) comes
 * from the same rounding trick as k, so no arithmetic shift of 64-bit
 * lanes is needed (AVX2 has none).  x is clamped first so k stays in
 * range: below the clamp exp underflows to 0, above it overflows to
 * inf; NaN fails both comparisons and propagates.  No branch. */
static inline TARGET __attribute__((always_inline)) T
F(exp1)(T v)
{
	T t, k, t1, r, p, s1, s2;
	T_INT ki, k1, k2;
	T_UINT b1, b2;
	int c;

	const int z = v < T_EXP_LO;	/* +0, see below */

	/* below T_EXP_LO (-inf: a hidden key) the result is +0: computed
	 * from 0 instead, and replaced at the end, since the underflow of
	 * p·2^k (subnormal or 0) takes a microcode assist on Intel CPUs:
	 * an exp of -inf took 13 ns where others take 0.7 (Sapphire
	 * Rapids, AVX-512, and as much at AVX2): a tenth of (a) of the
	 * bench with -c, a quarter of it with --window 256 */
	v = z ? 0 : v;
	v = v > T_EXP_HI ? T_EXP_HI : v;
	/* round to nearest: adding 1.5·2^(mantissa bits) leaves k in the
	 * low bits of t */
	t = FMA(v, T_LOG2E, T_ROUND);
	k = t - T_ROUND;
	t1 = FMA(k, (T)0.5, T_ROUND);
	memcpy(&ki, &t, sizeof ki);
	memcpy(&k1, &t1, sizeof k1);
	ki -= T_ROUND_BITS;
	k1 -= T_ROUND_BITS;
	k2 = ki - k1;
	r = FMA(-k, T_LN2_LO, FMA(-k, T_LN2_HI, v));
	p = T_EXP_C[T_EXP_DEG];
#pragma GCC unroll 16
	for (c = T_EXP_DEG - 1; c >= 0; c--)
		p = FMA(p, r, T_EXP_C[c]);
	b1 = (T_UINT)(k1 + T_BIAS) << T_MANT;
	b2 = (T_UINT)(k2 + T_BIAS) << T_MANT;
	memcpy(&s1, &b1, sizeof s1);
	memcpy(&s2, &b2, sizeof s2);
	return z ? 0 : p * s1 * s2;
}

/* tanh(v), the body of the vector loops of the additive scores and the
 * soft-cap (inlined into each, like exp1).  With a = |v|, z = a²:
 *	a < 0.625:	tanh a = a + a·z·P(z)/Q(z)
 *	a >= 0.625:	tanh a = 1 - 2/(exp(2a) + 1)
 * and tanh v = sign(v)·tanh a.  P/Q is Cephes' rational (T_TANH_P,
 * T_TANH_Q in attn.c; Q = 1 for float): 5e-18 relative error in
 * double, 9e-9 in float.
 * Why each part:
 * - Near 0, 1 - 2/(e^2a + 1) cancels catastrophically (1 - 0.999..);
 *   the rational gives a + a·r with |r| <= 0.12, so r's rounding
 *   errors reach the result scaled down by 8 and there is no
 *   cancellation.  For a < 2^-27 (2^-12 in float) a·r is below half an
 *   ulp of a, so tanh v = v exactly, subnormals included.
 * - From 0.625 on, y = 2/(e^2a + 1) <= 0.45, so 1 - y loses nothing:
 *   the errors of exp (1 ulp) and of the division reach the result
 *   scaled by y/(1 - y) <= 0.81.  2a is exact.  For large a exp
 *   overflows to inf (exp1 clamps first), y = 0 and the result is 1
 *   exactly, ±inf included; it rounds to 1 already from a ~ 19 (9 in
 *   float).
 * - One division serves both sides: the numerator and denominator are
 *   selected first (z·P, Q or 2, e + 1), so the side not taken, which
 *   may be inf/inf, never reaches the result.  Both sides are always
 *   computed and blended: no branch, so the loops vectorise.
 * - The sign is taken off and put back as a bit: tanh(-0) = -0, and
 *   the result is odd exactly.  NaN fails a < 0.625, goes through exp1,
 *   which propagates it, and comes out NaN. */
static inline TARGET __attribute__((always_inline)) T
F(tanh1)(T v)
{
	T a, z, e, num, den, q, r;
	T_UINT b, sign;
	int small;

	memcpy(&b, &v, sizeof b);
	sign = b & T_SIGN;
	b ^= sign;
	memcpy(&a, &b, sizeof a);
	z = a * a;
	small = a < T_TANH_SMALL;
	e = F(exp1)(a + a);
	num = small ? z * T_TANH_P(z) : (T)2;
	den = small ? T_TANH_Q(z) : e + 1;
	q = num / den;
	r = small ? FMA(a, q, a) : 1 - q;
	memcpy(&b, &r, sizeof b);
	b |= sign;
	memcpy(&r, &b, sizeof r);
	return r;
}

/* x[j] = tanh(x[j]), j < n. */
static TARGET void
F(vtanh)(void *xv, size_t n)
{
	T *x = xv;
	size_t j;

	for (j = 0; j < n; j++)
		x[j] = F(tanh1)(x[j]);
}

/* Y (n, c) = X (n, k) · W + b; W packed (k, c), b (c) or NULL. */
static TARGET void
F(linear)(size_t n, size_t k, size_t c, const void *X, size_t ldx,
    const void *Wp, const double *b, void *Y, size_t ldy, void *work)
{
	T *y = Y;
	size_t i, j;

	GEMM(packed)(ISA, n, k, c, X, ldx, Wp, Y, ldy, GEMM_OVERWRITE, work);
	if (b == NULL)
		return;
	for (i = 0; i < n; i++)
		for (j = 0; j < c; j++)
			y[i * ldy + j] += (T)b[j];
}

/* x'_t = x_t·cos θ_t - x_{t+h}·sin θ_t, x'_{t+h} = x_{t+h}·cos θ_t +
 * x_t·sin θ_t for t < h: h = d/2 and θ_t = pos·base^(-2t/d), or h = nf
 * and θ_t = pos·freq[t] (the rest unrotated): angles in double,
 * whatever T. */
static TARGET void
F(rope)(size_t n, size_t d, void *Xv, size_t ldx, long long pos0,
    double base, const double *freq, size_t nf)
{
	T *X = Xv;
	size_t i, t, half = freq != NULL ? nf : d / 2;

	for (i = 0; i < n; i++) {
		T *x = X + i * ldx;
		double pos = (double)(pos0 + (long long)i);

		for (t = 0; t < half; t++) {
			double th = freq != NULL ? pos * freq[t] :
			    pos / pow(base, (double)(2 * t) / (double)d);
			double c = cos(th), s = sin(th);
			double a = (double)x[t], b = (double)x[t + half];

			x[t] = (T)(a * c - b * s);
			x[t + half] = (T)(b * c + a * s);
		}
	}
}

static TARGET void
F(from_double)(size_t n, const double *x, void *y)
{
	T *t = y;
	size_t i;

	for (i = 0; i < n; i++)
		t[i] = (T)x[i];
}

static TARGET void
F(to_double)(size_t n, const void *x, double *y)
{
	const T *t = x;
	size_t i;

	for (i = 0; i < n; i++)
		y[i] = (double)t[i];
}

/* The keys [jlo, jhi) that query rows i0 .. i0+nq-1 may see at all
 * under the key range and the causal and window masks (the other masks
 * are per element).  Returns 0 if there are none. */
static int
F(visible)(const struct attn_mask *mk, size_t i0, size_t nq, size_t *jlo,
    size_t *jhi)
{
	long long first = (long long)i0 + mk->shift;	/* aligned row i0 */
	long long last = first + (long long)nq - 1;
	long long lo = (long long)mk->klo, hi = (long long)mk->khi;

	if (mk->causal && last + 1 < hi)
		hi = last + 1;
	if (mk->window >= 0) {
		if (first - mk->window > lo)
			lo = first - mk->window;
		if (last + mk->wright + 1 < hi)
			hi = last + mk->wright + 1;
	}
	if (lo >= hi)
		return 0;
	*jlo = (size_t)lo;
	*jhi = (size_t)hi;
	return 1;
}

/* Is a byte of a[0 .. n-1] nonzero?  Eight at a time. */
static int
F(any_set)(const unsigned char *a, size_t n)
{
	uint64_t w, any = 0;
	size_t j;

	for (j = 0; n - j >= 8; j += 8) {
		memcpy(&w, a + j, sizeof w);
		any |= w;
	}
	for (; j < n; j++)
		any |= a[j];
	return any != 0;
}

/* Does a row i0 .. i0+nq-1 of --mask hold, among keys j0 .. j0+bc-1, a
 * byte that is nonzero (v 1) or zero (v 0)?  The bytes are 0 and 1; a
 * row's side by side are read eight at a time, or by memchr (a byte a
 * key, with a test each, took 0.17 s of (a) of the bench given a causal
 * mask as a matrix, where -c had no such pass). */
static int
F(mask_has)(const struct attn_mask *mk, size_t i0, size_t nq, size_t j0,
    size_t bc, int v)
{
	size_t i, n = mk->callow ? bc : 1;

	for (i = 0; i < nq; i++) {
		const unsigned char *a = mk->allow + (i0 + i) * mk->ldallow +
		    j0 * mk->callow;

		if (v ? F(any_set)(a, n) : memchr(a, 0, n) != NULL)
			return 1;
		if (mk->ldallow == 0)	/* one row for every query */
			break;
	}
	return 0;
}

/* Does --mask hide every key jb .. jb+bc-1 from every row i0 ..
 * i0+nq-1?  Then block() and weights() skip the block, as they skip
 * those outside the rows' window: its scores would all be -inf
 * whatever Q and K give them, and it would add nothing (a causal mask
 * given as a matrix then skips the blocks -c skips).  A -inf --bias is
 * not skipped: a NaN score plus -inf is NaN, as in PyTorch. */
static int
F(masked_out)(const struct attn_mask *mk, size_t i0, size_t nq, size_t jb,
    size_t bc)
{
	return mk->allow != NULL && !F(mask_has)(mk, i0, nq, jb, bc, 1);
}

/* Do the masks hide nothing in the block of rows i0 .. i0+nq-1 and keys
 * j0 .. j0+bc-1 (nq, bc >= 1)?  Causal and window: every i + shift - j
 * of the block, from dmin (last key, first row) to dmax (first key, last
 * row), within [0 (causal), ..] and [-wright, window]; the key range,
 * key padding and --mask: every key of the block let through.  Then
 * scores() takes the products' own path (scale and maxima as they are
 * stored), the block of a causal run below its diagonal as the block
 * of a run without masks: (a) of the bench with -c had cost as much as
 * without, its per-element test of i - j a fifth of the time. */
static int
F(unmasked)(const struct attn_mask *mk, size_t i0, size_t nq, size_t j0,
    size_t bc)
{
	long long first = (long long)i0 + mk->shift;
	long long dmin = first - (long long)(j0 + bc - 1);
	long long dmax = first + (long long)(nq - 1) - (long long)j0;

	if ((mk->causal && dmin < 0) || (mk->window >= 0 && (dmax >
	    mk->window || -dmin > mk->wright)) || mk->klo > j0 || mk->khi <
	    j0 + bc || (mk->kpad != NULL && F(any_set)(mk->kpad + j0, bc)))
		return 0;
	return mk->allow == NULL || !F(mask_has)(mk, i0, nq, j0, bc, 0);
}

/* The width of block()'s copy of the queries: dk where gemm_packed can
 * use them in place (dk <= ATTN_BC, within one k block at every level),
 * else none (the copy would not be used, and dk may be huge). */
#ifndef QCOPY
#define QCOPY(h) ((h)->dk <= ATTN_BC ? (h)->dk : 0)
#endif

static size_t
F(work_size)(const struct attn_head *h)
{
	size_t k = h->dk > ATTN_BC ? h->dk : ATTN_BC;
	size_t g = GEMM(work_size)(ISA, ATTN_BR, k, 0);
	size_t s = (size_t)ATTN_BR * (ATTN_BC + QCOPY(h)), a = 0, o;

	/* br·dv, saturated as below */
	o = h->dv > (SIZE_MAX - s) / h->br ? SIZE_MAX - s : h->br * h->dv;
	s += o;

	/* ATTN_BC·da, saturated: da comes from Ua, and a count that
	 * wrapped round would size a small buffer */
	if (h->additive)
		a = h->da > (SIZE_MAX - s) / ATTN_BC ? SIZE_MAX - s :
		    (size_t)ATTN_BC * h->da;
	/* S block, a copy of the query block and a block's P·V (block()),
	 * then the workspace of gemm_packed (m = 0: any width) or the
	 * transposed ka of the additive scores (scores()), not needed at
	 * the same time */
	g = g > a ? g : a;
	return g > SIZE_MAX - s ? SIZE_MAX : s + g;
}

/* See attn.h: the empty state. */
static TARGET void
F(begin)(size_t nq, size_t dv, void *Mv, void *Lv, void *Ov, size_t ldo)
{
	T *M = Mv, *L = Lv, *O = Ov;
	size_t i, j;

	for (i = 0; i < nq; i++) {
		M[i] = -(T)INFINITY;
		L[i] = 0;
		for (j = 0; j < dv; j++)
			O[i * ldo + j] = 0;
	}
}

/* Vectors of the level's width, VL elements, and qk()'s ATTN_QR query
 * rows side by side in QK_NQ vectors of QK_QV elements: one vector
 * where the level's are that wide, else QK_NQ of the level's width.  (A
 * vector type wider than the registers is legal C for GCC, but it split
 * one through the stack: AVX2's f64 qk() ran at an eighth of the speed
 * of its f32.)  Lane-wise FMA() loops on them compile to vector FMAs, as
 * in gemm_kern.h. */
typedef T F(vec) __attribute__((vector_size(VBYTES)));
typedef double F(dvec) __attribute__((vector_size(VBYTES / sizeof(T) *
    sizeof(double))));		/* a vector's lanes as doubles */
#define VL (VBYTES / (int)sizeof(T))
#define QK_QV (VL < ATTN_QR ? VL : ATTN_QR)
#define QK_NQ (ATTN_QR / QK_QV)
typedef T F(qvec) __attribute__((vector_size(QK_QV * sizeof(T))));

/* s·x + a, lane by lane, FMA() each (a small function of its own: the
 * compiler then makes it one vector FMA, where written inline in a loop
 * nest it may not). */
static inline TARGET __attribute__((always_inline)) F(vec)
F(vfma)(T s, F(vec) x, F(vec) a)
{
	F(vec) r;
	int l;

#pragma GCC unroll 16
	for (l = 0; l < VL; l++)
		r[l] = FMA(s, x[l], a[l]);
	return r;
}

/* The same for a vector of QK_QV elements.  (Returned by value: GCC
 * then vectorises it where by pointer it did not, in float.) */
static inline TARGET __attribute__((always_inline)) F(qvec)
F(qfma)(T s, F(qvec) x, F(qvec) a)
{
	F(qvec) r;
	int l;

#pragma GCC unroll 16
	for (l = 0; l < QK_QV; l++)
		r[l] = FMA(s, x[l], a[l]);
	return r;
}

/* Eight partial results side by side, combined in a fixed order: the
 * sums do not depend on the vector width. */
#define LANES 8

/* Vector lanes as bits, and a lane-wise select: m ? a : b, m all ones
 * or all zeros in each lane (a comparison's result).  (Written with
 * bits: clang has no ?: on vectors in C.) */
typedef T_INT F(ivec) __attribute__((vector_size(VBYTES)));
typedef T_UINT F(uvec) __attribute__((vector_size(VBYTES)));
typedef unsigned char F(bvec) __attribute__((vector_size(VBYTES /
    sizeof(T))));		/* a byte a lane: masks */

static inline TARGET __attribute__((always_inline)) F(vec)
F(vsel)(F(ivec) m, F(vec) a, F(vec) b)
{
	F(ivec) ia, ib;

	memcpy(&ia, &a, sizeof ia);
	memcpy(&ib, &b, sizeof ib);
	ia = (ia & m) | (ib & ~m);
	memcpy(&a, &ia, sizeof a);
	return a;
}

/* c in every lane. */
static inline TARGET __attribute__((always_inline)) F(vec)
F(vbc)(T c)
{
	F(vec) r;
	int l;

#pragma GCC unroll 16
	for (l = 0; l < VL; l++)
		r[l] = c;
	return r;
}

/* a·b + c lane by lane, c a constant: one vector FMA.  At the AVX-512
 * and AVX2 levels written as the intrinsic: from the lane loop, GCC 12
 * laid out expv()'s Horner steps one vector's whole chain after
 * another, with spills, not EXP_NU chains step by step, and the exp ran
 * about 20% slower (perf of case (c), Zen 5 with AVX-512; the same in
 * AVX2 on Zen 3; the same bits either way). */
static inline TARGET __attribute__((always_inline)) F(vec)
F(vfmac)(F(vec) a, F(vec) b, T c)
{
#ifdef X512
	return (F(vec))X512_FMA((X512_VEC)a, (X512_VEC)b, X512_SET1(c));
#elif defined(X256)
	return (F(vec))X256_FMA((X256_VEC)a, (X256_VEC)b, X256_SET1(c));
#else
	F(vec) r;
	int l;

#pragma GCC unroll 16
	for (l = 0; l < VL; l++)
		r[l] = FMA(a[l], b[l], c);
	return r;
#endif
}

/* Three steps that AVX-512 does in one instruction each (X512,
 * attn_isa.h), with the same results as the code of the other levels:
 * vmax(x, m), vmin(x, m): x > m ? x : m (x < m ? x : m), lane by lane:
 * m where x is NaN, as vmaxpd and vminpd return their second operand
 * when either is NaN.
 * vldexp(p, t): p·2^k, k = t - T_ROUND (t from exp1's rounding trick,
 * k in its low bits), as exp1 makes it: p·2^k1 is exact (p is near 1,
 * k1 = round(k/2)), so p·2^k1·2^k2 is the single rounding of p·2^k,
 * subnormal and overflowing ends included, which vscalefpd gives at
 * once. */
#ifdef X512
static inline TARGET __attribute__((always_inline)) F(vec)
F(vmax)(F(vec) x, F(vec) m)
{
	return (F(vec))X512_MAX((X512_VEC)x, (X512_VEC)m);
}

static inline TARGET __attribute__((always_inline)) F(vec)
F(vmin)(F(vec) x, F(vec) m)
{
	return (F(vec))X512_MIN((X512_VEC)x, (X512_VEC)m);
}

static inline TARGET __attribute__((always_inline)) F(vec)
F(vldexp)(F(vec) p, F(vec) t)
{
	return (F(vec))X512_SCALEF((X512_VEC)p, (X512_VEC)(t - T_ROUND));
}
#else
static inline TARGET __attribute__((always_inline)) F(vec)
F(vmax)(F(vec) x, F(vec) m)
{
#ifdef X256
	return (F(vec))X256_MAX((X256_VEC)x, (X256_VEC)m);
#else
	return F(vsel)(x > m, x, m);
#endif
}

static inline TARGET __attribute__((always_inline)) F(vec)
F(vmin)(F(vec) x, F(vec) m)
{
#ifdef X256
	return (F(vec))X256_MIN((X256_VEC)x, (X256_VEC)m);
#else
	return F(vsel)(x < m, x, m);
#endif
}

static inline TARGET __attribute__((always_inline)) F(vec)
F(vldexp)(F(vec) p, F(vec) t)
{
	F(vec) t1, s1, s2;
	F(ivec) ki, k1;
	F(uvec) b1, b2;

	/* k1 = round(k/2) by the same trick, k2 = k - k1 (in ki) */
	t1 = F(vfmac)(t - T_ROUND, F(vbc)((T)0.5), T_ROUND);
	memcpy(&ki, &t, sizeof ki);
	memcpy(&k1, &t1, sizeof k1);
	ki -= T_ROUND_BITS;
	k1 -= T_ROUND_BITS;
	ki -= k1;
	memcpy(&b1, &k1, sizeof b1);
	memcpy(&b2, &ki, sizeof b2);
	b1 = (b1 + T_BIAS) << T_MANT;
	b2 = (b2 + T_BIAS) << T_MANT;
	memcpy(&s1, &b1, sizeof s1);
	memcpy(&s2, &b2, sizeof s2);
	return p * s1 * s2;
}
#endif

/* s[j] = -inf where the byte a[j] is nonzero (on 1: key padding) or
 * zero (on 0: --mask), j < n, a vector of lanes at a time (a branch a
 * key, mispredicted on every other key of a random mask, took (a) of
 * the bench with a mask of half zeros to 2.8 s, where a -inf --bias in
 * the same places took 1.3). */
static inline TARGET __attribute__((always_inline)) void
F(hide)(T *s, const unsigned char *a, size_t n, int on)
{
	F(bvec) b;
	F(ivec) m;
	F(vec) x;
	size_t j;

	for (j = 0; n - j >= (size_t)VL; j += VL) {
		memcpy(&b, a + j, sizeof b);
		memcpy(&x, s + j, sizeof x);
		m = __builtin_convertvector(b, F(ivec)) != 0;
		x = F(vsel)(on ? m : ~m, F(vbc)(-(T)INFINITY), x);
		memcpy(s + j, &x, sizeof x);
	}
	for (; j < n; j++)
		s[j] = (a[j] != 0) == on ? -(T)INFINITY : s[j];
}

/* s[j] -= sl·|d - j|, j < n, d = i + shift - j0: ALiBi's term, except
 * where d - j = 0, whose term is 0 whatever the slope (an infinite one,
 * given or a float's overflow, gave inf·0 = NaN, where the term is the
 * limit, the diagonal alone).  The distances are integers, computed in
 * T a vector at a time where every one is exact (below 2^53, or 2^24
 * in float), else a key at a time, each integer rounded once to T: one
 * key at a time throughout, the conversion took 3.7 ns a score, (a) of
 * the bench with --alibi 1.67 s against 1.18. */
static inline TARGET __attribute__((always_inline)) void
F(alibi)(T *s, size_t n, long long d, T sl)
{
	F(vec) io, x, t;
	F(ivec) m;
	size_t j = 0;
	int l;

	for (l = 0; l < VL; l++)
		io[l] = (T)l;
	if ((unsigned long long)(d < 0 ? -d : d) + n < (sizeof(T) ==
	    sizeof(double) ? 1ULL << 53 : 1ULL << 24))
		for (; n - j >= (size_t)VL; j += VL) {
			/* d - j - l, exact */
			t = F(vbc)((T)(d - (long long)j)) - io;
			m = t != F(vbc)(0);
			memcpy(&x, s + j, sizeof x);
			t = F(vsel)(t < F(vbc)(0), -t, t);
			x = F(vsel)(m, x - F(vbc)(sl) * t, x);
			memcpy(s + j, &x, sizeof x);
		}
	for (; j < n; j++) {
		long long e = d - (long long)j;

		if (e != 0)
			s[j] -= sl * (T)(e < 0 ? -e : e);
	}
}

/* s[j] *= scale if scale is not 1, then returns the largest s[j] that
 * is not NaN, -inf if there is none (n == 0 included): one pass over
 * the row for both.  Four vectors of partial maxima, since a maximum is
 * a chain of a few cycles that one vector would wait on.  Which of +0
 * and -0 comes out may depend on the width; nothing downstream tells
 * them apart (s - m, exp(m - m')).  NaN is left to the callers: a NaN
 * score makes its exp, and so its row's sum, NaN. */
static TARGET T
F(rowmax)(T *s, size_t n, T scale)
{
	F(vec) mx[4], x;
	T r = -(T)INFINITY;
	size_t j;
	int l, u;

	for (u = 0; u < 4; u++)
		mx[u] = F(vbc)(-(T)INFINITY);
	for (j = 0; n - j >= (size_t)(4 * VL); j += 4 * VL)
#pragma GCC unroll 4
		for (u = 0; u < 4; u++) {
			memcpy(&x, s + j + (size_t)u * VL, sizeof x);
			if (scale != 1) {
				x *= scale;
				memcpy(s + j + (size_t)u * VL, &x, sizeof x);
			}
			mx[u] = F(vmax)(x, mx[u]);
		}
	for (; n - j >= (size_t)VL; j += VL) {
		memcpy(&x, s + j, sizeof x);
		if (scale != 1) {
			x *= scale;
			memcpy(s + j, &x, sizeof x);
		}
		mx[0] = F(vmax)(x, mx[0]);
	}
	for (u = 1; u < 4; u++)
		mx[0] = F(vmax)(mx[u], mx[0]);
	for (l = 0; l < VL; l++)
		r = mx[0][l] > r ? mx[0][l] : r;
	for (; j < n; j++) {
		if (scale != 1)
			s[j] *= scale;
		r = s[j] > r ? s[j] : r;
	}
	return r;
}

/* Scores of rows i0 .. i0+nq-1 against the key block packed at kp (keys
 * j0 .. j0+bc-1): S (nq, bc), ld ATTN_BC.  In this order: (q·k)·scale,
 * the soft-cap C·tanh(s/C), + add, - alibi·|i + shift - j|, then hidden
 * ones -inf (the sinks come in end()).  kp NULL: S holds Q·K_bᵀ
 * already (qk()).  Additive scores instead of q·k: per element,
 *	s = 0;  for t = 0 .. da-1 in order:  s = s + va_t·tanh(qa_t + ka_jt)
 * the product and the sum each rounded (no fusion), tanh the vector
 * tanh1.  The block's ka is transposed into work (da, ATTN_BC) so that
 * the innermost loop runs over keys j, side by side in vectors; each
 * element's sum is still its own, in the order above, so nothing
 * depends on the vector width or on which rows share the call.
 * mx non-NULL: mx[i] = the largest score of row i that is not NaN: when
 * nothing comes after the scale, from the register tiles of the product
 * as they are stored, scaled (gemm_packed_max: case (c) of the bench
 * ran 1-2% faster than with rowmax()'s pass over the block, Zen 5), else by
 * rowmax() in the pass that scales, or after the last step. */
static TARGET void
F(scores)(const struct attn_head *h, size_t i0, size_t nq, const T *Q,
    size_t ldq, size_t j0, size_t bc, const T *kp, T *S, T *work, T *mx)
{
	const struct attn_mask *mk = &h->mask;
	const T scale = (T)h->scale;
	size_t i, j;
	/* only the scale, in every row */
	const int plain = h->softcap <= 0 && mk->add == NULL &&
	    h->alibi == 0 && F(unmasked)(mk, i0, nq, j0, bc);

	if (h->additive) {
		/* s_ij = sum_t va_t·tanh(qa_it + ka_jt), t in order */
		const T *ka = (const T *)h->ka + j0 * h->da;
		size_t t;

		for (j = 0; j < bc; j++)
			for (t = 0; t < h->da; t++)
				work[t * ATTN_BC + j] = ka[j * h->da + t];
		for (i = 0; i < nq; i++) {
			T *restrict s = S + i * ATTN_BC;

			for (j = 0; j < bc; j++)
				s[j] = 0;
			for (t = 0; t < h->da; t++) {
				const T q = Q[i * ldq + t], v = (T)h->va[t];
				const T *restrict k = work + t * ATTN_BC;

				for (j = 0; j < bc; j++)
					s[j] += v * F(tanh1)(q + k[j]);
			}
		}
		(void)kp;
	} else if (kp != NULL && plain && mx != NULL) {
		/* the scale and the maxima as the products are stored */
		GEMM(packed_max)(ISA, nq, h->dk, bc, Q, ldq, kp, S, ATTN_BC, scale,
		    mx, work);
		return;
	} else if (kp != NULL)
		GEMM(packed)(ISA, nq, h->dk, bc, Q, ldq, kp, S, ATTN_BC,
		    GEMM_OVERWRITE, work);
	for (i = 0; i < nq; i++) {
		T *s = S + i * ATTN_BC;
		long long ai = (long long)(i0 + i) + mk->shift;

		if (plain && mx != NULL) {
			mx[i] = F(rowmax)(s, bc, scale);
			continue;
		}
		for (j = 0; j < bc; j++)
			s[j] *= scale;
		if (plain)	/* (weights(): mx NULL) nothing else to do */
			continue;
		if (h->softcap > 0) {
			const T c = (T)h->softcap;

			for (j = 0; j < bc; j++)
				s[j] = c * F(tanh1)(s[j] / c);
		}
		if (mk->add != NULL) {
			const double *a = mk->add + (i0 + i) * mk->ldadd + j0 *
			    mk->cadd;

			if (mk->cadd != 0)
				for (j = 0; j < bc; j++)
					s[j] += (T)a[j];
			else	/* one column for every key */
				for (j = 0; j < bc; j++)
					s[j] += (T)a[0];
		}
		if (h->alibi != 0)
			F(alibi)(s, bc, ai - (long long)j0, (T)h->alibi);
		if (mk->allow != NULL) {
			const unsigned char *a = mk->allow +
			    (i0 + i) * mk->ldallow + j0 * mk->callow;

			if (mk->callow != 0)
				F(hide)(s, a, bc, 0);
			else if (!a[0])	/* one column for every key */
				for (j = 0; j < bc; j++)
					s[j] = -(T)INFINITY;
		}
		if (mk->kpad != NULL)
			F(hide)(s, mk->kpad + j0, bc, 1);
		for (j = 0; j < bc && j0 + j < mk->klo; j++)
			s[j] = -(T)INFINITY;
		for (j = mk->khi > j0 ? mk->khi - j0 : 0; j < bc; j++)
			s[j] = -(T)INFINITY;
		if (mk->causal || mk->window >= 0) {
			/* the keys in reach, j0 + j in [lo, hi): ai - j
			 * >= 0 (causal) and in [-wright, window] */
			long long lo = 0, hi = (long long)bc;
			long long a = ai - (long long)j0;	/* i - j0 */

			if (mk->causal && a + 1 < hi)
				hi = a + 1;
			if (mk->window >= 0) {
				lo = a - mk->window > lo ? a - mk->window : lo;
				if (a + mk->wright + 1 < hi)
					hi = a + mk->wright + 1;
			}
			if (hi < lo)
				hi = lo;
			for (j = 0; (long long)j < lo && j < bc; j++)
				s[j] = -(T)INFINITY;
			for (j = hi > 0 ? (size_t)hi : 0; j < bc; j++)
				s[j] = -(T)INFINITY;
		}
		if (mx != NULL)
			mx[i] = F(rowmax)(s, bc, 1);
	}
}

/* Vectors side by side in expv(): exp1 is one chain of about twenty
 * dependent operations, most of them FMAs of several cycles' latency.
 * Loop iterations one vector apiece leave the out-of-order window with
 * too few independent operations to keep the FMA units busy; EXP_NU
 * vectors advanced step by step together give each step EXP_NU of them
 * (in a throwaway bench, AVX-512 on Zen 5, the exp of a row in L1 ran
 * about 1.4 times faster with 8; the whole of case (a), 2-4% faster). */
#define EXP_NU 8

/* LANES consecutive elements, the unit of expsum()'s sum, as LV_N
 * vectors of LV_W: one where the level's vectors are that wide, else
 * several of the level's width (GCC moved a vector wider than the
 * registers through the stack, and general registers, at each add). */
#define LV_W (VL < LANES ? VL : LANES)
#define LV_N (LANES / LV_W)
typedef T F(lvec) __attribute__((vector_size(LV_W * sizeof(T))));
_Static_assert(EXP_NU * VL % LANES == 0, "expv's runs are whole LANES");

/* p·2^k, t as in vldexp(), for a k and a product known to be normal
 * numbers (|x| <= T_EXP_NRM in exp1): one multiplication by 2^k, where
 * vldexp() takes two by halves of it and builds both; the same bits,
 * as no step rounds. */
static inline TARGET __attribute__((always_inline)) F(vec)
F(vscale)(F(vec) p, F(vec) t)
{
	F(ivec) ki;
	F(uvec) b;
	F(vec) s;

	memcpy(&ki, &t, sizeof ki);
	ki -= T_ROUND_BITS - T_BIAS;	/* k + bias */
	memcpy(&b, &ki, sizeof b);
	b <<= T_MANT;
	memcpy(&s, &b, sizeof s);
	return p * s;
}

/* Is every lane of the EXP_NU vectors v >= -T_EXP_NRM, and with hi
 * also <= T_EXP_NRM?  No for a NaN, whose comparisons are false.  At
 * the AVX2 level the lanes of the mask are tested in one movemask: the
 * lane loop became two extracts, two moves and three ANDs through
 * general registers, and the exp of a run in L1 took 7-9% longer
 * (throwaway bench, Zen 3: 0.96 ns a double at best against 0.90, in
 * float 0.45 against 0.41). */
static inline TARGET __attribute__((always_inline)) int
F(normal)(const F(vec) v[EXP_NU], int hi)
{
	F(ivec) m = v[0] == v[0];
	int u;

#pragma GCC unroll 16
	for (u = 0; u < EXP_NU; u++) {
		m &= v[u] >= F(vbc)(-T_EXP_NRM);
		if (hi)
			m &= v[u] <= F(vbc)(T_EXP_NRM);
	}
#ifdef X256
	return X256_MOVEMASK((X256_VEC)m) == (1 << VL) - 1;
#else
	T_INT a = -1;
	int l;

#pragma GCC unroll 16
	for (l = 0; l < VL; l++)
		a &= m[l];
	return a != 0;
#endif
}

#ifdef X512
/* Is a lane of the EXP_NU vectors v below T_EXP_LO?  In mask registers
 * (written as a lane loop, GCC spread the mask into a vector and took
 * its lanes out one by one). */
static inline TARGET __attribute__((always_inline)) int
F(anylow)(const F(vec) v[EXP_NU])
{
	unsigned m = 0;
	int u;

#pragma GCC unroll 16
	for (u = 0; u < EXP_NU; u++)
		m |= X512_LTMASK((X512_VEC)v[u], X512_SET1(T_EXP_LO));
	return m != 0;
}
#endif

/* exp1 of the EXP_NU vectors v, into s.  nrm (a constant where
 * inlined): 1, v in the range of normal(): exp1's clamps change nothing
 * and vscale() replaces vldexp(); 2, no lane below T_EXP_LO (anylow()):
 * the selects of +0 left out; 0, every step of exp1. */
static inline TARGET __attribute__((always_inline)) void
F(expgrp)(T *s, F(vec) v[EXP_NU], int hi, int nrm)
{
	F(vec) t[EXP_NU], p[EXP_NU], k;
	F(ivec) z[EXP_NU];
	int u, c;

#pragma GCC unroll 16
	for (u = 0; u < EXP_NU; u++) {
		if (nrm == 0) {
			/* the clamps of exp1, NaN staying: below T_EXP_LO
			 * (-inf, a hidden key) the lane is computed from
			 * +0 and set to +0 at the end (z), as exp1 does */
			z[u] = v[u] < F(vbc)(T_EXP_LO);
			v[u] = F(vsel)(z[u], F(vbc)(0), v[u]);
		}
		if (nrm != 1 && hi)
			v[u] = F(vmin)(F(vbc)(T_EXP_HI), v[u]);
		/* k = round(v / ln 2) */
		t[u] = F(vfmac)(v[u], F(vbc)(T_LOG2E), T_ROUND);
		k = t[u] - T_ROUND;
		/* r = FMA(-k, LN2_LO, FMA(-k, LN2_HI, v)), in v */
		v[u] = F(vfma)(-T_LN2_HI, k, v[u]);
		v[u] = F(vfma)(-T_LN2_LO, k, v[u]);
		p[u] = F(vbc)(T_EXP_C[T_EXP_DEG]);
	}
	/* the polynomial in r, Horner as in exp1 */
#pragma GCC unroll 16
	for (c = T_EXP_DEG - 1; c >= 0; c--)
#pragma GCC unroll 16
		for (u = 0; u < EXP_NU; u++)
			p[u] = F(vfmac)(p[u], v[u], T_EXP_C[c]);
#pragma GCC unroll 16
	for (u = 0; u < EXP_NU; u++) {
		p[u] = nrm == 1 ? F(vscale)(p[u], t[u]) : F(vldexp)(p[u], t[u]);
		if (nrm == 0)
			p[u] = F(vsel)(z[u], F(vbc)(0), p[u]);
		memcpy(s + (size_t)u * VL, &p[u], sizeof p[u]);
	}
}

/* s[j] = exp1(s[j] - mx), j < n, EXP_NU vectors at a time: each
 * element gets exp1's operations exactly, so the same bits, except that
 * with hi 0 exp1's clamp at T_EXP_HI is left out (for arguments known
 * to be <= 0 or NaN, where it changes nothing).  Below AVX-512 (whose
 * vldexp is one instruction), a run of arguments all in the normal
 * range, the rule in a softmax, takes expgrp()'s shorter way (AVX2,
 * double: 266 instructions for 8 vectors against 348); at AVX-512 a run
 * with no argument below T_EXP_LO (no hidden key) leaves out the two
 * selects a vector of +0 takes (a throwaway bench of vexp over 256
 * doubles in L1, Zen 5: 0.396 ns a double at best against 0.416, the
 * same bits).  sum non-NULL:
 * the results are also added, LANES consecutive ones at a time, to sum,
 * in the order of j, as they are written (no second pass over s), up to
 * the last multiple of EXP_NU·VL <= n; returns where that ends. */
static inline TARGET __attribute__((always_inline)) size_t
F(expv)(T *s, size_t n, T mx, int hi, F(lvec) sum[LV_N])
{
	size_t j, e;
	int u;

	for (j = 0; n - j >= (size_t)(EXP_NU * VL); j += EXP_NU * VL) {
		F(vec) v[EXP_NU];

#pragma GCC unroll 16
		for (u = 0; u < EXP_NU; u++) {
			memcpy(&v[u], s + j + (size_t)u * VL, sizeof v[u]);
			v[u] = v[u] - mx;
		}
#ifndef X512
		if (F(normal)(v, hi))
			F(expgrp)(s + j, v, hi, 1);
		else
#else
		if (!F(anylow)(v))
			F(expgrp)(s + j, v, hi, 2);
		else
#endif
			F(expgrp)(s + j, v, hi, 0);
		if (sum != NULL)
#pragma GCC unroll 16
			for (e = j; e < j + EXP_NU * VL; e += LV_W) {
				F(lvec) x;

				memcpy(&x, s + e, sizeof x);
				sum[e / LV_W % LV_N] += x;
			}
	}
	e = j;
	for (; j < n; j++)
		s[j] = F(exp1)(s[j] - mx);
	return e;
}

/* x[j] = exp(x[j]), j < n. */
static TARGET void
F(vexp)(void *x, size_t n)
{
	F(expv)(x, n, 0, 1, NULL);
}

/* s[j] = exp(s[j] - mx); returns the sum, in LANES lanes, j in order
 * within each, the lanes then added in order.  s[j] <= mx (block()
 * passes the row's maximum), so s[j] - mx is <= 0 or NaN; but with mx
 * T_MAX (the cap of a maximum that is +inf), s[j] may be +inf, whose
 * exp is +inf only with exp1's clamp at T_EXP_HI (hi): F(expsum_big). */
static inline TARGET __attribute__((always_inline)) T
F(expsum_hi)(T *s, size_t n, T mx, int hi)
{
	F(lvec) acc[LV_N];	/* lane l at acc[l / LV_W][l % LV_W] */
	T r = 0;
	size_t j;
	int l;

	for (l = 0; l < LV_N; l++)
		acc[l] = (F(lvec)){ 0 };
	j = F(expv)(s, n, mx, hi, acc);
	for (; j + LANES <= n; j += LANES)
		for (l = 0; l < LANES; l++)
			acc[l / LV_W][l % LV_W] += s[j + l];
	for (; j < n; j++)
		acc[0][0] += s[j];
	for (l = 0; l < LANES; l++)
		r += acc[l / LV_W][l % LV_W];
	return r;
}

static TARGET T
F(expsum)(T *s, size_t n, T mx)
{
	return F(expsum_hi)(s, n, mx, 0);
}

static TARGET __attribute__((noinline)) T
F(expsum_big)(T *s, size_t n, T mx)
{
	return F(expsum_hi)(s, n, mx, 1);
}

/* Keys at a time in qk(): QK_KJ keys by ATTN_QR query rows of partial
 * sums in registers, enough chains in flight to hide the FMA latency:
 * 12 vectors where a level has 16 registers (so 12 FMAs for the QK_NQ
 * loads of a row of QT and QK_KJ broadcasts of the keys), 8 keys with
 * AVX-512. */
#define QK_KJ (VACC == 12 ? 12 / QK_NQ : 8)

/* Element e of keys or values given as T, or (dbl) as double whatever
 * T: converted as it is loaded, the very number a conversion of the
 * rows beforehand would give (float decoding reads the double key/value
 * cache without a pass that converts it). */
#define KV_AT(X, e) (dbl ? (T)((const double *)(X))[e] : \
	((const T *)(X))[e])

/* qk_tile()'s doubles converted a vector at a time: KV_CV elements of
 * a key, one register of doubles, into as many T (a scalar conversion
 * and broadcast per element cost float decoding 0.14 s of 0.34 of user
 * time against double's, Intel Sapphire Rapids, AVX-512, bench (g) on
 * one thread).  The same roundings: each element converted once. */
#define KV_CV (VBYTES / (int)sizeof(double))
typedef double F(cvd) __attribute__((vector_size(VBYTES)));
typedef T F(cvt) __attribute__((vector_size(KV_CV * sizeof(T))));

/* kj keys from element e of K, rows ldk apart, against the first
 * nq·QK_QV rows of QT (dk, ATTN_QR): out[jj·ATTN_QR + r] = sum_p
 * k_jj,p · QT[p, r], each sum over p in order, FMA from +0.  kj and nq
 * are constants once inlined, kj·nq <= QK_KJ·QK_NQ: the kj x nq partial
 * sums stay in registers, and row p of QT is loaded in whole vectors
 * (copied as narrower pieces, it was stored and loaded back through the
 * stack). */
static inline TARGET __attribute__((always_inline)) void
F(qk_tile)(int kj, int nq, size_t dk, const T *QT, const void *K,
    size_t e, size_t ldk, T *out, int dbl)
{
	F(qvec) a[QK_KJ * QK_NQ][QK_NQ], qt[QK_NQ];
	size_t p;
	int jj, v;

#pragma GCC unroll 16
	for (jj = 0; jj < kj; jj++)
#pragma GCC unroll 16
		for (v = 0; v < nq; v++)
			a[jj][v] = (F(qvec)){ 0 };
	p = 0;
	/* doubles (dbl): KV_CV elements of each of the kj keys converted
	 * into kt, then the same steps as below, p in order */
	for (; dbl && p + KV_CV <= dk; p += KV_CV) {
		T kt[QK_KJ * QK_NQ][KV_CV];
		int pp;

#pragma GCC unroll 16
		for (jj = 0; jj < kj; jj++) {
			F(cvd) kd;
			F(cvt) kf;

			memcpy(&kd, (const double *)K + e + jj * ldk + p,
			    sizeof kd);
			kf = __builtin_convertvector(kd, F(cvt));
			memcpy(kt[jj], &kf, sizeof kf);
		}
		/* kt through memory: kept in registers, each element
		 * took a lane permute (one port on Intel) where a
		 * broadcast from L1 takes a load port (user time 0.24
		 * s against 0.20, as above) */
		__asm__ ("" : : "r"(kt) : "memory");
#pragma GCC unroll 8
		for (pp = 0; pp < KV_CV; pp++) {
#pragma GCC unroll 16
			for (v = 0; v < nq; v++)
				memcpy(&qt[v], QT + (p + pp) * ATTN_QR +
				    v * QK_QV, sizeof qt[v]);
#pragma GCC unroll 16
			for (jj = 0; jj < kj; jj++)
#pragma GCC unroll 16
				for (v = 0; v < nq; v++)
					a[jj][v] = F(qfma)(kt[jj][pp], qt[v],
					    a[jj][v]);
		}
	}
	for (; p < dk; p++) {
#pragma GCC unroll 16
		for (v = 0; v < nq; v++)
			memcpy(&qt[v], QT + p * ATTN_QR + v * QK_QV,
			    sizeof qt[v]);
#pragma GCC unroll 16
		for (jj = 0; jj < kj; jj++) {
			T k = KV_AT(K, e + jj * ldk + p);

#pragma GCC unroll 16
			for (v = 0; v < nq; v++)
				a[jj][v] = F(qfma)(k, qt[v], a[jj][v]);
		}
	}
#pragma GCC unroll 16
	for (jj = 0; jj < kj; jj++)
#pragma GCC unroll 16
		for (v = 0; v < nq; v++)
			memcpy(out + jj * ATTN_QR + v * QK_QV, &a[jj][v],
			    sizeof a[jj][v]);
}

/* See attn.h: QT, ATTN_QR rows of q at a time transposed, (dk,
 * ATTN_QR) each, zero past R. */
static TARGET void
F(qk_prep)(size_t R, size_t dk, const void *const *q, void *QTv)
{
	T *QT = QTv;
	size_t r0, p, r;

	for (r0 = 0; r0 < R; r0 += ATTN_QR, QT += dk * ATTN_QR)
		for (p = 0; p < dk; p++)
			for (r = 0; r < ATTN_QR; r++)
				QT[p * ATTN_QR + r] = r0 + r < R ?
				    ((const T *)q[r0 + r])[p] : 0;
}

#if defined(X512) && defined(X512_QK4)
/* Float, AVX-512, at most 4 rows of QT (a key head's query heads when
 * one query is decoded): qk_tile()'s vectors of ATTN_QR rows would be
 * half empty, an FMA a key and element.  Here a 16-lane vector holds 4
 * keys by the 4 rows instead, lane l key l/4 and row l%4: a quarter of
 * the FMAs, each key vector built by one two-source permute (vpermt2ps)
 * from 8 elements of 4 keys loaded (and converted, dbl) together.  The
 * same sums, p in order, FMA from +0.
 * QK4_Q quads a tile: 16 keys.  (qk() alone, 4 rows against 128 keys of
 * 128 doubles 2 KiB apart, in L2, Zen 5: 16.7 ns a key against 35-40
 * in qk_tile(); 32 keys, 24-31 ns: their 16 key vectors, 8 sums and 8
 * permute indices are more than the 32 registers, and spill.  Doubles,
 * 2 keys by 4 rows a vector the same way, gained nothing: 22 ns a key
 * either way.) */
#define QK4 1
#define QK4_K 4			/* keys a vector */
#define QK4_Q 4			/* key vectors a tile */
#define QK4_P 8			/* elements of a key a step */
#define QK4_ZERO _mm512_setzero_ps
#define QK4_ST _mm512_storeu_ps
typedef __m512 F(q4v);

/* Elements p .. p+np-1 of a key row k (np <= 8) as 8 floats, zeros past
 * np (a masked load: nothing read past the row). */
static inline TARGET __attribute__((always_inline)) __m256
F(qk4_ld)(const void *k, size_t p, int np, int dbl)
{
	if (dbl)
		return _mm512_cvtpd_ps(np == 8 ? _mm512_loadu_pd((const double *)
		    k + p) : _mm512_maskz_loadu_pd((__mmask8)((1u << np) - 1),
		    (const double *)k + p));
	return _mm512_castps512_ps256(np == 8 ?
	    _mm512_castps256_ps512(_mm256_loadu_ps((const float *)k + p)) :
	    _mm512_maskz_loadu_ps((__mmask16)((1u << np) - 1),
	    (const float *)k + p));
}

/* np (<= 8) steps of p of nq quads of keys kr[] (kr[4t .. 4t+3] quad
 * t) into a[t]: lane l += k_{4t+l/4, p} · QT[p, l%4]. */
static inline TARGET __attribute__((always_inline)) void
F(qk4_steps)(int nq, int np, size_t p, const T *QT, const void *const *kr,
    __m512 *a, int dbl)
{
	__m512 kv[2 * QK4_Q], q;
	/* lane l takes element pp of key l/4: keys 0, 1 from the first
	 * source, 2, 3 from the second (lanes 16-31 of the pair) */
	const __m512i base = _mm512_set_epi32(24, 24, 24, 24, 16, 16, 16,
	    16, 8, 8, 8, 8, 0, 0, 0, 0);
	int c, t, pp;

#pragma GCC unroll 16
	for (c = 0; c < 2 * nq; c++) {
		__m256 lo = F(qk4_ld)(kr[2 * c], p, np, dbl);
		__m256 hi = F(qk4_ld)(kr[2 * c + 1], p, np, dbl);

		kv[c] = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(
		    _mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));
	}
#pragma GCC unroll 8
	for (pp = 0; pp < np; pp++) {
		__m512i ix = _mm512_add_epi32(base, _mm512_set1_epi32(pp));

		q = _mm512_broadcast_f32x4(_mm_loadu_ps(QT + (p + pp) *
		    ATTN_QR));
#pragma GCC unroll 16
		for (t = 0; t < nq; t++)
			a[t] = _mm512_fmadd_ps(_mm512_permutex2var_ps(kv[2 * t],
			    ix, kv[2 * t + 1]), q, a[t]);
	}
}

#elif defined(X256) && defined(X256_QK4)
/* The same at AVX2: 2 keys by the 4 rows in an 8-lane vector, lane l
 * key l/4 and row l%4, built by one in-lane shuffle (vpermilps) from 4
 * elements of the 2 keys loaded (and converted, dbl) together: half
 * the FMAs of qk_tile(), whose 8-lane vectors of ATTN_QR rows would be
 * half empty.  QK4_Q pairs a tile: 6 sums and 6 key vectors of the 16
 * registers.  (qk() alone as above, this level on the Zen 5: 21-22 ns
 * a key against 44.5 in qk_tile(); bench (g) n = 1 in f32, medians of
 * 7 alternated runs, 0.166 s against 0.191 on two threads, 0.308
 * against 0.354 on one.) */
#define QK4 1
#define QK4_K 2
#define QK4_Q 6
#define QK4_P 4
#define QK4_ZERO _mm256_setzero_ps
#define QK4_ST _mm256_storeu_ps
typedef __m256 F(q4v);

/* Elements p .. p+np-1 of key row k (np <= 4) as 4 floats, zeros past
 * np (masked loads: nothing read past the row). */
static inline TARGET __attribute__((always_inline)) __m128
F(qk4_ld)(const void *k, size_t p, int np, int dbl)
{
	const __m128i lane = _mm_set_epi32(3, 2, 1, 0);
	__m128i m = _mm_cmpgt_epi32(_mm_set1_epi32(np), lane);

	if (dbl)
		return _mm256_cvtpd_ps(np == 4 ? _mm256_loadu_pd((const double *)
		    k + p) : _mm256_maskload_pd((const double *)k + p,
		    _mm256_cvtepi32_epi64(m)));
	return np == 4 ? _mm_loadu_ps((const float *)k + p) :
	    _mm_maskload_ps((const float *)k + p, m);
}

/* np (<= 4) steps of p of nq pairs of keys kr[] into a[t]: lane l +=
 * k_{2t+l/4, p} · QT[p, l%4]. */
static inline TARGET __attribute__((always_inline)) void
F(qk4_steps)(int nq, int np, size_t p, const T *QT, const void *const *kr,
    __m256 *a, int dbl)
{
	__m256 kv[QK4_Q], q, k;
	int t, pp;

#pragma GCC unroll 16
	for (t = 0; t < nq; t++)
		kv[t] = _mm256_insertf128_ps(_mm256_castps128_ps256(
		    F(qk4_ld)(kr[2 * t], p, np, dbl)), F(qk4_ld)(kr[2 * t +
		    1], p, np, dbl), 1);
#pragma GCC unroll 4
	for (pp = 0; pp < np; pp++) {
		q = _mm256_broadcast_ps((const __m128 *)(const void *)(QT +
		    (p + pp) * ATTN_QR));
#pragma GCC unroll 16
		for (t = 0; t < nq; t++) {
			/* element pp of each 128-bit lane, in all 4 */
			switch (pp) {
			case 0: k = _mm256_permute_ps(kv[t], 0x00); break;
			case 1: k = _mm256_permute_ps(kv[t], 0x55); break;
			case 2: k = _mm256_permute_ps(kv[t], 0xaa); break;
			default: k = _mm256_permute_ps(kv[t], 0xff); break;
			}
			a[t] = _mm256_fmadd_ps(k, q, a[t]);
		}
	}
}

#endif

#ifdef QK4
/* nq key vectors from key j of K (bc keys, rows ldk apart; keys past bc
 * repeat key bc-1, their sums not used) against rows 0..3 of QT (dk,
 * ATTN_QR): out[VL·t + l] = key j + QK4_K·t + l/4, row l%4. */
static inline TARGET __attribute__((always_inline)) void
F(qk4_tile)(int nq, size_t dk, size_t bc, const T *QT, const void *K,
    size_t j, size_t ldk, T *out, int dbl)
{
	F(q4v) a[QK4_Q];
	const void *kr[QK4_K * QK4_Q];
	size_t p, e;
	int c, t;

	for (c = 0; c < QK4_K * nq; c++) {
		e = (j + (size_t)c < bc ? j + (size_t)c : bc - 1) * ldk;
		kr[c] = dbl ? (const void *)((const double *)K + e) :
		    (const void *)((const T *)K + e);
	}
#pragma GCC unroll 16
	for (t = 0; t < nq; t++)
		a[t] = QK4_ZERO();
	for (p = 0; p + QK4_P <= dk; p += QK4_P)
		F(qk4_steps)(nq, QK4_P, p, QT, kr, a, dbl);
	if (p < dk)
		F(qk4_steps)(nq, (int)(dk - p), p, QT, kr, a, dbl);
#pragma GCC unroll 16
	for (t = 0; t < nq; t++)
		QK4_ST(out + VL * t, a[t]);
}

/* S (nr, bc) lds, nr <= 4: qk4_tile() on QK4_Q key vectors at a time,
 * then single ones. */
static inline TARGET __attribute__((always_inline)) void
F(qk4)(size_t nr, size_t dk, size_t bc, const T *QT, const void *K,
    size_t ldk, T *S, size_t lds, int dbl)
{
	T out[VL * QK4_Q];
	size_t j, c, n, r;

	for (j = 0; j < bc; j += n) {
		if (bc - j >= QK4_K * QK4_Q) {
			n = QK4_K * QK4_Q;
			F(qk4_tile)(QK4_Q, dk, bc, QT, K, j, ldk, out, dbl);
		} else {
			n = bc - j < QK4_K ? bc - j : QK4_K;
			F(qk4_tile)(1, dk, bc, QT, K, j, ldk, out, dbl);
		}
		for (c = 0; c < n; c++)
			for (r = 0; r < nr; r++)
				S[r * lds + j + c] = out[4 * c + r];
	}
}
#endif

/* See attn.h: S (R, bc) lds = q_r·k_j, R query rows against keys read
 * in place, ATTN_QR rows at a time from QT (qk_prep()), so that QK_KJ
 * keys by ATTN_QR rows of partial sums sit in registers: for each p,
 * k_jp broadcast times row p of QT.  Each sum runs over p in order, s =
 * FMA(k_p, q_p, s) from +0, which is gemm.h's s = FMA(q_p, k_p, s):
 * products commute exactly.  (Inlined twice, dbl 0 and 1, so that
 * neither pays for the other's loads.) */
static inline TARGET __attribute__((always_inline)) void
F(qk_in)(size_t R, size_t dk, size_t bc, const T *QT, const void *K,
    size_t ldk, void *Sv, size_t lds, int dbl)
{
	T *S = Sv, out[QK_KJ * QK_NQ * ATTN_QR];
	size_t r0, nr, r, j;
	int jj, kj;

	for (r0 = 0; r0 < R; r0 += ATTN_QR, QT += dk * ATTN_QR) {
		nr = R - r0 < ATTN_QR ? R - r0 : ATTN_QR;
#ifdef QK4
		if (nr <= 4) {
			F(qk4)(nr, dk, bc, QT, K, ldk, S + r0 * lds, lds, dbl);
			continue;
		}
#endif
		for (j = 0; j < bc; j += (size_t)kj) {
			/* QK_KJ keys at a time, the last ones 4 at a time,
			 * then singly; rows that fill one vector (a key
			 * head's query heads when decoding one query, AVX2
			 * double) in QK_NQ times as many keys, not in
			 * vectors of zeros */
			if (QK_NQ > 1 && nr <= QK_QV && bc - j >= QK_KJ *
			    QK_NQ) {
				kj = QK_KJ * QK_NQ;
				F(qk_tile)(QK_KJ * QK_NQ, 1, dk, QT, K, j * ldk,
				    ldk, out, dbl);
			} else if (bc - j >= QK_KJ) {
				kj = QK_KJ;
				F(qk_tile)(QK_KJ, QK_NQ, dk, QT, K, j * ldk,
				    ldk, out, dbl);
			} else if (QK_KJ > 4 && bc - j >= 4) {
				/* the last keys 4 at a time: one at a time,
				 * each key's sums are chains of dk FMAs, each
				 * waiting out the latency of the one before
				 * (4 cycles where 2 FMAs issue a cycle: AVX2,
				 * double, the 4 keys a piece of 64 leaves
				 * cost as much as 32 keys in the tiles; 4 at
				 * a time, as 8) */
				kj = 4;
				if (QK_NQ > 1 && nr <= QK_QV)
					F(qk_tile)(4, 1, dk, QT, K, j * ldk,
					    ldk, out, dbl);
				else
					F(qk_tile)(4, QK_NQ, dk, QT, K, j * ldk,
					    ldk, out, dbl);
			} else {
				kj = 1;
				F(qk_tile)(1, QK_NQ, dk, QT, K, j * ldk, ldk,
				    out, dbl);
			}
			for (jj = 0; jj < kj; jj++)
				for (r = 0; r < nr; r++)
					S[(r0 + r) * lds + j + jj] =
					    out[jj * ATTN_QR + r];
		}
	}
}

static TARGET void
F(qk)(size_t R, size_t dk, size_t bc, const void *QT, const void *K,
    size_t ldk, int dbl, void *S, size_t lds)
{
	if (dbl && sizeof(T) != sizeof(double))
		F(qk_in)(R, dk, bc, QT, K, ldk, S, lds, 1);
	else
		F(qk_in)(R, dk, bc, QT, K, ldk, S, lds, 0);
}

#define PV_RG 4			/* rows of pv() sharing each value load */
#define PV_TW (VACC / PV_RG)	/* vectors of columns a row: PV_RG·PV_TW
				 * partial sums in registers */

/* Columns t .. t+nv·VL of the nr rows O[r] += P[r] · V, nr <= PV_RG and
 * nv <= PV_TW (constants once inlined): the partial sums stay in
 * registers over all j while the value rows stream by, each loaded
 * once for the nr rows; each o = FMA(p_j, v_j, o), j in order. */
static inline TARGET __attribute__((always_inline)) void
F(pv_tile)(int nr, int nv, size_t bc, const T *const *P, const void *V,
    size_t ldv, T *const *O, size_t t, int dbl)
{
	F(vec) a[PV_RG][PV_TW], x[PV_TW];
	F(dvec) xd;
	size_t j;
	int rr, v;

#pragma GCC unroll 16
	for (rr = 0; rr < nr; rr++)
#pragma GCC unroll 16
		for (v = 0; v < nv; v++)
			memcpy(&a[rr][v], O[rr] + t + v * VL, sizeof a[rr][v]);
	for (j = 0; j < bc; j++) {
#pragma GCC unroll 16
		for (v = 0; v < nv; v++)
			if (dbl) {
				memcpy(&xd, (const double *)V + j * ldv + t +
				    v * VL, sizeof xd);
				x[v] = __builtin_convertvector(xd, F(vec));
			} else
				memcpy(&x[v], (const T *)V + j * ldv + t + v *
				    VL, sizeof x[v]);
#pragma GCC unroll 16
		for (rr = 0; rr < nr; rr++)
#pragma GCC unroll 16
			for (v = 0; v < nv; v++)
				a[rr][v] = F(vfma)(P[rr][j], x[v], a[rr][v]);
	}
#pragma GCC unroll 16
	for (rr = 0; rr < nr; rr++)
#pragma GCC unroll 16
		for (v = 0; v < nv; v++)
			memcpy(O[rr] + t + v * VL, &a[rr][v], sizeof a[rr][v]);
}

/* Columns c0 .. c1-1 of the nr rows O[r] += P[r] · V, one element at a
 * time, in pv_tile's order, leaving out the p_j = 0: the columns past
 * the vectors, and the slow path of pv_tile0. */
static TARGET __attribute__((noinline)) void
F(pv_nz)(int nr, size_t c0, size_t c1, size_t bc, const T *const *P,
    const void *V, size_t ldv, T *const *O, int dbl)
{
	size_t j, c;
	int rr;

	for (rr = 0; rr < nr; rr++)
		for (c = c0; c < c1; c++)
			for (j = 0; j < bc; j++)
				if (P[rr][j] != 0)
					O[rr][c] = FMA(P[rr][j], KV_AT(V, j *
					    ldv + c), O[rr][c]);
}

/* pv_tile such that a key of weight 0 adds nothing, not 0·inf = NaN.
 * Only an infinite or NaN value tells the two apart, and it leaves a
 * sum that is not finite: so the tile is summed without looking at the
 * weights, and again from a copy of O, leaving out the p_j = 0, only if
 * a sum comes out infinite or NaN (x - x is 0 for finite x). */
static inline TARGET __attribute__((always_inline)) void
F(pv_tile0)(int nr, int nv, size_t bc, const T *const *P, const void *V,
    size_t ldv, T *const *O, size_t t, int dbl)
{
	T o0[PV_RG][PV_TW * VL], bad = 0;
	F(vec) x, acc = { 0 };
	int rr, v, l;

	for (rr = 0; rr < nr; rr++)
		memcpy(o0[rr], O[rr] + t, (size_t)nv * VL * sizeof(T));
	F(pv_tile)(nr, nv, bc, P, V, ldv, O, t, dbl);
	/* in vectors, not one chain of nr·nv·VL dependent additions */
#pragma GCC unroll 16
	for (rr = 0; rr < nr; rr++)
#pragma GCC unroll 16
		for (v = 0; v < nv; v++) {
			memcpy(&x, O[rr] + t + v * VL, sizeof x);
			acc += x - x;
		}
#pragma GCC unroll 16
	for (l = 0; l < VL; l++)
		bad += acc[l];
	if (bad == 0)
		return;
	for (rr = 0; rr < nr; rr++)
		memcpy(O[rr] + t, o0[rr], (size_t)nv * VL * sizeof(T));
	F(pv_nz)(nr, t, t + (size_t)nv * VL, bc, P, V, ldv, O, dbl);
}

/* Every column of nr <= PV_RG rows: tiles of PV_TW vectors, then one
 * vector, then the last columns (fewer than VL) one at a time. */
static inline TARGET __attribute__((always_inline)) void
F(pv_cols)(int nr, size_t dv, size_t bc, const T *const *P, const void *V,
    size_t ldv, T *const *O, int dbl)
{
	size_t t;

	for (t = 0; dv - t >= (size_t)(PV_TW * VL); t += PV_TW * VL)
		F(pv_tile0)(nr, PV_TW, bc, P, V, ldv, O, t, dbl);
	for (; dv - t >= (size_t)VL; t += VL)
		F(pv_tile0)(nr, 1, bc, P, V, ldv, O, t, dbl);
	if (t < dv)
		F(pv_nz)(nr, t, dv, bc, P, V, ldv, O, dbl);
}

/* O_r += P_r · V for R rows, PV_RG at a time. */
static inline TARGET __attribute__((always_inline)) void
F(pv_in)(size_t R, size_t dv, size_t bc, const void *const *Pv,
    const void *V, size_t ldv, void *const *Ov, int dbl)
{
	const T *P[PV_RG];
	T *O[PV_RG];
	size_t r0, r, nr;

	for (r0 = 0; r0 < R; r0 += PV_RG) {
		nr = R - r0 < PV_RG ? R - r0 : PV_RG;
		for (r = 0; r < nr; r++) {
			P[r] = Pv[r0 + r];
			O[r] = Ov[r0 + r];
		}
		switch (nr) {
		case 1:
			F(pv_cols)(1, dv, bc, P, V, ldv, O, dbl);
			break;
		case 2:
			F(pv_cols)(2, dv, bc, P, V, ldv, O, dbl);
			break;
		case 3:
			F(pv_cols)(3, dv, bc, P, V, ldv, O, dbl);
			break;
		default:
			F(pv_cols)(PV_RG, dv, bc, P, V, ldv, O, dbl);
			break;
		}
	}
}

/* See attn.h. */
static TARGET void
F(addto)(size_t nq, size_t dv, const void *Otv, size_t ldt, void *Ov,
    size_t ldo)
{
	const T *Ot = Otv;
	T *O = Ov;
	size_t i, j;

	for (i = 0; i < nq; i++)
		for (j = 0; j < dv; j++)
			O[i * ldo + j] += Ot[i * ldt + j];
}

/* See attn.h (dbl: as in qk()). */
static TARGET void
F(pv)(size_t R, size_t dv, size_t bc, const void *const *P, const void *V,
    size_t ldv, int dbl, void *const *O)
{
	if (dbl && sizeof(T) != sizeof(double))
		F(pv_in)(R, dv, bc, P, V, ldv, O, 1);
	else
		F(pv_in)(R, dv, bc, P, V, ldv, O, 0);
}

/* See attn.h: the online softmax over key blocks.  Per row i, after
 * block b with scores s and running maximum mi and sum li:
 *	m' = max(mi, max_j s_j)
 *	p_j = exp(s_j - m'),  li = li·exp(mi - m') + sum_j p_j
 *	O_i = O_i·exp(mi - m') + sum_j p_j·V_j
 * Every exp has argument <= 0, so nothing overflows; exp(mi - m') is 1
 * unless the maximum grew.  keep: s (nq, bc) is copied to keep (nq, m)
 * ldk at columns jb .., before the softmax overwrites it. */
static TARGET int
F(block)(const struct attn_head *h, size_t i0, size_t nq, const void *Qv,
    size_t ldq, size_t j0, size_t j1, const struct attn_keys *keys,
    void *Mv, void *Lv, void *Ov, size_t ldo, double *keep, size_t ldk,
    void *wv)
{
	const T *Q = Qv, *kp = keys->kp, *vp = keys->vp;
	T *O = Ov, *rmax = Mv, *rsum = Lv, *S = wv;
	T *Qc = S + ATTN_BR * ATTN_BC, *Ot = Qc + ATTN_BR * QCOPY(h);
	T *work = Ot + h->br * h->dv;
	T bmax[ATTN_BR];	/* the block's row maxima, from scores() */
	size_t i, j, jb, jlo, jhi;
	int folded = 0;

	if (kp == NULL)
		S = keys->S;	/* the dot products, from qk() */
	if (!F(visible)(&h->mask, i0, nq, &jlo, &jhi))
		return 0;
	if (!h->additive && ldq != h->dk && QCOPY(h) != 0) {
		/* the queries with rows dk apart: gemm_packed then uses
		 * them in place for every key block instead of copying */
		for (i = 0; i < nq; i++)
			memcpy(Qc + i * h->dk, Q + i * ldq, h->dk * sizeof(T));
		Q = Qc;
		ldq = h->dk;
	}
	if (jhi > j1)
		jhi = j1;
	jb = jlo / ATTN_BC * ATTN_BC;
	if (jb < j0)
		jb = j0;
	for (; jb < jhi; jb += ATTN_BC) {
		/* kb: the block's keys, as packed; bc: those computed */
		size_t kb = h->m - jb < ATTN_BC ? h->m - jb : ATTN_BC, bc = kb;
		size_t b = (jb - j0) / ATTN_BC;

		/* Not the keys from jhi on, hidden from every row by the
		 * causal or window mask or the key range: the scores of the
		 * first bc columns of the packed keys, P·V of the first bc
		 * rows of the packed values (gemm_packed_top).  With -c, 144
		 * query rows against blocks of 256 keys computed 1.094 times
		 * the pairs a causal mask leaves at n = 4096, cut so 1.035.
		 * bc whole LANES, so that expsum() adds each weight in the
		 * lane it took in the whole block (where the keys cut off
		 * added +0): the same bits.  Kept whole when the caller keeps
		 * the scores (whole blocks, attn.h), with unpacked keys (the
		 * caller's P·V takes the block) and with non-finite values
		 * (packed_nz). */
		if (jhi - jb < kb && kp != NULL && keep == NULL &&
		    (keys->vbad == NULL || !keys->vbad[b])) {
			size_t w = (jhi - jb + LANES - 1) / LANES * LANES;

			bc = w < kb ? w : kb;
		}
		if (F(masked_out)(&h->mask, i0, nq, jb, bc))
			continue;
		F(scores)(h, i0, nq, Q, ldq, jb, bc, kp ? kp + b * h->kstride :
		    NULL, S, work, bmax);
		if (keep != NULL)
			for (i = 0; i < nq; i++)
				for (j = 0; j < bc; j++)
					keep[i * ldk + jb + j] =
					    (double)S[i * ATTN_BC + j];
		for (i = 0; i < nq; i++) {
			T *s = S + i * ATTN_BC, *o = O + i * ldo;
			T mx = bmax[i], mnew, dm, alpha;

			if (mx == -(T)INFINITY)
				/* no score but -inf: NaN if one is NaN (its
				 * exp would not be taken below) */
				for (j = 0; j < bc; j++)
					mx = s[j] != s[j] ? s[j] : mx;
			mnew = mx > rmax[i] || mx != mx ? mx : rmax[i];
			if (mnew == -(T)INFINITY) {
				/* nothing visible to this row yet */
				for (j = 0; j < bc; j++)
					s[j] = 0;
				continue;
			}
			/* a +inf score: the maximum kept is T_MAX, so that
			 * its exp is +inf and the others' 0, and the sum
			 * +inf, the log-sum-exp +inf, as torch.logsumexp
			 * (from +inf, exp(inf - inf) made them NaN); a NaN
			 * score still makes them NaN */
			if (mnew > T_MAX)
				mnew = T_MAX;
			/* exp(0) = 1: the call only where the maximum grew */
			dm = rmax[i] - mnew;
			alpha = dm == 0 ? 1 : EXPF(dm);
			rsum[i] = rsum[i] * alpha + (mnew < T_MAX ?
			    F(expsum)(s, bc, mnew) : F(expsum_big)(s, bc,
			    mnew));
			rmax[i] = mnew;
			if (alpha != 1)
				for (j = 0; j < h->dv; j++)
					o[j] *= alpha;
		}
		/* unpacked keys: the caller adds P·V (pv()); values with
		 * an infinity or a NaN: keys of weight 0 add nothing.  The
		 * block's product is summed from 0, then added to O (in the
		 * GEMM's registers, GEMM_ADD, or in Ot): summed on in O, a
		 * row's sum over thousands of keys took a rounding error a
		 * term (in float, 4096 keys of one value came out 4e-5 off).
		 * GEMM_ADD, not a pass over Ot: about 2% less user time in
		 * case (c) of the bench with 16384 queries, 1% in (a) (Zen 5,
		 * AVX-512, same bits) */
		if (kp != NULL && keys->vbad != NULL && keys->vbad[b]) {
			memset(Ot, 0, nq * h->dv * sizeof *Ot);
			GEMM(packed_nz)(ISA, nq, bc, h->dv, S, ATTN_BC, vp + b *
			    h->vstride, Ot, h->dv);
			F(addto)(nq, h->dv, Ot, h->dv, O, ldo);
		} else if (kp != NULL)
			GEMM(packed_top)(ISA, nq, bc, kb, h->dv, S, ATTN_BC,
			    vp + b * h->vstride, O, ldo, GEMM_ADD, work);
		folded++;
	}
	return folded;
}

/* See attn.h: two states over disjoint keys, combined. */
static TARGET void
F(merge)(size_t nq, size_t dv, void *Mv, void *Lv, void *Ov, size_t ldo,
    const void *M2v, const void *L2v, const void *O2v, size_t ldo2)
{
	T *M = Mv, *L = Lv, *O = Ov;
	const T *M2 = M2v, *L2 = L2v, *O2 = O2v;
	size_t i, j;

	for (i = 0; i < nq; i++) {
		T *o = O + i * ldo, mnew, a, b;
		const T *o2 = O2 + i * ldo2;

		if (M2[i] == -(T)INFINITY)
			continue;	/* nothing seen on that side */
		if (M[i] == -(T)INFINITY) {
			M[i] = M2[i];
			L[i] = L2[i];
			for (j = 0; j < dv; j++)
				o[j] = o2[j];
			continue;
		}
		mnew = M2[i] > M[i] || M2[i] != M2[i] ? M2[i] : M[i];
		a = EXPF(M[i] - mnew);
		b = EXPF(M2[i] - mnew);
		/* two finite sums whose sum overflows (values near the
		 * largest number): a reference ATTN_SHIFT higher */
		for (j = 0; isfinite(mnew) && j < dv; j++)
			if (!isfinite(o[j] * a + o2[j] * b) && isfinite(o[j]) &&
			    isfinite(o2[j])) {
				T up = (T)attn_raise(T_DTYPE, (double)mnew);

				if (up == up) {
					mnew = up;
					a = EXPF(M[i] - mnew);
					b = EXPF(M2[i] - mnew);
				}
				break;
			}
		L[i] = L[i] * a + L2[i] * b;
		M[i] = mnew;
		for (j = 0; j < dv; j++)
			o[j] = o[j] * a + o2[j] * b;
	}
}

/* See attn.h: the sink, then normalise, and the log-sum-exp. */
static TARGET size_t
F(end)(size_t nq, size_t dv, void *Mv, void *Lv, void *Ov, size_t ldo,
    double *lse, const double *sink)
{
	T *M = Mv, *L = Lv, *O = Ov;
	size_t i, j, dead = 0;

	for (i = 0; i < nq; i++) {
		T *o = O + i * ldo;

		if (sink != NULL && *sink != -INFINITY) {
			/* one more key, of value 0 */
			T sk = (T)*sink, mnew, a;

			if (M[i] == -(T)INFINITY) {
				M[i] = sk > T_MAX ? T_MAX : sk;
				L[i] = EXPF(sk - M[i]);	/* 1; +inf: +inf */
			} else {
				mnew = sk > M[i] || sk != sk ? sk : M[i];
				mnew = mnew > T_MAX ? T_MAX : mnew; /* block() */
				a = EXPF(M[i] - mnew);
				L[i] = L[i] * a + EXPF(sk - mnew);
				M[i] = mnew;
				/* + 0: a sink that takes the whole weight (a
				 * = 0) leaves +0, as P·V of zero weights in
				 * PyTorch and NumPy, not -0 from a negative
				 * o[j] */
				if (a != 1)
					for (j = 0; j < dv; j++)
						o[j] = o[j] * a + 0;
			}
			/* a +inf sink: exp(inf - inf) makes the softmax over
			 * [scores, sink] NaN, every weight of the row and so
			 * Y (as PyTorch), where O·0 / inf would give 0; the
			 * log-sum-exp is +inf, as a +inf score's */
			if (sk > T_MAX)
				for (j = 0; j < dv; j++)
					o[j] = (T)NAN;
		}
		if (M[i] == -(T)INFINITY) {
			/* every key hidden: attend to nothing */
			for (j = 0; j < dv; j++)
				o[j] = 0;
			if (lse != NULL)
				lse[i] = -INFINITY;
			dead++;
			continue;
		}
		for (j = 0; j < dv; j++)
			o[j] /= L[i];
		if (lse != NULL)
			lse[i] = (double)M[i] + log((double)L[i]);
	}
	return dead;
}

/* s[j] = s[j] / l, j < n, where l >= 1 (a row's sum) and s[j] is an
 * exp, in [0, 1], or NaN.  At the FMA levels without a division where
 * nothing underflows (every s[j] >= T_DIV_MIN, l <= T_DIV_LMAX; else the
 * row divides): q = s·r with r = 1/l rounded, then q + (s - q·l)·r,
 * whose bits are those of s / l.  r is within half an ulp of 1/l and q
 * within one ulp of s/l, so the remainder s - q·l is exact in one FMA
 * and the corrected q rounds to s/l (Markstein's theorem, IBM J. Res.
 * Dev. 34(1), 1990; Muller et al., Handbook of Floating-Point
 * Arithmetic).  A vector division of 8 doubles takes 16 cycles on
 * Sapphire Rapids, which made it half of wrow()'s time in case (f) of
 * the bench; the multiplication and two FMAs take 1.5.  expcheck checks
 * the bits against the division. */
static inline TARGET void
F(divl)(T *s, size_t n, T l)
{
	size_t j;
#ifdef FUSED
	const T r = 1 / l;
	int small = 0;

	for (j = 0; j < n; j++)
		small |= s[j] < T_DIV_MIN;
	if (!small && l <= T_DIV_LMAX) {
		for (j = 0; j < n; j++) {
			const T q = s[j] * r;

			s[j] = FMA(FMA(-q, l, s[j]), r, q);
		}
		return;
	}
#endif
	for (j = 0; j < n; j++)
		s[j] /= l;
}

/* One row of weights: w[j] = exp(s[j] - mx) / l as doubles, j < n,
 * for a row whose mx and l are not NaN (so s[j] <= mx or NaN); with
 * marks, -0.0 where s[j] is -inf (attn.h).  The exp is expv()'s, exp1's
 * bits vectors at a time (the scalar exp1 per element made the weights
 * pass of case (f) of the bench about a fifth of its CPU time).  s is
 * overwritten. */
static inline TARGET void
F(wrow)(T *s, size_t n, T mx, T l, int marks, double *w)
{
	size_t j;

	if (marks)	/* which keys are hidden, before the exp */
		for (j = 0; j < n; j++)
			w[j] = s[j] == -(T)INFINITY ? -0.0 : 0.0;
	if (l < 1) {
		/* mx raised (ATTN_SHIFT; else l >= 1, the largest key's
		 * exp(0) in it), a rare row: one key at a time, exp(s - mx)
		 * / l, but exp((s - mx) - log l) (an argument <= 0 again, as
		 * l >= exp(max s - mx)) where exp(s - mx) is below the normal
		 * numbers, so that a small weight keeps its digits */
		const T d = (T)-log((double)l);

		for (j = 0; j < n; j++) {
			T x = s[j] - mx;

			s[j] = x >= -T_EXP_NRM ? F(exp1)(x) / l : F(exp1)(x + d);
		}
	} else {
		F(expv)(s, n, mx, 0, NULL);
		F(divl)(s, n, l);
	}
	if (marks)
		for (j = 0; j < n; j++)
			w[j] = signbit(w[j]) ? -0.0 : (double)s[j];
	else
		for (j = 0; j < n; j++)
			w[j] = (double)s[j];
}

/* Does a row with final maximum mx and sum l have weights to compute:
 * a visible key, and neither NaN, nor a sum of +inf (a +inf score:
 * its weights are NaN, as PyTorch's softmax gives)? */
static inline int
F(live)(T mx, T l)
{
	return mx != -(T)INFINITY && mx == mx && l == l && l <= T_MAX;
}

/* See attn.h: the weights, from the final row maximum and sum. */
static TARGET void
F(weights)(const struct attn_head *h, size_t i0, size_t nq, const void *Qv,
    size_t ldq, const void *rmaxv, const void *rsumv, double *W,
    size_t ldw, int kept, int marks, void *wv)
{
	const T *Q = Qv, *rmax = rmaxv, *rsum = rsumv;
	T *S = wv, *work = S + ATTN_BR * ATTN_BC;
	size_t i, j, k, n, j0, jlo, jhi;
	const double z = marks ? -0.0 : 0.0;	/* a hidden key's weight */

	/* the key blocks computed: from jlo's block to the end of jhi's */
	if (!F(visible)(&h->mask, i0, nq, &jlo, &jhi))
		jlo = jhi = 0;
	jlo = jlo / ATTN_BC * ATTN_BC;
	jhi = (jhi + ATTN_BC - 1) / ATTN_BC * ATTN_BC;
	if (jhi > h->m)
		jhi = h->m;
	/* what is not computed below (each weight is stored once): the
	 * columns outside the blocks, z; the rows with no visible key, z
	 * throughout; a row whose M or L is NaN, NaN throughout (as
	 * PyTorch's softmax of a row with a NaN, whatever the blocks) */
	for (i = 0; i < nq; i++) {
		const int all = !F(live)(rmax[i], rsum[i]);
		const double f = rmax[i] != rmax[i] || !(rsum[i] <= T_MAX) ?
		    NAN : z;
		double *w = W + i * ldw;

		for (j = 0; j < (all ? h->m : jlo); j++)
			w[j] = f;
		for (j = all ? h->m : jhi; j < h->m; j++)
			w[j] = f;
	}
	if (kept) {
		/* W holds the scores: as T again, the very scores block()
		 * computed (float -> double -> float is exact), so these
		 * are the weights of the pass that recomputes */
		for (i = 0; i < nq; i++) {
			double *w = W + i * ldw;

			if (!F(live)(rmax[i], rsum[i]))
				continue;
			for (j = jlo; j < jhi; j += n) {
				n = jhi - j < ATTN_BC ? jhi - j : ATTN_BC;
				for (k = 0; k < n; k++)
					S[k] = (T)w[j + k];
				F(wrow)(S, n, rmax[i], rsum[i], marks, w + j);
			}
		}
		return;
	}
	for (j0 = jlo; j0 < jhi; j0 += ATTN_BC) {
		size_t bc = h->m - j0 < ATTN_BC ? h->m - j0 : ATTN_BC;

		if (F(masked_out)(&h->mask, i0, nq, j0, bc)) {
			for (i = 0; i < nq; i++)
				for (k = 0; F(live)(rmax[i], rsum[i]) && k < bc;
				    k++)
					W[i * ldw + j0 + k] = z;
			continue;
		}
		F(scores)(h, i0, nq, Q, ldq, j0, bc, (const T *)h->kp +
		    (j0 - h->jp) / ATTN_BC * h->kstride, S, work, NULL);
		for (i = 0; i < nq; i++)
			if (F(live)(rmax[i], rsum[i]))
				F(wrow)(S + i * ATTN_BC, bc, rmax[i], rsum[i],
				    marks, W + i * ldw + j0);
	}
}

static size_t
F(packed_size)(size_t k, size_t m)
{
	return GEMM(packed_size)(ISA, k, m);
}

static size_t
F(linear_work)(size_t n, size_t k)
{
	return GEMM(work_size)(ISA, n, k, 0);
}

static void
F(pack_b)(size_t k, size_t m, const void *B, size_t ldb, void *Bp)
{
	GEMM(pack_b)(ISA, k, m, B, ldb, Bp);
}

static void
F(pack_b_rows)(size_t k, size_t m, size_t p0, size_t kr, const void *B,
    size_t ldb, void *Bp)
{
	GEMM(pack_b_rows)(ISA, k, m, p0, kr, B, ldb, Bp);
}

static void
F(pack_bt)(size_t k, size_t m, const void *Bt, size_t ldb, void *Bp)
{
	GEMM(pack_bt)(ISA, k, m, Bt, ldb, Bp);
}

static const struct attn_ops F(ops) = {
	T_DTYPE, sizeof(T),
	F(packed_size), F(linear_work), F(pack_b), F(pack_b_rows), F(pack_bt),
	F(linear), F(rope), F(vexp), F(vtanh), F(from_double), F(to_double),
	F(qk_prep), F(qk), F(work_size),
	F(begin), F(block), F(pv), F(addto), F(merge), F(end), F(weights),
};

#undef LANES
#undef KV_AT
#undef KV_CV
#undef EXP_NU
#undef LV_W
#undef LV_N
#undef QK_KJ
#undef QK4
#undef QK4_K
#undef QK4_Q
#undef QK4_P
#undef QK4_ZERO
#undef QK4_ST
#undef QK_QV
#undef QK_NQ
#undef PV_RG
#undef PV_TW
#undef VL
