#!/usr/bin/env bats
# Inputs as selfattn takes them (src/input.c, and the shapes that text
# blocks give): which arguments a 3-D text file (blocks separated by
# blank lines) may be, and what the others say of it; and streams (pipes,
# devices, standard input), read no further than a line or a .npy needs.

load helpers
bats_require_minimum_version 1.5.0

# sa_err ARGS: run selfattn; it must exit 1 with nothing on stdout.
sa_err() {
	run --separate-stderr "$SA" "$@"
	[ "$status" -eq 1 ] || { echo "exit $status, want 1: $stderr"; return 1; }
	[ -z "$output" ] || { echo "stdout: $output"; return 1; }
}

# Two 2x3 sequences, and the same as one text file of two blocks.
blocks() {
	printf '1,0,1\n0,1,0\n' > a.csv
	printf '1,1,1\n0,0.5,1\n' > b.csv
	{ cat a.csv; echo; cat b.csv; } > X.csv
}

@test "blocks: X in blocks is a batch, each block a sequence of its own" {
	blocks
	w='-q rand:3x2 -k rand:3x2 -v rand:3x2 --seed 3'
	"$SA" -x a.csv $w > ya
	"$SA" -x b.csv $w > yb
	"$SA" -x X.csv $w > y
	[ "$(cat y)" = "$(cat ya; echo; cat yb)" ]
	"$SA" -x X.csv $w -f npy > y.npy
	[ "$("$CATMAT" -s y.npy)" = 2x2x2 ]
}

@test "blocks: --memory in blocks goes with X in blocks, block by block" {
	blocks
	w='-q rand:3x2 -k rand:3x2 -v rand:3x2 --seed 5'
	"$SA" -x a.csv -m b.csv $w > ya
	"$SA" -x b.csv -m a.csv $w > yb
	{ cat b.csv; echo; cat a.csv; } > M.csv
	"$SA" -x X.csv -m M.csv $w > y
	[ "$(cat y)" = "$(cat ya; echo; cat yb)" ]
}

@test "blocks: -Q -K -V in blocks are a batch with -H, heads without" {
	blocks
	"$SA" -Q a.csv -K a.csv -V a.csv > ya
	"$SA" -Q b.csv -K b.csv -V b.csv > yb
	"$SA" -Q X.csv -K X.csv -V X.csv -H 1 > batch
	"$SA" -Q X.csv -K X.csv -V X.csv > heads
	[ "$(cat batch)" = "$(cat ya; echo; cat yb)" ]
	[ "$(cat heads)" = "$(cat ya; echo; cat yb)" ]
	# per head, -w concatenates the heads: a 2x6 input to WO
	run "$SA" -Q X.csv -K X.csv -V X.csv -w rand:6x1
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "blocks: a mask in blocks is a mask per head" {
	printf '1,1,1\n1,1,1\n1,1,1\n\n1,0,0\n0,1,0\n0,0,1\n' > M.csv
	run --separate-stderr "$SA" -Q rand:3x4 -K rand:3x4 -V rand:3x4 -H 2 \
	    --mask M.csv -o /dev/null -a -
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sed -n '5,7p')" = '1,0,0
0,1,0
0,0,1' ]
	[ "$(printf '%s\n' "$output" | sed -n 4p)" = '' ]
	[ "$(printf '%s\n' "$output" | sed -n 1p)" != '1,0,0' ]
}

@test "blocks: blocks of another shape are an error at the odd block" {
	printf '1,2\n3,4\n\n5,6\n' > X.csv
	sa_err -x X.csv -q rand:2x2 -k rand:2x2 -v rand:2x2
	[ "$stderr" = 'selfattn: X.csv:4:1: expected a block of 2x2 as at line 1, found 1 row' ]
	printf '1,2\n3,4\n\n\n# b\n5,6,7\n8,9,10\n' > X.csv
	sa_err -x X.csv -q rand:2x2 -k rand:2x2 -v rand:2x2
	[ "$stderr" = 'selfattn: X.csv:6:1: expected a block of 2x2 as at line 1, found 3 fields' ]
}

