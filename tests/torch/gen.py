#!/usr/bin/python3
"""PyTorch reference cases for tests/torch.bats.

Run once with /usr/bin/python3 (Debian's python3-torch, torch 1.13, and
NumPy) from anywhere; the outputs are committed and the tests never run
Python:

    /usr/bin/python3 tests/torch/gen.py

The committed files are one run's.  Run again on another machine,
PyTorch's results can differ in the last bit, and a case whose draw sits
near the conditioning check below can be drawn again (memory_cross_bias
was, on a Zen 5 in December 2026: other inputs, as good a case).

Each case is a folder tests/torch/NAME/ holding its inputs (.npy '<f8',
or CSV where the case is about text input), a one-line `cmd` file with
the selfattn arguments relative to the folder, and the expected results:

    expect_out.npy     the output, '<f8'
    expect_w.npy       the attention weights: (H, n, m), (n, m) when
                       H == 1, (B, H, n, m) / (B, n, m) with batches,
                       (n, m) / (B, n, m) with --average-weights
    expect_warning     (only where some query row has every key masked)
                       the one line selfattn must print to stderr

Every expected value comes from PyTorch, computed in float64: either
torch.nn.MultiheadAttention (the main reference), or torch 1.13's
torch.nn.functional._scaled_dot_product_attention (called `sdpa` below;
its signature in 1.13 is (q, k, v, attn_mask, dropout_p,
need_attn_weights, is_causal), its scale is fixed at 1/sqrt(E), a bool
attn_mask is True = may attend, a float one is added to the scaled
scores, and is_causal is top-left: query i sees keys j <= i), or, where
neither can express the computation (bottom-right causal, windows, RoPE,
other scales, Luong/Bahdanau scores), sdpa's documented math written in
torch ops: softmax(q @ k^T * scale + bias) @ v.  The PyTorch call of
each case is written as a comment in its function.

Query rows whose keys are all masked: nn.MultiheadAttention returning
its weights (and scaled_dot_product_attention before PyTorch 2.5) gives
NaN there (output and weights), SDPA since 2.5 zeros; selfattn gives 0
and a warning.  For those rows the expectation is constructed (zeroed)
here, after asserting that PyTorch gave NaN, or zeros, exactly there.

Two checks guard every case, and the script fails unless both pass:

 1. an independent plain-NumPy reimplementation of selfattn's contract
    (np_* functions below, written from the spec, not from the torch
    code) agrees with PyTorch to 1e-12 relative, element by element:
    this catches a wrong reading of PyTorch's semantics;
 2. the same NumPy code run in long double agrees with PyTorch's float64
    numbers to 1e-13 relative (after rounding the long double result to
    float64): the data are well conditioned, so the tests' 1e-12
    tolerance is fair to any correct float64 implementation.  A case
    whose random data fail this is redrawn with the next seed.
"""
import math
import os
import re
import shutil
import sys
import zlib

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
F = torch.nn.functional
SDPA = F._scaled_dot_product_attention          # torch 1.13
HERE = os.path.dirname(os.path.abspath(__file__))
AGREE_REL = 1e-12       # NumPy float64 vs PyTorch
COND_REL = 1e-13        # NumPy long double vs PyTorch
LD = np.longdouble
F64 = np.float64

def warning(dead, cmd):
    """selfattn's warning line: rows counted in each head (-H N > 1)."""
    m = re.search(r"(?:^| )(?:-H ?|--heads[ =])(\d+)", cmd)
    heads = bool(m and int(m.group(1)) > 1)
    return ("selfattn: warning: %d query row%s%s %s every key masked: %s" % (
        dead, "" if dead == 1 else "s",
        ", counted in each head," if heads else "",
        "has" if dead == 1 else "have",
        ("its weights and its head's output are 0" if dead == 1 else
         "their weights and their heads' outputs are 0") if heads else
        "its output and weights are 0" if dead == 1 else
        "their output and weights are 0"))


# -- files --

def fmt(v):
    return repr(float(v))


def write_csv(path, a):
    """1-D: one row; 2-D: one row a line; 3-D: 2-D blocks separated by
    one blank line.  Numbers as repr(float), which reads back exactly;
    a file of only 0 and 1 (a mask) as "0" and "1"."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    blocks = [a] if a.ndim == 2 else list(a)
    f01 = np.isin(a, (0.0, 1.0)).all()      # a 0/1 mask: "0" and "1"
    with open(path, "w") as f:
        f.write("\n".join(
            "".join(",".join(str(int(v)) if f01 else fmt(v) for v in row)
                    + "\n" for row in b)
            for b in blocks))


def write_npy(path, a):
    np.save(path, np.ascontiguousarray(a, dtype="<f8"))


# -- PyTorch helpers --

def T(a):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))


def t_heads(x, h):
    """(..., n, h*d) -> (..., h, n, d): head i = i-th column block."""
    *lead, n, c = x.shape
    return x.reshape(*lead, n, h, c // h).transpose(-3, -2)


def t_merge(o):
    """(..., h, n, d) -> (..., n, h*d): heads concatenated."""
    *lead, h, n, d = o.shape
    return o.transpose(-3, -2).reshape(*lead, n, h * d)


def t_sdpa(q, k, v, mask=None, causal=False):
    # out, w = torch.nn.functional._scaled_dot_product_attention(
    #     q, k, v, attn_mask=mask, dropout_p=0.0,
    #     need_attn_weights=True, is_causal=causal)
    return SDPA(q, k, v, mask, 0.0, True, causal)


def t_math(q, k, v, scale, mask=None, scores=None):
    """sdpa's documented math in torch ops, for what 1.13's sdpa cannot
    take: attn = softmax(q @ k^T * scale + bias) @ v, bias = -inf where
    a bool mask is False, or a float mask itself.  `scores` replaces
    q @ k^T (Luong, Bahdanau)."""
    s = (q @ k.transpose(-2, -1) if scores is None else scores) * scale
    if mask is not None:
        if mask.dtype == torch.bool:
            bias = torch.zeros(mask.shape).masked_fill(~mask, -math.inf)
        else:
            bias = mask
        s = s + bias
    w = torch.softmax(s, dim=-1)
    return w @ v, w


def t_mha(E, h, params, **kw):
    """nn.MultiheadAttention(E, h, batch_first=True, **kw) with its
    parameters set from `params` (state_dict names -> arrays)."""
    mha = torch.nn.MultiheadAttention(E, h, batch_first=True, **kw)
    sd = mha.state_dict()
    assert set(sd) == set(params), (set(sd), set(params))
    mha.load_state_dict({k: T(v) for k, v in params.items()})
    mha.eval()
    return mha


def t_zero_dead(o, w, allow):
    """PyTorch gives NaN (MHA's weights path, SDPA before 2.5) or zeros
    (SDPA since 2.5) for a query row with every key masked; selfattn
    gives zeros.  Assert the NaNs (or zeros) are exactly there, then
    zero them.  o (..., H, n, dv), w (..., H, n, m), allow broadcastable
    to w."""
    allow = allow.expand(w.shape)
    dead = ~allow.any(dim=-1)                           # (..., H, n)
    assert dead.any()
    assert ((torch.isnan(w[dead]).all() and torch.isnan(o[dead]).all()) or
            ((w[dead] == 0).all() and (o[dead] == 0).all()))
    assert not torch.isnan(w[~dead]).any()
    assert not torch.isnan(o[~dead]).any()
    o = torch.where(dead[..., None], torch.zeros(()), o)
    w = torch.where(dead[..., None], torch.zeros(()), w)
    return o, w


def t_sinusoidal(n, d):
    # The PyTorch tutorial's PositionalEncoding ("Language Modeling with
    # nn.Transformer"): pe[:, 0::2] = sin(position * div_term), pe[:,
    # 1::2] = cos(position * div_term).
    position = torch.arange(n, dtype=torch.float64).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d, 2, dtype=torch.float64)
                         * (-math.log(10000.0) / d))
    pe = torch.zeros(n, d)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term)
    return pe


def t_rope(x, pos, base):
    # Hugging Face transformers, LlamaRotaryEmbedding + apply_rotary_pos_emb
    # (rotate_half pairing), inv_freq in float64 instead of float32:
    #   inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2) / dim))
    #   freqs = outer(t, inv_freq); emb = cat((freqs, freqs), -1)
    #   x_embed = x * emb.cos() + rotate_half(x) * emb.sin()
    dim = x.shape[-1]
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float64)
                               / dim))
    freqs = torch.outer(pos.to(torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)

    def rotate_half(t):
        t1 = t[..., :dim // 2]
        t2 = t[..., dim // 2:]
        return torch.cat((-t2, t1), dim=-1)
    return x * emb.cos() + rotate_half(x) * emb.sin()


# -- the NumPy reimplementation (dtype-generic: float64 or long double) --

def np_split(a, h):
    """(..., n, h*d) -> (..., h, n, d)."""
    *lead, n, c = a.shape
    return np.swapaxes(a.reshape(*lead, n, h, c // h), -3, -2)


def np_concat(o):
    """(..., h, n, d) -> (..., n, h*d)."""
    *lead, h, n, d = o.shape
    return np.swapaxes(o, -3, -2).reshape(*lead, n, h * d)


def np_attend(q, k, v, scale, allow=None, add=None, scores=None):
    """Scores (q.k, or given), times scale, plus `add`, -inf where not
    `allow`, row softmax with the maximum subtracted; a row with nothing
    allowed gets weights 0 and output 0.  Returns (out, w, dead rows)."""
    s = (q @ np.swapaxes(k, -1, -2)) if scores is None else scores
    s = s * scale
    if add is not None:
        s = s + add
    if allow is not None:
        s = np.where(allow, s, -np.inf)
    mx = s.max(axis=-1, keepdims=True)
    dead = np.isneginf(mx)
    e = np.exp(s - np.where(dead, 0, mx))
    tot = e.sum(axis=-1, keepdims=True)
    w = e / np.where(dead, 1, tot)
    return w @ v, w, int(dead.sum())


def np_allow_causal(n, m, shift=0, window=None, causal=True):
    """allow[i, j]: aligned query position p = i + shift sees key j when
    j <= p (causal) and |p - j| <= window (window)."""
    a = np.ones((n, m), dtype=bool)
    for i in range(n):
        p = i + shift
        for j in range(m):
            ok = True
            if causal and j > p:
                ok = False
            if window is not None and abs(p - j) > window:
                ok = False
            a[i, j] = ok
    return a


def np_sinusoidal(n, d, dt):
    pe = np.zeros((n, d), dtype=dt)
    for p in range(n):
        for c in range(d):
            i2 = c - c % 2                               # 2i
            ang = dt(p) / dt(10000) ** (dt(i2) / dt(d))
            pe[p, c] = np.sin(ang) if c % 2 == 0 else np.cos(ang)
    return pe


def np_rope(x, pos, base, dt):
    """x (..., L, dk); x'[i] = x[i] cos - x[i+dk/2] sin, x'[i+dk/2] =
    x[i+dk/2] cos + x[i] sin, theta = pos * base^(-2i/dk)."""
    dk = x.shape[-1]
    half = dk // 2
    i = np.arange(half).astype(dt)
    inv = dt(1) / dt(base) ** (dt(2) * i / dt(dk))
    th = np.asarray(pos).astype(dt)[:, None] * inv[None, :]
    c, s = np.cos(th), np.sin(th)
    a, b = x[..., :half], x[..., half:]
    return np.concatenate([a * c - b * s, b * c + a * s], axis=-1)


# -- checking --

def agree(what, got, want, rel, name):
    """|got - want| <= rel*|want| element by element (want is PyTorch's
    float64); got is rounded to float64 first when it is long double."""
    got = np.asarray(got)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (name, what, got.shape, want.shape)
    assert np.all(np.isfinite(want)), (name, what, "not finite")
    g = got.astype(np.float64).astype(LD)
    w = want.astype(LD)
    assert not np.any((want != 0) & (np.abs(want) < 2.0 ** -1022)), \
        (name, what, "subnormal value")
    bad = np.abs(g - w) > rel * np.abs(w)
    if bad.any():
        i = tuple(np.argwhere(bad)[0])
        return "%s %s at %s: %r vs torch %r" % (name, what, i,
                                                 float(g[i]), float(w[i]))
    return None


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


class Out:
    """What a case function returns."""

    def __init__(self, cmd, files, t_out, t_w, np_fn, weights=True,
                 t_lse=None, np_lse=None):
        self.cmd = cmd              # selfattn arguments
        self.files = files          # name -> array (.npy / .csv by name)
        self.t_out = t_out          # PyTorch's expectation (NaN-free)
        self.t_w = t_w
        self.np_fn = np_fn          # dtype -> (out, w, dead rows)
        self.weights = weights
        self.t_lse = t_lse          # torch.logsumexp of the masked scores
        self.np_lse = np_lse        # dtype -> the same in NumPy


def agree_lse(what, got, want, rel, name):
    """As agree(), where -inf (a row with every key hidden) must be -inf
    in both."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (name, what, got.shape, want.shape)
    dead = np.isneginf(want)
    if not np.array_equal(np.isneginf(got), dead):
        return "%s %s: -inf in different places" % (name, what)
    return agree(what, got[~dead], want[~dead], rel, name)

def run_case(fn):
    name = fn.__name__[len("case_"):]
    base = zlib.crc32(name.encode())
    for attempt in range(100):
        rng = np.random.default_rng(base + attempt)
        r = fn(rng)
        t_out = r.t_out.detach().numpy()
        t_w = r.t_w.detach().numpy()
        o64, w64, dead64 = r.np_fn(F64)
        err = (agree("out (numpy f64)", o64, t_out, AGREE_REL, name) or
               agree("w (numpy f64)", w64, t_w, AGREE_REL, name))
        if err:
            # NumPy and PyTorch disagree: a wrong reading of PyTorch's
            # semantics (or of the spec); never retried.
            sys.exit("DISAGREE: " + err)
        t_lse = None
        if r.t_lse is not None:
            t_lse = r.t_lse.detach().numpy()
            err = agree_lse("lse (numpy f64)", r.np_lse(F64), t_lse,
                            AGREE_REL, name)
            if err:
                sys.exit("DISAGREE: " + err)
        old, wld, deadld = r.np_fn(LD)
        assert dead64 == deadld
        err = (agree("out (long double)", old, t_out, COND_REL, name) or
               agree("w (long double)", wld, t_w, COND_REL, name) or
               (t_lse is not None and
                agree_lse("lse (long double)", r.np_lse(LD), t_lse,
                          COND_REL, name)) or None)
        if err is None:
            break
        print("redraw (%s)" % err)
    else:
        sys.exit("%s: no well-conditioned draw" % name)
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for f, a in r.files.items():
        if f.endswith(".csv"):
            write_csv(os.path.join(d, f), a)
        else:
            write_npy(os.path.join(d, f + ".npy"), a)
    with open(os.path.join(d, "cmd"), "w") as f:
        f.write(r.cmd + "\n")
    write_npy(os.path.join(d, "expect_out.npy"), t_out)
    if r.weights:
        write_npy(os.path.join(d, "expect_w.npy"), t_w)
    if t_lse is not None:
        write_npy(os.path.join(d, "expect_lse.npy"), t_lse)
    if dead64:
        with open(os.path.join(d, "expect_warning"), "w") as f:
            f.write(warning(dead64, r.cmd) + "\n")
    print("%-28s out %-14s w %-16s%s" % (
        name, t_out.shape, t_w.shape if r.weights else "-",
        "  warning: %d rows" % dead64 if dead64 else ""))


def rn(rng, *shape, sd=1.0):
    return rng.normal(0.0, sd, size=shape)


def pos(rng, *shape):
    """Positive values (V, WV): outputs never cancel."""
    return rng.uniform(0.5, 1.5, size=shape)


def squeeze_h(w):
    """(..., 1, n, m) -> (..., n, m): the H axis is omitted when H == 1."""
    return w[..., 0, :, :] if w.shape[-3] == 1 else w


# -- helpers shared by the self-attention cases --

def qkv_self(rng, n, d, h, dk, dv, dout=None):
    X = rn(rng, n, d)
    WQ = rn(rng, d, h * dk, sd=d ** -0.5)
    WK = rn(rng, d, h * dk, sd=d ** -0.5)
    WV = pos(rng, d, h * dv)
    X = np.abs(X)                       # X, WV > 0: V > 0
    WO = pos(rng, h * dv, dout) if dout else None
    return X, WQ, WK, WV, WO


def np_self(X, WQ, WK, WV, h, dt, bq=None, bk=None, bv=None):
    X, WQ, WK, WV = (a.astype(dt) for a in (X, WQ, WK, WV))
    q, k, v = X @ WQ, X @ WK, X @ WV
    if bq is not None:
        q, k, v = q + bq.astype(dt), k + bk.astype(dt), v + bv.astype(dt)
    return np_split(q, h), np_split(k, h), np_split(v, h)


def t_self(X, WQ, WK, WV, h):
    x = T(X)
    return (t_heads(x @ T(WQ), h), t_heads(x @ T(WK), h),
            t_heads(x @ T(WV), h))


def given_qkv(rng, n, m, h, dk, dv, lead=()):
    Q = rn(rng, *lead, n, h * dk)
    K = rn(rng, *lead, m, h * dk)
    V = pos(rng, *lead, m, h * dv)
    return Q, K, V


# -- causal --

@case
def case_causal_tl_square(rng):
    n, d, h, dk, dv, dout = 6, 5, 2, 3, 2, 4
    X, WQ, WK, WV, WO = qkv_self(rng, n, d, h, dk, dv, dout)
    # o, w = sdpa(q, k, v, None, 0.0, True, is_causal=True), q/k/v (H, n, dk)
    q, k, v = t_self(X, WQ, WK, WV, h)
    o, w = t_sdpa(q, k, v, causal=True)
    t_out = t_merge(o) @ T(WO)

    def npf(dt):
        q, k, v = np_self(X, WQ, WK, WV, h, dt)
        o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                               allow=np_allow_causal(n, n))
        return np_concat(o) @ WO.astype(dt), w, dead
    return Out("-x X.npy -q WQ.npy -k WK.npy -v WV.npy -w WO.npy -H 2 -c",
               dict(X=X, WQ=WQ, WK=WK, WV=WV, WO=WO), t_out, w, npf)


