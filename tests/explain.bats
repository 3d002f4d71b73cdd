#!/usr/bin/env bats
# --dry-run: the stages printed byte for byte, nothing computed or
# written, and every error class reported as the run reports it.

load helpers

# same_as_run ARGS...: the dry run fails with the run's status and
# message, and prints nothing on standard output.
same_as_run() {
	run --separate-stderr "$SA" "$@"
	local rs=$status re=$stderr
	run --separate-stderr "$SA" --dry-run "$@"
	echo "run: $rs $re"
	echo "dry run: $status $stderr"
	[ "$rs" -ne 0 ]
	[ "$status" -eq "$rs" ]
	[ "$stderr" = "$re" ]
	[ -z "$output" ]
}

# buffers ARGS...: the buffer bytes --dry-run ARGS reports.
buffers() {
	"$SA" --dry-run "$@" | sed -n 's/^memory: .* buffers \([0-9]*\) B\(;.*\)\{0,1\}$/\1/p'
}

@test "dry-run: the memory of a run that reads a large text input counts the text and its numbers" {
	# 20000 x 16 numbers, about 6 MB of CSV: read on two threads, in
	# pieces; the peak is while it is parsed, not the run's buffers
	"$SA" -Q randn:20000x16 -K randn:1x16 -V randn:1x16 -o big.csv
	size=$(wc -c <big.csv)
	line=$("$SA" --dry-run -j 2 -Q big.csv -K randn:9x16 -V randn:9x16 -o /dev/null |
	    grep '^memory: ')
	r=$(printf '%s\n' "$line" | sed -n 's/.*; reading text \([0-9]*\) B$/\1/p')
	[ -n "$r" ]
	[ "$r" -ge $((size + 20000 * 16 * 8)) ]
	# the peak shown is that, in MiB
	peak=$(printf '%s\n' "$line" | sed -n 's/^memory: \([0-9.]*\) MiB peak.*/\1/p')
	[ "$(awk -v r="$r" 'BEGIN { printf "%.1f", r / 1048576 }')" = "$peak" ]
	# an input from a .npy has no text
	"$SA" -Q randn:20000x16 -K randn:1x16 -V randn:1x16 -o big.npy
	"$SA" --dry-run -j 2 -Q big.npy -K randn:9x16 -V randn:9x16 \
	    -o /dev/null > plan.txt
	grep -q '^compute: ' plan.txt
	not grep -q 'reading text' plan.txt
}

@test "dry-run: every stage, byte for byte" {
	printf '1,0,1\n0,1,1\n1,1,0\n' >m.csv
	printf '0,0,1\n' >kp.csv
	SELFATTN_ISA=generic run --separate-stderr "$SA" --dry-run -j 1 \
	    -x rand:3x4 -q rand:4x4 -k rand:4x4 -v rand:6x4 --bq rand:4 \
	    -H 2 --mask m.csv --key-padding kp.csv -cbottom-right \
	    --window 1 --pos sinusoidal --layout torch -o y.npy -a w.txt
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	cat >want <<'END'
input: -x rand:3x4 3x4
input: -q rand:4x4 4x4
input: -k rand:4x4 4x4
input: -v rand:6x4 6x4
input: --bq rand:4 4
input: --mask m.csv 3x3
input: --key-padding kp.csv 1x3
sequences: 1 of 3 queries and 3 keys
positions: X 3x4 + sinusoidal PE -> X
project: X 3x4 · WQ 4x4 + bq -> Q 3x4, 96 FLOPs
project: X 3x4 · WK 4x4 -> K 3x4, 96 FLOPs
project: X 3x4 · WV 4x6 -> V 3x6, 144 FLOPs
heads: 2 query heads, 2 key/value heads, d_q 2, d_k 2, d_v 3
scores: Q_h 3x2 · K_h^T 2x3 -> S_h 3x3, scale 0.7071067811865475, 72 FLOPs
masks: causal bottom-right (shifted by m - n = 0), window 1 back (-c: none ahead), --mask m.csv (0/1: 1 = may attend), --key-padding kp.csv
softmax: S_h 3x3 -> A_h 3x3
values: A_h 3x3 · V_h 3x3 -> O_h 3x3, 108 FLOPs
output: Concat(O_1..O_H) -> Y 3x6
weights: scores kept
write: -o y.npy: Y 3x6, npy
write: -a w.txt: weights 2x3x3, txt
total: 516 FLOPs
END
	printf '%s\n' "$output" | head -n 22 >got
	diff want got
	# memory and compute: their form (the buffers' size is the kernels')
	printf '%s\n' "$output" | sed -n 23p |
	    grep -Eq '^memory: [0-9.]+ (B|KiB|MiB) peak: inputs 672 B, derived 556 B, buffers [0-9]+ B; reading text 678 B$'
	[ "$(printf '%s\n' "$output" | sed -n 24p)" = "compute: f64, ISA generic, 1 thread, query-split: 1 query block x 1 key chunk per sequence, keys read in place" ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 24 ]
	# nothing written
	[ ! -e y.npy ]
	[ ! -e w.txt ]
	[ -z "$(ls -a | grep selfattn-)" ]
}

