#!/usr/bin/python3
"""Write samples/torch-mha: a torch.nn.MultiheadAttention and its output.

Run once with /usr/bin/python3 (Debian's python3-torch and python3-numpy):

    /usr/bin/python3 samples/gen_torch.py

It writes, and the outputs are committed (the tests never run Python):

    torch-mha/X.csv            the input, 4 tokens of width E = 8
    torch-mha/*.npy            the module's state_dict, one file per
                               tensor, named as in the state_dict
    torch-mha/numpy.txt        what the module computes, printed by NumPy:
                               the output, then the weights averaged over
                               the 2 heads (average_attn_weights=True)

The code between the README.md markers below is the script of README.md's
"Reproducing torch.nn.MultiheadAttention", verbatim (tests/docs.bats
checks that), run in samples/torch-mha.  run.sh (hand-written) gives
selfattn the same tensors; tests/docs.bats checks that it prints the
numbers of numpy.txt.
"""
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch-mha")
os.makedirs(HERE, exist_ok=True)
os.chdir(HERE)

# ---- README.md ----
import numpy as np
import torch

torch.manual_seed(1)
mha = torch.nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64)
with torch.no_grad():  # non-zero biases, so that the example uses them
    mha.in_proj_bias.uniform_(-0.5, 0.5)
    mha.out_proj.bias.uniform_(-0.5, 0.5)
x = torch.round(torch.randn(1, 4, 8, dtype=torch.float64) * 1000) / 1000
for name, t in mha.state_dict().items():
    np.save(name + ".npy", t.numpy())
np.savetxt("X.csv", x[0].numpy(), fmt="%.3f", delimiter=",")
with torch.no_grad():
    y, w = mha(x, x, x, need_weights=True, average_attn_weights=True)
print(y[0].numpy())
# ---- end of README.md ----

with open("numpy.txt", "w") as f:
    f.write("Output: " + np.array2string(y[0].numpy()) + "\n")
    f.write("# weights\n")
    f.write(np.array2string(w[0].numpy()) + "\n")
