#!/usr/bin/python3
"""Random differential check of selfattn against float64 NumPy.

Not part of `make test` (which never needs Python): a development tool,
run by hand with Debian's NumPy (/usr/bin/python3):

    /usr/bin/python3 tests/random/diff.py [-n CASES] [-s SEED]
        [-k heads|proj|merge|all] [--keep] [SELFATTN]

Each case draws its shapes and options from the seed, writes the inputs
as .npy (or CSV) into a temporary folder, runs selfattn and compares
what it wrote with a reference computed here in float64, element by
element: 1e-11 relative (or absolute below 1), 2e-4 of the largest
value for --dtype f32.  A failure prints the seed, the case and the
command line; the exit status is 1 if any case failed.

The reference is the contract of the manual, written with NumPy
(softmax(q·kᵀ·scale, soft-capped, plus bias and ALiBi, hidden keys
-inf) · V), not selfattn's algorithm: a row that sees no key gives
zeros, weights 0 and a log-sum-exp of -inf; a sink is one more score
whose value is 0.

  heads  -Q/-K/-V as a batch: 4-D per-head (B, H, n, dk) tensors or
         3-D (B, n, H·dk) with -H and --kv-heads; GQA; dot, general
         and additive scores (--score, --wa, --ua, --va); --mask (boolean,
         integer or float 0/1) and --bias (with -inf) of every shape
         that broadcasts, (n, m) to (B, H, n, m); -c of both alignments,
         --window L,R, --key-padding, --softcap, --sinks, --alibi, -s,
         -w, --query-range, --average-weights, --key-lengths,
         --query-lengths, --qk-norm, --rope; -o, -a and --lse, each run
         with -j 1 and -j 2, which must write the same bytes; now and
         then a few queries against over 4096 keys (several key chunks,
         merged in a fixed order).
  proj   -x with -q -k -v, optionally -m (cross-attention), --bq --bk
         --bv, -w and --bo, --layout torch, -H and --kv-heads, -c,
         --mask, --key-padding, batches of X, CSV or .npy inputs, and
         --dtype f32; -o and -a.
  merge  key shards (--key-range) of a random split of the keys, merged
         with --merge, against the whole run's Y and --lse (.npy, or CSV
         for one sequence), with -c, --window, --mask, --alibi,
         --softcap.
"""
import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

W = None        # the temporary folder
SA = None       # the selfattn under test


def path(name):
    return os.path.join(W, name)


def save(name, a, text=False):
    """a as NAME.npy, or as NAME.csv (2-D or 1-D a) when text."""
    if text and a.ndim <= 2:
        f = path(name + '.csv')
        np.savetxt(f, np.atleast_2d(a), delimiter=',', fmt='%.17g')
    else:
        f = path(name + '.npy')
        np.save(f, a)
    return f


def fresh(*names):
    """Remove NAME.npy of an earlier run, so that only this run's output
    is compared."""
    for name in names:
        if os.path.exists(path(name + '.npy')):
            os.remove(path(name + '.npy'))


def run(args):
    p = subprocess.run([SA] + args, capture_output=True, text=True)
    return p.returncode, p.stderr.strip()


def softmax_ref(s, sinks=None):
    """Weights (…, m) and log-sum-exp (…) of scores s with -inf hidden:
    rows with no finite score give 0 and -inf; a sink joins each row
    (sinks broadcast as (B, H, n, 1)) and is left out of the weights."""
    m = s.shape[-1]
    if sinks is not None:
        s = np.concatenate([s, np.broadcast_to(sinks, s.shape[:-1] +
                                               (1,))], axis=-1)
    with np.errstate(invalid='ignore'):
        mx = s.max(axis=-1, keepdims=True)
    dead = ~np.isfinite(mx)
    mx = np.where(dead, 0, mx)
    e = np.exp(s - mx)
    z = np.where(dead, 1, e.sum(axis=-1, keepdims=True))
    w = np.where(dead, 0, e / z)[..., :m]
    lse = np.where(dead, -np.inf, mx + np.log(z))[..., 0]
    return w, lse


def alibi_slopes(h):
    """The ALiBi paper's slopes: r^1 .. r^c for the power of two c <= h,
    r = 2^(-8/c), then every other slope of 2c."""
    def p2(c):
        return [2.0 ** (-8.0 / c * k) for k in range(1, c + 1)]
    c = 1
    while c * 2 <= h:
        c *= 2
    return np.array(p2(c) + (p2(2 * c)[0::2][:h - c] if c != h else []))


