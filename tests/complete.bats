#!/usr/bin/env bats
# --completion bash|zsh: made from the option table, so it names every
# long option of src/main.c's longopts (extracted as tests/docs.bats
# extracts it), and the bash function completes as it should when
# driven through COMP_WORDS and COMP_CWORD.

load helpers

# "NAME SHORT" per longopts entry (SHORT "-" for none), as docs.bats.
longopts() {
	sed -n '/^static const struct option longopts\[\] = {/,/^};/p' \
	    "$ROOT/src/main.c" |
	    sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*, NULL, \(.*\) },*$/\1 \2/p' |
	    sed "s/ [A-Z_][A-Z_ +]*\$/ -/; s/ '\\(.\\)'\$/ \\1/"
}

# comp WORD...: the bash completions of the last word (one a line).
# The words are COMP_WORDS as bash splits a line: at blanks, and at its
# COMP_WORDBREAKS, a run of them ("=", "@", "=@") a word of its own, so
# COMP_LINE joins those with no blank: "--causal = b" is --causal=b,
# "--labels @ x" is --labels @x (a blank before an @ alone).
comp() {
	bash -c 'source "$1"; COMP_WORDBREAKS=$2; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE= glue=1
		for w in "$@"; do
			case $w in
			=|=@) COMP_LINE+=$w glue=1; continue ;;
			@) COMP_LINE+=" $w" glue=1; continue ;;
			esac
			if ((glue)); then COMP_LINE+=$w; else COMP_LINE+=" $w"; fi
			glue=0
		done
		COMP_POINT=${#COMP_LINE}
		[ -z "${COMP_IFS+x}" ] || IFS=$COMP_IFS
		_selfattn
		IFS=$'"'"' \t\n'"'"'
		printf "%s\n" "${COMPREPLY[@]}"' comp "$BATS_TEST_TMPDIR/c.bash" \
	    $' \t\n"\'@><=;|&(:' "$@"	# an interactive bash's COMP_WORDBREAKS
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	"$SA" --completion bash >c.bash
	touch in1.csv in2.npy
}

@test "completion: bash and zsh name every long option and letter" {
	local name short n=0
	"$SA" --completion zsh >c.zsh
	longopts >opts
	while read -r name short; do
		n=$((n + 1))
		grep -q -- "--$name\\b" c.bash || { echo "--$name not in bash"; return 1; }
		grep -q -- "'--$name[=:' -]" c.zsh || { echo "--$name not in zsh"; return 1; }
		[ "$short" = - ] && continue
		grep -q -- " -$short\\b" c.bash || { echo "-$short not in bash"; return 1; }
		grep -q -- "'-$short[-+:']" c.zsh || { echo "-$short not in zsh"; return 1; }
	done <opts
	[ "$n" -ge 17 ]
	# and the option list offered for "-" is exactly the table
	comp selfattn - | grep -- '^--' | sed 's/^--//; s/=$//' | sort -u >got
	cut -d' ' -f1 opts | sort >want
	diff want got
}

@test "completion: bash registers _selfattn for selfattn" {
	run bash -c 'source c.bash; complete -p selfattn'
	[ "$status" -eq 0 ]
	[ "$output" = "complete -o filenames -F _selfattn selfattn" ]
}

