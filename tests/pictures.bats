#!/usr/bin/env bats
# Labels (--labels, --key-labels, --label-output), sequence boundaries
# in text weights, and the pictures drawn from the weights stream
# (--heatmap FILE.svg, --show, --batch-index).
load helpers

# dom URL [OPTION...]: the page's DOM after its scripts ran, from
# headless Chromium (given the options), on standard output.  Its
# profile lives in the test's own folder, which bats removes (a mktemp
# -d profile, 2 MB, was left in /tmp each time).
dom() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run \
	    --user-data-dir="$BATS_TEST_TMPDIR/chromium-profile" \
	    "${@:2}" --dump-dom "$1" 2>/dev/null
}

CAT="$SAMPLES/cat-sat"
# the isolates around each label of a tooltip: U+2068, U+2069
FSI=$(printf '\342\201\250')
PDI=$(printf '\342\201\251')
cat_run() {
	"$SA" -x "$CAT/X.csv" -q "$CAT/Wq.csv" -k "$CAT/Wk.csv" \
	    -v "$CAT/Wv.csv" --scale none "$@"
}

# usage_is MSG: the last run failed with exit status 2 and MSG.
usage_is() {
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: $1" ]
}

@test "labels: the lesson's table, byte for byte" {
	run cat_run -p 3 --labels "The cat sat on the mat" -o /dev/null -a -
	[ "$status" -eq 0 ]
	[ "$output" = ',The,cat,sat,on,the,mat
The,0.3,0.3,0.1,0.05,0.15,0.1
cat,0.1,0.4,0.3,0.05,0.05,0.1
sat,0.05,0.35,0.3,0.15,0.05,0.1
on,0.05,0.05,0.3,0.2,0.1,0.3
the,0.15,0.05,0.05,0.1,0.3,0.35
mat,0.05,0.15,0.2,0.15,0.1,0.35' ]
}

@test "labels: @FILE, any UTF-8, quoted where needed; txt and tsv" {
	printf 'a,b\nsay "hi"\nchat\xc3\xa9\n#x\nmot cl\xc3\xa9\nz\r\n' >l.txt
	run cat_run -p 2 --labels @l.txt -o /dev/null -a - --key-labels "1 2 3 4 5 6"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ',1,2,3,4,5,6' ]
	[ "${lines[1]}" = '"a,b",0.3,0.3,0.1,0.05,0.15,0.1' ]
	[ "${lines[2]}" = '"say ""hi""",0.1,0.4,0.3,0.05,0.05,0.1' ]
	[ "${lines[3]}" = 'chaté,0.05,0.35,0.3,0.15,0.05,0.1' ]
	[ "${lines[4]}" = '"#x",0.05,0.05,0.3,0.2,0.1,0.3' ]
	[ "${lines[5]}" = 'mot clé,0.15,0.05,0.05,0.1,0.3,0.35' ]
	[ "${lines[6]}" = 'z,0.05,0.15,0.2,0.15,0.1,0.35' ]
	run cat_run -p 2 --labels @l.txt -o /dev/null -a - -f txt
	[ "${lines[0]}" = '"" a,b "say ""hi""" chaté "#x" "mot clé" z' ]
	[ "${lines[5]}" = '"mot clé" 0.15 0.05 0.05 0.1 0.3 0.35' ]
	run cat_run -p 2 --labels @l.txt -o /dev/null -a - -f tsv
	[ "${lines[5]}" = "mot clé	0.15	0.05	0.05	0.1	0.3	0.35" ]
	# an editor's blank lines at the end are no labels; one between
	# two labels is an empty one
	printf 'a\nb\nc\nd\ne\nf\n\n\r\n' >end.txt
	run cat_run -p 2 --labels @end.txt -o /dev/null -a -
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ',a,b,c,d,e,f' ]
	# (blank: blanks alone too)
	printf 'a\nb\nc\nd\ne\nf\n \t\n' >sp.txt
	run cat_run -p 2 --labels @sp.txt -o /dev/null -a -
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ',a,b,c,d,e,f' ]
	printf 'a\nb\n\nd\ne\nf\n' >mid.txt
	run cat_run -p 2 --labels @mid.txt -o /dev/null -a -
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ',a,b,"",d,e,f' ]
}

@test "labels: .npy weights stay numeric; Y labelled only with --label-output" {
	cat_run --labels "The cat sat on the mat" -o /dev/null -a w.npy
	cat_run -o /dev/null -a plain.npy
	cmp w.npy plain.npy
	run cat_run -p 3 --labels "The cat sat on the mat"
	[ "${lines[0]}" = '0.55,0.5' ]
	run cat_run -p 3 --labels "The cat sat on the mat" --label-output
	[ "${lines[0]}" = 'The,0.55,0.5' ]
	[ "${lines[5]}" = 'mat,0.35,0.7' ]
}

@test "labels: cross-attention keys take --key-labels, else their numbers" {
	run "$SA" -x rand:2x3 -m rand:3x3 -q rand:3x2 -k rand:3x2 -v rand:3x2 \
	    -p 2 --labels "le chat" --key-labels "the cat ." -o /dev/null -a -
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ',the,cat,.' ]
	[ "${lines[1]%%,*}" = le ]
	run "$SA" -x rand:2x3 -m rand:3x3 -q rand:3x2 -k rand:3x2 -v rand:3x2 \
	    -p 2 --labels "le chat" -o /dev/null -a -
	[ "${lines[0]}" = ',0,1,2' ]
}