@test "blocks: a weight file in blocks is refused with its 3-D shape" {
	printf '1,0\n0,1\n' > X.csv
	printf '1,0\n0,1\n\n1,1\n0,1\n' > Wq.csv
	sa_err -x X.csv -q Wq.csv -k rand:2x2 -v rand:2x2
	[ "$stderr" = "selfattn: -q (WQ) Wq.csv is 2x2x2: expected a matrix (1-D or 2-D): put the heads' blocks side by side (H blocks of dk columns)" ]
	sa_err -x X.csv -q rand:2x2 -k rand:2x2 -v rand:2x2 --bq Wq.csv
	[ "$stderr" = 'selfattn: --bq Wq.csv is 2x2x2: expected one row or one column of numbers' ]
}

@test "blocks: --memory in blocks needs X in as many blocks" {
	printf '1,0\n0,1\n' > X.csv
	printf '1,0\n0,1\n\n1,1\n0,1\n' > M.csv
	sa_err -x X.csv -m M.csv -q rand:2x2 -k rand:2x2 -v rand:2x2
	[ "$stderr" = 'selfattn: --memory M.csv is 2x2x2 but -x (X) X.csv is 2x2: both must be 3-D with as many sequences, or neither' ]
}

# --- streams: pipes, devices and standard input are read whole, but not
# without end.

# bounded CMD...: run CMD (a shell command line) with at most 1 GB of
# address space, so that reading without end fails fast.
# Under ASan, which maps terabytes of shadow memory, the limit is time.
bounded() {
	if [ -n "${ASAN_OPTIONS:-}" ]; then
		run --separate-stderr timeout 120 bash -c "$*"
	else
		run --separate-stderr bash -c "ulimit -v 1000000; $*"
	fi
}

@test "streams: a line that never ends is refused after 256 MiB" {
	bounded "yes 1, | tr -d '\\n' |
	    '$SA' -j 1 -x - -q rand:2x2 -k rand:2x2 -v rand:2x2"
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: <stdin>:1:1: expected a line of at most 256 MiB, found more' ]
	[ -z "$output" ]
}

@test "streams: endless bytes after text lines name the line that does not end" {
	bounded "{ printf '1,2\n3,4\n'; yes 5, | tr -d '\\n'; } |
	    '$SA' -j 1 -x - -q rand:2x2 -k rand:2x2 -v rand:2x2"
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: <stdin>:3:1: expected a line of at most 256 MiB, found more' ]
}

@test "streams: text stops at its first NUL byte, reported where it is: /dev/zero, /dev/urandom, endless lines after one" {
	bounded "'$SA' -j 1 -x /dev/zero -q rand:2x2 -k rand:2x2 -v rand:2x2"
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: /dev/zero:1:1: expected text, found a NUL byte' ]
	bounded "{ printf '1,2\n3,\0'; yes 5,6; } |
	    '$SA' -j 1 -x - -q rand:2x2 -k rand:2x2 -v rand:2x2"
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: <stdin>:2:3: expected text, found a NUL byte' ]
	# a NUL in a comment, then more rows: an error, not the rows before
	bounded "printf '1,2\n3,4\n# \\0\n5,6\n' |
	    '$SA' -j 1 -Q - -K rand:3x2 -V rand:3x2"
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: <stdin>:3:3: expected text, found a NUL byte' ]
	# binary: an error with its position, not memory exhausted
	bounded "'$SA' -j 1 -x /dev/urandom -q rand:2x2 -k rand:2x2 -v rand:2x2"
	[ "$status" -eq 1 ]
	[[ "$stderr" =~ ^selfattn:\ /dev/urandom:[0-9]+:[0-9]+:\ expected ]]
}

# out_of_memory LIMIT MESSAGE CMD...: CMD -o y.npy under ulimit -v
# LIMIT (KiB) exits 1 with MESSAGE alone on standard error, and makes no
# file.  Not under ASan, which maps terabytes of shadow memory.
out_of_memory() {
	local limit=$1 msg=$2
	shift 2
	no_asan_for_ulimit
	run --separate-stderr bash -c 'ulimit -v "$1" && shift &&
	    exec "$@" -o y.npy' _ "$limit" "$@"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$msg" ]
	[ -z "$output" ]
	[ ! -e y.npy ]
	no_temps
}

