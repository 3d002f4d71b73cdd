#!/bin/sh
# tests/fuzz/run.sh - replay and run the libFuzzer targets built in .fuzz/
# by tests/fuzz/Makefile (`make fuzz`).  For each TARGET given:
#  1. every input of tests/fuzz/regress/TARGET/ (crashes found before)
#     and of the seed corpus tests/fuzz/corpus/TARGET/ is run once;
#  2. unless FUZZ_SECONDS is 0, the target fuzzes for FUZZ_SECONDS
#     (default 60) from the seeds, writing new inputs to the scratch
#     corpus .fuzz/corpus/TARGET/ (never to the committed one) and any
#     crash to .fuzz/crash/TARGET-crash-*.
# Exits 1 if any target failed; prints one line per target.
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${FUZZ_SECONDS:-60}
opts="-rss_limit_mb=2048 -timeout=20 -print_final_stats=0"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
# fuzz_cli works in a folder /tmp/fuzz_cli.XXXXXX that it removes at
# exit: one that is new after a target ran was left behind.
dirs() { ls -d /tmp/fuzz_cli.* 2>/dev/null | sort; }
# left TARGET: status 1 and a message if a folder is new since the list
# in .fuzz/dirs.before.
left() {
	l_new=$(dirs | comm -13 .fuzz/dirs.before -)
	[ -z "$l_new" ] && return 0
	echo "fuzz: $1: left its working folder:" $l_new
	status=1
}
mkdir -p .fuzz
for t in "$@"; do
	dirs >.fuzz/dirs.before
	bin=.fuzz/$t
	[ -x "$bin" ] || { echo "fuzz: $bin not built"; status=1; continue; }
	mkdir -p ".fuzz/corpus/$t" .fuzz/crash
	log=.fuzz/$t.log
	: >"$log"
	# 1. regressions and seeds, each once (libFuzzer runs file args)
	set --
	for f in tests/fuzz/regress/$t/* tests/fuzz/corpus/$t/*; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	if [ $# -gt 0 ] && ! "$bin" $opts "$@" >>"$log" 2>&1; then
		echo "fuzz: $t: FAILED replaying tests/fuzz/regress/$t or" \
		    "corpus/$t (see $log)"
		tail -40 "$log"
		status=1
		continue
	fi
	if [ "$secs" -eq 0 ]; then
		echo "fuzz: $t: $# inputs replayed, ok"
		left "$t"
		continue
	fi
	# 2. fuzz
	if "$bin" $opts -max_total_time="$secs" \
	    -artifact_prefix=".fuzz/crash/$t-" \
	    ".fuzz/corpus/$t" "tests/fuzz/corpus/$t" >>"$log" 2>&1; then
		echo "fuzz: $t: $# inputs replayed, $secs s fuzzed," \
		    "$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log") runs, ok"
	else
		echo "fuzz: $t: CRASH (see $log); add the input to" \
		    "tests/fuzz/regress/$t/:"
		grep -i 'ERROR\|fuzz_[a-z]*:\|SUMMARY\|Test unit written' \
		    "$log" | head -20
		status=1
	fi
	left "$t"
done
exit $status
