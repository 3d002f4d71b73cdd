#!/usr/bin/env bats
# The documentation against the tool: the manual is clean mdoc, the
# samples print what NumPy prints, the examples of the manual and of
# README.md run and print what they show, every message they quote is
# printed as quoted, and every long option of src/main.c is in --help,
# the manual and README.md.

load helpers

MAN="$ROOT/man/selfattn.1"
README="$ROOT/README.md"

# The manual as a reader sees it: rendered, overstrike removed.
rendered_man() {
	mandoc -Tascii "$MAN" | sed 's/.\x08//g'
}

# Print "NAME SHORT" for each entry of src/main.c's longopts table; SHORT
# is the option letter, or "-" when the option has none.
longopts() {
	sed -n '/^static const struct option longopts\[\] = {/,/^};/p' \
	    "$ROOT/src/main.c" |
	    sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*, NULL, \(.*\) },*$/\1 \2/p' |
	    sed "s/ [A-Z_][A-Z_ +]*\$/ -/; s/ '\\(.\\)'\$/ \\1/"
}

# numbers FILE: the numbers in FILE, one a line, and a line "#" where
# FILE has a line starting with '#'.  Brackets, commas and labels such
# as "Attention Output:" are dropped.
numbers() {
	awk '
	/^#/ { print "#"; next }
	{
		gsub(/[][,]/, " ")
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ ||
			    $i ~ /^-?(nan|inf)$/)
				print $i
	}' "$1"
}

# same_numbers NUMPY GOT: the numbers NumPy printed (file NUMPY) are the
# first numbers of GOT (selfattn's output), and are all of them or all
# before GOT's first '#' line.  Two numbers agree when GOT's, rounded to
# the digits NumPy printed, gives the same text as NumPy's: NumPy prints
# at most 8 decimals, so "0.95898428" is compared to "%.8f" of ours.
same_numbers() {
	numbers "$1" >want.nums
	numbers "$2" >got.nums
	awk '
	function fmt(tok, x,   k, mant) {
		if (tok ~ /[eE]/) {
			mant = tok; sub(/[eE].*/, "", mant)
			k = index(mant, ".") ? length(mant) - index(mant, ".") : 0
			return sprintf("%." k "e", x)
		}
		k = index(tok, ".") ? length(tok) - index(tok, ".") : 0
		return sprintf("%." k "f", x)
	}
	NR == FNR { if ($0 != "#") want[++nw] = $0; next }
	$0 == "#" { if (!sec) sec = ng; next }
	{ got[++ng] = $0 }
	END {
		if (!sec) sec = ng
		if (nw == 0) { print "no numbers from NumPy"; exit 1 }
		if (nw != ng && nw != sec) {
			printf "NumPy printed %d numbers, selfattn %d (%d before #)\n",
			    nw, ng, sec
			exit 1
		}
		bad = 0
		for (i = 1; i <= nw; i++) {
			w = want[i]; g = got[i]
			if (w ~ /nan|inf/ || g ~ /nan|inf/)
				ok = (w == g)
			else
				ok = (fmt(w, w + 0) == fmt(w, g + 0))
			if (!ok) {
				printf "number %d: NumPy %s, selfattn %s (%s)\n",
				    i, w, g, fmt(w, g + 0)
				bad++
			}
		}
		exit bad != 0
	}' want.nums got.nums
}

# run_sample NAME: run samples/NAME/run.sh from the repo root with the
# built binary; compare with samples/NAME/numpy.txt.
run_sample() {
	local name=$1
	(cd "$ROOT" && SELFATTN="$SA" sh "samples/$name/run.sh") \
	    >"$name.out" 2>"$name.err"
	[ ! -s "$name.err" ] || { cat "$name.err"; return 1; }
	same_numbers "$SAMPLES/$name/numpy.txt" "$name.out"
}

# A scratch copy of the samples to run examples in, with `selfattn` on
# the PATH being the built binary.
scratch() {
	mkdir scratch
	cp -R "$SAMPLES" scratch/samples
}

