#!/usr/bin/env bats
# The command line: options, usage errors (exit 2), data errors (exit 1),
# output formats and files, standard input and output, atomic outputs.

load helpers

# A 4-token, width-3 input and square weights; K and V for -Q/-K/-V.
mkdata() {
	printf '1,0,1\n0,1,0\n1,1,1\n0.5,-1,2\n' > X.csv
	printf '0.1,0.2,0.3\n0.4,0.5,0.6\n0.7,0.8,0.9\n' > W.csv
	printf '1,0\n0,1\n' > Q.csv
	printf '1,0\n0,1\n1,1\n' > K.csv
	printf '10,0\n0,10\n5,5\n' > V.csv
}

usage_fails() {
	[ "$status" -eq 2 ]
	[ "${lines[1]}" = "usage: selfattn -x X -q WQ -k WK -v WV [-w WO] [options]" ]
}

@test "cli: --help prints the synopsis to stdout and exits 0" {
	run --separate-stderr "$SA" --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: selfattn -x X -q WQ -k WK -v WV [-w WO] [options]" ]
	[ -z "$stderr" ]
}

@test "cli: -h is --help" {
	run "$SA" -h
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: selfattn -x X -q WQ -k WK -v WV [-w WO] [options]" ]
}

@test "cli: --version prints the name and version" {
	run "$SA" --version
	[ "$status" -eq 0 ]
	[ "$output" = "selfattn 1.0.0" ]
}

@test "cli: --help to a full device is a write error, exit 1" {
	run bash -c '"$1" --help > /dev/full' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: <stdout>: write error: No space left on device" ]
}

@test "usage: no arguments" {
	run "$SA"
	usage_fails
	[ "${lines[0]}" = "selfattn: no input: give -x, -q, -k, -v or -Q, -K, -V" ]
}

@test "usage: unknown long option" {
	run "$SA" --bogus
	usage_fails
	[ "${lines[0]}" = "selfattn: unknown option --bogus" ]
}

@test "usage: a misspelt long option names the one it is nearest" {
	run "$SA" -Q Q.csv -K K.csv -V V.csv --casual
	usage_fails
	[ "${lines[0]}" = "selfattn: unknown option --casual: did you mean --causal?" ]
	run "$SA" -Q Q.csv -K K.csv -V V.csv --precission=3
	usage_fails
	[ "${lines[0]}" = "selfattn: unknown option --precission: did you mean --precision?" ]
	# PyTorch's singular names: the plural option
	run "$SA" --query Q.csv -K K.csv -V V.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: ambiguous option --query: could be --query-lengths, --query-padding or --query-range (or did you mean --queries?)" ]
	# no guess when two are as near, or the name is far from all
	run "$SA" -Q Q.csv -K K.csv -V V.csv --hed 2
	usage_fails
	[ "${lines[0]}" = "selfattn: unknown option --hed" ]
	# no name at all
	run "$SA" -Q Q.csv -K K.csv -V V.csv --=x
	usage_fails
	[ "${lines[0]}" = "selfattn: unknown option --=x: a long option has a name after --" ]
	# a guess already listed among the ambiguous ones is not repeated
	run "$SA" --key K.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: ambiguous option --key: could be --keys, --key-padding, --key-lengths, --key-range or --key-labels" ]
}

@test "usage: an output named as an option is a forgotten file name" {
	mkdata
	run "$SA" -Q Q.csv -K K.csv -V V.csv -a -o y.csv
	usage_fails
	[ "${lines[0]}" = 'selfattn: -a expects a file name, found "-o", an option: for a file of that name, write ./-o' ]
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o --lse=l.csv
	usage_fails
	[ "${lines[0]}" = 'selfattn: -o expects a file name, found "--lse=l.csv", an option: for a file of that name, write ./--lse=l.csv' ]
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o y.csv --heatmap --sh
	usage_fails
	[ "${lines[0]}" = 'selfattn: --heatmap expects a file name, found "--sh", an option: for a file of that name, write ./--sh' ]
	# attached to the option it names
	run "$SA" -Q Q.csv -K K.csv -V V.csv -a -oy.csv
	usage_fails
	[ "${lines[0]}" = 'selfattn: -a expects a file name, found "-oy.csv", an option: for a file of that name, write ./-oy.csv' ]
	[ ! -e -o ]
	[ ! -e y.csv ]
	[ ! -e ./--lse=l.csv ]
	# "-" is standard output, and names that are no option are names
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o -1.csv -a ./-o
	[ "$status" -eq 0 ]
	[ -s -1.csv ]
	[ -s ./-o ]
}

@test "usage: .npy is not written to a terminal" {
	mkdata
	# script(1) (util-linux) runs the command on a pseudo-terminal
	run script -qec "'$SA' -Q Q.csv -K K.csv -V V.csv -f npy; echo rc=\$?" /dev/null
	[ "${lines[0]}" = $'selfattn: -f npy: .npy is binary, and standard output is a terminal: redirect it, or give -o FILE.npy\r' ]
	[ "${lines[-1]}" = $'rc=2\r' ]
	run script -qec "'$SA' -Q Q.csv -K K.csv -V V.csv -o y.csv -a /dev/stdout -f npy; echo rc=\$?" /dev/null
	[ "${lines[0]}" = $'selfattn: -a /dev/stdout: .npy is binary, and it is a terminal: redirect it, or give -a FILE.npy\r' ]
	[ "${lines[-1]}" = $'rc=2\r' ]
	[ ! -e y.csv ]
	# a terminal by its name, /dev/tty or the standard descriptors'
	run script -qec "'$SA' -Q Q.csv -K K.csv -V V.csv -o y.csv --lse /dev/tty -f npy; echo rc=\$?" /dev/null
	[ "${lines[0]}" = $'selfattn: --lse /dev/tty: .npy is binary, and it is a terminal: redirect it, or give --lse FILE.npy\r' ]
	[ "${lines[-1]}" = $'rc=2\r' ]
	[ ! -e y.csv ]
	run script -qec "t=\$(tty); '$SA' -Q Q.csv -K K.csv -V V.csv -o y.csv -a \$t -f npy 2>&1 | sed \"s|\$t|TTY|\"" /dev/null
	[ "${lines[0]}" = $'selfattn: -a TTY: .npy is binary, and it is a terminal: redirect it, or give -a FILE.npy\r' ]
	[ ! -e y.csv ]
	# text is written there, and .npy anywhere else
	run script -qec "'$SA' -Q Q.csv -K K.csv -V V.csv -o y.npy -a -; echo rc=\$?" /dev/null
	[ "${lines[-1]}" = $'rc=0\r' ]
	[ -s y.npy ]
}

@test "usage: weights without -x: -q, -k, -v are not the queries, keys, values" {
	run "$SA" -q Q.csv -k K.csv -v V.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: missing -x: self-attention needs -x, -q, -k and -v (-q, -k and -v are the weights WQ, WK and WV: queries, keys and values themselves are -Q, -K and -V)" ]
}

@test "usage: unknown short option" {
	run "$SA" -Z
	usage_fails
	[ "${lines[0]}" = "selfattn: unknown option -Z" ]
}

@test "usage: an unknown option inside a group of short options" {
	run "$SA" -x X.csv -Zq W.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: unknown option -Z in -Zq" ]
	run "$SA" -x X.csv -bq W.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: unknown option -b in -bq: long options start with two dashes: write --bq" ]
}

