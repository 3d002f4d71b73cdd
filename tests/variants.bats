#!/usr/bin/env bats
# The attention variants' options: every usage error (exit 2) and every
# shape or value error (exit 1), with the exact message.  Their results
# are checked against PyTorch in tests/torch.bats.

load helpers

mkqkv() {
	printf '1,0\n0,1\n' > Q.csv
	printf '1,0\n0,1\n1,1\n' > K.csv
	printf '10,0\n0,10\n5,5\n' > V.csv
}

B="-Q Q.csv -K K.csv -V V.csv"
X="-x rand:3x4 -q rand:4x4 -k rand:4x4 -v rand:4x4"

# usage_is MESSAGE: exit 2, MESSAGE then the synopsis on stderr.
usage_is() {
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: $1" ]
	[ "${lines[1]}" = "usage: selfattn -x X -q WQ -k WK -v WV [-w WO] [options]" ]
}

# data_is MESSAGE: exit 1 and exactly MESSAGE on stderr.
data_is() {
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: $1" ]
}

@test "variants usage: --causal takes top-left or bottom-right only" {
	mkqkv
	run "$SA" $B --causal=foo
	usage_is '--causal expects top-left or bottom-right, found "foo"'
	# -cH2: -c takes what is attached, the message says so
	run "$SA" $B -cH2
	usage_is '-c expects top-left or bottom-right attached, found "H2": for -c and another option write -c -H2'
	# a misspelt value is not taken for options
	run "$SA" $B -cbottom
	usage_is '-c expects top-left or bottom-right attached, found "bottom"'
}

@test "variants usage: --window takes W or L,R, distances >= 0" {
	mkqkv
	for bad in -1 x 1.5 -1,2 2,-1 1, ,1 1,2,3 "$(printf %040d 1),2"; do
		run "$SA" $B --window "$bad"
		usage_is "--window expects W or L,R, distances >= 0, found \"$bad\""
	done
}

@test "variants usage: --softcap takes a number > 0" {
	mkqkv
	for bad in 0 -1 x inf nan; do
		run "$SA" $B --softcap "$bad"
		usage_is "--softcap expects a number > 0, found \"$bad\""
	done
}

@test "variants usage: --alibi takes its slopes as --alibi=@FILE" {
	mkqkv
	run "$SA" $B --alibi=s.csv
	usage_is '--alibi takes slopes from a file as --alibi=@FILE, found "s.csv"'
	run "$SA" $B --alibi=@
	usage_is '--alibi takes slopes from a file as --alibi=@FILE, found "@"'
	run "$SA" $B --alibi @s.csv
	usage_is 'unexpected argument "@s.csv": write --alibi=@s.csv'
}

@test "variants usage: --qk-norm takes an epsilon >= 0; --q-norm and --k-norm need it" {
	mkqkv
	for bad in x -1 inf; do
		run "$SA" $B --qk-norm="$bad"
		usage_is "--qk-norm expects an epsilon >= 0, found \"$bad\""
	done
	run "$SA" $B --qk-norm 1e-5
	usage_is 'unexpected argument "1e-5": write --qk-norm=1e-5'
	run "$SA" $B --q-norm rand:2
	usage_is '--q-norm needs --qk-norm: its weights scale the normalised queries'
	run "$SA" $B --k-norm rand:2
	usage_is '--k-norm needs --qk-norm: its weights scale the normalised keys'
}

@test "variants data: --q-norm and --k-norm have one weight per column of a head" {
	mkqkv
	run "$SA" $B --qk-norm --q-norm rand:3
	data_is '--q-norm rand:3 is 3 but each query head has 2 columns'
	run "$SA" -Q rand:2x4 -K rand:3x4 -V rand:3x2 -H 2 --qk-norm --k-norm rand:4
	data_is '--k-norm rand:4 is 4 but each key head has 2 columns'
}

@test "variants: --qk-norm normalises projected queries and keys as given ones" {
	printf '1,2,0.5\n-1,0.25,3\n2,2,-2\n0,1,1\n' > x.csv
	printf '1,0,0\n0,1,0\n0,0,1\n' > i.csv
	printf '2,0.5,1\n' > qn.csv
	run "$SA" -x x.csv -q i.csv -k i.csv -v i.csv --qk-norm=0.01 --q-norm qn.csv -a w1.csv -o y1.csv
	[ "$status" -eq 0 ]
	run "$SA" -Q x.csv -K x.csv -V x.csv --qk-norm=0.01 --q-norm qn.csv -a w2.csv -o y2.csv
	[ "$status" -eq 0 ]
	cmp y1.csv y2.csv
	cmp w1.csv w2.csv
	# the input is not changed: without --qk-norm, other weights
	run "$SA" -Q x.csv -K x.csv -V x.csv -a w3.csv -o y3.csv
	not cmp -s w2.csv w3.csv
}

@test "variants data: --key-lengths and --query-lengths take B whole numbers within the sequence" {
	mkqkv
	run "$SA" $B --key-lengths rand:2
	data_is '--key-lengths rand:2 is 2 but there is 1 sequence: expected one length per sequence'
	printf '4\n' > k4.csv
	run "$SA" $B --key-lengths k4.csv
	data_is '--key-lengths k4.csv: expected a whole number of keys from 0 to 3, found 4 for sequence 0'
	printf '1.5\n' > k15.csv
	run "$SA" $B --key-lengths k15.csv
	data_is '--key-lengths k15.csv: expected a whole number of keys from 0 to 3, found 1.5 for sequence 0'
	printf -- '-1\n' > km.csv
	run "$SA" $B --query-lengths km.csv
	data_is '--query-lengths km.csv: expected a whole number of queries from 0 to 2, found -1 for sequence 0'
	printf '3\n' > q3.csv
	run "$SA" $B --query-lengths q3.csv
	data_is '--query-lengths q3.csv: expected a whole number of queries from 0 to 2, found 3 for sequence 0'
}

@test "variants: --key-lengths 0 leaves rows no key (warning); --query-lengths 0 gives zeros silently" {
	mkqkv
	printf '0\n' > z.csv
	run --separate-stderr "$SA" $B --key-lengths z.csv -o y.csv
	[ "$status" -eq 0 ]
	[ "$stderr" = "selfattn: warning: 2 query rows have every key masked: their output and weights are 0" ]
	run --separate-stderr "$SA" $B --query-lengths z.csv -o y.csv -a w.csv
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(cat y.csv)" = "$(printf '0,0\n0,0')" ]
}

@test "variants: a padding query's weights are zeros whatever its scores (a NaN or +inf one made them NaN)" {
	printf '1,0\n0,1\nnan,1\n' >Q.csv
	printf '1,2\n0,1\n-1,1\n' >K.csv
	printf '1,0\n0,1\n2,2\n' >V.csv
	printf '2\n' >len.csv
	printf '0,0,0\n0,0,0\n0,inf,0\n' >bias.csv
	for t in f64 f32; do
		"$SA" -Q Q.csv -K K.csv -V V.csv --query-lengths len.csv \
		    --dtype $t -o y.csv -a w.csv --lse l.csv
		[ "$(sed -n 3p y.csv)" = 0,0 ]
		[ "$(sed -n 3p w.csv)" = 0,0,0 ]
		[ "$(cut -d, -f3 l.csv)" = -inf ]
		# a +inf bias in the padding row, Q finite
		"$SA" -Q rand:3x2 -K K.csv -V V.csv --query-lengths len.csv \
		    --bias bias.csv --dtype $t -o /dev/null -a w.csv
		[ "$(sed -n 3p w.csv)" = 0,0,0 ]
	done
}

