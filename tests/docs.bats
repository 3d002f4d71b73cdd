#!/usr/bin/env bats
# The documentation against the tool: the manual is clean mdoc, the
# samples print what NumPy prints, the examples of the manual and of
# README.md run and print what they show, and every long option of
# src/main.c is in --help, the manual and README.md.

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
	printf '%s\n' NAME SYNOPSIS DESCRIPTION ENVIRONMENT "EXIT STATUS" EXAMPLES \
	    DIAGNOSTICS "SEE ALSO" STANDARDS CAVEATS >want
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

@test "docs: every sample folder has run.sh, numpy.txt and a README entry" {
	local d n=0
	for d in "$SAMPLES"/*/; do
		d=${d%/}
		[ -f "$d/run.sh" ]
		[ -s "$d/numpy.txt" ]
		grep -q "^${d##*/}/\$" "$SAMPLES/README"
		n=$((n + 1))
	done
	[ "$n" -eq 4 ]
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

@test "docs: the README examples run and print what README shows" {
	# Each ```sh block is a script; the ```text block right after it is
	# its whole output.
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
	ls readme-*.sh >scripts
	[ "$(wc -l <scripts)" -ge 6 ]
	scratch
	while read -r s; do
		[ -f "${s%.sh}.txt" ]
		run_example "$s" "${s%.sh}.txt"
	done <scripts
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