@test "completion: bash completes options, keywords and files" {
	# an optional argument: --causal= beside --causal, so that bash
	# puts no space after the name
	[ "$(comp selfattn --cau)" = "$(printf '%s\n' --causal --causal=)" ]
	# bash splits "--causal=b" at "=" (COMP_WORDBREAKS); the reply
	# replaces what follows it
	[ "$(comp selfattn --causal =)" = "$(printf '%s\n' top-left bottom-right)" ]
	[ "$(comp selfattn --causal = '')" = "$(printf '%s\n' top-left bottom-right)" ]
	[ "$(comp selfattn --causal = b)" = "bottom-right" ]
	[ "$(comp selfattn --layout '')" = "$(printf '%s\n' row torch)" ]
	# whatever the user's IFS
	[ "$(COMP_IFS=, comp selfattn --layout '')" = "$(printf '%s\n' row torch)" ]
	[ "$(COMP_IFS=, comp selfattn --cau)" = "$(printf '%s\n' --causal --causal=)" ]
	[ "$(comp selfattn --score g)" = "general" ]
	[ "$(comp selfattn --dtype '')" = "$(printf '%s\n' f64 f32)" ]
	[ "$(comp selfattn -f n)" = "npy" ]
	[ "$(comp selfattn --pos '')" = "sinusoidal" ]
	[ "$(comp selfattn --completion z)" = "zsh" ]
	[ "$(comp selfattn -x '' | sort)" = "$(printf '%s\n' c.bash in1.csv in2.npy)" ]
	[ "$(comp selfattn -x in | sort)" = "$(printf '%s\n' in1.csv in2.npy)" ]
	[ "$(comp selfattn --mask = in1)" = "in1.csv" ]
	[ "$(comp selfattn -o in2)" = "in2.npy" ]
	[ "$(comp selfattn --key-padding in1)" = "in1.csv" ]
	# a number completes to nothing; an optional argument is not the
	# next word (selfattn would take it for an operand)
	[ -z "$(comp selfattn -H '')" ]
	[ "$(comp selfattn --causal in1)" = "in1.csv" ]
	# operands (--merge) are files
	[ "$(comp selfattn --merge in1)" = "in1.csv" ]
	# -s takes none or a number
	[ "$(comp selfattn -s '')" = "none" ]
	[ "$(comp selfattn --scale = n)" = "none" ]
	# @FILE: an @, then files after it, however bash split the word
	[ "$(comp selfattn --labels '')" = "@" ]
	[ "$(comp selfattn --labels @ | sort)" = "$(printf '%s\n' @c.bash @in1.csv @in2.npy)" ]
	# (readline replaces an @ before the word's end too: kept)
	[ "$(comp selfattn --labels @ in1)" = "@in1.csv" ]
	[ "$(comp selfattn --key-labels @ in | sort)" = "$(printf '%s\n' @in1.csv @in2.npy)" ]
	[ "$(comp selfattn --alibi =@ in2)" = "@in2.npy" ]
	[ "$(comp selfattn --rope =@ in1)" = "@in1.csv" ]
	[ -z "$(comp selfattn --labels the)" ]
	# a letter's argument attached, as selfattn reads -cbottom-right
	[ "$(comp selfattn -cb)" = "-cbottom-right" ]
	[ "$(comp selfattn -c)" = "-c" ]
	[ "$(comp selfattn -fn)" = "-fnpy" ]
	[ "$(comp selfattn -xin1)" = "-xin1.csv" ]
	[ "$(comp selfattn -sn)" = "-snone" ]
}

@test "completion: bash completes the argument of a long option shortened as selfattn reads it" {
	[ "$(comp selfattn --lay t)" = "torch" ]
	[ "$(comp selfattn --lay = t)" = "torch" ]
	[ "$(comp selfattn --form = n)" = "npy" ]
	[ "$(comp selfattn --dt '' | sort)" = "$(printf '%s\n' f32 f64)" ]
	[ "$(comp selfattn --mas in1)" = "in1.csv" ]
	[ "$(comp selfattn --key-lab @ in1)" = "@in1.csv" ]
	# a whole name that starts others is itself (--memory, not
	# --memory-keys); a prefix of two is no option: its argument
	# position is a word of its own (--lab: --labels, --label-output)
	[ "$(comp selfattn --memory in1)" = "in1.csv" ]
	[ "$(comp selfattn --lab '' | sort)" = "$(printf '%s\n' c.bash in1.csv in2.npy)" ]
	[ "$(comp selfattn --lab @)" = "" ]
	# (--key-lengths and --key-labels: not the last one's @)
	[ "$(comp selfattn --key-l '' | sort)" = "$(printf '%s\n' c.bash in1.csv in2.npy)" ]
	# after --, operands: files, not options or their arguments
	[ -z "$(comp selfattn -- --la)" ]
	[ -z "$(comp selfattn -- --lay = t)" ]
	[ "$(comp selfattn -- in1)" = in1.csv ]
	[ "$(comp selfattn -x in1.csv -- in2)" = in2.npy ]
}