@test "variants: --query-padding: a left-padded batch's padding queries give zeros, LSE -inf and no warning; its other rows are the unpadded sequences'" {
	cd "$BATS_TEST_TMPDIR"
	# two sequences of 4 tokens, the first left-padded by 2 (as for
	# generation), the second whole: 1 = padding, for keys and queries
	printf '1,1,0,0\n0,0,0,0\n' >pad.csv
	printf '0.5,1,2\n1,0,1\n3,1,0\n2,2,1\n\n1,2,0\n0,1,1\n2,0,3\n1,1,1\n' >X.csv
	run --separate-stderr "$SA" -x X.csv -q rand:3x4 -k rand:3x4 -v rand:3x4 -c \
	    --key-padding pad.csv --query-padding pad.csv -o y.csv -a w.csv --lse l.csv
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(sed -n 1,2p y.csv)" = "$(printf '0,0,0,0\n0,0,0,0')" ]
	[ "$(sed -n 1,2p w.csv)" = "$(printf '0,0,0,0\n0,0,0,0')" ]
	[ "$(sed -n 1p l.csv | cut -d, -f1,2)" = "-inf,-inf" ]
	# without --query-padding: the same numbers, and the warning
	run --separate-stderr "$SA" -x X.csv -q rand:3x4 -k rand:3x4 -v rand:3x4 -c \
	    --key-padding pad.csv -o y2.csv
	[ "$stderr" = "selfattn: warning: 2 query rows have every key masked: their output and weights are 0" ]
	cmp y.csv y2.csv
	# the padded sequence's last rows are the unpadded sequence's
	sed -n 3,4p X.csv >X1.csv
	"$SA" -x X1.csv -q rand:3x4 -k rand:3x4 -v rand:3x4 -c -o y1.csv
	[ "$(sed -n 3,4p y.csv)" = "$(cat y1.csv)" ]
	# right padding: as --query-lengths, bit for bit
	printf '0,0,0,1\n0,0,1,1\n' >rpad.csv
	printf '3\n2\n' >len.csv
	"$SA" -x X.csv -q rand:3x4 -k rand:3x4 -v rand:3x4 --query-padding rpad.csv -o a.csv --lse la.csv
	"$SA" -x X.csv -q rand:3x4 -k rand:3x4 -v rand:3x4 --query-lengths len.csv -o b.csv --lse lb.csv
	cmp a.csv b.csv
	cmp la.csv lb.csv
	# and shown by --dry-run
	"$SA" --dry-run -x X.csv -q rand:3x4 -k rand:3x4 -v rand:3x4 --query-padding rpad.csv |
	    grep -qx 'masks: --query-padding rpad.csv'
}

@test "variants data: --query-padding takes n (or B x n) values of 0 or 1" {
	mkqkv
	run "$SA" $B --query-padding rand:1x3
	data_is '--query-padding rand:1x3 is 1x3 but there are 2 queries and one sequence: expected 2 values'
	printf '1\n' >one.csv
	run "$SA" $B --query-padding one.csv
	data_is '--query-padding one.csv is 1x1 but there are 2 queries and one sequence: expected 2 values'
	printf '0,0.5\n' >half.csv
	run "$SA" $B --query-padding half.csv
	data_is '--query-padding half.csv: expected 0 or 1 (1 = padding), found 0.5 at query 1'
	printf '0,1\n' >ok.csv
	run "$SA" $B --query-padding ok.csv
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "0,0" ]
}

@test "variants data: --alibi=@FILE and --sinks take one value per head" {
	mkqkv
	run "$SA" $B --alibi=@rand:2
	data_is '--alibi=@rand:2 is 2 but there is 1 head: expected one slope per head'
	# standard input named as given, "-" (its lines are <stdin>'s)
	run sh -c 'printf "1,2\n" | "$0" -Q rand:4x2 -K rand:4x2 -V rand:4x2 --alibi=@-' "$SA"
	data_is '--alibi=@- is 1x2 but there is 1 head: expected one slope per head'
	run sh -c 'printf "1\n" | "$0" -Q rand:4x2 -K rand:4x2 -V rand:4x2 --alibi=@- --dry-run' "$SA"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\ninput: --alibi=@- 1x1\n'* ]]
	run "$SA" $B -H 2 --sinks rand:3
	data_is '--sinks rand:3 is 3 but there are 2 heads: expected one sink logit per head'
	run "$SA" $B -H 2 --sinks rand:2x2
	data_is '--sinks rand:2x2 is 2x2: expected one row or one column of numbers'
}

@test "variants: --window W is --window W,W; --window L,R with -c is --window L,0 with -c" {
	mkqkv
	run "$SA" -Q rand:6x4 -K rand:6x4 -V rand:6x2 --window 2 -a w1.csv -o y1.csv
	[ "$status" -eq 0 ]
	run "$SA" -Q rand:6x4 -K rand:6x4 -V rand:6x2 --window 2,2 -a w2.csv -o y2.csv
	[ "$status" -eq 0 ]
	cmp y1.csv y2.csv
	cmp w1.csv w2.csv
	run "$SA" -Q rand:6x4 -K rand:6x4 -V rand:6x2 -c --window 2,3 -a w1.csv -o y1.csv
	[ "$status" -eq 0 ]
	run "$SA" -Q rand:6x4 -K rand:6x4 -V rand:6x2 -c --window 2,0 -a w2.csv -o y2.csv
	[ "$status" -eq 0 ]
	cmp y1.csv y2.csv
	cmp w1.csv w2.csv
	[ "$(sed -n 4p w1.csv | cut -d, -f1,5,6)" = "0,0,0" ]
}

@test "variants: --window over several query and key blocks is the band --mask, bit for bit" {
	# the window skips the key blocks outside it; the mask computes
	# them all: 300 queries cross a query block (144) and key blocks
	# (256), and W = 33 puts a block's first key at a window's edge
	for spec in 33 33,5 7,40; do
		awk -v L="${spec%,*}" -v R="${spec#*,}" 'BEGIN {
		    for (i = 0; i < 300; i++) { s = ""
		    for (j = 0; j < 300; j++) s = s (j ? "," : "") \
			((i - j <= L && j - i <= R) ? 1 : 0)
		    print s } }' > band.csv
		"$SA" -j 1 -Q randn:300x4 -K randn:300x4 -V randn:300x4 \
		    --seed 5 --window "$spec" -o yw.npy -a ww.npy
		"$SA" -j 1 -Q randn:300x4 -K randn:300x4 -V randn:300x4 \
		    --seed 5 --mask band.csv -o ym.npy -a wm.npy
		cmp yw.npy ym.npy
		cmp ww.npy wm.npy
	done
}

@test "variants: padding keys at either end, across key blocks, are skipped, with the bytes of the -inf --bias that computes them" {
	# keys 0 .. 299 and 600 .. 699 padding: blocks 0 and 2 partly,
	# block 1 wholly; the same as the key range 300:600, and as a
	# -inf --bias, which is never skipped
	awk 'BEGIN { for (j = 0; j < 700; j++) print (j < 300 || j >= 600) }' \
	    > kp.csv
	awk 'BEGIN { for (j = 0; j < 700; j++)
	    print (j < 300 || j >= 600) ? "-inf" : 0 }' | paste -sd, - > kb.csv
	local a="-Q randn:50x8 -K randn:700x8 -V randn:700x8"
	for j in 1 2; do
		"$SA" -j $j $a --key-padding kp.csv -o yp.npy --lse lp.npy \
		    -a wp.npy
		"$SA" -j $j $a --bias kb.csv -o yb.npy --lse lb.npy -a wb.npy
		"$SA" -j $j $a --key-range 300:600 -o yr.npy --lse lr.npy
		cmp yp.npy yb.npy
		cmp lp.npy lb.npy
		cmp wp.npy wb.npy
		cmp yp.npy yr.npy
		cmp lp.npy lr.npy
	done
}

@test "variants: key blocks that --mask hides from every row of a block are skipped, with the bytes of the blocks computed" {
	# a causal matrix is -c, bit for bit; a mask that hides keys
	# 256 .. 511 (a whole key block) and those past i + 100 is the
	# same -inf --bias, which is never skipped (a NaN score plus -inf
	# is NaN)
	awk 'BEGIN { for (i = 0; i < 600; i++) { s = ""
	    for (j = 0; j < 600; j++) s = s (j ? "," : "") (j <= i ? 1 : 0)
	    print s } }' > tril.csv
	"$SA" -Q randn:600x8 -K randn:600x8 -V randn:600x8 --mask tril.csv \
	    -o ym.npy -a wm.npy --lse lm.npy
	"$SA" -Q randn:600x8 -K randn:600x8 -V randn:600x8 -c \
	    -o yc.npy -a wc.npy --lse lc.npy
	cmp ym.npy yc.npy
	cmp wm.npy wc.npy
	cmp lm.npy lc.npy
	awk 'BEGIN { for (i = 0; i < 600; i++) { s = ""
	    for (j = 0; j < 700; j++) s = s (j ? "," : "") \
		((j <= i + 100 && (j < 256 || j >= 512)) ? 1 : 0)
	    print s } }' > mk.csv
	awk -F, 'BEGIN { OFS = "," }
	    { for (j = 1; j <= NF; j++) $j = $j == 1 ? 0 : "-inf"; print }' \
	    mk.csv > bias.csv
	for j in 1 2; do
		"$SA" -j $j -Q randn:600x8 -K randn:700x8 -V randn:700x8 \
		    --mask mk.csv -o ym.npy -a wm.npy
		"$SA" -j $j -Q randn:600x8 -K randn:700x8 -V randn:700x8 \
		    --bias bias.csv -o yb.npy -a wb.npy
		cmp ym.npy yb.npy
		cmp wm.npy wb.npy
	done
}