@test "labels: a count that differs names both counts" {
	run cat_run --labels "The cat sat" -o /dev/null -a -
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: --labels: expected 6 labels (one per query), found 3" ]
	run cat_run --labels "The cat sat on the mat" --key-labels "a" -o /dev/null -a -
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: --key-labels: expected 6 labels (one per key), found 1" ]
	run cat_run --labels @nope.txt -o /dev/null -a -
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: nope.txt: No such file or directory" ]
	# a file's count names the file
	printf 'The\ncat\n' >lab.txt
	run cat_run --labels @lab.txt -o /dev/null -a -
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: lab.txt: --labels: expected 6 labels (one per query), found 2" ]
	run cat_run --key-labels @- -o /dev/null -a - <lab.txt
	[ "$output" = "selfattn: <stdin>: --key-labels: expected 6 labels (one per key), found 2" ]
	# words joined by commas, as in a CSV file: say how they split
	run cat_run --labels "The,cat,sat,on,the,mat" -o /dev/null -a -
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: --labels: expected 6 labels (one per query), found 1 (labels are separated by blanks, not commas)" ]
	run cat_run --labels "The cat sat on the mat" --key-labels "a,b c" -o /dev/null -a -
	[ "$output" = "selfattn: --key-labels: expected 6 labels (one per key), found 2 (labels are separated by blanks, not commas)" ]
	# the words on one line of a file: a file holds a label a line
	echo "The cat sat on the mat" >one.txt
	run cat_run --labels @one.txt -o /dev/null -a -
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: one.txt: --labels: expected 6 labels (one per query), found 1 (a file holds a label a line: its blanks are the labels' own)" ]
}

@test "labels: the tables of several heads each begin with a \"# head h\" line, of a batch with \"# sequence b\"" {
	batch --labels "a b c" -p 2 -o /dev/null -a w.csv
	[ "$(grep -c '^# head ' w.csv)" -eq 4 ]
	[ "$(sed -n 1,3p w.csv)" = "$(printf '# sequence 0\n# head 0\n,a,b,c')" ]
	[ "$(grep -A1 '^$' w.csv | grep -c '^# head 1$')" -eq 2 ]
	grep -A1 '^# sequence 1$' w.csv | grep -q '^# head 0$'
	# one head, or their mean: the sequences' blocks are named so
	batch --labels "a b c" -o /dev/null -a m.csv --average-weights
	not grep -q '^# head' m.csv
	[ "$(grep '^#' m.csv)" = "$(printf '# sequence 0\n# sequence 1')" ]
	# unlabelled text is unchanged (it reads back as (B·H, n, m))
	batch -o /dev/null -a n.csv
	not grep -q '^# head' n.csv
}

@test "labels: a 1-D query's weights, a row per head, each labelled with the query" {
	"$SA" -Q randn:4 -K randn:3x4 -V randn:3x4 -H 2 --labels tok \
	    --key-labels "a b c" -a w.csv -o /dev/null -p 3
	[ "$(cut -d, -f1 w.csv)" = "$(printf '\ntok\ntok')" ]
	"$SA" -Q randn:4 -K randn:3x4 -V randn:3x4 -H 2 -a w2.csv -o /dev/null \
	    -p 3
	[ "$(cut -d, -f2- w.csv | sed 1d)" = "$(cat w2.csv)" ]
}

@test "pictures: --heatmap - writes the SVG to standard output, the bytes of the file's" {
	cat_run --labels "The cat sat on the mat" -o y.csv --heatmap h.svg
	cat_run --labels "The cat sat on the mat" -o y2.csv --heatmap - >out.svg
	cmp h.svg out.svg
	cmp y.csv y2.csv
	cat_run --labels "The cat sat on the mat" -o /dev/null \
	    --heatmap /dev/stdout | cmp - h.svg
	# any descriptor's name, as the other outputs take them
	cat_run --labels "The cat sat on the mat" -o /dev/null \
	    --heatmap /dev/fd/1 | cmp - h.svg
	cat_run --labels "The cat sat on the mat" -o /dev/null \
	    --heatmap /proc/self/fd/1 | cmp - h.svg
	cat_run --labels "The cat sat on the mat" -o /dev/null \
	    --heatmap /dev/stderr 2>e.svg
	cmp e.svg h.svg
	cat_run --labels "The cat sat on the mat" -o /dev/null \
	    --heatmap /dev/fd/3 3>f.svg
	cmp f.svg h.svg
	# a descriptor that is not open: exit 1, Y's old file kept
	echo old >y3.csv
	run cat_run --labels "The cat sat on the mat" -o y3.csv \
	    --heatmap /dev/fd/9 9>&-
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /dev/fd/9: write error: Bad file descriptor" ]
	[ "$(cat y3.csv)" = old ]
}

@test "pictures: --heat-max runs the colour scale to W: uniform weights are drawn at a third of 0-1, not at the top" {
	# three keys of equal weight (-s 0: every score 0)
	u="-x randn:3x4 -q randn:4x4 -k randn:4x4 -v randn:4x4 -s 0 -o /dev/null"
	run "$SA" $u --show
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "0 @@@@@@" ]
	[ "${lines[5]}" = "0  .:-=+*#%@ 0.333" ]
	run "$SA" $u --show --heat-max 1
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "0 ------" ]
	[ "${lines[5]}" = "0  .:-=+*#%@ 1" ]
	# cells above W are drawn at the top, the legend's top is ≥W
	run "$SA" $u --show --heat-max 0.2
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "0 @@@@@@" ]
	[ "${lines[5]}" = "0  .:-=+*#%@ ≥0.2" ]
	# (a W that no cell passes is the top, not ≥W; nor is a row of
	# weights summed to 1.0000000000000002 above 1)
	run "$SA" $u --show --heat-max 0.5
	[ "${lines[5]}" = "0  .:-=+*#%@ 0.5" ]
	COLUMNS=6 run "$SA" -Q randn:50x4 -K randn:300x4 -V rand:300x2 \
	    --heat-max 1 --show -o /dev/null
	[ "${lines[${#lines[@]} - 1]}" = "0  .:-=+*#%@ 1" ]
	"$SA" $u --heatmap c.svg --heat-max 0.2
	grep -q '>≥0.2</text>' c.svg
	"$SA" $u --heatmap c.html --heat-max 0.2
	# the SVG: every cell the top colour, or viridis at 1/3, and the
	# legend's top
	"$SA" $u --heatmap a.svg
	"$SA" $u --heatmap b.svg --heat-max 1
	[ "$(grep -o '<rect class="cell"[^>]*fill="#fde725"' a.svg | wc -l)" -eq 9 ]
	[ "$(grep -o '<rect class="cell"[^>]*fill="#31678d"' b.svg | wc -l)" -eq 9 ]
	grep -q '>0.333</text>' a.svg
	grep -q '>1</text>' b.svg
	not grep -q '>0.333</text>' b.svg
	# the page: its data carries W, its script draws with it
	"$SA" $u --heatmap a.html
	"$SA" $u --heatmap b.html --heat-max 1
	grep -q '"vmax":0,' a.html
	grep -q '"vmax":1,' b.html
	command -v chromium >/dev/null || skip "chromium is not installed (apt package: chromium)"
	dom "file://$PWD/a.html" >a.dom
	dom "file://$PWD/b.html" >b.dom
	dom "file://$PWD/c.html" >c.dom
	grep -q 'data-ready="ok"' b.dom
	grep -q '>≥0.2</text>' c.dom
	not grep -q '≥' b.dom
	# (the legend's gradient has stops of its own, never this one)
	[ "$(grep -o 'fill="rgb(49,103,141)"' b.dom | wc -l)" -eq 9 ]
	not grep -q 'fill="rgb(49,103,141)"' a.dom
}

@test "pictures usage: --heat-max needs a picture and a weight > 0" {
	run cat_run --heat-max 1
	usage_is '--heat-max needs --heatmap or --show: it sets the top of their colour scale'
	for w in 0 -1 nan inf abc ""; do
		run cat_run --show -o /dev/null --heat-max "$w"
		usage_is "--heat-max expects a finite weight > 0 (the top of the colour scale), found \"$w\""
	done
}

@test "labels usage: empty labels, --label-output, --batch-index, --heatmap name" {
	run cat_run --labels "  "
	usage_is '--labels expects words or @FILE, found "  "'
	run cat_run --key-labels ""
	usage_is '--key-labels expects words or @FILE, found ""'
	run cat_run --label-output
	usage_is '--label-output needs --labels: the labels of Y'"'"'s rows'
	run cat_run --labels "The cat sat on the mat" --label-output -o y.npy
	usage_is '--label-output labels Y in text, and Y goes to y.npy as .npy, which has no labels'
	run cat_run --labels "The cat sat on the mat" --label-output -f npy
	usage_is '--label-output labels Y in text, and Y goes to standard output (-f npy) as .npy, which has no labels'
	[ ! -e y.npy ]
	run cat_run --batch-index 0
	usage_is '--batch-index needs --heatmap or --show: it picks the sequence drawn'
	run cat_run --heatmap h.png
	usage_is '--heatmap h.png: name the picture NAME.svg or NAME.html, or give - for the SVG on standard output'
	run cat_run --heatmap sub/.svg
	usage_is '--heatmap sub/.svg: name the picture NAME.svg or NAME.html, or give - for the SVG on standard output'
	run cat_run --heatmap -
	usage_is '--heatmap - writes the heatmap to standard output: give the output a file with -o'
	run cat_run --heatmap /dev/stdout -o y.csv -a -
	usage_is '-a - and --heatmap /dev/stdout both write to standard output: give one a file'
	run cat_run --heatmap /dev/fd/1
	usage_is '--heatmap /dev/fd/1 writes the heatmap to standard output: give the output a file with -o'
	run cat_run --heatmap /dev/null -o y.csv
	usage_is '--heatmap /dev/null: name the picture NAME.svg or NAME.html, or give - for the SVG on standard output'
	run cat_run --heatmap /dev/stdin -o y.csv
	usage_is '--heatmap /dev/stdin: name the picture NAME.svg or NAME.html, or give - for the SVG on standard output'
	run cat_run --heatmap h.svg --batch-index -1
	usage_is '--batch-index expects a sequence number from 0, found "-1"'
	run cat_run --show
	usage_is '--show draws on standard output: give -o a file (-o /dev/null to draw only)'
	run cat_run --show -o y.csv -a -
	usage_is '--show draws on standard output: give -a a file'
}

@test "labels: @- reads standard input; a NUL byte is an error at its line and column" {
	run bash -c 'printf "The\ncat\nsat\non\nthe\nmat\n" | "$@"' _ "$SA" \
	    -x "$CAT/X.csv" -q "$CAT/Wq.csv" -k "$CAT/Wk.csv" -v "$CAT/Wv.csv" \
	    --scale none -p 3 --labels @- -o /dev/null -a -
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ",The,cat,sat,on,the,mat" ]
	[ "${lines[6]}" = "mat,0.05,0.15,0.2,0.15,0.1,0.35" ]
	# one reader of standard input
	run cat_run --labels @- --key-labels @- -o /dev/null -a -
	usage_is "--labels @- and --key-labels @- both read standard input: it can be read by one option only"
	run "$SA" -Q - -K randn:6x4 -V randn:6x4 --labels @- -o /dev/null
	usage_is "-Q - and --labels @- both read standard input: it can be read by one option only"
	printf 'The\ncat\ns\000t\n' >nul.txt
	run cat_run --labels @nul.txt -o /dev/null -a -
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: nul.txt:3:2: expected a label of text, found a NUL byte" ]
	# so @/dev/zero stops at once, not when memory runs out
	run timeout 20 "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 \
	    --labels @/dev/zero -o /dev/null -a -
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /dev/zero:1:1: expected a label of text, found a NUL byte" ]
}

@test "labels: a UTF-8 byte order mark is not part of the first label; a stream without end stops at 256 MiB" {
	printf '\357\273\277The\r\ncat\r\nsat\r\non\r\nthe\r\nmat\r\n' >bom.txt
	run cat_run --labels @bom.txt -o /dev/null -a -
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ",The,cat,sat,on,the,mat" ]
	[ "${lines[1]%%,*}" = "The" ]
	printf '\357\273\277\n' >bom1.txt
	run cat_run --labels @bom1.txt -o /dev/null -a -
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: bom1.txt: --labels: no label in the file" ]
	run --separate-stderr bash -c 'yes | tr -d "\n" | "$1" -Q rand:2x2 \
	    -K rand:2x2 -V rand:2x2 --labels @- -o /dev/null -a /dev/null' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: <stdin>: expected at most 256 MiB of labels, found more" ]
	# a file of 256 MiB is read, one byte more is refused
	yes | head -c $((256 << 20)) >big.txt
	run --separate-stderr "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 \
	    --labels @big.txt -o /dev/null -a /dev/null
	[ "$stderr" = "selfattn: big.txt: --labels: expected 2 labels (one per query), found 134217728" ]
	printf y >>big.txt
	run --separate-stderr "$SA" -Q rand:2x2 -K rand:2x2 -V rand:2x2 \
	    --labels @big.txt -o /dev/null -a /dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: big.txt: expected at most 256 MiB of labels, found more" ]
	rm big.txt
}

# A batch of 2 sequences of 3 tokens, 2 heads.
batch() {
	printf '1 0\n0 1\n1 1\n\n2 0\n0 2\n1 -1\n' >xb.txt
	"$SA" -x xb.txt -q rand:2x4 -k rand:2x4 -v rand:2x4 -H 2 "$@"
}

@test "batch: text weights mark each sequence; read back as (B·H, n, m)" {
	run batch -p 2 -o /dev/null -a -
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "# sequence 0" ]
	printf '%s\n' "$output" | grep -c '^# sequence' | grep -qx 2
	printf '%s\n' "$output" | sed -n '9,11p' >s1.txt
	[ "$(sed -n 1p s1.txt)" = "" ]
	[ "$(sed -n 2p s1.txt)" = "# sequence 1" ]
	batch -o /dev/null -a w.txt --labels "a b c"
	grep -c '^# sequence' w.txt | grep -qx 2
	batch -o /dev/null -a w.csv
	batch -o /dev/null -a w.npy
	# the text file reads back as 4 blocks of 3x3: as the .npy's rows
	"$SA" -Q w.csv -K w.csv -V w.csv --scale 1 -o /dev/null --lse a.csv
	"$SA" -Q w.npy -K w.npy -V w.npy -H 2 --scale 1 -o /dev/null --lse b.csv
	[ "$(wc -l <a.csv)" -eq 4 ]
	grep -v '^$' b.csv >b2.csv
	"$CMPMAT" a.csv b2.csv
}