# each_alloc_fails CMD...: CMD (which writes o.csv, and maybe w.csv and
# l.csv) run once for every allocation it makes, with that one failing
# (tests/failalloc.c, preloaded): each run exits 0 and writes what the
# run without a failure wrote, or exits 1 with one line "selfattn: ...",
# no usage text, and no file.  Standard input is a pipe of the file
# EACH_IN (empty if unset).  Not under ASan, whose allocator is its own.
each_alloc_fails() {
	local n count
	[ -z "${ASAN_OPTIONS:-}" ] || skip "ASan's allocator replaces malloc"
	cc -shared -fPIC -o fa.so "$ROOT/tests/failalloc.c"
	FAILALLOC_COUNT=count LD_PRELOAD=$PWD/fa.so "$@" \
	    < <(cat "${EACH_IN:-/dev/null}")
	count=$(cat count)
	[ "$count" -gt 10 ]
	cat o.csv w.csv l.csv >want 2>/dev/null || true
	for ((n = 0; n < count; n++)); do
		rm -f o.csv w.csv l.csv
		FAILALLOC=$n LD_PRELOAD=$PWD/fa.so run --separate-stderr "$@" \
		    < <(cat "${EACH_IN:-/dev/null}")
		if [ "$status" -eq 0 ]; then
			cat o.csv w.csv l.csv 2>/dev/null | cmp - want
			continue
		fi
		echo "allocation $n: exit $status: $stderr"
		[ "$status" -eq 1 ]
		[[ "$stderr" =~ ^selfattn:\ [^$'\n']*$ ]]
		[ ! -e o.csv ]
		[ ! -e w.csv ]
		[ ! -e l.csv ]
		no_temps
	done
}

@test "memory: any allocation that fails ends the run with exit 1 and its message, no usage text, no file" {
	printf '1,2\n3,4\n5,6\n' >q.csv
	printf 'a\nb\nc\n' >lab.txt
	each_alloc_fails "$SA" -j 1 -Q q.csv -K q.csv -V q.csv -H 2 -c \
	    -a w.csv --lse l.csv -o o.csv --labels @lab.txt
	each_alloc_fails "$SA" -j 2 -x randn:40x8 -q randn:8x8 -k randn:8x8 \
	    -v randn:8x8 -w randn:8x8 -H 2 --dtype f32 -o o.csv \
	    --heatmap h.svg
	# a mask of booleans from a pipe: its bytes copied
	{ "$ROOT/tests/tools/npyhdr" -t '|b1' 3 3; printf '\001\000\001\001\001\000\000\001\001'; } >m.npy
	EACH_IN=m.npy each_alloc_fails "$SA" -j 1 -Q q.csv -K q.csv -V q.csv \
	    --mask - -a w.csv -o o.csv
	# (the weights of the run with no failure: query 0 sees keys 0, 2)
	sed -n 4p want | grep -q '^[^,]*,0,'
}

@test "memory: any allocation of --merge that fails ends it with exit 1, no usage text, no file" {
	"$SA" -Q randn:5x4 -K randn:6x4 -V randn:6x4 -H 2 --key-range 0:3 \
	    -o y1.csv --lse l1.csv
	"$SA" -Q randn:5x4 -K randn:6x4 -V randn:6x4 -H 2 --key-range 3:6 \
	    -o y2.csv --lse l2.csv
	# (its first one, the operands' table, was a usage error: exit 2)
	each_alloc_fails "$SA" --merge y1.csv l1.csv y2.csv l2.csv -o o.csv \
	    --lse l.csv
	FAILALLOC=0 LD_PRELOAD=$PWD/fa.so run --separate-stderr "$SA" --merge \
	    y1.csv l1.csv y2.csv l2.csv -o o.csv
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: the operands: cannot allocate 96 bytes: Cannot allocate memory" ]
}

@test "memory: an input larger than memory allows is an error, and no file is made" {
	out_of_memory 300000 'selfattn: rand:100000x512: cannot allocate 409600000 bytes: Cannot allocate memory' \
	    "$SA" -j 2 -x rand:100000x512 -q rand:512x64 -k rand:512x64 \
	    -v rand:512x64
}

