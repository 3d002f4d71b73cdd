#!/usr/bin/env bats
# Partial results: --lse, key and query shards (--key-range,
# --query-range), --merge, the key-split scheduler (-j invariance for
# few queries and many keys, of Y and of the -a weights, whose scores are
# kept or computed again), and the GNU parallel recipe of README.md.
# The log-sum-exp itself is checked against PyTorch in tests/torch.bats.

load helpers

# Inputs drawn by generators: every process with the same --seed draws
# the same matrices, so shards need no files.  V is uniform in [0, 1):
# outputs are positive and never cancel, so a relative bound is fair.
QKV="-Q randn:37x16 -K randn:10000x16 -V rand:10000x6 -H 2"

# as_npy SHAPE SRC OUT: the numbers of SRC, a .npy selfattn wrote (a
# 128-byte header), as a .npy of shape (SHAPE).
as_npy() {
	{ printf '\223NUMPY\001\000\166\000'
	  printf "%-117s\n" "{'descr': '<f8', 'fortran_order': False, 'shape': ($1), }"
	  tail -c +129 "$2"; } >"$3"
}

@test "partial: key shards merged equal the unsharded run to 1e-14" {
	"$SA" $QKV --causal=bottom-right -o whole.npy --lse whole_l.npy
	for r in 0:1000 1000:4100 4100:9990 9990:10000; do
		"$SA" $QKV --causal=bottom-right --key-range $r -o "y$r.npy" \
		    --lse "l$r.npy"
	done
	run --separate-stderr "$SA" --merge -o y.npy --lse l.npy \
	    y0:1000.npy l0:1000.npy y1000:4100.npy l1000:4100.npy \
	    y4100:9990.npy l4100:9990.npy y9990:10000.npy l9990:10000.npy
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	"$CMPMAT" -r 1e-14 y.npy whole.npy
	"$CMPMAT" -r 1e-14 l.npy whole_l.npy
	# the order of the shards changes nothing but rounding
	"$SA" --merge -o y2.npy y9990:10000.npy l9990:10000.npy \
	    y0:1000.npy l0:1000.npy y4100:9990.npy l4100:9990.npy \
	    y1000:4100.npy l1000:4100.npy
	"$CMPMAT" -r 1e-14 y2.npy whole.npy
}

@test "partial: a shard that hides every key of its rows contributes nothing" {
	# top-left causal: queries 0..36 see keys 0..i; keys 40.. are a
	# shard every row of which sees nothing
	"$SA" $QKV -c -o whole.csv --lse whole_l.csv
	run --separate-stderr "$SA" $QKV -c --key-range 40:10000 -o y2.csv \
	    --lse l2.csv
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]	# no warning for a shard
	[ "$(wc -l <l2.csv)" -eq 2 ]	# (H, n) = 2 rows of 37
	[ "$(tr ',' '\n' <l2.csv | sort -u)" = "-inf" ]
	[ "$(tr ',' '\n' <y2.csv | sort -u)" = "0" ]
	"$SA" $QKV -c --key-range 0:40 -o y1.csv --lse l1.csv
	"$SA" --merge -o y.csv --lse l.csv y1.csv l1.csv y2.csv l2.csv
	"$CMPMAT" -r 1e-14 y.csv whole.csv
	"$CMPMAT" -r 1e-14 l.csv whole_l.csv
}

@test "partial: shards that all hide a row merge to zeros and a warning" {
	printf '1,0\n0,0\n' >allow.csv
	for r in 0:1 1:2; do
		"$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 --mask allow.csv \
		    --key-range $r -o "y$r.csv" --lse "l$r.csv"
	done
	run --separate-stderr "$SA" --merge y0:1.csv l0:1.csv y1:2.csv l1:2.csv
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "0,0" ]
	[ "$stderr" = "selfattn: warning: 1 log-sum-exp value is -inf in every shard (no key seen): its output is the first shard's (0, or bo with -w --bo)" ]
	# shards from elsewhere, NaN there (PyTorch's): the row is 0 too,
	# as the warning says
	printf 'nan,nan\n3,4\n' >yt.csv
	printf -- '-inf,0.5\n' >lt.csv
	cp yt.csv yt2.csv
	run --separate-stderr "$SA" --merge yt.csv lt.csv yt2.csv lt.csv
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0,0" ]
	[ "${lines[1]}" = "3,4" ]
}

@test "warning: with -w --bo and several heads, a row hidden in one head only is not said to be bo" {
	printf '1,2,3,4\n5,6,7,8\n' >q4.csv
	printf '1,0,0,0\n0,1,0,0\n0,0,1,0\n0,0,0,1\n' >w4.csv
	printf '0.5,0.5,0.5,0.5\n' >bo4.csv
	printf '1,1\n0,0\n\n1,1\n1,1\n' >m.txt
	run --separate-stderr "$SA" -Q q4.csv -K q4.csv -V q4.csv -H 2 \
	    --mask m.txt -w w4.csv --bo bo4.csv
	[ "$status" -eq 0 ]
	[ "$stderr" = "selfattn: warning: 1 query row, counted in each head, has every key masked: its weights and its head's output are 0" ]
	[ "${lines[1]%%,*}" = 0.5 ]
	[ "$(echo "${lines[1]}" | cut -d, -f3)" != 0.5 ]
}

@test "partial: with -w --bo a row that all shards hide merges to bo, as the whole run gives it" {
	printf '1\n2\n' >q.csv
	printf '1\n1\n' >k.csv
	printf '3\n4\n' >v.csv
	printf '1\n' >wo.csv
	printf '5\n' >bo.csv
	printf '1,1\n0,0\n' >allow.csv
	a="-Q q.csv -K k.csv -V v.csv -w wo.csv --bo bo.csv --mask allow.csv"
	"$SA" $a --quiet -o whole.csv
	[ "$(cat whole.csv)" = "$(printf '8.5\n5')" ]
	for r in 0:1 1:2; do
		"$SA" $a --key-range $r -o "y$r.csv" --lse "l$r.csv"
	done
	run --separate-stderr "$SA" --merge y0:1.csv l0:1.csv y1:2.csv l1:2.csv
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat whole.csv)" ]
	[ "$stderr" = "selfattn: warning: 1 log-sum-exp value is -inf in every shard (no key seen): its output is the first shard's (0, or bo with -w --bo)" ]
	# a bo with a number that is not finite: the row is 0 (where the
	# whole run writes bo: the one place they differ, as documented)
	printf 'inf,1\n' >bo2.csv
	printf '1,1\n' >wo2.csv
	a="-Q q.csv -K k.csv -V v.csv -w wo2.csv --bo bo2.csv --mask allow.csv"
	for r in 0:1 1:2; do
		"$SA" $a --key-range $r -o "y$r.csv" --lse "l$r.csv"
	done
	"$SA" --merge --quiet y0:1.csv l0:1.csv y1:2.csv l1:2.csv >m.csv
	[ "$(sed -n 2p m.csv)" = "0,0" ]
	[ "$(sed -n 1p m.csv)" = "inf,4.5" ]
	[ "$("$SA" $a --quiet | sed -n 2p)" = "inf,1" ]
}

