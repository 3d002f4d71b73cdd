#!/usr/bin/env bats
# Number conversion (src/num.c) through tests/tools/numcheck: random
# round trips against the C library and the previous implementation,
# golden output of Python's repr from tests/data/num/repr.txt (made by
# tests/data/num/gen.py), and the table that tests/data/num/pow5.py
# makes.

load helpers
bats_require_minimum_version 1.5.0

NUMCHECK="$ROOT/tests/tools/numcheck"

# Two seeds at once, one per core: about 2 x 3.5 s, some 4.3 million
# checks on 1.5 million values (see numcheck.c).
@test "num: random doubles and decimals agree with strtod, printf and the old num_format" {
	"$NUMCHECK" -s 1 80000 >out1 2>err1 &
	p1=$!
	"$NUMCHECK" -s 7 80000 >out2 2>err2 &
	p2=$!
	s1=0 s2=0
	wait "$p1" || s1=$?
	wait "$p2" || s2=$?
	if [ "$s1" -ne 0 ] || [ "$s2" -ne 0 ]; then
		cat err1 out1 err2 out2
		return 1
	fi
	grep -q ' passed, 0 failed$' out1
	grep -q ' passed, 0 failed$' out2
}

@test "num: the default seed" {
	run --separate-stderr "$NUMCHECK" 5000
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

@test "num: the table of powers of five in src/num.c is what pow5.py prints" {
	command -v python3 >/dev/null || skip "no python3"
	python3 "$DATA/num/pow5.py" --check >want
	sed -n '/BEGIN pow5.py/,/END pow5.py/p' "$ROOT/src/num.c" |
	    sed '1d;$d' >got
	[ -s want ]
	cmp want got
}