def qkv_args(q, k, v, four):
    """-Q, -K and -V of (B, H, n, d) arrays q, k, v: saved as those 4-D
    per-head tensors (four), else as (B, n, H·d) batches with -H."""
    if four:
        return ['-Q', save('Q', q), '-K', save('K', k), '-V', save('V', v)]

    def heads_side_by_side(a):
        return a.transpose(0, 2, 1, 3).reshape(a.shape[0], a.shape[2], -1)
    return ['-Q', save('Q', heads_side_by_side(q)),
            '-K', save('K', heads_side_by_side(k)),
            '-V', save('V', heads_side_by_side(v)), '-H', str(q.shape[1])]


def close(got, want, f32=False):
    """None, or where got differs from want beyond the tolerance."""
    got = np.asarray(got, dtype='f8').reshape(-1)
    want = np.asarray(want, dtype='f8').reshape(-1)
    if got.size != want.size:
        return 'size %d, want %d' % (got.size, want.size)
    with np.errstate(invalid='ignore'):
        d = np.abs(got - want)
        if f32:
            ok = d <= 2e-4 * max(1.0, np.nanmax(np.abs(want), initial=0))
        else:
            ok = d <= 1e-11 * np.maximum(1, np.abs(want))
    ok |= got == want
    if ok.all():
        return None
    k = int(np.argmax(~ok))
    return 'element %d: %r, want %r' % (k, got[k], want[k])