@test "partial: a shard of several heads with -w and --lse is an error: WO mixes the heads, --merge could not combine it" {
	local t="$ROOT/tests/torch/per_head_3d"
	local m="--key-range with --lse and -w of %s heads: --merge cannot combine such shards, as WO mixes the heads; leave out -w (and --bo), merge, then apply WO to the merged Y"
	a="-Q randn:4x4 -K randn:6x4 -V randn:6x4 -w randn:4x4"
	# -H says it: a usage error, before any input is read
	run --separate-stderr "$SA" $a -H 2 --key-range 0:3 -o y.csv --lse l.csv
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "selfattn: $(printf -- "$m" 2)" ]
	[ "${stderr_lines[1]}" = "usage: selfattn -x X -q WQ -k WK -v WV [-w WO] [options]" ]
	[ ! -e y.csv ]
	[ ! -e l.csv ]
	# and --dry-run says so, as the run would
	run --separate-stderr "$SA" $a -H 2 --key-range 0:3 -o y.csv \
	    --lse l.csv --dry-run
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "selfattn: $(printf -- "$m" 2)" ]
	# per-head inputs, whose 3 heads are read: the data is wrong
	run --separate-stderr "$SA" -Q "$t/Q.npy" -K "$t/K.npy" \
	    -V "$t/V.npy" -w randn:6x4 --key-range 0:3 -o y.csv --lse l.csv
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: $(printf -- "$m" 3)" ]
	[ ! -e y.csv ]
	[ ! -e l.csv ]
	# one head, or no LSE, or no key range (no shard for --merge): a
	# run as any other
	"$SA" $a --key-range 0:3 -o y.csv --lse l.csv
	"$SA" $a -H 2 --key-range 0:3 -o y.csv
	"$SA" $a -H 2 -o y.csv --lse l.csv
	[ "$(wc -l <l.csv)" -eq 2 ]
}

@test "partial: a causal query range is those rows of the whole run, bit for bit" {
	"$SA" $QKV -c -o whole.csv --lse whole_l.csv
	"$SA" $QKV -c --query-range 5:17 -o y.csv --lse l.csv
	[ "$(wc -l <y.csv)" -eq 12 ]
	sed -n 6,17p whole.csv | cmp - y.csv
	cut -d, -f6-17 whole_l.csv | cmp - l.csv
}

@test "partial: query shards concatenated equal the whole run" {
	"$SA" $QKV --causal=bottom-right -o whole.csv
	"$SA" $QKV --causal=bottom-right --query-range 0:20 -o a.csv
	"$SA" $QKV --causal=bottom-right --query-range 20:37 -o b.csv
	cat a.csv b.csv | cmp - whole.csv
}

# From 128 query blocks of 144 rows on, a thread takes 8 blocks at a
# time (run.c, QG_MAX), and the last 16 to 23 in tasks of 4, 4, 2, 2 and
# then 1 (QG_TAIL):
# shards of fewer rows are not grouped, and rows are independent, so
# the shards' rows are the whole run's, bit for bit.  18500 rows: 14
# groups of 8, then 17 blocks in tasks of 4, 4, 2, 2 and 1 (5), the last
# of 68 rows.
@test "partial: query blocks taken 8 at a time give the rows of shards taken one at a time, bit for bit (2 key chunks, causal, LSE)" {
	local a="-Q randn:18500x8 -K randn:4100x8 -V rand:4100x4 -H 2 -c"
	"$SA" --dry-run $a | grep -q ' 129 query blocks (8 a task, the last 17 fewer) x 2 key '
	"$SA" --dry-run $a --query-range 0:9000 | grep -q ' 63 query blocks x '
	"$SA" $a -o whole.csv --lse whole_l.csv -j 2
	"$SA" $a --query-range 0:9000 -o a.csv --lse a_l.csv
	"$SA" $a --query-range 9000:18500 -o b.csv --lse b_l.csv
	cat a.csv b.csv | cmp - whole.csv
	paste -d, a_l.csv b_l.csv | cmp - whole_l.csv
}

@test "partial: query blocks taken 8 at a time give the weights of shards taken one at a time, bit for bit" {
	local a="-Q randn:18500x4 -K randn:40x4 -V rand:40x3"
	"$SA" --dry-run $a -a w.csv | grep -qx 'weights: scores again, .*'
	"$SA" --dry-run $a -a w.csv | grep -q ' 129 query blocks (8 a task, the last 17 fewer) x 1 key '
	"$SA" $a -o whole.csv -a whole_w.csv -j 2
	"$SA" $a --query-range 0:7000 -o a.csv -a a_w.csv
	"$SA" $a --query-range 7000:18500 -o b.csv -a b_w.csv
	cat a.csv b.csv | cmp - whole.csv
	cat a_w.csv b_w.csv | cmp - whole_w.csv
}

@test "partial: one query against 20000 keys is bit-identical for any -j" {
	for j in 1 2 3 4; do
		"$SA" -Q randn:1x32 -K randn:20000x16 -V randn:20000x4 -H 4 \
		    --kv-heads 2 -j $j -o "y$j.npy" --lse "l$j.npy"
	done
	for j in 2 3 4; do
		cmp y1.npy "y$j.npy"
		cmp l1.npy "l$j.npy"
	done
}

# weights_j ARGS...: for -j 1, 2 and 4, run selfattn ARGS writing y$j,
# w$j (-a) and l$j (--lse) .npy, and print the --dry-run's weights: line.
weights_j() {
	local j
	for j in 1 2 4; do
		"$SA" "$@" -j $j -o "y$j.npy" -a "w$j.npy" --lse "l$j.npy"
		"$SA" --dry-run "$@" -j $j -o y.npy -a w.npy | grep '^weights:'
	done
}