@test "dry-run: the pictures are written from the weights: their lines, and the weights pass they need" {
	run "$SA" --dry-run -x rand:5x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 \
	    -H 2 -o y.npy --heatmap h.html --show
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -qx 'weights: scores kept'
	printf '%s\n' "$output" | grep -qx 'write: --heatmap h.html: heatmap of the weights 2x5x5, html'
	printf '%s\n' "$output" | grep -qx 'write: --show <stdout>: heatmap of the weights 2x5x5, terminal'
	printf '%s\n' "$output" | grep -qx 'total: 880 FLOPs'
	run "$SA" --dry-run -x rand:5x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 \
	    -H 2 --average-weights --heatmap h.svg
	printf '%s\n' "$output" | grep -qx 'write: --heatmap h.svg: heatmap of the weights 5x5, svg'
	# the buffers are those of the run, which holds the weights' rows
	a=$(buffers -Q rand:3x4 -K rand:300x4 -V rand:300x4 -o y.npy)
	b=$(buffers -Q rand:3x4 -K rand:300x4 -V rand:300x4 -o y.npy --show)
	[ "$b" -gt "$a" ]
	[ ! -e y.npy ]
	[ ! -e h.html ]
	[ ! -e h.svg ]
}

@test "dry-run: decoding reads keys and values where they are; a block of them is copied only to be rotated or converted" {
	# one query, keys read in place: a key block is 256 keys of 2
	# heads x 32 (8 bytes, 4 in float), a value block 256 x 2 x 16; the
	# generic level, whose blocks do not depend on the CPU
	local a="-Q randn:1x64 -K randn:1000x64 -V randn:1000x32 -H 2"
	local d r
	d=$(SELFATTN_ISA=generic buffers -j 1 $a)
	r=$(SELFATTN_ISA=generic buffers -j 1 $a --rope)
	# RoPE rotates a copy of the keys: one key block more, no values
	[ $((r - d)) -eq $((256 * 64 * 8)) ]
	d=$(SELFATTN_ISA=generic buffers -j 1 $a --dtype f32)
	r=$(SELFATTN_ISA=generic buffers -j 1 $a --dtype f32 --rope)
	# float reads the doubles in place, but RoPE's keys, and then the
	# values too, are converted block by block
	[ $((r - d)) -eq $((256 * 64 * 4 + 256 * 32 * 4)) ]
	# and so are they past 8 query rows a key head (qk() would convert
	# each key once per 8 rows): from 8 rows to 9 the buffers grow by a
	# key block and a value block (256 x 32 and 256 x 16 floats), and
	# the queries laid out for qk() by 8 rows more (8 x 32 floats),
	# more than a row's worth (from 9 to 10), give or take an alignment
	local k="-K randn:1000x32 -V randn:1000x16 --dtype f32" d7 d8 d9 d10
	d7=$(SELFATTN_ISA=generic buffers -j 1 -Q randn:7x32 $k)
	d8=$(SELFATTN_ISA=generic buffers -j 1 -Q randn:8x32 $k)
	d9=$(SELFATTN_ISA=generic buffers -j 1 -Q randn:9x32 $k)
	d10=$(SELFATTN_ISA=generic buffers -j 1 -Q randn:10x32 $k)
	r=$((d10 - d9))
	[ $((d8 - d7)) -lt $((r + 128)) ]
	d=$((d9 - d8 - 256 * 32 * 4 - 256 * 16 * 4 - 8 * 32 * 4))
	[ "$d" -gt $((r - 128)) ]
	[ "$d" -lt $((r + 128)) ]
}

