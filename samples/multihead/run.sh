#!/bin/sh
# Multi-head self-attention: 4 tokens, d_model 4, 2 heads of width 2,
# output projection W^O (4x4), default scale 1/sqrt(2).  Prints the
# output, then the weights: one 4x4 block per head, separated by a
# blank line.  Run from the repo root.
set -e
SA=${SELFATTN:-./selfattn}
d=samples/multihead
"$SA" -x "$d/X.csv" -q "$d/Wq.csv" -k "$d/Wk.csv" -v "$d/Wv.csv" -H 2 \
	-w "$d/Wo.csv"
echo '# weights'
"$SA" -x "$d/X.csv" -q "$d/Wq.csv" -k "$d/Wk.csv" -v "$d/Wv.csv" -H 2 \
	-w "$d/Wo.csv" -o /dev/null -a -