@test "variants: the keys past a block's last visible one are not computed (-c, --window, --key-range): the bytes of the same --mask" {
	# block() cuts a key block at the last key the causal or window
	# mask or the key range leaves to any row of its query block
	# (rounded up to 8); a --mask hides keys one by one and keeps the
	# blocks whole: the same Y and LSE, bit for bit, at any -j, in
	# double and float (600 queries: blocks of 144 rows end inside
	# key blocks of 256)
	mk() {	# mk FILE 'visible(i, j)'
		awk "BEGIN { for (i = 0; i < 600; i++) { s = \"\"
		    for (j = 0; j < 700; j++) s = s (j ? \",\" : \"\") \
			(($2) ? 1 : 0)
		    print s } }" > "$1"
	}
	mk c.csv 'j <= i'
	mk w.csv 'j >= i - 40 && j <= i + 70'
	mk r.csv 'j >= 100 && j < 451 && j >= i - 300 && j <= i'
	a="-Q randn:600x16 -K randn:700x16 -V randn:700x16 -H 2"
	for t in f64 f32; do
		for j in 1 2; do
			for m in '-c:c.csv' '--window 40,70:w.csv' \
			    '-c --window 300 --key-range 100:451:r.csv'; do
				"$SA" $a --dtype $t -j $j ${m%:*} -o y1.npy \
				    --lse l1.npy
				"$SA" $a --dtype $t -j $j --mask "${m##*:}" \
				    -o y2.npy --lse l2.npy
				cmp y1.npy y2.npy
				cmp l1.npy l2.npy
			done
		done
	done
}

@test "variants: --sinks: rows sum to less than 1, a fully masked row is zeros without a warning, its LSE the sink" {
	mkqkv
	printf '0,0,0\n1,1,1\n' > m.csv
	printf '0.5\n' > s.csv
	run --separate-stderr "$SA" $B --mask m.csv --sinks s.csv -a w.csv --lse l.csv -o y.csv
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(head -1 y.csv)" = "0,0" ]
	[ "$(head -1 w.csv)" = "0,0,0" ]
	[ "$(cut -d, -f1 l.csv)" = "0.5" ]
	awk -F, 'NR == 2 { s = $1 + $2 + $3; exit !(s > 0.1 && s < 0.99) }' w.csv
}

@test "variants: --sinks: a sink that takes the whole weight leaves Y +0, as PyTorch, not -0" {
	printf '1,2\n3,4\n0,1\n' > q.csv
	printf '1,0\n0,1\n1,1\n' > k.csv
	printf -- '-1,2\n-3,-4\n-5,6\n' > v.csv
	for s in 800 1e300; do
		printf '%s\n' $s > s.csv
		run "$SA" -Q q.csv -K k.csv -V v.csv --sinks s.csv
		[ "$status" -eq 0 ]
		[ "$output" = "$(printf '0,0\n0,0\n0,0')" ]
	done
	"$SA" -Q q.csv -K k.csv -V v.csv --sinks s.csv -o y.npy
	[ "$(od -v -An -tx1 -j128 y.npy | tr -d ' \n')" = "$(printf '%096d' 0)" ]
}

@test "variants: --sinks: a NaN value whose weight is 0 against the sink reaches Y, as PyTorch; 0 against a larger key's score, it does not" {
	printf '1\n' >q.csv
	printf '0\n' >k.csv
	printf 'nan\n' >v.csv
	printf '1000\n' >s.csv
	run --separate-stderr "$SA" -Q q.csv -K k.csv -V v.csv --sinks s.csv \
	    -o - -a w.csv
	[ "$status" -eq 0 ]
	[ "$output" = nan ]
	[ "$(cat w.csv)" = 0 ]
	# the manual's rule: weight 0 against the running maximum of scores
	printf '0\n-1000\n' >k2.csv
	printf '1\nnan\n' >v2.csv
	run "$SA" -Q q.csv -K k2.csv -V v2.csv -s 1 -o - -a w.csv
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	[ "$(cat w.csv)" = "1,0" ]
}

@test "variants: a --mask or --bias of one query row applies to every query, bit for bit as the rows written out" {
	# 300 queries (three blocks), 50 keys; a (1, m) row and its (n, m)
	row=$(awk 'BEGIN { for (j = 0; j < 50; j++) printf "%s%d", j ? "," : "", j % 3 != 1; print "" }')
	brow=$(awk 'BEGIN { for (j = 0; j < 50; j++) printf "%s%g", j ? "," : "", -j / 7; print "" }')
	printf '%s\n' "$row" > m1.csv
	printf '%s\n' "$brow" > b1.csv
	for i in $(seq 300); do echo "$row"; done > mn.csv
	for i in $(seq 300); do echo "$brow"; done > bn.csv
	a="-Q randn:300x8 -K randn:50x8 -V randn:50x4 -H 2"
	for o in "" "--query-range 100:250" "-c --window 20"; do
		"$SA" $a $o --mask m1.csv --bias b1.csv -a w1.npy -o y1.npy --lse l1.npy -j 2
		"$SA" $a $o --mask mn.csv --bias bn.csv -a wn.npy -o yn.npy --lse ln.npy -j 1
		cmp y1.npy yn.npy
		cmp w1.npy wn.npy
		cmp l1.npy ln.npy
	done
	# the rows are not all alike: the mask hides every third key
	"$SA" $a -o y0.npy
	not cmp -s y0.npy yn.npy
	# a 1-D .npy mask is that one row, as PyTorch broadcasts it
	{
		"$ROOT/tests/tools/npyhdr" 50
		for j in $(seq 0 49); do
			if [ $((j % 3)) -ne 1 ]; then
				printf '\000\000\000\000\000\000\360\077'
			else
				printf '\000\000\000\000\000\000\000\000'
			fi
		done
	} > m1d.npy
	"$SA" $a --mask m1d.npy --bias b1.csv -a w1.npy -o y1.npy -j 2
	"$SA" $a --mask mn.csv --bias bn.csv -a wn.npy -o yn.npy
	cmp y1.npy yn.npy
	cmp w1.npy wn.npy
	# a row count other than 1 or n is still refused
	head -2 mn.csv > m2.csv
	run "$SA" $a --mask m2.csv
	data_is '--mask m2.csv is 2x50 but the scores are 300x50 (queries x keys)'
}

@test "variants: a --mask or --bias of one key column applies to every key, bit for bit as the columns written out" {
	# 300 queries (three blocks), 600 keys (three key blocks); an (n, 1)
	# column and its (n, m)
	awk 'BEGIN { for (i = 0; i < 300; i++) print i % 5 != 2 }' > m1.csv
	awk 'BEGIN { for (i = 0; i < 300; i++) print i % 7 == 3 ? "-inf" : -i / 7 }' > b1.csv
	for f in m b; do
		awk '{ for (j = 0; j < 600; j++) printf "%s%s", j ? "," : "", $1; print "" }' $f"1.csv" > $f"n.csv"
	done
	a="-Q randn:300x8 -K randn:600x8 -V randn:600x4 -H 2"
	for o in "" "--query-range 100:250" "-c --window 20"; do
		"$SA" $a $o --mask m1.csv --bias b1.csv -a w1.npy -o y1.npy --lse l1.npy -j 2 2> e1
		"$SA" $a $o --mask mn.csv --bias bn.csv -a wn.npy -o yn.npy --lse ln.npy -j 1 2> en
		cmp y1.npy yn.npy
		cmp w1.npy wn.npy
		cmp l1.npy ln.npy
		cmp e1 en
	done
	grep -q 'every key masked' e1
	# a column count other than 1 or m is still refused
	cut -d, -f1-2 mn.csv > m2.csv
	run "$SA" $a --mask m2.csv
	data_is '--mask m2.csv is 300x2 but the scores are 300x600 (queries x keys)'
	# a row of n, whose transpose, a column, would fit
	tr '\n' , < m1.csv | sed 's/,$//' > mrow.csv
	run "$SA" $a --mask mrow.csv
	data_is '--mask mrow.csv is 1x300 but the scores are 300x600 (queries x keys); its transpose would fit'
	# a value other than 0 or 1 is named by its query and key 0
	sed '4s/.*/2/' m1.csv > m3.csv
	run "$SA" $a --mask m3.csv
	data_is '--mask m3.csv: expected 0 or 1 (1 = may attend), found 2 at query 3, key 0: give values added to the scores with --bias'
}