@test "dry-run: decoding reads the keys in place up to 64 query rows a key head, and packs them beyond" {
	local k="-K randn:700x8 -V randn:700x8"
	run "$SA" --dry-run -Q randn:64x8 $k
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -q ', keys read in place$'
	run "$SA" --dry-run -Q randn:65x8 $k
	printf '%s\n' "$output" | grep -q ', keys packed block by block$'
	# 4 query heads on one key head: 16 queries are 64 rows, 17 are 68
	run "$SA" --dry-run -Q randn:16x32 $k -H 4 --kv-heads 1
	printf '%s\n' "$output" | grep -q ', keys read in place$'
	run "$SA" --dry-run -Q randn:17x32 $k -H 4 --kv-heads 1
	printf '%s\n' "$output" | grep -q ', keys packed block by block$'
}

@test "dry-run: the key and value projections of --kv-heads cost G heads, not H" {
	run "$SA" --dry-run -x rand:8x16 -q rand:16x16 -k rand:16x4 \
	    -v rand:16x8 -H 4 --kv-heads 1
	[ "$status" -eq 0 ]
	# 2·8·16·(1·4) and 2·8·16·(1·8); scores 2·8·8·4·4, values 2·8·8·8·4
	printf '%s\n' "$output" | grep -qx 'project: X 8x16 · WK 16x4 -> K 8x4, 1024 FLOPs'
	printf '%s\n' "$output" | grep -qx 'project: X 8x16 · WV 16x8 -> V 8x8, 2048 FLOPs'
	printf '%s\n' "$output" | grep -qx 'total: 13312 FLOPs (13.3 kFLOP)'
}

@test "dry-run: -a keeps the scores when that takes no more memory, else computes them again" {
	# decoding: the (H, 1, m) scores are less than the keys packed
	# whole, which one block of queries does without
	run "$SA" --dry-run -j 1 -Q randn:1x64 -K randn:50000x64 \
	    -V randn:50000x64 -H 2 -a w.npy -o y.npy
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -qx 'weights: scores kept'
	printf '%s\n' "$output" | grep -q ', keys read in place$'
	printf '%s\n' "$output" | grep -qx 'total: 12800000 FLOPs (12.8 MFLOP)'
	# --average-weights: the mean too, in place
	run "$SA" --dry-run -j 1 -Q randn:1x64 -K randn:50000x64 \
	    -V randn:50000x64 -H 2 -a w.npy --average-weights -o y.npy
	printf '%s\n' "$output" | grep -qx 'weights: scores kept, averaged over heads'
	# 2 x 2048 x 2048 scores would be held: computed again
	run "$SA" --dry-run -j 2 -Q randn:2048x64 -K randn:2048x64 \
	    -V randn:2048x64 -H 2 -a w.npy -o y.npy
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -qx 'weights: scores again, 536.9 MFLOP'
	printf '%s\n' "$output" | grep -q ', keys packed once$'
	# nothing written
	[ ! -e y.npy ]
	[ ! -e w.npy ]
}

