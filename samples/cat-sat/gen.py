#!/usr/bin/env python3
# Writes the cat-sat sample: X = the 6x6 identity (one-hot tokens of
# "The cat sat on the mat"), WK = the identity, WQ = ln(A) for a chosen
# weights table A whose "cat" row is the lesson's (0.1, 0.4, 0.3, 0.05,
# 0.05, 0.1), WV 6x2.  With --scale none the scores of query i are
# ln(A[i]), so softmax gives A back.  numpy.txt is Y = A·WV (8 decimals)
# and A (2), laid out as NumPy prints arrays, computed here in plain
# Python (exact sums of decimals, so no NumPy is needed to know them).
import math

words = "The cat sat on the mat".split()
A = [[0.3, 0.3, 0.1, 0.05, 0.15, 0.1],
     [0.1, 0.4, 0.3, 0.05, 0.05, 0.1],
     [0.05, 0.35, 0.3, 0.15, 0.05, 0.1],
     [0.05, 0.05, 0.3, 0.2, 0.1, 0.3],
     [0.15, 0.05, 0.05, 0.1, 0.3, 0.35],
     [0.05, 0.15, 0.2, 0.15, 0.1, 0.35]]
WV = [[1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 1]]
I = [[int(i == j) for j in range(6)] for i in range(6)]


def write(name, rows):
    with open(name, "w") as f:
        for r in rows:
            f.write(",".join(str(x) for x in r) + "\n")


write("X.csv", I)
write("Wk.csv", I)
write("Wv.csv", WV)
write("Wq.csv", [[repr(math.log(x)) for x in r] for r in A])
Y = [[sum(A[i][k] * WV[k][c] for k in range(6)) for c in range(2)]
     for i in range(6)]
with open("numpy.txt", "w") as f:
    f.write("Self-Attention Output: [" + "\n ".join(
        "[" + " ".join("%.8f" % x for x in r) + "]" for r in Y) + "]\n")
    f.write("Attention Weights: [" + "\n ".join(
        "[" + " ".join("%.2f" % x for x in r) + "]" for r in A) + "]\n")