@test "variants: --sinks: a +inf sink makes the row NaN in Y as in the weights (Y was 0), its LSE +inf, as PyTorch's softmax over [scores, sink]" {
	mkqkv
	printf 'inf\n' > s.csv
	printf '0,0,0\n1,1,1\n' > m.csv
	for dt in f64 f32; do
		for mk in "" "--mask m.csv"; do
			"$SA" $B $mk --sinks s.csv --dtype $dt -a w.csv --lse l.csv -o y.csv
			[ "$(cat y.csv)" = "$(printf 'nan,nan\nnan,nan')" ]
			[ "$(cat w.csv)" = "$(printf 'nan,nan,nan\nnan,nan,nan')" ]
			[ "$(cat l.csv)" = "inf,inf" ]
		done
	done
}

@test "variants: --sinks with --key-range: only the shard of key 0 adds the sink, and --merge gives the whole" {
	run "$SA" -Q rand:3x4 -K rand:9x4 -V rand:9x2 -H 2 --sinks rand:2 -o y.npy --lse l.npy
	[ "$status" -eq 0 ]
	run "$SA" -Q rand:3x4 -K rand:9x4 -V rand:9x2 -H 2 --sinks rand:2 --key-range 0:4 -o y1.npy --lse l1.npy
	[ "$status" -eq 0 ]
	run "$SA" -Q rand:3x4 -K rand:9x4 -V rand:9x2 -H 2 --sinks rand:2 --key-range 4:9 -o y2.npy --lse l2.npy
	[ "$status" -eq 0 ]
	run "$SA" -Q rand:3x4 -K rand:9x4 -V rand:9x2 -H 2 --key-range 4:9 -o y3.npy --lse l3.npy
	[ "$status" -eq 0 ]
	cmp y2.npy y3.npy
	cmp l2.npy l3.npy
	run "$SA" --merge -o ym.npy --lse lm.npy y1.npy l1.npy y2.npy l2.npy
	[ "$status" -eq 0 ]
	"$CMPMAT" -r 1e-14 ym.npy y.npy
	"$CMPMAT" -r 1e-14 lm.npy l.npy
}

@test "variants usage: --layout takes row or torch" {
	mkqkv
	run "$SA" $B --layout foo
	usage_is '--layout expects row or torch, found "foo"'
}

@test "variants usage: --pos takes sinusoidal" {
	run "$SA" $X --pos foo
	usage_is '--pos expects sinusoidal, found "foo"'
}

@test "variants usage: --rope takes a base > 1" {
	mkqkv
	for bad in x 1 -5 inf @; do
		run "$SA" $B --rope="$bad"
		usage_is "--rope expects a base > 1 or @FILE, found \"$bad\""
	done
	# frequencies from a file: once, as a file's name
	run "$SA" $B --rope=@rand:1 --rope
	usage_is 'option --rope given twice'
	run "$SA" $B --rope --rope=@rand:1
	usage_is 'option --rope given twice'
}

@test "variants usage: --score takes dot, general or additive" {
	mkqkv
	run "$SA" $B --score foo
	usage_is '--score expects dot, general or additive, found "foo"'
}

@test "variants usage: --kv-heads takes a count >= 1" {
	mkqkv
	run "$SA" $B --kv-heads 0
	usage_is '--kv-heads expects a number of heads >= 1, found "0"'
}

@test "variants: --in-proj-bias with -q -k -v is --bq, --bk, --bv one after another" {
	w="-x randn:3x4 -q randn:4x4 -k randn:4x2 -v randn:4x6 -H 2 --kv-heads 1"
	printf '%s\n' 1 2 3 4 >bq.csv; printf '%s\n' 5 6 >bk.csv
	printf '%s\n' 7 8 9 10 11 12 >bv.csv
	cat bq.csv bk.csv bv.csv >b.csv
	"$SA" $w --bq bq.csv --bk bk.csv --bv bv.csv >split.csv
	"$SA" $w --in-proj-bias b.csv >packed.csv
	cmp split.csv packed.csv
	# and not a bias of the queries alone
	"$SA" $w --bq bq.csv >q.csv
	not cmp -s q.csv packed.csv
}

@test "variants usage: with --dtype f32, -s, --softcap and --sinks must be within float's range (they were inf, and every output NaN)" {
	# the value as given, the limits in digits that tell them apart
	# (3.4028236e38 came out "3.40282e+38", as the limit did)
	run "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 -s 1e39 --dtype f32
	usage_is "-s expects a number in the range of float, which --dtype f32 computes in (3.4028234663852886e+38 at most in magnitude), found \"1e39\""
	run "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 -s -3.4028236e38 --dtype f32
	usage_is "-s expects a number in the range of float, which --dtype f32 computes in (3.4028234663852886e+38 at most in magnitude), found \"-3.4028236e38\""
	"$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 -s 3.4028235e38 --dtype f32 >/dev/null
	# named as written: --scale, or a start of it
	run "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 --sca=1e39 --dtype f32
	usage_is "--scale expects a number in the range of float, which --dtype f32 computes in (3.4028234663852886e+38 at most in magnitude), found \"1e39\""
	run "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 --softcap 1e39 --dtype f32
	usage_is "--softcap expects a number in the range of float, which --dtype f32 computes in (1.401298464324817e-45 to 3.4028234663852886e+38), found \"1e39\""
	run "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 --softcap 1e-46 --dtype f32
	usage_is "--softcap expects a number in the range of float, which --dtype f32 computes in (1.401298464324817e-45 to 3.4028234663852886e+38), found \"1e-46\""
	# a sink logit float cannot hold: a data error (Y was NaN), in a
	# dry run too
	printf '1e39\n' >sk.csv
	for d in "" --dry-run; do
		run "$SA" $d -Q rand:2x2 -K rand:2x2 -V rand:2x2 --sinks sk.csv --dtype f32
		data_is "--sinks sk.csv: 1e+39 (head 0) is beyond the range of float, which --dtype f32 computes in"
	done
	# (in digits that read back to it, not 3.40282e+38)
	printf '0\n3.4028236e38\n' >sk2.csv
	run "$SA" -Q rand:2x4 -K rand:2x4 -V rand:2x4 -H 2 --sinks sk2.csv --dtype f32
	data_is "--sinks sk2.csv: 3.4028236e+38 (head 1) is beyond the range of float, which --dtype f32 computes in"
	"$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 --sinks sk.csv >/dev/null
	# in double they are numbers: a huge cap is no cap
	"$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 --softcap 1e39 >cap.csv
	"$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 >plain.csv
	cmp cap.csv plain.csv
}

@test "variants: an infinite ALiBi slope (given, or a float's overflow) leaves each query its own key, not NaN (inf·0 on the diagonal)" {
	# 3 keys, and 20: the diagonal inside the vectors of every level
	# (16 floats at AVX-512), not only in the keys after them
	for n in 3 20; do
		awk -v n=$n 'BEGIN { for (i = 1; i <= n; i++) print i "," 0 - i }' >a.csv
		awk -v n=$n 'BEGIN { for (i = 0; i < n; i++) { r = "";
		    for (j = 0; j < n; j++) r = r (j ? "," : "") (i == j);
		    print r } }' >eye.csv
		for s in inf 1e39; do
			printf '%s\n' "$s" >sl.csv
			for dt in f64 f32; do
				"$SA" -Q a.csv -K a.csv -V a.csv --alibi=@sl.csv \
				    --dtype $dt -o y.csv -a w.csv
				cmp y.csv a.csv
				cmp w.csv eye.csv
			done
		done
	done
}