@test "heatmap: SVG structure: cells per head and mean, labels, legend, exact tooltips" {
	cat_run --labels "The cat sat on the mat" -o /dev/null --heatmap h.svg
	if command -v xmllint >/dev/null; then xmllint --noout h.svg; fi
	[ "$(grep -c '<rect class="cell' h.svg)" -eq 36 ]
	[ "$(grep -c '<text class="query"' h.svg)" -eq 6 ]
	[ "$(grep -c '<text class="key"' h.svg)" -eq 6 ]
	grep -q '<g class="legend">' h.svg
	grep -q 'url(#viridis)' h.svg
	not grep -q 'href' h.svg
	# the axes named, as on the page
	grep -q '<text class="axes" [^>]*>rows: queries ↓, columns: keys →</text>' h.svg
	# the exact weights, as -a writes them
	cat_run -o /dev/null -a w.csv
	sed -n 2p w.csv | tr , '\n' >want
	# tooltips: whole labels, each isolated (U+2068 .. U+2069) so that a
	# right-to-left one does not reorder the line
	grep -o "<title>${FSI}cat${PDI} → [^<]*" h.svg | sed 's/.*: //' >got
	diff want got
	# no masked cell, no masked entry in the legend
	not grep -q '>masked</text>' h.svg
	batch --heatmap b.svg -o /dev/null -c --labels 'x <y> "&"'
	[ "$(grep -c '<g class="sequence"' b.svg)" -eq 2 ]
	[ "$(grep -c '<g class="panel"' b.svg)" -eq 6 ]
	[ "$(grep -c '<rect class="cell' b.svg)" -eq 54 ]
	[ "$(grep -c 'class="cell masked"' b.svg)" -eq 18 ]
	grep -q '&lt;y&gt;' b.svg
	grep -q '&quot;&amp;&quot;' b.svg
	grep -q '0 (masked)</title>' b.svg
	grep -q '>masked</text>' b.svg
	batch --heatmap one.svg --batch-index 1 -o /dev/null
	[ "$(grep -c '<g class="sequence"' one.svg)" -eq 1 ]
	grep -q 'data-sequence="1"' one.svg
	"$SA" -x xb.txt -q rand:2x4 -k rand:2x2 -v rand:2x2 -H 2 --kv-heads 1 \
	    --heatmap gqa.svg -o /dev/null
	grep -q 'head 1 (kv head 0)' gqa.svg
	batch --heatmap avg.svg --average-weights -o /dev/null
	[ "$(grep -c '<g class="panel"' avg.svg)" -eq 2 ]
	grep -q 'mean of 2 heads' avg.svg
	[ "$(grep -c '<g class="panel" data-head="mean"' avg.svg)" -eq 2 ]
	run batch --heatmap x.svg --batch-index 2 -o /dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: --batch-index 2: the input has 2 sequences" ]
	[ ! -e x.svg ]
}

@test "heatmap: in float, the mean of heads is -a --average-weights' float, not a double beside it" {
	set -- -Q randn:5x8 -K randn:6x8 -V randn:6x8 -H 2 --dtype f32 -o /dev/null
	w=$("$SA" "$@" -a - --average-weights | head -1 | cut -d, -f4)
	# the mean panel of the per-head picture, and the picture of the mean
	"$SA" "$@" --heatmap h.svg
	"$SA" "$@" --heatmap m.svg --average-weights
	[ "$(grep -c "<title>${FSI}0${PDI} → ${FSI}3${PDI}: $w</title>" h.svg)" -eq 1 ]
	[ "$(grep -c "<title>${FSI}0${PDI} → ${FSI}3${PDI}: $w</title>" m.svg)" -eq 1 ]
}

@test "heatmap: the mean panel is -a --average-weights where one head hides a query's every key" {
	# head 1 hides both keys from query 0: its row there is zeros, and
	# the mean of the two heads' rows 0.5 and 0 (the mean panel drew
	# 1, head 0's weight over the one head that saw a key)
	printf '1,0\n1,1\n\n0,0\n1,1\n' >hm.txt
	set -- -Q randn:2x4 -K randn:2x4 -V randn:2x4 -H 2 --mask hm.txt \
	    -o /dev/null --quiet
	[ "$("$SA" "$@" -a - --average-weights | head -1)" = "0.5,0" ]
	"$SA" "$@" --heatmap h.svg
	"$SA" "$@" --heatmap m.svg --average-weights
	sed -n '/data-head="mean"/,$p' h.svg >mean.svg
	[ "$(grep -c "<title>${FSI}0${PDI} → ${FSI}0${PDI}: 0.5</title>" mean.svg)" -eq 1 ]
	[ "$(grep -c "<title>${FSI}0${PDI} → ${FSI}0${PDI}: 0.5</title>" m.svg)" -eq 1 ]
	# and --show draws it as the middle of a scale of 0 to 1 (=)
	"$SA" "$@" --show | sed -n '/^mean of 2 heads/,$p' | grep -qx '0 ==//'
}

@test "heatmap: more than 128 tokens are drawn in blocks, with a note" {
	"$SA" -x rand:300x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 -c \
	    -o /dev/null --heatmap big.svg
	# blocks of 3 (ceil(300 / 128)): 100 x 100 cells, every block as
	# large as the others (blocks of 2 and 3 side by side drew one
	# weight of 1 brighter in the one than in the other)
	[ "$(grep -c '<rect class="cell' big.svg)" -eq $((100 * 100)) ]
	grep -q '300 queries x 300 keys drawn as 100 x 100 blocks of 3 queries and 3 keys, each the weights summed over its keys, averaged over its queries' big.svg
	grep -q '<title>⁨297–299⁩ → ⁨297–299⁩: share ' big.svg
	# cells are shares there, and the legend says so
	grep -q '<g class="legend">' big.svg
	grep -q 'font-size="12">share</text>' big.svg
	# a padding query in a block is no row of zeros in its mean:
	# identity attention over 130 tokens, the last one padding
	awk 'BEGIN { for (i = 0; i < 130; i++) for (j = 0; j < 130; j++)
	    printf "%d%s", i == j ? 50 : 0, j < 129 ? "," : "\n" }' >q130.csv
	awk 'BEGIN { for (i = 0; i < 130; i++) for (j = 0; j < 130; j++)
	    printf "%d%s", i == j, j < 129 ? "," : "\n" }' >k130.csv
	echo 129 >ql.txt
	"$SA" -Q q130.csv -K k130.csv -V k130.csv -s 1 --query-lengths ql.txt \
	    -o /dev/null --heatmap q.svg
	grep -q '<title>⁨128–129⁩ → ⁨128–129⁩: share 1</title>' q.svg
	grep -q '<title>⁨0–1⁩ → ⁨0–1⁩: share 1</title>' q.svg
	[ "$(grep -o '<title>⁨[0-9]*–[0-9]*⁩ → ⁨0–2⁩' big.svg | wc -l)" -eq 100 ]
	if command -v xmllint >/dev/null; then xmllint --noout big.svg; fi
	# uniform attention over 129 keys is drawn uniform: 43 blocks of 3
	# (64 blocks of 2 and one of 1 drew that one at half)
	yes 0,0,0,0 | head -129 >q0.csv
	"$SA" -Q q0.csv -K randn:129x4 -V randn:129x4 -o /dev/null --heatmap u.svg
	grep -q '129 queries x 129 keys drawn as 43 x 43 blocks of 3 queries and 3 keys,' u.svg
	[ "$(grep -o '<rect class="cell"[^>]*fill="#[0-9a-f]*"' u.svg | sed 's/.*fill=//' | sort -u | wc -l)" -eq 1 ]
	# where the blocks cannot be equal, the note gives both sizes
	"$SA" -Q randn:131x4 -K randn:131x4 -V randn:131x4 -o /dev/null --heatmap p.svg
	grep -q '131 queries x 131 keys drawn as 65 x 65 blocks of 2 or 3 queries and 2 or 3 keys,' p.svg
}

@test "heatmap: README's picture is what selfattn draws from samples/cat-sat" {
	(cd "$ROOT" && "$SA" -x samples/cat-sat/X.csv -q samples/cat-sat/Wq.csv \
	    -k samples/cat-sat/Wk.csv -v samples/cat-sat/Wv.csv --scale none \
	    --labels "The cat sat on the mat" -o /dev/null \
	    --heatmap "$BATS_TEST_TMPDIR/h.svg")
	cmp h.svg "$CAT/heatmap.svg"
	grep -q 'samples/cat-sat/heatmap.svg' "$ROOT/README.md"
}

@test "show: shading characters when not a terminal or NO_COLOR; labels, legend" {
	run cat_run --labels "The cat sat on the mat" -o /dev/null --show
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "weights" ]
	[ "${lines[4]}" = "The ####::..--::" ]
	[ "${lines[5]}" = "cat ::@@##....::" ]
	[ "${lines[10]}" = "0  .:-=+*#%@ 0.4" ]
	[[ "$output" != *$'\033'* ]]
	NO_COLOR=1 run cat_run --labels "The cat sat on the mat" -o /dev/null --show
	[[ "$output" != *$'\033'* ]]
	run batch -c --show -o /dev/null --batch-index 1
	[ "${lines[0]}" = "sequence 1" ]
	[ "${lines[1]}" = "head 0" ]
	[[ "$output" == *"//"* ]]
	# key numbers downwards take as many lines as the last one's digits
	run "$SA" -Q rand:2x2 -K rand:12x2 -V rand:12x2 -o /dev/null --show
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sed -n 2,3p)" = '  0 1 2 3 4 5 6 7 8 9 1 1 
                      0 1 ' ]
	[ "$(printf '%s\n' "$output" | sed -n 4p | cut -c 1-2)" = '0 ' ]
}