@test "usage: a bad number names the option as it was given, long or short" {
	for a in "-H 0:-H:a number of heads >= 1, found \"0\"" \
	    "--heads=0:--heads:a number of heads >= 1, found \"0\"" \
	    "--scale=x:--scale:a finite number or \"none\", found \"x\"" \
	    "--prec=0:--precision:a number of digits from 1 to 17, found \"0\"" \
	    "--threads 0:--threads:a number of threads from 1 to 1024, found \"0\"" \
	    "--format=x:--format:csv, tsv, txt or npy, found \"x\"" \
	    "-fx:-f:csv, tsv, txt or npy, found \"x\""; do
		IFS=: read -r arg name want <<<"$a"
		run "$SA" -Q K.csv -K K.csv -V V.csv $arg
		usage_fails
		[ "${lines[0]}" = "selfattn: $name expects $want" ]
	done
}

@test "usage: a diagnostic is one line: control characters of names are escapes" {
	run --separate-stderr "$SA" -Q $'a\nb.csv' -K K.csv -V V.csv
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: a\nb.csv: No such file or directory' ]
	run --separate-stderr "$SA" -Q $'\e[31mred\t' -K K.csv -V V.csv
	[ "$stderr" = 'selfattn: \x1b[31mred\t: No such file or directory' ]
	# C1 (U+009B, CSI) and bidirectional controls (U+202E), UTF-8, as
	# their bytes; other characters as they are
	run --separate-stderr "$SA" -Q $'a\xc2\x9b2J\xe2\x80\xaeb\xe2\x81\xa6\xd8\x9c\xe2\x80\x8f' -K K.csv -V V.csv
	[ "$stderr" = 'selfattn: a\xc2\x9b2J\xe2\x80\xaeb\xe2\x81\xa6\xd8\x9c\xe2\x80\x8f: No such file or directory' ]
	# a byte of no UTF-8 character (an 8-bit CSI, a sequence cut short)
	run --separate-stderr "$SA" -Q $'\x9b2J\xe2\x80' -K K.csv -V V.csv
	[ "$stderr" = 'selfattn: \x9b2J\xe2\x80: No such file or directory' ]
	run --separate-stderr "$SA" -Q $'\xc3\xa9\xc2\xa0\xe2\x86\x92.csv' -K K.csv -V V.csv
	[ "$stderr" = $'selfattn: \xc3\xa9\xc2\xa0\xe2\x86\x92.csv: No such file or directory' ]
	run --separate-stderr "$SA" -Q K.csv -K K.csv -V V.csv $'--bo\ngus'
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = 'selfattn: unknown option --bo\ngus' ]
	[[ "${stderr_lines[1]}" == "usage: selfattn -x X "* ]]
}

@test "usage: a long option with one dash whose first letter is an option says so (-heads printed the help and exited 0)" {
	mkdata
	for a in "-heads 2" "-heatmap h.svg" "-quiet" "-seed=3" "-show"; do
		run "$SA" -x X.csv -q W.csv -k W.csv -v W.csv $a -o y.csv
		usage_fails
		w=${a%% *}
		case $w in
		-quiet) alt=" (or -q uiet)";;	# a file option's letter
		*) alt=;;
		esac
		[ "${lines[0]}" = "selfattn: $w: long options start with two dashes: write -$w$alt" ]
		[ ! -e y.csv ]
	done
	# -wo with a file o: WO from it
	cp W.csv o
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv -wo -o y.csv
	rm o
	# -help is help, and an attached argument that is no option's name
	# is an argument
	run "$SA" -help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$("$SA" --help | head -1)" ]
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv -cbottom-right -o y.csv
}

@test "usage: an ambiguous long option lists what it could be" {
	run "$SA" -Q Q.csv -K K.csv -V V.csv --sc 2
	usage_fails
	[ "${lines[0]}" = "selfattn: ambiguous option --sc: could be --scale or --score" ]
}

@test "usage: a long option that takes no argument given one" {
	run "$SA" -Q Q.csv -K K.csv -V V.csv -a w.csv --average-weights=1
	usage_fails
	[ "${lines[0]}" = 'selfattn: option --average-weights takes no argument, found "=1"' ]
}

@test "usage: a short option with = names itself and says what to write" {
	run "$SA" -x X.csv -k k12.csv -c=bottom-right
	usage_fails
	[ "${lines[0]}" = 'selfattn: -c=bottom-right: a short option takes its optional argument attached, without "=": write -cbottom-right or --causal=bottom-right' ]
	run "$SA" -Q Q.csv -K K.csv -V V.csv -H=2
	usage_fails
	[ "${lines[0]}" = 'selfattn: -H=2: a short option takes its argument without "=": write -H 2 or --heads=2' ]
}

@test "usage: the keyword of an optional argument given as an operand" {
	run "$SA" -Q Q.csv -K K.csv --causal bottom-right -V V.csv
	usage_fails
	[ "${lines[0]}" = 'selfattn: unexpected argument "bottom-right": write --causal=bottom-right' ]
	run "$SA" extra.csv -Q Q.csv -K K.csv -V V.csv -c top-left
	usage_fails
	[ "${lines[0]}" = 'selfattn: unexpected argument "top-left": write -ctop-left or --causal=top-left' ]
	run "$SA" -Q Q.csv -K K.csv -V V.csv --rope 500
	usage_fails
	[ "${lines[0]}" = 'selfattn: unexpected argument "500": write --rope=500' ]
}

@test "cli: -c takes its optional argument attached" {
	mkdata
	"$SA" -Q Q.csv -K K.csv -V V.csv -cbottom-right > short.csv
	"$SA" -Q Q.csv -K K.csv -V V.csv --causal=bottom-right > long.csv
	cmp short.csv long.csv
	"$SA" -Q Q.csv -K K.csv -V V.csv -c > c.csv
	not cmp -s c.csv long.csv
}

@test "usage: option without its argument" {
	run "$SA" -Q Q.csv -K K.csv -V
	usage_fails
	[ "${lines[0]}" = "selfattn: option -V needs an argument" ]
}

@test "usage: long option without its argument" {
	run "$SA" -Q Q.csv -K K.csv --values
	usage_fails
	[ "${lines[0]}" = "selfattn: option --values needs an argument" ]
}

@test "usage: a matrix option given twice" {
	run "$SA" -x X.csv -x X.csv -q W.csv -k W.csv -v W.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: option -x given twice" ]
}

@test "usage: an output or labels option given twice (the first output was never written)" {
	for o in -o -a --lse --heatmap --labels --key-labels; do
		case $o in
		--heatmap) a=h1.svg b=h2.svg ;;
		--labels|--key-labels) a="a b" b="c d" ;;
		*) a=one.csv b=two.csv ;;
		esac
		run "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 "$o" "$a" "$o" "$b"
		usage_fails
		[ "${lines[0]}" = "selfattn: option $o given twice" ]
		[ ! -e one.csv ]
		[ ! -e two.csv ]
		[ ! -e h1.svg ]
		[ ! -e h2.svg ]
	done
}

@test "usage: --alibi=@FILE names a file: with another --alibi, given twice" {
	printf '0.5\n' >s1.csv
	for two in "--alibi=@s1.csv --alibi=@s1.csv" "--alibi=@s1.csv --alibi" \
	    "--alibi --alibi=@s1.csv"; do
		run "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 $two
		usage_fails
		[ "${lines[0]}" = "selfattn: option --alibi given twice" ]
	done
	# the paper's slopes twice are the paper's slopes
	run "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 --alibi --alibi
	[ "$status" -eq 0 ]
}

@test "usage: --rope and --qk-norm repeated: the last counts, bare is the default" {
	a="-Q randn:3x4 -K randn:5x4 -V randn:5x4"
	for o in rope qk-norm; do
		case $o in rope) v=500 ;; *) v=0.5 ;; esac
		"$SA" $a --$o >bare.csv
		"$SA" $a --$o=$v >set.csv
		not cmp -s bare.csv set.csv
		"$SA" $a --$o=$v --$o >again.csv
		cmp bare.csv again.csv
		"$SA" $a --$o --$o=$v >again.csv
		cmp set.csv again.csv
	done
}

