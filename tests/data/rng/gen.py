#!/usr/bin/python3
"""Golden streams for tests/rng.bats, from NumPy's legacy RandomState.

Run once with /usr/bin/python3 (NumPy installed), from any folder; the
outputs are committed and the tests never run Python:

    /usr/bin/python3 tests/data/rng/gen.py

For every seed and sequence below it writes SEED-NAME.txt: the values
that `np.random.seed(SEED)` followed by the listed np.random.rand(N) /
np.random.randn(N) calls, in order, produce, one a line, as C's
printf("%a") prints them (glibc style: "0x1.8p-1", trailing zeros
dropped, "0x0p+0" for zero), so tests/tools/rngdump's output can be
compared with diff, bit for bit.  It also writes MANIFEST: "SEED NAME
SPEC..." lines, the rngdump arguments for each file.
"""
import math
import os
import sys

import numpy as np

SEEDS = [0, 1, 42, 2**32 - 1, 12345]

# name -> list of (kind, count); kind "rand" or "randn".
SEQUENCES = {
    "rand1000": [("rand", 1000)],
    # Odd count: the last value returned is a fresh pair's first, and
    # the second stays cached.
    "randn1001": [("randn", 1001)],
    # Interleaved: rand draws do not touch the Gaussian cache, so randn
    # after an odd randn count returns the cached value first.
    "mixed": [("rand", 3), ("randn", 5), ("rand", 7), ("randn", 2),
              ("rand", 1), ("randn", 1), ("randn", 4), ("rand", 2),
              ("randn", 3)],
}


def hexfloat(v):
    """Format v as glibc's printf("%a") does for normal doubles and 0."""
    v = float(v)
    if v == 0.0:
        return "-0x0p+0" if math.copysign(1.0, v) < 0 else "0x0p+0"
    if not math.isfinite(v):
        raise ValueError("non-finite value %r" % v)
    s = v.hex()                     # e.g. '-0x1.468e4b5774960p-2'
    sign = "-" if s.startswith("-") else ""
    body = s.lstrip("-")[2:]        # '1.468e4b5774960p-2'
    mant, exp = body.split("p")
    lead, frac = mant.split(".")
    if lead != "1":                 # subnormal: not produced here
        raise ValueError("subnormal value %r" % v)
    frac = frac.rstrip("0")
    e = int(exp)
    return "%s0x1%s%sp%+d" % (sign, "." if frac else "", frac, e)


def draw(seed, seq):
    np.random.seed(seed)
    out = []
    for kind, n in seq:
        a = np.random.rand(n) if kind == "rand" else np.random.randn(n)
        out.extend(float(x) for x in a)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    manifest = []
    for seed in SEEDS:
        for name, seq in SEQUENCES.items():
            vals = draw(seed, seq)
            path = os.path.join(here, "%d-%s.txt" % (seed, name))
            with open(path, "w") as f:
                for v in vals:
                    f.write(hexfloat(v) + "\n")
            manifest.append("%d %s %s" % (seed, name, " ".join(
                "%s:%d" % (k, n) for k, n in seq)))
    with open(os.path.join(here, "MANIFEST"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    print("numpy", np.__version__, "wrote", len(manifest), "files",
          file=sys.stderr)


if __name__ == "__main__":
    main()