# run_example SCRIPT EXPECTED: run SCRIPT with sh -e in the scratch
# folder; it must exit 0, print nothing on standard error and print
# exactly EXPECTED; and it must not have changed the samples.
run_example() {
	local script=$1 expected=$2 rc=0
	(cd scratch && PATH="$ROOT:$PATH" SELFATTN="$SA" sh -e "../$script") \
	    >"$script.out" 2>"$script.err" || rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$script.err" ] ||
	    ! diff "$expected" "$script.out" >"$script.diff"; then
		echo "--- example $script (exit $rc):"
		cat "$script"
		echo "--- standard error:"
		cat "$script.err"
		echo "--- diff expected got:"
		cat "$script.diff"
		return 1
	fi
	diff -r "$SAMPLES" scratch/samples
}

@test "docs: mandoc -Tlint finds nothing in man/selfattn.1" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run mandoc -Tlint "$MAN"
	echo "$output"
	[ -z "$output" ]
	[ "$status" -eq 0 ]
}

@test "docs: the manual is dated and has the conventional sections" {
	grep -qx '\.Dd [A-Z][a-z]* [0-9][0-9]*, [0-9][0-9][0-9][0-9]' "$MAN"
	grep '^\.Sh ' "$MAN" | sed 's/^\.Sh //' >sections
	printf '%s\n' NAME SYNOPSIS DESCRIPTION ENVIRONMENT FILES "EXIT STATUS" \
	    EXAMPLES DIAGNOSTICS "SEE ALSO" STANDARDS CAVEATS >want
	diff want sections
}

@test "docs: samples/lesson-self-attention prints what NumPy prints" {
	run_sample lesson-self-attention
}

@test "docs: samples/lesson-attention-mechanism prints what NumPy prints" {
	run_sample lesson-attention-mechanism
}

@test "docs: samples/multihead prints what NumPy prints" {
	run_sample multihead
}

@test "docs: samples/torch-mha prints what torch.nn.MultiheadAttention computes" {
	run_sample torch-mha
}

@test "docs: samples/cat-sat prints its weights table, labelled" {
	run_sample cat-sat
}

@test "docs: every sample folder has run.sh, numpy.txt and a README entry" {
	local d n=0
	for d in "$SAMPLES"/*/; do
		d=${d%/}
		[ -f "$d/run.sh" ]
		[ -s "$d/numpy.txt" ]
		grep -q "^${d##*/}/\$" "$SAMPLES/README"
		n=$((n + 1))
	done
	[ "$n" -eq 5 ]
}

@test "docs: the number comparison tells different numbers apart" {
	printf 'Output: [[0.95898428 1.25331415]\n [1e-05 -2.5]]\n' >np.txt
	printf '0.958984283,1.253314154\n1.0000000001e-05,-2.5\n' >ok.txt
	same_numbers np.txt ok.txt
	printf '0.958984287,1.25331415\n1e-05,-2.5\n' >bad.txt
	run same_numbers np.txt bad.txt
	[ "$status" -ne 0 ]
	[ "$output" = "number 1: NumPy 0.95898428, selfattn 0.958984287 (0.95898429)" ]
	printf '0.958984283,1.25331415\n1e-05\n' >short.txt
	run same_numbers np.txt short.txt
	[ "$status" -ne 0 ]
	printf '0.958984283,1.25331415\n# weights\n1e-05,-2.5\n1,0\n' >sec.txt
	run same_numbers np.txt sec.txt
	[ "$status" -ne 0 ]
	printf '0.958984283,1.25331415\n1e-05,-2.5\n# weights\n1,0\n' >w.txt
	same_numbers np.txt w.txt
}