# bcomp LINE: the line a real interactive bash makes of LINE and a TAB
# (readline splits the words and puts the reply in place), in a
# pseudo-terminal driven by zsh (tests/bcomp.zsh).
bcomp() {
	timeout 60 zsh -f "$ROOT/tests/bcomp.zsh" "$BATS_TEST_TMPDIR/c.bash" \
	    "$BATS_TEST_TMPDIR" "$1"
}

@test "completion: a real bash completes keywords after =, @FILE and names with blanks" {
	command -v zsh >/dev/null || skip "zsh is not installed (it drives bash in a pseudo-terminal)"
	touch "my file.csv" other.csv
	mkdir "sub dir"
	[ "$(bcomp 'selfattn --causal=b')" = "selfattn --causal=bottom-right " ]
	[ "$(bcomp 'selfattn --dtype=')" = "selfattn --dtype=f" ]
	# (the script gave "--causal==" for --causal= TAB)
	[ "$(bcomp 'selfattn --causal=')" = "selfattn --causal=" ]
	[ "$(bcomp 'selfattn --caus')" = "selfattn --causal" ]
	[ "$(bcomp 'selfattn -cb')" = "selfattn -cbottom-right " ]
	[ "$(bcomp 'selfattn -xot')" = "selfattn -xother.csv " ]
	[ "$(bcomp 'selfattn --mask=ot')" = "selfattn --mask=other.csv " ]
	# @FILE: the @ kept (readline writes it \@)
	[ "$(bcomp 'selfattn --labels @ot')" = 'selfattn --labels \@other.csv ' ]
	[ "$(bcomp 'selfattn --alibi=@ot')" = 'selfattn --alibi=\@other.csv ' ]
	[ "$(bcomp 'selfattn --alibi=\@ot')" = 'selfattn --alibi=\@other.csv ' ]
	[ "$(bcomp 'selfattn --labels ')" = 'selfattn --labels \@' ]
	# blanks in names
	[ "$(bcomp 'selfattn -x my')" = 'selfattn -x my\ file.csv ' ]
	[ "$(bcomp 'selfattn -x su')" = 'selfattn -x sub\ dir/' ]
	# and after an @ (bash tested "@sub dir" for a folder: a space)
	[ "$(bcomp 'selfattn --labels @su')" = 'selfattn --labels \@sub\ dir/' ]
	[ "$(bcomp 'selfattn --alibi=@su')" = 'selfattn --alibi=\@sub\ dir/' ]
	# a long option shortened (selfattn reads --lay as --layout)
	[ "$(bcomp 'selfattn --lay t')" = "selfattn --lay torch " ]
	[ "$(bcomp 'selfattn --lay=t')" = "selfattn --lay=torch " ]
}

@test "completion: the zsh script is valid zsh" {
	command -v zsh >/dev/null || skip "zsh is not installed: zsh -n not run"
	"$SA" --completion zsh >_selfattn
	zsh -n _selfattn
}

# zcomp LINE: the zsh completions of LINE's end (one a line, sorted),
# from a real zsh in a pseudo-terminal (tests/zcomp.zsh).
zcomp() {
	timeout 60 zsh -f "$ROOT/tests/zcomp.zsh" "$BATS_TEST_TMPDIR" "$1"
}

