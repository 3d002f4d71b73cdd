#!/bin/sh
# tests/sanitize/check.sh - `make check-sanitize`: the whole bats suite
# and the random option combinations (tests/sanitize/combos.bats) against
# a build with AddressSanitizer (leak detection on) and
# UndefinedBehaviorSanitizer.
#
# The tree is copied to .sanitize/ (gitignored) and built there, so the
# normal build in the tree is never touched; .sanitize/blocks/ holds a
# second selfattn with small blocks, for combos.bats.  Any sanitizer report
# aborts the process that made it (SIGABRT, never an exit status 1 that
# a test of bad data would accept), so the test that ran it fails.
# Env: SAN_CC (default cc), SAN_CFLAGS, SAN_BATS_FLAGS (e.g. --timing),
# COMBO_SEED, COMBO_N (see combos.sh).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/.sanitize"
CC=${SAN_CC:-cc}
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer"
CFLAGS=${SAN_CFLAGS:-"-O1 -g -fno-trapping-math $SAN -fno-sanitize-recover=all"}

command -v bats >/dev/null 2>&1 || {
	echo "check-sanitize: bats not found: apt-get install bats" \
	    "(https://github.com/bats-core/bats-core)" >&2
	exit 2
}
rm -rf "$dir"
mkdir "$dir"
(cd "$root" && cp -pR Makefile README.md src man samples tests "$dir/")
rm -rf "$dir/tests/bench/work" "$dir/tests/fuzz"
make -s -C "$dir" clean
tools=$(cd "$dir" && echo tests/tools/*.c | sed 's/\.c//g')
make -s -C "$dir" CC="$CC" CFLAGS="$CFLAGS" LDFLAGS="$SAN" selfattn $tools
# selfattn again with blocks of 2 query rows and 1 key and key chunks of
# 2 keys (src/attn.h), in .sanitize/blocks/: combos.bats runs its random
# command lines, a handful of rows each, on it too, against the first
mkdir "$dir/blocks"
(cd "$root" && cp -pR Makefile src "$dir/blocks/")
make -s -C "$dir/blocks" clean
make -s -C "$dir/blocks" CC="$CC" LDFLAGS="$SAN" \
    CFLAGS="$CFLAGS -DATTN_BR=2 -DATTN_BC=1 -DATTN_KC=2" selfattn

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:abort_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
export ASAN_OPTIONS UBSAN_OPTIONS
echo "check-sanitize: bats tests against $dir/selfattn ($CC $SAN)"
exec bats ${SAN_BATS_FLAGS:-} "$dir/tests" "$dir/tests/sanitize"