@test "variants usage: --bo needs -w (it was ignored without one)" {
	run "$SA" -x rand:3x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 --bo rand:4
	usage_is "--bo needs -w: it is the output projection's bias (out_proj.bias)"
	run "$SA" -x rand:3x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 -w rand:4x2 \
	    --bo rand:2
	[ "$status" -eq 0 ]
}

@test "variants usage: --layout torch needs a weight file; the last --layout counts" {
	q="-Q randn:3x4 -K randn:5x4 -V randn:5x2"
	run "$SA" $q --layout torch
	usage_is "--layout torch needs a weight file (-q, -k, -v, -w, --in-proj, or --wa and --ua of additive scores): it says how they are stored"
	# general scores read Wa (dq x dk) as it is, in either layout
	printf '1,0,0,0\n0,1,0,0\n0,0,1,0\n0,0,0,1\n' >wa.csv
	run "$SA" $q --score general --wa wa.csv --layout torch
	usage_is "--layout torch needs a weight file (-q, -k, -v, -w, --in-proj, or --wa and --ua of additive scores): it says how they are stored"
	"$SA" $q >plain.csv
	"$SA" $q --layout torch --layout row >row.csv
	cmp plain.csv row.csv
	# with a weight file it applies: -w 3x2 is out x in under torch
	"$SA" $q --layout torch -w randn:3x2 >t.csv
	run "$SA" $q --layout torch --layout row -w randn:3x2
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "selfattn: -w (WO) randn:3x2 is 3x2 but the attention output has 2 columns (1 head of 2); its transpose would fit: give --layout torch if the weights are stored out x in, as PyTorch stores them (it applies to every weight), else transpose this one" ]
}

@test "variants usage: --kv-heads G < H conflicts with --in-proj" {
	run "$SA" -x rand:3x4 --in-proj rand:12x4 --layout torch -H 2 --kv-heads 1
	usage_is '--kv-heads conflicts with --in-proj: its keys and values have as many heads as its queries'
	run "$SA" -x rand:3x4 --in-proj rand:12x4 --layout torch -H 2 --kv-heads 2 -o /dev/null
	[ "$status" -eq 0 ]
}

@test "variants usage: --in-proj needs --layout torch" {
	run "$SA" -x rand:3x4 --in-proj rand:12x4
	usage_is "--in-proj takes PyTorch's in_proj_weight (3E x E): give --layout torch too"
}

@test "variants usage: --in-proj conflicts with -q, -k and -v" {
	for w in -q -k -v; do
		run "$SA" -x rand:3x4 --layout torch --in-proj rand:12x4 "$w" rand:4x4
		usage_is "--in-proj conflicts with $w: give one or the other"
	done
}

@test "variants usage: --in-proj-bias conflicts with --bq, --bk and --bv" {
	for b in --bq --bk --bv; do
		run "$SA" -x rand:3x4 --layout torch --in-proj rand:12x4 \
		    --in-proj-bias rand:12 "$b" rand:4
		usage_is "--in-proj-bias conflicts with $b: give one or the other"
	done
}

@test "variants usage: projection options conflict with -Q, -K, -V" {
	mkqkv
	for o in --memory --bq --bk --bv; do
		run "$SA" $B "$o" rand:2
		usage_is "$o conflicts with -Q: give one or the other (-x, -q, -k, -v: X and the weights WQ, WK, WV; -Q, -K, -V: the queries, keys and values themselves)"
	done
	run "$SA" $B --pos sinusoidal
	usage_is '--pos conflicts with -Q: the position encoding is added to -x'
}

@test "variants usage: --average-weights needs -a" {
	mkqkv
	run "$SA" $B --average-weights
	usage_is '--average-weights needs -a, --heatmap or --show: it averages the weights written or drawn'
}

@test "variants usage: the score matrices go with their --score" {
	mkqkv
	run "$SA" $B --wa rand:2x2
	usage_is '--wa goes with --score general or additive'
	run "$SA" $B --score general --wa rand:2x2 --ua rand:2x2
	usage_is '--ua goes with --score additive'
	run "$SA" $B --va rand:2
	usage_is '--va goes with --score additive'
	run "$SA" $B --score general
	usage_is '--score general needs --wa'
	run "$SA" $B --score additive --wa rand:2x3 --va rand:3
	usage_is '--score additive needs --wa, --ua and --va: --ua is missing'
}

@test "variants data: --key-padding must be 0 or 1, one per key" {
	mkqkv
	printf '0,1,2\n' > kp.csv
	run "$SA" $B --key-padding kp.csv
	data_is '--key-padding kp.csv: expected 0 or 1 (1 = padding), found 2 at key 2: give values added to the scores with --bias, shaped (1, m)'
	# which does what the message says
	printf '0,0,-inf\n' > kb.csv
	run "$SA" $B --bias kb.csv -a - -o /dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]##*,}" = 0 ]
	[ "${lines[1]##*,}" = 0 ]
	[ "${lines[0]%%,*}" != 0 ]
	# (B, m): the sequence too
	printf '0,0,0\n0,2,0\n' > kp2.csv
	"$SA" -Q randn:3x4 -K randn:3x4 -V randn:3x4 -H 2 -o /dev/null -a x3.npy
	run "$SA" -x x3.npy -q randn:3x4 -k randn:3x4 -v randn:3x4 --key-padding kp2.csv
	data_is '--key-padding kp2.csv: expected 0 or 1 (1 = padding), found 2 at sequence 1, key 1: give values added to the scores with --bias, shaped (B, 1, 1, m)'
	run "$SA" $B --key-padding rand:4
	data_is '--key-padding rand:4 is 4 but there are 3 keys and one sequence: expected 3 values'
	run "$SA" $B --key-padding rand:2x1
	data_is '--key-padding rand:2x1 is 2x1 but there are 3 keys and one sequence: expected 3 values'
	run "$SA" -Q rand:2x4 -K rand:1x4 -V rand:1x4 --key-padding rand:2
	data_is '--key-padding rand:2 is 2 but there is 1 key and one sequence: expected 1 value'
}

@test "variants data: --mask must be queries x keys" {
	mkqkv
	printf '1,0\n' > m.csv
	run "$SA" $B --mask m.csv
	data_is '--mask m.csv is 1x2 but the scores are 2x3 (queries x keys); its transpose would fit'
	run "$SA" $B --mask rand:3x2
	data_is '--mask rand:3x2 is 3x2 but the scores are 2x3 (queries x keys); its transpose would fit'
}

@test "variants data: --mask takes 0 and 1 only, and names the position of any other value" {
	mkqkv
	printf '1,0,1\n1,-inf,0\n' > m.csv
	run "$SA" $B --mask m.csv
	data_is '--mask m.csv: expected 0 or 1 (1 = may attend), found -inf at query 1, key 1: give values added to the scores with --bias'
	printf '1,1,1\n1,1,1\n\n1,1,1\n1,0.5,1\n' > m3.csv
	run "$SA" $B -H 2 --mask m3.csv
	data_is '--mask m3.csv: expected 0 or 1 (1 = may attend), found 0.5 at head 1, query 1, key 1: give values added to the scores with --bias'
	run "$SA" $B --mask rand:2x3
	[ "$status" -eq 1 ]
	[[ "$output" == "selfattn: --mask rand:2x3: expected 0 or 1 (1 = may attend), found "*" at query 0, key 0: give values added to the scores with --bias" ]]
	# (B, H, n, m): 0.5 at [1, 0, 1, 1], element 11 of 16
	{
		npy_v1 '(2, 2, 2, 2)'
		for i in $(seq 0 15); do
			if [ "$i" -eq 11 ]; then
				printf '\0\0\0\0\0\0\340\077'
			else
				printf '\0\0\0\0\0\0\360\077'
			fi
		done
	} > m4.npy
	printf '1 2 3 4\n5 6 7 8\n\n1 0 1 0\n0 1 0 1\n' > x3.txt
	run "$SA" -x x3.txt -q rand:4x4 -k rand:4x4 -v rand:4x4 -H 2 --mask m4.npy
	data_is '--mask m4.npy: expected 0 or 1 (1 = may attend), found 0.5 at sequence 1, head 0, query 1, key 1: give values added to the scores with --bias'
}