@test "partial: -a weights of a key-split run are bit-identical for any -j, the scores kept or computed again" {
	# 96 queries, 10000 keys: one query block, 3 key chunks; key-split
	# from 2 threads.  The 96 x 10000 scores are kept when that takes
	# no more memory than the packed keys and the weight rows of the
	# threads: with 4 threads, not with 1 or 2 (at every ISA level).
	run weights_j -Q randn:96x8 -K randn:10000x8 -V rand:10000x8 \
	    --causal=bottom-right --window 3000,0 --sinks randn:1
	[ "$status" -eq 0 ]
	echo "$output"
	echo "$output" | grep -q '^weights: scores kept$'
	echo "$output" | grep -q '^weights: scores again, '
	for j in 2 4; do
		cmp y1.npy "y$j.npy"
		cmp w1.npy "w$j.npy"
		cmp l1.npy "l$j.npy"
	done
	# fewer queries: kept for every -j, written at their columns by each
	# chunk's task; heads that share keys, a key range, masked rows
	awk 'BEGIN { for (i = 0; i < 10; i++) { for (j = 0; j < 10000; j++)
	    printf "%s%d", j ? "," : "", i % 9 != 4 && (i + j) % 5 != 0
	    print "" } }' >mask.csv
	run weights_j -Q randn:10x128 -K randn:10000x64 -V rand:10000x32 -H 4 \
	    --kv-heads 2 --key-range 300:9990 --mask mask.csv --alibi
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort -u)" = "weights: scores kept" ]
	for j in 2 4; do
		cmp y1.npy "y$j.npy"
		cmp w1.npy "w$j.npy"
		cmp l1.npy "l$j.npy"
	done
	# the masked row (4) of each head is zeros, the others sum to 1
	"$CATMAT" w1.npy | awk -F, 'NF {
		s = 0
		for (i = 1; i <= NF; i++)
			s += $i
		bad = k % 10 == 4 ? s != 0 : s < 1 - 1e-12 || s > 1 + 1e-12
		k++
		if (bad) { print k ": " s; exit 1 }
	    }
	    END { if (k != 4 * 10) { print k " rows"; exit 1 } }'
}

