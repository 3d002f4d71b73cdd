#!/usr/bin/python3
"""Write the NumPy side of the samples in samples/.

Run once with /usr/bin/python3 (NumPy installed), from anywhere:

    /usr/bin/python3 samples/gen.py

It writes, and the outputs are committed (the tests never run Python):

    lesson-self-attention/X.csv, numpy.txt
        The code of the self-attention lesson with its line breaks
        restored, after np.random.seed(42); numpy.txt is what it prints,
        then a line "# weights" and the weights it computes.
    lesson-attention-mechanism/query.csv, keys.csv, values.csv, numpy.txt
        The code of the attention-mechanism lesson; numpy.txt is what it
        prints, then a line "# weights" and the weights it computes.
    multihead/X.csv, X.npy, Wq.csv, Wk.csv, Wv.csv, Wo.csv, numpy.txt
        A 2-head self-attention with an output projection, written out in
        NumPy; numpy.txt prints the output, then the weights of the heads.

Each folder's run.sh (hand-written) runs selfattn on the same inputs;
tests/docs.bats checks that it prints the numbers of numpy.txt.
"""
import contextlib
import io
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(folder, name):
    d = os.path.join(HERE, folder)
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name)


def fmt(v):
    """The shortest text that reads back to v; whole numbers without .0."""
    v = float(v)
    return str(int(v)) if v.is_integer() else repr(v)


def write_csv(folder, name, a):
    a = np.asarray(a)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    with open(path(folder, name), "w") as f:
        for row in a:
            f.write(",".join(fmt(v) for v in row) + "\n")


def write_printed(folder, fn):
    """Run fn and store what it prints in folder/numpy.txt."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn()
    with open(path(folder, "numpy.txt"), "w") as f:
        f.write(buf.getvalue())


# -- self-attention.txt -----------------------------------------------------

def lesson_self_attention():
    folder = "lesson-self-attention"

    def lesson():
        # The lesson's code verbatim, line breaks restored, after
        # np.random.seed(42) (selfattn --seed 42).
        np.random.seed(42)
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
        weights = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
        output = np.dot(weights, V)
        print("Self-Attention Output:", output)
        # (not the lesson's: the weights it computes, for run.sh's)
        print("# weights")
        print(weights)
        write_csv(folder, "X.csv", X)

    write_printed(folder, lesson)


# -- attention-mechanism.txt ------------------------------------------------

def lesson_attention_mechanism():
    folder = "lesson-attention-mechanism"

    def lesson():
        # The lesson's code verbatim, line breaks restored.
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
        # (not the lesson's: the weights it computes, for run.sh's)
        print("# weights")
        print(weights)
        write_csv(folder, "query.csv", query)
        write_csv(folder, "keys.csv", keys)
        write_csv(folder, "values.csv", values)

    write_printed(folder, lesson)


# -- multi-head attention ---------------------------------------------------

def multihead(X, Wq, Wk, Wv, Wo, h):
    """MultiHead = Concat(head_1..head_h)·W^O with
    head_i = softmax(Q_i·K_iᵀ/√d_k)·V_i, where Q_i, K_i, V_i are the i-th
    equal, contiguous column blocks of Q = X·Wq, K = X·Wk, V = X·Wv."""
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    dk = Q.shape[1] // h
    dv = V.shape[1] // h
    heads, weights = [], []
    for i in range(h):
        Qi = Q[:, i * dk:(i + 1) * dk]
        Ki = K[:, i * dk:(i + 1) * dk]
        Vi = V[:, i * dv:(i + 1) * dv]
        s = Qi @ Ki.T / np.sqrt(dk)
        e = np.exp(s - s.max(axis=1, keepdims=True))
        w = e / e.sum(axis=1, keepdims=True)
        heads.append(w @ Vi)
        weights.append(w)
    return np.concatenate(heads, axis=1) @ Wo, np.stack(weights)


def sample_multihead():
    folder = "multihead"
    # 4 tokens, d_model = 4, 2 heads of width 2, W^O 4x4.
    X = np.array([[1.0, 0.0, 1.0, 0.0],
                  [0.0, 2.0, 0.0, 1.0],
                  [1.0, 1.0, 1.0, 1.0],
                  [0.5, 0.0, -1.0, 2.0]])
    Wq = np.array([[0.5, -0.25, 1.0, 0.0],
                   [0.0, 0.75, -0.5, 0.25],
                   [1.0, 0.5, 0.0, -0.75],
                   [-0.5, 0.0, 0.25, 1.0]])
    Wk = np.array([[0.25, 0.5, 0.0, 1.0],
                   [-0.75, 0.0, 0.5, 0.25],
                   [0.5, -0.5, 1.0, 0.0],
                   [0.0, 1.0, -0.25, 0.5]])
    Wv = np.array([[1.0, 0.0, 0.5, -0.5],
                   [0.0, 1.0, 0.25, 0.75],
                   [0.5, 0.5, 1.0, 0.0],
                   [-0.25, 0.25, 0.0, 1.0]])
    Wo = np.array([[0.5, 0.0, 0.0, 0.5],
                   [0.0, 0.5, 0.5, 0.0],
                   [0.25, -0.25, 1.0, 0.0],
                   [0.0, 1.0, 0.0, -1.0]])
    for name, a in (("X", X), ("Wq", Wq), ("Wk", Wk), ("Wv", Wv),
                    ("Wo", Wo)):
        write_csv(folder, name + ".csv", a)
    np.save(path(folder, "X.npy"), np.ascontiguousarray(X, dtype="<f8"))

    def run():
        output, weights = multihead(X, Wq, Wk, Wv, Wo, 2)
        print("MultiHead output:", output)
        print("weights of the heads:", weights)

    write_printed(folder, run)


if __name__ == "__main__":
    lesson_self_attention()
    lesson_attention_mechanism()
    sample_multihead()
