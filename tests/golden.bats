#!/usr/bin/env bats
# selfattn against NumPy: the cases in tests/golden/NAME/ were computed by
# tests/golden/gen.py (float64 NumPy, see its comments for the formulas).
# Each folder holds the inputs, a one-line `cmd` with the selfattn
# arguments relative to the folder, and expect_out / expect_w as .csv
# (repr numbers) and .npy (<f8).  Results must agree to 1e-12 relative;
# gen.py checked every expected value against a long-double recomputation
# to 1e-13, so that tolerance is fair to any correct float64 code.

load helpers

GOLDEN="$ROOT/tests/golden"

# in_case NAME: work in a fresh copy of tests/golden/NAME.
in_case() {
	cp -R "$GOLDEN/$1" "$BATS_TEST_TMPDIR/$1"
	cd "$BATS_TEST_TMPDIR/$1"
}

# sa ARGS...: run selfattn with the case's cmd plus ARGS; fail on a
# non-zero exit, showing what it printed.
sa() {
	# shellcheck disable=SC2046 # cmd is a word list on purpose
	run "$SA" $(cat cmd) "$@"
	if [ "$status" -ne 0 ]; then
		echo "selfattn $(cat cmd) $*: exit $status"
		echo "$output"
		return 1
	fi
}

# cmp12 GOT WANT: cmpmat to 1e-12 relative.
cmp12() {
	"$CMPMAT" -r 1e-12 "$1" "$2"
}

# golden NAME [weights]: run NAME's cmd writing CSV, then .npy, and
# compare output and (unless the second argument is "noweights") the
# attention weights with the expected files of the same format.
golden() {
	in_case "$1"
	sa -o out.csv -a w.csv
	cmp12 out.csv expect_out.csv
	[ "${2-}" = noweights ] || cmp12 w.csv expect_w.csv
	sa -o out.npy -a w.npy
	cmp12 out.npy expect_out.npy
	[ "${2-}" = noweights ] || cmp12 w.npy expect_w.npy
}

# numbers FILE: the numbers of a NumPy print or a CSV file, one a line.
numbers() {
	sed 's/^[^:[]*://' "$1" | tr -d '[]' | tr ', \t' '\n\n\n' |
	    grep -v '^$'
}

# printed_match: `-p 9` output agrees with every number NumPy printed
# (numpy_print.txt, 8 decimals by default).  Both are roundings of the
# same double x: NumPy's is within 0.5e-8 of x, the tool's 9 significant
# digits within half a unit of its 9th digit, 0.5 * 10^(floor(log10|x|)
# - 8).  For 1 <= |x| < 10 the two roundings are to the same 8th
# decimal and must denote the same number; elsewhere they may differ
# by at most the sum of the two half units.
printed_match() {
	sa -p 9 -o p9.csv
	numbers numpy_print.txt >np.txt
	numbers p9.csv >sa.txt
	echo "numpy printed: $(tr '\n' ' ' <np.txt)"
	echo "selfattn -p 9: $(tr '\n' ' ' <sa.txt)"
	[ "$(wc -l <np.txt)" -eq "$(wc -l <sa.txt)" ]
	[ "$(wc -l <np.txt)" -gt 0 ]
	paste -d ' ' np.txt sa.txt | awk '
	function fabs(v) { return v < 0 ? -v : v }
	function floor(v) { return v == int(v) ? v : (v < 0 ? int(v) - 1 : int(v)) }
	{
		a = $1 + 0; b = $2 + 0
		if (fabs(b) >= 1 && fabs(b) < 10) {
			if (a != b) {
				printf "value %d: numpy %s, selfattn %s\n", NR, $1, $2
				bad = 1
			}
			next
		}
		hb = b == 0 ? 0 : 0.5 * 10 ^ (floor(log(fabs(b)) / log(10)) - 8)
		tol = 0.5e-8 + hb + 1e-15 * fabs(b)
		if (fabs(a - b) > tol) {
			printf "value %d: numpy %s, selfattn %s, |diff| %g > %g\n",
			    NR, $1, $2, fabs(a - b), tol
			bad = 1
		}
	}
	END { exit bad }'
}

@test "golden: one head, default scale 1/sqrt(d_k), matches NumPy to 1e-12" {
	golden single
}

@test "golden: --scale none (raw dot products) matches NumPy to 1e-12" {
	golden single_unscaled
}

@test "golden: --scale 0.25 multiplies the scores by 0.25 as NumPy does" {
	golden scale_custom
}

@test "golden: 2 heads, no W^O (heads concatenated, n x H*dv) match NumPy to 1e-12" {
	golden mh2_nowo
}

@test "golden: 4 heads with W^O (8x5, output width 5) match NumPy to 1e-12" {
	golden mh4_wo
}