@test "variants: a .npy --mask of bools is the same mask as 0/1 text, and as a --bias of 0 and -inf" {
	mkqkv
	cp "$ROOT/tests/data/npy/b1_c.npy" m.npy
	printf '1,0,1\n1,0,0\n' > m.csv
	printf '0,-inf,0\n0,-inf,-inf\n' > b.csv
	run "$SA" $B --mask m.npy -a w1.csv -o y1.csv
	[ "$status" -eq 0 ]
	run "$SA" $B --mask m.csv -a w2.csv -o y2.csv
	[ "$status" -eq 0 ]
	run "$SA" $B --bias b.csv -a w3.csv -o y3.csv
	[ "$status" -eq 0 ]
	cmp y1.csv y2.csv
	cmp y1.csv y3.csv
	cmp w1.csv w2.csv
	cmp w1.csv w3.csv
	[ "$(sed -n 2p w1.csv)" = "1,0,0" ]
}

@test "variants: a .npy --mask of bools, or of 0 and 1, is held as bytes, any nonzero boolean true (as numpy reads it), from a file, a pipe or in Fortran order; --dry-run counts a byte a key" {
	mkqkv
	printf '1,0,1\n1,0,0\n' > m.csv
	{ "$ROOT/tests/tools/npyhdr" -t '|b1' 2 3; printf '\001\000\002\377\000\000'; } > b.npy
	{ "$ROOT/tests/tools/npyhdr" -t '|u1' 2 3; printf '\001\000\001\001\000\000'; } > u.npy
	{ "$ROOT/tests/tools/npyhdr" -t '>i2' 2 3; printf '\000\001\000\000\000\001\000\001\000\000\000\000'; } > i.npy
	run "$SA" $B --mask m.csv -a w1.csv -o y1.csv
	[ "$status" -eq 0 ]
	for m in b.npy u.npy i.npy "$ROOT/tests/data/npy/b1_f.npy"; do
		run "$SA" $B --mask "$m" -a w2.csv -o y2.csv
		[ "$status" -eq 0 ]
		cmp y1.csv y2.csv
		cmp w1.csv w2.csv
	done
	"$SA" $B --mask - -a w3.csv -o y3.csv < b.npy
	cmp y1.csv y3.csv
	cmp w1.csv w3.csv
	# Q, K, V: 16 doubles, 128 bytes; the mask 6 bytes, from any .npy;
	# text is read as 6 doubles, then copied to bytes
	for m in b.npy u.npy i.npy; do
		run "$SA" --dry-run $B --mask $m
		[ "$status" -eq 0 ]
		[[ "$output" == *"peak: inputs 134 B, derived 0 B,"* ]]
	done
	run "$SA" --dry-run $B --mask m.csv
	[ "$status" -eq 0 ]
	[[ "$output" == *"peak: inputs 176 B, derived 6 B,"* ]]
	# a uint8 of 2, an int16 of -1, are no booleans (from a pipe too)
	{ "$ROOT/tests/tools/npyhdr" -t '|u1' 2 3; printf '\001\000\002\001\000\000'; } > u2.npy
	run "$SA" $B --mask u2.npy
	data_is '--mask u2.npy: expected 0 or 1 (1 = may attend), found 2 at query 0, key 2: give values added to the scores with --bias'
	{ "$ROOT/tests/tools/npyhdr" -t '<i2' 2 3; printf '\001\000\000\000\001\000\001\000\000\000\377\377'; } > i2.npy
	run "$SA" $B --mask - < i2.npy
	data_is '--mask <stdin>: expected 0 or 1 (1 = may attend), found -1 at query 1, key 2: give values added to the scores with --bias'
}

@test "variants data: --bias has the shapes of --mask" {
	mkqkv
	run "$SA" $B --bias rand:3x2
	data_is '--bias rand:3x2 is 3x2 but the scores are 2x3 (queries x keys); its transpose would fit'
	printf '1,1,1\n1,1,1\n\n1,1,1\n1,1,1\n\n1,1,1\n1,1,1\n' > b3.csv
	run "$SA" $B -H 2 --bias b3.csv
	data_is '--bias b3.csv is 3x2x3 but there are 2 heads in 1 sequence: expected (2|1, n|1, m|1)'
	# (n, m, 1): an axis too many, not a transpose
	printf '0\n0\n0\n\n0\n0\n0\n' > b1.csv
	run "$SA" $B --bias b1.csv
	data_is '--bias b1.csv is 2x3x1 but the scores are 2x3 (queries x keys); its last axis of 1 is one too many: give it .squeeze(-1)'
	# square, (n, n, 1) broadcasts as n heads: told too
	printf '0\n0\n\n0\n0\n' > b22.csv
	run "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 --bias b22.csv
	data_is '--bias b22.csv is 2x2x1 but there is 1 head in 1 sequence: expected (1|1, n|1, m|1); its last axis of 1 is one too many: give it .squeeze(-1)'
}

@test "variants data: a 3-D --bias of a batch, (B*H, n, m) as nn.MultiheadAttention's or (B, n, m), is told to be 4-D" {
	printf '1,2,3,4\n5,6,7,8\n\n1,2,3,4\n5,6,7,8\n' > x2.csv
	printf '0,0\n0,0\n\n0,0\n0,0\n\n0,0\n0,0\n\n0,0\n0,0\n' > b4.csv
	printf '0,0\n0,0\n\n0,0\n0,0\n' > b2.csv
	run "$SA" -x x2.csv -q rand:4x4 -k rand:4x4 -v rand:4x4 -H 2 --bias b4.csv
	data_is '--bias b4.csv is 4x2x2 but there are 2 heads in 2 sequences: expected (2|1, n|1, m|1); a (B*H, n, m) mask is 4-D: give it .reshape(2, 2, 2, 2)'
	run "$SA" -x x2.csv -q rand:4x4 -k rand:4x4 -v rand:4x4 --mask b2.csv
	data_is '--mask b2.csv is 2x2x2 but there is 1 head in 2 sequences: expected (1|1, n|1, m|1); a (B, n, m) mask is 4-D: give it .reshape(2, 1, 2, 2)'
}

@test "variants data: a per-head --mask must have 1 or H heads" {
	mkqkv
	printf '1,1,1\n1,1,1\n\n1,1,1\n1,1,1\n\n1,1,1\n1,1,1\n' > m3.csv
	run "$SA" $B -H 2 --mask m3.csv
	data_is '--mask m3.csv is 3x2x3 but there are 2 heads in 1 sequence: expected (2|1, n|1, m|1)'
}

@test "variants data: --in-proj must be 3E x E" {
	run "$SA" -x rand:3x4 --layout torch --in-proj rand:11x4
	data_is "--in-proj rand:11x4 is 11x4 but -x (X) rand:3x4 has E = 4 columns: expected 3E x E = 12x4 (PyTorch's in_proj_weight)"
	run "$SA" -x rand:3x4 --layout torch --in-proj rand:4x12
	data_is "--in-proj rand:4x12 is 4x12 but -x (X) rand:3x4 has E = 4 columns: expected 3E x E = 12x4 (PyTorch's in_proj_weight); its transpose would fit"
	run "$SA" -x rand:3x4 --layout torch --in-proj rand:12x4 -H 3
	data_is '--in-proj rand:12x4 is 12x4: its 4 rows per block do not split into 3 heads of equal width (-H 3)'
	run "$SA" -x rand:3x4 --layout torch --in-proj rand:12x4 -m rand:2x5
	data_is '--memory rand:2x5 is 2x5 but --in-proj rand:12x4 projects keys and values of width 4'
	run "$SA" -x rand:3x4 --layout torch --in-proj rand:12x4 --memory-keys rand:2x5 --memory-values rand:2x4
	data_is '--memory-keys rand:2x5 is 2x5 but --in-proj rand:12x4 projects keys and values of width 4'
	run "$SA" -x rand:3x4 --layout torch --in-proj rand:12x4 --memory-keys rand:2x4 --memory-values rand:2x5
	data_is '--memory-values rand:2x5 is 2x5 but --in-proj rand:12x4 projects keys and values of width 4'
}