# readme_scripts: README's ```sh blocks as readme-N.sh, each with the
# ```text block right after it (its whole output) as readme-N.txt; the
# scripts that call GNU parallel listed in par, the others in scripts.
readme_scripts() {
	awk '
	/^```/ && !inb {
		inb = 1; lang = substr($0, 4); f = ""
		if (want == 1 && lang != "text") {
			print "```sh block " n " has no ```text block after it" > "/dev/stderr"
			exit 1
		}
		if (lang == "sh") { n++; f = "readme-" n ".sh"; want = 1 }
		else if (lang == "text" && want == 1) { f = "readme-" n ".txt"; want = 2 }
		if (f != "") printf "" > f
		next
	}
	/^```$/ && inb { inb = 0; if (want == 2) want = 0; f = ""; next }
	inb && f != "" { print > f }
	END { if (want == 1) { print "last ```sh block has no output" > "/dev/stderr"; exit 1 } }
	' "$README"
	grep -l '^parallel ' readme-*.sh >par || true
	ls readme-*.sh | grep -vxF -f par >scripts
}

@test "docs: the README examples run and print what README shows" {
	readme_scripts
	[ "$(wc -l <scripts)" -ge 6 ]
	scratch
	while read -r s; do
		[ -f "${s%.sh}.txt" ]
		run_example "$s" "${s%.sh}.txt"
	done <scripts
}

@test "docs: the README's GNU parallel example runs and prints what README shows" {
	readme_scripts
	[ "$(wc -l <par)" -ge 1 ]
	command -v parallel >/dev/null ||
	    skip "GNU parallel is not installed (apt-get install parallel)"
	scratch
	while read -r s; do
		run_example "$s" "${s%.sh}.txt"
	done <par
}

@test "docs: the manual's EXAMPLES run and print what they show" {
	# In each .Bd -literal block of EXAMPLES, a line "$ CMD" is a
	# command, continued by the lines after it that start with a blank;
	# the other lines are the output.  Blocks without a "$ " line (what
	# NumPy prints) are not run.
	awk '
	/^\.Sh / { inex = ($0 == ".Sh EXAMPLES"); next }
	!inex { next }
	/^\.Bd -literal/ { inb = 1; n++; cmd = 0; next }
	/^\.Ed/ { inb = 0; next }
	!inb { next }
	{
		line = $0
		gsub(/\\e/, "\001", line)
		gsub(/\\&/, "", line)
		gsub(/\\-/, "-", line)
		gsub(/\\\(aq/, "'\''", line)
		if (index(line, "\\")) {
			print "unsupported escape in: " $0 > "/dev/stderr"
			exit 1
		}
		gsub(/\001/, "\\", line)
		if (line ~ /^\$ /) {
			print substr(line, 3) > ("man-" n ".sh")
			printf "" >> ("man-" n ".txt")
			cmd = 1
		} else if (cmd && line ~ /^[ \t]/) {
			print line > ("man-" n ".sh")
		} else {
			cmd = 0
			print line > ("man-" n ".txt")
		}
	}' "$MAN"
	ls man-*.sh >scripts
	[ "$(wc -l <scripts)" -ge 6 ]
	scratch
	while read -r s; do
		run_example "$s" "${s%.sh}.txt"
	done <scripts
}

@test "docs: --help, the manual and README.md name every long option" {
	local name short n=0 help page
	command -v mandoc >/dev/null || skip "mandoc not installed"
	longopts >opts
	help=$("$SA" --help)
	page=$(rendered_man)
	while read -r name short; do
		n=$((n + 1))
		echo "option --$name (short: $short)"
		case $help in *"--$name"*) ;; *) echo "not in --help"; return 1 ;; esac
		case $page in *"--$name"*) ;; *) echo "not in the manual"; return 1 ;; esac
		grep -q -- "--$name\\b" "$README" || { echo "not in README.md"; return 1; }
		[ "$short" = - ] && continue
		case $help in *"-$short, --$name"*) ;; *) echo "-$short not in --help"; return 1 ;; esac
		printf '%s\n' "$page" | grep -Eq -- "-$short( [a-z]+)?, --$name" ||
		    { echo "-$short, --$name not in the manual"; return 1; }
		grep -q -- "-$short\\b" "$README" || { echo "-$short not in README.md"; return 1; }
	done <opts
	# The table has 17 entries today; fewer means the parsing broke.
	[ "$n" -ge 17 ]
}