def causal_given(rng, n, m, h, dk, dv, flag, bottom_right):
    Q, K, V = given_qkv(rng, n, m, h, dk, dv)
    q, k, v = t_heads(T(Q), h), t_heads(T(K), h), t_heads(T(V), h)
    shift = m - n if bottom_right else 0
    if bottom_right:
        # bottom-right (torch.nn.attention.bias.causal_lower_right in
        # newer torch): o, w = sdpa(q, k, v, mask, 0.0, True, False),
        # mask[i, j] = j <= i + m - n (bool, True = may attend)
        mask = (torch.arange(m)[None, :]
                <= torch.arange(n)[:, None] + (m - n))
        o, w = t_sdpa(q, k, v, mask)
        if not mask.any(dim=-1).all():
            o, w = t_zero_dead(o, w, mask)
    else:
        # o, w = sdpa(q, k, v, None, 0.0, True, is_causal=True)
        o, w = t_sdpa(q, k, v, causal=True)

    def npf(dt):
        q, k, v = (np_split(a.astype(dt), h) for a in (Q, K, V))
        o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                               allow=np_allow_causal(n, m, shift))
        return np_concat(o), squeeze_h(w), dead
    return Out("-Q Q.npy -K K.npy -V V.npy -H %d %s" % (h, flag),
               dict(Q=Q, K=K, V=V), t_merge(o), squeeze_h(w), npf)


@case
def case_causal_tl_n_lt_m(rng):
    return causal_given(rng, 4, 7, 2, 3, 2, "--causal", False)


@case
def case_causal_tl_n_gt_m(rng):
    return causal_given(rng, 7, 4, 2, 3, 2, "--causal", False)


@case
def case_causal_br_n_lt_m(rng):
    return causal_given(rng, 4, 7, 2, 3, 2, "--causal=bottom-right", True)


@case
def case_causal_br_n_gt_m(rng):
    # n > m bottom-right: queries 0 and 1 see no key (warning, zeros)
    return causal_given(rng, 6, 4, 1, 3, 2, "--causal=bottom-right", True)


# -- masks --

def rand_allow(rng, shape, p=0.35):
    """A random bool mask (True = may attend), every row keeping a key."""
    a = rng.random(shape) > p
    flat = a.reshape(-1, shape[-1])
    for r in flat:
        if not r.any():
            r[rng.integers(shape[-1])] = True
    return flat.reshape(shape)


@case
def case_mask_bool(rng):
    n, d, h, dk, dv = 6, 5, 2, 3, 2
    X, WQ, WK, WV, _ = qkv_self(rng, n, d, h, dk, dv)
    allow = rand_allow(rng, (n, n))
    # o, w = sdpa(q, k, v, attn_mask=torch.tensor(allow) (bool), 0.0, True,
    #             False); q/k/v (H, n, dk)
    q, k, v = t_self(X, WQ, WK, WV, h)
    o, w = t_sdpa(q, k, v, torch.from_numpy(allow))

    def npf(dt):
        q, k, v = np_self(X, WQ, WK, WV, h, dt)
        o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                               allow=allow)
        return np_concat(o), w, dead
    return Out("-x X.npy -q WQ.npy -k WK.npy -v WV.npy -H 2 "
               "--mask mask.csv",
               {"X": X, "WQ": WQ, "WK": WK, "WV": WV,
                "mask.csv": allow.astype(float)}, t_merge(o), w, npf)


def additive_mask(rng, shape, p=0.25):
    """Normal values, some -inf, every row keeping a finite entry."""
    allow = rand_allow(rng, shape, p)
    return np.where(allow, rn(rng, *shape), -np.inf)


@case
def case_mask_additive(rng):
    n, m, dk, dv = 5, 7, 4, 3
    Q, K, V = given_qkv(rng, n, m, 1, dk, dv)
    M = additive_mask(rng, (n, m))
    # o, w = sdpa(Q, K, V, attn_mask=torch.tensor(M) (float64, -inf
    #             entries), 0.0, True, False): added to the scaled scores
    o, w = t_sdpa(T(Q), T(K), T(V), T(M))

    def npf(dt):
        o, w, dead = np_attend(Q.astype(dt), K.astype(dt), V.astype(dt),
                               dt(1) / np.sqrt(dt(dk)), add=M.astype(dt))
        return o, w, dead
    return Out("-Q Q.npy -K K.npy -V V.npy --bias mask.npy",
               {"Q": Q, "K": K, "V": V, "mask": M}, o, w, npf)


