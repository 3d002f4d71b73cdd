#!/bin/sh
# The attention-mechanism lesson: one query attends to three keys, with
# the lesson's unscaled softmax.  The query file is one row, so the
# output is one row of two.  Prints the output, then the weights.
# Run from the repo root.
set -e
SA=${SELFATTN:-./selfattn}
d=samples/lesson-attention-mechanism
"$SA" -Q "$d/query.csv" -K "$d/keys.csv" -V "$d/values.csv" --scale none
echo '# weights'
"$SA" -Q "$d/query.csv" -K "$d/keys.csv" -V "$d/values.csv" --scale none \
	-o /dev/null -a -
