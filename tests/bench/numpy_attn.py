#!/usr/bin/env python3
"""NumPy side of `make bench` (tests/bench/run.sh).

    numpy_attn.py run -x X -q WQ -k WK -v WV [-w WO] [-H N] [-c] -o OUT
                      [-a W]
        The attention selfattn computes, in float64, on the same files:
            Q = X@WQ, K = X@WK, V = X@WV
            head_h = softmax(Q_h K_h^T / sqrt(dk)) V_h   (row max subtracted)
            (-c: the scores of keys j > i set to -inf first, as selfattn
            -c: the full scores, masked, as NumPy code does)
            Y = concat(head_1..head_H) @ WO              (without -w: concat)
        .npy files: np.load / np.save; anything else is CSV:
        np.loadtxt(delimiter=',') / np.savetxt(fmt='%.17g', delimiter=',')
        (a 3-D weights array: one 2-D block per head, blank line between,
        as selfattn writes it).

    numpy_attn.py gen DIR N D H SEED
        Write DIR/{X,Wq,Wk,Wv,Wo}.npy: X ~ randn(N, D), weights
        randn(D, D)/sqrt(D) (so scores are O(1) and the softmax is well
        conditioned).  The bench decides whether to pass Wo.

    numpy_attn.py cmp GOT WANT
        Print max|GOT-WANT| / max|WANT| (the largest error relative to
        the largest reference value); if the shapes differ, print them and
        exit 1.

    numpy_attn.py check GOT ROWS -x X -q WQ -k WK -v WV [-w WO] [-H N]
        Spot check when the full reference does not fit in memory: compute
        only ROWS query rows (evenly spaced, first and last included) and
        print max|GOT-REF| / max|REF| over those rows.

    numpy_attn.py decode -Q Q -K K -V V -H H -G G -o OUT
        Grouped-query attention on given Q (n x H*dk), K (m x G*dk),
        V (m x G*dv): query head h uses key/value head h // (H/G), as
        selfattn -H H --kv-heads G.  K and V are memory-mapped and each
        key/value head copied once (m x dk doubles at a time): the
        reference of the bench's decoding case (g).

    numpy_attn.py exact -Q Q -K K -V V -H H -G G -o OUT
        The same as decode, computed in np.longdouble (x86-64: 64-bit
        significand, 11 bits more than float64) a chunk of keys at a
        time, each score, exponential and sum rounded there, then
        rounded to float64: a reference more exact than either float64
        computation, to tell which of two that differ is off.  Exits 1
        where np.longdouble is no wider than float64.

    numpy_attn.py info
        Print the NumPy version and the BLAS library NumPy really loaded.
"""
import os
import sys

import numpy as np


def load(path):
    if path.endswith(".npy"):
        return np.load(path)
    return np.loadtxt(path, delimiter=",", ndmin=2)


def save(path, a):
    if path.endswith(".npy"):
        np.save(path, a)
        return
    with open(path, "w") as f:
        if a.ndim <= 2:
            np.savetxt(f, a, fmt="%.17g", delimiter=",")
            return
        for i, block in enumerate(a):
            if i:
                f.write("\n")
            np.savetxt(f, block, fmt="%.17g", delimiter=",")


def options(argv):
    opts = {"-H": "1"}
    i = 0
    while i < len(argv):
        if argv[i] == "-c":
            opts["-c"] = True
            i += 1
            continue
        if argv[i] not in ("-x", "-q", "-k", "-v", "-w", "-H", "-o", "-a"):
            sys.exit("numpy_attn.py: unknown option " + argv[i])
        opts[argv[i]] = argv[i + 1]
        i += 2
    return opts


def run(argv, rows=None):
    """Compute and save the attention; with rows (an index array), only
    for those query rows, and return it instead of saving."""
    opts = options(argv)
    heads = int(opts["-H"])
    X = load(opts["-x"])
    Q = (X if rows is None else X[rows]) @ load(opts["-q"])
    K = X @ load(opts["-k"])
    V = X @ load(opts["-v"])
    n, m = Q.shape[0], K.shape[0]
    dk, dv = Q.shape[1] // heads, V.shape[1] // heads
    scale = 1.0 / np.sqrt(dk)
    O = np.empty((n, heads * dv))
    W = np.empty((heads, n, m)) if "-a" in opts else None
    # -c: key j hidden from query i when j > i (rows: the queries' own i)
    qi = np.arange(n) if rows is None else np.asarray(rows)
    hide = qi[:, None] < np.arange(m)[None, :] if "-c" in opts else None
    S = None
    for h in range(heads):
        qh = Q[:, h * dk:(h + 1) * dk]
        kh = K[:, h * dk:(h + 1) * dk]
        vh = V[:, h * dv:(h + 1) * dv]
        if W is not None:
            S = W[h]
        S = np.matmul(qh, kh.T, out=S)
        S *= scale
        if hide is not None:
            S[hide] = -np.inf
        S -= S.max(axis=1, keepdims=True)
        np.exp(S, out=S)
        S /= S.sum(axis=1, keepdims=True)
        O[:, h * dv:(h + 1) * dv] = S @ vh
    Y = O @ load(opts["-w"]) if "-w" in opts else O
    if rows is not None:
        return Y
    save(opts["-o"], Y)
    if W is not None:
        save(opts["-a"], W)