@test "partial: -a weights kept for any -j match NumPy's (golden blocks_w)" {
	cp "$ROOT"/tests/golden/blocks_w/*.npy .
	for j in 1 2 3; do
		"$SA" -Q Q.npy -K K.npy -V V.npy -j $j -o "y$j.npy" -a "w$j.npy"
		"$CMPMAT" -r 1e-12 "w$j.npy" expect_w.npy
		"$CMPMAT" -r 1e-12 "y$j.npy" expect_out.npy
		cmp w1.npy "w$j.npy"
	done
	"$SA" --dry-run -Q Q.npy -K K.npy -V V.npy -a w.npy |
	    grep -qx 'weights: scores kept'
}

@test "partial: decoding with self-attention projections is -j invariant" {
	for j in 1 2 3; do
		"$SA" -x randn:3x8 -m randn:9000x8 -q randn:8x8 -k randn:8x4 \
		    -v randn:8x4 -H 2 --kv-heads 1 --rope -j $j -o "y$j.csv"
	done
	cmp y1.csv y2.csv
	cmp y1.csv y3.csv
}

@test "partial: the GNU parallel recipe, 2 query x 4 key shards, equals one run" {
	command -v parallel >/dev/null ||
	    skip "GNU parallel is not installed (apt-get install parallel)"
	local args="-x rand:64x8 -q randn:8x8 -k randn:8x8 -v rand:8x6 -H 2 -c"
	"$SA" $args -o whole.csv
	# shellcheck disable=SC2086
	parallel --will-cite -j 2 "$SA" $args --query-range {1} \
	    --key-range {2} -o y.{1}.{2}.csv --lse l.{1}.{2}.csv \
	    ::: 0:32 32:64 ::: 0:16 16:32 32:48 48:64
	for q in 0:32 32:64; do
		"$SA" --merge -o "y.$q.csv" $(for k in 0:16 16:32 32:48 48:64; do
		    echo "y.$q.$k.csv l.$q.$k.csv"; done)
	done
	cat y.0:32.csv y.32:64.csv >y.csv
	"$CMPMAT" -r 1e-14 y.csv whole.csv
}

@test "partial: the LSE of a row with a +inf score is +inf, as torch.logsumexp; with a NaN, NaN; Y and weights NaN" {
	# rows: a +inf among finite scores; +inf and NaN; two +inf
	printf '0,inf,0\n0,0,0\ninf,nan,0\ninf,inf,1\n' >b.csv
	for t in f64 f32; do
		for j in 1 2; do
			"$SA" -Q randn:4x2 -K randn:3x2 -V randn:3x2 --bias b.csv \
			    --dtype $t -j $j -o y.csv -a w.csv --lse l.csv
			[ "$(cut -d, -f1,3,4 l.csv)" = "inf,nan,inf" ]
			[ "$(sed -n '1p;3p;4p' y.csv | tr -d '\n')" = "nan,nannan,nannan,nan" ]
			[ "$(sed -n '1p;3p;4p' w.csv | tr -d '\n')" = "nan,nan,nannan,nan,nannan,nan,nan" ]
			# the finite row as before
			[ "$(cut -d, -f2 l.csv)" != nan ]
		done
	done
	# one +inf among 20000 keys: key chunks merged on two threads, and
	# key shards merged by --merge, give it too
	awk 'BEGIN { for (j = 0; j < 20000; j++)
	    printf "%s%s", j ? "," : "", j == 17000 ? "inf" : "0"; print "" }' >b1.csv
	a="-Q randn:1x4 -K randn:20000x4 -V randn:20000x4 --bias b1.csv"
	"$SA" $a -j 2 -o y.csv --lse l.csv
	[ "$(cat l.csv)" = inf ]
	[ "$(cat y.csv)" = nan,nan,nan,nan ]
	"$SA" $a --key-range 0:10000 -o y0.csv --lse l0.csv
	"$SA" $a --key-range 10000:20000 -o y1.csv --lse l1.csv
	[ "$(cat l1.csv)" = inf ]
	"$SA" --merge -o ym.csv --lse lm.csv y0.csv l0.csv y1.csv l1.csv
	[ "$(cat lm.csv)" = inf ]
	[ "$(cat ym.csv)" = nan,nan,nan,nan ]
}

@test "partial: --merge pairs a per-head output (H, n, dv) with its (H, n)" {
	local t="$ROOT/tests/torch/per_head_3d"
	"$SA" -Q "$t/Q.npy" -K "$t/K.npy" -V "$t/V.npy" -o whole.npy \
	    --lse whole_l.npy
	"$SA" -Q "$t/Q.npy" -K "$t/K.npy" -V "$t/V.npy" --key-range 0:3 \
	    -o y1.npy --lse l1.npy
	"$SA" -Q "$t/Q.npy" -K "$t/K.npy" -V "$t/V.npy" --key-range 3:$("$CATMAT" -s "$t/K.npy" | cut -dx -f2) \
	    -o y2.npy --lse l2.npy
	"$SA" --merge -o y.npy --lse l.npy y1.npy l1.npy y2.npy l2.npy
	[ "$("$CATMAT" -s y.npy)" = "$("$CATMAT" -s whole.npy)" ]
	"$CMPMAT" -r 1e-14 y.npy whole.npy
	"$CMPMAT" -r 1e-14 l.npy whole_l.npy
}

@test "partial: --merge pairs a batch of one's Y and LSE written in two formats (.npy (1, n, H·dv) with text H x n, and back)" {
	# X (1, 4, 4): a batch of one sequence, 2 heads
	"$SA" -Q rand:4x2 -K rand:4x2 -V rand:4x2 -o /dev/null -a x2.npy
	as_npy "1, 4, 4" x2.npy x.npy
	[ "$("$CATMAT" -s x.npy)" = 1x4x4 ]
	a="-x x.npy -q rand:4x4 -k rand:4x4 -v rand:4x6 -H 2"
	"$SA" $a --key-range 0:2 -o y1.npy
	[ "$("$CATMAT" -s y1.npy)" = 1x4x6 ]
	"$SA" $a -o whole.csv
	"$SA" $a --key-range 0:2 -o y1.npy --lse l1.csv
	"$SA" $a --key-range 2:4 -o y2.csv --lse l2.npy
	"$SA" --merge y1.npy l1.csv -o one.npy
	"$CMPMAT" -r 1e-14 one.npy y1.npy
	"$SA" --merge y1.npy l1.csv y2.csv l2.npy -o y.csv
	"$CMPMAT" -r 1e-14 y.csv whole.csv
}

@test "partial: --merge of text shards of a batch per head (B, H, n, dv), read back as (B·H, n, dv)" {
	local t="$ROOT/tests/torch/per_head_4d" m
	m=$("$CATMAT" -s "$t/K.npy" | awk -Fx '{ print $(NF - 1) }')
	for f in csv npy; do
		"$SA" -Q "$t/Q.npy" -K "$t/K.npy" -V "$t/V.npy" -o whole.$f
		"$SA" -Q "$t/Q.npy" -K "$t/K.npy" -V "$t/V.npy" \
		    --key-range 0:2 -o y1.$f --lse l1.$f
		"$SA" -Q "$t/Q.npy" -K "$t/K.npy" -V "$t/V.npy" \
		    --key-range 2:$m -o y2.$f --lse l2.$f
		"$SA" --merge -o y.$f y1.$f l1.$f y2.$f l2.$f
		"$CMPMAT" -r 1e-14 y.$f whole.$f
	done
	# shards of both formats together: the first shard's shape
	"$SA" --merge -o ym.npy y1.npy l1.npy y2.csv l2.csv
	"$CMPMAT" -r 1e-14 ym.npy whole.npy
	"$SA" --merge -o ym.csv y1.csv l1.csv y2.npy l2.npy
	"$CMPMAT" -r 1e-14 ym.csv whole.csv
	# but two 4-D shapes must be the same: (3, 2, 5, 2) beside
	# (2, 3, 5, 2), its rows of other sequences and heads, is refused
	[ "$(head -c 10 y2.npy | tail -c 2 | od -An -tu2 | tr -d ' ')" = 118 ]
	as_npy "3, 2, 5, 2" y2.npy y2x.npy
	as_npy "3, 2, 5" l2.npy l2x.npy
	[ "$("$CATMAT" -s y2x.npy)" = 3x2x5x2 ]
	run "$SA" --merge -o yx.npy y1.npy l1.npy y2x.npy l2x.npy
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: y2x.npy is 3x2x5x2 but y1.npy is 2x3x5x2: every shard's output needs the same shape" ]
	# one sequence, one head: an LSE (n) in .npy, (1, n) read from text
	"$SA" -Q rand:4x8 -K rand:6x8 -V rand:6x8 -o w1.npy
	"$SA" -Q rand:4x8 -K rand:6x8 -V rand:6x8 --key-range 0:3 -o a.npy \
	    --lse la.npy
	"$SA" -Q rand:4x8 -K rand:6x8 -V rand:6x8 --key-range 3:6 -o b.csv \
	    --lse lb.csv
	"$SA" --merge -o m1.npy a.npy la.npy b.csv lb.csv
	"$CMPMAT" -r 1e-14 m1.npy w1.npy
	# rows that do not pair are still refused
	printf '1\n2\n3\n' >l3.csv
	run "$SA" --merge y1.csv l3.csv y2.csv l2.csv
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "selfattn: y1.csv is "*" and l3.csv, taken as its log-sum-exp (operands go in pairs: Y, then its LSE), is 3x1: expected "*" (its shape less its last axis)"* ]]
}

@test "partial: --merge weighs shards by their LSE differences, right for LSEs near the largest double" {
	printf '1\n' >y0.csv
	printf '3\n' >y1.csv
	# two equal LSEs: the mean; L = LSE + log 2 rounds to LSE there
	for l in 1e308 0 -1e308; do
		printf '%s\n' "$l" >l.csv
		run "$SA" --merge y0.csv l.csv y1.csv l.csv
		[ "$status" -eq 0 ]
		[ "$output" = 2 ]
	done
	# three equal ones: the mean, 8/3, whatever their LSE (the running
	# LSE rounded made the third weigh 1/2 at 1e16)
	printf '4\n' >y2.csv
	for l in 1e308 1e16 1e15 0 -1e308; do
		printf '%s\n' "$l" >l.csv
		run "$SA" --merge y0.csv l.csv y1.csv l.csv y2.csv l.csv
		[ "$status" -eq 0 ]
		awk -v y="$output" 'BEGIN { d = y - 8 / 3; exit !(d < 1e-14 && d > -1e-14) }'
	done
	# and one far below the other adds nothing
	printf '1e308\n' >la.csv
	printf '1\n' >lb.csv
	run "$SA" --merge y0.csv la.csv y1.csv lb.csv
	[ "$output" = 1 ]
	run "$SA" --merge y0.csv lb.csv y1.csv la.csv
	[ "$output" = 3 ]
}

@test "usage: --merge needs pairs of files" {
	run "$SA" --merge a.csv
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: --merge takes pairs of files Y LSE, found 1 file" ]
	run "$SA" --merge
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: --merge takes pairs of files Y LSE, found 0 files" ]
}

@test "usage: --merge reads standard input for one operand only" {
	run "$SA" --merge - - y.csv l.csv
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: operands 1 (-) and 2 (-) both read standard input: it can be read by one operand only" ]
	# other names of a pipe on standard input count as '-' (the
	# second reader found it drained: a data error)
	run bash -c 'printf "1,2\n" | "$1" --merge /dev/stdin /dev/fd/0 y.csv l.csv' _ "$SA"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: operands 1 (/dev/stdin) and 2 (/dev/fd/0) both read standard input: it can be read by one operand only" ]
}

@test "usage: --merge refuses one shard given twice (its keys counted twice)" {
	cd "$BATS_TEST_TMPDIR"
	"$SA" -Q randn:3x4 -K randn:5x4 -V randn:5x4 --key-range 0:2 -o y1.csv --lse l1.csv
	"$SA" -Q randn:3x4 -K randn:5x4 -V randn:5x4 --key-range 2:5 -o y2.csv --lse l2.csv
	run "$SA" --merge y1.csv l1.csv y1.csv l1.csv -o y.csv
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: pairs 1 and 2, y1.csv l1.csv and y1.csv l1.csv, are one shard: merged twice, its keys would count twice" ]
	ln l2.csv h.csv
	run "$SA" --merge y1.csv l1.csv y2.csv l2.csv ./y2.csv h.csv -o y.csv
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: pairs 2 and 3, y2.csv l2.csv and ./y2.csv h.csv, are one shard: merged twice, its keys would count twice" ]
	[ ! -e y.csv ]
	# one file in two pairs may be meant (an LSE made up for both)
	"$SA" --merge y1.csv l1.csv y2.csv l1.csv -o y.csv
	"$SA" --merge y1.csv l1.csv y2.csv l2.csv -o y.csv
}

@test "partial: --merge reads a shard from standard input" {
	"$SA" -Q rand:3x4 -K rand:5x4 -V rand:5x2 -o whole.csv --lse wl.csv
	"$SA" -Q rand:3x4 -K rand:5x4 -V rand:5x2 --key-range 0:2 -o y1.csv --lse l1.csv
	"$SA" -Q rand:3x4 -K rand:5x4 -V rand:5x2 --key-range 2:5 -o y2.csv --lse l2.csv
	"$SA" --merge -o y.csv y1.csv l1.csv - l2.csv <y2.csv
	"$CMPMAT" -r 1e-14 y.csv whole.csv
}

@test "usage: --merge takes no attention inputs, weights or ranges" {
	run "$SA" --merge -x X.csv y.csv l.csv
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: --merge conflicts with -x: it combines outputs already computed" ]
	run "$SA" --merge -a w.csv y.csv l.csv
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: --merge conflicts with -a: merged shards have no weights" ]
	run "$SA" --merge --key-range 0:2 y.csv l.csv
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: --merge conflicts with --key-range: it combines outputs already computed" ]
	# options only the attention reads are refused, not ignored
	for o in -H2 --softcap=30 "--window 3,0" --alibi -c "--scale 2" \
	    "--kv-heads 1" "--score general" --rope "--layout torch" \
	    --rope=@f.csv --alibi=@f.csv; do
		run "$SA" --merge $o y.csv l.csv
		[ "$status" -eq 2 ]
		[ "${lines[0]}" = "selfattn: --merge conflicts with ${o%%[ =]*}: it combines outputs already computed" ]
	done
}

@test "usage: ranges are A:B with A < B" {
	# a first number of 40 digits: longer than the split's buffer
	for r in 5 3:3 4:2 a:b :4 4: -1:2 "$(printf %040d 1):2"; do
		run "$SA" -Q rand:4x2 -K rand:4x2 -V rand:4x2 --key-range "$r"
		[ "$status" -eq 2 ]
		[ "${lines[0]}" = "selfattn: --key-range expects A:B with 0 <= A < B, found \"$r\"" ]
	done
	run "$SA" -Q rand:4x2 -K rand:4x2 -V rand:4x2 --query-range 1
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: --query-range expects A:B with 0 <= A < B, found \"1\"" ]
}

@test "data: a range past the rows or keys is an error, exit 1" {
	run --separate-stderr "$SA" -Q rand:4x2 -K rand:6x2 -V rand:6x2 \
	    --key-range 2:7
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: --key-range 2:7 reaches past the keys: expected B <= 6, their number" ]
	run --separate-stderr "$SA" -Q rand:4x2 -K rand:6x2 -V rand:6x2 \
	    --query-range 0:5
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: --query-range 0:5 reaches past the queries: expected B <= 4, their number" ]
}

@test "usage: --lse and -o both on standard output" {
	run "$SA" -Q rand:4x2 -K rand:4x2 -V rand:4x2 --lse -
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: --lse - writes the log-sum-exp to standard output: give the output a file with -o" ]
	run "$SA" -Q rand:4x2 -K rand:4x2 -V rand:4x2 -o y.csv -a - --lse -
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: -a - and --lse - both write to standard output: give one a file" ]
}

@test "data: --merge of shards of different shapes names both files" {
	"$SA" -Q rand:3x4 -K rand:5x4 -V rand:5x2 --key-range 0:2 -o y1.csv --lse l1.csv
	"$SA" -Q rand:4x4 -K rand:5x4 -V rand:5x2 --key-range 2:5 -o y2.csv --lse l2.csv
	run --separate-stderr "$SA" --merge y1.csv l1.csv y2.csv l2.csv
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: y2.csv is 4x2 but y1.csv is 3x2: every shard's output needs the same shape" ]
	run --separate-stderr "$SA" --merge y1.csv l1.csv y1.csv l2.csv
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: y1.csv is 3x2 and l2.csv, taken as its log-sum-exp (operands go in pairs: Y, then its LSE), is 1x4: expected 3 (its shape less its last axis), or Hx3 with H heads side by side in Y's columns" ]
	# pairs each right, of other numbers of heads
	"$SA" -Q rand:3x4 -K rand:5x4 -V rand:5x2 -H 2 --key-range 2:5 -o y4.csv --lse l4.csv
	run --separate-stderr "$SA" --merge y1.csv l1.csv y4.csv l4.csv
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: l4.csv is 2x3 but l1.csv is 1x3: every shard's log-sum-exp needs the same shape" ]
	run --separate-stderr "$SA" --merge y1.csv y1.csv
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: y1.csv is 3x2 and y1.csv, taken as its log-sum-exp (operands go in pairs: Y, then its LSE), is 3x2: expected 3 (its shape less its last axis), or Hx3 with H heads side by side in Y's columns" ]
	# a later pair out of order is told so too
	"$SA" -Q rand:3x4 -K rand:5x4 -V rand:5x2 --key-range 2:5 -o y3.csv --lse l3.csv
	run --separate-stderr "$SA" --merge y1.csv l1.csv l3.csv y3.csv
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: l3.csv is 1x3 and y3.csv, taken as its log-sum-exp (operands go in pairs: Y, then its LSE), is 3x2: expected 1 (its shape less its last axis), or Hx1 with H heads side by side in Y's columns" ]
	# an empty axis: no output (a .npy of rows of nothing divided by zero)
	"$ROOT/tests/tools/npyhdr" 3 0 >y30.npy
	{ "$ROOT/tests/tools/npyhdr" 3; printf '%024d' 0; } >l3.npy
	run --separate-stderr "$SA" --merge -f npy -o out.npy y30.npy l3.npy
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: y30.npy is 3x0: expected no empty dimension" ]
	[ ! -e out.npy ]
	run --separate-stderr "$SA" --merge y1.csv missing.csv
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: missing.csv: No such file or directory" ]
}

@test "partial: keys read in place, packed per block or prepacked give the same bits" {
	# one query (keys read in place), 100 (packed block by block: more
	# than 64 rows a key head), the same with -a (one query: its scores
	# kept, the keys read the same way; 100: the scores computed again
	# from keys packed once), and a row of a run of 200 queries
	# (prepacked)
	for n in 1 100; do
		"$SA" -Q "randn:${n}x16" -K randn:9000x16 -V randn:9000x8 -H 2 \
		    -o "y$n.csv" --lse "l$n.csv"
		"$SA" -Q "randn:${n}x16" -K randn:9000x16 -V randn:9000x8 -H 2 \
		    -o "yw$n.csv" --lse "lw$n.csv" -a /dev/null
		cmp "y$n.csv" "yw$n.csv"
		cmp "l$n.csv" "lw$n.csv"
	done
	# a row of a 200-query run (prepacked) is the same row alone
	"$SA" -Q randn:200x16 -K randn:9000x16 -V randn:9000x8 -H 2 \
	    --causal=bottom-right -o all.csv
	"$SA" -Q randn:200x16 -K randn:9000x16 -V randn:9000x8 -H 2 \
	    --causal=bottom-right --query-range 150:151 -o one.csv
	sed -n 151p all.csv | cmp - one.csv
}

@test "partial: keys read in place agree bit for bit with packed ones at every width, level and type" {
	# h query heads on one key head: one query is h rows in qk, read
	# in place (3 and 4 rows: float converts each key as it loads it,
	# and puts 4 keys by the rows in a vector with AVX-512, 2 with
	# AVX2; 12, past ATTN_QR: a block converted first, its last 4 rows
	# so too); q queries are more than 64 rows, so their keys are
	# packed block by block, and their first row is the one query's.
	# dk = 102 (a tail of 6 elements past 8s, of 2 past 4s), dv = 75
	# (every value tile width and a scalar tail), 9003 keys (a partial
	# last block of a partial group of keys)
	"$ROOT/tests/tools/npygen" -s 1 9003 102 k.npy
	"$ROOT/tests/tools/npygen" -s 2 9003 75 v.npy
	isas=$("$ROOT/tests/tools/gemmcheck" isas)
	for hq in 3:22 4:17 12:6; do
		local h=${hq%:*} q=${hq#*:}
		local k="-K k.npy -V v.npy -H $h --kv-heads 1"
		awk -v q="$q" -v c="$((h * 102))" 'BEGIN {
			for (i = 0; i < q; i++) { l = ""
				for (j = 0; j < c; j++)
					l = l (j ? "," : "") sin(i * 1201 + j)
				print l } }' > qq.csv
		head -n 1 qq.csv > q1.csv
		run "$SA" --dry-run -Q q1.csv $k
		printf '%s\n' "$output" | grep -q ', keys read in place$'
		run "$SA" --dry-run -Q qq.csv $k
		printf '%s\n' "$output" | grep -q ', keys packed block by block$'
		for isa in $isas; do
			for t in f64 f32; do
				SELFATTN_ISA=$isa "$SA" -Q q1.csv $k --dtype $t \
				    --key-range 5:9001 -o r.csv --lse rl.csv
				SELFATTN_ISA=$isa "$SA" -Q qq.csv $k --dtype $t \
				    --key-range 5:9001 -o p.csv --lse pl.csv
				sed -n 1p p.csv | cmp - r.csv
				cut -d, -f1 pl.csv | cmp - rl.csv
			done
		done
	done
}

# npy3 IN OUT D0 D1 D2: OUT, the data of the .npy IN under a 3-D header.
npy3() {
	local hl
	hl=$(od -An -tu2 -j8 -N2 "$1" | tr -d ' ')
	"$ROOT/tests/tools/npyhdr" "$3" "$4" "$5" > "$2"
	tail -c +$((11 + hl)) "$1" >> "$2"
}

@test "partial: decoding reads mapped K and V from their files, with the bits of K and V in memory" {
	NPYGEN="$ROOT/tests/tools/npygen"
	"$NPYGEN" -s 1 1 480 q.npy
	"$NPYGEN" -s 2 9003 160 k.npy	# 2 key heads side by side, dk = 80
	"$NPYGEN" -s 3 9003 48 v.npy	# dv = 24
	for t in f64 f32; do
		o="-H 6 --kv-heads 2 --dtype $t --key-range 7:9000 -j 2"
		# mapped (read with pread), then each from standard input
		"$SA" -Q q.npy -K k.npy -V v.npy $o -o y.csv --lse l.csv
		"$SA" -Q q.npy -K - -V v.npy $o -o yk.csv --lse lk.csv < k.npy
		"$SA" -Q q.npy -K k.npy -V - $o -o yv.csv --lse lv.csv < v.npy
		cmp y.csv yk.csv
		cmp y.csv yv.csv
		cmp l.csv lk.csv
		cmp l.csv lv.csv
	done
	# one plane per key head, (G, m, dk): rows of a head are its own
	"$NPYGEN" -s 4 18006 40 kp.npy
	"$NPYGEN" -s 5 18006 24 vp.npy
	npy3 kp.npy k3.npy 2 9003 40
	npy3 vp.npy v3.npy 2 9003 24
	"$NPYGEN" -s 1 1 240 qs.npy
	npy3 qs.npy q3.npy 6 1 40
	"$SA" -Q q3.npy -K k3.npy -V v3.npy -o y3.csv
	"$SA" -Q q3.npy -K - -V v3.npy -o y3m.csv < k3.npy
	cmp y3.csv y3m.csv
	"$SA" -Q q3.npy -K k3.npy -V - -o y3m.csv < v3.npy
	cmp y3.csv y3m.csv
	# rows of 8800 bytes: blocks read in pieces of 16 keys (k.npy above:
	# of 128, kp.npy whole), cut by the key range and the causal mask;
	# RoPE and float rotate and convert each piece
	"$NPYGEN" -s 6 3 1100 q1.npy
	"$NPYGEN" -s 6 3 2200 q2.npy	# 2 query heads
	"$NPYGEN" -s 7 700 1100 kw.npy
	"$NPYGEN" -s 8 700 1100 vw.npy
	for o in "-Q q1.npy" "-Q q1.npy --dtype f32 --rope" \
	    "-Q q2.npy -H 2 --kv-heads 1 -j 3"; do
		o="$o --causal=bottom-right --key-range 5:690"
		"$SA" -K kw.npy -V vw.npy $o -o yw.csv --lse lw.csv
		"$SA" -K - -V vw.npy $o -o ywk.csv --lse lwk.csv < kw.npy
		"$SA" -K kw.npy -V - $o -o ywv.csv --lse lwv.csv < vw.npy
		cmp yw.csv ywk.csv
		cmp yw.csv ywv.csv
		cmp lw.csv lwk.csv
		cmp lw.csv lwv.csv
	done
}

@test "partial: float decoding converts the keys as it reads them, with the bits of keys converted first, at every level" {
	# 4 query heads on 2 key heads, dk = 21 (whole vectors of a key and
	# a tail at every width): one query row is 2 rows a key head, read
	# in place and converted a vector at a time (qk()); 5 rows are 10,
	# beyond ATTN_QR, so the keys are converted into a block first
	awk 'BEGIN { for (i = 0; i < 5; i++) { for (j = 0; j < 84; j++)
	    printf "%s%.17g", j ? "," : "", sin(i * 84 + j); print "" } }' \
	    > q5.csv
	head -1 q5.csv > q1.csv
	awk 'BEGIN { for (i = 0; i < 1003; i++) { for (j = 0; j < 42; j++)
	    printf "%s%.17g", j ? "," : "", cos(i * 0.37 + j * 1.3); print "" } }' \
	    > k.csv
	awk 'BEGIN { for (i = 0; i < 1003; i++) { for (j = 0; j < 12; j++)
	    printf "%s%.17g", j ? "," : "", sin(i + 0.5 * j); print "" } }' \
	    > v.csv
	n=0
	for isa in $("$ROOT/tests/tools/gemmcheck" isas); do
		o="-K k.csv -V v.csv -H 4 --kv-heads 2 --dtype f32"
		SELFATTN_ISA=$isa "$SA" -Q q1.csv $o -o y1.csv
		SELFATTN_ISA=$isa "$SA" -Q q5.csv $o -o y5.csv
		[ "$(cat y1.csv)" = "$(head -1 y5.csv)" ]
		# and not the double run's numbers
		SELFATTN_ISA=$isa "$SA" -Q q1.csv ${o% --dtype f32} -o yd.csv
		! cmp -s y1.csv yd.csv
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
}

# cut_while_decoding F (k or v): decoding with F.npy cut to 100000 bytes
# once selfattn has opened and mapped the inputs: it opens --key-lengths,
# a FIFO, which the writer's open waits for.  Exit 1, one message, and
# nothing written.
cut_while_decoding() {
	"$ROOT/tests/tools/npygen" -s 1 1 64 q.npy
	"$ROOT/tests/tools/npygen" -s 2 3000 64 k.npy
	"$ROOT/tests/tools/npygen" -s 3 3000 64 v.npy
	mkfifo len
	"$SA" -Q q.npy -K k.npy -V v.npy --key-lengths len -o y.npy \
	    2> err & pid=$!
	exec 7> len
	truncate -s 100000 "$1.npy"
	echo 3000 >&7
	exec 7>&-
	status=0
	wait $pid || status=$?
	[ "$status" -eq 1 ]
	[ "$(cat err)" = "selfattn: $1.npy: expected 31200 bytes of data at byte 100000, found the end of the file (was it cut while being read?)" ]
	[ ! -e y.npy ]
	[ -z "$(ls -A | grep -v -e '^k.npy$' -e '^v.npy$' -e '^q.npy$' -e '^len$' -e '^err$')" ]
}

@test "partial: a key file cut while decoding reads it is an error, and writes nothing" {
	cut_while_decoding k
}

@test "partial: a value file cut while decoding reads it is an error, and writes nothing" {
	# the values of a key block are read after its keys' dot products
	cut_while_decoding v
}

# copies FILE N: FILE.1 .. FILE.N, its copies, 500 a tee
copies() {
	seq "$2" | sed "s|^|$1.|" | xargs -n 500 sh -c 'tee "$@" <"$0" >/dev/null' "$1"
}

@test "partial: --merge of many mapped shards needs no descriptor each" {
	"$SA" $QKV --key-range 0:5000 -o y.npy --lse l.npy
	# copies (one shard twice is refused), one LSE file for all
	copies y.npy 200
	set --
	for i in $(seq 200); do set -- "$@" y.npy.$i l.npy; done
	# 400 operands under a limit of 64 open files
	run --separate-stderr bash -c 'ulimit -n 64 && "$0" --merge -o m.npy --lse ml.npy "$@"' "$SA" "$@"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# the same shard 200 times: the output is the shard's
	"$CMPMAT" -r 1e-14 m.npy y.npy
	# 4000 operands: each looked at once for a stream (a stat() a pair
	# of operands took 10 s at 3000, 30 s and more at 6000)
	"$SA" -Q rand:3x4 -K rand:5x4 -V rand:5x4 -o s.npy --lse sl.npy
	copies s.npy 2000
	set --
	for i in $(seq 2000); do set -- "$@" s.npy.$i sl.npy; done
	run timeout 60 "$SA" --merge -o m.npy "$@"
	[ "$status" -eq 0 ]
	"$CMPMAT" -r 1e-14 m.npy s.npy
}

# big_values N A B: K.csv N keys of 0 (every score 0), V.csv the first
# half of the keys' values A and the second half B.
big_values() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) print 0 }' > K.csv
	awk -v n="$1" -v a="$2" -v b="$3" \
	    'BEGIN { for (i = 0; i < n; i++) print (i < n / 2 ? a : b) }' > V.csv
	awk 'BEGIN { for (i = 0; i < 300; i++) print 0 }' > Q300.csv
	printf '0\n' > Q1.csv
}

@test "partial: values near the largest number give their finite average, where the running sums overflow" {
	# Y is the mean of V; the sums of exp(s - M)·v before the division
	# reach n·|v|: they overflowed to inf, and inf - inf to NaN
	big_values 8192 1e305 -1e305
	for j in 1 2; do
		# decoding (key-split) and 300 queries (query-split)
		run "$SA" -j $j -Q Q1.csv -K K.csv -V V.csv
		[ "$status" -eq 0 ]
		[ "$output" = 0 ]
		"$SA" -j $j -Q Q300.csv -K K.csv -V V.csv -o y$j.csv
		"$CMPMAT" -a 0 y$j.csv Q300.csv	# 300 zeros, the mean
	done
	cmp y1.csv y2.csv
	big_values 8192 1e35 -1e35	# float's largest: 3.4e38
	for j in 1 2; do
		run "$SA" -j $j --dtype f32 -Q Q1.csv -K K.csv -V V.csv
		[ "$status" -eq 0 ]
		[ "$output" = 0 ]
		"$SA" -j $j --dtype f32 -Q Q300.csv -K K.csv -V V.csv -o y.csv
		"$CMPMAT" -a 0 y.csv Q300.csv
	done
	# each chunk of 4096 keys finite, their merge not
	big_values 8192 4e304 4e304
	awk 'BEGIN { for (i = 0; i < 300; i++) print 4e304 }' > want
	"$SA" -Q Q300.csv -K K.csv -V V.csv -o y.csv --lse l.csv
	"$CMPMAT" -r 1e-13 y.csv want
	# log-sum-exp log(8192), from a reference raised by 32
	awk '{ d = $1 - log(8192); if (d > 1e-13 || d < -1e-13) exit 1 }' l.csv
	# two keys
	big_values 2 1e308 1e308
	run "$SA" -Q Q1.csv -K K.csv -V V.csv
	[ "$status" -eq 0 ]
	[ "$output" = 1e+308 ]
	# an infinite value stays infinite; beside finite sums that
	# overflow, the row is left as it came (NaN; PyTorch: -inf)
	big_values 2 1e308 inf
	run "$SA" -Q Q1.csv -K K.csv -V V.csv
	[ "$status" -eq 0 ]
	[ "$output" = inf ]
	printf '1e308\n1e308\n-inf\n' > V.csv
	printf '0\n0\n0\n' > K.csv
	run "$SA" -Q Q1.csv -K K.csv -V V.csv
	[ "$status" -eq 0 ]
	[ "$output" = nan ]
	# an infinite value of a key whose weight is small but not 0 makes
	# the row infinite (a second try from a raised maximum dropped it)
	printf '1\n1\ninf\n' > V.csv
	printf '0\n0\n-80\n' > K.csv
	run "$SA" --dtype f32 -s none -Q Q1.csv -K K.csv -V V.csv
	[ "$status" -eq 0 ]
	[ "$output" = inf ]
	printf '0\n0\n-720\n' > K.csv
	printf '1,5\n1,5\ninf,5\n' > V.csv
	run "$SA" -s none -Q Q1.csv -K K.csv -V V.csv
	[ "$status" -eq 0 ]
	[ "$output" = inf,5 ]
	# an infinity or a NaN among the chunk's values, even of a key the
	# row cannot see, turns the second try off (documented)
	printf '1.5e308\n1.5e308\nnan\n' > V.csv
	printf '1,1,0\n' > mask.csv
	run "$SA" -Q Q1.csv -K K.csv -V V.csv --mask mask.csv
	[ "$status" -eq 0 ]
	[ "$output" = inf ]
	run "$SA" -Q Q1.csv -K K.csv -V V.csv --key-range 0:2
	[ "$status" -eq 0 ]
	[ "$output" = 1.5e+308 ]
	# in float, a value beyond float's range is +inf, as PyTorch's
	# float() makes it: no second try, which loses the small value
	# beside it; the same row for one query (keys read in place) and
	# for 200
	printf '1\n' > K.csv
	printf '1.5e-37,1e39\n' > V.csv
	awk 'BEGIN { for (i = 0; i < 200; i++) print 1 }' > Q200.csv
	run "$SA" --dtype f32 -Q Q1.csv -K K.csv -V V.csv
	[ "$status" -eq 0 ]
	[ "$output" = 1.4999999866463684e-37,inf ]
	run "$SA" --dtype f32 -Q Q200.csv -K K.csv -V V.csv
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sort -u)" = 1.4999999866463684e-37,inf ]
	# a large score (a -1e9 bias): M + 32 is M in float; raised to the
	# next float 64 above
	printf '2e38\n2e38\n' > V.csv
	printf '0\n0\n' > K.csv
	printf -- '-1e9,-1e9\n' > bias.csv
	run "$SA" --dtype f32 -Q Q1.csv -K K.csv -V V.csv --bias bias.csv
	[ "$status" -eq 0 ]
	[ "$output" = 1.9999999360571385e+38 ]
	printf -- '-1e18,-1e18\n' > bias.csv
	run "$SA" -Q Q1.csv -K K.csv -V V.csv --bias bias.csv
	[ "$status" -eq 0 ]
	[ "$output" = 2e+38 ]
}

@test "partial: the weights of a row computed again for its overflow keep their small weights" {
	# 4000 keys of score 0 and one of -70, values 1e36 in float: the
	# raised maximum (by 32) left exp(-102) below float's normal numbers
	awk 'BEGIN { for (i = 0; i < 4000; i++) print 0; print -70 }' > K.csv
	awk 'BEGIN { for (i = 0; i < 4001; i++) print 1e36 }' > V.csv
	printf '1\n' > Q1.csv
	"$SA" --dtype f32 -s 1 -Q Q1.csv -K K.csv -V V.csv -o y.csv -a w.csv
	[ "$(cut -c1-4 y.csv)" = 9.99 ] || [ "$(cut -c1-4 y.csv)" = 1.00 ]
	# exp(-70) / (4000 + exp(-70)) and 1 / 4000
	awk -F, '{ for (j = 1; j < NF; j++) if ($j * 4000 < 1 - 1e-5 ||
	    $j * 4000 > 1 + 1e-5) exit 1
	    w = exp(-70) / 4000; if ($NF < w * (1 - 1e-5) || $NF > w * (1 + 1e-5))
	    exit 1 }' w.csv
}

@test "partial: a long row of one value averages to it, to 1e-5 in float and 1e-14 in double" {
	# summed on in O over the keys, a row took a rounding a term: 4096
	# keys of 1.1 gave 1.1000454 in float; each key block is now summed
	# from 0 and then added
	awk 'BEGIN { for (i = 0; i < 8192; i++) print 0 }' > K.csv
	awk 'BEGIN { for (i = 0; i < 8192; i++) print 1.1 }' > V.csv
	awk 'BEGIN { for (i = 0; i < 300; i++) print 1.1 }' > want
	printf '0\n' > Q1.csv
	awk 'BEGIN { for (i = 0; i < 300; i++) print 0 }' > Q300.csv
	for t in f32 f64; do
		tol=1e-14; [ $t = f32 ] && tol=1e-5
		# decoding and 300 rows (key blocks packed): the same sums
		"$SA" --dtype $t -Q Q1.csv -K K.csv -V V.csv -o y1.csv
		"$SA" --dtype $t -Q Q300.csv -K K.csv -V V.csv -o y.csv
		"$CMPMAT" -r $tol y.csv want
		[ "$(cat y1.csv)" = "$(head -1 y.csv)" ]
	done
}