@test "variants data: --in-proj-bias must have 3E values" {
	run "$SA" -x rand:3x4 --layout torch --in-proj rand:12x4 --in-proj-bias rand:11
	data_is '--in-proj-bias rand:11 is 11 but --in-proj rand:12x4 needs 3E = 12 values'
	run "$SA" -x rand:3x4 -q rand:4x4 -k rand:4x2 -v rand:4x6 -H 2 --kv-heads 1 --in-proj-bias rand:11
	data_is '--in-proj-bias rand:11 is 11 but the queries, keys and values have 4 + 2 + 6 = 12 columns'
}

@test "variants data: biases must match the projections" {
	run "$SA" $X --bq rand:3
	data_is '--bq rand:3 is 3 but the queries have 4 columns'
	run "$SA" $X --bk rand:5
	data_is '--bk rand:5 is 5 but the keys have 4 columns'
	run "$SA" $X --bv rand:2
	data_is '--bv rand:2 is 2 but the values have 4 columns'
	run "$SA" $X -w rand:4x2 --bo rand:3
	data_is '--bo rand:3 is 3 but the output has 2 columns'
	run "$SA" $X --bq rand:2x2
	data_is '--bq rand:2x2 is 2x2: expected one row or one column of numbers'
	run "$SA" $X -w rand:4x1 --bo rand:3
	data_is '--bo rand:3 is 3 but the output has 1 column'
}

@test "variants: every vector argument may be a row, a column or 1-D" {
	mkqkv
	printf '0.5\n-1\n2\n1\n' > col.csv
	printf '0.5,-1,2,1\n' > row.csv
	for o in --bq --bk --bv; do
		run "$SA" $X $o col.csv -o y1.csv
		[ "$status" -eq 0 ]
		run "$SA" $X $o row.csv -o y2.csv
		[ "$status" -eq 0 ]
		cmp y1.csv y2.csv
	done
	run "$SA" $X -w rand:4x4 --bo col.csv -o y1.csv
	[ "$status" -eq 0 ]
	run "$SA" $X -w rand:4x4 --bo row.csv -o y2.csv
	[ "$status" -eq 0 ]
	cmp y1.csv y2.csv
	printf '0\n1\n0\n' > kc.csv
	printf '0,1,0\n' > kr.csv
	run "$SA" $B --key-padding kc.csv -o y1.csv
	[ "$status" -eq 0 ]
	run "$SA" $B --key-padding kr.csv -o y2.csv
	[ "$status" -eq 0 ]
	cmp y1.csv y2.csv
	printf '1\n-2\n' > s2c.csv
	printf '1,-2\n' > s2r.csv
	run "$SA" $B -H 2 --sinks s2c.csv --alibi=@s2c.csv -o y1.csv
	[ "$status" -eq 0 ]
	run "$SA" $B -H 2 --sinks s2r.csv --alibi=@s2r.csv -o y2.csv
	[ "$status" -eq 0 ]
	cmp y1.csv y2.csv
	# a (da, 1) va
	printf '1\n2\n0.5\n' > va.csv
	printf '1,2,0.5\n' > var.csv
	run "$SA" $B --score additive --wa rand:2x3 --ua rand:2x3 --va va.csv -o y1.csv
	[ "$status" -eq 0 ]
	run "$SA" $B --score additive --wa rand:2x3 --ua rand:2x3 --va var.csv -o y2.csv
	[ "$status" -eq 0 ]
	cmp y1.csv y2.csv
}

@test "variants usage: --memory-keys and --memory-values go together, without -m" {
	run "$SA" $X --memory-keys rand:2x4
	usage_is '--memory-keys needs --memory-values: keys and values come from their own sequences'
	run "$SA" $X --memory-values rand:2x4
	usage_is '--memory-values needs --memory-keys: keys and values come from their own sequences'
	run "$SA" $X -m rand:2x4 --memory-keys rand:2x4 --memory-values rand:2x4
	usage_is '--memory conflicts with --memory-keys: give one or the other'
	run "$SA" -Q rand:2x4 -K rand:2x4 -V rand:2x4 --memory-keys rand:2x4 --memory-values rand:2x4
	usage_is '--memory-keys conflicts with -Q: give one or the other (-x, -q, -k, -v: X and the weights WQ, WK, WV; -Q, -K, -V: the queries, keys and values themselves)'
}

@test "variants data: --memory-values must have the keys' length and WV's width" {
	run "$SA" $X --memory-keys rand:2x4 --memory-values rand:3x4
	data_is '--memory-values rand:3x4 is 3x4 but --memory-keys rand:2x4 is 2x4: every key needs a value'
	run "$SA" $X --memory-keys rand:2x4 --memory-values rand:2x3
	data_is '-v (WV) rand:4x4 is 4x4 but --memory-values rand:2x3 has 3 columns'
	run "$SA" $X --memory-keys rand:2x3 --memory-values rand:2x4
	data_is '-k (WK) rand:4x4 is 4x4 but --memory-keys rand:2x3 has 3 columns'
}

@test "variants: --memory-keys M --memory-values M is -m M" {
	printf '1,2,3,4\n0.5,-1,2,0\n3,1,-1,2\n' > m.csv
	run "$SA" $X -m m.csv -a w1.csv -o y1.csv
	[ "$status" -eq 0 ]
	run "$SA" $X --memory-keys m.csv --memory-values m.csv -a w2.csv -o y2.csv
	[ "$status" -eq 0 ]
	cmp y1.csv y2.csv
	cmp w1.csv w2.csv
	run "$SA" $X --dtype f32 -m m.csv -o y1.csv
	[ "$status" -eq 0 ]
	run "$SA" $X --dtype f32 --memory-keys m.csv --memory-values m.csv -o y2.csv
	[ "$status" -eq 0 ]
	cmp y1.csv y2.csv
}

@test "variants data: the memory's width must match WK" {
	run "$SA" $X -m rand:2x5
	data_is '-k (WK) rand:4x4 is 4x4 but --memory rand:2x5 has 5 columns'
}

@test "variants data: the memory must have the batches of X" {
	printf '1,2,3,4\n\n5,6,7,8\n' > x2.csv
	run "$SA" -x x2.csv -q rand:4x4 -k rand:4x4 -v rand:4x4 -m rand:3x4
	data_is '--memory rand:3x4 is 3x4 but -x (X) x2.csv is 2x1x4: both must be 3-D with as many sequences, or neither'
}

@test "variants data: --score general needs Wa of query x key width" {
	mkqkv
	run "$SA" $B --score general --wa rand:2x3
	data_is '--wa rand:2x3 is 2x3 but --score general needs 2x2 (query width x key width per head)'
	run "$SA" -Q rand:2x3 -K rand:3x2 -V V.csv --score general --wa rand:2x3
	data_is '--wa rand:2x3 is 2x3 but --score general needs 3x2 (query width x key width per head); its transpose would fit'
}

@test "variants data: --score additive checks Wa, Ua and va" {
	mkqkv
	run "$SA" $B --score additive --wa rand:3x3 --ua rand:2x3 --va rand:3
	data_is '--wa rand:3x3 is 3x3 but the queries have 2 columns per head'
	run "$SA" $B --score additive --wa rand:2x3 --ua rand:3x3 --va rand:3
	data_is '--ua rand:3x3 is 3x3 but with --wa of dq x da, needs 2x3'
	run "$SA" $B --score additive --wa rand:2x3 --ua rand:2x3 --va rand:4
	data_is '--va rand:4 is 4 but --wa has 3 columns'
}

@test "variants data: --rope needs even head widths" {
	run "$SA" -Q rand:3x3 -K rand:3x3 -V rand:3x3 --rope
	data_is '--rope needs even head widths, found queries of 3 and keys of 3'
}