@case
def case_mask_per_head_bool(rng):
    n, d, h, dk, dv = 5, 6, 3, 2, 2
    X, WQ, WK, WV, _ = qkv_self(rng, n, d, h, dk, dv)
    allow = rand_allow(rng, (h, n, n))
    # o, w = sdpa(q, k, v, attn_mask=bool (H, n, n), 0.0, True, False)
    q, k, v = t_self(X, WQ, WK, WV, h)
    o, w = t_sdpa(q, k, v, torch.from_numpy(allow))

    def npf(dt):
        q, k, v = np_self(X, WQ, WK, WV, h, dt)
        o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                               allow=allow)
        return np_concat(o), w, dead
    return Out("-x X.npy -q WQ.npy -k WK.npy -v WV.npy -H 3 "
               "--mask mask.npy",
               {"X": X, "WQ": WQ, "WK": WK, "WV": WV,
                "mask": allow.astype(float)}, t_merge(o), w, npf)


@case
def case_mask_per_head_additive(rng):
    n, m, h, dk, dv = 4, 6, 2, 3, 2
    Q, K, V = given_qkv(rng, n, m, h, dk, dv)
    M = additive_mask(rng, (h, n, m))
    # o, w = sdpa(q, k, v, attn_mask=float (H, n, m), 0.0, True, False)
    q, k, v = t_heads(T(Q), h), t_heads(T(K), h), t_heads(T(V), h)
    o, w = t_sdpa(q, k, v, T(M))

    def npf(dt):
        q, k, v = (np_split(a.astype(dt), h) for a in (Q, K, V))
        o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                               add=M.astype(dt))
        return np_concat(o), w, dead
    return Out("-Q Q.npy -K K.npy -V V.npy -H 2 --bias mask.npy",
               {"Q": Q, "K": K, "V": V, "mask": M}, t_merge(o), w, npf)


@case
def case_key_padding(rng):
    n, d, h, dk, dv = 6, 5, 2, 3, 2
    X, WQ, WK, WV, _ = qkv_self(rng, n, d, h, dk, dv)
    pad = np.zeros(n, dtype=bool)
    pad[[1, 4]] = True
    # MultiheadAttention's key_padding_mask (True = ignore) as sdpa's mask:
    # o, w = sdpa(q, k, v, attn_mask=~key_padding_mask[None, None, :],
    #             0.0, True, False)
    q, k, v = t_self(X, WQ, WK, WV, h)
    o, w = t_sdpa(q, k, v, ~torch.from_numpy(pad)[None, None, :])

    def npf(dt):
        q, k, v = np_self(X, WQ, WK, WV, h, dt)
        allow = np.array([[not pad[j] for j in range(n)]] * n)
        o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                               allow=allow)
        return np_concat(o), w, dead
    return Out("-x X.npy -q WQ.npy -k WK.npy -v WV.npy -H 2 "
               "--key-padding key_padding.npy",
               {"X": X, "WQ": WQ, "WK": WK, "WV": WV,
                "key_padding": pad.astype(float)}, t_merge(o), w, npf)


@case
def case_key_padding_causal_allmasked(rng):
    # key 0 padded + causal: query 0 sees nothing, in both heads
    n, h, dk, dv = 5, 2, 3, 2
    Q, K, V = given_qkv(rng, n, n, h, dk, dv)
    pad = np.array([1, 0, 0, 1, 0], dtype=bool)
    # o, w = sdpa(q, k, v, attn_mask=~key_padding_mask[None, :] &
    #             tril(ones(n, n)), 0.0, True, False): NaN in row 0
    q, k, v = t_heads(T(Q), h), t_heads(T(K), h), t_heads(T(V), h)
    mask = (~torch.from_numpy(pad)[None, :]
            & torch.ones(n, n, dtype=torch.bool).tril())
    o, w = t_sdpa(q, k, v, mask)
    o, w = t_zero_dead(o, w, mask)

    def npf(dt):
        q, k, v = (np_split(a.astype(dt), h) for a in (Q, K, V))
        allow = np_allow_causal(n, n) & ~pad[None, :]
        o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                               allow=allow)
        return np_concat(o), w, dead
    return Out("-Q Q.npy -K K.npy -V V.npy -H 2 -c "
               "--key-padding key_padding.csv",
               {"Q": Q, "K": K, "V": V,
                "key_padding.csv": pad.astype(float)}, t_merge(o), w, npf)


# -- windows --

def window_case(rng, n, m, h, win, flag, causal, shift, self_attn):
    dk, dv, d = 3, 2, 5
    if self_attn:
        X, WQ, WK, WV, _ = qkv_self(rng, n, d, h, dk, dv)
        q, k, v = t_self(X, WQ, WK, WV, h)
        files = dict(X=X, WQ=WQ, WK=WK, WV=WV)
        args = "-x X.npy -q WQ.npy -k WK.npy -v WV.npy"
    else:
        Q, K, V = given_qkv(rng, n, m, h, dk, dv)
        q, k, v = t_heads(T(Q), h), t_heads(T(K), h), t_heads(T(V), h)
        files = dict(Q=Q, K=K, V=V)
        args = "-Q Q.npy -K K.npy -V V.npy"
    # o, w = sdpa(q, k, v, attn_mask=mask, 0.0, True, False), mask[i, j] =
    #   |i + shift - j| <= W            (window alone)
    #   i + shift - W <= j <= i + shift  (window + causal)
    p = torch.arange(n)[:, None] + shift
    j = torch.arange(m)[None, :]
    if causal:
        mask = (j <= p) & (j >= p - win)
    else:
        mask = (p - j).abs() <= win
    o, w = t_sdpa(q, k, v, mask)

    def npf(dt):
        if self_attn:
            q, k, v = np_self(X, WQ, WK, WV, h, dt)
        else:
            q, k, v = (np_split(a.astype(dt), h) for a in (Q, K, V))
        allow = np_allow_causal(n, m, shift, window=win, causal=causal)
        o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                               allow=allow)
        return np_concat(o), squeeze_h(w), dead
    return Out("%s -H %d %s" % (args, h, flag), files, t_merge(o),
               squeeze_h(w), npf)


@case
def case_window(rng):
    return window_case(rng, 8, 8, 2, 2, "--window 2", False, 0, True)


@case
def case_window_causal(rng):
    return window_case(rng, 8, 8, 2, 2, "--window 2 --causal", True, 0,
                       True)


@case
def case_window_cross(rng):
    # n != m without causal: shift 0
    return window_case(rng, 5, 7, 1, 1, "--window 1", False, 0, False)


@case
def case_window_causal_br(rng):
    # bottom-right: query i is at position i + m - n
    return window_case(rng, 4, 9, 2, 2, "--window 2 --causal=bottom-right",
                       True, 5, False)


# -- MultiheadAttention --

def mha_params(rng, E, kdim=None, vdim=None):
    p = {"in_proj_bias": rn(rng, 3 * E, sd=0.5),
         "out_proj.weight": rn(rng, E, E, sd=E ** -0.5),
         "out_proj.bias": rn(rng, E, sd=0.5)}
    if kdim is None:
        p["in_proj_weight"] = rn(rng, 3 * E, E, sd=E ** -0.5)
    else:
        p["q_proj_weight"] = rn(rng, E, E, sd=E ** -0.5)
        p["k_proj_weight"] = rn(rng, E, kdim, sd=kdim ** -0.5)
        vdim = vdim or kdim
        p["v_proj_weight"] = rn(rng, E, vdim, sd=vdim ** -0.5)
    return p


def np_mha(X, p, h, dt, allow=None, average=False, mem=None, memv=None):
    """y = x W^T + b for every projection (nn.Linear), heads, attention,
    concat, out_proj.  X (n, E) or (B, n, E)."""
    P = {k: v.astype(dt) for k, v in p.items()}
    E = P["out_proj.weight"].shape[0]
    x = X.astype(dt)
    kv = x if mem is None else mem.astype(dt)
    vv = kv if memv is None else memv.astype(dt)
    if "in_proj_weight" in P:
        wq, wk, wv = (P["in_proj_weight"][i * E:(i + 1) * E]
                      for i in range(3))
    else:
        wq, wk, wv = P["q_proj_weight"], P["k_proj_weight"], \
            P["v_proj_weight"]
    b = P["in_proj_bias"]
    q = x @ wq.T + b[:E]
    k = kv @ wk.T + b[E:2 * E]
    v = vv @ wv.T + b[2 * E:]
    dk = E // h
    o, w, dead = np_attend(np_split(q, h), np_split(k, h), np_split(v, h),
                           dt(1) / np.sqrt(dt(dk)), allow=allow)
    y = np_concat(o) @ P["out_proj.weight"].T + P["out_proj.bias"]
    if average:
        w = w.sum(axis=-3) / dt(h)
    return y, w, dead


MHA_ARGS = ("--layout torch --in-proj in_proj_weight.npy "
            "--in-proj-bias in_proj_bias.npy -w out_proj.weight.npy "
            "--bo out_proj.bias.npy")


def mha_case(rng, B, n, E, h, average=False, kpad=False, causal=False,
             mask=False):
    p = mha_params(rng, E)
    X = rn(rng, *((B,) if B else ()), n, E)
    mha = t_mha(E, h, p)
    xb = T(X) if B else T(X)[None]
    kw = {}
    files = {"X": X, **p}
    args = "-x X.npy %s -H %d" % (MHA_ARGS, h)
    allow = None
    if kpad:
        pad = ~rand_allow(rng, (B, n), 0.6)     # True = padding
        kw["key_padding_mask"] = torch.from_numpy(pad)   # True = ignore
        files["key_padding"] = pad.astype(float)
        args += " --key-padding key_padding.npy"
        allow = ~pad[:, None, None, :]
        assert pad.any() and not pad.all(axis=-1).any()
    if causal:
        # MultiheadAttention's attn_mask: bool True = NOT allowed
        kw["attn_mask"] = torch.ones(n, n, dtype=torch.bool).triu(1)
        args += " --causal"
        allow = np_allow_causal(n, n)
    if mask:
        al = rand_allow(rng, (n, n))
        # sdpa's convention in the file (1 = may attend); MHA's attn_mask
        # is the inverse
        kw["attn_mask"] = ~torch.from_numpy(al)
        files["mask.csv"] = al.astype(float)
        args += " --mask mask.csv"
        allow = al
    if average:
        args += " --average-weights"
    # out, w = mha(x, x, x, need_weights=True, average_attn_weights=avg,
    #              key_padding_mask=..., attn_mask=...), x (1 or B, n, E)
    out, w = mha(xb, xb, xb, need_weights=True,
                 average_attn_weights=average, **kw)
    if not B:
        out, w = out[0], w[0]

    def npf(dt):
        return np_mha(X, p, h, dt, allow=allow, average=average)
    return Out(args, files, out, w, npf)


@case
def case_mha_in_proj(rng):
    return mha_case(rng, 0, 6, 8, 4)


@case
def case_mha_in_proj_average(rng):
    return mha_case(rng, 0, 6, 8, 4, average=True)


@case
def case_mha_in_proj_mask(rng):
    return mha_case(rng, 0, 6, 8, 2, mask=True)


@case
def case_mha_batch_key_padding(rng):
    return mha_case(rng, 3, 5, 8, 2, kpad=True)


@case
def case_mha_batch_causal_average(rng):
    return mha_case(rng, 2, 5, 6, 3, average=True, causal=True)