@test "golden: -Q/-K/-V with n != m, 3 heads and W^O match NumPy to 1e-12" {
	golden qkv_direct
}

@test "golden: scores ~1e4 (plain exp overflows) give finite weights as the max-subtracted softmax" {
	golden large_scores
}

@test "golden: .npy inputs (4 heads, W^O) match NumPy to 1e-12" {
	golden npy_inputs
}

@test "golden: 64x32 input, 4 heads, W^O 32x32 match NumPy to 1e-12; weight rows sum to 1" {
	golden wide noweights
	# The 4 x 64 x 64 weights are not stored; check their shape and
	# that every row sums to 1 (the text file has 4 blocks of 64 rows).
	awk -F, '
	NF == 0 { blank++; next }
	{
		rows++
		if (NF != 64) { print "row " NR " has " NF " columns"; bad = 1 }
		s = 0
		for (i = 1; i <= NF; i++) {
			if ($i < 0 || $i > 1) { print "weight " $i; bad = 1 }
			s += $i
		}
		if (s - 1 > 1e-12 || 1 - s > 1e-12) { print "row sum " s; bad = 1 }
	}
	END { if (rows != 256 || blank != 3) { print rows " rows"; bad = 1 }
	      exit bad }' w.csv
}

@test "golden: lesson self-attention (rand:3x3, --seed 42) matches NumPy to 1e-12" {
	golden lesson_self
}

@test "golden: lesson self-attention -p 9 agrees with NumPy's printed output (seed 42)" {
	in_case lesson_self
	printed_match
}

@test "golden: lesson self-attention with the default seed 0 matches NumPy to 1e-12" {
	golden lesson_self_seed0
}

@test "golden: lesson self-attention -p 9 agrees with NumPy's printed output (seed 0)" {
	in_case lesson_self_seed0
	printed_match
}

@test "golden: lesson attention (query 1x3, keys, values) matches NumPy to 1e-12" {
	golden lesson_qkv
}

@test "golden: lesson attention -p 9 agrees with NumPy's printed output" {
	in_case lesson_qkv
	printed_match
}

@test "golden: 150 queries x 300 keys (partial query and key blocks), 2 heads, W^O match NumPy to 1e-12" {
	in_case blocks
	sa -o out.npy
	cmp12 out.npy expect_out.npy
	sa -o out.csv -a w.csv
	cmp12 out.csv expect_out.npy
	# 2 blocks of 150 rows of 300 weights, each row summing to 1
	[ "$("$CATMAT" -s w.csv)" = "2x150x300" ]
	awk -F, 'NF { s = 0; for (i = 1; i <= NF; i++) s += $i
	    if (s < 1 - 1e-12 || s > 1 + 1e-12) { print NR ": " s; exit 1 } }' w.csv
}

@test "golden: weights across two key blocks (20 x 300) match NumPy to 1e-12" {
	in_case blocks_w
	sa -o out.npy -a w.npy
	cmp12 out.npy expect_out.npy
	cmp12 w.npy expect_w.npy
}

@test "golden: every thread count gives bit-identical output and weights" {
	in_case blocks
	sa -j 1 -o one.npy -a wone.npy
	for j in 2 3 7; do
		sa -j "$j" -o out.npy -a w.npy
		cmp one.npy out.npy
		cmp wone.npy w.npy
	done
	SELFATTN_THREADS=5 "$SA" $(cat cmd) -o env.npy
	cmp one.npy env.npy
}

@test "golden: every ISA level matches NumPy to 1e-12" {
	in_case blocks
	for isa in generic avx2 avx512; do
		SELFATTN_ISA=$isa "$SA" $(cat cmd) -o "$isa.npy"
		cmp12 "$isa.npy" expect_out.npy
	done
}

