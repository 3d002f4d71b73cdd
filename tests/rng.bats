#!/usr/bin/env bats
# src/rng.c against NumPy's legacy RandomState, bit for bit: the golden
# files in tests/data/rng were written by tests/data/rng/gen.py with
# np.random.seed(SEED) and np.random.rand / randn, as "%a" hex floats.
# tests/tools/rngdump is built from tests/tools/rngdump.c and src/rng.c.

load helpers

RNGDUMP="$ROOT/tests/tools/rngdump"
RNGDATA="$DATA/rng"

# check SEED NAME SPEC...: rngdump's output equals RNGDATA/SEED-NAME.txt.
check() {
	local seed=$1 name=$2
	shift 2
	"$RNGDUMP" "$seed" "$@" >"$seed-$name.got"
	diff "$seed-$name.got" "$RNGDATA/$seed-$name.txt"
}

# check_all NAME: every seed in the MANIFEST that has a NAME sequence.
check_all() {
	local name=$1 seed n spec count=0
	while read -r seed n spec; do
		[ "$n" = "$name" ] || continue
		# shellcheck disable=SC2086
		check "$seed" "$n" $spec
		count=$((count + 1))
	done <"$RNGDATA/MANIFEST"
	[ "$count" -eq 5 ]
}

@test "rng: rngdump is built" {
	[ -x "$RNGDUMP" ]
}

@test "rng: rand:1000 matches np.random.rand for seeds 0 1 42 2^32-1 12345" {
	check_all rand1000
}

@test "rng: randn:1001 (odd count) matches np.random.randn for all seeds" {
	check_all randn1001
}

@test "rng: rand/randn interleaved consume the stream as NumPy does" {
	check_all mixed
}

@test "rng: randn split over calls returns the cached second value first" {
	# 1001 normals drawn as 1 + 1 + 3 + 996 give the same stream.
	"$RNGDUMP" 42 randn:1 randn:1 randn:3 randn:996 >got
	diff got "$RNGDATA/42-randn1001.txt"
}

@test "rng: seeding again resets the stream and the Gaussian cache" {
	# An odd randn count leaves a value cached; seed:S re-seeds in the
	# same process, which must drop it (np.random.seed does).
	"$RNGDUMP" 12345 randn:1 rand:5 seed:12345 randn:1001 >got
	tail -n 1001 got | diff - "$RNGDATA/12345-randn1001.txt"
	[ "$(wc -l <got)" -eq 1007 ]
}

@test "rng: first values of seed 0 are NumPy's well-known ones" {
	# np.random.seed(0); np.random.rand(2) -> 0.5488135039273248,
	# 0.7151893663724195
	run "$RNGDUMP" 0 rand:2
	[ "$status" -eq 0 ]
	# (float.hex() of those; glibc's "%a" prints them the same way)
	[ "${lines[0]}" = 0x1.18fe1565f12a8p-1 ]
	[ "${lines[1]}" = 0x1.6e2d4cf608733p-1 ]
}

@test "rng: rngdump rejects a bad seed or spec" {
	run "$RNGDUMP" 4294967296 rand:1
	[ "$status" -eq 2 ]
	run "$RNGDUMP" 0 uniform:3
	[ "$status" -eq 2 ]
	run "$RNGDUMP" 0 rand:x
	[ "$status" -eq 2 ]
	run "$RNGDUMP" 0 seed:-1
	[ "$status" -eq 2 ]
}