def memory_case(rng, torch_layout):
    n, m, E, dm, h = 5, 7, 8, 5, 2
    p = mha_params(rng, E, kdim=dm)
    X = rn(rng, n, E)
    MEM = rn(rng, m, dm)
    mha = t_mha(E, h, p, kdim=dm, vdim=dm)
    # out, w = mha(x, mem, mem, need_weights=True,
    #              average_attn_weights=False), x (1, n, E), mem (1, m, dm)
    out, w = mha(T(X)[None], T(MEM)[None], T(MEM)[None], need_weights=True,
                 average_attn_weights=False)
    b = p["in_proj_bias"]
    if torch_layout:
        files = {"X": X, "memory": MEM, **p}
        args = ("-x X.npy --memory memory.npy --layout torch "
                "-q q_proj_weight.npy -k k_proj_weight.npy "
                "-v v_proj_weight.npy -w out_proj.weight.npy "
                "--bq bq.npy --bk bk.npy --bv bv.npy --bo out_proj.bias.npy")
        del files["in_proj_bias"]
        files.update(bq=b[:E], bk=b[E:2 * E], bv=b[2 * E:])
    else:
        # row layout: WQ = q_proj_weight^T etc.; bq as a one-row CSV
        files = {"X": X, "memory": MEM, "WQ": p["q_proj_weight"].T,
                 "WK": p["k_proj_weight"].T, "WV": p["v_proj_weight"].T,
                 "WO": p["out_proj.weight"].T, "bq.csv": b[:E],
                 "bk": b[E:2 * E], "bv": b[2 * E:], "bo": p["out_proj.bias"]}
        args = ("-x X.npy -m memory.npy -q WQ.npy -k WK.npy -v WV.npy "
                "-w WO.npy --bq bq.csv --bk bk.npy --bv bv.npy --bo bo.npy")
    args += " -H %d" % h

    def npf(dt):
        return np_mha(X, p, h, dt, mem=MEM)
    return Out(args, files, out[0], w[0], npf)


@case
def case_memory_cross_bias(rng):
    return memory_case(rng, False)


@case
def case_memory_cross_bias_torch_layout(rng):
    return memory_case(rng, True)


def memory_kv_case(rng, packed):
    # key and value from two sequences of widths kdim != vdim, a batch;
    # packed: PyTorch's in_proj_bias as it is (--in-proj-bias), else
    # split into --bq, --bk, --bv
    B, n, m, E, kd, vd, h = 2, 4, 6, 8, 5, 3, 2
    p = mha_params(rng, E, kdim=kd, vdim=vd)
    X = rn(rng, B, n, E)
    MK = rn(rng, B, m, kd)
    MV = rn(rng, B, m, vd)
    mha = t_mha(E, h, p, kdim=kd, vdim=vd)
    # out, w = mha(x, key, value, need_weights=True,
    #              average_attn_weights=False), key (B, m, kdim),
    #              value (B, m, vdim)
    out, w = mha(T(X), T(MK), T(MV), need_weights=True,
                 average_attn_weights=False)
    b = p["in_proj_bias"]
    files = {"X": X, "memory_keys": MK, "memory_values": MV, **p}
    bias = "--in-proj-bias in_proj_bias.npy"
    if not packed:
        del files["in_proj_bias"]
        files.update(bq=b[:E], bk=b[E:2 * E], bv=b[2 * E:])
        bias = "--bq bq.npy --bk bk.npy --bv bv.npy"
    args = ("-x X.npy --memory-keys memory_keys.npy --memory-values "
            "memory_values.npy --layout torch -q q_proj_weight.npy "
            "-k k_proj_weight.npy -v v_proj_weight.npy "
            "-w out_proj.weight.npy %s --bo out_proj.bias.npy -H %d"
            % (bias, h))

    def npf(dt):
        return np_mha(X, p, h, dt, mem=MK, memv=MV)
    return Out(args, files, out, w, npf)


@case
def case_memory_keys_values(rng):
    return memory_kv_case(rng, False)


@case
def case_memory_keys_values_in_proj_bias(rng):
    return memory_kv_case(rng, True)


@case
def case_memory_keys_values_in_proj(rng):
    # kdim = vdim = E, so PyTorch keeps in_proj_weight; keys and values
    # still from two sequences (DETR's mha(x, memory + pos, memory))
    B, n, m, E, h = 2, 3, 5, 6, 3
    p = mha_params(rng, E)
    X = rn(rng, B, n, E)
    MK = rn(rng, B, m, E)
    MV = rn(rng, B, m, E)
    mha = t_mha(E, h, p)
    # out, w = mha(x, key, value, need_weights=True,
    #              average_attn_weights=False), key and value (B, m, E)
    out, w = mha(T(X), T(MK), T(MV), need_weights=True,
                 average_attn_weights=False)
    files = {"X": X, "memory_keys": MK, "memory_values": MV, **p}
    args = ("-x X.npy --memory-keys memory_keys.npy --memory-values "
            "memory_values.npy %s -H %d" % (MHA_ARGS, h))

    def npf(dt):
        return np_mha(X, p, h, dt, mem=MK, memv=MV)
    return Out(args, files, out, w, npf)


# -- batches --

@case
def case_csv_batch(rng):
    # X as CSV, 2 blocks separated by a blank line: B=2 sequences, H=1
    B, n, d, dk, dv = 2, 4, 3, 3, 3
    X = np.abs(rn(rng, B, n, d))
    WQ, WK = rn(rng, d, dk), rn(rng, d, dk)
    WV = pos(rng, d, dv)
    # o, w = sdpa(x @ WQ, x @ WK, x @ WV, None, 0.0, True, False),
    # x (B, n, d)
    x = T(X)
    o, w = t_sdpa(x @ T(WQ), x @ T(WK), x @ T(WV))

    def npf(dt):
        x = X.astype(dt)
        q, k, v = x @ WQ.astype(dt), x @ WK.astype(dt), x @ WV.astype(dt)
        return np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)))
    return Out("-x X.csv -q WQ.csv -k WK.csv -v WV.csv",
               {"X.csv": X, "WQ.csv": WQ, "WK.csv": WK, "WV.csv": WV},
               o, w, npf)


def bool_mask(shape_of):
    """A mask maker: a random bool mask (True = may attend) of the shape
    shape_of(B, h, n) gives, as float 0/1 for the file and as torch's
    bool attn_mask."""
    def make(rng, B, h, n):
        allow = rand_allow(rng, shape_of(B, h, n))
        return allow.astype(float), torch.from_numpy(allow)
    return make


def float_mask(make_np):
    """A mask maker: an additive float mask, make_np(rng, B, h, n)."""
    def make(rng, B, h, n):
        M = make_np(rng, B, h, n)
        return M, T(M)
    return make


def batch_mask_case(rng, make, additive):
    """A batch of 2 with 2 heads and W^O, and the mask `make` draws
    (after the weights): --bias if additive, else --mask."""
    B, n, d, h, dk, dv, dout = 2, 5, 6, 2, 3, 2, 3
    X = np.abs(rn(rng, B, n, d))
    WQ, WK = rn(rng, d, h * dk, sd=0.5), rn(rng, d, h * dk, sd=0.5)
    WV, WO = pos(rng, d, h * dv), pos(rng, h * dv, dout)
    M, tm = make(rng, B, h, n)
    # o, w = sdpa(q, k, v, attn_mask=M, 0.0, True, False), q/k/v
    # (B, H, n, dk): M broadcast where an axis is 1, as sdpa does
    x = T(X)
    q, k, v = (t_heads(x @ T(W), h) for W in (WQ, WK, WV))
    o, w = t_sdpa(q, k, v, tm)
    # rows that see no key (a key axis of 1): zeros where PyTorch has NaN
    allow = tm != -math.inf if additive else tm
    if (~allow.expand(w.shape).any(dim=-1)).any():
        o, w = t_zero_dead(o, w, allow)

    def npf(dt):
        x = X.astype(dt)
        q, k, v = (np_split(x @ W.astype(dt), h) for W in (WQ, WK, WV))
        if additive:
            o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                                   add=M.astype(dt))
        else:
            o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                                   allow=M != 0)
        return np_concat(o) @ WO.astype(dt), w, dead
    return Out("-x X.npy -q WQ.npy -k WK.npy -v WV.npy -w WO.npy -H 2 "
               "--%s mask.npy" % ("bias" if additive else "mask"),
               dict(X=X, WQ=WQ, WK=WK, WV=WV, WO=WO, mask=M),
               t_merge(o) @ T(WO), w, npf)


@case
def case_batch_mask_4d_bool(rng):
    # M (B, 1, n, n)
    return batch_mask_case(rng, bool_mask(lambda B, h, n: (B, 1, n, n)),
                           False)


@case
def case_batch_mask_4d_additive_per_head(rng):
    # M (B, H, n, n)
    return batch_mask_case(rng, float_mask(
        lambda rng, B, h, n: additive_mask(rng, (B, h, n, n))), True)


@case
def case_batch_mask_broadcast_bert_additive(rng):
    # BERT's extended attention mask (B, 1, 1, m): 0 or the most negative
    # double, broadcast over the heads and the queries
    def bert(rng, B, h, n):
        keep = rand_allow(rng, (B, 1, 1, n))
        return np.where(keep, 0.0, np.finfo(np.float64).min)
    return batch_mask_case(rng, float_mask(bert), True)


@case
def case_mask_broadcast_queries_per_head_bool(rng):
    # a bool (H, 1, m), broadcast over the batch and the queries
    return batch_mask_case(rng, bool_mask(lambda B, h, n: (h, 1, n)),
                           False)


def rows_mask(rng, shape):
    """A bool mask of shape (..., n, 1): whole query rows hidden, some
    rows but not all."""
    a = rng.random(shape) > 0.35
    a.flat[0], a.flat[-1] = False, True
    return a


@case
def case_batch_mask_broadcast_keys_bool(rng):
    # a bool (B, 1, n, 1): a query of a sequence sees every key or none,
    # broadcast over the heads and the keys
    def make(rng, B, h, n):
        allow = rows_mask(rng, (B, 1, n, 1))
        return allow.astype(float), torch.from_numpy(allow)
    return batch_mask_case(rng, make, False)


@case
def case_mask_broadcast_keys_per_head_additive(rng):
    # a float (H, n, 1): one value added to every score of a row of a
    # head (the softmax cancels it), -inf hiding the row
    def make(rng, B, h, n):
        M = np.where(rows_mask(rng, (h, n, 1)), rn(rng, h, n, 1),
                     -np.inf)
        return M, T(M)
    return batch_mask_case(rng, make, True)


# -- grouped-query attention --