@test "dry-run: the direct form, a batch, a query range, general scores, f32" {
	# text in blocks: (2, 5, 4), (2, 7, 4), (2, 7, 2)
	blocks() {
		awk -v b="$1" -v r="$2" -v c="$3" 'BEGIN {
			for (k = 0; k < b; k++) {
				if (k) print ""
				for (i = 0; i < r; i++) {
					s = ""
					for (j = 0; j < c; j++)
						s = s (j ? "," : "") (k + i + j) % 3
					print s
				}
			}
		}'
	}
	blocks 2 5 4 >Q.csv
	blocks 2 7 4 >K.csv
	blocks 2 7 2 >V.csv
	SELFATTN_ISA=generic run --separate-stderr "$SA" --dry-run -j 2 \
	    --dtype f32 -Q Q.csv -K K.csv -V V.csv -H 2 \
	    --score general --wa rand:2x2 --query-range 1:3 --key-range 2:7 \
	    -w rand:2x3 --bo rand:3 --rope=500
	[ "$status" -eq 0 ]
	cat >want <<'END'
input: -w rand:2x3 2x3
input: -Q Q.csv 2x5x4
input: -K K.csv 2x7x4
input: -V V.csv 2x7x2
input: --bo rand:3 3
input: --wa rand:2x2 2x2
sequences: 2 of 5 queries and 7 keys
queries: 1..2 only (--query-range)
given: Q 2x4, K 7x4, V 7x2
heads: 2 query heads, 2 key/value heads, d_q 2, d_k 2, d_v 1
positions: RoPE base 500 rotates Q_h and K_h
scores: Q_h 2x2 · Wa 2x2 · K_h^T 2x7 -> S_h 2x7, scale 1, 224 FLOPs
masks: keys 2..6 only (--key-range)
softmax: S_h 2x7 -> A_h 2x7
values: A_h 2x7 · V_h 7x1 -> O_h 2x1, 80 FLOPs
output: O 2x2 · WO 2x3 + bo -> Y 2x3, 48 FLOPs
write: -o <stdout>: Y 2x2x3, csv
total: 352 FLOPs
END
	printf '%s\n' "$output" | head -n 18 >got
	diff want got
	printf '%s\n' "$output" | sed -n 20p | grep -q '^compute: f32, ISA generic, 2 threads, query-split: 1 query block x 1 key chunk per sequence, keys read in place$'
}

@test "dry-run: key-split when query blocks are fewer than the threads" {
	run "$SA" --dry-run -j 2 -Q randn:10x8 -K randn:10000x8 -V randn:10000x8
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -q '^compute: f64, ISA [a-z0-9]*, 2 threads, key-split: 1 query block x 3 key chunks per sequence, keys read in place$'
	run "$SA" --dry-run -j 1 -Q randn:10x8 -K randn:10000x8 -V randn:10000x8
	printf '%s\n' "$output" | grep -q ', 1 thread, query-split: 1 query block x 3 key chunks per sequence, keys read in place$'
}

@test "dry-run and run: threads beyond a run's tasks take no buffers, and change no result" {
	a='-Q randn:200x64 -K randn:300x64 -V randn:300x64'
	run "$SA" --dry-run -j 64 $a
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -q '^compute: f64, ISA [a-z0-9]*, 2 threads (of 64: no more tasks at once), query-split: 2 query blocks x 1 key chunk per sequence, keys packed once$'
	m64=$(printf '%s\n' "$output" | grep '^memory: ')
	run "$SA" --dry-run -j 2 $a
	printf '%s\n' "$output" | grep -q ', 2 threads, query-split: '
	[ "$(printf '%s\n' "$output" | grep '^memory: ')" = "$m64" ]
	"$SA" -j 64 $a -o "$BATS_TEST_TMPDIR/y64.npy"
	"$SA" -j 1 $a -o "$BATS_TEST_TMPDIR/y1.npy"
	cmp "$BATS_TEST_TMPDIR/y64.npy" "$BATS_TEST_TMPDIR/y1.npy"
}