@test "memory: buffers larger than memory allows are an error, and no file is made" {
	# 16 MB of inputs, 297 MiB of buffers (keys and values of 8 heads
	# packed); the generic level, whose packing does not depend on the CPU
	out_of_memory 250000 'selfattn: buffers: cannot allocate 311484352 bytes: Cannot allocate memory' \
	    env SELFATTN_ISA=generic "$SA" -j 2 -x rand:30000x64 \
	    -q rand:64x512 -k rand:64x512 -v rand:64x512 -H 8
}

@test "memory: a thread's buffers hold the query rows there are, not a block of 144 (one query, values of a million)" {
	no_asan_for_ulimit
	# block()'s P·V rows took 144 x dv: 1.2 GB here
	run --separate-stderr bash -c 'ulimit -v 400000 && exec "$@"' _ \
	    "$SA" -Q randn:1x4 -K rand:1x4 -V rand:1x1000000 -o y.npy
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	b=$("$SA" --dry-run -Q randn:1x4 -K rand:1x4 -V rand:1x1000000 |
	    sed -n 's/.*buffers \([0-9]*\) B.*/\1/p')
	[ "$b" -lt 200000000 ]
	# one key: Y is V, the values of a run that writes them
	"$SA" -Q randn:1x4 -K rand:1x4 -V rand:1x1000000 -a w.csv \
	    -o y.csv
	[ "$(cat w.csv)" = 1 ]
	"$CATMAT" y.npy | cmp - y.csv
}

@test "memory: a text mask's numbers are let go once they are bytes, before the run's buffers (and --dry-run counts so)" {
	no_asan_for_ulimit
	# 1536 x 1536 booleans: 18.9 MB as doubles, 2.4 MB as bytes; the
	# run's buffers (62.5 MB) come after the plan has the bytes
	awk 'BEGIN { for (i = 0; i < 1536; i++) { r = 1
		for (j = 1; j < 1536; j++) r = r "," ((i + 3 * j) % 10 != 0)
		print r } }' > m.csv
	local a="-x randn:1536x1024 -q randn:1024x1024 -k randn:1024x1024
	    -v randn:1024x1024 -H 8 --mask m.csv -j 1"
	line=$("$SA" --dry-run $a -o y.npy | grep '^memory: ')
	[[ "$line" =~ ^'memory: '([0-9.]+)' MiB peak: inputs '([0-9]+)' B, derived '([0-9]+)' B, buffers '([0-9]+)' B' ]]
	peak=${BASH_REMATCH[1]}
	# the inputs count the mask as its doubles; the peak, without them
	want=$(awk -v i="${BASH_REMATCH[2]}" -v d="${BASH_REMATCH[3]}" \
	    -v b="${BASH_REMATCH[4]}" 'BEGIN { printf "%.1f",
	    (i + d + b - 1536 * 1536 * 8) / 1048576 }')
	[ "$peak" = "$want" ]
	# and the run fits in that and 28 MiB (the program, its libraries,
	# the stack: about 20), where keeping the doubles needs 18 more
	run --separate-stderr bash -c 'ulimit -v "$2" && exec $1 -o y.npy' _ \
	    "$SA $a" "$(awk -v p="$peak" 'BEGIN { printf "%d", (p + 28) * 1024 }')"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	"$SA" $a -j 2 -o y2.npy
	cmp y.npy y2.npy
}

