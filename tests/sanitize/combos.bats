#!/usr/bin/env bats
# Random option combinations (tests/sanitize/combos.sh) against the
# selfattn of this tree; then against the one check.sh builds with
# blocks of 2 query rows and 1 key and key chunks of 2 keys (blocks/),
# on which the random runs' few rows cross blocks and chunks, with this
# tree's selfattn as the reference its results must agree with.  Only
# `make check-sanitize` runs this file (on its ASan+UBSan copy of the
# tree): `make test` runs tests/*.bats only.

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
SA="$ROOT/selfattn"

@test "combos: random option combinations exit 0, 1 or 2, leave no temporary file, and -j 1 = -j 3" {
	SA="$SA" run sh "$ROOT/tests/sanitize/combos.sh"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "combos: blocks of 2 query rows and 1 key, chunks of 2 keys: as above, and as the tree's selfattn to 1e-9" {
	[ -x "$ROOT/blocks/selfattn" ] || {
		echo "no $ROOT/blocks/selfattn: run make check-sanitize"
		return 1
	}
	SA="$ROOT/blocks/selfattn" COMBO_REF="$SA" \
	    COMBO_SEED=${COMBO_SEED:-20261130} \
	    run sh "$ROOT/tests/sanitize/combos.sh"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "combos: blocks: 128 query blocks and more, whose tasks take 8 blocks each, with -w: the projections' scratch holds a task's rows" {
	[ -x "$ROOT/blocks/selfattn" ] || {
		echo "no $ROOT/blocks/selfattn: run make check-sanitize"
		return 1
	}
	# 256 rows are 128 blocks of 2: a task takes 16 rows, where the
	# scratch was sized for 2 (a write past it, then through NULL)
	for a in "-Q randn:256x4 -K randn:1x4 -V randn:1x2 -H 2 -w randn:2x3" \
	    "-x randn:256x20 -q randn:20x8 -k randn:20x8 -v randn:20x8 -w randn:8x5"; do
		"$ROOT/blocks/selfattn" $a -j 1 -o "$BATS_TEST_TMPDIR/b.csv"
		"$SA" $a -j 1 -o "$BATS_TEST_TMPDIR/t.csv"
		"$ROOT/tests/tools/cmpmat" -r 1e-9 -a 1e-12 \
		    "$BATS_TEST_TMPDIR/b.csv" "$BATS_TEST_TMPDIR/t.csv"
	done
}