@test "pictures: a NaN row is drawn as NaN by --show, the SVG and the HTML page, and named in their legends" {
	# query 0 is NaN: its weights are NaN in every column (as PyTorch)
	printf 'nan,1\n2,1\n1,1\n' >q.csv
	printf '1,0\n1,1\n1,1\n' >k.csv
	run "$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --show
	[ "$status" -eq 0 ]
	[ "$output" = 'weights
  0 1 2 
0 ??????
1 ==@@//
2 ::++++
0  .:-=+*#%@ 0.67   // masked   ?? NaN' ]
	# a narrower terminal: the legend's entries on lines of their own
	# where they do not fit (the line of 37 columns wrapped at 20)
	COLUMNS=30 run "$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --show
	[ "$(printf '%s\n' "$output" | tail -n 2)" = '0  .:-=+*#%@ 0.67   // masked
?? NaN' ]
	COLUMNS=20 run "$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --show
	[ "$(printf '%s\n' "$output" | tail -n 2)" = '0  .:-=+*#%@ 0.67
// masked   ?? NaN' ]
	COLUMNS=12 run "$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --show
	[ "$(printf '%s\n' "$output" | tail -n 3)" = '0  .:-=+*#%@ 0.67
// masked
?? NaN' ]
	# at the edges: a line as wide as the terminal stays whole (29, 38
	# columns), one column more wraps (37); the ≥ of --heat-max counts
	COLUMNS=29 run "$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --show
	[ "$(printf '%s\n' "$output" | tail -n 2)" = '0  .:-=+*#%@ 0.67   // masked
?? NaN' ]
	COLUMNS=37 run "$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --show
	[ "$(printf '%s\n' "$output" | tail -n 1)" = '?? NaN' ]
	COLUMNS=38 run "$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --show
	[ "$(printf '%s\n' "$output" | tail -n 1)" = '0  .:-=+*#%@ 0.67   // masked   ?? NaN' ]
	COLUMNS=28 run "$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --show \
	    --heat-max 0.5
	[ "$(printf '%s\n' "$output" | tail -n 2)" = '0  .:-=+*#%@ ≥0.5
// masked   ?? NaN' ]
	# the SVG: the row in the NaN colour, with "NaN" tooltips, and a
	# legend entry inside the picture
	"$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --heatmap h.svg
	[ "$(grep -c "<rect class=\"cell\" [^>]*fill=\"#e41a1c\"><title>${FSI}0${PDI} → ${FSI}[012]${PDI}: NaN</title>" h.svg)" -eq 3 ]
	grep -q '>NaN</text>' h.svg
	h=$(sed -n 's/.*<svg [^>]* height="\([0-9]*\)".*/\1/p' h.svg)
	y=$(sed -n 's/.*<text x="[0-9]*" y="\([0-9]*\)" font-size="11">NaN<.*/\1/p' h.svg)
	[ "$y" -lt "$h" ]
	# no NaN, no NaN entry
	"$SA" -Q k.csv -K k.csv -V k.csv -c -o /dev/null --heatmap f.svg
	not grep -q 'NaN\|e41a1c' f.svg
	# the HTML page: "nan" in the data, drawn without errors in Chromium
	"$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --heatmap h.html
	grep -q '"w":\[\["nan","nan","nan"\],\[' h.html
	command -v chromium >/dev/null || skip "chromium is not installed (apt package: chromium)"
	dom "file://$PWD/h.html" >h.dom
	grep -q '<body data-ready="ok">' h.dom
	grep -q '<pre id="errors"></pre>' h.dom
	[ "$(grep -o '<rect [^>]*fill="#e41a1c" class="cell"' h.dom | wc -l)" -eq 3 ]
	grep -q '>NaN</text>' h.dom
	# its read-out says NaN, as the legend and the SVG's tooltips
	dom "file://$PWD/h.html#selftest" >s.dom
	grep -q "data-selftest=\"[^\"]*; ${FSI}0${PDI} → ${FSI}0${PDI}: NaN; " s.dom
}

@test "pictures: a visible key whose weight underflows to 0 is drawn as 0, not masked; a hidden key is masked" {
	# causal: query 1 sees keys 0 and 1; key 0's score is 1000 below
	# key 1's, so its weight is exactly 0, but the key is not hidden
	printf '1\n1\n' >q.csv
	printf '0\n1000\n-1\n' >k.csv
	run "$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --show
	[ "$status" -eq 0 ]
	[ "$output" = 'weights
  0 1 2 
0 @@////
1   @@//
0  .:-=+*#%@ 1   // masked' ]
	"$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --heatmap h.svg
	[ "$(grep -c 'class="cell masked"' h.svg)" -eq 3 ]
	grep -q "<title>${FSI}1${PDI} → ${FSI}0${PDI}: 0</title>" h.svg
	grep -q "<title>${FSI}1${PDI} → ${FSI}2${PDI}: 0 (masked)</title>" h.svg
	"$SA" -Q q.csv -K k.csv -V k.csv -c -o /dev/null --heatmap h.html
	grep -q '"w":\[\[1,null,null\],\[0,1,null\]\]' h.html
	# f32's exp underflows below about -103
	printf '0\n200\n-1\n' >k32.csv
	run "$SA" -Q q.csv -K k32.csv -V k32.csv -c --dtype f32 -o /dev/null \
	    --show
	[ "${lines[3]}" = "1   @@//" ]
	# two heads: the mean masks only what both hide (head 1 sees key 2:
	# its query is the second column)
	printf '1,1\n1,1\n' >q2.csv
	printf '0,0\n1000,1000\n-1,-1\n' >k2.csv
	run "$SA" -Q q2.csv -K k2.csv -V k2.csv -H 2 -c -o /dev/null --show \
	    --heatmap m.svg
	[ "$status" -eq 0 ]
	[ "$(grep -c 'class="cell masked"' m.svg)" -eq 9 ]
	grep -q "<title>${FSI}1${PDI} → ${FSI}0${PDI}: 0</title>" m.svg
}

@test "pictures: -a writes the same bytes with and without a picture, the scores kept or computed again" {
	# keys -1 then +1, queries 1000: from row 350 on, keys 0..349 score
	# 2000 below the others and their weights underflow to 0; query 100
	# is NaN, its row NaN throughout (hidden keys too)
	awk 'BEGIN { for (i = 0; i < 700; i++) print (i < 350 ? -1 : 1) }' >k.csv
	for n in 300 1000; do
		awk -v n=$n 'BEGIN { for (i = 0; i < n; i++)
			print (i == 100 ? "nan" : 1000) }' >q$n.csv
	done
	run "$SA" --dry-run -Q q300.csv -K k.csv -V k.csv -c -a w.npy \
	    --heatmap h.svg
	echo "$output" | grep -qx 'weights: scores kept'
	run "$SA" --dry-run -Q q1000.csv -K k.csv -V k.csv -c -a w.npy \
	    --heatmap h.svg
	echo "$output" | grep -q '^weights: scores again, '
	for n in 300 1000; do
		for o in "-j 2" "-j 1 --dtype f32"; do
			for f in npy csv; do
				"$SA" -Q q$n.csv -K k.csv -V k.csv -c $o \
				    -o /dev/null -a w.$f
				"$SA" -Q q$n.csv -K k.csv -V k.csv -c $o \
				    -o /dev/null -a p.$f --heatmap h.svg \
				    --show >/dev/null
				cmp w.$f p.$f
			done
			not grep -q -- '-0' p.csv
			grep -q ',0,' p.csv
			[ "$(sed -n 101p p.csv | tr , '\n' | sort -u)" = nan ]
		done
	done
	# the picture: no more masked cells than with nothing underflowing
	"$SA" -Q q1000.csv -K k.csv -V k.csv -c -o /dev/null --heatmap h.svg
	awk 'BEGIN { for (i = 0; i < 700; i++) print 1 }' >k1.csv
	"$SA" -Q q1000.csv -K k1.csv -V k1.csv -c -o /dev/null --heatmap h1.svg
	[ "$(grep -c 'class="cell masked"' h.svg)" -eq \
	    "$(grep -c 'class="cell masked"' h1.svg)" ]
}

@test "show: colours on a terminal, 256 or 24-bit; NO_COLOR turns them off" {
	command -v script >/dev/null || skip "script(1) is not installed"
	script -qec "env -u NO_COLOR COLORTERM= $SA -x $CAT/X.csv -q $CAT/Wq.csv -k $CAT/Wk.csv -v $CAT/Wv.csv --scale none -o /dev/null --show" /dev/null >c256
	grep -q $'\033\\[48;5;' c256
	script -qec "env -u NO_COLOR COLORTERM=truecolor $SA -x $CAT/X.csv -q $CAT/Wq.csv -k $CAT/Wk.csv -v $CAT/Wv.csv --scale none -o /dev/null --show" /dev/null >c24
	grep -q $'\033\\[48;2;' c24
	# the colours themselves: a weight of 1 is viridis' yellow, #fde725,
	# the cube's (5, 4, 0) in 256 colours; the legend runs from #440154,
	# (1, 0, 1), through viridis' ten steps
	script -qec "env -u NO_COLOR COLORTERM= $SA -Q rand:1x2 -K rand:1x2 -V rand:1x2 -o /dev/null --show" /dev/null | tr -d '\r' >one256
	[ "$(sed -n 3p one256)" = $'0 \033[48;5;220m  \033[0m' ]
	[ "$(sed -n 4p one256 | grep -o '48;5;[0-9]*' | cut -d';' -f3 | tr '\n' ' ')" = "53 54 60 60 30 36 72 77 148 220 " ]
	script -qec "env -u NO_COLOR COLORTERM=truecolor $SA -Q rand:1x2 -K rand:1x2 -V rand:1x2 -o /dev/null --show" /dev/null | tr -d '\r' >one24
	[ "$(sed -n 3p one24)" = $'0 \033[48;2;253;231;37m  \033[0m' ]
	[ "$(sed -n 4p one24 | grep -o '48;2;[0-9;]*' | head -2 | tr '\n' ' ')" = "48;2;68;1;84 48;2;71;40;119 " ]
	script -qec "NO_COLOR=1 $SA -x $CAT/X.csv -q $CAT/Wq.csv -k $CAT/Wk.csv -v $CAT/Wv.csv --scale none -o /dev/null --show" /dev/null >nc
	not grep -q $'\033' nc
	# nor on a terminal that says it cannot (TERM=dumb)
	script -qec "env -u NO_COLOR TERM=dumb $SA -x $CAT/X.csv -q $CAT/Wq.csv -k $CAT/Wk.csv -v $CAT/Wv.csv --scale none -o /dev/null --show" /dev/null >dumb
	not grep -q $'\033' dumb
	# masked cells in the legend as in the picture
	script -qec "env -u NO_COLOR COLORTERM= $SA -c -x $CAT/X.csv -q $CAT/Wq.csv -k $CAT/Wk.csv -v $CAT/Wv.csv -o /dev/null --show" /dev/null >cm
	grep -q $'   \033\\[38;5;250;48;5;240m//\033\\[0m masked' cm
}

@test "show: fitted to \$COLUMNS, wide inputs in blocks" {
	# a padded key in a column of keys is no masked column: no legend
	# entry; each key a column, it has one
	awk 'BEGIN { for (i = 0; i < 100; i++) printf "%s%d", i ? "," : "", i == 0
	    print "" }' >kp.csv
	COLUMNS=40 run "$SA" -Q rand:2x2 -K rand:100x2 -V rand:100x2 \
	    --key-padding kp.csv -o /dev/null --show
	[ "$status" -eq 0 ]
	[[ "${lines[${#lines[@]} - 1]}" != *masked* ]]
	COLUMNS=400 run "$SA" -Q rand:2x2 -K rand:100x2 -V rand:100x2 \
	    --key-padding kp.csv -o /dev/null --show
	[[ "${lines[${#lines[@]} - 1]}" == *"   // masked" ]]
	COLUMNS=40 run "$SA" -x rand:100x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 \
	    -o /dev/null --show
	[ "$status" -eq 0 ]
	# 18 columns fit: 16 blocks of 6 or 7 keys (17 blocks of 6 and one
	# of 4 drew the last at 2/3 in a uniform row); the note broken at a
	# space to fit the 40 columns
	[ "${lines[0]}" = "100 keys in 16 columns of 6 or 7" ]
	[ "${lines[1]}" = "(summed)" ]
	# the columns numbered by their first key, where the number fits
	[ "${lines[3]}" = "   0 7 14  28  40  52  64  76  88" ]
	[ "${#lines[4]}" -eq 35 ]
	# no line wider than the terminal, the notes of 500 tokens too
	W=$(for i in $(seq 0 499); do printf 'w%d ' $i; done)
	for c in 40 30 20; do
		COLUMNS=$c NO_COLOR=1 run "$SA" -x randn:500x16 -q randn:16x16 \
		    -k randn:16x16 -v randn:16x16 -c --labels "$W" -o /dev/null --show
		[ "$status" -eq 0 ]
		wide=$(printf '%s\n' "${lines[@]}" | sed '$d' |
		    LC_ALL=C.UTF-8 bash -c 'while IFS= read -r l; do
			[ ${#l} -le '$c' ] || echo "$l"; done')
		[ -z "$wide" ]
	done
	# the scale is the cells drawn: the largest has its top shade (from
	# the largest weight, averaged into its column, it was all blank)
	printf '%s\n' "${lines[@]}" | grep -q '@@'
	COLUMNS=4 run "$SA" -x rand:100x4 -q rand:4x4 -k rand:4x4 -v rand:4x4 \
	    -o /dev/null --show
	[ "${lines[0]}" = "100 keys in 1 column of 100 (summed)" ]
	# uniform attention is drawn uniform: 200 keys in 25 columns of 8,
	# cut from the keys (not from the 100 cells an SVG would have)
	yes 0,0,0,0 | head -200 >q0.csv
	COLUMNS=80 run "$SA" -Q q0.csv -K randn:200x4 -V randn:200x4 \
	    -o /dev/null --show
	[ "${lines[0]}" = "200 queries in 100 rows of 2 (averaged)" ]
	[ "${lines[1]}" = "200 keys in 25 columns of 8 (summed)" ]
	[ "$(printf '%s\n' "${lines[@]:4:100}" | sed 's/^[0-9–]* *//' | sort -u)" = "$(printf '@%.0s' $(seq 50))" ]
}

@test "show: keys that do not fit two columns each get one; a block draws its keys' sum, alike in a smaller last block" {
	# 12 queries, each attending to its own key only: weight 1
	awk 'BEGIN { for (i = 0; i < 12; i++) for (j = 0; j < 12; j++)
	    printf "%d%s", i == j ? 50 : 0, j < 11 ? "," : "\n" }' >q.csv
	awk 'BEGIN { for (i = 0; i < 12; i++) for (j = 0; j < 12; j++)
	    printf "%d%s", i == j, j < 11 ? "," : "\n" }' >k.csv
	a="-Q q.csv -K k.csv -V k.csv -s 1 --labels 'a b c d e f g h i j k l' -o /dev/null --show"
	# 14 columns for the cells: one each, not 7 blocks of 1 and 2
	COLUMNS=16 TERM=dumb run sh -c "\"\$0\" $a" "$SA"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "  abcdefghijkl" ]
	[ "${lines[2]}" = "a @           " ]
	[ "${lines[13]}" = "l            @" ]
	# 10: two columns a cell, blocks of 3 (not 3, 2, 3, 2, 2), each
	# the sum of its keys: every row's block holds its 1
	COLUMNS=12 TERM=dumb run sh -c "\"\$0\" $a" "$SA"
	[ "${lines[0]}" = "12 keys in 4 columns of 3 (summed)" ]
	[ "${lines[3]}" = "a @@      " ]
	[ "${lines[6]}" = "d   @@    " ]
	[ "${lines[14]}" = "l       @@" ]
	[ "${lines[15]}" = "0  .:-=+*#%@ 1" ]
	# 11 keys in blocks of 3, 2, 2, 2 and 2: the larger first block
	# draws its 1 as the others (their mean drew it dimmer)
	head -11 q.csv | cut -d, -f1-11 >q11.csv
	head -11 k.csv | cut -d, -f1-11 >k11.csv
	COLUMNS=12 TERM=dumb run "$SA" -Q q11.csv -K k11.csv -V k11.csv -s 1 \
	    --labels 'a b c d e f g h i j k' -o /dev/null --show
	[ "${lines[0]}" = "11 keys in 5 columns of 2 or 3 (summed)" ]
	[ "${lines[3]}" = "a @@        " ]
	[ "${lines[5]}" = "c @@        " ]
	[ "${lines[6]}" = "d   @@      " ]
	[ "${lines[13]}" = "k         @@" ]
	# a narrow terminal cuts query labels to a quarter of it (16
	# characters left 20 columns one summed column of keys)
	printf 'attention\nis\nsupercalifragilistic\n' >labs.txt
	COLUMNS=20 TERM=dumb run "$SA" -Q randn:3x4 -K randn:12x4 -V randn:12x4 \
	    --labels @labs.txt -o /dev/null --show
	[ "$status" -eq 0 ]
	[[ "${lines[*]}" != *"keys in"* ]]
	printf '%s\n' "${lines[@]}" | grep -q '^atte… '
	printf '%s\n' "${lines[@]}" | grep -q '^supe… '
	line=$(printf '%s\n' "${lines[@]}" | grep '^is ')
	[ "${#line}" -eq 18 ]
	# a wide character in a key label keeps cells two columns wide
	# (the note broken to fit the 16 columns)
	COLUMNS=16 TERM=dumb run sh -c "\"\$0\" $a \"\$@\"" "$SA" --key-labels '語 b c d e f g h i j k l'
	[ "${lines[*]:0:3}" = "12 keys in 6 columns of 2 (summed)" ]
}

@test "heatmap: the page's cells: numbers in black or white, whichever reads better; a block's tokens in its data, its read-out a share" {
	command -v chromium >/dev/null || skip "chromium is not installed (apt package: chromium)"
	# two keys of equal weight on a 0-1 scale: viridis at 0.5 (teal),
	# where black reads better than white (it was white up to 0.6)
	"$SA" -Q randn:2x4 -K randn:2x4 -V randn:2x4 -s 0 --heat-max 1 \
	    -o /dev/null --heatmap m.html
	dom "file://$PWD/m.html" >m.dom
	[ "$(grep -o '<text [^>]*fill="black" pointer-events="none">0.50</text>' m.dom | wc -l)" -eq 4 ]
	# near the bottom of the scale, white
	"$SA" -Q randn:2x4 -K randn:5x4 -V randn:5x4 -s 0 --heat-max 1 \
	    -o /dev/null --heatmap w.html
	dom "file://$PWD/w.html" >w.dom
	[ "$(grep -o '<text [^>]*fill="white" pointer-events="none">0.20</text>' w.dom | wc -l)" -eq 10 ]
	# 200 queries in 100 rows of 2, 3 keys of 1: the page knows, and
	# the read-out of a cell says share
	"$SA" -Q randn:200x4 -K randn:3x4 -V randn:3x4 -o /dev/null --heatmap t.html
	grep -q '"kn":\[1,1,1\]' t.html
	grep -q "\"qn\":\\[$(printf '2,%.0s' $(seq 99))2\\]" t.html
	dom "file://$PWD/t.html#selftest" >t.dom
	grep -q "data-selftest=\"[^\"]*; ${FSI}0–1${PDI} → ${FSI}0${PDI}: share [^\"]*; 0 clipped\"" t.dom
	# not in blocks: no sizes, and a weight
	not grep -q '"qn"' m.html
	# the self-test's arrow keys move the frame from a cell to one that
	# has the same weight (two tokens "a" of equal weight, told apart
	# by their positions)
	"$SA" -Q randn:2x2 -K randn:2x2 -V randn:2x2 -s 0 --labels 'a a' \
	    -o /dev/null --heatmap a.html
	dom "file://$PWD/a.html#selftest" >a.dom
	grep -q "data-selftest=\"2 of 4 lines; ${FSI}a${PDI} #0 → ${FSI}a${PDI} #0: 0.5; 0 clipped\"" a.dom
}

@test "pictures: a label shared by several tokens, or empty, is followed by the token's position in the SVG's tooltips and the page's read-out, under --query-range too" {
	printf 'x\n\ny\nx\n' >kl.txt
	"$SA" -Q randn:5x2 -K randn:4x2 -V randn:4x2 --labels 'a b a c a' \
	    --key-labels @kl.txt -o /dev/null --heatmap d.svg
	# 5 x 4 cells: a (#0, #2, #4) and x (#0, #3) and "" (#1) numbered,
	# b, c and y not
	[ "$(grep -c "<title>${FSI}a${PDI} #0 → ${FSI}x${PDI} #0: " d.svg)" -eq 1 ]
	[ "$(grep -c "<title>${FSI}a${PDI} #4 → ${FSI}x${PDI} #3: " d.svg)" -eq 1 ]
	[ "$(grep -c "<title>${FSI}b${PDI} → ${FSI}${PDI} #1: " d.svg)" -eq 1 ]
	[ "$(grep -c "<title>${FSI}c${PDI} → ${FSI}y${PDI}: " d.svg)" -eq 1 ]
	[ "$(grep -c '<title>[^<]*#' d.svg)" -eq 18 ]
	# labels drawn alike (control characters are '?') are one label, as
	# the page finds them
	printf 'a\001\na\002\nb\n' >cl.txt
	"$SA" -Q randn:3x2 -K randn:3x2 -V randn:3x2 --labels @cl.txt \
	    -o /dev/null --heatmap c.svg
	[ "$(grep -c "<title>${FSI}a?${PDI} #1 → ${FSI}b${PDI}: " c.svg)" -eq 1 ]
	# and labels alike in the 100 characters a tooltip keeps
	x=$(printf 'x%.0s' $(seq 150))
	"$SA" -Q randn:2x2 -K randn:2x2 -V randn:2x2 --labels "${x}a ${x}b" \
	    -o /dev/null --heatmap x.svg
	[ "$(grep -c "<title>${FSI}x*…${PDI} #1 → ${FSI}x*…${PDI} #0: " x.svg)" -eq 1 ]
	# rows 2-4: the positions are the sequence's, in the SVG and the page
	"$SA" -Q randn:5x2 -K randn:4x2 -V randn:4x2 --labels 'a b a c a' \
	    --key-labels @kl.txt --query-range 2:5 -o /dev/null --heatmap r.svg
	[ "$(grep -c "<title>${FSI}a${PDI} #2 → " r.svg)" -eq 4 ]
	[ "$(grep -c "<title>${FSI}a${PDI} #4 → " r.svg)" -eq 4 ]
	not grep -q "<title>${FSI}a${PDI} #0 " r.svg
	"$SA" -Q randn:5x2 -K randn:4x2 -V randn:4x2 --labels 'a b a c a' \
	    --key-labels @kl.txt --query-range 2:5 -o /dev/null --heatmap r.html
	grep -q '"q0":2,"q":\["a","c","a"\]' r.html
	command -v chromium >/dev/null || skip "chromium is not installed (apt package: chromium)"
	dom "file://$PWD/r.html#selftest" >r.dom
	grep -q "data-selftest=\"[^\"]*; ${FSI}a${PDI} #2 → ${FSI}x${PDI} #0: " r.dom
}

@test "pictures: with labels, a block's axis label's tooltip and the page's read-out give its tokens' labels, up to 100 characters, and its positions" {
	W=$(for i in $(seq 0 299); do printf 'w%d ' $i; done)
	"$SA" -Q randn:300x4 -K randn:300x4 -V randn:300x4 --labels "$W" \
	    -o /dev/null --heatmap b.svg
	# 100 blocks of 3 a side: the axes show the positions, their
	# tooltips the labels too; a cell's tooltip the positions (the
	# labels in each of 10000 cells made the file 60% larger)
	grep -q "<text class=\"query\" [^>]*>3–5<title>${FSI}w3${PDI} ${FSI}w4${PDI} ${FSI}w5${PDI} (3–5)</title></text>" b.svg
	grep -q "<text class=\"key\" [^>]*>297–299<title>${FSI}w297${PDI} ${FSI}w298${PDI} ${FSI}w299${PDI} (297–299)</title></text>" b.svg
	grep -q "<title>${FSI}0–2${PDI} → ${FSI}297–299${PDI}: share " b.svg
	# long labels: cut after 100 characters with an ellipsis, the
	# positions still said; under --query-range, the sequence's
	for i in $(seq 0 999); do printf 'token_number_%04d_abcdef\n' $i; done >L.txt
	"$SA" -Q randn:1000x4 -K randn:1000x4 -V randn:1000x4 --labels @L.txt \
	    --query-range 100:1000 -o /dev/null --heatmap c.svg
	t="${FSI}token_number_0100_abcdef${PDI} ${FSI}token_number_0101_abcdef${PDI} ${FSI}token_number_0102_abcdef${PDI} ${FSI}token_number_0103_abcdef${PDI} … (100–108)"
	grep -qF ">100–108<title>$t</title></text>" c.svg
	# empty labels count a character each (with 300 000 of them a
	# block's tooltip was 16 KB of isolates)
	printf '\n%.0s' $(seq 30000) >e.txt
	"$SA" -Q randn:30000x1 -K randn:2x1 -V randn:2x1 --labels @e.txt \
	    -o /dev/null --heatmap e.svg
	grep -q ">0–234<title>\(${FSI}${PDI} \)\{100\}… (0–234)</title>" e.svg
	# without labels, no such tooltips
	"$SA" -Q randn:300x4 -K randn:300x4 -V randn:300x4 -o /dev/null \
	    --heatmap n.svg
	not grep -q '<text class="query" [^>]*>[^<]*<title>' n.svg
	# the page: the cells' labels in its data, the read-out and the
	# head view's tokens give them
	"$SA" -Q randn:300x4 -K randn:300x4 -V randn:300x4 --labels "$W" \
	    -o /dev/null --heatmap b.html
	grep -q "\"qt\":\[\"${FSI}w0${PDI} ${FSI}w1${PDI} ${FSI}w2${PDI} (0–2)\"," b.html
	grep -q "\"kt\":\[\"${FSI}w0${PDI} " b.html
	"$SA" -Q randn:300x4 -K randn:300x4 -V randn:300x4 -o /dev/null \
	    --heatmap n.html
	not grep -q '"qt"\|"kt"' n.html
	command -v chromium >/dev/null || skip "chromium is not installed (apt package: chromium)"
	dom "file://$PWD/b.html#selftest" >b.dom
	grep -q "data-selftest=\"[^\"]*; ${FSI}w0${PDI} ${FSI}w1${PDI} ${FSI}w2${PDI} (0–2) → ${FSI}w0${PDI} ${FSI}w1${PDI} ${FSI}w2${PDI} (0–2): share " b.dom
	grep -q "<title>${FSI}w3${PDI} ${FSI}w4${PDI} ${FSI}w5${PDI} (3–5)</title>" b.dom
}

@test "heatmap: HTML page structure: self-contained, one JSON per sequence, exact weights" {
	batch -c --labels 'a <b> "c"' -o /dev/null --heatmap p.html
	grep -q '^<!DOCTYPE html>' p.html
	[ "$(grep -c '<script type="application/json" class="seq">' p.html)" -eq 2 ]
	grep -q '<select id="head">' p.html
	grep -q 'id="headview"' p.html
	grep -q 'data-ready' p.html
	# no network, no external file: the one URL is the SVG namespace
	not grep -Eq '(src|href)=' p.html
	[ "$(grep -Eo 'https?://[^"]*' p.html | sort -u)" = "http://www.w3.org/2000/svg" ]
	# labels escaped for <script>; masked cells are null
	grep -q '"a","\\u003cb\\u003e","\\"c\\""' p.html
	grep -q 'null' p.html
	# the weights of the first head, exactly as -a writes them
	batch -c -o /dev/null -a w.csv
	sed -n '2,4p' w.csv | tr '\n' ';' >want
	grep -o '"name":"head 0","w":\[[^]]*\],\[[^]]*\],\[[^]]*\]' p.html | head -1 |
	    sed 's/.*"w":\[//; s/\],\[/;/g; s/^\[//; s/\]$/;/; s/null/0/g' | tr -d '\n' >got
	diff want got
}

@test "heatmap: the HTML page renders in Chromium without console errors" {
	command -v chromium >/dev/null || skip "chromium is not installed (apt package: chromium)"
	batch -c --labels 'a <b> "c"' -o /dev/null --heatmap p.html
	cat_run --labels "The cat sat on the mat" -o /dev/null --heatmap cat.html
	for f in p cat; do
		dom "file://$PWD/$f.html" >"$f.dom"
		grep -q '<body data-ready="ok">' "$f.dom"
		grep -q '<pre id="errors"></pre>' "$f.dom"
		not grep -q '<html[^>]*data-error' "$f.dom"
	done
	# drawn: the mean panel's 9 cells and 6 tokens of the batch, 36 cells
	# with their numbers for the cat
	[ "$(grep -o 'class="cell"' p.dom | wc -l)" -eq 9 ]
	[ "$(grep -o 'class="tok"' p.dom | wc -l)" -eq 6 ]
	[ "$(grep -o 'class="cell"' cat.dom | wc -l)" -eq 36 ]
	grep -q '>0.40</text>' cat.dom
	# a legend entry for masked cells where there are some (causal)
	grep -q '>masked</text>' p.dom
	not grep -q '>masked</text>' cat.dom
	# the head view of the mean of 2 heads: each head's 6 causal lines
	# in its colour, with a key; one head: its lines, no key
	grep -q '<p class="hkey"><button class="hk" title="show or hide this head.s lines" aria-pressed="true"><span style="color: rgb(31, 119, 180);">■</span> head 0</button> <button class="hk" [^>]*><span style="color: rgb(255, 127, 14);">■</span> head 1</button> </p>' p.dom
	[ "$(grep -o '<line [^>]*stroke="#1f77b4"' p.dom | wc -l)" -eq 6 ]
	[ "$(grep -o '<line [^>]*stroke="#ff7f0e"' p.dom | wc -l)" -eq 6 ]
	not grep -q '<p class="hkey"' cat.dom
	[ "$(grep -o '<line [^>]*stroke="#1f77b4"' cat.dom | wc -l)" -eq 36 ]
	# a line's opacity is its weight, as bertviz draws it (it was the
	# weight over the panel's largest: uniform attention drew every
	# line solid); overlaid heads, the weight over the heads shown
	grep -q '<line [^>]* data-q="0" data-k="0" data-h="0" data-w="0.3" stroke-opacity="0.3">' cat.dom
	grep -o 'data-w="[^"]*" stroke-opacity="[^"]*"' p.dom |
	    sed 's/data-w="\(.*\)" stroke-opacity="\(.*\)"/\1 \2/' >op.txt
	[ "$(wc -l <op.txt)" -eq 12 ]
	awk '{ d = $2 - $1 / 2; if (d > 1e-12 || d < -1e-12) exit 1 }' op.txt
	# 100 queries of 3 keys: columns as wide as the keys' room allows
	# (40 px), rows as the queries' (at least 8 px, as the SVG's: 6 px
	# rows had 5 px labels); they were all 6 px
	"$SA" -Q randn:100x4 -K randn:3x4 -V randn:3x4 -o /dev/null --heatmap tall.html
	dom "file://$PWD/tall.html" >tall.dom
	[ "$(grep -o '<rect [^>]*width="40" height="8" [^>]*class="cell"' tall.dom | wc -l)" -eq 300 ]
	# (rows under 9 px: every second labelled, at 12 px, not 7)
	grep -q '<text [^>]*font-size="12" text-anchor="end">98</text>' tall.dom
	not grep -q '<text [^>]*text-anchor="end">99</text>' tall.dom
	[ "$(grep -o '<text [^>]*font-size="12" text-anchor="end">[0-9]*</text>' tall.dom | wc -l)" -eq 50 ]
	# its head view spreads the 3 keys over the queries' height, with
	# the columns named
	grep -q '>queries</text>' tall.dom
	grep -q '>keys</text>' tall.dom
	# and the SVG: cells 36 px wide (the keys'), 8 px tall
	"$SA" -Q randn:100x4 -K randn:3x4 -V randn:3x4 -o /dev/null --heatmap tall.svg
	[ "$(grep -c '<rect class="cell" [^>]*width="36" height="8"' tall.svg)" -eq 300 ]
}

@test "heatmap: the HTML page prints each picture whole, beside its heading" {
	command -v chromium >/dev/null || skip "chromium is not installed (apt package: chromium)"
	# 128 tokens, 2 heads: a heatmap of 770 px and a head view of 1100
	# px at 1200 px; printed, they were cut at the paper's edge, over 6
	# pages, the head view's heading and picture on different ones
	"$SA" -Q randn:128x8 -K randn:128x8 -V randn:128x8 -H 2 -o /dev/null \
	    --heatmap t.html
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --window-size=1200,900 \
	    --user-data-dir="$BATS_TEST_TMPDIR/chromium-profile" \
	    --no-pdf-header-footer --print-to-pdf="$PWD/t.pdf" \
	    "file://$PWD/t.html" 2>/dev/null
	# (Chromium's PDF names its page count uncompressed)
	n=$(grep -ao '/Count [0-9]*' t.pdf | head -1)
	[ "$n" = "/Count 2" ]
	# the pictures scale: each has a viewBox
	dom "file://$PWD/t.html" >t.dom
	[ "$(grep -o '<svg [^>]*viewBox="0 0 [0-9.]* [0-9.]*"' t.dom | wc -l)" -eq 2 ]
	# the head view's 256 tokens labelled in 8 px, 10 px apart (they
	# were 6 px on rows of 8)
	[ "$(grep -o '<text [^>]*font-size="8" [^>]*class="tok"' t.dom | wc -l)" -eq 256 ]
	grep -q '<text x="[0-9.]*" y="41.666[0-9]*" font-size="8" [^>]*aria-label="query ⁨0⁩"' t.dom
	grep -q '<text x="[0-9.]*" y="51.666[0-9]*" font-size="8" [^>]*aria-label="query ⁨1⁩"' t.dom
}

@test "heatmap: the HTML page's hover isolates a token's lines and reads out a cell; the key switches heads off; the head view is two Tab stops" {
	command -v chromium >/dev/null || skip "chromium is not installed (apt package: chromium)"
	cat_run --labels "The cat sat on the mat" -o /dev/null --heatmap cat.html
	# (the self-test says when a token of each column is not the one Tab
	# stop, or the down arrow does not move to the next token)
	dom "file://$PWD/cat.html#selftest" >cat.dom
	# one head: no head selector
	grep -q '<span id="headbox" style="display: none;">' cat.dom
	grep -q "data-selftest=\"6 of 36 lines; ${FSI}The${PDI} → ${FSI}The${PDI}: 0.3; 0 clipped\"" cat.dom
	# two heads, causal: the first query's line in each; a click on
	# head 0 in the key leaves head 1's 6 lines
	batch -c --labels 'a <b> "c"' -o /dev/null --heatmap p.html
	dom "file://$PWD/p.html#selftest" >p.dom
	grep -q '<span id="headbox"><label for="head">' p.dom
	grep -q "data-selftest=\"2 of 12 lines; [^\"]*; 0 clipped; head 0 off: 6 lines; all clicked: 1 on\"" p.dom
}

# Labels wide in any font (capitals, CJK, fullwidth, an emoji family, a
# combining accent past the cut), longer than the 16 characters an axis
# shows, and right-to-left.
wide_labels() {
	printf '%s\n' WWWWWWWWWWWWWWWWWW MMMMMMMMMMMMMMMM \
	    '猫が座った猫が座った猫が座った猫' \
	    'ＷＩＤＥ＿ＬＡＴＩＮ＿ＦＵＬＬＷＩＤＴＨ' \
	    'aaaaaaaaaaaaa👩‍👩‍👧‍👦' 'aaaaaaaaaaaaaaéxyz' 'مرحبا بالعالم' \
	    attention_layer_1_output attention_layer_2_output >wide.txt
}

@test "pictures: long and wide labels: cut on the axes by whole characters, whole in tooltips, nothing clipped" {
	wide_labels
	"$SA" -Q randn:9x4 -K randn:9x4 -V randn:9x4 --labels @wide.txt \
	    -o /dev/null --heatmap w.svg
	"$SA" -Q randn:9x4 -K randn:9x4 -V randn:9x4 --labels @wide.txt \
	    -o /dev/null --heatmap w.html
	# axes: 15 characters and an ellipsis; an accent stays on its e, an
	# emoji family is one character
	grep -q '<text class="query"[^>]*>attention_layer…</text>' w.svg
	grep -q '>aaaaaaaaaaaaaaé…</text>' w.svg
	grep -q '>aaaaaaaaaaaaa👩‍👩‍👧‍👦</text>' w.svg
	# tooltips and the page's data: whole
	grep -q "<title>${FSI}attention_layer_1_output${PDI} → ${FSI}attention_layer_2_output${PDI}: " w.svg
	grep -q '"attention_layer_1_output","attention_layer_2_output"' w.html
	# the SVG's tooltips cut a label at 100 characters (they repeat it
	# in every cell); a letter keeps its first 4 combining marks
	{ printf 'x%.0s' $(seq 150); printf '\n'
	  printf 'a'; printf '\314\201%.0s' $(seq 300); printf '\n'; } >long.txt
	"$SA" -Q randn:2x4 -K randn:2x4 -V randn:2x4 --labels @long.txt \
	    -o /dev/null --heatmap long.svg
	grep -q "<title>${FSI}$(printf 'x%.0s' $(seq 99))…${PDI} → " long.svg
	grep -q "<text class=\"query\"[^>]*>a$(printf '\314\201%.0s' 1 2 3 4)</text>" long.svg
	# 15 characters of 25 bytes each (an emoji family, 4 people joined
	# by U+200D) fit an axis label whole, and then the ellipsis
	fam='👨‍👩‍👧‍👦'
	{ printf "$fam%.0s" $(seq 20); printf '\nx\n'; } >fam.txt
	"$SA" -Q randn:2x4 -K randn:2x4 -V randn:2x4 --labels @fam.txt \
	    -o /dev/null --heatmap fam.svg
	grep -q "<text class=\"query\"[^>]*>$(printf "$fam%.0s" $(seq 15))…</text>" fam.svg
	command -v chromium >/dev/null || skip "chromium is not installed (apt package: chromium)"
	# the page measures its labels: none outside its picture
	dom "file://$PWD/w.html#selftest" >w.dom
	grep -q 'data-selftest="[^"]*; 0 clipped"' w.dom
	# a letter under 300 accents: 4 are drawn, not a tower off the page
	"$SA" -Q randn:2x4 -K randn:2x4 -V randn:2x4 --labels @long.txt \
	    -o /dev/null --heatmap long.html
	dom "file://$PWD/long.html#selftest" >long.dom
	grep -q 'data-selftest="[^"]*; 0 clipped"' long.dom
	# labels longer than the window: the read-out cuts them, not the
	# weight after them (the self-test says "the weight was cut")
	l=internationalization_and_localization_of_software_products
	"$SA" -Q randn:2x4 -K randn:2x4 -V randn:2x4 --labels "$l$l$l short" \
	    -o /dev/null --heatmap ro.html
	dom "file://$PWD/ro.html#selftest" >ro.dom
	grep -q 'data-selftest="[^"]*: 0\.[0-9]*; 0 clipped"' ro.dom
	# a long query beside a short key, and the reverse (the self-test
	# reads the first row's last cell too): in a window of 320 or 400
	# px, the long label is cut, not the short one away (the self-test
	# says "a label was cut")
	"$SA" -Q randn:2x4 -K randn:2x4 -V randn:2x4 --labels "$l$l$l cat" \
	    -o /dev/null --heatmap r1.html
	"$SA" -Q randn:2x4 -K randn:2x4 -V randn:2x4 --labels "cat $l$l$l" \
	    -o /dev/null --heatmap r2.html
	for f in r1 r2; do
		for w in 320 400; do
			dom "file://$PWD/$f.html#selftest" --window-size=$w,700 >r.dom
			grep -q 'data-selftest="[^"]*: 0\.[0-9]*; 0 clipped"' r.dom
		done
	done
	# a label that names two tokens (or none) gets the token's position
	"$SA" -Q randn:3x4 -K randn:3x4 -V randn:3x4 --labels "the cat the" \
	    -o /dev/null --heatmap dup.html
	dom "file://$PWD/dup.html#selftest" >dup.dom
	grep -q "data-selftest=\"[^\"]*; ${FSI}the${PDI} #0 → ${FSI}the${PDI} #0: 0\\.[0-9]*; 0 clipped\"" dup.dom
	# (a label that is a name of JavaScript's objects is no exception)
	"$SA" -Q randn:3x4 -K randn:3x4 -V randn:3x4 --labels "constructor b c" \
	    -o /dev/null --heatmap obj.html
	dom "file://$PWD/obj.html#selftest" >obj.dom
	grep -q "data-selftest=\"[^\"]*; ${FSI}constructor${PDI} → ${FSI}constructor${PDI}: 0\\.[0-9]*; 0 clipped\"" obj.dom
	# the page of --average-weights says it draws a mean, where the
	# selector is not; one head's says nothing
	cat_run -H 2 --labels "The cat sat on the mat" -o /dev/null \
	    --average-weights --heatmap av.html
	dom "file://$PWD/av.html" >av.dom
	grep -q '<span id="headname">mean of 2 heads </span>' av.dom
	grep -q '<select id="head" style="display: none;">' av.dom
	dom "file://$PWD/ro.html" >ro.dom
	grep -q '<span id="headbox" style="display: none;">' ro.dom
	# a page that a browser's forced dark mode leaves light
	grep -q '<meta name="color-scheme" content="only light">' ro.html
	# and an SVG: its legend's yellows were darkened, not its cells'
	cat_run --labels "The cat sat on the mat" -o /dev/null --heatmap c.svg
	for m in light dark; do
		set -- --window-size=700,500 --screenshot="$PWD/$m.png"
		[ $m = light ] ||
		    set -- "$@" --force-dark-mode --enable-features=WebContentsForceDark
		dom "file://$PWD/c.svg" "$@" >/dev/null
		[ -s $m.png ]
	done
	cmp light.png dark.png
	# a narrow window (500 px, headless Chromium's least): the head
	# view's lines shorten so that wide labels stay in it
	printf 'WWWWWWWWWWWWWWWWWWWW\nMMMMMMMMMMMMMMMMMMMM\n' >ww.txt
	"$SA" -Q randn:2x4 -K randn:2x4 -V randn:2x4 --labels @ww.txt \
	    -o /dev/null --heatmap ww.html
	dom "file://$PWD/ww.html#selftest" --window-size=400,700 >ww.dom
	grep -q 'data-selftest="[^"]*; 0 clipped"' ww.dom
	# narrower, in a frame of 360 px: labels of 16 characters and more
	# are cut further, so that neither picture runs past the window
	for i in 1 2 3 4 5 6; do
		printf 'WWWWWWWWWWWWWWWWWWWW\nMMMMMMMMMMMMMMMMMMMM\n'
	done >long.txt
	"$SA" -Q randn:12x16 -K randn:12x16 -V randn:12x16 -H 2 \
	    --labels @long.txt -o /dev/null --heatmap long.html
	printf '%s' '<!DOCTYPE html><html><body style="margin:0"><iframe ' \
	    'src="long.html#selftest" width="360" height="1300"></iframe>' \
	    '<script>var f=document.querySelector("iframe");f.onload=function(){' \
	    'setTimeout(function(){var d=f.contentDocument;' \
	    'document.body.setAttribute("data-frame",d.documentElement.scrollWidth+' \
	    '" "+d.body.getAttribute("data-selftest"));},500);};</script>' \
	    '</body></html>' >frame.html
	dom "file://$PWD/frame.html" --allow-file-access-from-files \
	    --virtual-time-budget=20000 >frame.dom
	grep -q 'data-frame="360 [^"]*; 0 clipped' frame.dom
	# but not where the keys scroll in their box at 6 px anyway: 120
	# keys at 800 px keep their query labels whole
	for i in $(seq 0 119); do echo "token_number_$i"; done >lab120.txt
	"$SA" -Q randn:120x4 -K randn:120x4 -V randn:120x4 --labels @lab120.txt \
	    -o /dev/null --heatmap lab120.html
	dom "file://$PWD/lab120.html" --window-size=800,900 >lab120.dom
	grep -q 'text-anchor="end">token_number_0</text>' lab120.dom
	# one sequence of a batch drawn: the page says which
	batch --heatmap one.html --batch-index 1 -o /dev/null
	dom "file://$PWD/one.html" >one.dom
	grep -q '<span id="seqbox"><label for="seq">sequence</label> 1 (of 0–1) <select id="seq" style="display: none;">' one.dom
	# the SVG's margins come from a table of widths: put it in a page
	# that counts the text outside the picture
	{ printf '<!DOCTYPE html><html><body style="margin:0">'
	  sed 1d w.svg
	  printf '<script>var r=document.querySelector("svg").getBoundingClientRect(),n=0;'
	  printf 'document.querySelectorAll("svg text").forEach(function(t){var b=t.getBoundingClientRect();'
	  printf 'if(b.left<r.left||b.right>r.right||b.top<r.top||b.bottom>r.bottom)n++;});'
	  printf 'document.body.setAttribute("data-clipped",n);</script></body></html>'
	} >wsvg.html
	dom "file://$PWD/wsvg.html" >wsvg.dom
	grep -q 'data-clipped="0"' wsvg.dom
	# and with the widths too small (the estimate of before), it fails
	sed 's/<text class="query" x="[0-9]*"/<text class="query" x="40"/' \
	    wsvg.html >bad.html
	dom "file://$PWD/bad.html" >bad.dom
	not grep -q 'data-clipped="0"' bad.dom
}

@test "show: labels padded by terminal columns (wide characters take two), control characters never sent" {
	wide_labels
	run "$SA" -Q randn:9x4 -K randn:9x4 -V randn:9x4 --labels @wide.txt \
	    -o /dev/null --show
	[ "$status" -eq 0 ]
	# the grid starts in column 34 of every row: 16 wide characters
	# are 32 columns, then a blank
	printf '%s\n' "$output" | sed -n '18,26p' >rows
	[ "$(wc -l <rows)" -eq 9 ]
	while IFS= read -r r; do
		grid=$(printf '%s' "$r" | sed 's/^.* \([ .:=+*#%@-]\{18\}\)$/\1/')
		[ "${#grid}" -eq 18 ]
	done <rows
	grep -q '^猫が座った猫が座った猫が座った猫 ' rows
	grep -q '^ＷＩＤＥ＿ＬＡＴＩＮ＿ＦＵＬＬ… ' rows
	grep -q '^WWWWWWWWWWWWWWW…                 [ .:=+*#%@-]' rows
	# U+200D between letters joins nothing: each W is a column wide, so
	# every row's grid starts in the same column; a C1 control (CSI,
	# U+009B), a right-to-left override and a line separator (U+2028)
	# are drawn '?'
	printf 'W\342\200\215%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 >zwj.txt
	printf '\nb\302\2332J\342\200\256ev\342\200\250l\nc\n' >>zwj.txt
	run "$SA" -Q rand:3x4 -K rand:3x4 -V rand:3x4 --labels @zwj.txt \
	    -o /dev/null --show
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | tail -4 | head -3 | sed 's/\xe2\x80\x8d//g' >zrows
	[ "$(sed -n 2p zrows | cut -c 1-9)" = 'b?2J?ev?l' ]
	for r in 1 2 3; do
		[ "$(sed -n ${r}p zrows | LC_ALL=C.UTF-8 wc -m)" -eq \
		    "$(sed -n 3p zrows | LC_ALL=C.UTF-8 wc -m)" ]
	done
	[ "$(sed -n 1p zrows | cut -d ' ' -f 1)" = "WWWWWWWWWWWWWWW…" ]
	# a BEL, BS, CR, ESC or CSI byte in a label is drawn '?', on both axes
	printf 'a\n\007b\nc\r\010\nd\233\n\033[2J\n' >ctl.txt
	run "$SA" -Q randn:5x4 -K randn:5x4 -V randn:5x4 --labels @ctl.txt \
	    -o /dev/null --show
	[ "$status" -eq 0 ]
	[[ "$output" != *$'\a'* && "$output" != *$'\b'* && "$output" != *$'\r'* ]]
	[[ "$output" != *$'\033'* ]]
	[[ "$output" == *'?b'* ]]
}

@test "pictures: Hangul written as jamo (NFD) is one character a syllable: cut and padded by syllables" {
	# 한 as its three jamo (L V T), and 가, 나 as two (L V)
	han=$(printf '\341\204\222\341\205\241\341\206\253')
	ga=$(printf '\341\204\200\341\205\241')
	na=$(printf '\341\204\202\341\205\241')
	printf "$han$han$han\nabc\n" >jamo.txt
	run "$SA" -Q rand:2x4 -K rand:2x4 -V rand:2x4 --labels @jamo.txt \
	    -o /dev/null --show
	[ "$status" -eq 0 ]
	# three syllables, six columns: one blank to the grid, as abc's four
	[ "${lines[1]}" = "       ${han}a " ]
	[ "${lines[3]}" = "       ${han}c " ]
	[[ "${lines[4]}" =~ ^"$han$han$han "[^\ ] ]]
	[[ "${lines[5]}" =~ ^"abc    "[^\ ] ]]
	# an axis label of 18 syllables: 15 and an ellipsis, no syllable
	# split from its vowel
	{ for i in 1 2 3 4 5 6 7 8 9; do printf "$ga$na"; done; printf '\nb\n'; } >ga.txt
	"$SA" -Q randn:2x4 -K randn:2x4 -V randn:2x4 --labels @ga.txt \
	    -o /dev/null --heatmap ga.svg
	grep -q "<text class=\"query\"[^>]*>$(for i in 1 2 3 4 5 6 7; do printf "$ga$na"; done)$ga…</text>" ga.svg
	# precomposed (NFC) syllables are wide as well: 한글 is 4 columns
	han=$(printf '\355\225\234') geul=$(printf '\352\270\200')
	printf "$han$geul\nab\n" >nfc.txt
	show2 nfc.txt "     ${han}a " "     ${geul}b " "$han$geul " "ab   "
	# a trailing jamo after a precomposed LV (가 + ᆫ) or LVT (각 + ᆫ)
	# syllable stays in it: one key label a line
	lv=$(printf '\352\260\200\341\206\253')
	lvt=$(printf '\352\260\201\341\206\253')
	printf "$lv$lv\n$lvt$lvt\n" >lvt.txt
	show2 lvt.txt "     $lv$lvt" "     $lv$lvt" "$lv$lv " "$lvt$lvt "
}

# show2 FILE KEYS1 KEYS2 ROW1 ROW2: --show of 2 queries and 2 keys
# labelled from FILE: its two lines of key labels (a character of each
# key a line) are KEYS1 and KEYS2, and its rows begin with ROW1 and
# ROW2 (a label and its padding), then the grid.
show2() {
	run "$SA" -Q rand:2x4 -K rand:2x4 -V rand:2x4 --labels @"$1" \
	    -o /dev/null --show
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "$2" ]
	[ "${lines[2]}" = "$3" ]
	[[ "${lines[3]}" =~ ^"$4"[^\ ] ]]
	[[ "${lines[4]}" =~ ^"$5"[^\ ] ]]
}

@test "pictures: a flag, and pictographs joined by U+200D, are one character each" {
	jp=$(printf '\360\237\207\257\360\237\207\265')
	fire=$(printf '\342\235\244\357\270\217\342\200\215\360\237\224\245')
	printf "$jp$jp\n${fire}x\n" >f.txt
	# the key labels, one character a line: the flags; ❤️‍🔥, then x
	show2 f.txt "     $jp$fire" "     ${jp}x " "$jp$jp " "${fire}x  "
}

@test "labels: --query-range rows keep their labels; --merge draws nothing" {
	run cat_run -p 2 --labels "The cat sat on the mat" --query-range 2:4 \
	    -o /dev/null -a -
	[ "$status" -eq 0 ]
	[ "$output" = ',The,cat,sat,on,the,mat
sat,0.05,0.35,0.3,0.15,0.05,0.1
on,0.05,0.05,0.3,0.2,0.1,0.3' ]
	run "$SA" --merge --heatmap x.svg a b
	usage_is '--merge conflicts with --heatmap: merged shards have no weights'
	run "$SA" --merge --show a b
	usage_is '--merge conflicts with --show: merged shards have no weights'
}

@test "pictures: labels that are not UTF-8 become U+FFFD, and the SVG and HTML stay well-formed" {
	command -v xmllint >/dev/null || skip "xmllint is not installed (Debian: libxml2-utils)"
	# a stray byte, a cut sequence, a surrogate, U+FFFF, and markup
	printf 'ok\nbad\377\376end\ncut\303\nsurr\355\240\200\n\357\277\277<&>\n' >labs
	"$SA" -Q randn:5x4 -K randn:5x4 -V randn:5x4 --labels @labs \
	    --heatmap h.svg -o /dev/null
	xmllint --noout h.svg
	grep -q "bad$(printf '\357\277\275\357\277\275')end" h.svg
	"$SA" -Q randn:5x4 -K randn:5x4 -V randn:5x4 --labels @labs \
	    --heatmap h.html -o /dev/null
	iconv -f UTF-8 -t UTF-8 h.html >/dev/null
	grep -q "cut$(printf '\357\277\275')" h.html
	not grep -q "$(printf '\357\277\277')" h.html
}

@test "heatmap: the SVG's caption and note stand right under a heatmap shorter than the legend, at the foot under a tall one" {
	cd "$BATS_TEST_TMPDIR"
	# one query, two heads: cells from y 54 to 90, the legend to about 210
	"$SA" -Q randn:1x8 -K randn:6x8 -V randn:6x8 -H 2 --heatmap one.svg -o /dev/null
	bottom=$(sed -n 's/.*<rect class="cell[^"]*" x="[0-9]*" y="\([0-9]*\)" width="[0-9]*" height="\([0-9]*\)".*/\1 \2/p' one.svg |
	    awk '$1 + $2 > m { m = $1 + $2 } END { print m }')
	[ "$bottom" -eq 90 ]
	grep -q "<text class=\"axes\" x=\"8\" y=\"110\"" one.svg
	grep -q '<svg [^>]* height="270"' one.svg
	# in blocks: the note follows the caption when it fits beside the legend
	"$SA" -Q randn:2x8 -K randn:300x8 -V randn:300x8 --heatmap agg.svg -o /dev/null
	grep -q '<text class="axes" x="8" y="171"' agg.svg
	grep -q '<text class="note" x="8" y="193"' agg.svg
	# taller than the legend: both at the foot, as before
	"$SA" -Q randn:300x8 -K randn:300x8 -V randn:300x8 --heatmap tall.svg -o /dev/null
	grep -q '<svg [^>]* height="947"' tall.svg
	grep -q '<text class="axes" x="8" y="913"' tall.svg
	grep -q '<text class="note" x="8" y="935"' tall.svg
	# one narrow panel: the caption on two lines beside the legend
	"$SA" -Q randn:2x4 -K randn:3x4 -V randn:3x4 --heatmap narrow.svg -o /dev/null
	grep -q '<svg [^>]* height="270"' narrow.svg
	grep -q '<text class="axes" x="8" y="146" [^>]*>rows: queries ↓,<tspan x="8" dy="14">columns: keys →</tspan></text>' narrow.svg
	# narrower still (one cell): at the foot
	"$SA" -Q randn:1x4 -K randn:1x4 -V randn:1x4 --heatmap one1.svg -o /dev/null
	grep -q '<svg [^>]* height="292"' one1.svg
	grep -q '<text class="axes" x="8" y="280" [^>]*>rows: queries ↓, columns: keys →</text>' one1.svg
}
