# Loaded by every tests/*.bats file: paths, and a fresh working folder.
ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
SA="$ROOT/selfattn"
CATMAT="$ROOT/tests/tools/catmat"
CMPMAT="$ROOT/tests/tools/cmpmat"
DATA="$ROOT/tests/data"
SAMPLES="$ROOT/samples"

# not CMD...: succeed where CMD fails and fail where it succeeds.  A
# test's `! CMD` never fails it: bash's set -e ignores a negated command.
not() {
	if "$@"; then
		return 1
	fi
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# No temporary output file (NAME.selfattn-XXXXXX) is left in the working
# folder.
no_temps() {
	[ -z "$(ls -A | grep 'selfattn-')" ]
}

# Skip the test under ASan (make check-sanitize), whose terabytes of
# shadow memory no ulimit -v leaves room for.
no_asan_for_ulimit() {
	[ -z "${ASAN_OPTIONS:-}" ] ||
	    skip "ulimit -v: ASan maps terabytes of shadow memory"
}

# run --separate-stderr needs bats 1.5.
bats_require_minimum_version 1.5.0