@test "data: a long path is named whole in messages (they cut it at 255 bytes)" {
	d=$(printf 'directory_%.0s' $(seq 15))/$(printf 'subdirectory_%.0s' $(seq 15))
	mkdir -p "$d"
	printf '1,2\n3,x\n' >"$d/data_file.csv"
	run --separate-stderr "$SA" -x "$d/data_file.csv" -q randn:2x2 -k randn:2x2 -v randn:2x2
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: $d/data_file.csv:2:3: expected a number, found \"x\"" ]
	run --separate-stderr "$SA" -x "$d/data_file.csv" -q "$d/data_file.csv" -k randn:2x2 -v randn:2x2
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"/data_file.csv:2:3: expected a number"* ]]
	printf '1,2\n3,4\n' >"$d/X.csv"
	printf '1,2,3\n' >"$d/W.csv"
	run --separate-stderr "$SA" -x "$d/X.csv" -q "$d/W.csv" -k randn:2x2 -v randn:2x2
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: -q (WQ) $d/W.csv is 1x3 but -x (X) $d/X.csv has 2 columns" ]
	# two long names in one message
	run --separate-stderr "$SA" -Q "$d/X.csv" -K "$d/X.csv" -V "$d/W.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: -V (V) $d/W.csv is 1x3 but -K (K) $d/X.csv is 2x2: every key needs a value" ]
}

@test "usage: an empty file name (an unset \$OUT in -o \"\$OUT\") names its option" {
	for o in -w -o -a --lse --mask --heatmap; do
		run "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 "$o" ""
		usage_fails
		[ "${lines[0]}" = "selfattn: $o expects a file name, found \"\"" ]
	done
	for o in --labels --key-labels; do
		run "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 "$o" @
		usage_fails
		[ "${lines[0]}" = "selfattn: $o expects a file name, found \"@\"" ]
	done
	run "$SA" --merge "" l.csv
	usage_fails
	[ "${lines[0]}" = 'selfattn: --merge expects a file name, found ""' ]
}

@test "labels: --key-labels without --labels: the weights' header row alone, no empty field, no column of query labels" {
	run "$SA" -Q rand:2x2 -K rand:3x2 -V rand:3x2 --key-labels "a b c" \
	    -o /dev/null -a - -p 3
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "a,b,c" ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[1]}" =~ ^0\.[0-9]+,0\.[0-9]+,0\.[0-9]+$ ]]
}

@test "labels: unquoted words, or a file named without @, say what to write" {
	run --separate-stderr "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 \
	    --labels The cat -o /dev/null
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = 'selfattn: unexpected argument "cat": --labels takes its words as one argument, in quotes (--labels "The cat ...")' ]
	# another stray word, after quoted labels: no such advice
	run --separate-stderr "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 \
	    --key-labels "a b" extra -o /dev/null
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = 'selfattn: unexpected argument "extra"' ]
	printf 'a\nb\n' >labs.txt
	run --separate-stderr "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 \
	    --key-labels labs.txt -o /dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: --key-labels: expected 2 labels (one per key), found 1 (to read the labels from that file, write @labs.txt)' ]
	run --separate-stderr "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 \
	    --labels nosuchfile -o /dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: --labels: expected 2 labels (one per query), found 1' ]
}

@test "usage: self-attention without -k" {
	run "$SA" -x X.csv -q W.csv -v W.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: missing -k: self-attention needs -x, -q, -k and -v (or --in-proj)" ]
}

@test "usage: -Q/-K/-V without -V" {
	run "$SA" -Q Q.csv -K K.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: missing -V: attention on given queries needs -Q, -K and -V" ]
}

@test "usage: -Q mixed with -x" {
	run "$SA" -x X.csv -q W.csv -k W.csv -v W.csv -Q Q.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: -x conflicts with -Q: give one or the other (-x, -q, -k, -v: X and the weights WQ, WK, WV; -Q, -K, -V: the queries, keys and values themselves)" ]
}

@test "usage: a stray operand" {
	run "$SA" -Q Q.csv -K K.csv -V V.csv extra.csv
	usage_fails
	[ "${lines[0]}" = 'selfattn: unexpected argument "extra.csv"' ]
}

@test "usage: -H must be a count >= 1" {
	for bad in 0 -1 abc 2x ""; do
		run "$SA" -Q Q.csv -K K.csv -V V.csv -H "$bad"
		usage_fails
		[ "${lines[0]}" = "selfattn: -H expects a number of heads >= 1, found \"$bad\"" ]
	done
}

@test "usage: a count too large says the largest, not the smallest, it takes" {
	max=18446744073709551615
	for a in "-H 99999999999999999999" "--kv-heads 18446744073709551616" \
	    "--batch-index 99999999999999999999" \
	    "--query-range 0:18446744073709551616" \
	    "--window 9223372036854775808" "--window 1,99999999999999999999"; do
		set -- $a
		case $1 in --window) m=9223372036854775807 ;; *) m=$max ;; esac
		run "$SA" -Q Q.csv -K K.csv -V V.csv "$1" "$2"
		usage_fails
		[ "${lines[0]}" = "selfattn: $1 expects at most $m, found \"$2\"" ]
	done
	# the largest is taken (its last digit too)
	run "$SA" --dry-run -Q rand:2x2 -K rand:2x2 -V rand:2x2 --window 9223372036854775807
	[ "$status" -eq 0 ]
	run "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 -H 18446744073709551615
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = 'selfattn: -Q (Q) rand:2x2 is 2x2: its 2 columns do not split into 18446744073709551615 heads of equal width (-H 18446744073709551615)' ]
}

@test "usage: -s must be a finite number or none" {
	for bad in abc nan inf -inf 1e999 "" 0x10; do
		run "$SA" -Q Q.csv -K K.csv -V V.csv -s "$bad"
		usage_fails
		[ "${lines[0]}" = "selfattn: -s expects a finite number or \"none\", found \"$bad\"" ]
	done
}

@test "usage: --seed must be in 0..2^32-1" {
	for bad in -1 4294967296 1.5 x; do
		run "$SA" -Q Q.csv -K K.csv -V V.csv --seed "$bad"
		usage_fails
		[ "${lines[0]}" = "selfattn: --seed expects an integer from 0 to 4294967295, found \"$bad\"" ]
	done
}

@test "usage: -f must name a format" {
	run "$SA" -Q Q.csv -K K.csv -V V.csv -f xml
	usage_fails
	[ "${lines[0]}" = 'selfattn: -f expects csv, tsv, txt or npy, found "xml"' ]
}

@test "usage: -p must be 1..17" {
	for bad in 0 18 x -3; do
		run "$SA" -Q Q.csv -K K.csv -V V.csv -p "$bad"
		usage_fails
		[ "${lines[0]}" = "selfattn: -p expects a number of digits from 1 to 17, found \"$bad\"" ]
	done
}

@test "usage: -j must be 1..1024 threads" {
	for bad in 0 1025 x -2; do
		run "$SA" -Q Q.csv -K K.csv -V V.csv -j "$bad"
		usage_fails
		[ "${lines[0]}" = "selfattn: -j expects a number of threads from 1 to 1024, found \"$bad\"" ]
	done
}

@test "usage: SELFATTN_THREADS must be 1..1024 threads" {
	SELFATTN_THREADS=zero run "$SA" -Q Q.csv -K K.csv -V V.csv
	usage_fails
	[ "${lines[0]}" = 'selfattn: SELFATTN_THREADS expects a number of threads from 1 to 1024, found "zero"' ]
}

