#!/bin/sh
# tests/sanitize/combos.sh - seeded, bounded random option combinations
# (run by tests/sanitize/combos.bats under `make check-sanitize`).
#
# Each iteration builds a small, mostly valid command line from the
# option table (self-attention or -Q/-K/-V, batches of 3-D and 4-D .npy,
# heads and kv-heads, causal, window, masks, key padding, memory,
# biases, -w, RoPE, position encoding, general and additive scores,
# torch layout, -a and --average-weights, --dtype, -f, -p, the pictures
# --heatmap (SVG or HTML) and --show with --batch-index, --dry-run), now
# and then spoiled (a wrong width, an option dropped or added), and runs
# it with -j 1 and with -j 3.  It fails when a run ends otherwise than
# with exit status 0, 1 or 2 (a signal, a sanitizer abort), when a
# sanitizer reports anything on standard error, when the two runs
# disagree on the status, when a temporary file (*.selfattn-*) is left,
# when a successful run's outputs (pictures and --show's drawing too)
# differ between -j 1 and -j 3, or when --dry-run writes a file.
#
# With COMBO_REF (another selfattn: combos.bats gives the tree's own when
# it tests the build with small blocks), each command line runs a third
# time on it, with -j 1: no sanitizer report, the same exit status, and
# a successful run's Y and weights must agree with it within 1e-9
# absolute plus 1e-9 relative (1e-3 with --dtype f32, or 10^(1-p) if
# larger with -p p), since blocks of other sizes round differently.
#
# Env: SA (the selfattn to test, default ./selfattn), COMBO_SEED
# (default 20261129), COMBO_N (iterations, default 300), COMBO_KEEP=1
# keeps the work folder, COMBO_VERBOSE=1 prints every command.  The seed and every failing command line are
# printed.
set -u
SA=${SA:-./selfattn}
seed=${COMBO_SEED:-20261129}
n=${COMBO_N:-300}
work=$(mktemp -d "${TMPDIR:-/tmp}/combos.XXXXXX") || exit 2
[ "${COMBO_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
mkdir "$work/in" "$work/out"
echo "combos: seed $seed, $n iterations, $SA"

s=$seed
# rnd N: a number 0..N-1 in $r (an LCG; sh arithmetic only)
rnd() {
	s=$(( (s * 1103515245 + 12345) % 2147483648 ))
	r=$(( (s / 65536) % $1 ))
}
# pick WORD...: one of the words, in $r
pick() {
	rnd $#
	shift $r
	r=$1
}

# npy FILE D0 [D1 ...]: a '<f8' array of values from {±0.5, ±1, 0.25,
# 2, 0.125, -2} (or 0/1 with BITS=1) in C order.
npy() {
	f=$1
	shift
	shp="" cnt=1
	for d in "$@"; do
		shp="$shp$d, "
		cnt=$((cnt * d))
	done
	[ $# -eq 1 ] && shp="$1,"
	[ $# -gt 1 ] && shp=${shp%, }
	dict="{'descr': '<f8', 'fortran_order': False, 'shape': ($shp), }"
	len=$(( (10 + ${#dict} + 1 + 63) / 64 * 64 - 10 ))
	{
		printf '\223NUMPY\001\000'
		printf "\\$(printf %o $((len % 256)))\\$(printf %o $((len / 256)))"
		printf '%s' "$dict"
		printf "%$((len - ${#dict} - 1))s\n" ""
		i=0
		while [ $i -lt $cnt ]; do
			if [ "${BITS:-0}" = 1 ]; then
				rnd 2
				pick '\0\0\0\0\0\0\0\0' '\0\0\0\0\0\0\360\77'
			else
				pick '\0\0\0\0\0\0\340\77' '\0\0\0\0\0\0\340\277' \
				    '\0\0\0\0\0\0\360\77' '\0\0\0\0\0\0\360\277' \
				    '\0\0\0\0\0\0\320\77' '\0\0\0\0\0\0\0\100' \
				    '\0\0\0\0\0\0\300\77' '\0\0\0\0\0\0\0\300'
			fi
			printf "$r"
			i=$((i + 1))
		done
	} >"$f"
}

# bits FILE COUNT: a one-row CSV of 0/1.
bits() {
	line="" i=0
	while [ $i -lt $2 ]; do
		rnd 2
		line="$line${line:+,}$r"
		i=$((i + 1))
	done
	echo "$line" >"$1"
}

# refcmp ARGS: Y (and the weights) of -j 1 against COMBO_REF's, within
# the tolerance above (-p and --dtype f32 read from ARGS)
CMPMAT=${CMPMAT:-$(dirname "$0")/../tools/cmpmat}
refcmp() {
	r_tol=1e-9 r_p=17
	while [ $# -gt 0 ]; do
		case $1 in
		--dtype) [ "$2" = f32 ] && r_tol=1e-3 ;;
		-p) r_p=$2 ;;
		esac
		shift
	done
	r_tol=$(awk -v t=$r_tol -v p="$r_p" \
	    'BEGIN { p = 10 ^ (1 - p); print (p > t ? p : t) }')
	"$CMPMAT" -r "$r_tol" -a "$r_tol" "$work/out/y1.$ext" \
	    "$work/out/yr.$ext" 2>"$work/cmp" ||
	    why="${why:+$why; }Y differs from $COMBO_REF's: $(cat "$work/cmp")"
	[ $wts = 1 ] && { "$CMPMAT" -r "$r_tol" -a "$r_tol" \
	    "$work/out/w1.$ext" "$work/out/wr.$ext" 2>"$work/cmp" ||
	    why="${why:+$why; }weights differ from $COMBO_REF's: $(cat "$work/cmp")"; }
}

fail=0 ok=0 used=0 it=0
while [ $it -lt $n ]; do
	it=$((it + 1))
	rm -f "$work"/in/* "$work"/out/*
	rnd 4; B=$((r + 1)); rnd 2; [ $r -eq 0 ] && B=1	# batch (1: none)
	rnd 4; nq=$((r + 1))				# queries
	rnd 5; mk=$((r + 1))				# keys
	pick 1 1 2 2 3 4; H=$r
	G=$H; rnd 3; [ $r -eq 0 ] && G=1; [ $r -eq 1 ] && [ $((H % 2)) -eq 0 ] && G=$((H / 2))
	rnd 3; dk=$((r + 1)); rnd 3; dv=$((r + 1)); rnd 4; d=$((r + 1))
	[ $((dk % 2)) -eq 1 ] && rnd 2 && [ $r -eq 0 ] && dk=$((dk + 1))
	set --
	pick self self self direct; form=$r
	if [ $form = self ]; then
		mem=0; rnd 4; [ $r -eq 0 ] && mem=1
		[ $mem = 1 ] || mk=$nq
		if [ $B -gt 1 ]; then
			npy "$work/in/x.npy" $B $nq $d
			set -- -x "$work/in/x.npy"
			[ $mem = 1 ] && npy "$work/in/m.npy" $B $mk $d &&
			    set -- "$@" --memory "$work/in/m.npy"
		else
			set -- -x rand:${nq}x$d
			[ $mem = 1 ] && set -- "$@" --memory randn:${mk}x$d
		fi
		layout=row; rnd 4; [ $r -eq 0 ] && layout=torch
		if [ $layout = torch ]; then
			set -- "$@" --layout torch -q rand:$((H * dk))x$d \
			    -k rand:$((G * dk))x$d -v rand:$((G * dv))x$d
		else
			set -- "$@" -q rand:${d}x$((H * dk)) \
			    -k rand:${d}x$((G * dk)) -v rand:${d}x$((G * dv))
		fi
		rnd 3; [ $r -eq 0 ] && set -- "$@" --bq rand:$((H * dk)) \
		    --bk randn:$((G * dk)) --bv rand:$((G * dv))
		rnd 4; [ $r -eq 0 ] && set -- "$@" --pos sinusoidal
		[ $H -gt 1 ] || [ $G -ne $H ] || { rnd 2; [ $r -eq 0 ]; } ||
		    set -- "$@" -H $H
		[ $G -ne $H ] && set -- "$@" -H $H --kv-heads $G
	else
		if [ $B -gt 1 ] || { rnd 2; [ $r -eq 0 ]; }; then
			if [ $B -gt 1 ]; then
				npy "$work/in/q.npy" $B $H $nq $dk
				npy "$work/in/k.npy" $B $G $mk $dk
				npy "$work/in/v.npy" $B $G $mk $dv
			else
				npy "$work/in/q.npy" $H $nq $dk
				npy "$work/in/k.npy" $G $mk $dk
				npy "$work/in/v.npy" $G $mk $dv
			fi
			set -- -Q "$work/in/q.npy" -K "$work/in/k.npy" \
			    -V "$work/in/v.npy"
		else
			set -- -Q randn:${nq}x$((H * dk)) \
			    -K rand:${mk}x$((G * dk)) -V rand:${mk}x$((G * dv))
			[ $H -gt 1 ] && set -- "$@" -H $H
			[ $G -ne $H ] && set -- "$@" --kv-heads $G
		fi
	fi
	rnd 3; [ $r -eq 0 ] && set -- "$@" -w rand:$((H * dv))x$((r + 2)) \
	    --bo rand:$((r + 2))
	pick none none none dot general additive; score=$r
	case $score in
	dot) set -- "$@" --score dot ;;
	general) set -- "$@" --score general --wa rand:${dk}x$dk ;;
	additive) set -- "$@" --score additive --wa rand:${dk}x3 \
	    --ua rand:${dk}x3 --va rand:3 ;;
	esac
	pick "" "" -c --causal=top-left --causal=bottom-right; [ -n "$r" ] &&
	    set -- "$@" $r
	rnd 4; [ $r -eq 0 ] && { pick 0 1 2 3 9223372036854775807 \
	    4611686018427387904; set -- "$@" --window $r; }
	rnd 4
	if [ $r -eq 0 ]; then
		if [ $B -gt 1 ] || { rnd 2; [ $r -eq 0 ]; }; then
			if [ $B -gt 1 ]; then
				pick 1 $H; BITS=1 npy "$work/in/mask.npy" $B $r $nq $mk
			else
				BITS=1 npy "$work/in/mask.npy" $H $nq $mk
			fi
			set -- "$@" --mask "$work/in/mask.npy"
		else
			set -- "$@" --mask randn:${nq}x$mk
		fi
	fi
	rnd 4
	if [ $r -eq 0 ]; then
		if [ $B -gt 1 ]; then
			BITS=1 npy "$work/in/kpad.npy" $B $mk
			set -- "$@" --key-padding "$work/in/kpad.npy"
		else
			bits "$work/in/kpad.csv" $mk
			set -- "$@" --key-padding "$work/in/kpad.csv"
		fi
	fi
	rnd 5; [ $r -eq 0 ] && set -- "$@" --rope
	[ $r -eq 1 ] && set -- "$@" --rope=500
	rnd 4; [ $r -eq 0 ] && set -- "$@" --dtype f32
	rnd 4; [ $r -eq 0 ] && { rnd 17; set -- "$@" -p $((r + 1)); }
	rnd 4; [ $r -eq 0 ] && { pick 0 7 4294967295; set -- "$@" --seed $r; }
	pick csv csv tsv txt npy; ext=$r
	rnd 3; [ $r -eq 0 ] && { pick csv tsv txt npy; set -- "$@" -f $r; }
	wts=0; rnd 2; [ $r -eq 0 ] && wts=1
	[ $wts = 1 ] && { rnd 3; [ $r -eq 0 ] && set -- "$@" --average-weights; }
	# the pictures: a heatmap file, the terminal's, both or none; now
	# and then one sequence of a batch (B itself: out of range)
	heat="" show=""; rnd 4; pic=$r
	[ $pic -eq 1 ] || [ $pic -eq 2 ] && show=--show
	[ $pic -eq 0 ] || [ $pic -eq 2 ] && { pick svg html; heat=$r; }
	[ -n "$heat$show" ] && [ $B -gt 1 ] && { rnd 2; [ $r -eq 0 ]; } &&
	    { pick 0 $((B - 1)) $B; set -- "$@" --batch-index $r; }
	dry=0; rnd 12; [ $r -eq 0 ] && { dry=1; set -- "$@" --dry-run; }
	# now and then spoil it: an extra or a broken option
	rnd 8
	case $r in
	0) pick -H --kv-heads --window -p -s --seed --rope= --causal=
	   o=$r
	   case $o in
	   *=) set -- "$@" "${o}x" ;;
	   *) pick 0 1 3 17 18 -1 abc 1e9; set -- "$@" "$o" "$r" ;;
	   esac ;;
	1) pick --bq --bk --bv --bo --mask --wa --ua --va -w --memory
	   set -- "$@" "$r" rand:2x3 ;;
	2) pick --average-weights --pos --layout --in-proj -m -Q -x
	   set -- "$@" "$r" rand:3 ;;
	esac
	# run it twice
	st=""
	for j in 1 3; do
		wp="" hp=""
		[ $wts = 1 ] && wp="$work/out/w$j.$ext"
		[ -n "$heat" ] && hp="$work/out/h$j.$heat"
		"$SA" "$@" -j $j -o "$work/out/y$j.$ext" ${wp:+-a} ${wp:+"$wp"} \
		    ${hp:+--heatmap} ${hp:+"$hp"} $show >"$work/stdout$j" \
		    2>"$work/stderr$j"
		st="$st $?"
	done
	if [ -n "${COMBO_REF:-}" ]; then
		"$COMBO_REF" "$@" -j 1 -o "$work/out/yr.$ext" ${wp:+-a} \
		    ${wp:+"$work/out/wr.$ext"} ${hp:+--heatmap} \
		    ${hp:+"$work/out/hr.$heat"} $show >/dev/null \
		    2>"$work/stderrr"
		st="$st $?"
	fi
	why=""
	set -- $st "$@"
	st1=$1 st3=$2
	shift 2
	if [ -n "${COMBO_REF:-}" ]; then
		str=$1
		shift
	fi
	case "$st1 $st3" in
	[012]" "[012]) ;;
	*) why="exit status $st1 (-j 1), $st3 (-j 3)" ;;
	esac
	[ -z "$why" ] && [ "$st1" != "$st3" ] &&
	    why="exit status $st1 with -j 1, $st3 with -j 3"
	grep -q 'runtime error:\|Sanitizer' "$work/stderr1" "$work/stderr3" \
	    ${COMBO_REF:+"$work/stderrr"} &&
	    why="${why:+$why; }a sanitizer report"
	for f in "$work"/out/*.selfattn-*; do
		[ -e "$f" ] && why="${why:+$why; }temporary file left: $f"
	done
	if [ -z "$why" ] && [ "$st1" = 0 ] && [ $dry = 1 ]; then
		[ -n "$(ls "$work/out")" ] && why="--dry-run wrote a file"
	elif [ -z "$why" ] && [ "$st1" = 0 ]; then
		cmp -s "$work/out/y1.$ext" "$work/out/y3.$ext" ||
		    why="output differs between -j 1 and -j 3"
		[ $wts = 1 ] && ! cmp -s "$work/out/w1.$ext" "$work/out/w3.$ext" &&
		    why="${why:+$why; }weights differ between -j 1 and -j 3"
		[ -n "$heat" ] && ! cmp -s "$work/out/h1.$heat" \
		    "$work/out/h3.$heat" &&
		    why="${why:+$why; }heatmap differs between -j 1 and -j 3"
		[ -n "$show" ] && ! cmp -s "$work/stdout1" "$work/stdout3" &&
		    why="${why:+$why; }--show differs between -j 1 and -j 3"
		[ -n "${COMBO_REF:-}" ] && refcmp "$@"
	fi
	[ -n "${COMBO_REF:-}" ] && [ "$st1" != "$str" ] &&
	    why="${why:+$why; }exit status $st1, $str with $COMBO_REF"
	[ "$st1" = 0 ] && used=$((used + 1))
	[ "${COMBO_VERBOSE:-0}" = 1 ] &&
	    echo "exit $st1: $*${heat:+ --heatmap h.$heat}${show:+ $show}" &&
	    head -1 "$work/stderr1"
	if [ -n "$why" ]; then
		fail=$((fail + 1))
		echo "combos: iteration $it: $why:"
		echo "  $SA $* -o y.$ext$([ $wts = 1 ] && echo " -a w.$ext")${heat:+ --heatmap h.$heat}${show:+ $show}"
		sed 's/^/  | /' "$work/stderr1" | head -40
		sed 's/^/  | /' "$work/stderr3" | head -40
	else
		ok=$((ok + 1))
	fi
done
echo "combos: seed $seed: $ok of $n iterations passed ($used ran to" \
    "exit 0), $fail failed"
[ $fail -eq 0 ]