@test "memory: a long query label costs its text buffers its length, not its length for every row" {
	no_asan_for_ulimit
	# a label of 1 MB among 50: 0.8 GB of text buffers when each row of
	# each slot was counted at the longest label's size (1.2 GB when a
	# slot was sized for 144 rows of weights where there were 3)
	awk 'BEGIN { s = "a"; while (length(s) < 1000000) s = s s;
	    print substr(s, 1, 1000000); for (i = 1; i < 50; i++) print "b" i }' > lab.txt
	run --separate-stderr bash -c 'ulimit -v 300000 && exec "$@"' _ \
	    "$SA" -Q randn:50x8 -K randn:50x8 -V randn:50x8 -H 2 -o y.csv \
	    --label-output --labels @lab.txt -a w.csv
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# a header row and 50 rows a head, each with its label
	[ "$(awk -F, 'length($1) == 1000000' w.csv | wc -l)" -eq 2 ]
	[ "$(awk -F, 'length($1) == 1000000' y.csv | wc -l)" -eq 1 ]
	[ "$(grep -c '^b[0-9]*,' w.csv)" -eq 98 ]
	[ "$(awk -F, '$1 == "" && length($2) == 1000000 && $3 == "b1"' w.csv |
	    wc -l)" -eq 2 ]
	# 3 queries, one of them 1 MB: 144 rows a slot (1.2 GB) where
	# there were 3
	head -n 3 lab.txt > lab3.txt
	run --separate-stderr bash -c 'ulimit -v 300000 && exec "$@"' _ \
	    "$SA" -Q randn:3x8 -K randn:3x8 -V randn:3x8 -H 2 -o y.csv \
	    --labels @lab3.txt -a w.csv
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(awk -F, 'length($1) == 1000000' w.csv | wc -l)" -eq 2 ]
}

@test "memory: threads that cannot start leave the run to those that did, with a warning" {
	no_asan_for_ulimit
	# key-split, 1024 workers' buffers; 40 MiB of address space more
	# than they take: some 2 MiB worker stacks fit, not 1023
	local a="-j 1024 -x randn:30000x3 -q randn:3x2 -k randn:3x2 -v randn:3x2"
	b=$("$SA" --dry-run $a | sed -n 's/.*buffers \([0-9]*\) B.*/\1/p')
	[ -n "$b" ]
	"$SA" -j 1 -x randn:30000x3 -q randn:3x2 -k randn:3x2 -v randn:3x2 \
	    -o y1.csv
	run --separate-stderr bash -c 'ulimit -v $(($2 / 1024 + 40 * 1024)) &&
	    exec "$1" $3 -o y.csv' _ "$SA" "$b" "$a"
	[ "$status" -eq 0 ]
	[[ "$stderr" =~ ^'selfattn: warning: the run took '([0-9]+)' of 1024 threads (thread '([0-9]+)' could not start: Resource temporarily unavailable), with the same results'$ ]]
	[ "${BASH_REMATCH[1]}" -lt 1024 ]
	[ "${BASH_REMATCH[2]}" -eq $((BASH_REMATCH[1] + 1)) ]
	[ -z "$output" ]
	cmp y.csv y1.csv
	# --quiet: no warning
	run --separate-stderr bash -c 'ulimit -v $(($2 / 1024 + 40 * 1024)) &&
	    exec "$1" $3 -o y.csv --quiet' _ "$SA" "$b" "$a"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	no_temps
}

@test "memory: a pool of many threads starts those its jobs have tasks for" {
	strace -f -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	# 4 queries, 1024 threads asked: a few are created (1023 were)
	# (under ASan, whose leak check cannot run under ptrace: without it)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    run strace -f -e trace=clone,clone3 -o "$BATS_TEST_TMPDIR/st" \
	    "$SA" -j 1024 -x randn:4x3 -q randn:3x2 -k randn:3x2 \
	    -v randn:3x2 -o y.csv
	[ "$status" -eq 0 ]
	[ -s y.csv ]
	n=$(grep -cE '^[0-9]+ +clone3?\(' "$BATS_TEST_TMPDIR/st")
	[ "$n" -ge 1 ]
	[ "$n" -le 8 ]
}

@test "memory: a stream or a text too large for memory names the bytes asked for" {
	no_asan_for_ulimit
	# a .npy header of 10^9 x 3 on a stream of zeros: read until the
	# buffer cannot grow
	"$ROOT/tests/tools/npyhdr" 1000000000 3 >hdr.npy
	run --separate-stderr bash -c 'ulimit -v 1000000 &&
	    cat hdr.npy /dev/zero | "$1" -Q - -K randn:2x3 -V randn:2x3 -o y.npy' _ "$SA"
	[ "$status" -eq 1 ]
	[[ "$stderr" =~ ^'selfattn: <stdin>: cannot allocate '[0-9]+' bytes: Cannot allocate memory'$ ]]
	[ ! -e y.npy ]
	no_temps
}

