#!/usr/bin/env bats
# The progress bar: drawn on standard error only when it is a terminal
# (here a pseudo-terminal made by util-linux script(1)) and the run is
# long; redrawn in place with \r and cleared at the end; never on a pipe
# or a file; --quiet silences it and the warnings.  Results do not
# change with it.

load helpers

# Runs of over a second (of computing, after the inputs are drawn) even
# on a fast machine: query-split on one thread, and key-split on two
# (one query block, 6 key chunks; additive scores, slow to compute and
# quick to draw: da = 1024, as the vectorised tanh made them ten times
# faster).
LONG="-Q randn:6000x64 -K randn:60000x64 -V randn:60000x64 --seed 3"
DA=1024
# under ASan (make check-sanitize) everything is about ten times slower
if [ -n "${ASAN_OPTIONS:-}" ]; then
	LONG="-Q randn:2000x64 -K randn:20000x64 -V randn:20000x64 --seed 3"
	DA=64
fi
KSPLIT="-Q randn:96x8 -K randn:24000x8 -V randn:24000x8 --score additive
    --wa rand:8x$DA --ua rand:8x$DA --va rand:$DA --seed 3"

# on_tty CMD: run the shell command CMD with a pseudo-terminal as its
# standard input, output and error; what the terminal got is in tty.out.
on_tty() {
	command -v script >/dev/null || skip "script(1) is not installed"
	script -qfec "$1" /dev/null </dev/null >tty.out
}

@test "progress: drawn on a terminal, in place, cleared; results unchanged" {
	on_tty "'$SA' -j 1 $LONG -o y.npy"
	# shellcheck disable=SC2086
	run --separate-stderr "$SA" -j 2 $LONG -o y1.npy
	[ "$status" -eq 0 ]
	# on a pipe or a file: nothing
	[ -z "$stderr" ]
	cmp y.npy y1.npy
	od -c tty.out | head -5
	# "\rselfattn:  42% 1.2k rows/s, 0:03 left"
	tr '\r' '\n' <tty.out | grep -Eq '^selfattn: +[0-9]+% [0-9.]+k? rows/s, [0-9]+:[0-9][0-9] left *$'
	# redrawn with \r, never a newline, and cleared: it ends in blanks
	# between two \r
	[ "$(tr -cd '\n' <tty.out | wc -c)" -eq 0 ]
	[ "$(tr -cd '\r' <tty.out | wc -c)" -ge 3 ]
	tail -c 2 tty.out | od -c | grep -q '  \\r'
	[ -z "$(tr '\r' '\n' <tty.out | tail -n 1 | tr -d ' ')" ]
}

@test "progress: the key-split scheduler counts its chunks too" {
	run "$SA" --dry-run -j 2 $KSPLIT
	printf '%s\n' "$output" | grep -q ', key-split: 1 query block x 6 key chunks '
	on_tty "'$SA' -j 2 $(echo $KSPLIT) -o y.npy"
	# shellcheck disable=SC2086
	run --separate-stderr "$SA" -j 1 $KSPLIT -o y1.npy
	[ -z "$stderr" ]
	cmp y.npy y1.npy
	tr '\r' '\n' <tty.out | grep -Eq '^selfattn: +[0-9]+% '
}

@test "progress: --quiet draws nothing on a terminal" {
	on_tty "'$SA' --quiet -j 1 $LONG -o y.npy"
	[ ! -s tty.out ]
	[ -s y.npy ]
}

@test "progress: a short run draws nothing on a terminal" {
	on_tty "'$SA' -Q rand:10x4 -K rand:10x4 -V rand:10x4 -o y.csv"
	[ ! -s tty.out ]
	[ -s y.csv ]
}

@test "progress: --quiet silences the warning of fully masked rows" {
	printf '0,0,0\n1,1,1\n' >mask.csv
	run --separate-stderr "$SA" -Q rand:2x4 -K rand:3x4 -V rand:3x4 -H 2 \
	    --mask mask.csv -o y.csv
	[ "$status" -eq 0 ]
	[ "$stderr" = "selfattn: warning: 2 query rows, counted in each head, have every key masked: their weights and their heads' outputs are 0" ]
	cp y.csv y0.csv
	run --separate-stderr "$SA" --quiet -Q rand:2x4 -K rand:3x4 -V rand:3x4 \
	    -H 2 --mask mask.csv -o y.csv
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	cmp y.csv y0.csv
	# and --merge's, of a row that no shard lets see a key
	printf '1,0\n0,0\n' > mask.csv
	for r in 0:1 1:2; do
		"$SA" --quiet -Q rand:2x4 -K rand:2x4 -V rand:2x4 --mask mask.csv \
		    --key-range $r -o y$r.csv --lse l$r.csv
	done
	run --separate-stderr "$SA" --merge y0:1.csv l0:1.csv y1:2.csv l1:2.csv
	[ "$status" -eq 0 ]
	[ "$stderr" = "selfattn: warning: 1 log-sum-exp value is -inf in every shard (no key seen): its output is the first shard's (0, or bo with -w --bo)" ]
	run --separate-stderr "$SA" --merge --quiet y0:1.csv l0:1.csv \
	    y1:2.csv l1:2.csv
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "progress: --quiet does not silence errors" {
	run --separate-stderr "$SA" --quiet -x nosuch.csv -q rand:2x2 \
	    -k rand:2x2 -v rand:2x2
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: nosuch.csv: No such file or directory" ]
}
