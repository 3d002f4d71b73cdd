#!/usr/bin/env python3
"""Write the seed corpus of fuzz_cli: command lines encoded as the fuzz
target decodes them (see decode() in fuzz_cli.c; keep OPTS, FIX, OWN,
OUTS in its order).  Run from the top of the tree; writes
tests/fuzz/corpus/fuzz_cli/NN.  enc() also turns a command line into a
regression input (python3 -c 'from cli_seeds import enc; ...' in
tests/fuzz), e.g. regress/fuzz_cli/out-symlink-realpath-leak is
enc("-Q rand:3x4 -K rand:5x4 -V rand:5x3 -s 0 -o link.csv".split()) and
regress/fuzz_cli/window-llong-max-overflow is enc("-Q rand:3x2 -K rand:5x2
-V rand:5x2 --window 9223372036854775807 -o y.csv".split())."""
import os

OPTS = ("-x -q -k -v -w -Q -K -V --memory --bq --bk --bv --bo --in-proj "
        "--in-proj-bias --mask --key-padding --wa --ua --va -H --kv-heads -s "
        "--window --seed -p -j --causal --rope --layout --pos --score --dtype "
        "-f --average-weights -c --help --version -o -a --labels --key-labels "
        "--heatmap --show --batch-index --query-padding --query-lengths "
        "--rope=@").split()
# "--rope=@FILE" is an entry of its own, after --rope's (base) one
MAT = set(OPTS[:20]) | {"--query-padding", "--query-lengths", "--rope=@"}
NUM = set("-H --kv-heads -s --window --seed -p -j".split())
WORDS = {"--layout": ["row", "torch"], "--pos": ["sinusoidal"],
         "--score": ["dot", "general", "additive"], "--dtype": ["f64", "f32"],
         "-f": ["csv", "tsv", "txt", "npy"]}
OPTWORDS = {"--causal": ["top-left", "bottom-right"], "--rope": ["10000",
            "500000"]}
FIX = ("in/x3.npy in/q3.npy in/k3.npy in/v3.npy in/q4.npy in/k4.npy "
       "in/v4.npy in/kg4.npy in/vg4.npy in/mask3.npy in/mask4.npy "
       "in/kpad.npy in/kpad5.npy in/vec.npy in/zero.npy in/x.csv in/mask.csv").split()
# the options' own fixtures (qpad_f, qlen_f, rope_f in fuzz_cli.c)
OWN = {"--query-padding": ("in/qpad.csv in/qpadl.csv in/qpadall.csv "
                           "in/qpadcol.csv in/qpad5.npy in/qpad3d.npy "
                           "in/qpadbad.csv in/qpadnan.csv").split(),
       "--query-lengths": ("in/qlen.csv in/qlen0.csv in/qlen1.csv "
                           "in/qlen.npy in/qlenbad.csv in/qlenbig.csv "
                           "in/qlennan.csv in/qlen2d.csv").split(),
       "--rope=@": ("in/rope1.csv in/rope2.csv in/rope2.npy in/rope4.csv "
                    "in/ropebig.csv in/ropenan.csv in/ropeeps.csv "
                    "in/rope2x2.csv").split() + [""]}
OUTS = ("y.csv y.npy y.txt y.tsv y w.csv w.npy /dev/null - link.csv").split()
NUMS = ["18446744073709551615", "18446744073709551616", "-1", "1e3", "",
        "0x10", " 3", "9999999999", "4294967296", "4294967295", "1025",
        "1024", "17", "18", "none", "nan", "inf", "-inf", "1e-320", "-0",
        "0.5", "1e308", "9223372036854775807", "9223372036854775808"]


def enc(args, compare=True):
    b = bytearray([1 if compare else 0])
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--rope=@"):
            # one word, decoded from the entry "--rope=@" and FILE as
            # its matrix argument
            args = args[:i] + ["--rope=@", a[8:]] + args[i + 1:]
            name, eq = "--rope=@", ""
        else:
            name, _, eq = a.partition("=")
        o = OPTS.index(name)
        b.append(o)
        if name in OPTWORDS:
            if eq:
                b += bytes([3, OPTWORDS[name].index(eq)])
            else:
                b.append(0)
            i += 1
            continue
        if name in WORDS:
            b.append(WORDS[name].index(args[i + 1]))
            i += 2
            continue
        if name in ("--average-weights", "-c", "--help", "--version"):
            b.append(0)
            i += 1
            continue
        v = args[i + 1]
        b.append(0)
        if name in MAT:
            if v in OWN.get(name, ()):
                b += bytes([128 + 3 + 4 * OWN[name].index(v), 0, 0])
            elif v in FIX:
                b += bytes([3 + 4 * FIX.index(v), 0, 0])
            else:
                kind, _, dims = v.partition(":")
                c = 4 if kind == "randn" else 0
                if "x" in dims:
                    r, k = (int(t) for t in dims.split("x"))
                    b += bytes([c, r - 1, k - 1])
                else:
                    b += bytes([c + 2, int(dims) - 1, 0])
        elif name in NUM:
            b.append(NUMS.index(v) + 200 if v in NUMS else int(v))
            assert v in NUMS or 0 <= int(v) <= 9
        else:
            b.append(OUTS.index(v))
        i += 2
    return bytes(b)