def gen(argv):
    d, n, dm, heads, seed = argv[0], int(argv[1]), int(argv[2]), \
        int(argv[3]), int(argv[4])
    del heads  # the weights are d x d whatever the number of heads
    rng = np.random.default_rng(seed)
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "X.npy"), rng.standard_normal((n, dm)))
    for name in ("Wq", "Wk", "Wv", "Wo"):
        np.save(os.path.join(d, name + ".npy"),
                rng.standard_normal((dm, dm)) / np.sqrt(dm))


def cmp(argv):
    got, want = load(argv[0]), load(argv[1])
    if got.shape != want.shape:
        print("shape %s != %s" % (got.shape, want.shape))
        sys.exit(1)
    scale = np.abs(want).max() if want.size else 0.0
    err = np.abs(got - want).max() if want.size else 0.0
    print("%.3g" % (err / scale if scale > 0 else err))


def check(argv):
    got = load(argv[0])
    nrows = min(int(argv[1]), got.shape[0])
    rows = np.unique(np.linspace(0, got.shape[0] - 1, nrows).astype(int))
    ref = run(argv[2:], rows)
    err = np.abs(got[rows] - ref).max()
    scale = np.abs(ref).max()
    print("%.3g" % (err / scale if scale > 0 else err))


def dec_options(argv):
    """The options of decode and exact, as a dict."""
    opts = {}
    for i in range(0, len(argv) - 1, 2):
        if argv[i] not in ("-Q", "-K", "-V", "-H", "-G", "-o"):
            sys.exit("numpy_attn.py: unknown option " + argv[i])
        opts[argv[i]] = argv[i + 1]
    return opts


def decode(argv):
    opts = dec_options(argv)
    heads, groups = int(opts["-H"]), int(opts["-G"])
    Q = np.load(opts["-Q"])
    K = np.load(opts["-K"], mmap_mode="r")
    V = np.load(opts["-V"], mmap_mode="r")
    n = Q.shape[0]
    dk, dv = Q.shape[1] // heads, V.shape[1] // groups
    per = heads // groups
    scale = 1.0 / np.sqrt(dk)
    O = np.empty((n, heads * dv))
    for g in range(groups):
        kh = np.ascontiguousarray(K[:, g * dk:(g + 1) * dk])
        vh = np.ascontiguousarray(V[:, g * dv:(g + 1) * dv])
        for h in range(g * per, (g + 1) * per):
            S = Q[:, h * dk:(h + 1) * dk] @ kh.T
            S *= scale
            S -= S.max(axis=1, keepdims=True)
            np.exp(S, out=S)
            S /= S.sum(axis=1, keepdims=True)
            O[:, h * dv:(h + 1) * dv] = S @ vh
        del kh, vh
    save(opts["-o"], O)


def exact(argv):
    opts = dec_options(argv)
    ld = np.longdouble
    if np.finfo(ld).nmant <= np.finfo(np.float64).nmant:
        sys.exit("numpy_attn.py: np.longdouble is no wider than float64")
    heads, groups = int(opts["-H"]), int(opts["-G"])
    Q = np.load(opts["-Q"]).astype(ld)
    K = np.load(opts["-K"], mmap_mode="r")
    V = np.load(opts["-V"], mmap_mode="r")
    n, m = Q.shape[0], K.shape[0]
    dk, dv = Q.shape[1] // heads, V.shape[1] // groups
    per, chunk = heads // groups, 1 << 16
    scale = 1 / np.sqrt(ld(dk))
    O = np.empty((n, heads * dv))
    for h in range(heads):
        g = h // per
        q = Q[:, h * dk:(h + 1) * dk]
        S = np.empty((n, m), dtype=ld)
        for c in range(0, m, chunk):
            kc = np.asarray(K[c:c + chunk, g * dk:(g + 1) * dk]).astype(ld)
            S[:, c:c + chunk] = (q @ kc.T) * scale
        S -= S.max(axis=1, keepdims=True)
        np.exp(S, out=S)
        acc = np.zeros((n, dv), dtype=ld)
        for c in range(0, m, chunk):
            vc = np.asarray(V[c:c + chunk, g * dv:(g + 1) * dv]).astype(ld)
            acc += S[:, c:c + chunk] @ vc
        O[:, h * dv:(h + 1) * dv] = acc / S.sum(axis=1, keepdims=True)
    save(opts["-o"], O)


def blas_libs():
    """The BLAS/LAPACK shared objects mapped into this process."""
    import numpy.linalg  # noqa: F401  (loads lapack_lite / BLAS users)
    libs = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path).lower()
                if any(k in base for k in ("blas", "lapack", "mkl", "blis",
                                           "atlas")):
                    real = os.path.realpath(path)
                    if real not in libs:
                        libs.append(real)
    except OSError:
        pass
    return libs


def info(argv):
    del argv
    libs = blas_libs()
    kind = "unknown"
    joined = " ".join(libs).lower()
    if "openblas" in joined:
        kind = "OpenBLAS"
    elif "mkl" in joined:
        kind = "MKL"
    elif "blis" in joined:
        kind = "BLIS"
    elif "atlas" in joined:
        kind = "ATLAS"
    elif "/blas/libblas" in joined or "libblas.so" in joined:
        kind = "reference BLAS (netlib, unoptimised)"
    print("numpy %s" % np.__version__)
    print("blas %s" % kind)
    for lib in libs:
        print("lib %s" % lib)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, argv = sys.argv[1], sys.argv[2:]
    {"run": run, "gen": gen, "cmp": cmp, "check": check, "decode": decode,
     "exact": exact, "info": info}.get(
        cmd, lambda a: sys.exit(__doc__))(argv)


if __name__ == "__main__":
    main()
