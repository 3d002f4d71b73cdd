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

# npy_v1 SHAPE: a version 1.0 header of '<f8' and shape SHAPE (as
# numpy writes it, padded to 64 bytes), on standard output.
npy_v1() {
	npy_v1_dict "{'descr': '<f8', 'fortran_order': False, 'shape': $1, }"
}

# npy_v1_dict DICT: the same with the header's dictionary DICT.
npy_v1_dict() {
	local d=$1
	local n=$(( (10 + ${#d} + 1 + 63) / 64 * 64 - 10 ))

	printf '\223NUMPY\001\000'
	printf "\\$(printf %03o $((n % 256)))\\$(printf %03o $((n / 256)))"
	printf '%s%*s\n' "$d" $((n - ${#d} - 1)) ''
}