@test "dry-run: generators are not drawn, nothing is allocated" {
	# 100 GB of inputs: the run could not hold them, the dry run is quick
	run --separate-stderr "$SA" --dry-run -j 2 -Q randn:200000000x64 \
	    -K randn:1000x64 -V randn:1000x64 -o /dev/null
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -q '^memory: [0-9.]* GiB peak: inputs 102401024000 B, '
	printf '%s\n' "$output" | grep -q '^total: 51200000000000 FLOPs (51.2 TFLOP)$'
}

@test "dry-run: .npy and text inputs; SELFATTN_ISA names the ISA" {
	d=$SAMPLES/multihead
	SELFATTN_ISA=generic run "$SA" --dry-run -j 3 -x "$d/X.npy" \
	    -q "$d/Wq.csv" -k "$d/Wk.csv" -v "$d/Wv.csv" -H 2
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "input: -x $d/X.npy 4x4" ]
	printf '%s\n' "$output" | grep -q '^compute: f64, ISA generic, 3 threads, query-split: '
}

@test "dry-run: usage errors as the run reports them (exit 2)" {
	same_as_run -x rand:3x3 -q rand:3x3 -k rand:3x3 -v rand:3x3 -H 0
	[ "$status" -eq 2 ]
	same_as_run -x rand:3x3 -q rand:3x3 -k rand:3x3
	[ "$status" -eq 2 ]
	same_as_run -x rand:3x3 -q rand:3x3 -k rand:3x3 -v rand:0x3
	[ "$status" -eq 2 ]
	same_as_run -x rand:3x3 -q rand:3x3 -k rand:3x3 -v rand:3x3 -o y.xlsx
	[ "$status" -eq 2 ]
}

@test "dry-run: a missing file, bad text, a bad .npy as the run (exit 1)" {
	same_as_run -x nosuch.csv -q rand:3x3 -k rand:3x3 -v rand:3x3
	[ "$status" -eq 1 ]
	printf '1,2\n3,x\n' >bad.csv
	same_as_run -x bad.csv -q rand:2x2 -k rand:2x2 -v rand:2x2
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: bad.csv:2:3: expected a number, found \"x\"" ]
	printf '\223NUMPY\001\000' >bad.npy
	same_as_run -x bad.npy -q rand:2x2 -k rand:2x2 -v rand:2x2
	[ "$status" -eq 1 ]
	# a generator too large to hold (it passed --dry-run)
	same_as_run -Q rand:4294967296x4294967296 -K rand:2x4294967296 \
	    -V rand:2x2
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: rand:4294967296x4294967296: a 4294967296x4294967296 matrix is too large to hold" ]
	same_as_run -Q rand:3037000500x3037000500 -K rand:2x3037000500 \
	    -V rand:2x2
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: rand:3037000500x3037000500: 9223372037000250000 elements of 8 bytes are too many to hold" ]
}

@test "dry-run: a buffer whose size is a product of several inputs' dimensions does not wrap round (it printed a small peak)" {
	# additive scores: k·Ua is m x da, m from K and da from Ua: 2^32 x
	# 2^32 elements wrapped to 0
	for m in 2147483648 4294967296; do
		run --separate-stderr "$SA" --dry-run -Q rand:1x1 -K rand:${m}x1 \
		    -V rand:${m}x1 --score additive --wa rand:1x4294967296 \
		    --ua rand:1x4294967296 --va rand:4294967296 -o /dev/null
		[ "$status" -eq 1 ]
		[ "$stderr" = "selfattn: buffers: the buffers are too large to hold" ]
	done
	# the workspace of the additive scores, 256 x da (2^56 wrapped)
	run --separate-stderr "$SA" --dry-run -Q rand:1x1 -K rand:3x1 \
	    -V rand:3x1 --score additive --wa rand:1x72057594037927936 \
	    --ua rand:1x72057594037927936 --va rand:72057594037927936 \
	    -o /dev/null -j 1
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: buffers: the buffers are too large to hold" ]
}

