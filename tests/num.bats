#!/usr/bin/env bats
# Number conversion (src/num.c) through tests/tools/numcheck: random
# round trips against the C library, and golden output of Python's repr
# from tests/data/num/repr.txt (made by tests/data/num/gen.py).

load helpers
bats_require_minimum_version 1.5.0

NUMCHECK="$ROOT/tests/tools/numcheck"

@test "num: 200000 random doubles and decimals agree with strtod and printf" {
	run --separate-stderr "$NUMCHECK" 200000
	[ "$status" -eq 0 ] || { echo "$stderr"; echo "$output"; return 1; }
	[[ "$output" == *" passed, 0 failed" ]]
}

@test "num: another seed" {
	run --separate-stderr "$NUMCHECK" -s 7 20000
	[ "$status" -eq 0 ] || { echo "$stderr"; echo "$output"; return 1; }
	[[ "$output" == *" passed, 0 failed" ]]
}

@test "num: num_format matches Python repr and %e rounding (golden)" {
	run --separate-stderr "$NUMCHECK" -g "$DATA/num/repr.txt"
	[ "$status" -eq 0 ] || { echo "$stderr"; echo "$output"; return 1; }
	[[ "$output" == *" passed, 0 failed" ]]
}

@test "num: golden mode reports a wrong line" {
	printf '3ff0000000000000 1\n3ff8000000000000 1.50\n3ff8000000000000 1 1\n' >g.txt
	run --separate-stderr "$NUMCHECK" -g g.txt
	[ "$status" -eq 1 ]
	[ "$output" = "3 passed, 2 failed" ]
	[[ "$stderr" == *'golden num_format'*'line 2, prec 0: got "1.5"'* ]]
	[[ "$stderr" == *'line 3, prec 1: got "2"'* ]]
}