S = "-x rand:3x4 -q rand:4x4 -k rand:4x4 -v rand:4x4"
SEEDS = [
    S + " -o y.csv",
    S + " -w rand:4x3 -H 2 -o y.npy -a w.npy",
    "-x rand:3x4 -q rand:4x4 -k rand:4x2 -v rand:4x2 -H 2 --kv-heads 1"
    " -o y.csv -a w.csv --average-weights",
    "-x rand:4x8 -q rand:8x8 -k rand:8x2 -v rand:8x2 -H 4 --kv-heads 1"
    " -o y.txt",
    S + " -c -o y.csv -a w.csv",
    S + " --causal=bottom-right --window 1 -o y.tsv",
    S + " --memory rand:5x4 --mask in/mask.csv -o y.csv",
    S + " --memory rand:5x4 -o y.csv -a w.npy",
    "-Q in/q4.npy -K in/k4.npy -V in/v4.npy --key-padding in/kpad5.npy"
    " -o y.csv -a w.csv",
    S + " --bq rand:4 --bk rand:4 --bv rand:4 --bo rand:3 -w rand:4x3"
    " -o y.csv",
    S + " --rope -H 2 -o y.csv",
    S + " --rope=500000 --pos sinusoidal -o y.csv",
    S + " --score general --wa rand:4x4 -o y.csv",
    S + " --score additive --wa rand:4x3 --ua rand:4x3 --va rand:3"
    " -o y.csv -a w.csv",
    S + " --layout torch -o y.csv --dtype f32 -p 5",
    "-x rand:3x2 --in-proj rand:6x2 --layout torch -o y.csv"
    " --in-proj-bias rand:6",
    "-Q in/q3.npy -K in/k3.npy -V in/v3.npy -o y.npy -a w.npy",
    "-Q in/q4.npy -K in/k4.npy -V in/v4.npy -w rand:6x2 -o y.csv",
    "-Q in/q4.npy -K in/kg4.npy -V in/vg4.npy --mask in/mask4.npy -o y.csv",
    "-Q in/q3.npy -K in/k3.npy -V in/v3.npy --mask in/mask3.npy -c"
    " -o y.csv",
    "-x in/x3.npy -q rand:4x4 -k rand:4x4 -v rand:4x4 -H 2"
    " --key-padding in/kpad.npy -o y.csv -a w.csv",
    "-x in/x.csv -q rand:4x4 -k rand:4x4 -v rand:4x4 -o y.csv -f npy",
    "-Q rand:4 -K rand:5x4 -V rand:5x3 -o y.csv -a w.csv",
    S + " -o - -a w.csv --seed 7 -j 2",
    S + " -o /dev/null -a /dev/null",
    "--help", "--version",
    S + " --query-padding in/qpad.csv -o y.csv -a w.csv",
    "-x in/x3.npy -q rand:4x4 -k rand:4x4 -v rand:4x4 --query-padding"
    " in/qpadl.csv --key-padding in/kpad.npy -c -o y.csv -a w.npy",
    S + " --memory rand:5x4 --query-padding in/qpadcol.csv"
    " --causal=bottom-right -o y.csv",
    "-Q in/q4.npy -K in/k4.npy -V in/v4.npy --query-lengths in/qlen.csv"
    " -o y.csv -a w.csv",
    "-x in/x.csv -q rand:4x4 -k rand:4x4 -v rand:4x4 --query-lengths"
    " in/qlen0.csv --query-padding in/qpadl.csv -o y.npy",
    "-Q in/q3.npy -K in/k3.npy -V in/v3.npy --query-lengths in/qlen1.csv"
    " -o y.csv",
    S + " --rope=@in/rope2.csv -o y.csv",
    S + " --rope=@in/rope1.csv -H 2 -o y.csv -a w.csv",
    S + " --memory rand:5x4 --causal=bottom-right --rope=@in/rope2.npy"
    " -o y.csv",
    "-x rand:3x8 -q rand:8x8 -k rand:8x8 -v rand:8x8 --rope=@in/rope4.csv"
    " --dtype f32 -o y.csv",
    S + " --rope=@in/ropebig.csv -o y.csv",
]

if __name__ == "__main__":
    d = "tests/fuzz/corpus/fuzz_cli"
    os.makedirs(d, exist_ok=True)
    for i, s in enumerate(SEEDS):
        with open(os.path.join(d, "%02d" % i), "wb") as f:
            f.write(enc(s.split()))
