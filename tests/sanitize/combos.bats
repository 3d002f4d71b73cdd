#!/usr/bin/env bats
# Random option combinations (tests/sanitize/combos.sh) against the
# selfattn of this tree.  Only `make check-sanitize` runs this file (on
# its ASan+UBSan copy of the tree): `make test` runs tests/*.bats only.

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
SA="$ROOT/selfattn"

@test "combos: random option combinations exit 0, 1 or 2, leave no temporary file, and -j 1 = -j 3" {
	SA="$SA" run sh "$ROOT/tests/sanitize/combos.sh"
	echo "$output"
	[ "$status" -eq 0 ]
}