@test "completion: zsh completes options, keywords and files (a real zsh)" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	"$SA" --completion zsh >_selfattn
	[ "$(zcomp 'selfattn --dt')" = "--dtype" ]
	[ "$(zcomp 'selfattn --w')" = "$(printf '%s\n' --wa --weights --window \
	    --wk --wo --wq --wv)" ]
	[ "$(zcomp 'selfattn --dtype ')" = "$(printf '%s\n' f32 f64)" ]
	[ "$(zcomp 'selfattn -f ')" = "$(printf '%s\n' csv npy tsv txt)" ]
	[ "$(zcomp 'selfattn --causal=')" = "$(printf '%s\n' bottom-right top-left)" ]
	[ "$(zcomp 'selfattn --score g')" = "general" ]
	[ "$(zcomp 'selfattn -x in')" = "$(printf '%s\n' in1.csv in2.npy)" ]
	[ "$(zcomp 'selfattn --mask=in1')" = "in1.csv" ]
	[ "$(zcomp 'selfattn --merge in2')" = "in2.npy" ]
	# a number completes to nothing; -s to none too
	[ -z "$(zcomp 'selfattn -H ')" ]
	[ "$(zcomp 'selfattn -s ')" = none ]
	# @FILE: an @, then the files after it
	[ "$(zcomp 'selfattn --labels ')" = @ ]
	[ "$(zcomp 'selfattn --labels @in')" = "$(printf '%s\n' in1.csv in2.npy)" ]
	[ "$(zcomp 'selfattn --alibi=@in2')" = in2.npy ]
	# a long option shortened as selfattn reads it (--lay: --layout);
	# after --, an operand
	[ "$(zcomp 'selfattn --lay t')" = torch ]
	[ "$(zcomp 'selfattn --lay=t')" = torch ]
	[ "$(zcomp 'selfattn --form n')" = npy ]
	[ "$(zcomp 'selfattn --caus=b')" = bottom-right ]
	[ "$(zcomp 'selfattn -- --lay in1')" = in1.csv ]
	touch -- --lay=tx.csv
	[ "$(zcomp 'selfattn -- --lay=t')" = --lay=tx.csv ]
	rm -- --lay=tx.csv
	# a prefix of two options is none (--key-lengths, --key-labels)
	[ "$(zcomp 'selfattn --key-l in')" = "$(printf '%s\n' in1.csv in2.npy)" ]
	# and the long options offered for "-" are exactly the table
	zcomp 'selfattn -' | grep -- '^--' | sed 's/^--//' >got
	longopts | cut -d' ' -f1 | sort >want
	diff want got
}

@test "completion: --completion takes bash or zsh" {
	run --separate-stderr "$SA" --completion fish
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = 'selfattn: --completion expects bash or zsh, found "fish"' ]
	run --separate-stderr "$SA" --completion
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = 'selfattn: option --completion needs an argument' ]
}

@test "completion: acts where it is read, as --help: the first prints, what follows is not read" {
	"$SA" --completion bash >b.txt
	"$SA" --completion zsh >z.txt
	run --separate-stderr "$SA" --completion bash --completion zsh
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat b.txt)" ]
	run --separate-stderr "$SA" --completion zsh --bogus
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat z.txt)" ]
	# an error before it is one
	run --separate-stderr "$SA" --bogus --completion zsh
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "selfattn: unknown option --bogus" ]
}

@test "completion: a write error on standard output" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr sh -c '"$1" --completion bash >/dev/full' sh "$SA"
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: <stdout>: write error: No space left on device" ]
}

@test "completion: only numbers and flags complete to nothing after =" {
	# A new option that takes a file or keywords needs its entry in
	# optwords (src/main.c) unless it is a matrix role: this list says
	# which take a number or nothing, and so complete to nothing.
	local name short none=
	longopts >opts
	while read -r name short; do
		case $(comp selfattn "--$name=") in
		"") none="$none $name" ;;
		esac
	done <opts
	echo "complete to nothing:$none"
	[ "$none" = " heads seed precision window softcap qk-norm kv-heads average-weights merge query-range key-range label-output show batch-index heat-max threads dry-run quiet help version" ]
}