@test "memory: a .npy larger than memory and swap is mapped, not refused" {
	[ "$(cat /proc/sys/vm/overcommit_memory)" != 2 ] ||
	    skip "strict overcommit (vm.overcommit_memory = 2) charges every writable mapping"
	# keys of 64 doubles a row, sparse, 1.3 times memory and swap: the
	# mapping took swap that was not there (cannot allocate)
	rows=$(awk '/^(MemTotal|SwapTotal):/ { kb += $2 }
	    END { printf "%d", kb * 1024 * 1.3 / 512 + 1 }' /proc/meminfo)
	"$ROOT/tests/tools/npyhdr" "$rows" 64 >kv.npy
	truncate -s $(($(wc -c <kv.npy) + rows * 512)) kv.npy
	run --separate-stderr "$SA" -Q randn:1x64 -K kv.npy -V kv.npy --dry-run
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" == *"input: -K kv.npy ${rows}x64"* ]]
	rm -f kv.npy
}

@test "memory: a large text read in pieces on threads fits a small stack" {
	[ -z "${ASAN_OPTIONS:-}" ] ||
	    skip "ulimit -s: ASan's frames and redzones need more stack"
	# 6 MB of CSV: pieces on two threads, whose records (each with room
	# for a message) took 820 KB of the main thread's stack
	"$SA" -Q randn:20000x16 -K randn:1x16 -V randn:1x16 -o big.csv
	run bash -c 'ulimit -s 512 && exec "$1" -j 2 -x big.csv -q rand:16x4 \
	    -k rand:16x4 -v rand:16x4 -o /dev/null' _ "$SA"
	[ "$status" -eq 0 ]
}

@test "streams: a .npy is read to the end of its data, not of the stream" {
	printf '1,0,1,0\n0,1,0,1\n0,0,1,1\n' | "$SA" -x - -q rand:4x4 -k rand:4x4 \
	    -v rand:4x4 -f npy > X.npy
	"$SA" -x X.npy -q rand:4x4 -k rand:4x4 -v rand:4x4 > want
	bounded "cat X.npy /dev/zero |
	    '$SA' -j 1 -x - -q rand:4x4 -k rand:4x4 -v rand:4x4"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat want)" ]
	# a short one is still short
	head -c 150 X.npy > short.npy
	run --separate-stderr "$SA" -x - -q rand:4x4 -k rand:4x4 -v rand:4x4 < short.npy
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: <stdin>: expected 96 bytes of data for shape 3x4 '"'<f8'"', found 22' ]
}

@test "streams: a .npy header that will be refused ends the reading" {
	bounded "{ printf '\223NUMPY\011\000'; cat /dev/zero; } |
	    '$SA' -j 1 -x - -q rand:4x4 -k rand:4x4 -v rand:4x4"
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: <stdin>: unsupported .npy format version 9.0; expected 1.0, 2.0 or 3.0' ]
	bounded "{ printf '\223NUMPY\001\000\010\000{}     \n'; cat /dev/zero; } |
	    '$SA' -j 1 -x - -q rand:4x4 -k rand:4x4 -v rand:4x4"
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: <stdin>:1:12: the .npy header has no 'descr' key" ]
	# version 1.1, of a valid header declaring 32 TiB: refused at the
	# header too, not read on
	{ printf '\223NUMPY\001\001'; npy_v1 '(4, 1099511627776)' |
	    tail -c +9; } >h11
	bounded "{ cat h11; cat /dev/zero; } |
	    '$SA' -j 1 -x - -q rand:4x4 -k rand:4x4 -v rand:4x4"
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: <stdin>: unsupported .npy format version 1.1; expected 1.0, 2.0 or 3.0' ]
}