def gqa_case(rng, g, wo):
    n, d, h, dk, dv, dout = 6, 8, 4, 3, 2, 5
    X = np.abs(rn(rng, n, d))
    WQ = rn(rng, d, h * dk, sd=d ** -0.5)
    WK = rn(rng, d, g * dk, sd=d ** -0.5)
    WV = pos(rng, d, g * dv)
    WO = pos(rng, h * dv, dout)
    # k, v (G, n, dk) repeated: k.repeat_interleave(H // G, dim=0), then
    # o, w = sdpa(q, k, v, None, 0.0, True, False) (sdpa's enable_gqa)
    x = T(X)
    q = t_heads(x @ T(WQ), h)
    k = t_heads(x @ T(WK), g).repeat_interleave(h // g, dim=0)
    v = t_heads(x @ T(WV), g).repeat_interleave(h // g, dim=0)
    o, w = t_sdpa(q, k, v)
    out = t_merge(o) @ T(WO) if wo else t_merge(o)

    def npf(dt):
        x = X.astype(dt)
        q = np_split(x @ WQ.astype(dt), h)
        k = np_split(x @ WK.astype(dt), g)
        v = np_split(x @ WV.astype(dt), g)
        idx = [i // (h // g) for i in range(h)]
        o, w, dead = np_attend(q, k[idx], v[idx], dt(1) / np.sqrt(dt(dk)))
        o = np_concat(o)
        return (o @ WO.astype(dt) if wo else o), w, dead
    files = dict(X=X, WQ=WQ, WK=WK, WV=WV)
    args = "-x X.npy -q WQ.npy -k WK.npy -v WV.npy -H 4 --kv-heads %d" % g
    if wo:
        files["WO"] = WO
        args += " -w WO.npy"
    return Out(args, files, out, w, npf)


@case
def case_gqa_h4_g2(rng):
    return gqa_case(rng, 2, True)


@case
def case_mqa_h4_g1(rng):
    return gqa_case(rng, 1, False)


@case
def case_mqa_h8_g1_bias(rng):
    # Projected multi-query attention with biases: WV and --bv are only
    # G·dv wide (a width of H·dv once read past their ends).
    n, d, h, g, dk, dv = 4, 8, 8, 1, 4, 4
    X = np.abs(rn(rng, n, d))
    WQ = rn(rng, d, h * dk, sd=d ** -0.5)
    WK = rn(rng, d, g * dk, sd=d ** -0.5)
    WV = pos(rng, d, g * dv)
    bq, bk, bv = rn(rng, h * dk), rn(rng, g * dk), pos(rng, g * dv)
    # q = x @ WQ + bq, k and v likewise, repeated over the query heads;
    # o, w = sdpa(q, k, v, None, 0.0, True, False)
    x = T(X)
    q = t_heads(x @ T(WQ) + T(bq), h)
    k = t_heads(x @ T(WK) + T(bk), g).repeat_interleave(h // g, dim=0)
    v = t_heads(x @ T(WV) + T(bv), g).repeat_interleave(h // g, dim=0)
    o, w = t_sdpa(q, k, v)

    def npf(dt):
        x = X.astype(dt)
        q = np_split(x @ WQ.astype(dt) + bq.astype(dt), h)
        k = np_split(x @ WK.astype(dt) + bk.astype(dt), g)
        v = np_split(x @ WV.astype(dt) + bv.astype(dt), g)
        idx = [i // (h // g) for i in range(h)]
        o, w, dead = np_attend(q, k[idx], v[idx], dt(1) / np.sqrt(dt(dk)))
        return np_concat(o), w, dead
    files = dict(X=X, WQ=WQ, WK=WK, WV=WV, bq=bq, bk=bk, bv=bv)
    args = ("-x X.npy -q WQ.npy -k WK.npy -v WV.npy -H 8 --kv-heads 1 "
            "--bq bq.npy --bk bk.npy --bv bv.npy")
    return Out(args, files, t_merge(o), w, npf)


# -- per-head tensors --

def per_head_case(rng, lead, h, g, n, m, dk, dv, dout):
    Q = rn(rng, *lead, h, n, dk)
    K = rn(rng, *lead, g, m, dk)
    V = pos(rng, *lead, g, m, dv)
    WO = pos(rng, h * dv, dout) if dout else None
    # o, w = sdpa(Q, K', V', None, 0.0, True, False), Q (..., H, n, dk),
    # K' = K.repeat_interleave(H // G, dim=-3) (same for V) when G < H;
    # with -w: t_merge(o) @ WO
    k = T(K).repeat_interleave(h // g, dim=-3)
    v = T(V).repeat_interleave(h // g, dim=-3)
    o, w = t_sdpa(T(Q), k, v)
    out = t_merge(o) @ T(WO) if dout else o

    def npf(dt):
        idx = [i // (h // g) for i in range(h)]
        o, w, dead = np_attend(Q.astype(dt), K.astype(dt)[..., idx, :, :],
                               V.astype(dt)[..., idx, :, :],
                               dt(1) / np.sqrt(dt(dk)))
        if dout:
            o = np_concat(o) @ WO.astype(dt)
        return o, w, dead
    files = dict(Q=Q, K=K, V=V)
    args = "-Q Q.npy -K K.npy -V V.npy"
    if dout:
        files["WO"] = WO
        args += " -w WO.npy"
    return Out(args, files, out, w, npf)


@case
def case_per_head_3d(rng):
    return per_head_case(rng, (), 3, 3, 5, 6, 4, 2, None)


@case
def case_per_head_3d_wo(rng):
    return per_head_case(rng, (), 3, 3, 5, 6, 4, 2, 5)


@case
def case_per_head_4d(rng):
    return per_head_case(rng, (2,), 3, 3, 5, 6, 4, 2, None)


@case
def case_per_head_4d_wo(rng):
    return per_head_case(rng, (2,), 3, 3, 5, 6, 4, 2, 5)


@case
def case_per_head_3d_gqa(rng):
    return per_head_case(rng, (), 4, 2, 5, 6, 4, 3, None)


@case
def case_per_head_4d_gqa_wo(rng):
    return per_head_case(rng, (2,), 6, 2, 5, 6, 4, 3, 4)


@case
def case_per_head_3d_shared_kv(rng):
    # Q per head (H, n, dk) in text blocks, K (m, dk) and V (m, dv)
    # matrices: one key/value head for every query head, as sdpa
    # broadcasts a 2-D k and v against a 3-D q (and as text, where one
    # block is a matrix, writes a (1, m, d) tensor)
    h, n, m, dk, dv = 4, 5, 6, 3, 2
    Q = rn(rng, h, n, dk)
    K = rn(rng, m, dk)
    V = pos(rng, m, dv)
    # o, w = sdpa(Q, K', V', None, 0.0, True, False), K' = K repeated
    # over the H heads (the same for V)
    o, w = t_sdpa(T(Q), T(K).expand(h, m, dk), T(V).expand(h, m, dv))

    def npf(dt):
        return np_attend(Q.astype(dt), K.astype(dt)[None][[0] * h],
                         V.astype(dt)[None][[0] * h],
                         dt(1) / np.sqrt(dt(dk)))
    files = {"Q.csv": Q, "K.csv": K, "V.csv": V}
    return Out("-Q Q.csv -K K.csv -V V.csv", files, o, w, npf)


# -- positions --

@case
def case_pos_sinusoidal(rng):
    n, d, h, dk, dv, dout = 7, 8, 2, 3, 2, 4
    X, WQ, WK, WV, WO = qkv_self(rng, n, d, h, dk, dv, dout)
    # x = X + pe (t_sinusoidal, the PyTorch tutorial's PositionalEncoding),
    # o, w = sdpa(q, k, v, None, 0.0, True, False), out = t_merge(o) @ WO
    x = T(X) + t_sinusoidal(n, d)
    q, k, v = (t_heads(x @ T(W), h) for W in (WQ, WK, WV))
    o, w = t_sdpa(q, k, v)

    def npf(dt):
        x = X.astype(dt) + np_sinusoidal(n, d, dt)
        q, k, v = (np_split(x @ W.astype(dt), h) for W in (WQ, WK, WV))
        o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)))
        return np_concat(o) @ WO.astype(dt), w, dead
    return Out("-x X.npy -q WQ.npy -k WK.npy -v WV.npy -w WO.npy -H 2 "
               "--pos sinusoidal", dict(X=X, WQ=WQ, WK=WK, WV=WV, WO=WO),
               t_merge(o) @ T(WO), w, npf)


def rope_case(rng, n, m, h, dk, dv, base, flag, self_attn, br=False):
    shift = m - n if br else 0
    if self_attn:
        d = 6
        X, WQ, WK, WV, _ = qkv_self(rng, n, d, h, dk, dv)
        bq, bk, bv = rn(rng, h * dk), rn(rng, h * dk), pos(rng, h * dv)
        x = T(X)
        q = t_heads(x @ T(WQ) + T(bq), h)
        k = t_heads(x @ T(WK) + T(bk), h)
        v = t_heads(x @ T(WV) + T(bv), h)
        files = dict(X=X, WQ=WQ, WK=WK, WV=WV, bq=bq, bk=bk, bv=bv)
        args = ("-x X.npy -q WQ.npy -k WK.npy -v WV.npy --bq bq.npy "
                "--bk bk.npy --bv bv.npy")
    else:
        Q, K, V = given_qkv(rng, n, m, h, dk, dv)
        q, k, v = t_heads(T(Q), h), t_heads(T(K), h), t_heads(T(V), h)
        files = dict(Q=Q, K=K, V=V)
        args = "-Q Q.npy -K K.npy -V V.npy"
    # q = apply HF rotate_half RoPE (t_rope) at positions i + shift,
    # k at positions 0..m-1, then
    # o, w = sdpa(q, k, v, mask, 0.0, True, False) (mask: bottom-right
    # causal or none)
    qr = t_rope(q, torch.arange(n) + shift, base)
    kr = t_rope(k, torch.arange(m), base)
    mask = None
    if br:
        mask = torch.arange(m)[None, :] <= torch.arange(n)[:, None] + shift
    o, w = t_sdpa(qr, kr, v, mask)

    def npf(dt):
        if self_attn:
            q, k, v = np_self(X, WQ, WK, WV, h, dt, bq, bk, bv)
        else:
            q, k, v = (np_split(a.astype(dt), h) for a in (Q, K, V))
        q = np_rope(q, np.arange(n) + shift, base, dt)
        k = np_rope(k, np.arange(m), base, dt)
        allow = np_allow_causal(n, m, shift) if br else None
        o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                               allow=allow)
        return np_concat(o), squeeze_h(w), dead
    return Out("%s -H %d %s" % (args, h, flag), files, t_merge(o),
               squeeze_h(w), npf)


def t_rope_freq(x, pos, inv):
    # Hugging Face apply_rotary_pos_emb with a model's own inv_freq (a
    # scaled one, as Llama 3.1's), on the first 2*len(inv) components
    # only (GPT-NeoX's partial rotation, rotary_pct), the rest passed:
    #   freqs = outer(t, inv_freq); emb = cat((freqs, freqs), -1)
    #   x_rot = x_rot * emb.cos() + rotate_half(x_rot) * emb.sin()
    r = 2 * len(inv)
    freqs = torch.outer(pos.to(torch.float64), torch.tensor(inv))
    emb = torch.cat((freqs, freqs), dim=-1)
    xr, xp = x[..., :r], x[..., r:]
    rh = torch.cat((-xr[..., r // 2:], xr[..., :r // 2]), dim=-1)
    return torch.cat((xr * emb.cos() + rh * emb.sin(), xp), dim=-1)


def np_rope_freq(x, pos, inv, dt):
    """x (..., L, dk): its first 2h components, h = len(inv), turned in
    pairs (t, t + h) by pos * inv[t]; the rest as they are."""
    h = len(inv)
    th = np.asarray(pos).astype(dt)[:, None] * np.asarray(inv).astype(dt)
    c, s = np.cos(th), np.sin(th)
    a, b = x[..., :h], x[..., h:2 * h]
    return np.concatenate([a * c - b * s, b * c + a * s, x[..., 2 * h:]],
                          axis=-1)


def llama3_inv_freq(base, dim, factor=8.0, low=1.0, high=4.0, old=8192):
    # transformers' _compute_llama3_parameters, in float64
    inv = 1.0 / (base ** (np.arange(0, dim, 2) / dim))
    wavelen = 2 * math.pi / inv
    lo_w, hi_w = old / low, old / high
    out = np.where(wavelen > lo_w, inv / factor, inv)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * out / factor + smooth * out
    medium = ~(wavelen < hi_w) & ~(wavelen > lo_w)
    return np.where(medium, smoothed, out)


def rope_file_case(rng, n, h, dk, dv, inv):
    Q, K, V = given_qkv(rng, n, n, h, dk, dv)
    q, k, v = t_heads(T(Q), h), t_heads(T(K), h), t_heads(T(V), h)
    pos_ = torch.arange(n)
    o, w = t_sdpa(t_rope_freq(q, pos_, inv), t_rope_freq(k, pos_, inv), v)

    def npf(dt):
        q, k, v = (np_split(a.astype(dt), h) for a in (Q, K, V))
        q = np_rope_freq(q, np.arange(n), inv, dt)
        k = np_rope_freq(k, np.arange(n), inv, dt)
        o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)))
        return np_concat(o), squeeze_h(w), dead
    return Out("-Q Q.npy -K K.npy -V V.npy -H %d --rope=@F.npy" % h,
               dict(Q=Q, K=K, V=V, F=np.asarray(inv, dtype=np.float64)),
               t_merge(o), squeeze_h(w), npf)


@case
def case_rope_file_llama3(rng):
    # Llama 3.1's scaled frequencies (base 500000, factor 8): the three
    # regimes (kept, scaled, smoothed) among 8 of a 16-wide head
    return rope_file_case(rng, 12, 2, 16, 3, llama3_inv_freq(500000.0, 16))


@case
def case_rope_file_partial(rng):
    # GPT-NeoX's partial rotation: rotary_ndims 4 of a head of 10
    return rope_file_case(rng, 9, 2, 10, 3,
                          1.0 / (10000.0 ** (np.arange(0, 4, 2) / 4)))


@case
def case_rope_default(rng):
    # after projection and bias; the default base 10000
    return rope_case(rng, 6, 6, 2, 8, 3, 10000.0, "--rope", True)


@case
def case_rope_base_500000(rng):
    return rope_case(rng, 10, 10, 1, 16, 3, 500000.0, "--rope=500000",
                     False)


@case
def case_rope_causal_bottom_right(rng):
    # queries at positions i + m - n
    return rope_case(rng, 4, 9, 2, 8, 2, 10000.0,
                     "--rope --causal=bottom-right", False, br=True)


# -- scores --

def general_case(rng, h, n, m, dq, dk, dv, torch_layout):
    Q = rn(rng, n, h * dq)
    K = rn(rng, m, h * dk)
    V = pos(rng, m, h * dv)
    Wa = rn(rng, dq, dk, sd=0.7)
    dout = 3
    WO = pos(rng, h * dv, dout)
    # Luong "general": W = nn.Linear(dk, dq, bias=False), W.weight = Wa;
    # scores = q @ W(k).transpose(-2, -1) (scale 1), then
    # out, w = t_math(q, k, v, 1.0, scores=scores)
    lin = torch.nn.Linear(dk, dq, bias=False)
    lin.load_state_dict({"weight": T(Wa)})
    q, k, v = t_heads(T(Q), h), t_heads(T(K), h), t_heads(T(V), h)
    o, w = t_math(q, k, v, 1.0, scores=q @ lin(k).transpose(-2, -1))
    out = t_merge(o) @ T(WO)

    def npf(dt):
        q, k, v = (np_split(a.astype(dt), h) for a in (Q, K, V))
        s = (q @ Wa.astype(dt)) @ np.swapaxes(k, -1, -2)
        o, w, dead = np_attend(q, k, v, dt(1), scores=s)
        return np_concat(o) @ WO.astype(dt), squeeze_h(w), dead
    files = dict(Q=Q, K=K, V=V, WA=Wa)
    args = "-Q Q.npy -K K.npy -V V.npy -H %d --score general --wa WA.npy" % h
    if torch_layout:
        files["WO_torch"] = WO.T
        args += " --layout torch -w WO_torch.npy"
    else:
        files["WO"] = WO
        args += " -w WO.npy"
    return Out(args, files, out, squeeze_h(w), npf)


@case
def case_score_general(rng):
    return general_case(rng, 2, 5, 6, 4, 4, 2, False)


@case
def case_score_general_rect(rng):
    # dq != dk: Wa is dq x dk
    return general_case(rng, 1, 4, 6, 3, 5, 2, False)


@case
def case_score_general_torch_layout(rng):
    # Wa is dq x dk in both layouts; -w is out x in with --layout torch
    return general_case(rng, 2, 4, 5, 3, 5, 2, True)


def additive_case(rng, h, n, m, dq, dk, dv, da, torch_layout):
    Q = rn(rng, n, h * dq)
    K = rn(rng, m, h * dk)
    V = pos(rng, m, h * dv)
    Wlin = rn(rng, da, dq, sd=0.7)          # nn.Linear(dq, da).weight
    Ulin = rn(rng, da, dk, sd=0.7)          # nn.Linear(dk, da).weight
    vlin = rn(rng, 1, da)                   # nn.Linear(da, 1).weight
    # Bahdanau: W = nn.Linear(dq, da, bias=False), U = nn.Linear(dk, da,
    # bias=False), v = nn.Linear(da, 1, bias=False);
    # scores = v(tanh(W(q)[..., :, None, :] + U(k)[..., None, :, :]))
    #          .squeeze(-1)   (scale 1), out, w = t_math(q, k, v, 1, scores)
    W = torch.nn.Linear(dq, da, bias=False)
    U = torch.nn.Linear(dk, da, bias=False)
    va = torch.nn.Linear(da, 1, bias=False)
    W.load_state_dict({"weight": T(Wlin)})
    U.load_state_dict({"weight": T(Ulin)})
    va.load_state_dict({"weight": T(vlin)})
    q, k, v = t_heads(T(Q), h), t_heads(T(K), h), t_heads(T(V), h)
    s = va(torch.tanh(W(q)[..., :, None, :] + U(k)[..., None, :, :]))
    o, w = t_math(q, k, v, 1.0, scores=s.squeeze(-1))

    def npf(dt):
        q, k, v = (np_split(a.astype(dt), h) for a in (Q, K, V))
        WA, UA, VA = Wlin.T.astype(dt), Ulin.T.astype(dt), vlin[0].astype(dt)
        s = np.zeros((h, n, m), dtype=dt)
        for hh in range(h):
            qa, ka = q[hh] @ WA, k[hh] @ UA
            for i in range(n):
                for j in range(m):
                    s[hh, i, j] = np.sum(VA * np.tanh(qa[i] + ka[j]))
        o, w, dead = np_attend(q, k, v, dt(1), scores=s)
        return np_concat(o), squeeze_h(w), dead
    files = dict(Q=Q, K=K, V=V)
    if torch_layout:
        files.update(WA=Wlin, UA=Ulin, VA=vlin)
        lay = " --layout torch"
    else:
        files.update(WA=Wlin.T, UA=Ulin.T, VA=vlin[0])
        lay = ""
    args = ("-Q Q.npy -K K.npy -V V.npy -H %d --score additive --wa WA.npy "
            "--ua UA.npy --va VA.npy%s" % (h, lay))
    return Out(args, files, t_merge(o), squeeze_h(w), npf)


@case
def case_score_additive(rng):
    return additive_case(rng, 1, 4, 6, 3, 5, 2, 7, False)


@case
def case_score_additive_torch_layout(rng):
    return additive_case(rng, 1, 4, 6, 3, 5, 2, 7, True)


@case
def case_score_additive_heads(rng):
    # WA, UA, VA shared by the heads (as general's Wa)
    return additive_case(rng, 2, 4, 5, 3, 4, 2, 6, False)


# -- across the kernel's blocks (144 query rows, 256 keys) --

def large_case(rng, bottom_right):
    n, m, h, dk, dv = 160, 300, 2, 4, 2
    Q, K, V = given_qkv(rng, n, m, h, dk, dv)
    Q *= 0.7
    shift = m - n if bottom_right else 0
    causal = np_allow_causal(n, m, shift)
    if bottom_right:
        # bool mask, 1 = may attend
        allow = rng.random((n, m)) > 0.2
        allow[100, :256] = False         # only the second key block
        allow[105, 256:] = False         # only the first key block
        allow[66, :] = False             # nothing: zeros and a warning
        allow[10, :] = False
        allow[10, 40] = True             # a single key
        for i in range(n):
            if i != 66 and not (allow[i] & causal[i]).any():
                allow[i, i] = True
        M = allow.astype(float)
        tm = torch.from_numpy(allow)
        flag = "--causal=bottom-right --mask mask.csv"
        mname = "mask.csv"
        # o, w = sdpa(q, k, v, attn_mask=mask & causal_lower_right, 0.0,
        #             True, False) then the NaN row 66 zeroed
        full = tm & (torch.arange(m)[None, :]
                     <= torch.arange(n)[:, None] + shift)
        o, w = t_sdpa(*(t_heads(T(a), h) for a in (Q, K, V)), full)
        o, w = t_zero_dead(o, w, full)
    else:
        # additive float mask with -inf entries, each row keeping a
        # finite key j <= i
        M = rn(rng, n, m, sd=0.5)
        M[rng.random((n, m)) < 0.15] = -np.inf
        for i in range(n):
            if not np.isfinite(M[i, :i + 1]).any():
                M[i, i] = 0.25
        tm = T(M)
        flag = "--causal --bias mask.npy"
        mname = "mask"
        # o, w = sdpa(q, k, v, attn_mask=tril(ones).logical_not()
        #             .float() * -inf + M, ...): is_causal and attn_mask
        # cannot be combined in sdpa, so the causal part joins the mask
        cm = torch.zeros(n, m).masked_fill(
            torch.ones(n, m, dtype=torch.bool).tril().logical_not(),
            -math.inf)
        o, w = t_sdpa(*(t_heads(T(a), h) for a in (Q, K, V)), tm + cm)

    def npf(dt):
        q, k, v = (np_split(a.astype(dt), h) for a in (Q, K, V))
        if bottom_right:
            o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                                   allow=allow & causal)
        else:
            o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                                   add=M.astype(dt), allow=causal)
        return np_concat(o), w, dead
    return Out("-Q Q.npy -K K.npy -V V.npy -H 2 " + flag,
               {"Q": Q, "K": K, "V": V, mname: M}, t_merge(o), w, npf)


@case
def case_large_causal_mask(rng):
    return large_case(rng, False)


@case
def case_large_bottom_right_mask(rng):
    return large_case(rng, True)


# Blocks the masks leave whole or cut: 300 queries (query blocks of 144,
# 144 and 12) against 600 keys (key blocks of 256, 256 and 88).  Blocks
# that no mask touches take the products' own path (scale and maxima as
# they are stored), the others a pass that hides keys row by row: each
# of these masks alone, so that a block taken for whole that is not
# shows.  Y only (the weights would be 1.4 MB a case).

@case
def case_blocks_causal(rng):
    return mod_case(rng, n=300, m=600, h=1, dk=4, causal=1, weights=False)


@case
def case_blocks_causal_br(rng):
    # 554 keys: query 0 is at 254, one short of key block 0's last key
    return mod_case(rng, n=300, m=554, h=1, dk=4, causal=2, weights=False)


@case
def case_blocks_window(rng):
    return mod_case(rng, n=300, m=600, h=1, dk=4, window=(300, 40),
                    weights=False)


@case
def case_blocks_window_edge(rng):
    # query 144 reaches key 510, one short of key block 1's last key
    return mod_case(rng, n=300, m=600, h=1, dk=4, window=(300, 366),
                    weights=False)


@case
def case_blocks_window_causal_br(rng):
    # keys i + 300 - 200 .. i + 300 (R capped at 0 by -c)
    return mod_case(rng, n=300, m=600, h=1, dk=4, causal=2,
                    window=(200, 30), weights=False)


def blocks_allow(rng, n, m, h, allow, flag, files):
    """Given Q, K, V (n, h*4), keys hidden where not allow (n, m):
    o = sdpa(q, k, v, attn_mask=allow, 0.0, True, False)."""
    dk, dv = 4, 2
    Q, K, V = given_qkv(rng, n, m, h, dk, dv)
    o, w = t_sdpa(*(t_heads(T(a), h) for a in (Q, K, V)),
                  torch.from_numpy(allow))

    def npf(dt):
        q, k, v = (np_split(a.astype(dt), h) for a in (Q, K, V))
        o, w, dead = np_attend(q, k, v, dt(1) / np.sqrt(dt(dk)),
                               allow=allow)
        return np_concat(o), w, dead
    return Out("-Q Q.npy -K K.npy -V V.npy -H %d " % h + flag,
               dict(Q=Q, K=K, V=V, **files), t_merge(o), w, npf,
               weights=False)


@case
def case_blocks_key_padding(rng):
    # padding keys in the first and last key blocks, none in the second,
    # and not the first and last keys (a range would hide those)
    n, m = 300, 600
    pad = rng.random(m) < 0.1
    pad[256:] = False
    pad[[1, 255, 515, 598]] = True      # in the last block, off the
    pad[[0, 599]] = False               # 8-byte words read at once
    allow = np.broadcast_to(~pad, (n, m)).copy()
    return blocks_allow(rng, n, m, 1, allow, "--key-padding pad.npy",
                        dict(pad=pad.astype(float)))


@case
def case_blocks_mask(rng):
    # 150 queries (blocks of 144 and 6), 520 keys (256, 256, 8): the
    # mask lets every key of some blocks through, hides a few of others
    n, m = 150, 520
    allow = rng.random((n, m)) > 0.25
    allow[:144, 256:512] = True
    allow[144:, :256] = True
    allow[:144, :256] = True
    allow[5, 203] = False               # one key of a block otherwise whole
    allow[144:, 256:512] = False        # one key of a block otherwise hidden,
    allow[146, 301] = True              # off the 8-byte words read at once
    return blocks_allow(rng, n, m, 2, allow, "--mask mask.csv",
                        {"mask.csv": allow.astype(float)})


# -- the log-sum-exp (--lse) --

def t_lse_of(q, k, scale, allow=None, add=None):
    # lse = torch.logsumexp(q @ k^T * scale + bias, dim=-1), bias -inf
    # where not allowed (FlashAttention's softmax_lse of those scores)
    s = q @ k.transpose(-2, -1) * scale
    if add is not None:
        s = s + add
    if allow is not None:
        s = s.masked_fill(~allow, -math.inf)
    return torch.logsumexp(s, dim=-1)


def np_lse_of(q, k, scale, allow=None, dt=F64):
    s = (q.astype(dt) @ np.swapaxes(k.astype(dt), -1, -2)) * dt(scale)
    if allow is not None:
        s = np.where(allow, s, -np.inf)
    mx = s.max(axis=-1, keepdims=True)
    fin = np.where(np.isneginf(mx), 0, mx)
    with np.errstate(divide="ignore"):
        return (fin + np.log(np.exp(s - fin).sum(axis=-1,
                                                  keepdims=True)))[..., 0]


def lse_given(rng, lead, n, m, h, dk, dv, flag="", allow=None,
              squeeze=False):
    """Given Q, K, V (lead..., n, h*dk) with -H h; allow (lead..., h|1,
    n, m) or None.  The expectation of every output, LSE included."""
    Q, K, V = given_qkv(rng, n, m, h, dk, dv, lead)
    q, k, v = (t_heads(T(a), h) for a in (Q, K, V))
    scale = 1 / math.sqrt(dk)
    ta = torch.from_numpy(allow) if allow is not None else None
    o, w = t_math(q, k, v, scale, ta)
    lse = t_lse_of(q, k, scale, ta)
    if allow is not None and not allow.any(axis=-1).all():
        o, w = t_zero_dead(o, w, ta)

    def npf(dt):
        o, w, dead = np_attend(np_split(Q.astype(dt), h),
                               np_split(K.astype(dt), h),
                               np_split(V.astype(dt), h),
                               dt(1) / np.sqrt(dt(dk)), allow)
        return np_concat(o), (squeeze_h(w) if squeeze else w), dead

    def npl(dt):
        return np_lse_of(np_split(Q, h), np_split(K, h), 1 / np.sqrt(dt(dk)),
                         allow, dt)
    t_l = lse if not squeeze else lse[..., 0, :]
    files = dict(Q=Q, K=K, V=V)
    cmd = "-Q Q.npy -K K.npy -V V.npy -H %d %s" % (h, flag)
    return files, cmd, t_merge(o), (squeeze_h(w) if squeeze else w), npf, \
        t_l, (lambda dt: npl(dt)[..., 0, :]) if squeeze else npl


@case
def case_lse_heads(rng):
    files, cmd, o, w, npf, tl, npl = lse_given(rng, (), 5, 7, 3, 4, 2)
    return Out(cmd, files, o, w, npf, t_lse=tl, np_lse=npl)


@case
def case_lse_one_head(rng):
    files, cmd, o, w, npf, tl, npl = lse_given(rng, (), 6, 4, 1, 3, 2,
                                               squeeze=True)
    return Out(cmd, files, o, w, npf, t_lse=tl, np_lse=npl)


@case
def case_lse_batch_causal_br(rng):
    # bottom-right causal, n < m, a batch of 2: LSE (B, H, n)
    n, m = 3, 6
    allow = np_allow_causal(n, m, m - n)[None, None]
    files, cmd, o, w, npf, tl, npl = lse_given(
        rng, (2,), n, m, 2, 4, 3, "--causal=bottom-right", allow)
    return Out(cmd, files, o, w, npf, t_lse=tl, np_lse=npl)


@case
def case_lse_masked_rows(rng):
    # a bool mask hiding every key of two rows: their LSE is -inf
    n, m = 5, 6
    allow = rng.random((n, m)) > 0.3
    allow[1, :] = False
    allow[4, :] = False
    allow[0, 2] = True
    files, cmd, o, w, npf, tl, npl = lse_given(
        rng, (), n, m, 2, 3, 2, "--mask mask.csv", allow)
    files["mask.csv"] = allow.astype(float)
    return Out(cmd, files, o, w, npf, t_lse=tl, np_lse=npl)


@case
def case_lse_long_keys(rng):
    # 3 queries, 9000 keys: three chunks of 4096 keys, merged (and split
    # over threads); causal bottom-right with a window of 5000
    n, m = 3, 9000
    allow = np_allow_causal(n, m, m - n, window=5000)[None]
    files, cmd, o, w, npf, tl, npl = lse_given(
        rng, (), n, m, 2, 4, 2, "--causal=bottom-right --window 5000",
        allow)
    return Out(cmd, files, o, w, npf, weights=False, t_lse=tl, np_lse=npl)


# -- score modifiers: soft-cap, ALiBi, local windows (L, R), sinks --

def t_alibi_slopes(h):
    # BLOOM's build_alibi_tensor (transformers), in float64:
    #   closest_power_of_2 = 2 ** math.floor(math.log2(num_heads))
    #   base = 2 ** (-(2 ** -(math.log2(closest_power_of_2) - 3)))
    #   slopes = torch.pow(base, torch.arange(1, 1 + closest_power_of_2))
    #   extra_base = 2 ** (-(2 ** -(math.log2(2 * closest_power_of_2) - 3)))
    #   slopes += torch.pow(extra_base, torch.arange(1, 1 + 2 * rest, 2))
    cp = 2 ** math.floor(math.log2(h))
    base = torch.tensor(2 ** (-(2 ** -(math.log2(cp) - 3))))
    slopes = torch.pow(base, torch.arange(1, 1 + cp, dtype=torch.float64))
    if cp != h:
        eb = torch.tensor(2 ** (-(2 ** -(math.log2(2 * cp) - 3))))
        rest = min(cp, h - cp)
        slopes = torch.cat([slopes, torch.pow(
            eb, torch.arange(1, 1 + 2 * rest, 2, dtype=torch.float64))])
    return slopes


def np_alibi_slopes(h, dt):
    """From the ALiBi paper's get_slopes, written out: a power of two n
    gives r^1 .. r^n, r = 2^(-8/n); otherwise those of the power c below
    h, then every other slope of 2c (the odd powers of 2^(-8/2c))."""
    def p2(n):
        r = dt(2) ** (dt(-8) / dt(n))
        return [r ** dt(k) for k in range(1, n + 1)]
    c = 1
    while c * 2 <= h:
        c *= 2
    s = p2(c)
    if c != h:
        s += p2(2 * c)[0::2][:h - c]
    return np.array(s, dtype=dt)


def mod_case(rng, lead=(), n=5, m=7, h=2, g=None, dk=3, dv=2, causal=0,
             window=None, softcap=None, alibi=None, sinks=False,
             bias=False, scale=None, flags="", qknorm=None, rope=False,
             klens=None, qlens=None, weights=True):
    """Given Q, K, V (lead..., n, h*dk) with -H h (--kv-heads g).
    causal: 0 none, 1 top-left, 2 bottom-right; window (L, R); alibi:
    None, "paper" (the built-in slopes) or "file"; sinks: H sink logits
    from a file.  PyTorch: the math in torch ops (soft-capping as Gemma
    2's attn_logit_softcapping, the ALiBi bias as BLOOM's
    build_alibi_tensor laid out as |i - j|, the sinks as gpt-oss's
    sdpa: softmax(cat([scores, sink]))[..., :-1])."""
    g = g or h
    Q = rn(rng, *lead, n, h * dk, sd=1.5)
    K = rn(rng, *lead, m, g * dk, sd=1.5)
    V = pos(rng, *lead, m, g * dv)
    files = dict(Q=Q, K=K, V=V)
    cmd = "-Q Q.npy -K K.npy -V V.npy -H %d" % h
    if g != h:
        cmd += " --kv-heads %d" % g
    sc = scale if scale is not None else 1 / math.sqrt(dk)
    if scale is not None:
        cmd += " -s %r" % scale
    shift = m - n if causal == 2 else 0
    if causal:
        cmd += " -c" if causal == 1 else " --causal=bottom-right"
    if window is not None:
        cmd += " --window %d,%d" % window
    if softcap is not None:
        cmd += " --softcap %r" % softcap
    B = np.zeros((n, m))
    if bias:
        B = rn(rng, n, m, sd=0.5)
        B[rng.random((n, m)) < 0.2] = -np.inf
        files["bias"] = B
        cmd += " --bias bias.npy"
    if alibi == "paper":
        slopes = t_alibi_slopes(h)
        cmd += " --alibi"
    elif alibi == "file":
        # small slopes over many keys: no weight underflows
        slopes = T(rng.uniform(0.05, 0.8, size=h) * (1 if m < 1000 else
                                                     1e-3))
        files["slopes"] = slopes.numpy()
        cmd += " --alibi=@slopes.npy"
    if sinks:
        S = rn(rng, h, sd=1.0)
        files["sinks"] = S
        cmd += " --sinks sinks.npy"
    if qknorm is not None:
        cmd += " --qk-norm" if qknorm[0] is None else \
            " --qk-norm=%r" % qknorm[0]
        eps = 1e-6 if qknorm[0] is None else qknorm[0]
        qw = rng.uniform(0.5, 1.5, size=dk) if qknorm[1] else np.ones(dk)
        kw = rng.uniform(0.5, 1.5, size=dk) if qknorm[1] else np.ones(dk)
        if qknorm[1]:
            files["qnorm"], files["knorm"] = qw, kw
            cmd += " --q-norm qnorm.npy --k-norm knorm.npy"
    if rope:
        cmd += " --rope"
    if klens is not None:
        files["klens"] = np.array(klens, dtype=float)
        cmd += " --key-lengths klens.npy"
    if qlens is not None:
        files["qlens.csv"] = np.array(qlens, dtype=float)[:, None]
        cmd += " --query-lengths qlens.csv"
    cmd += flags
    p = np.arange(n)[:, None] + shift
    j = np.arange(m)[None, :]
    allow = np.ones((n, m), dtype=bool)
    if causal:
        allow &= j <= p
    if window is not None:
        allow &= (j >= p - window[0]) & (j <= p + window[1])
    if klens is not None:
        # JAX key_value_seq_lengths: keys j >= len_b hidden
        allow = allow & (j < np.array(klens)[:, None, None])
        allow = allow[:, None]                      # (B, 1, n, m)
    qpad = None
    if qlens is not None:
        # JAX query_seq_lengths: rows i >= len_b are padding (zeros)
        qpad = np.arange(n)[None, :] >= np.array(qlens)[:, None]
        qpad = qpad[:, None, :]                     # (B, 1, n)
    ta = torch.from_numpy(allow)

    # torch
    q, k = t_heads(T(Q), h), t_heads(T(K), g)
    if qknorm is not None:
        # Qwen3RMSNorm: x * rsqrt(x.pow(2).mean(-1, keepdim) + eps) * w
        def rms(x, wt):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) \
                * T(wt)
        q, k = rms(q, qw), rms(k, kw)
    if rope:
        q = t_rope(q, torch.arange(n) + shift, 10000.0)
        k = t_rope(k, torch.arange(m), 10000.0)
    k = k.repeat_interleave(h // g, dim=-3)
    v = t_heads(T(V), g).repeat_interleave(h // g, dim=-3)
    s = q @ k.transpose(-2, -1) * sc
    if softcap is not None:
        s = softcap * torch.tanh(s / softcap)
    s = s + T(B)
    if alibi is not None:
        dist = (torch.from_numpy(p) - torch.from_numpy(j)).abs()
        s = s + (-slopes[:, None, None] * dist.to(torch.float64))
    s = s.masked_fill(~ta, -math.inf)
    if sinks:
        sk = T(S).reshape(h, 1, 1).expand(*s.shape[:-1], 1)
        comb = torch.cat([s, sk], dim=-1)
        comb = comb - comb.max(dim=-1, keepdim=True).values
        w = torch.softmax(comb, dim=-1)[..., :-1]
        lse = torch.logsumexp(torch.cat([s, sk], dim=-1), dim=-1)
        o = w @ v
    else:
        w = torch.softmax(s, dim=-1)
        o = w @ v
        lse = torch.logsumexp(s, dim=-1)
        full = torch.isfinite(s).any(dim=-1)
        if not full.all():
            o, w = t_zero_dead(o, w, torch.isfinite(s))
    if qpad is not None:
        tq = torch.from_numpy(qpad)
        o = o.masked_fill(tq[..., None], 0.0)
        w = w.masked_fill(tq[..., None], 0.0)
        lse = lse.masked_fill(tq, -math.inf)

    def scores(dt):
        qn = np_split(Q.astype(dt), h)
        kn = np_split(K.astype(dt), g)
        if qknorm is not None:
            def rms(x, wt):
                ms = (x * x).sum(axis=-1, keepdims=True) / dt(x.shape[-1])
                return x / np.sqrt(ms + dt(eps)) * wt.astype(dt)
            qn, kn = rms(qn, qw), rms(kn, kw)
        if rope:
            qn = np_rope(qn, np.arange(n) + shift, 10000, dt)
            kn = np_rope(kn, np.arange(m), 10000, dt)
        kn = np.repeat(kn, h // g, axis=-3)
        s = qn @ np.swapaxes(kn, -1, -2) * dt(sc)
        if softcap is not None:
            s = dt(softcap) * np.tanh(s / dt(softcap))
        s = s + B.astype(dt)
        if alibi is not None:
            sl = (np_alibi_slopes(h, dt) if alibi == "paper" else
                  files["slopes"].astype(dt))
            s = s - sl[:, None, None] * np.abs(p - j).astype(dt)
        return np.where(allow, s, -np.inf)

    def npf(dt):
        s = scores(dt)
        vn = np.repeat(np_split(V.astype(dt), g), h // g, axis=-3)
        if sinks:
            sk = np.broadcast_to(S.astype(dt)[:, None, None],
                                 s.shape[:-1] + (1,))
            s = np.concatenate([s, sk], axis=-1)
        mx = s.max(axis=-1, keepdims=True)
        dead = np.isneginf(mx)
        e = np.exp(s - np.where(dead, 0, mx))
        w = e / np.where(dead, 1, e.sum(axis=-1, keepdims=True))
        if sinks:
            w = w[..., :-1]
        o = w @ vn
        if qpad is not None:
            o = np.where(qpad[..., None], 0, o)
            w = np.where(qpad[..., None], 0, w)
            dead = dead & ~qpad[..., None]
        return np_concat(o), sq(w), int(dead.sum())

    def npl(dt):
        s = scores(dt)
        if sinks:
            sk = np.broadcast_to(S.astype(dt)[:, None, None],
                                 s.shape[:-1] + (1,))
            s = np.concatenate([s, sk], axis=-1)
        mx = s.max(axis=-1, keepdims=True)
        fin = np.where(np.isneginf(mx), 0, mx)
        with np.errstate(divide="ignore"):
            r = (fin + np.log(np.exp(s - fin).sum(
                axis=-1, keepdims=True)))[..., 0]
        if qpad is not None:
            r = np.where(qpad, -np.inf, r)
        return sq(r)

    def sq(a):
        # one head and no batch: selfattn leaves the H axis out
        return a[0] if h == 1 and not lead else a
    return Out(cmd, files, t_merge(o), sq(w), npf, t_lse=sq(lse),
               np_lse=npl, weights=weights)


@case
def case_softcap(rng):
    return mod_case(rng, softcap=2.5, scale=1.0)


@case
def case_softcap_causal_gqa_batch(rng):
    return mod_case(rng, lead=(2,), n=4, m=6, h=4, g=2, causal=2,
                    softcap=3.0, scale=1.0)


@case
def case_window_lr(rng):
    return mod_case(rng, n=7, m=7, window=(2, 1))


@case
def case_window_lr_cross(rng):
    return mod_case(rng, n=5, m=8, h=1, window=(0, 3))


@case
def case_window_lr_causal_br_batch(rng):
    # -c caps R at 0: keys i + 3 - 2 .. i + 3
    return mod_case(rng, lead=(2,), n=5, m=8, h=2, causal=2,
                    window=(2, 4))


@case
def case_alibi(rng):
    return mod_case(rng, n=6, m=6, h=4, alibi="paper")


@case
def case_alibi_causal_h6(rng):
    # 6 heads: not a power of 2 (slopes of 4, then odd ones of 8)
    return mod_case(rng, n=6, m=9, h=6, dk=2, causal=2, alibi="paper")


@case
def case_alibi_file_gqa_batch(rng):
    return mod_case(rng, lead=(2,), n=4, m=5, h=4, g=2, causal=1,
                    alibi="file")


@case
def case_sinks(rng):
    return mod_case(rng, n=5, m=6, h=2, sinks=True)


@case
def case_sinks_masked_row(rng):
    # bottom-right with n > m: query 0 sees no key, only the sink: zeros,
    # no warning, its LSE is the sink logit
    return mod_case(rng, n=5, m=4, h=2, causal=2, sinks=True)


@case
def case_sinks_causal_gqa_batch(rng):
    return mod_case(rng, lead=(3,), n=4, m=6, h=4, g=1, causal=2,
                    sinks=True)


@case
def case_modifiers_all(rng):
    # every modifier at once: scale, soft-cap, bias, ALiBi, window, causal,
    # sinks, in that order
    return mod_case(rng, lead=(2,), n=6, m=9, h=3, causal=2,
                    window=(3, 1), softcap=4.0, alibi="paper", sinks=True,
                    bias=True, scale=0.8)


@case
def case_qk_norm(rng):
    return mod_case(rng, n=5, m=6, h=2, dk=4, qknorm=(None, False))


@case
def case_qk_norm_weights_rope_causal_gqa_batch(rng):
    # Qwen3 / OLMo 2: RMSNorm with weights, then RoPE; GQA, a batch
    return mod_case(rng, lead=(2,), n=4, m=7, h=4, g=2, dk=4, causal=2,
                    qknorm=(1e-5, True), rope=True)


@case
def case_key_lengths(rng):
    return mod_case(rng, lead=(3,), n=4, m=6, h=2, klens=[6, 2, 4])


@case
def case_query_lengths(rng):
    # padding queries give zeros and LSE -inf, without the warning
    return mod_case(rng, lead=(3,), n=5, m=5, h=2, qlens=[5, 2, 0])


@case
def case_lengths_causal_gqa_sinks(rng):
    return mod_case(rng, lead=(2,), n=4, m=7, h=4, g=2, causal=2,
                    klens=[5, 7], qlens=[3, 4], sinks=True)


@case
def case_modifiers_long_keys(rng):
    # 3 queries, 9000 keys: three chunks of 4096 keys, merged in order
    # (split over threads): soft-cap, ALiBi, a window and sinks
    return mod_case(rng, n=3, m=9000, h=2, dk=2, causal=2,
                    window=(6000, 0), softcap=5.0, alibi="file",
                    sinks=True, weights=False)


def error_fixtures():
    """tests/torch/errors/: per-head tensors whose head counts do not
    divide (Q 4 heads, K and V 3), for a data-error test."""
    d = os.path.join(HERE, "errors")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    rng = np.random.default_rng(7)
    write_npy(os.path.join(d, "Q4.npy"), rn(rng, 4, 3, 2))
    write_npy(os.path.join(d, "K3.npy"), rn(rng, 3, 5, 2))
    write_npy(os.path.join(d, "V3.npy"), rn(rng, 3, 5, 2))


def main():
    only = sys.argv[1:]
    for fn in CASES:
        if not only or fn.__name__[len("case_"):] in only:
            run_case(fn)
    if not only:
        error_fixtures()


if __name__ == "__main__":
    main()