@test "diagnostics: one line in one write(2), so that runs sharing standard error do not mix lines" {
	strace -f -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	printf '1,2\n3,\342\200\256x\n' >"$BATS_TEST_TMPDIR/b.csv"
	# (under ASan, whose leak check cannot run under ptrace: without it)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    run strace -f -e trace=write,writev -o "$BATS_TEST_TMPDIR/st" "$SA" \
	    -Q "$BATS_TEST_TMPDIR/b.csv" -K rand:3x2 -V rand:3x2
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: $BATS_TEST_TMPDIR/b.csv:2:3: expected a number, found \"\\xe2\\x80\\xaex\"" ]
	# (glibc writes it with write, musl with writev)
	[ "$(grep -cE 'writev?\(2,' "$BATS_TEST_TMPDIR/st")" -eq 1 ]
}

@test "data: a field quoted in a message keeps its letters, escapes C1 and bidirectional controls, stray bytes and the byte order mark" {
	f=$BATS_TEST_TMPDIR/f.csv
	set -- '\302\233' '\xc2\x9b' '\342\200\256' '\xe2\x80\xae' \
	    '\233' '\x9b' '\357\273\277' '\xef\xbb\xbf' '\303\251' 'é'
	while [ $# -gt 0 ]; do
		printf "1,2\n3,$1x\n" >"$f"
		run "$SA" -Q "$f" -K rand:3x2 -V rand:3x2
		[ "$status" -eq 1 ]
		[ "$output" = "selfattn: $f:2:3: expected a number, found \"$2x\"" ]
		shift 2
	done
}

@test "usage: SELFATTN_ISA must name a level; either variable empty is as if unset" {
	SELFATTN_ISA=foo run "$SA" -Q rand:2x2 -K rand:3x2 -V rand:3x2
	usage_fails
	[ "${lines[0]}" = 'selfattn: SELFATTN_ISA expects generic, avx2 or avx512, found "foo"' ]
	run "$SA" -Q rand:2x2 -K rand:3x2 -V rand:3x2
	want=$output
	SELFATTN_ISA= SELFATTN_THREADS= run "$SA" -Q rand:2x2 -K rand:3x2 -V rand:3x2
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	# a level the CPU lacks is a valid name: the best it has is used
	SELFATTN_ISA=avx512 run "$SA" -Q rand:2x2 -K rand:3x2 -V rand:3x2
	[ "$status" -eq 0 ]
}

@test "usage: --dtype must be f64 or f32" {
	run "$SA" -Q Q.csv -K K.csv -V V.csv --dtype f16
	usage_fails
	[ "${lines[0]}" = 'selfattn: --dtype expects f64 or f32, found "f16"' ]
}

@test "usage: standard input for two options" {
	run "$SA" -Q - -K - -V V.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: -Q - and -K - both read standard input: it can be read by one option only" ]
	# another name of the pipe on standard input is it too
	run bash -c 'printf "1,2\n" | "$1" -Q - -K /dev/stdin -V V.csv' _ "$SA"
	usage_fails
	[ "${lines[0]}" = "selfattn: -Q - and -K /dev/stdin both read standard input: it can be read by one option only" ]
	# a regular file on standard input may be read twice
	printf '1,2\n3,4\n' >two.csv
	run bash -c '"$1" -Q - -K /dev/stdin -V two.csv <two.csv' _ "$SA"
	[ "$status" -eq 0 ]
}

@test "usage: one pipe named by two options, a FIFO or /dev/fd/N, or by an input and an output (the FIFO's second open waited forever)" {
	mkdata
	mkfifo ff
	run timeout 20 "$SA" -Q ff -K ff -V V.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: -Q ff and -K ff are one stream: it can be read by one option only" ]
	run bash -c '"$1" -Q /dev/fd/3 -K K.csv -V V.csv --labels @/dev/fd/3 3< <(printf "1,2\n")' _ "$SA"
	usage_fails
	[ "${lines[0]}" = "selfattn: -Q /dev/fd/3 and --labels @/dev/fd/3 are one stream: it can be read by one option only" ]
	# two pipes are two streams
	run bash -c '"$1" -Q /dev/fd/3 -K /dev/fd/4 -V /dev/fd/4 3< <(printf "1,2\n") 4< <(printf "1,2\n")' _ "$SA"
	usage_fails
	[ "${lines[0]}" = "selfattn: -K /dev/fd/4 and -V /dev/fd/4 are one stream: it can be read by one option only" ]
	# and --merge's operands
	"$SA" -Q K.csv -K K.csv -V V.csv -o y1.csv --lse l1.csv
	run timeout 20 "$SA" --merge ff ff y1.csv l1.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: operands 1 and 2, ff and ff, are one stream: it can be read by one operand only" ]
	run timeout 20 "$SA" -Q K.csv -K K.csv -V V.csv --alibi=@ff --sinks ff
	usage_fails
	[ "${lines[0]}" = "selfattn: --sinks ff and --alibi=@ff are one stream: it can be read by one option only" ]
	printf '1\n2\n' >V2.csv
	run bash -c '"$1" -Q /dev/fd/3 -K /dev/fd/4 -V V2.csv 3< <(printf "1,2\n") 4< <(printf "1,2\n3,4\n")' _ "$SA"
	[ "$status" -eq 0 ]
	# an input and an output (the output's open waited for a reader)
	run timeout 20 "$SA" -Q ff -K K.csv -V V.csv -o ff
	usage_fails
	[ "${lines[0]}" = "selfattn: -Q ff and -o ff are one stream: a run cannot read and write it" ]
	run timeout 20 "$SA" --dry-run -Q K.csv -K K.csv -V V.csv --labels @ff --lse ff
	usage_fails
	[ "${lines[0]}" = "selfattn: --labels @ff and --lse ff are one stream: a run cannot read and write it" ]
	run timeout 20 "$SA" --merge -o ff ff l1.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: operand 1, ff, and -o ff are one stream: a run cannot read and write it" ]
}

@test "usage: weights and output both on standard output" {
	run "$SA" -Q Q.csv -K K.csv -V V.csv -a -
	usage_fails
	[ "${lines[0]}" = "selfattn: -a - writes the weights to standard output: give the output a file with -o" ]
	# -o given, naming standard output: the message names both
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o /dev/stdout -a -
	usage_fails
	[ "${lines[0]}" = "selfattn: -o /dev/stdout and -a - both write to standard output: give one a file" ]
}

@test "usage: -o and -a naming the same file" {
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o same.csv -a same.csv
	usage_fails
	[ "${lines[0]}" = 'selfattn: -o and -a name the same file "same.csv"' ]
}

@test "usage: malformed generators" {
	for bad in rand:3y3 rand:0x3 rand:3x0 rand: randn:x3 rand:3x3x3 rand:-1 \
	    rand:18446744073709551616x1 randn:1x99999999999999999999; do
		run "$SA" -Q "$bad" -K K.csv -V V.csv
		usage_fails
		case $bad in randn*) g=randn ;; *) g=rand ;; esac
		[ "${lines[0]}" = "selfattn: -Q: expected a generator $g:ROWSxCOLS or $g:COUNT with counts from 1 to 18446744073709551615, found \"$bad\"" ]
	done
	# the largest count parses: its matrix is then too large to hold
	run "$SA" -Q rand:18446744073709551615x1 -K rand:1x1 -V rand:1x1
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: rand:18446744073709551615x1: 18446744073709551615 elements of 8 bytes are too many to hold" ]
}

@test "data: a missing input file reports the OS error, exit 1" {
	mkdata
	run "$SA" -Q nope.csv -K K.csv -V V.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: nope.csv: No such file or directory" ]
}

@test "data: a folder as input is an error" {
	mkdata
	mkdir d
	run "$SA" -Q d -K K.csv -V V.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: d: Is a directory" ]
}

@test "data: an input path through a plain file reports the OS error" {
	mkdata
	run "$SA" -Q Q.csv -K K.csv/x -V V.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: K.csv/x: Not a directory" ]
}