@test "containers: a zip, pickle, HDF5 or safetensors file says what it is, from a file or a pipe" {
	w="-q rand:4x4 -k rand:4x4 -v rand:4x4"
	zip="a zip archive (np.savez's .npz, or torch.save's .pt)"
	printf 'PK\003\004\024\000\000\000' > x.npz
	printf '\200\004\225\010' > x.pkl
	printf '\211HDF\r\n\032\n\000\000' > x.h5
	printf '\016\000\000\000\000\000\000\000{"x":{"a":1}}' > x.safetensors
	for f in x.npz:"$zip" \
	    x.pkl:"a Python pickle (pickle.dump, or an old torch.save)" \
	    x.h5:"an HDF5 file" x.safetensors:"a safetensors file"; do
		sa_err -x "${f%%:*}" $w
		[ "$stderr" = "selfattn: ${f%%:*}: expected a .npy file or text, found ${f#*:}: save each array by itself with np.save" ]
	done
	sa_err -x - $w < x.npz
	[ "$stderr" = "selfattn: <stdin>: expected a .npy file or text, found $zip: save each array by itself with np.save" ]
	sa_err -x - $w < x.pkl
	[ "$stderr" = "selfattn: <stdin>: expected a .npy file or text, found a Python pickle (pickle.dump, or an old torch.save): save each array by itself with np.save" ]
	# longer ones through a pipe, whose first NUL byte is early
	for f in x.safetensors:"a safetensors file" x.h5:"an HDF5 file"; do
		{ cat "${f%%:*}"; head -c 4096 /dev/zero; } > long
		run --separate-stderr sh -c "cat long | '$SA' -x - $w"
		[ "$status" -eq 1 ]
		[ "$stderr" = "selfattn: <stdin>: expected a .npy file or text, found ${f#*:}: save each array by itself with np.save" ]
	done
	# a bfloat16 saved by NumPy (ml_dtypes) is V2
	{ "$ROOT/tests/tools/npyhdr" -t '<V2' 2 2; printf '%08d' 0; } > bf.npy
	sa_err -x bf.npy $w
	[ "$stderr" = "selfattn: bf.npy: unsupported dtype '<V2' (raw bytes, as NumPy saves a bfloat16: convert it first, t.float().numpy()); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)" ]
	{ "$ROOT/tests/tools/npyhdr" -t '|V3' 2; printf '%06d' 0; } > v3.npy
	sa_err -x v3.npy $w
	[ "$stderr" = "selfattn: v3.npy: unsupported dtype '|V3' (raw bytes); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)" ]
}

@test "files: X, the memory and weights of 1 MiB or more, read from their files a block or a piece at a time, give the bits of the same numbers in memory" {
	# .npy files of 1 MiB or more are read with pread(2) (X and the
	# memory a block of keys' or queries' rows, a weight 63 rows of 520
	# at a time: 9 pieces, the last short); their CSV copies (the same
	# doubles, shortest digits) are parsed into memory
	local g="$ROOT/tests/tools/npygen" c="$ROOT/tests/tools/catmat" f t j
	"$g" -s 1 600 520 X.npy
	"$g" -s 2 300 520 M.npy
	"$g" -s 3 300 520 N.npy
	for f in Wq Wk Wv Wo; do
		"$g" -s 4 -k 0.05 520 520 "$f.npy"
	done
	for f in X M N Wq Wk Wv Wo; do
		"$c" "$f.npy" >"$f.csv"
	done
	for t in f64 f32; do
		for j in 1 2; do
			for f in npy csv; do
				"$SA" -x "X.$f" -q "Wq.$f" -k "Wk.$f" -v "Wv.$f" \
				    -w "Wo.$f" -H 8 --dtype "$t" -j "$j" \
				    -o "y.$f.npy"
				"$SA" -x "X.$f" --memory-keys "M.$f" \
				    --memory-values "N.$f" -q "Wq.$f" -k "Wk.$f" \
				    -v "Wv.$f" -H 4 --dtype "$t" -j "$j" \
				    -o "z.$f.npy"
				# a few queries: their keys read in place
				"$SA" -x "X.$f" -q "Wq.$f" -k "Wk.$f" -v "Wv.$f" \
				    -H 8 --dtype "$t" -j "$j" \
				    --query-range 590:600 -o "q.$f.npy"
			done
			cmp y.npy.npy y.csv.npy
			cmp z.npy.npy z.csv.npy
			cmp q.npy.npy q.csv.npy
			[ "$j" = 1 ] || { cmp y.npy.npy y1.npy; cmp z.npy.npy z1.npy; }
			cp y.npy.npy y1.npy
			cp z.npy.npy z1.npy
		done
	done
}