# The messages that README.md (its diagnostics block) and the manual
# (DIAGNOSTICS) quote, one a line, as selfattn prints them.
documented_messages() {
	awk '
	/^## / { sec = ($0 == "## Exit status and diagnostics") }
	sec && /^```/ { inb = !inb; next }
	sec && inb && /^selfattn: / { print }
	' "$README"
	awk '
	/^\.Sh / { sec = ($0 == ".Sh DIAGNOSTICS"); next }
	sec && /^selfattn: / {
		gsub(/\\&/, ""); gsub(/\\-/, "-"); gsub(/\\e/, "\\")
		print
	}' "$MAN"
}

# Each documented message, then the command that prints it, indented
# by a tab and preceded by its exit status.  Commands run in an empty
# folder, with selfattn on the PATH and mat NAME ROWS COLS, which writes
# a CSV matrix of ROWS x COLS.
MESSAGES='selfattn: X.csv:2:3: expected a number, found "x"
	1 printf "1,2\n3,x\n" >X.csv; selfattn -x X.csv -q rand:2x2 -k rand:2x2 -v rand:2x2
selfattn: X.csv:1:1: expected a number with a decimal point, found "1,5"
	1 printf "1,5;2,5\n3;4\n" >X.csv; selfattn -x X.csv -q rand:2x2 -k rand:2x2 -v rand:2x2
selfattn: <stdin>:1:1: expected a line of at most 256 MiB, found more
	1 yes 1, | tr -d "\n" | selfattn -x - -q rand:2x2 -k rand:2x2 -v rand:2x2
selfattn: X.csv:3:1: expected 3 fields as on line 1, found 2
	1 printf "1,2,3\n4,5,6\n7,8\n" >X.csv; selfattn -x X.csv -q rand:3x3 -k rand:3x3 -v rand:3x3
selfattn: X.csv:2:5: expected a closing '"'"'"'"'"', found the end of the line
	1 printf "1,2\n3,\"4\n" >X.csv; selfattn -x X.csv -q rand:2x2 -k rand:2x2 -v rand:2x2
selfattn: X.npy: unsupported dtype '"'"'<c16'"'"' (complex); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)
	1 cp "$DATA/npy/bad_c16.npy" X.npy; selfattn -x X.npy -q rand:2x2 -k rand:2x2 -v rand:2x2
selfattn: k.npy: expected 31200 bytes of data at byte 100000, found the end of the file (was it cut while being read?)
	1 g="$DATA/../tools/npygen"; $g -s 1 1 64 q.npy; $g -s 2 3000 64 k.npy; $g -s 3 3000 64 v.npy; mkfifo len; selfattn -Q q.npy -K k.npy -V v.npy --key-lengths len -o y.npy & exec 7>len; truncate -s 100000 k.npy; echo 3000 >&7; exec 7>&-; wait $!
selfattn: -q (WQ) Wq.csv is 2x2x2: expected a matrix (1-D or 2-D): put the heads'"'"' blocks side by side (H blocks of dk columns)
	1 printf "1,2\n3,4\n\n5,6\n7,8\n" >Wq.csv; selfattn -x rand:3x2 -q Wq.csv -k rand:2x2 -v rand:2x2
selfattn: -q (WQ) Wq.csv is 3x3 but -x (X) X.csv has 4 columns
	1 mat X.csv 2 4; mat Wq.csv 3 3; selfattn -x X.csv -q Wq.csv -k rand:4x3 -v rand:4x3
selfattn: -w (WO) Wo.csv is 3x3 but the attention output has 4 columns (2 heads of 2)
	1 mat X.csv 3 4; mat Wo.csv 3 3; selfattn -x X.csv -q rand:4x4 -k rand:4x4 -v rand:4x4 -H 2 -w Wo.csv
selfattn: -k (WK) Wk.csv is 4x3 but -x (X) X.csv has 3 columns; its transpose would fit: give --layout torch if the weights are stored out x in, as PyTorch stores them (it applies to every weight), else transpose this one; if the keys come from another sequence, of width 4 (PyTorch'"'"'s kdim), give it with -m (or --memory-keys and --memory-values)
	1 mat X.csv 4 3; mat Wk.csv 4 3; selfattn -x X.csv -q rand:3x3 -k Wk.csv -v rand:3x3
selfattn: -k (WK) Wk.csv is 4x2 but -q (WQ) Wq.csv is 4x3: queries and keys need the same number of columns
	1 mat X.csv 2 4; mat Wq.csv 4 3; mat Wk.csv 4 2; selfattn -x X.csv -q Wq.csv -k Wk.csv -v rand:4x3
selfattn: -V (V) V.csv is 2x4 but -K (K) K.csv is 3x4: every key needs a value
	1 mat Q.csv 2 4; mat K.csv 3 4; mat V.csv 2 4; selfattn -Q Q.csv -K K.csv -V V.csv
selfattn: -Q (Q) Q.csv is 4x3: its 3 columns do not split into 2 heads of equal width (-H 2)
	1 mat Q.csv 4 3; selfattn -Q Q.csv -K rand:5x3 -V rand:5x2 -H 2
selfattn: --mask mask.csv: expected 0 or 1 (1 = may attend), found -inf at query 0, key 1: give values added to the scores with --bias
	1 printf "0,-inf,0\n0,0,0\n" >mask.csv; selfattn -Q rand:2x4 -K rand:3x4 -V rand:3x4 --mask mask.csv
selfattn: nope.csv: No such file or directory
	1 selfattn -x nope.csv -q rand:2x2 -k rand:2x2 -v rand:2x2
selfattn: /dev/full: write error: No space left on device
	1 selfattn -Q rand:2x2 -K rand:3x2 -V rand:3x2 -o /dev/full
selfattn: missing -v: self-attention needs -x, -q, -k and -v (or --in-proj)
	2 selfattn -x X.csv -q Wq.csv -k Wk.csv
selfattn: unknown option --bogus
	2 selfattn --bogus
selfattn: -H expects a number of heads >= 1, found "0"
	2 selfattn -Q Q.csv -K K.csv -V V.csv -H 0
selfattn: -Q - and -K - both read standard input: it can be read by one option only
	2 selfattn -Q - -K - -V V.csv
selfattn: option -o given twice
	2 selfattn -Q Q.csv -K K.csv -V V.csv -o a.csv -o b.csv
selfattn: -Q: expected a generator rand:ROWSxCOLS or rand:COUNT with counts from 1 to 18446744073709551615, found "rand:3y3"
	2 selfattn -Q rand:3y3 -K K.csv -V V.csv
selfattn: -c=bottom-right: a short option takes its optional argument attached, without "=": write -cbottom-right or --causal=bottom-right
	2 selfattn -Q Q.csv -K K.csv -V V.csv -c=bottom-right
selfattn: unexpected argument "bottom-right": write --causal=bottom-right
	2 selfattn -Q Q.csv -K K.csv -V V.csv --causal bottom-right
selfattn: unknown option --casual: did you mean --causal?
	2 selfattn -Q Q.csv -K K.csv -V V.csv --casual
selfattn: -a expects a file name, found "-o", an option: for a file of that name, write ./-o
	2 selfattn -Q Q.csv -K K.csv -V V.csv -a -o y.csv
selfattn: -o y.xlsx: unknown extension ".xlsx": use .csv, .tsv, .txt or .npy, or give -f
	2 selfattn -Q Q.csv -K K.csv -V V.csv -o y.xlsx
selfattn: warning: 2 query rows, counted in each head, have every key masked: their weights and their heads'"'"' outputs are 0
	0 printf "0,0,0\n1,1,1\n" >mask.csv; selfattn -Q rand:2x4 -K rand:3x4 -V rand:3x4 -H 2 --mask mask.csv -o /dev/null
selfattn: warning: 1 query row has every key masked: its output is bo and its weights are 0
	0 printf "0,0,0\n1,1,1\n" >mask.csv; selfattn -Q rand:2x4 -K rand:3x4 -V rand:3x4 -w rand:4x2 --bo rand:2 --mask mask.csv -o /dev/null
selfattn: warning: 2 log-sum-exp values are -inf in every shard (no key seen): their outputs are the first shard'\''s (0, or bo with -w --bo)
	0 printf "0,0,0\n1,1,1\n" >mask.csv; selfattn -Q rand:2x4 -K rand:3x4 -V rand:3x4 -H 2 --mask mask.csv --key-range 0:3 -o y.csv --lse l.csv; selfattn --merge -o /dev/null y.csv l.csv'

@test "docs: every message README.md and the manual quote is printed as shown" {
	local msg line want cmd n=0 rc
	printf '%s\n' "$MESSAGES" | grep '^selfattn: ' | sort -u >listed
	documented_messages | sort -u >documented
	[ "$(wc -l <documented)" -ge 20 ]
	# a documented message without a command here, or the reverse
	diff documented listed
	# a command writes a FIFO selfattn reads: without npygen, selfattn
	# fails before opening it and the writer waits forever
	[ -x "$DATA/../tools/npygen" ] || {
		echo "tests/tools/npygen is missing: run make test" >&2
		return 1
	}
	while IFS= read -r line; do
		case $line in
		selfattn:*) msg=$line; continue ;;
		esac
		line=${line#	}
		want=${line%% *}
		cmd=${line#* }
		n=$((n + 1))
		mkdir "m$n"
		rc=0
		(cd "m$n" && PATH="$ROOT:$PATH" DATA="$DATA" bash -c '
		    mat() { awk -v r="$2" -v c="$3" "BEGIN { for (i = 1; i <= r; i++)
			for (j = 1; j <= c; j++) printf \"%s%s\", (i + j) % 5 / 4,
			j < c ? \",\" : \"\n\" }" >"$1"; }
		    '"$cmd" >/dev/null 2>"../m$n.err") || rc=$?
		if [ "$rc" -ne "$want" ] || [ "$(head -1 "m$n.err")" != "$msg" ]; then
			echo "command: $cmd"
			echo "exit status $rc (want $want), standard error:"
			cat "m$n.err"
			echo "documented: $msg"
			return 1
		fi
	done <<<"$MESSAGES"
	[ "$n" -eq "$(wc -l <listed)" ]
}

@test "docs: the manual's SYNOPSIS lists every option" {
	local name short n=0 syn
	longopts >opts
	syn=$(rendered_man | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p')
	while read -r name short; do
		n=$((n + 1))
		if [ "$short" = - ]; then
			printf '%s\n' "$syn" | grep -q -- "--$name\\b" ||
			    { echo "--$name not in SYNOPSIS"; return 1; }
		else
			printf '%s\n' "$syn" | grep -q -- "-$short\\b" ||
			    { echo "-$short (--$name) not in SYNOPSIS"; return 1; }
		fi
	done <opts
	[ "$n" -ge 17 ]
}

@test "docs: the manual writes a product of axes with a dot, not a micro sign" {
	mandoc -Tutf8 "$MAN" | sed 's/.\x08//g' >page
	not grep -q 'µ' page
	grep -q 'B·H × n × dv' page
}

@test "docs: the manual writes a transpose as ^T, not an arrow" {
	run grep -c '\\(ua' "$MAN"
	[ "$output" = 0 ]
	mandoc -Tutf8 "$MAN" | sed 's/.\x08//g' >page
	not grep -q '↑' page
	grep -q 'x·W^T + b' page
}

@test "docs: README's PyTorch script is the code of samples/gen_torch.py" {
	# samples/gen_torch.py, run once, wrote samples/torch-mha with this
	# code; the tests never run Python, so check that it is the same.
	awk '/^```python$/ { inb = 1; n++; next } /^```$/ { inb = 0 }
	    inb { print }' "$README" >snippet.py
	[ "$(wc -l <snippet.py)" -ge 10 ]
	grep -q '^import torch$' snippet.py
	tr '\n' '\001' <snippet.py >snippet.one
	tr '\n' '\001' <"$SAMPLES/gen_torch.py" >gen.one
	grep -qF -f snippet.one gen.one
}

@test "docs: README counts the PyTorch cases of tests/torch as there are" {
	n=$(ls "$ROOT"/tests/torch/*/cmd | wc -l)
	[ "$n" -gt 70 ]
	grep -q "^\`tests/torch/\` holds $n cases like this one" "$README"
}