@test "variants: --rope=@FILE: 1 to dk/2 finite inverse frequencies; the base's own give --rope's result; an odd head rotates its first components" {
	cd "$BATS_TEST_TMPDIR"
	# base 10000, dk 4: 1 and 10000^-1/2, as inv_freq
	printf '1,0.01\n' >f.csv
	"$SA" -Q randn:5x8 -K randn:5x8 -V randn:5x8 -H 2 --rope -o a.csv
	"$SA" -Q randn:5x8 -K randn:5x8 -V randn:5x8 -H 2 --rope=@f.csv -o b.csv
	"$CMPMAT" -r 1e-14 a.csv b.csv
	# a head of 3: one pair turned, the third component left
	printf '0.5\n' >h.csv
	run "$SA" -Q randn:4x3 -K randn:4x3 -V randn:4x3 --rope=@h.csv
	[ "$status" -eq 0 ]
	# --dry-run counts them: 1 frequency, 2 frequencies
	run "$SA" -Q randn:4x3 -K randn:4x3 -V randn:4x3 --rope=@h.csv --dry-run
	[[ "$output" == *"positions: RoPE, 1 inverse frequency from h.csv, rotates components 0..1 of Q_h and K_h"* ]]
	run "$SA" -Q randn:5x8 -K randn:5x8 -V randn:5x8 -H 2 --rope=@f.csv --dry-run
	[[ "$output" == *"positions: RoPE, 2 inverse frequencies from f.csv, rotates components 0..3 of Q_h and K_h"* ]]
	run "$SA" -Q randn:4x8 -K randn:4x8 -V randn:4x8 -H 2 --rope=@rand:3
	data_is '--rope=@rand:3 is 3 but the heads are 4 wide: expected 1 to 2 inverse frequencies (2 rotate the whole head)'
	run "$SA" -Q randn:3x4 -K randn:3x2 -V randn:3x2 --score general \
	    --wa randn:4x2 --rope=@rand:2
	data_is '--rope=@rand:2 is 2 but the heads are 2 wide (queries 4, keys 2): expected 1 inverse frequency (it rotates the whole head)'
	run "$SA" -Q randn:3x3 -K randn:3x3 -V randn:3x2 --rope=@rand:2
	data_is '--rope=@rand:2 is 2 but the heads are 3 wide: expected 1 inverse frequency (it rotates the first 2 components)'
	run "$SA" -Q randn:3x5 -K randn:3x5 -V randn:3x2 --rope=@rand:3
	data_is '--rope=@rand:3 is 3 but the heads are 5 wide: expected 1 to 2 inverse frequencies (2 rotate all but the last component)'
	run "$SA" -Q randn:3x1 -K randn:3x1 -V randn:3x1 --rope=@rand:1
	data_is '--rope=@rand:1 is 1 but the heads are 1 wide: no frequency can rotate them (a pair of components each)'
	printf '1,inf\n' >bad.csv
	run "$SA" -Q randn:4x8 -K randn:4x8 -V randn:4x8 -H 2 --rope=@bad.csv
	data_is '--rope=@bad.csv: expected finite inverse frequencies, found inf at 1'
	"$SA" --dry-run -Q randn:4x8 -K randn:4x8 -V randn:4x8 -H 2 --rope=@f.csv |
	    grep -qx 'positions: RoPE, 2 inverse frequencies from f.csv, rotates components 0..3 of Q_h and K_h'
}

@test "variants data: --kv-heads must divide -H" {
	mkqkv
	# both given: a usage error, whatever the inputs
	run "$SA" -Q rand:2x4 -K rand:3x3 -V rand:3x3 -H 4 --kv-heads 3
	usage_is '--kv-heads 3 does not divide -H 4: each key/value head serves as many query heads'
	run "$SA" -x rand:2x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 --kv-heads 2
	usage_is '--kv-heads 2 does not divide the 1 query head (no -H): each key/value head serves as many query heads'
	# -Q's heads may come from a per-head input: a data error
	run "$SA" -Q rand:2x4 -K rand:3x4 -V rand:3x4 --kv-heads 2
	data_is '2 key/value heads do not divide the 1 query head of the inputs (--kv-heads 2)'
	run "$SA" -Q rand:2x4 -K rand:3x4 -V rand:3x4 --kv-heads 2 -H 1
	usage_is '--kv-heads 2 does not divide -H 1: each key/value head serves as many query heads'
}

@test "variants data: a fully masked row is zeros with one warning" {
	mkqkv
	printf '0,0,0\n1,1,1\n' > m.csv
	run --separate-stderr "$SA" $B --mask m.csv -a w.csv -o y.csv
	[ "$status" -eq 0 ]
	[ "$stderr" = "selfattn: warning: 1 query row has every key masked: its output and weights are 0" ]
	[ "$(head -1 y.csv)" = "0,0" ]
	[ "$(head -1 w.csv)" = "0,0,0" ]
	run --separate-stderr "$SA" $B -H 2 --mask m.csv
	[ "$status" -eq 0 ]
	[ "$stderr" = "selfattn: warning: 2 query rows, counted in each head, have every key masked: their weights and their heads' outputs are 0" ]
	# with -w --bo, Y is bo with one head; with two, the warning does
	# not say so (a row may be hidden in one head only)
	printf '1,0\n0,1\n' > wo.csv
	printf '5,7\n' > bo.csv
	run --separate-stderr "$SA" $B --mask m.csv -w wo.csv --bo bo.csv
	[ "$stderr" = "selfattn: warning: 1 query row has every key masked: its output is bo and its weights are 0" ]
	[ "${lines[0]}" = "5,7" ]
	run --separate-stderr "$SA" $B -H 2 --mask m.csv -w wo.csv --bo bo.csv
	[ "$status" -eq 0 ]
	[ "$stderr" = "selfattn: warning: 2 query rows, counted in each head, have every key masked: their weights and their heads' outputs are 0" ]
	[ "${lines[0]}" = "5,7" ]
}

@test "variants data: buffers are sized by the real rows, not the block size" {
	# 2 queries and keys of 3 M columns: a 256-key block of them would
	# be 6 GB; the run needs about 2.7 GB (packed keys are padded to the
	# register tile's 32 columns at AVX-512, 16 at AVX2).
	no_asan_for_ulimit
	run bash -c "ulimit -v 3500000; '$SA' -Q rand:2x3000000 \
	    -K rand:2x3000000 -V rand:2x2 -o /dev/null"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "variants: a window wider than every distance is no window, up to LLONG_MAX" {
	"$SA" -Q rand:5x2 -K rand:3x2 -V rand:3x2 --causal=bottom-right -o a.csv
	"$SA" -Q rand:5x2 -K rand:3x2 -V rand:3x2 --causal=bottom-right \
	    --window 9223372036854775807 -o b.csv
	cmp a.csv b.csv
	"$SA" -Q rand:3x2 -K rand:5x2 -V rand:5x2 -o a.csv
	"$SA" -Q rand:3x2 -K rand:5x2 -V rand:5x2 --window 9223372036854775807 \
	    -o b.csv
	cmp a.csv b.csv
}

@test "variants: per-head -Q -K -V of one head keep the head axis in every output, as softmax(Q·Kᵀ) of such tensors does" {
	one='\0\0\0\0\0\0\360\77' zero='\0\0\0\0\0\0\0\0'
	{ "$ROOT/tests/tools/npyhdr" 1 2 3
	  printf "$one$zero$zero$zero$one$zero"; } > Q.npy
	"$SA" -Q Q.npy -K Q.npy -V Q.npy -o y.npy -a w.npy --lse l.npy
	[ "$("$CATMAT" -s y.npy)" = 1x2x3 ]
	[ "$("$CATMAT" -s w.npy)" = 1x2x2 ]
	[ "$("$CATMAT" -s l.npy)" = 1x2 ]
	# the same numbers as the matrices give, which have no head axis
	"$CATMAT" Q.npy > Q.csv
	"$SA" -Q Q.csv -K Q.csv -V Q.csv -o y2.npy -a w2.npy --lse l2.npy
	[ "$("$CATMAT" -s w2.npy)" = 2x2 ]
	[ "$("$CATMAT" -s l2.npy)" = 2 ]
	[ "$("$CATMAT" w.npy)" = "$("$CATMAT" w2.npy)" ]
	[ "$("$CATMAT" l.npy)" = "$("$CATMAT" l2.npy)" ]
	[ "$("$CATMAT" y.npy)" = "$("$CATMAT" y2.npy)" ]
	# labelled, its text weights name the one head
	"$SA" -Q Q.npy -K Q.npy -V Q.npy -a - -o /dev/null --labels "a b" \
	    > wl.csv
	[ "$(grep '^#' wl.csv)" = "# head 0" ]
}