def case_heads(rng):
    B = int(rng.integers(1, 4))
    G = int(rng.choice([1, 2, 3]))
    H = G * int(rng.choice([1, 2, 3]))
    size = rng.random()
    if size < 0.05:     # decoding: keys in several chunks of 4096
        n, m = int(rng.integers(1, 5)), int(rng.integers(4097, 9000))
    else:               # past one query and key block, or small
        big = size < 0.3
        n = int(rng.integers(1, 220 if big else 12))
        m = int(rng.integers(1, 600 if big else 14))
    dk = int(rng.integers(1, 9))
    dv = int(rng.integers(1, 7))
    four = rng.random() < 0.5
    q = rng.normal(size=(B, H, n, dk))
    k = rng.normal(size=(B, G, m, dk))
    v = rng.normal(size=(B, G, m, dv))
    args = qkv_args(q, k, v, four)
    if not four and (G != H or rng.random() < 0.3):
        args += ['--kv-heads', str(G)]
    scale = 1 / math.sqrt(dk)
    score = str(rng.choice(['dot', 'general', 'additive'], p=[0.8, 0.1,
                                                              0.1]))
    if score == 'general':
        wa = rng.normal(size=(dk, dk))
        args += ['--score', 'general', '--wa', save('Wa', wa)]
        scale = 1.0
    elif score == 'additive':
        da = int(rng.integers(1, 5))
        wa, ua, va = (rng.normal(size=(dk, da)), rng.normal(size=(dk, da)),
                      rng.normal(size=da))
        args += ['--score', 'additive', '--wa', save('Wa', wa), '--ua',
                 save('Ua', ua), '--va', save('va', va)]
        scale = 1.0
    if rng.random() < 0.2:
        scale = float(rng.choice([0.5, 1.0, 0.125]))
        args += ['-s', repr(scale)]
    hide = np.zeros((B, H, n, m), bool)
    add = np.zeros((B, H, n, m))
    i = np.arange(n)[:, None]
    j = np.arange(m)[None, :]
    causal = rng.choice(['none', 'tl', 'br'], p=[0.5, 0.25, 0.25])
    off = m - n if causal == 'br' else 0
    if causal == 'tl':
        args += ['-c']
    elif causal == 'br':
        args += ['--causal=bottom-right']
    if causal != 'none':
        hide |= j > i + off
    if rng.random() < 0.25:
        lo, hi = int(rng.integers(0, 6)), int(rng.integers(0, 6))
        args += ['--window', '%d,%d' % (lo, hi)]
        hide |= (j < i + off - lo) | (j > i + off + hi)
    cap = None
    if rng.random() < 0.2:
        cap = float(rng.choice([0.5, 2.0, 5.0]))
        args += ['--softcap', repr(cap)]
    slopes = None
    if rng.random() < 0.2:
        slopes = alibi_slopes(H)
        args += ['--alibi']
    r = rng.random()
    if r < 0.45:
        shapes = [(n, m), (H, n, m), (B, H, n, m), (1, H, n, m),
                  (B, 1, n, m), (1, 1, n, m), (1, m), (n, 1), (1, 1),
                  (H, 1, m), (H, n, 1), (B, 1, 1, m), (B, H, n, 1)]
        shp = shapes[int(rng.integers(0, len(shapes)))]
        full = (1,) * (4 - len(shp)) + shp
        if r < 0.25:
            mk = rng.random(shp) < 0.8
            dt = str(rng.choice(['bool', 'f8', 'i4']))
            args += ['--mask', save('mask', mk.astype(dt))]
            hide |= ~np.broadcast_to(mk.reshape(full), hide.shape)
        else:
            bi = rng.normal(size=shp)
            bi[rng.random(shp) < 0.2] = -np.inf
            args += ['--bias', save('bias', bi)]
            add = add + np.broadcast_to(bi.reshape(full), add.shape)
    if rng.random() < 0.25:
        kp = rng.random((B, m)) < 0.3
        args += ['--key-padding', save('kpad', kp.astype('f8') if B > 1
                                       else kp[0].astype('f8'))]
        hide |= kp[:, None, None, :]
    if rng.random() < 0.15:
        kl = rng.integers(0, m + 1, size=B)
        args += ['--key-lengths', save('klen', kl.astype('f8'))]
        hide |= (np.arange(m)[None, :] >= kl[:, None])[:, None, None, :]
    ql = None
    if rng.random() < 0.15:
        ql = rng.integers(0, n + 1, size=B)
        args += ['--query-lengths', save('qlen', ql.astype('f8'))]
    if rng.random() < 0.15:
        # RMSNorm of each head's rows (weights 1), before RoPE
        eps = float(rng.choice([1e-6, 0.5]))
        args += ['--qk-norm=%r' % eps]
        q = q / np.sqrt((q * q).mean(axis=-1, keepdims=True) + eps)
        k = k / np.sqrt((k * k).mean(axis=-1, keepdims=True) + eps)
    if dk % 2 == 0 and rng.random() < 0.2:
        # Llama's pairing: component t turns with t + dk/2
        base = float(rng.choice([10000.0, 500.0]))
        args += ['--rope=%r' % base]

        def rope(x, pos):
            h = dk // 2
            th = pos[:, None] * base ** (-2.0 * np.arange(h) / dk)
            c, sn = np.cos(th), np.sin(th)
            x1, x2 = x[..., :h], x[..., h:]
            return np.concatenate([x1 * c - x2 * sn, x2 * c + x1 * sn], -1)
        q = rope(q, np.arange(n, dtype='f8') + off)
        k = rope(k, np.arange(m, dtype='f8'))
    sinks = None
    if rng.random() < 0.2:
        sinks = rng.normal(size=H)
        args += ['--sinks', save('sinks', sinks)]
    wo = None
    if rng.random() < 0.25:
        wo = rng.normal(size=(H * dv, int(rng.integers(1, 6))))
        args += ['-w', save('WO', wo)]
    qr = None
    if n > 1 and rng.random() < 0.25:
        a0 = int(rng.integers(0, n - 1))
        qr = (a0, int(rng.integers(a0 + 1, n + 1)))
        args += ['--query-range', '%d:%d' % qr]
    avg = rng.random() < 0.2
    if avg:
        args += ['--average-weights']
    args += ['-o', path('Y.npy'), '-a', path('A.npy'), '--lse',
             path('L.npy')]

    rep = H // G
    kr = np.repeat(k, rep, axis=1)
    if score == 'dot':
        s = np.einsum('bhid,bhjd->bhij', q, kr) * scale
    elif score == 'general':
        s = np.einsum('bhid,bhjd->bhij', q @ wa, kr) * scale
    else:
        s = np.tanh((q @ wa)[:, :, :, None, :] +
                    (kr @ ua)[:, :, None, :, :]) @ va * scale
    if cap is not None:
        s = cap * np.tanh(s / cap)
    s = s + add
    if slopes is not None:
        s = s - slopes[None, :, None, None] * np.abs(i + off - j)
    s[hide] = -np.inf
    w, lse = softmax_ref(s, None if sinks is None else
                         sinks[None, :, None, None])
    if ql is not None:
        pad = (np.arange(n)[None, :] >= ql[:, None])[:, None, :]
        w = np.where(pad[..., None], 0, w)
        lse = np.where(pad, -np.inf, lse)
    o = np.einsum('bhij,bhjd->bhid', w, np.repeat(v, rep, axis=1))
    if wo is not None:
        y = o.transpose(0, 2, 1, 3).reshape(B, n, -1) @ wo
    elif four:
        y = o
    else:
        y = o.transpose(0, 2, 1, 3).reshape(B, n, -1)
    if qr is not None:
        y = y[:, :, qr[0]:qr[1]] if four and wo is None else \
            y[:, qr[0]:qr[1]]
        w = w[:, :, qr[0]:qr[1]]
        lse = lse[:, :, qr[0]:qr[1]]
    if avg:
        w = w.mean(axis=1)
    first = {}
    for jn in ('1', '2'):
        fresh('Y', 'A', 'L')
        rc, err = run(['-j', jn] + args)
        if rc != 0:
            return args, 'exit %d: %s' % (rc, err)
        for name, want in (('Y', y), ('A', w), ('L', lse)):
            bad = close(np.load(path(name + '.npy')), want)
            if bad:
                return args, '-j %s: %s: %s' % (jn, name, bad)
            with open(path(name + '.npy'), 'rb') as f:
                b = f.read()
            # the same bytes for any number of threads
            if first.setdefault(name, b) != b:
                return args, '%s differs between -j 1 and -j 2' % name
    return args, None


