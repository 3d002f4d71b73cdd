#!/bin/sh
# The self-attention lesson: X (3x3) from the lesson, Wq, Wk, Wv drawn by
# np.random.rand(3, 3) after np.random.seed(42), unscaled softmax.
# Prints the output at 9 significant digits (enough for NumPy's 8
# decimals: 9 decimals below 1), then the attention weights in full (9 digits, rounded
# again to NumPy's 8 decimals, could differ in the last).  Run from the
# repo root.
set -e
SA=${SELFATTN:-./selfattn}
d=samples/lesson-self-attention
"$SA" -x "$d/X.csv" -q rand:3x3 -k rand:3x3 -v rand:3x3 --seed 42 \
	--scale none -p 9
echo '# weights'
"$SA" -x "$d/X.csv" -q rand:3x3 -k rand:3x3 -v rand:3x3 --seed 42 \
	--scale none -o /dev/null -a -