@test "dry-run: labels are read and counted as the run does (a dry run skipped them)" {
	same_as_run -Q rand:3x2 -K rand:3x2 -V rand:3x2 --labels "a b" -o /dev/null
	[ "$stderr" = "selfattn: --labels: expected 3 labels (one per query), found 2" ]
	same_as_run -Q rand:3x2 -K rand:3x2 -V rand:3x2 --labels @nope -o /dev/null
	[ "$stderr" = "selfattn: nope: No such file or directory" ]
	same_as_run -Q rand:3x2 -K rand:4x2 -V rand:4x2 --labels "a b c" \
	    --key-labels "w,x,y,z" -o /dev/null
	[ "$stderr" = "selfattn: --key-labels: expected 4 labels (one per key), found 1 (labels are separated by blanks, not commas)" ]
	# and right counts pass
	"$SA" --dry-run -Q rand:3x2 -K rand:4x2 -V rand:4x2 --labels "a b c" \
	    --key-labels "w x y z" -o /dev/null >/dev/null
}

@test "dry-run: shape mismatches as the run reports them (exit 1)" {
	same_as_run -x rand:3x4 -q rand:3x3 -k rand:4x4 -v rand:4x4
	[ "$stderr" = "selfattn: -q (WQ) rand:3x3 is 3x3 but -x (X) rand:3x4 has 4 columns" ]
	same_as_run -x rand:3x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 -H 3
	same_as_run -x rand:3x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 \
	    --layout torch -w rand:4x5
	same_as_run -x rand:3x4 --in-proj rand:12x5 --layout torch
	same_as_run -x rand:3x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 \
	    --mask rand:3x2
	same_as_run -x rand:3x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 \
	    --key-padding rand:2
	same_as_run -Q rand:3x4 -K rand:5x4 -V rand:4x4
	same_as_run -Q rand:3x4 -K rand:5x4 -V rand:5x4 --query-range 2:9
	same_as_run -Q rand:3x3 -K rand:5x3 -V rand:5x3 --rope
	same_as_run -x rand:3x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 \
	    --score additive --wa rand:4x2 --ua rand:3x2 --va rand:2
}

@test "dry-run: the values of a mask and key padding are checked as the run checks them" {
	# a generated key padding is drawn, after every generator before it
	same_as_run -Q randn:3x4 -K randn:5x4 -V randn:5x4 --key-padding rand:5
	[ "$stderr" = "selfattn: --key-padding rand:5: expected 0 or 1 (1 = padding), found 0.196582 at key 0: give values added to the scores with --bias, shaped (1, m)" ]
	printf '0,0,2\n' >kp.csv
	same_as_run -Q randn:3x4 -K randn:3x4 -V randn:3x4 --key-padding kp.csv
	printf '1,0.5,0\n0,1,1\n1,1,1\n' >m.csv
	same_as_run -Q randn:3x4 -K randn:3x4 -V randn:3x4 --mask m.csv
	run "$SA" --dry-run -Q randn:3x4 -K randn:3x4 -V randn:3x4 --bias m.csv
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -qx 'masks: --bias m.csv (added to the scores)'
}

@test "dry-run: the score modifiers and the new masks are named" {
	printf '2\n' >kl.csv
	run "$SA" --dry-run -Q randn:3x4 -K randn:3x4 -V randn:3x4 -H 2 \
	    --qk-norm --softcap 30 --alibi --window 2,1 --key-lengths kl.csv
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -qx 'modifiers: RMSNorm of queries and keys (eps 1e-06), soft-cap 30, ALiBi slopes of the paper'
	printf '%s\n' "$output" | grep -qx 'masks: window 2,1, --key-lengths kl.csv'
	# a shard without key 0 adds no sink
	run "$SA" --dry-run -Q randn:3x4 -K randn:6x4 -V randn:6x4 \
	    --key-range 2:4 --sinks rand:1
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -qx 'modifiers: sinks rand:1 (in the shard of key 0 only: none here)'
}

