#!/usr/bin/python3
"""Golden attention cases for tests/golden.bats, computed with NumPy.

Run once with /usr/bin/python3 (NumPy installed) from anywhere; the
outputs are committed and the tests never run Python:

    /usr/bin/python3 tests/golden/gen.py

Each case is a folder tests/golden/NAME/ holding its inputs (CSV, some
also .npy), a one-line `cmd` file with the selfattn arguments relative
to that folder, and the expected results in float64:

    expect_out.csv / expect_out.npy   the attention output
    expect_w.csv   / expect_w.npy     the attention weights: (n, m) for
                                      one head, (H, n, m) for several;
                                      in text one n x m block per head,
                                      blocks separated by a blank line

Every number in a CSV file is repr(float(v)), which reads back as exactly
the same double; .npy files are '<f8', C order.

The semantics are selfattn's (see its manual), written here with plain
float64 NumPy operations:

    Q = X @ WQ,  K = X @ WK,  V = X @ WV       (self-attention, -x -q -k -v)
    or Q, K, V given                            (-Q -K -V)
    H heads: head h takes columns h*dk .. (h+1)*dk - 1 of Q and K and
             h*dv .. (h+1)*dv - 1 of V   (dk = cols(Q) / H, dv = cols(V) / H)
    S_h = scale * (Q_h @ K_h.T)                 scale = 1 / sqrt(dk) by
                                                default, 1 for --scale none
    P_h = exp(S_h - rowmax(S_h)) / rowsum(...)  row softmax, max subtracted
    O_h = P_h @ V_h
    out = concatenate([O_0, ..., O_{H-1}], axis=1)   (n x H*dv)
    out = out @ WO                              when -w WO is given

Each case is also recomputed in extended precision (np.longdouble), and
the script fails unless every expected value is within 1e-13 (relative)
of that: the data are well conditioned, so the tests' 1e-12 tolerance
is fair to any correct float64 implementation.

The two lesson reproductions (lesson_self, lesson_self_seed0, lesson_qkv)
run the NumPy code of the lessons in /work/shared/lessons and store what
it prints in numpy_print.txt.
"""
import contextlib
import io
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK_REL = 1e-13


# -- the computation ------------------------------------------------------

def softmax_rows(s):
    """Row softmax with the row maximum subtracted (never overflows)."""
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def attention(q, k, v, heads=1, scale="default", wo=None):
    """Multi-head scaled dot-product attention, as selfattn computes it.

    Returns (out, weights) with weights of shape (heads, n, m).  Works in
    the dtype of its arguments (float64, or longdouble for the check).
    """
    n, dq = q.shape
    m, dkk = k.shape
    mv, dvv = v.shape
    assert dq == dkk and m == mv
    assert dq % heads == 0 and dvv % heads == 0
    dk = dq // heads
    dv = dvv // heads
    if scale == "default":
        sc = q.dtype.type(1) / np.sqrt(q.dtype.type(dk))   # 1/sqrt(d_k)
    elif scale is None:
        sc = q.dtype.type(1)                               # --scale none
    else:
        sc = q.dtype.type(scale)
    outs, ws = [], []
    for h in range(heads):
        qh = q[:, h * dk:(h + 1) * dk]          # n x dk
        kh = k[:, h * dk:(h + 1) * dk]          # m x dk
        vh = v[:, h * dv:(h + 1) * dv]          # m x dv
        s = sc * (qh @ kh.T)                    # n x m scores
        p = softmax_rows(s)                     # n x m weights
        outs.append(p @ vh)                     # n x dv
        ws.append(p)
    out = np.concatenate(outs, axis=1)          # n x heads*dv
    if wo is not None:
        out = out @ wo                          # n x cols(WO)
    return out, np.stack(ws)


def self_attention(x, wq, wk, wv, **kw):
    """Q = X WQ, K = X WK, V = X WV, then attention()."""
    return attention(x @ wq, x @ wk, x @ wv, **kw)


# -- files ----------------------------------------------------------------

def fmt(v):
    return repr(float(v))


