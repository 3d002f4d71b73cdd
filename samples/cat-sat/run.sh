#!/bin/sh
# "The cat sat on the mat": six one-hot tokens whose weights table has
# the self-attention lesson's row for "cat" (see gen.py).  Prints Y with
# the words as first column, then the labelled weights table.  Run from
# the repo root; --heatmap samples/cat-sat/heatmap.svg draws README's
# picture.
set -e
SA=${SELFATTN:-./selfattn}
d=samples/cat-sat
"$SA" -x "$d/X.csv" -q "$d/Wq.csv" -k "$d/Wk.csv" -v "$d/Wv.csv" \
	--scale none -p 9 --labels "The cat sat on the mat" --label-output
echo '# weights'
"$SA" -x "$d/X.csv" -q "$d/Wq.csv" -k "$d/Wk.csv" -v "$d/Wv.csv" \
	--scale none -p 3 --labels "The cat sat on the mat" -o /dev/null -a -