@test "dry-run: --merge has no stages" {
	run --separate-stderr "$SA" --dry-run --merge y1 l1
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "selfattn: --merge conflicts with --dry-run: it has no stages to show" ]
}

@test "dry-run: a write error on standard output" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr "$SA" --dry-run -Q rand:2x2 -K rand:2x2 -V rand:2x2
	[ "$status" -eq 0 ]
	run --separate-stderr sh -c '"$1" --dry-run -Q rand:2x2 -K rand:2x2 -V rand:2x2 >/dev/full' sh "$SA"
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: <stdout>: write error: No space left on device" ]
}

@test "dry-run: a .npy header is enough: every .npy of the tests as the run" {
	local f n=0
	for f in "$DATA"/npy/*.npy; do
		n=$((n + 1))
		run --separate-stderr "$SA" -Q "$f" -K rand:1x1 -V rand:1x1 -o y.npy
		local rs=$status re=$stderr
		run --separate-stderr "$SA" --dry-run -Q "$f" -K rand:1x1 -V rand:1x1 -o y.npy
		if [ "$status" -ne "$rs" ] || [ "$stderr" != "$re" ]; then
			echo "$f: run $rs $re; dry run $status $stderr"
			return 1
		fi
	done
	[ "$n" -ge 30 ]
}

@test "dry-run: text from standard input" {
	run --separate-stderr sh -c 'printf "1,2\n3,4\n" | "$1" --dry-run -x - -q rand:2x2 -k rand:2x2 -v rand:2x2' sh "$SA"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "input: -x <stdin> 2x2" ]
}

@test "dry-run: the shape of a Fortran-order float32 .npy, from its header" {
	run --separate-stderr "$SA" --dry-run -Q "$DATA/npy/f4_3d_f.npy" \
	    -K "$DATA/npy/f4_3d_f.npy" -V "$DATA/npy/f4_3d_c.npy" -H 1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "input: -Q $DATA/npy/f4_3d_f.npy 2x2x3" ]
	[ "${lines[3]}" = "sequences: 2 of 2 queries and 2 keys" ]
}

@test "dry-run: a control character in a file name is written as an escape, as in diagnostics" {
	cd "$BATS_TEST_TMPDIR"
	printf '1,2\n3,4\n' > "$(printf 'x\033[31m.csv')"
	printf '1,0\n1,1\n' > "$(printf 'm\tk.csv')"
	run --separate-stderr "$SA" --dry-run -x "$(printf 'x\033[31m.csv')" -q rand:2x2 -k rand:2x2 -v rand:2x2 --mask "$(printf 'm\tk.csv')" -o "$(printf 'y\nz.csv')"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "${lines[0]}" = 'input: -x x\x1b[31m.csv 2x2' ]
	[ "${lines[4]}" = 'input: --mask m\tk.csv 2x2' ]
	printf '%s\n' "${lines[@]}" | grep -qxF 'masks: --mask m\tk.csv (0/1: 1 = may attend)'
	printf '%s\n' "${lines[@]}" | grep -qxF 'write: -o y\nz.csv: Y 2x2, csv'
	[[ "$output" != *$'\033'* ]]
	# a C1 control (CSI, UTF-8) too
	printf '1,2\n3,4\n' > "$(printf 'c\302\2332J.csv')"
	run "$SA" --dry-run -x "$(printf 'c\302\2332J.csv')" -q rand:2x2 -k rand:2x2 -v rand:2x2
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'input: -x c\xc2\x9b2J.csv 2x2' ]
}