@test "golden: every case at every ISA level this CPU has matches NumPy to 1e-12" {
	isas=$("$ROOT/tests/tools/gemmcheck" isas)
	for dir in "$GOLDEN"/*/; do
		c=$(basename "$dir")
		[ -f "$dir/cmd" ] || continue
		in_case "$c"
		for isa in $isas; do
			set -- -o "out_$isa.npy"
			[ -f expect_w.npy ] && set -- "$@" -a "w_$isa.npy"
			# shellcheck disable=SC2046 # cmd is a word list on purpose
			SELFATTN_ISA=$isa "$SA" $(cat cmd) "$@" ||
			    { echo "$c at $isa: exit $?"; return 1; }
			cmp12 "out_$isa.npy" expect_out.npy ||
			    { echo "$c at $isa: output"; return 1; }
			if [ -f expect_w.npy ]; then
				cmp12 "w_$isa.npy" expect_w.npy ||
				    { echo "$c at $isa: weights"; return 1; }
			fi
		done
	done
}

@test "golden: --dtype f32 agrees with NumPy's float64 to 1e-5" {
	in_case blocks
	sa --dtype f32 -o out.npy -a w.npy
	"$CMPMAT" -r 1e-5 out.npy expect_out.npy
	sa --dtype f64 -o w64.npy
	cmp12 w64.npy expect_out.npy
	# and it is really single precision: not within 1e-12
	not "$CMPMAT" -r 1e-12 out.npy expect_out.npy 2>/dev/null
}

# nan_rows FILE: the 0-based rows of the CSV FILE whose every field is
# nan, as ranges "a-b" separated by spaces; fails if a row is partly nan.
nan_rows() {
	awk -F, '{ k = 0; for (i = 1; i <= NF; i++) k += ($i == "nan")
		if (k && k != NF) bad = 1
		if (k) { if (s == "") s = NR - 1; e = NR - 1 }
		else if (s != "") { out = out " " s "-" e; s = "" } }
	    END { if (bad) { print "partly nan"; exit 1 }
		if (s != "") out = out " " s "-" e; print substr(out, 2) }' "$1"
}

@test "golden: a NaN key reaches exactly the rows that see it, and a +inf score makes its row NaN (as PyTorch), at every level and type" {
	cd "$BATS_TEST_TMPDIR"
	# 700 keys (three key blocks; key 100 and 200 inside the vector
	# part of a row), 300 queries, causal: row i sees keys 0 .. i
	awk 'BEGIN { for (j = 0; j < 700; j++) { l = ""
		for (c = 0; c < 8; c++) l = l (c ? "," : "") sin(j * 7 + c * 3)
		print l } }' > K.csv
	awk 'BEGIN { for (i = 0; i < 300; i++) {
		l = (i % 2 ? -0.5 : 0.5)
		for (c = 1; c < 8; c++) l = l "," cos(i * 5 + c)
		print l } }' > Q.csv
	awk -F, 'NR == 101 { $4 = "nan" } { print }' OFS=, K.csv > Kn.csv
	awk -F, 'NR == 201 { $1 = "inf" } { print }' OFS=, K.csv > Ki.csv
	isas=$("$ROOT/tests/tools/gemmcheck" isas)
	for isa in $isas; do
		for t in f64 f32; do
			SELFATTN_ISA=$isa "$SA" -Q Q.csv -K Kn.csv -V randn:700x8 \
			    --seed 1 -c --dtype $t -o yn.csv -a wn.csv
			[ "$(nan_rows yn.csv)" = "100-299" ]
			# their weights are NaN in every column, the key
			# blocks they do not reach included (as PyTorch)
			[ "$(nan_rows wn.csv)" = "100-299" ]
			# key 200's score is +inf for even rows (exp(inf - inf)
			# is NaN) and -inf, weight 0, for odd ones
			SELFATTN_ISA=$isa "$SA" -Q Q.csv -K Ki.csv -V randn:700x8 \
			    --seed 1 -c --dtype $t -o yi.csv
			want=$(awk 'BEGIN { for (i = 200; i < 300; i += 2)
				printf "%s%d-%d", (i > 200 ? " " : ""), i, i }')
			[ "$(nan_rows yi.csv)" = "$want" ]
		done
	done
	# the same causal mask added as --bias with -inf: NaN + -inf is NaN,
	# every row (as PyTorch's math path, which adds its masks)
	awk 'BEGIN { for (i = 0; i < 300; i++) { l = ""
		for (j = 0; j < 700; j++) l = l (j ? "," : "") (j > i ? "-inf" : 0)
		print l } }' > bias.csv
	"$SA" -Q Q.csv -K Kn.csv -V randn:700x8 --seed 1 --bias bias.csv -o yb.csv
	[ "$(nan_rows yb.csv)" = "0-299" ]
}

@test "golden: a NaN or infinite value reaches exactly the rows that weigh its key, not those where it is hidden in the same key block (keys packed once, block by block, read in place), at every level and type" {
	cd "$BATS_TEST_TMPDIR"
	# value rows 100 (NaN; V.csv), 680 and 699 (+inf, -inf; V2.csv) of
	# 700; causal (bottom-right for fewer queries than keys): row i
	# sees keys up to i + m - n.  A hidden key of the same block of 256
	# has weight 0, which must add nothing (0·NaN is NaN)
	awk 'BEGIN { for (j = 0; j < 700; j++) { l = ""; r = ""
		for (c = 0; c < 8; c++) {
			x = sin(j * 3 + c)
			l = l (c ? "," : "") (j == 100 ? "nan" : x)
			r = r (c ? "," : "") (j == 680 ? "inf" : \
			    j == 699 ? "-inf" : x)
		}
		print l > "V.csv"; print r > "V2.csv" } }'
	run "$SA" --dry-run -Q randn:2x8 -K randn:700x8 -V V.csv -c
	echo "$output" | grep -q ', keys read in place$'
	run "$SA" --dry-run -Q randn:100x8 -K randn:700x8 -V V.csv -c
	echo "$output" | grep -q ', keys packed block by block$'
	run "$SA" --dry-run -Q randn:300x8 -K randn:700x8 -V V.csv -c
	echo "$output" | grep -q ', keys packed once$'
	isas=$("$ROOT/tests/tools/gemmcheck" isas)
	for isa in $isas; do
		for t in f64 f32; do
			for j in 1 2; do
				SELFATTN_ISA=$isa "$SA" -Q randn:300x8 \
				    -K randn:700x8 -V V.csv -c --dtype $t \
				    -j $j -o y.csv
				[ "$(nan_rows y.csv)" = "100-299" ]
				# rows 80.. see key 680 (inf), 99 also 699
				SELFATTN_ISA=$isa "$SA" -Q randn:100x8 \
				    -K randn:700x8 -V V2.csv -cbottom-right \
				    --dtype $t -j $j -o y.csv
				[ "$(nan_rows y.csv)" = "99-99" ]
				[ "$(awk -F, '$1 == "inf" { print NR - 1 }' \
				    y.csv | sed -n '1p;$p' | tr '\n' ' ')" = \
				    "80 98 " ]
				SELFATTN_ISA=$isa "$SA" -Q randn:2x8 \
				    -K randn:700x8 -V V2.csv -cbottom-right \
				    --dtype $t -j $j -o y.csv
				[ "$(nan_rows y.csv)" = "1-1" ]
				[ "$(sed -n 1p y.csv | cut -d, -f1)" = inf ]
			done
		done
	done
}

@test "golden: a NaN query makes its row of the weights NaN in every column, the scores kept or computed again, at every level and type" {
	cd "$BATS_TEST_TMPDIR"
	# 1000 queries (row 100 NaN) by 700 keys, causal: row 100 and its
	# query block reach only the first key block of 256.  Kept scores
	# for 300 queries, computed again for 1000 (--dry-run says which).
	awk 'BEGIN { for (i = 0; i < 1000; i++) { l = ""
		for (c = 0; c < 8; c++)
			l = l (c ? "," : "") (i == 100 && c == 3 ? "nan" : \
			    cos(i * 5 + c))
		print l } }' > Q.csv
	head -n 300 Q.csv > Q300.csv
	run "$SA" --dry-run -Q Q.csv -K randn:700x8 -V randn:700x8 -c -a w.csv
	echo "$output" | grep -q '^weights: scores again, '
	run "$SA" --dry-run -Q Q300.csv -K randn:700x8 -V randn:700x8 -c \
	    -a w.csv
	echo "$output" | grep -q '^weights: scores kept$'
	isas=$("$ROOT/tests/tools/gemmcheck" isas)
	for isa in $isas; do
		for t in f64 f32; do
			for q in Q Q300; do
				SELFATTN_ISA=$isa "$SA" -Q $q.csv \
				    -K randn:700x8 -V randn:700x8 -c \
				    --dtype $t -p 3 -o y.csv -a w.csv
				[ "$(nan_rows y.csv)" = "100-100" ]
				[ "$(nan_rows w.csv)" = "100-100" ]
			done
		done
	done
}

@test "golden: a row whose only key, or only key of a block, is NaN is NaN, at every level and type" {
	cd "$BATS_TEST_TMPDIR"
	# keys 100 and 256 NaN (256 the first of the second key block);
	# --window W: row i sees keys i-W .. i+W.  W 0: rows 100 and 256
	# see the NaN key alone (the block's other scores are -inf); W 1:
	# row 255 sees key 256 alone in its second block, after a first
	# block of finite scores
	awk 'BEGIN { for (j = 0; j < 700; j++) { l = ""
		for (c = 0; c < 8; c++) l = l (c ? "," : "") sin(j * 7 + c * 3)
		print l } }' | awk -F, 'NR == 101 || NR == 257 { $2 = "nan" }
	    { print }' OFS=, > Kn.csv
	isas=$("$ROOT/tests/tools/gemmcheck" isas)
	for isa in $isas; do
		for t in f64 f32; do
			SELFATTN_ISA=$isa "$SA" -Q randn:300x8 -K Kn.csv \
			    -V randn:700x8 --window 0 --dtype $t -o y0.csv
			[ "$(nan_rows y0.csv)" = "100-100 256-256" ]
			SELFATTN_ISA=$isa "$SA" -Q randn:300x8 -K Kn.csv \
			    -V randn:700x8 --window 1 --dtype $t -o y1.csv
			[ "$(nan_rows y1.csv)" = "99-101 255-257" ]
		done
	done
}