@test "shape: WQ rows must match the columns of X" {
	mkdata
	printf '1,2\n3,4\n' > W2.csv
	run "$SA" -x X.csv -q W2.csv -k W.csv -v W.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -q (WQ) W2.csv is 2x2 but -x (X) X.csv has 3 columns" ]
}

@test "shape: WV rows must match the columns of X" {
	mkdata
	run "$SA" -x X.csv -q W.csv -k W.csv -v rand:4x3
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -v (WV) rand:4x3 is 4x3 but -x (X) X.csv has 3 columns; its transpose would fit: give --layout torch if the weights are stored out x in, as PyTorch stores them (it applies to every weight), else transpose this one; if the values come from another sequence, of width 4 (PyTorch's vdim), give it with -m (or --memory-keys and --memory-values)" ]
}

@test "shape: WK must have as many columns as WQ" {
	mkdata
	run "$SA" -x X.csv -q W.csv -k rand:3x2 -v W.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -k (WK) rand:3x2 is 3x2 but -q (WQ) W.csv is 3x3: queries and keys need the same number of columns" ]
}

@test "shape: with heads, the message gives the widths per head (the shapes alone look alike)" {
	run "$SA" -x rand:5x8 -q rand:8x8 -k rand:8x8 -v rand:8x8 -H 4 \
	    --kv-heads 2
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -k (WK) rand:8x8 and -q (WQ) rand:8x8 are both 8x8, but queries and keys need the same number of columns per head, and have 2 (4 query heads) and 4 (2 key/value heads)" ]
	run "$SA" -Q rand:4x6 -K rand:4x6 -V rand:4x6 -H 2 --kv-heads 1
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -K (K) rand:4x6 and -Q (Q) rand:4x6 are both 4x6, but queries and keys need the same number of columns per head, and have 3 (2 query heads) and 6 (1 key/value head)" ]
	# widths that fit: no message
	run "$SA" -x rand:5x8 -q rand:8x8 -k rand:8x4 -v rand:8x4 -H 4 \
	    --kv-heads 2 -o /dev/null
	[ "$status" -eq 0 ]
}

@test "shape: K must have as many columns as Q" {
	mkdata
	printf '1,2,3\n' > Q3.csv
	run "$SA" -Q Q3.csv -K K.csv -V V.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -K (K) K.csv is 3x2 but -Q (Q) Q3.csv is 1x3: queries and keys need the same number of columns" ]
}

@test "shape: V must have a row for every key" {
	mkdata
	printf '1,2\n' > V1.csv
	run "$SA" -Q Q.csv -K K.csv -V V1.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -V (V) V1.csv is 1x2 but -K (K) K.csv is 3x2: every key needs a value" ]
}

@test "shape: query columns must split into the heads" {
	mkdata
	run "$SA" -x X.csv -q W.csv -k W.csv -v W.csv -H 2
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -q (WQ) W.csv is 3x3: its 3 columns do not split into 2 heads of equal width (-H 2)" ]
}

@test "shape: one column that does not split is one column" {
	run "$SA" -Q rand:3x1 -K rand:3x1 -V rand:3x1 -H 2
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -Q (Q) rand:3x1 is 3x1: its 1 column does not split into 2 heads of equal width (-H 2)" ]
}

@test "shape: value columns must split into the heads" {
	mkdata
	run "$SA" -Q rand:2x4 -K rand:3x4 -V rand:3x3 -H 2
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -V (V) rand:3x3 is 3x3: its 3 columns do not split into 2 heads of equal width (-H 2)" ]
}

@test "shape: WO rows must match the concatenated heads" {
	mkdata
	run "$SA" -x X.csv -q W.csv -k W.csv -v W.csv -w rand:2x3
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -w (WO) rand:2x3 is 2x3 but the attention output has 3 columns (1 head of 3); its transpose would fit: give --layout torch if the weights are stored out x in, as PyTorch stores them (it applies to every weight), else transpose this one" ]
	# text in blocks is read as heads: a WO of one head says -H 1
	printf '1,0\n0,1\n\n1,1\n0,1\n' > Q3.txt
	run "$SA" -Q Q3.txt -K Q3.txt -V Q3.txt -w rand:2x2
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -w (WO) rand:2x2 is 2x2 but the attention output has 4 columns (2 heads of 2); 3-D -Q, -K, -V are heads: give -H 1 if they are a batch of sequences" ]
	"$SA" -Q Q3.txt -K Q3.txt -V Q3.txt -w rand:2x2 -H 1 -o /dev/null
	# not with fewer key/value heads, which a batch cannot have
	{ "$ROOT/tests/tools/npyhdr" 1 2 2; printf '%032d' 0 | tr 0 '\000'; } > K1.npy
	run "$SA" -Q Q3.txt -K K1.npy -V K1.npy -w rand:2x2
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -w (WO) rand:2x2 is 2x2 but the attention output has 4 columns (2 heads of 2)" ]
}

@test "shape: a transposed weight says so, in either layout" {
	mkdata
	run "$SA" -x X.csv -q rand:4x3 -k W.csv -v W.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -q (WQ) rand:4x3 is 4x3 but -x (X) X.csv has 3 columns; its transpose would fit: give --layout torch if the weights are stored out x in, as PyTorch stores them (it applies to every weight), else transpose this one" ]
	run "$SA" -x X.csv -q W.csv -k rand:3x4 -v W.csv --layout torch
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -k (WK) rand:3x4 is 3x4 but -x (X) X.csv has 3 columns; its transpose would fit: leave out --layout torch if the weights are stored in x out (it applies to every weight), else transpose this one; if the keys come from another sequence, of width 4 (PyTorch's kdim), give it with -m (or --memory-keys and --memory-values)" ]
	run "$SA" -x X.csv -q W.csv -k W.csv -v rand:5x3
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -v (WV) rand:5x3 is 5x3 but -x (X) X.csv has 3 columns; its transpose would fit: give --layout torch if the weights are stored out x in, as PyTorch stores them (it applies to every weight), else transpose this one; if the values come from another sequence, of width 5 (PyTorch's vdim), give it with -m (or --memory-keys and --memory-values)" ]
	# with the keys' own sequence given, a width that is not its own
	run "$SA" -x X.csv -q W.csv -k rand:3x4 -v W.csv --layout torch \
	    -m randn:5x3
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -k (WK) rand:3x4 is 3x4 but --memory randn:5x3 has 3 columns; its transpose would fit: leave out --layout torch if the weights are stored in x out (it applies to every weight), else transpose this one" ]
	# no hint when the transpose does not fit either
	run "$SA" -x X.csv -q rand:4x4 -k W.csv -v W.csv
	[ "$output" = "selfattn: -q (WQ) rand:4x4 is 4x4 but -x (X) X.csv has 3 columns" ]
}

@test "shape: a --key-padding of the wrong batch says which, and a transposed one may be a sequence-first batch" {
	printf '0,0,1\n0,1,1\n0,0,0\n' > kp3.csv
	printf '0,0\n0,1\n1,1\n' > kpT.csv
	# B = 2 sequences of 2 queries, 3 keys
	printf '1,2\n3,4\n\n5,6\n7,8\n' > Q.txt
	printf '1,2\n3,4\n5,6\n\n7,8\n9,1\n2,3\n' > K.txt
	run "$SA" -Q Q.txt -K K.txt -V K.txt -H 1 --key-padding kp3.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: --key-padding kp3.csv is 3x3 but there are 2 sequences of 3 keys: expected 3 values, or 2x3" ]
	run "$SA" -Q Q.txt -K K.txt -V K.txt -H 1 --key-padding kpT.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: --key-padding kpT.csv is 3x2 but there are 2 sequences of 3 keys: expected 3 values, or 2x3; its transpose would fit, or the batch is stored sequence-first (n, B, d), as PyTorch's modules take it without batch_first: give the inputs' transpose(0, 1)" ]
	run "$SA" -Q Q.txt -K K.txt -V K.txt -H 1 --query-padding kpT.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: --query-padding kpT.csv is 3x2 but there are 2 sequences of 2 queries: expected 2 values, or 2x2" ]
	run "$SA" -Q randn:2x4 -K randn:3x4 -V randn:3x4 --key-padding kpT.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: --key-padding kpT.csv is 3x2 but there are 3 keys and one sequence: expected 3 values" ]
}

@test "shape: a 1-D weight or key (np.save of a 1-D array) says it is read as one row, and is the one named" {
	# (3,) of zeros
	{ "$ROOT/tests/tools/npyhdr" 3; printf '%024d' 0 | tr 0 '\000'; } > w1d.npy
	cp w1d.npy k1d.npy
	printf '1,0,1\n0,1,0\n1,1,1\n' > X.csv
	run "$SA" -x X.csv -q w1d.npy -k rand:3x3 -v rand:3x3
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -q (WQ) w1d.npy is 1-D, read as one row (1x3), but -x (X) X.csv has 3 columns" ]
	run "$SA" -Q rand:3x1 -K k1d.npy -V rand:3x1
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -K (K) k1d.npy is 1-D, read as one row (1x3), but -V (V) rand:3x1 is 3x1: every key needs a value" ]
	# a 1-D query is one query, and fine
	"$SA" -Q w1d.npy -K rand:3x3 -V rand:3x1 -o /dev/null
}

@test "shape: X, Q or K stored the wrong way round say so, and are the ones named" {
	# X as d x n (3 features of 5 tokens): the weights agree on 3 rows
	printf '1,0,1,1,0\n0,1,0,1,1\n1,1,1,0,0\n' > XT.csv
	run "$SA" -x XT.csv -q rand:3x4 -k rand:3x4 -v rand:3x4
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -x (X) XT.csv is 3x5 but -q (WQ) rand:3x4 has 3 rows, not 5 (one a column of X); if X is stored a column per token, its transpose would fit (a row per token)" ]
	# a 1-D query as np.savetxt writes it: a column
	printf '1\n0\n1\n' > qc.csv
	printf '1,0,1\n0,1,0\n1,1,1\n' > k3.csv
	run "$SA" -Q qc.csv -K k3.csv -V k3.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -K (K) k3.csv is 3x3 but -Q (Q) qc.csv is 3x1: queries and keys need the same number of columns; the transpose of the queries would fit (a row per query)" ]
	# K as dk x m, which Q and V fit as they are: K is named, not V
	printf '1,0,1,1\n0,1,0,1\n1,1,1,0\n' > KT.csv
	printf '1,2\n3,4\n5,6\n7,8\n' > V4.csv
	run "$SA" -Q k3.csv -K KT.csv -V V4.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -K (K) KT.csv is 3x4 but -V (V) V4.csv is 4x2: every key needs a value; its transpose would fit (a row per key)" ]
	# and with dk = dv, where V's transpose would fit K's rows too:
	# K's width, not Q's, says which (V was named)
	printf '1,2,3\n4,5,6\n7,8,9\n1,1,1\n' > V43.csv
	run "$SA" -Q k3.csv -K KT.csv -V V43.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -K (K) KT.csv is 3x4 but -V (V) V43.csv is 4x3: every key needs a value; its transpose would fit (a row per key)" ]
	# with GQA, and in a batch (each matrix transposed)
	run "$SA" -Q rand:4x6 -K rand:2x5 -V rand:5x2 -H 3 --kv-heads 1
	[ "$output" = "selfattn: -K (K) rand:2x5 is 2x5 but -V (V) rand:5x2 is 5x2: every key needs a value; its transpose would fit (a row per key)" ]
	# (3-D arrays made as weights of 2 heads: Q (2,4,6), K (2,6,5)
	# stored dk x m, V (2,5,6))
	"$SA" -Q rand:4x2 -K rand:6x2 -V rand:6x2 -H 2 -o /dev/null -a bq.npy
	"$SA" -Q rand:6x2 -K rand:5x2 -V rand:5x2 -H 2 -o /dev/null -a bk.npy
	"$SA" -Q rand:5x2 -K rand:6x2 -V rand:6x2 -H 2 -o /dev/null -a bv.npy
	run "$SA" -Q bq.npy -K bk.npy -V bv.npy -H 1
	[ "$output" = "selfattn: -K (K) bk.npy is 2x6x5 but -V (V) bv.npy is 2x5x6: every key needs a value; its transpose would fit (a row per key)" ]
	# X stored d x n under --layout torch: the weight's columns
	printf '1,2,3\n4,5,6\n7,8,9\n1,0,1\n' > Xt.csv
	printf '1,0,0,1\n0,1,0,1\n' > Wt.csv
	run "$SA" -x Xt.csv -q Wt.csv -k Wt.csv -v Wt.csv --layout torch
	[ "$output" = "selfattn: -x (X) Xt.csv is 4x3 but -q (WQ) Wt.csv has 4 columns, not 3 (one a column of X); if X is stored a column per token, its transpose would fit (a row per token)" ]
	# weights stored out x in, as PyTorch does: that hint, not X's
	printf '1,2,3\n4,5,6\n7,8,9\n1,0,1\n' > X43.csv
	run "$SA" -x X43.csv -q V43.csv -k V43.csv -v V43.csv
	[ "$output" = "selfattn: -q (WQ) V43.csv is 4x3 but -x (X) X43.csv has 3 columns; its transpose would fit: give --layout torch if the weights are stored out x in, as PyTorch stores them (it applies to every weight), else transpose this one" ]
}

@test "shape: transposed values say so" {
	mkdata
	run "$SA" -Q Q.csv -K K.csv -V rand:2x3
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -V (V) rand:2x3 is 2x3 but -K (K) K.csv is 3x2: every key needs a value; its transpose would fit" ]
}

@test "shape: weights stored out x in split their rows into heads" {
	mkdata
	run "$SA" -x X.csv -q rand:3x3 -k rand:3x3 -v rand:3x3 -H 2 --layout torch
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -q (WQ) rand:3x3 is 3x3: its 3 rows do not split into 2 heads of equal width (-H 2)" ]
}

@test "shape: a 4-D X is refused with its shape" {
	mkdata
	run "$SA" -x "$DATA/npy/i2_4d_c.npy" -q W.csv -k W.csv -v W.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -x (X) $DATA/npy/i2_4d_c.npy is 2x3x2x4: expected a matrix (1-D or 2-D) or a batch of them (3-D)" ]
}

@test "shape: a 3-D weight is refused, not read as its rows" {
	printf '1,2\n3,4\n\n5,6\n7,8\n' > W3.csv
	run "$SA" -x rand:2x4 -q W3.csv -k rand:4x2 -v rand:4x2
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -q (WQ) W3.csv is 2x2x2: expected a matrix (1-D or 2-D): put the heads' blocks side by side (H blocks of dk columns)" ]
	run "$SA" -x rand:2x4 -q rand:4x2 -k rand:4x2 -v rand:4x2 -w W3.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -w (WO) W3.csv is 2x2x2: expected a matrix (1-D or 2-D): put the heads' blocks one above another (H blocks of dv rows)" ]
	run "$SA" -x rand:2x4 -q rand:2x4 -k rand:2x4 -v W3.csv --layout torch
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -v (WV) W3.csv is 2x2x2: expected a matrix (1-D or 2-D): put the heads' blocks one above another (H blocks of dv rows)" ]
}

@test "shape: 3-D queries need 3-D keys and values, or both as matrices (one head for all)" {
	mkdata
	printf '1,2\n3,4\n\n5,6\n7,8\n' > X3.csv
	printf '1,0\n0,1\n1,1\n\n0,0\n1,1\n2,2\n' > V3.csv
	run "$SA" -Q X3.csv -K K.csv -V V3.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -K (K) K.csv is 3x2 but -Q (Q) X3.csv is 2x2x2: queries, keys and values need the same number of dimensions" ]
	# a batch (-H) of queries needs batches of keys and values
	run "$SA" -Q X3.csv -K K.csv -V V.csv -H 1
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -K (K) K.csv is 3x2 but -Q (Q) X3.csv is 2x2x2: queries, keys and values need the same number of dimensions" ]
	# per head, K and V as matrices are one key/value head
	run "$SA" -Q X3.csv -K K.csv -V V.csv
	[ "$status" -eq 0 ]
}

# Write a version 1.0 .npy header for DICT (data follows separately).
npyhdr() {
	local dict=$1 pad
	pad=$(( (64 - (10 + ${#dict} + 1) % 64) % 64 ))
	printf '\223NUMPY\001\000'
	printf "\\$(printf %03o $(( (${#dict} + pad + 1) % 256 )))"
	printf "\\$(printf %03o $(( (${#dict} + pad + 1) / 256 )))"
	printf '%s%*s\n' "$dict" "$pad" ''
}

@test "shape: an empty .npy matrix is refused" {
	mkdata
	npyhdr "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }" > e.npy
	run "$SA" -Q e.npy -K K.csv -V V.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: -Q (Q) e.npy is 0x3: expected no empty dimension" ]
}

@test "output: CSV on standard output by default" {
	mkdata
	run --separate-stderr "$SA" -Q Q.csv -K K.csv -V V.csv -p 6
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "6.01668,3.98332" ]
	[ -z "$stderr" ]
}

@test "output: -f tsv and -f txt separate by tab and space" {
	mkdata
	run "$SA" -Q Q.csv -K K.csv -V V.csv -p 6 -f tsv
	[ "${lines[0]}" = "$(printf '6.01668\t3.98332')" ]
	run "$SA" -Q Q.csv -K K.csv -V V.csv -p 6 -f txt
	[ "${lines[0]}" = "6.01668 3.98332" ]
}

@test "output: -f npy writes a .npy stream to standard output" {
	mkdata
	"$SA" -Q Q.csv -K K.csv -V V.csv -f npy > out.npy
	[ "$(head -c 6 out.npy | od -An -c | tr -d ' ')" = '223NUMPY' ]
	run "$CATMAT" -s out.npy
	[ "$output" = "2x2" ]
	"$SA" -Q Q.csv -K K.csv -V V.csv > out.csv
	"$CMPMAT" out.npy out.csv
}

@test "output: the file extension picks the format, -f the rest" {
	mkdata
	"$SA" -Q Q.csv -K K.csv -V V.csv -p 6 -o o.tsv --lse - -f txt > l
	[ "$(head -1 o.tsv)" = "$(printf '6.01668\t3.98332')" ]
	[ "$(wc -w < l)" -eq 2 ]
	run grep -c , l
	[ "$output" = 0 ]
	"$SA" -Q Q.csv -K K.csv -V V.csv -p 6 -o o.dat -f txt
	[ "$(head -1 o.dat)" = "6.01668 3.98332" ]
	"$SA" -Q Q.csv -K K.csv -V V.csv -o o.npy -a w.csv -f csv
	[ "$("$CATMAT" -s o.npy)" = "2x2" ]
	# -f of no output is a usage error: it would be ignored
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o y.tsv -f npy
	usage_fails
	[ "${lines[0]}" = 'selfattn: -f npy applies to no output: -o y.tsv is tsv by its name; drop -f, or rename the file' ]
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o y.csv -a w.npy -f tsv
	usage_fails
	[ "${lines[0]}" = 'selfattn: -f tsv applies to no output: -a w.npy is npy by its name; drop -f, or rename the file' ]
	[ ! -e y.tsv ]
	[ ! -e y.csv ]
	[ ! -e w.npy ]
}

@test "usage: an output name with an unknown extension needs -f" {
	mkdata
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o y.xlsx
	usage_fails
	[ "${lines[0]}" = 'selfattn: -o y.xlsx: unknown extension ".xlsx": use .csv, .tsv, .txt or .npy, or give -f' ]
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o y.csv -a dir.d/w.npz
	usage_fails
	[ "${lines[0]}" = 'selfattn: -a dir.d/w.npz: unknown extension ".npz": use .csv, .tsv, .txt or .npy, or give -f' ]
	[ ! -e y.xlsx ]
	[ ! -e y.csv ]
	# an extension in capitals is that format
	"$SA" -Q Q.csv -K K.csv -V V.csv -o Y.CSV -a W.NPY -p 6 --heatmap H.SVG
	[ "$(head -1 Y.CSV)" = "6.01668,3.98332" ]
	[ "$("$CATMAT" -s W.NPY)" = "2x3" ]
	grep -q '^<svg ' H.SVG
	# -f gives the format; no extension, or a device, takes -f or csv
	"$SA" -Q Q.csv -K K.csv -V V.csv -o y.xlsx -f tsv -p 6
	[ "$(head -1 y.xlsx)" = "$(printf '6.01668\t3.98332')" ]
	"$SA" -Q Q.csv -K K.csv -V V.csv -o y -a .w -p 6
	[ "$(head -1 y)" = "6.01668,3.98332" ]
	# a name that is only an extension is a hidden file with none,
	# however the folder is written
	mkdir sub
	for y in .npy ./.npy sub/.npy "$PWD/sub/.NPY"; do
		"$SA" -Q Q.csv -K K.csv -V V.csv -o "$y" -p 6
		[ "$(head -1 "$y")" = "6.01668,3.98332" ]
	done
	mkfifo f.pipe
	"$SA" -Q Q.csv -K K.csv -V V.csv -o f.pipe -p 6 & cat f.pipe > got
	wait
	[ "$(head -1 got)" = "6.01668,3.98332" ]
}

@test "output: -p rounds to significant digits" {
	mkdata
	run "$SA" -Q Q.csv -K K.csv -V V.csv -p 2
	[ "${lines[0]}" = "6,4" ]
	run "$SA" -Q Q.csv -K K.csv -V V.csv -p 17
	# 17 digits; the last ones may vary with the CPU's fused multiply-add
	[[ "${lines[0]}" =~ ^6\.01668139019678[0-9][0-9],3\.98331860980321[0-9][0-9]$ ]]
}

@test "output: default precision reads back to the same doubles as .npy" {
	mkdata
	"$SA" -x X.csv -q rand:3x3 -k rand:3x3 -v randn:3x5 -o a.csv -a wa.csv
	"$SA" -x X.csv -q rand:3x3 -k rand:3x3 -v randn:3x5 -o a.npy -a wa.npy
	"$CMPMAT" a.csv a.npy
	"$CMPMAT" wa.csv wa.npy
}

@test "weights: one head gives an n x m matrix whose rows sum to 1" {
	mkdata
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv -o /dev/null -a w.csv
	[ "$("$CATMAT" -s w.csv)" = "4x4" ]
	awk -F, '{ s = 0; for (i = 1; i <= NF; i++) s += $i;
	    if (s < 1 - 1e-12 || s > 1 + 1e-12) exit 1 }' w.csv
}

@test "weights: several heads give blank-separated blocks in text" {
	run "$SA" -Q rand:3x4 -K rand:5x4 -V rand:5x2 -H 2 -o /dev/null -a w.csv
	[ "$status" -eq 0 ]
	[ "$(wc -l < w.csv)" -eq 7 ]
	[ "$(sed -n 4p w.csv)" = "" ]
	[ "$("$CATMAT" -s w.csv)" = "2x3x5" ]
}

@test "weights: several heads give a (heads, n, m) .npy" {
	run "$SA" -Q rand:3x6 -K rand:5x6 -V rand:5x3 -H 3 -o /dev/null -a w.npy
	[ "$status" -eq 0 ]
	[ "$("$CATMAT" -s w.npy)" = "3x3x5" ]
}

@test "weights: -a - writes the weights to standard output" {
	mkdata
	run --separate-stderr "$SA" -Q Q.csv -K K.csv -V V.csv -o y.csv -a - -p 3
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0.401,0.198,0.401" ]
	[ "$("$CATMAT" -s y.csv)" = "2x2" ]
}

@test "stdin: X read from a pipe gives the same result as from a file" {
	mkdata
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv > want.csv
	cat X.csv | "$SA" -x - -q W.csv -k W.csv -v W.csv > got.csv
	cmp got.csv want.csv
}

@test "stdin: a .npy stream is recognised by content, not name" {
	mkdata
	"$SA" -Q Q.csv -K K.csv -V V.csv -o /dev/null -a w.npy
	"$SA" -Q Q.csv -K K.csv -V V.csv > want.csv
	cat V.csv > v.data
	"$SA" -Q Q.csv -K K.csv -V v.data > got.csv
	cmp got.csv want.csv
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv -f npy |
	    "$SA" -x - -q W.csv -k W.csv -v W.csv > npy.csv
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv |
	    "$SA" -x - -q W.csv -k W.csv -v W.csv > csv.csv
	cmp npy.csv csv.csv
}

@test "stdin: a .npy is read to the end of its data, no further: the next reader gets the rest" {
	mkdata
	"$SA" -Q Q.csv -K K.csv -V V.csv -f npy >y1.npy
	"$SA" -Q Q.csv -K Q.csv -V Q.csv -f npy >y2.npy
	"$SA" -Q y1.npy -K K.csv -V V.csv >want1.csv
	"$SA" -Q y2.npy -K K.csv -V V.csv >want2.csv
	cat y1.npy y2.npy >both.npy
	# from a pipe, and from a file on standard input (its offset)
	cat both.npy | { "$SA" -Q - -K K.csv -V V.csv >got1.csv;
	    "$SA" -Q - -K K.csv -V V.csv >got2.csv; }
	cmp got1.csv want1.csv
	cmp got2.csv want2.csv
	{ "$SA" -Q - -K K.csv -V V.csv >got1.csv; cat >rest.npy; } <both.npy
	cmp got1.csv want1.csv
	cmp rest.npy y2.npy
}

@test "stdin: diagnostics name standard input <stdin>" {
	mkdata
	run bash -c 'printf "1,2\n3,x\n" | "$1" -Q - -K K.csv -V V.csv' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$output" = 'selfattn: <stdin>:2:3: expected a number, found "x"' ]
}

@test "scale: the default is 1/sqrt(dk)" {
	mkdata
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv > dflt.csv
	s=$(awk 'BEGIN { printf "%.17g", 1 / sqrt(3) }')
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv -s "$s" > s.csv
	cmp dflt.csv s.csv
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv -s 1 > one.csv
	not cmp -s dflt.csv one.csv
}

@test "scale: none is 1" {
	mkdata
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv -s none > none.csv
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv --scale 1 > one.csv
	cmp none.csv one.csv
}

@test "seed: the default seed is 0 and --seed changes the draws" {
	mkdata
	"$SA" -x X.csv -q rand:3x3 -k rand:3x3 -v rand:3x3 > a.csv
	"$SA" -x X.csv -q rand:3x3 -k rand:3x3 -v rand:3x3 --seed 0 > b.csv
	"$SA" -x X.csv -q rand:3x3 -k rand:3x3 -v rand:3x3 --seed 1 > c.csv
	cmp a.csv b.csv
	not cmp -s a.csv c.csv
}

@test "long options are the short ones" {
	mkdata
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv -w W.csv -H 1 -s 0.5 -p 5 -f tsv -o s.out -a s.w
	"$SA" --input X.csv --wq W.csv --wk W.csv --wv W.csv --wo W.csv --heads 1 \
	    --scale 0.5 --precision 5 --format tsv --output l.out --weights l.w
	cmp s.out l.out
	cmp s.w l.w
	"$SA" --queries Q.csv --keys K.csv --values V.csv --seed 3 > l.csv
	"$SA" -Q Q.csv -K K.csv -V V.csv > s.csv
	cmp s.csv l.csv
}

@test "atomic: a failed run writes no output file" {
	mkdata
	run "$SA" -x X.csv -q rand:2x3 -k W.csv -v W.csv -o out.csv -a w.csv
	[ "$status" -eq 1 ]
	[ ! -e out.csv ]
	[ ! -e w.csv ]
	[ -z "$(ls | grep selfattn)" ]
}

@test "atomic: a failed run leaves existing files untouched" {
	mkdata
	echo keep > out.csv
	echo keep > w.npy
	run "$SA" -x X.csv -q W.csv -k W.csv -v bad.csv -o out.csv -a w.npy
	[ "$status" -eq 1 ]
	[ "$(cat out.csv)" = keep ]
	[ "$(cat w.npy)" = keep ]
	[ "$(ls | wc -l)" -eq 7 ]
}

@test "atomic: a successful run replaces the file; a new one honours the umask" {
	mkdata
	echo old > out.csv
	"$SA" -Q Q.csv -K K.csv -V V.csv -o out.csv
	[ "$(wc -l < out.csv)" -eq 2 ]
	(umask 027 && "$SA" -Q Q.csv -K K.csv -V V.csv -o new.csv)
	[ "$(stat -c %a new.csv)" = 640 ]
}

@test "atomic: an output into a missing folder fails before reading inputs" {
	mkdata
	run "$SA" -Q Q.csv -K K.csv -V missing.csv -o nodir/out.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: nodir/out.csv: No such file or directory" ]
}

@test "atomic: a folder as the output is an error" {
	mkdata
	mkdir d
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o d
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: d: Is a directory" ]
}

@test "output: a device is written in place, not replaced" {
	mkdata
	"$SA" -Q Q.csv -K K.csv -V V.csv -o /dev/null -a /dev/null
	[ -c /dev/null ]
	mkfifo f
	"$SA" -Q Q.csv -K K.csv -V V.csv -o f & cat f > got.csv
	wait
	[ "$(wc -l < got.csv)" -eq 2 ]
	[ -p f ]
}

@test "output: a full disk is a write error and leaves no file" {
	mkdata
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o /dev/full
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /dev/full: write error: No space left on device" ]
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv > /dev/full' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: <stdout>: write error: No space left on device" ]
}

@test "output: a 1-D query gives a 1-D output and weights" {
	mkdata
	run "$SA" -Q rand:2 -K K.csv -V V.csv -o y.npy -a w.npy
	[ "$status" -eq 0 ]
	[ "$("$CATMAT" -s y.npy)" = "2" ]
	[ "$("$CATMAT" -s w.npy)" = "3" ]
	# as text it is one row
	run "$SA" -Q rand:2 -K K.csv -V V.csv
	[ "${#lines[@]}" -eq 1 ]
}

@test "atomic: an output through a symlink replaces the target, keeps the link" {
	mkdata
	mkdir t
	echo old > t/real.csv
	ln -s t/real.csv link.csv
	"$SA" -Q Q.csv -K K.csv -V V.csv -o link.csv
	[ -L link.csv ]
	[ "$(wc -l < t/real.csv)" -eq 2 ]
	[ -z "$(ls t | grep selfattn)" ]
}

@test "usage: -o and -a naming one existing file by two paths" {
	mkdata
	echo x > same.csv
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o same.csv -a ./same.csv
	usage_fails
	[ "${lines[0]}" = 'selfattn: -o same.csv and -a ./same.csv name the same file' ]
}