def write_csv(path, a):
    """2-D: one row a line; 3-D: 2-D blocks separated by a blank line."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    blocks = [a] if a.ndim == 2 else list(a)
    with open(path, "w") as f:
        f.write("\n".join(
            "".join(",".join(fmt(v) for v in row) + "\n" for row in b)
            for b in blocks))


def write_npy(path, a):
    np.save(path, np.ascontiguousarray(a, dtype="<f8"))


class Case:
    def __init__(self, name):
        self.dir = os.path.join(HERE, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)

    def path(self, f):
        return os.path.join(self.dir, f)

    def inputs(self, npy=False, **mats):
        for name, a in mats.items():
            write_csv(self.path(name + ".csv"), a)
            if npy:
                write_npy(self.path(name + ".npy"), a)

    def cmd(self, args):
        with open(self.path("cmd"), "w") as f:
            f.write(args + "\n")

    def expect(self, out, w, weights=True):
        """w: (H, n, m); one head is written as (n, m)."""
        if w.shape[0] == 1:
            w = w[0]
        write_csv(self.path("expect_out.csv"), out)
        write_npy(self.path("expect_out.npy"), out)
        if weights:
            write_csv(self.path("expect_w.csv"), w)
            write_npy(self.path("expect_w.npy"), w)

    def text(self, name, s):
        with open(self.path(name), "w") as f:
            f.write(s)


def check(name, got, fn, *args, **kw):
    """Recompute in long double; every element within CHECK_REL."""
    ld = [None if a is None else np.asarray(a, dtype=np.longdouble)
          for a in args]
    kw = dict(kw)
    if kw.get("wo") is not None:
        kw["wo"] = np.asarray(kw["wo"], dtype=np.longdouble)
    ref_out, ref_w = fn(*ld, **kw)
    for g, r, what in ((got[0], ref_out, "out"), (got[1], ref_w, "w")):
        g = np.asarray(g, dtype=np.longdouble)
        assert g.shape == r.shape, (name, what, g.shape, r.shape)
        assert np.all(np.isfinite(g)), (name, what)
        # Round the reference to float64 first: long double has a wider
        # exponent range, so what underflows to 0 in float64 need not.
        r = r.astype(np.float64).astype(np.longdouble)
        assert not np.any((r != 0) & (np.abs(r) < 2.0 ** -1022)), \
            (name, what, "subnormal value")
        err = np.abs(g - r)
        tol = CHECK_REL * np.abs(r)
        bad = err > tol
        if bad.any():
            i = np.argwhere(bad)[0]
            sys.exit("%s %s: ill-conditioned at %s: %r vs %r" %
                     (name, what, tuple(i), float(g[tuple(i)]),
                      float(r[tuple(i)])))


# -- cases ----------------------------------------------------------------

def normal(rng, shape, sd=1.0):
    return rng.normal(0.0, sd, size=shape)


def pos(rng, shape, lo=0.5, hi=1.5):
    """Positive entries: no cancellation in sums (well conditioned)."""
    return rng.uniform(lo, hi, size=shape)


def gen_single():
    # n=5, d=4, dk=dv=3.  X and WV positive so outputs never cancel;
    # WQ, WK of both signs so the scores vary.
    rng = np.random.default_rng(20240501)
    x = pos(rng, (5, 4))
    wq = normal(rng, (4, 3), 0.7)
    wk = normal(rng, (4, 3), 0.7)
    wv = pos(rng, (4, 3), -0.2, 1.0)
    for name, flag, scale in (("single", "", "default"),
                              ("single_unscaled", " --scale none", None),
                              ("scale_custom", " --scale 0.25", 0.25)):
        c = Case(name)
        c.inputs(X=x, Wq=wq, Wk=wk, Wv=wv)
        c.cmd("-x X.csv -q Wq.csv -k Wk.csv -v Wv.csv" + flag)
        r = self_attention(x, wq, wk, wv, scale=scale)
        check(name, r, self_attention, x, wq, wk, wv, scale=scale)
        c.expect(*r)


def gen_mh2_nowo():
    # n=6, d_model=8, 2 heads: WQ, WK 8x8 (dk=4), WV 8x6 (dv=3), no WO.
    rng = np.random.default_rng(20240502)
    x = pos(rng, (6, 8))
    wq = normal(rng, (8, 8), 0.4)
    wk = normal(rng, (8, 8), 0.4)
    wv = pos(rng, (8, 6), -0.1, 0.6)
    c = Case("mh2_nowo")
    c.inputs(X=x, Wq=wq, Wk=wk, Wv=wv)
    c.cmd("-x X.csv -q Wq.csv -k Wk.csv -v Wv.csv -H 2")
    r = self_attention(x, wq, wk, wv, heads=2)
    check("mh2_nowo", r, self_attention, x, wq, wk, wv, heads=2)
    c.expect(*r)


def mh4_data():
    # n=7, d_model=8, 4 heads: WQ, WK, WV 8x8 (dk=dv=2), WO 8x5 (output
    # width 5 differs from d_model, so a transposed WO cannot pass).
    rng = np.random.default_rng(20240503)
    x = pos(rng, (7, 8))
    wq = normal(rng, (8, 8), 0.4)
    wk = normal(rng, (8, 8), 0.4)
    wv = pos(rng, (8, 8), -0.1, 0.6)
    wo = pos(rng, (8, 5), -0.1, 0.8)
    return x, wq, wk, wv, wo


def gen_mh4_wo():
    x, wq, wk, wv, wo = mh4_data()
    c = Case("mh4_wo")
    c.inputs(X=x, Wq=wq, Wk=wk, Wv=wv, Wo=wo)
    c.cmd("-x X.csv -q Wq.csv -k Wk.csv -v Wv.csv -H 4 -w Wo.csv")
    r = self_attention(x, wq, wk, wv, heads=4, wo=wo)
    check("mh4_wo", r, self_attention, x, wq, wk, wv, heads=4, wo=wo)
    c.expect(*r)


def gen_npy_inputs():
    # The mh4_wo case with every input read from .npy.
    x, wq, wk, wv, wo = mh4_data()
    c = Case("npy_inputs")
    c.inputs(npy=True, X=x, Wq=wq, Wk=wk, Wv=wv, Wo=wo)
    c.cmd("-x X.npy -q Wq.npy -k Wk.npy -v Wv.npy -H 4 -w Wo.npy")
    r = self_attention(x, wq, wk, wv, heads=4, wo=wo)
    check("npy_inputs", r, self_attention, x, wq, wk, wv, heads=4, wo=wo)
    c.expect(*r)


def gen_qkv_direct():
    # Q 4x6, K 9x6, V 9x6 given (n=4 != m=9), 3 heads (dk=dv=2),
    # WO 6x3; default scale 1/sqrt(2).
    rng = np.random.default_rng(20240504)
    q = normal(rng, (4, 6))
    k = normal(rng, (9, 6))
    v = pos(rng, (9, 6), 0.2, 2.0)
    wo = pos(rng, (6, 3), -0.1, 1.0)
    c = Case("qkv_direct")
    c.inputs(npy=True, Q=q, K=k, V=v, Wo=wo)
    c.cmd("-Q Q.csv -K K.csv -V V.csv -H 3 -w Wo.csv")
    r = attention(q, k, v, heads=3, wo=wo)
    check("qkv_direct", r, attention, q, k, v, heads=3, wo=wo)
    c.expect(*r)


def gen_large_scores():
    # Scores of order 1e4 with scale 1, where the lesson's plain
    # np.exp(scores) overflows to inf (and inf/inf gives nan).  Integer
    # inputs make every score an exactly computed integer, so the
    # weights exp(s - max) / sum are correctly rounded up to exp's own
    # error, whatever the order of the sums.  Every X row is (100, a, b)
    # and WQ WK^T = [[1,0,0],[0,*,*],[0,*,*]], so the scores are
    # 10^4 plus a small integer form in (a, b): the gaps within a row
    # are 0 to 80, giving weights near one-hot yet finite and none
    # subnormal, with a tie in row 3 (two weights of exactly 1/2).
    x = np.array([[100, 2, -1], [100, -3, 2], [100, 1, 3], [100, 4, 0],
                  [100, -2, -4]], dtype=np.float64)
    wq = np.array([[1, 0, 0], [0, 1, 1], [0, -1, 2]], dtype=np.float64)
    wk = np.array([[1, 0, 0], [0, 2, 0], [0, 1, 1]], dtype=np.float64)
    wv = np.array([[0.5, 1.25], [0.75, -0.25], [1.5, 0.125]])
    q, k = x @ wq, x @ wk
    s = q @ k.T
    assert np.all(s == np.rint(s)) and np.abs(s).max() < 2**52
    assert s.min() > 9000, s.min()
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(s) / np.sum(np.exp(s), axis=1, keepdims=True)
    assert not np.all(np.isfinite(naive)), "naive softmax should overflow"
    c = Case("large_scores")
    c.inputs(X=x, Wq=wq, Wk=wk, Wv=wv)
    c.cmd("-x X.csv -q Wq.csv -k Wk.csv -v Wv.csv --scale 1")
    r = self_attention(x, wq, wk, wv, scale=1.0)
    assert np.all(np.isfinite(r[0])) and np.all(np.isfinite(r[1]))
    check("large_scores", r, self_attention, x, wq, wk, wv, scale=1.0)
    c.expect(*r)
    return s


def gen_wide():
    # n=64, d_model=32, 4 heads (dk=dv=8), WO 32x32; normal data rounded
    # to 3 decimals (short CSV files; still exact doubles via repr).
    # X has mean 1 so that V and the output stay away from 0 (relative
    # error is meaningful); WQ, WK scaled by 1/sqrt(d_model).
    # The weights (4 x 64 x 64) are not stored, to keep the files small.
    rng = np.random.default_rng(20240505)
    x = np.round(normal(rng, (64, 32), 0.5) + 1.0, 3)
    wq = np.round(normal(rng, (32, 32), 32 ** -0.5), 3)
    wk = np.round(normal(rng, (32, 32), 32 ** -0.5), 3)
    wv = np.round(np.abs(normal(rng, (32, 32), 0.2)), 3)
    wo = np.round(np.abs(normal(rng, (32, 32), 0.2)), 3)
    c = Case("wide")
    c.inputs(X=x, Wq=wq, Wk=wk, Wv=wv, Wo=wo)
    c.cmd("-x X.csv -q Wq.csv -k Wk.csv -v Wv.csv -H 4 -w Wo.csv")
    r = self_attention(x, wq, wk, wv, heads=4, wo=wo)
    check("wide", r, self_attention, x, wq, wk, wv, heads=4, wo=wo)
    c.expect(*r, weights=False)


def gen_blocks():
    # Sizes that cross the kernel's blocks (144 query rows, 256 keys) with
    # partial last blocks: Q 150x16, K 300x16, V 300x8 given as .npy, 2
    # heads (dk=8, dv=4), WO 8x5.  The weights (2 x 150 x 300) are not
    # stored; blocks_w checks them on a smaller case.
    rng = np.random.default_rng(20240506)
    q = normal(rng, (150, 16), 0.7)
    k = normal(rng, (300, 16), 0.7)
    v = pos(rng, (300, 8), 0.2, 2.0)
    wo = pos(rng, (8, 5), 0.1, 1.0)
    c = Case("blocks")
    for name, a in (("Q", q), ("K", k), ("V", v), ("Wo", wo)):
        write_npy(c.path(name + ".npy"), a)
    c.cmd("-Q Q.npy -K K.npy -V V.npy -H 2 -w Wo.npy")
    r = attention(q, k, v, heads=2, wo=wo)
    check("blocks", r, attention, q, k, v, heads=2, wo=wo)
    write_npy(c.path("expect_out.npy"), r[0])


def gen_blocks_w():
    # Weights across key blocks (the kernel's are 256 keys): Q 20x6,
    # K 300x6 (two key blocks, the second partial), V 300x3, 1 head.
    rng = np.random.default_rng(20240507)
    q = normal(rng, (20, 6))
    k = normal(rng, (300, 6))
    v = pos(rng, (300, 3), 0.2, 2.0)
    c = Case("blocks_w")
    for name, a in (("Q", q), ("K", k), ("V", v)):
        write_npy(c.path(name + ".npy"), a)
    c.cmd("-Q Q.npy -K K.npy -V V.npy")
    r = attention(q, k, v)
    check("blocks_w", r, attention, q, k, v)
    write_npy(c.path("expect_out.npy"), r[0])
    write_npy(c.path("expect_w.npy"), r[1][0])


# -- the lessons ----------------------------------------------------------

def printed(fn):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn()
    s = buf.getvalue()
    assert "e" not in s.split(":", 1)[1], "scientific notation: " + s
    return s


def lesson_self(name, seed):
    # self-attention.txt, line breaks restored; np.random.seed(seed)
    # before the three rand(3, 3) calls (the tool's --seed).
    res = {}

    def lesson():
        np.random.seed(seed)
        # Example input
        X = np.array([[1, 0, 1],
                      [0, 1, 0],
                      [1, 1, 1]])
        # Random weight matrices
        Wq = np.random.rand(3, 3)
        Wk = np.random.rand(3, 3)
        Wv = np.random.rand(3, 3)
        Q = np.dot(X, Wq)
        K = np.dot(X, Wk)
        V = np.dot(X, Wv)
        scores = np.dot(Q, K.T)
        weights = np.exp(scores) / np.sum(np.exp(scores), axis=1,
                                          keepdims=True)
        output = np.dot(weights, V)
        print("Self-Attention Output:", output)
        res.update(X=X, Wq=Wq, Wk=Wk, Wv=Wv, output=output,
                   weights=weights)

    text = printed(lesson)
    x = res["X"].astype(np.float64)
    out, w = self_attention(x, res["Wq"], res["Wk"], res["Wv"], scale=None)
    # The lesson's softmax (no max subtracted) agrees to rounding.
    assert np.allclose(out, res["output"], rtol=1e-14, atol=0)
    assert np.allclose(w[0], res["weights"], rtol=1e-14, atol=0)
    check(name, (out, w), self_attention, x, res["Wq"], res["Wk"],
          res["Wv"], scale=None)
    c = Case(name)
    c.inputs(X=x)
    c.cmd("-x X.csv -q rand:3x3 -k rand:3x3 -v rand:3x3" +
          ("" if seed == 0 else " --seed %d" % seed) + " --scale none")
    c.text("numpy_print.txt", text)
    c.expect(out, w)


def lesson_qkv():
    # attention-mechanism.txt, line breaks restored.  query is 1-D; the
    # tool takes it as a 1 x 3 matrix, so its output is 1 x 2.
    res = {}

    def lesson():
        # Example vectors
        query = np.array([1, 0, 1])
        keys = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 1]])
        values = np.array([[10, 0], [0, 10], [5, 5]])
        # Compute scores
        scores = np.dot(keys, query)
        # Softmax
        weights = np.exp(scores) / np.sum(np.exp(scores))
        # Weighted sum
        output = np.dot(weights, values)
        print("Attention Output:", output)
        res.update(query=query, keys=keys, values=values, output=output,
                   weights=weights)

    text = printed(lesson)
    q = res["query"].astype(np.float64).reshape(1, -1)
    k = res["keys"].astype(np.float64)
    v = res["values"].astype(np.float64)
    out, w = attention(q, k, v, scale=None)
    assert np.allclose(out[0], res["output"], rtol=1e-14, atol=0)
    assert np.allclose(w[0, 0], res["weights"], rtol=1e-14, atol=0)
    check("lesson_qkv", (out, w), attention, q, k, v, scale=None)
    c = Case("lesson_qkv")
    c.inputs(query=q, keys=k, values=v)
    c.cmd("-Q query.csv -K keys.csv -V values.csv --scale none")
    c.text("numpy_print.txt", text)
    c.expect(out, w)


def main():
    gen_single()
    gen_mh2_nowo()
    gen_mh4_wo()
    gen_qkv_direct()
    gen_large_scores()
    gen_npy_inputs()
    gen_wide()
    gen_blocks()
    gen_blocks_w()
    lesson_self("lesson_self", 42)
    lesson_self("lesson_self_seed0", 0)
    lesson_qkv()
    print("numpy", np.__version__, file=sys.stderr)


if __name__ == "__main__":
    main()