def case_proj(rng):
    batch = rng.random() < 0.5
    B = int(rng.integers(1, 4)) if batch else 1
    G = int(rng.choice([1, 2]))
    H = G * int(rng.choice([1, 2, 3]))
    dk, dv = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    big = rng.random() < 0.2
    n, d = int(rng.integers(1, 200 if big else 10)), int(rng.integers(1, 9))
    cross = rng.random() < 0.3
    m = int(rng.integers(1, 400 if big else 10)) if cross else n
    dm = int(rng.integers(1, 9)) if cross else d
    f32 = rng.random() < 0.3
    torch_layout = rng.random() < 0.3
    text = not batch and rng.random() < 0.3
    X = rng.normal(size=(B, n, d))
    M = rng.normal(size=(B, m, dm)) if cross else X
    WQ = rng.normal(size=(d, H * dk))
    WK = rng.normal(size=(dm, G * dk))
    WV = rng.normal(size=(dm, G * dv))

    def weight(name, w):
        return save(name, w.T.copy() if torch_layout else w, text)
    args = ['-x', save('X', X if batch else X[0], text)]
    if cross:
        args += ['-m', save('M', M if batch else M[0], text)]
    args += ['-q', weight('WQ', WQ), '-k', weight('WK', WK), '-v',
             weight('WV', WV), '-H', str(H)]
    if torch_layout:
        args += ['--layout', 'torch']
    if G != H:
        args += ['--kv-heads', str(G)]
    bq = bk = bv = bo = wo = None
    if rng.random() < 0.3:
        bq, bk, bv = (rng.normal(size=H * dk), rng.normal(size=G * dk),
                      rng.normal(size=G * dv))
        args += ['--bq', save('bq', bq, text), '--bk', save('bk', bk, text),
                 '--bv', save('bv', bv, text)]
    if rng.random() < 0.5:
        wo = rng.normal(size=(H * dv, int(rng.integers(1, 6))))
        args += ['-w', weight('WO', wo)]
        if rng.random() < 0.4:
            bo = rng.normal(size=wo.shape[1])
            args += ['--bo', save('bo', bo, text)]
    hide = np.zeros((B, H, n, m), bool)
    i = np.arange(n)[:, None]
    j = np.arange(m)[None, :]
    c = rng.choice(['none', 'tl', 'br'], p=[0.5, 0.25, 0.25])
    if c == 'tl':
        args += ['-c']
        hide |= j > i
    elif c == 'br':
        args += ['-cbottom-right']
        hide |= j > i + m - n
    if rng.random() < 0.3:
        mk = rng.random((n, m)) < 0.8
        args += ['--mask', save('mask', mk.astype('f8'), text)]
        hide |= ~mk
    if rng.random() < 0.25:
        kp = rng.random((B, m)) < 0.3
        args += ['--key-padding', save('kpad', (kp if batch else
                                                kp[0]).astype('f8'), text)]
        hide |= kp[:, None, None, :]
    if f32:
        args += ['--dtype', 'f32']
    args += ['-o', path('Y.npy'), '-a', path('A.npy')]

    def plus(a, b):
        return a if b is None else a + b
    Q = plus(X @ WQ, bq)
    K = plus(M @ WK, bk)
    V = plus(M @ WV, bv)
    q = Q.reshape(B, n, H, dk).transpose(0, 2, 1, 3)
    k = np.repeat(K.reshape(B, m, G, dk).transpose(0, 2, 1, 3), H // G, 1)
    v = np.repeat(V.reshape(B, m, G, dv).transpose(0, 2, 1, 3), H // G, 1)
    s = np.einsum('bhid,bhjd->bhij', q, k) / math.sqrt(dk)
    s[hide] = -np.inf
    w, _ = softmax_ref(s)
    y = np.einsum('bhij,bhjd->bhid', w, v).transpose(0, 2, 1, 3)
    y = y.reshape(B, n, -1)
    if wo is not None:
        y = plus(y @ wo, bo)
    fresh('Y', 'A')
    rc, err = run(args)
    if rc != 0:
        return args, 'exit %d: %s' % (rc, err)
    for name, want in (('Y', y), ('A', w)):
        bad = close(np.load(path(name + '.npy')), want, f32)
        if bad:
            return args, '%s: %s' % (name, bad)
    return args, None


def case_merge(rng):
    B = int(rng.integers(1, 3))
    G = int(rng.choice([1, 2]))
    H = G * int(rng.choice([1, 2]))
    n = int(rng.integers(1, 30))
    m = int(rng.integers(2, 700 if rng.random() < 0.3 else 20))
    dk, dv = int(rng.integers(1, 6)), int(rng.integers(1, 5))
    four = rng.random() < 0.5
    q = rng.normal(size=(B, H, n, dk))
    k = rng.normal(size=(B, G, m, dk))
    v = rng.normal(size=(B, G, m, dv))
    args = qkv_args(q, k, v, four)
    if not four:
        args += ['--kv-heads', str(G)]
    c = str(rng.choice(['', '-c', '-cbottom-right']))
    if c:
        args.append(c)
    if rng.random() < 0.3:
        args += ['--window', '%d,%d' % (rng.integers(0, 5),
                                        rng.integers(0, 5))]
    if rng.random() < 0.3:
        args += ['--mask', save('mask', rng.random((n, m)) < 0.7)]
    if rng.random() < 0.2:
        args += ['--alibi']
    if rng.random() < 0.2:
        args += ['--softcap', '2']
    x = str(rng.choice(['npy', 'csv'])) if B == 1 and not four else 'npy'

    def load(f):
        return np.load(f) if x == 'npy' else \
            np.loadtxt(f, delimiter=',', ndmin=2)
    rc, err = run(args + ['-o', path('Y.' + x), '--lse', path('L.' + x)])
    if rc != 0:
        return args, 'whole run: exit %d: %s' % (rc, err)
    cuts = sorted(set(int(c) for c in rng.integers(1, m, size=int(
        rng.integers(0, 4)))))
    edges = [0] + cuts + [m]
    merge = ['--merge', '-o', path('YM.' + x), '--lse', path('LM.' + x)]
    for t in range(len(edges) - 1):
        y, l = path('Y%d.%s' % (t, x)), path('L%d.%s' % (t, x))
        rc, err = run(args + ['--key-range', '%d:%d' % (edges[t],
                                                        edges[t + 1]),
                              '-o', y, '--lse', l])
        if rc != 0:
            return args, 'shard %d: exit %d: %s' % (t, rc, err)
        merge += [y, l]
    rc, err = run(merge)
    if rc != 0:
        return merge, 'merge: exit %d: %s' % (rc, err)
    for a, b in (('Y', 'YM'), ('L', 'LM')):
        bad = close(load(path(b + '.' + x)), load(path(a + '.' + x)))
        if bad:
            return args, 'shards %s: merged %s: %s' % (edges, a, bad)
    return args, None


KINDS = {'heads': case_heads, 'proj': case_proj, 'merge': case_merge}


def main():
    global W, SA
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('selfattn', nargs='?', default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..', 'selfattn'))
    ap.add_argument('-n', '--cases', type=int, default=200,
                    help='cases of each kind (default 200)')
    ap.add_argument('-s', '--seed', type=int, default=1)
    ap.add_argument('-k', '--kind', default='all',
                    choices=['all'] + sorted(KINDS))
    ap.add_argument('--keep', action='store_true',
                    help='keep the inputs of the last case (and say where)')
    o = ap.parse_args()
    SA = os.path.abspath(o.selfattn)
    W = tempfile.mkdtemp(prefix='selfattn-diff.')
    failed = 0
    try:
        for kind in sorted(KINDS) if o.kind == 'all' else [o.kind]:
            bad = 0
            for c in range(o.cases):
                rng = np.random.default_rng([o.seed, c, len(kind)])
                args, why = KINDS[kind](rng)
                if why is not None:
                    bad += 1
                    print('%s case %d (seed %d): %s\n  selfattn %s' %
                          (kind, c, o.seed, why, ' '.join(args)))
            print('%s: %d cases, %d failed' % (kind, o.cases, bad))
            failed += bad
    finally:
        if o.keep:
            print('inputs of the last case kept in', W)
        else:
            shutil.rmtree(W)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
