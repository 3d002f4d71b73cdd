#!/usr/bin/env bats
# The .npy reader (src/npy.c) through catmat, and the .npy header writer
# through tests/tools/npyhdr.  The files are made by
# tests/data/npy/gen.py with numpy; each good NAME.npy has NAME.expect,
# the array as catmat must print it.

load helpers
bats_require_minimum_version 1.5.0

NPY="$DATA/npy"
NPYHDR="$ROOT/tests/tools/npyhdr"

# catmat NAME.npy prints exactly NAME.expect, and nothing on stderr.
reads_as_expected() {
	run --separate-stderr "$CATMAT" "$NPY/$1.npy"
	if [ "$status" -ne 0 ] || [ -n "$stderr" ]; then
		echo "exit $status: $stderr"
		return 1
	fi
	if [ "$output" != "$(cat "$NPY/$1.expect")" ]; then
		printf '%s\n' "$output" | diff - "$NPY/$1.expect"
		return 1
	fi
}

# catmat FILE (named relative to the data folder) exits 1 with exactly
# the diagnostic $2 on stderr and nothing on stdout.
fails_with() {
	cd "$NPY" || return 1
	run --separate-stderr "$CATMAT" "$1"
	if [ "$status" -ne 1 ] || [ "$stderr" != "$2" ] || [ -n "$output" ]
	then
		printf 'exit %s\ngot:  %s\nwant: %s\nstdout: %s\n' \
		    "$status" "$stderr" "$2" "$output"
		return 1
	fi
}


# Every real dtype, in each byte order and in C and Fortran order.

@test "npy: reads little-endian half-precision f2 in C order" {
	reads_as_expected f2_le_c
}

@test "npy: reads little-endian half-precision f2 in Fortran order" {
	reads_as_expected f2_le_f
}

@test "npy: reads big-endian half-precision f2 in C order" {
	reads_as_expected f2_be_c
}

@test "npy: reads big-endian half-precision f2 in Fortran order" {
	reads_as_expected f2_be_f
}

@test "npy: reads little-endian f4 in C order" {
	reads_as_expected f4_le_c
}

@test "npy: reads little-endian f4 in Fortran order" {
	reads_as_expected f4_le_f
}

@test "npy: reads big-endian f4 in C order" {
	reads_as_expected f4_be_c
}

@test "npy: reads big-endian f4 in Fortran order" {
	reads_as_expected f4_be_f
}

@test "npy: reads little-endian f8 in C order" {
	reads_as_expected f8_le_c
}

@test "npy: reads little-endian f8 in Fortran order" {
	reads_as_expected f8_le_f
}

@test "npy: reads big-endian f8 in C order" {
	reads_as_expected f8_be_c
}

@test "npy: reads big-endian f8 in Fortran order" {
	reads_as_expected f8_be_f
}

@test "npy: reads i1 in C order" {
	reads_as_expected i1_c
}

@test "npy: reads i1 in Fortran order" {
	reads_as_expected i1_f
}

@test "npy: reads little-endian i2 in C order" {
	reads_as_expected i2_le_c
}

@test "npy: reads little-endian i2 in Fortran order" {
	reads_as_expected i2_le_f
}

@test "npy: reads big-endian i2 in C order" {
	reads_as_expected i2_be_c
}

@test "npy: reads big-endian i2 in Fortran order" {
	reads_as_expected i2_be_f
}

@test "npy: reads little-endian i4 in C order" {
	reads_as_expected i4_le_c
}

@test "npy: reads little-endian i4 in Fortran order" {
	reads_as_expected i4_le_f
}

@test "npy: reads big-endian i4 in C order" {
	reads_as_expected i4_be_c
}

@test "npy: reads big-endian i4 in Fortran order" {
	reads_as_expected i4_be_f
}

@test "npy: reads little-endian i8 in C order" {
	reads_as_expected i8_le_c
}

@test "npy: reads little-endian i8 in Fortran order" {
	reads_as_expected i8_le_f
}

@test "npy: reads big-endian i8 in C order" {
	reads_as_expected i8_be_c
}

@test "npy: reads big-endian i8 in Fortran order" {
	reads_as_expected i8_be_f
}

@test "npy: reads u1 in C order" {
	reads_as_expected u1_c
}

@test "npy: reads u1 in Fortran order" {
	reads_as_expected u1_f
}

@test "npy: reads little-endian u2 in C order" {
	reads_as_expected u2_le_c
}

@test "npy: reads little-endian u2 in Fortran order" {
	reads_as_expected u2_le_f
}

@test "npy: reads big-endian u2 in C order" {
	reads_as_expected u2_be_c
}

@test "npy: reads big-endian u2 in Fortran order" {
	reads_as_expected u2_be_f
}

@test "npy: reads little-endian u4 in C order" {
	reads_as_expected u4_le_c
}

@test "npy: reads little-endian u4 in Fortran order" {
	reads_as_expected u4_le_f
}

@test "npy: reads big-endian u4 in C order" {
	reads_as_expected u4_be_c
}

@test "npy: reads big-endian u4 in Fortran order" {
	reads_as_expected u4_be_f
}

@test "npy: reads little-endian u8 in C order" {
	reads_as_expected u8_le_c
}

@test "npy: reads little-endian u8 in Fortran order" {
	reads_as_expected u8_le_f
}

@test "npy: reads big-endian u8 in C order" {
	reads_as_expected u8_be_c
}

@test "npy: reads big-endian u8 in Fortran order" {
	reads_as_expected u8_be_f
}

@test "npy: reads boolean b1 in C order" {
	reads_as_expected b1_c
}

@test "npy: reads boolean b1 in Fortran order" {
	reads_as_expected b1_f
}

# Values and shapes.

@test "npy: reads halves exactly: signed zeros, extremes, subnormals, inf, nan" {
	reads_as_expected f2_special
}

@test "npy: a half NaN keeps its sign, payload and quiet bit, as numpy's astype(float64)" {
	cd "$BATS_TEST_TMPDIR"
	# (1, 2) <f2: 0x7e01 (quiet, payload 1), 0xfc01 (signalling, negative)
	{ printf '\223NUMPY\001\000v\000'
	  printf "%-117s\n" "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 2), }"
	  printf '\001\176\001\374'; } > h.npy
	[ "$(wc -c < h.npy)" -eq 132 ]
	echo 0 > l.csv
	# one shard of LSE 0 merges to itself, bits and all
	"$SA" --merge h.npy l.csv -o y.npy
	[ "$(tail -c 16 y.npy | od -An -tx8 | tr -s ' ')" = " 7ff8040000000000 fff0040000000000" ]
}

@test "npy: reads a 0-D array as a 1x1 matrix" {
	reads_as_expected f8_0d
	run "$CATMAT" -s "$NPY/f8_0d.npy"
	[ "$status" -eq 0 ]
	[ "$output" = "1x1" ]
}

@test "npy: reads a 1-D array as one row of 1-D shape" {
	reads_as_expected f8_1d
	run "$CATMAT" -s "$NPY/f8_1d.npy"
	[ "$status" -eq 0 ]
	[ "$output" = "5" ]
}

@test "npy: reads a big-endian 1-D i2 array" {
	reads_as_expected i2_1d_be
}

@test "npy: reads a 3-D f4 array in C order as 2-D blocks" {
	reads_as_expected f4_3d_c
	run "$CATMAT" -s "$NPY/f4_3d_c.npy"
	[ "$output" = "2x2x3" ]
}

@test "npy: reads a 3-D f4 array in Fortran order" {
	reads_as_expected f4_3d_f
}

@test "npy: reads a 4-D i2 array in C order" {
	reads_as_expected i2_4d_c
	run "$CATMAT" -s "$NPY/i2_4d_c.npy"
	[ "$output" = "2x3x2x4" ]
}

@test "npy: reads a 4-D i2 array in Fortran order" {
	reads_as_expected i2_4d_f
	run "$CATMAT" -s "$NPY/i2_4d_f.npy"
	[ "$output" = "2x3x2x4" ]
}

@test "npy: reads an empty 0x3 array" {
	run "$CATMAT" -s "$NPY/f8_empty.npy"
	[ "$status" -eq 0 ]
	[ "$output" = "0x3" ]
}

# Format versions and hand-written headers.

@test "npy: reads format version 2.0" {
	reads_as_expected f8_v2
}

@test "npy: reads format version 3.0" {
	reads_as_expected f8_v3
}

@test "npy: reads format version 3.0 in Fortran order" {
	reads_as_expected f4_v3_f
}

@test "npy: reads native byte order '='" {
	reads_as_expected hdr_native
}

@test "npy: reads dtype '?' as bool, any non-zero byte as 1" {
	reads_as_expected hdr_bool_q
}

@test "npy: reads a header in double quotes, keys reordered, no spaces" {
	reads_as_expected hdr_dquote
}

@test "npy: reads a header with tabs, newlines and trailing commas" {
	reads_as_expected hdr_spaces
}

@test "npy: reads Python 2 long dimensions such as 3L" {
	reads_as_expected hdr_py2
}

@test "npy: reads a header not padded to 64 bytes" {
	reads_as_expected hdr_noalign
}

@test "npy: reads a 1-D array marked Fortran order" {
	reads_as_expected hdr_1d_fortran
}

@test "npy: ignores bytes after the data, as numpy does" {
	reads_as_expected hdr_trailing
}

# Unsupported dtypes.

@test "npy: refuses complex c8" {
	fails_with bad_c8.npy "selfattn: bad_c8.npy: unsupported dtype '<c8' (complex); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)"
}

@test "npy: refuses complex c16" {
	fails_with bad_c16.npy "selfattn: bad_c16.npy: unsupported dtype '<c16' (complex); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)"
}

@test "npy: refuses an object array" {
	fails_with bad_object.npy "selfattn: bad_object.npy: unsupported dtype '|O' (Python objects); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)"
}

@test "npy: refuses a structured dtype, quoting its fields" {
	fails_with bad_struct.npy "selfattn: bad_struct.npy: unsupported dtype [('a', '<i4'), ('b', '<f8')] (structured: named fields); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)"
}

@test "npy: refuses a unicode string array" {
	fails_with bad_unicode.npy "selfattn: bad_unicode.npy: unsupported dtype '<U5' (unicode string); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)"
}

@test "npy: refuses a byte string array" {
	fails_with bad_bytes.npy "selfattn: bad_bytes.npy: unsupported dtype '|S3' (byte string); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)"
}

@test "npy: refuses datetime64" {
	fails_with bad_datetime.npy "selfattn: bad_datetime.npy: unsupported dtype '<M8[ns]' (datetime); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)"
}

@test "npy: refuses timedelta64" {
	fails_with bad_timedelta.npy "selfattn: bad_timedelta.npy: unsupported dtype '<m8[s]' (timedelta); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)"
}

@test "npy: refuses long double f16" {
	fails_with bad_f16.npy "selfattn: bad_f16.npy: unsupported dtype '<f16' (long double); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)"
}

@test "npy: refuses long double f12" {
	fails_with bad_f12.npy "selfattn: bad_f12.npy: unsupported dtype '<f12' (long double); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)"
}

# Bad shapes, sizes, preambles.

@test "npy: refuses a 5-D array, naming its shape" {
	fails_with bad_5d.npy "selfattn: bad_5d.npy: 5-D shape 1x2x1x2x1 has too many dimensions; at most 4 are supported"
}

@test "npy: refuses data shorter than the shape" {
	fails_with bad_truncated.npy "selfattn: bad_truncated.npy: expected 24 bytes of data for shape 2x3 '<f4', found 10"
}

@test "npy: refuses format version 4.0" {
	fails_with bad_version.npy "selfattn: bad_version.npy: unsupported .npy format version 4.0; expected 1.0, 2.0 or 3.0"
}

@test "npy: refuses a minor version but 0 (1.1, as numpy.load), reading and in a dry run" {
	cd "$BATS_TEST_TMPDIR"
	{ printf '\223NUMPY\001\001'; npy_v1 '(2, 2)' | tail -c +9
	    head -c 32 /dev/zero; } >v11.npy
	NPY=. fails_with v11.npy "selfattn: v11.npy: unsupported .npy format version 1.1; expected 1.0, 2.0 or 3.0"
	run --separate-stderr "$SA" --dry-run -Q v11.npy -K v11.npy -V v11.npy
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: v11.npy: unsupported .npy format version 1.1; expected 1.0, 2.0 or 3.0" ]
}

@test "npy: refuses a file cut inside the preamble" {
	fails_with bad_preamble.npy "selfattn: bad_preamble.npy: truncated .npy file: expected 10 bytes of preamble, found 9"
}

ONE='\0\0\0\0\0\0\360\077'	# 1.0 as '<f8'

@test "npy: a dimension past SIZE_MAX in the header is refused where it is" {
	cd "$BATS_TEST_TMPDIR"
	{ npy_v1 '(18446744073709551617,)'; printf "$ONE"; } > big.npy
	NPY=. fails_with big.npy "selfattn: big.npy:1:62: dimension in the .npy header is too large (more than 18446744073709551615)"
	{ npy_v1 '(18446744073709551615,)'; printf "$ONE"; } > big.npy
	NPY=. fails_with big.npy "selfattn: big.npy: shape 18446744073709551615 of '<f8' is too large to hold"
}

@test "npy: data past SIZE_MAX with its header, from a file or a stream: the bytes there are counted" {
	cd "$BATS_TEST_TMPDIR"
	{ npy_v1_dict "{'descr': '|u1', 'fortran_order': False, 'shape': (18446744073709551615,), }"
	  head -c 48 /dev/zero; } >u1.npy
	m="expected 18446744073709551615 bytes of data for shape 18446744073709551615 '|u1', found 48"
	run --separate-stderr "$SA" -Q u1.npy -K rand:2x2 -V rand:2x2
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: u1.npy: $m" ]
	run --separate-stderr "$SA" -Q - -K rand:2x2 -V rand:2x2 <u1.npy
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: <stdin>: $m" ]
	# a product of dimensions past SIZE_MAX: too large, either way
	{ npy_v1 '(4294967296, 4294967296)'; printf "$ONE"; } >b2.npy
	m="shape 4294967296x4294967296 of '<f8' is too large to hold"
	run --separate-stderr "$SA" -Q - -K rand:2x2 -V rand:2x2 <b2.npy
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: <stdin>: $m" ]
}

@test "npy: data one element short, or one byte, is refused" {
	cd "$BATS_TEST_TMPDIR"
	{ npy_v1 '(4, 2)'; for i in 1 2 3 4 5 6 7 8; do printf "$ONE"; done; } > k.npy
	run "$CATMAT" k.npy
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '1,1\n1,1\n1,1\n1,1')" ]
	head -c -8 k.npy > short.npy
	NPY=. fails_with short.npy "selfattn: short.npy: expected 64 bytes of data for shape 4x2 '<f8', found 56"
	head -c -1 k.npy > short.npy
	NPY=. fails_with short.npy "selfattn: short.npy: expected 64 bytes of data for shape 4x2 '<f8', found 63"
}

@test "npy: a version 2.0 or 3.0 file cut inside its 12-byte preamble" {
	cd "$BATS_TEST_TMPDIR"
	printf '\223NUMPY\002\000\020' > v2.npy
	NPY=. fails_with v2.npy "selfattn: v2.npy: truncated .npy file: expected 12 bytes of preamble, found 9"
	printf '\223NUMPY\003\000\020\000\000' > v3.npy
	NPY=. fails_with v3.npy "selfattn: v3.npy: truncated .npy file: expected 12 bytes of preamble, found 11"
}

@test "npy: refuses a header length past the end of the file" {
	fails_with bad_hlen.npy "selfattn: bad_hlen.npy: truncated .npy file: expected 200 bytes of header, found 58"
}

@test "npy: npy_read refuses a bad magic" {
	cd "$NPY"
	run --separate-stderr "$NPYHDR" -r bad_magic.npy
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: bad_magic.npy: expected the .npy magic string \x93NUMPY, found \x93NUMPX' ]
}

@test "npy: an input whose magic is damaged (a byte wrong, or re-encoded as UTF-8) is a .npy with a bad magic, not text" {
	cd "$NPY"
	for x in bad_magic.npy - ; do
		run --separate-stderr "$SA" -x $x -q rand:4x4 -k rand:4x4 -v rand:4x4 -o "$BATS_TEST_TMPDIR/y.csv" <bad_magic.npy
		[ "$status" -eq 1 ]
		name=$x; [ $x = - ] && name='<stdin>'
		[ "$stderr" = "selfattn: $name: expected the .npy magic string \\x93NUMPY, found \\x93NUMPX" ]
	done
	run --separate-stderr "$SA" --dry-run -x bad_magic.npy -q rand:4x4 -k rand:4x4 -v rand:4x4
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: bad_magic.npy: expected the .npy magic string \\x93NUMPY, found \\x93NUMPX" ]
	[ ! -e "$BATS_TEST_TMPDIR/y.csv" ]
	# damaged in its second byte, from a pipe too
	{ printf '\223M'; tail -c +3 bad_magic.npy; } > "$BATS_TEST_TMPDIR/m2.npy"
	run --separate-stderr "$SA" -x "$BATS_TEST_TMPDIR/m2.npy" -q rand:4x4 -k rand:4x4 -v rand:4x4
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: $BATS_TEST_TMPDIR/m2.npy: expected the .npy magic string \\x93NUMPY, found \\x93MUMPX" ]
	run --separate-stderr sh -c 'cat "$1" | "$2" -x - -q rand:4x4 -k rand:4x4 -v rand:4x4' sh "$BATS_TEST_TMPDIR/m2.npy" "$SA"
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: <stdin>: expected the .npy magic string \\x93NUMPY, found \\x93MUMPX" ]
	# damaged in its first byte, or re-encoded as UTF-8 (a text editor)
	{ printf '\377NUMPY'; tail -c +7 bad_magic.npy; } > "$BATS_TEST_TMPDIR/m3.npy"
	run --separate-stderr "$SA" -x - -q rand:4x4 -k rand:4x4 -v rand:4x4 < "$BATS_TEST_TMPDIR/m3.npy"
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: <stdin>: expected the .npy magic string \\x93NUMPY, found \\xffNUMPY" ]
	# (text may start so: a comment, a header)
	printf '#NUMPY export\n1,2,3,4\n' > "$BATS_TEST_TMPDIR/c.csv"
	"$SA" -x "$BATS_TEST_TMPDIR/c.csv" -q rand:4x4 -k rand:4x4 -v rand:4x4 >/dev/null
	{ printf '\302\223NUMPY'; tail -c +7 bad_magic.npy; } > "$BATS_TEST_TMPDIR/m4.npy"
	run --separate-stderr "$SA" -x "$BATS_TEST_TMPDIR/m4.npy" -q rand:4x4 -k rand:4x4 -v rand:4x4
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: $BATS_TEST_TMPDIR/m4.npy: expected the .npy magic string \\x93NUMPY, found \\xc2\\x93NUMPY (the file was re-encoded as UTF-8 text: its binary data is lost)" ]
	# cut inside the magic
	head -c 5 bad_magic.npy > "$BATS_TEST_TMPDIR/m5.npy"
	run --separate-stderr "$SA" -x - -q rand:4x4 -k rand:4x4 -v rand:4x4 < "$BATS_TEST_TMPDIR/m5.npy"
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: <stdin>: expected the .npy magic string \\x93NUMPY, found \\x93NUMP and the end of the file" ]
	# text that starts with 0x93 (Windows-1252's left quote) is text
	printf '\223x\224\n1\n' > "$BATS_TEST_TMPDIR/q.csv"
	run --separate-stderr "$SA" --dry-run -x "$BATS_TEST_TMPDIR/q.csv" -q rand:1x2 -k rand:1x2 -v rand:1x2
	[ "$status" -eq 0 ]
}

# Malformed headers: line 1, the column is the byte offset in the file.

@test "npy: header: '=' for ':' after a key" {
	fails_with bad_equals.npy "selfattn: bad_equals.npy:1:19: expected ':' after a key in the .npy header, found '='"
}

@test "npy: header: garbage instead of a dict" {
	fails_with bad_garbage.npy "selfattn: bad_garbage.npy:1:11: expected '{' to open the dict in the .npy header, found byte 0x01"
}

@test "npy: header: unknown key" {
	fails_with bad_key.npy "selfattn: bad_key.npy:1:28: unknown key 'order' in the .npy header; expected 'descr', 'fortran_order' or 'shape'"
}

@test "npy: header: duplicate key" {
	fails_with bad_dupkey.npy "selfattn: bad_dupkey.npy:1:28: key 'descr' appears twice in the .npy header"
}

@test "npy: header: missing key" {
	fails_with bad_nokey.npy "selfattn: bad_nokey.npy:1:52: the .npy header has no 'shape' key"
}

@test "npy: header: fortran_order not True or False" {
	fails_with bad_fortran.npy "selfattn: bad_fortran.npy:1:45: expected True or False as the value of 'fortran_order' in the .npy header, found '0'"
}

@test "npy: header: 1-D shape without its comma" {
	fails_with bad_shape1.npy "selfattn: bad_shape1.npy:1:63: expected ',' before ')' in the .npy header: a 1-D shape is written (5,), (5) is a number"
}

@test "npy: header: negative dimension" {
	fails_with bad_negdim.npy "selfattn: bad_negdim.npy:1:62: expected a dimension (an integer >= 0) in the .npy header, found '-'"
}

@test "npy: header: forms numpy.load takes but selfattn refuses (written by hand only)" {
	fails_with bad_dtypeword.npy "selfattn: bad_dtypeword.npy: unsupported dtype 'float64' (unrecognized); expected a real number type (f2 f4 f8, i1-i8, u1-u8, b1)"
	fails_with bad_plusdim.npy "selfattn: bad_plusdim.npy:1:62: expected a dimension (an integer >= 0) in the .npy header, found '+'"
	fails_with bad_underdim.npy "selfattn: bad_underdim.npy:1:63: expected ',' or ')' after a dimension in the .npy header, found '_'"
	fails_with bad_comment.npy "selfattn: bad_comment.npy:1:69: expected only spaces and a newline after '}' in the .npy header, found '#'"
}

@test "npy: header: unterminated string" {
	fails_with bad_unterminated.npy "selfattn: bad_unterminated.npy:1:21: unterminated string in the .npy header"
}

@test "npy: header: a newline inside a string is no end of it (ast.literal_eval refuses it too)" {
	cd "$BATS_TEST_TMPDIR"
	{ npy_v1_dict "{'descr': '<f8
', 'fortran_order': False, 'shape': (2, 2), }"; head -c 32 /dev/zero; } >nl.npy
	NPY=. fails_with nl.npy "selfattn: nl.npy:1:21: unterminated string in the .npy header"
}

@test "npy: header: text after the closing brace" {
	fails_with bad_after.npy "selfattn: bad_after.npy:1:69: expected only spaces and a newline after '}' in the .npy header, found 'x'"
}

@test "npy: header: descr not a string" {
	fails_with bad_descr_int.npy "selfattn: bad_descr_int.npy:1:21: expected a quoted dtype such as '<f8' as the value of 'descr' in the .npy header, found '8'"
}

@test "npy: header: missing comma between entries" {
	fails_with bad_comma.npy "selfattn: bad_comma.npy:1:27: expected ',' or '}' after a value in the .npy header, found \"'\""
}

# npy_header writes what numpy writes.

@test "npy: npy_header matches numpy for shape 2x3" {
	"$NPYHDR" 2 3 > h.bin
	cmp h.bin "$NPY/hdr_2x3.bin"
}

@test "npy: npy_header matches numpy for 1-D shape (5,)" {
	"$NPYHDR" 5 > h.bin
	cmp h.bin "$NPY/hdr_5.bin"
}

@test "npy: npy_header matches numpy for 0-D shape ()" {
	"$NPYHDR" > h.bin
	cmp h.bin "$NPY/hdr_0d.bin"
}

@test "npy: npy_header matches numpy for 4-D shape 1x2x3x4" {
	"$NPYHDR" 1 2 3 4 > h.bin
	cmp h.bin "$NPY/hdr_1x2x3x4.bin"
}

@test "npy: npy_header matches numpy for a 6-digit first dimension" {
	"$NPYHDR" 100000 7 > h.bin
	cmp h.bin "$NPY/hdr_100000x7.bin"
}

@test "npy: npy_header matches numpy when the dict falls on 64 bytes" {
	"$NPYHDR" 1 99999999999 999999999999 999999999999 > h.bin
	cmp h.bin "$NPY/hdr_aligned.bin"
	[ "$(wc -c < h.bin)" -eq 192 ]
}

@test "npy: npy_header writes the dtype it is given" {
	"$NPYHDR" -t '<f4' 2 3 > h.bin
	[ "$(wc -c < h.bin)" -eq 128 ]
	# one byte differs from numpy's '<f8' header: the 8 of '<f8'
	[ "$(cmp -l h.bin "$NPY/hdr_2x3.bin" | awk '{ print $1, $2, $3 }')" = "24 64 70" ]
}

@test "npy: npy_read reads back what npy_header wrote" {
	"$NPYHDR" 2 3 > h.npy
	printf '\0\0\0\0\0\0\0\0%.0s' 1 2 3 4 5 6 >> h.npy
	run "$NPYHDR" -r h.npy
	[ "$status" -eq 0 ]
	[ "$output" = "2x3" ]
}

@test "npy: selfattn -o out.npy writes numpy's header and the data" {
	printf '1,0,1\n0,1,0\n' > X.csv
	printf '1,0,0\n0,1,0\n0,0,1\n' > W.csv
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv -o out.npy
	dd if=out.npy bs=128 count=1 2>/dev/null | cmp - "$NPY/hdr_2x3.bin"
	[ "$(wc -c < out.npy)" -eq $((128 + 2 * 3 * 8)) ]
	run "$CATMAT" -s out.npy
	[ "$output" = "2x3" ]
}

@test "npy: selfattn --dtype f32 writes '<f4' .npy files of the float results" {
	printf '1,0,1\n0,1,0\n' > X.csv
	printf '1,0,0\n0,1,0\n0,0,1\n' > W.csv
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv --dtype f32 -o y.npy -a w.npy
	"$NPYHDR" -t '<f4' 2 3 > y.hdr
	"$NPYHDR" -t '<f4' 2 2 > w.hdr
	dd if=y.npy bs=128 count=1 2>/dev/null | cmp - y.hdr
	dd if=w.npy bs=128 count=1 2>/dev/null | cmp - w.hdr
	[ "$(wc -c < y.npy)" -eq $((128 + 2 * 3 * 4)) ]
	[ "$(wc -c < w.npy)" -eq $((128 + 2 * 2 * 4)) ]
	# the same values as the text output, which prints the float values
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv --dtype f32 -a w.csv > y.csv
	[ "$("$CATMAT" y.npy)" = "$(cat y.csv)" ]
	[ "$("$CATMAT" w.npy)" = "$(cat w.csv)" ]
	# values made in double are floats too, in text as in .npy: the
	# log-sum-exp, the mean of heads, a merge
	a="-Q randn:3x4 -K randn:5x4 -V randn:5x4 -H 2 --dtype f32"
	"$SA" $a -o /dev/null --lse l.npy -a m.npy --average-weights
	"$SA" $a -o /dev/null --lse l.csv -a m.csv --average-weights
	[ "$("$CATMAT" l.npy)" = "$(cat l.csv)" ]
	[ "$("$CATMAT" m.npy)" = "$(cat m.csv)" ]
	"$SA" $a --key-range 0:2 -o y0.npy --lse l0.npy
	"$SA" $a --key-range 2:5 -o y1.npy --lse l1.npy
	"$SA" --merge --dtype f32 -o ym.npy --lse lm.npy y0.npy l0.npy y1.npy l1.npy
	"$SA" --merge --dtype f32 -o ym.csv --lse lm.csv y0.npy l0.npy y1.npy l1.npy
	[ "$("$CATMAT" ym.npy)" = "$(cat ym.csv)" ]
	[ "$("$CATMAT" lm.npy)" = "$(cat lm.csv)" ]
	# and f64 still writes '<f8'
	"$SA" -x X.csv -q W.csv -k W.csv -v W.csv -o y8.npy
	dd if=y8.npy bs=128 count=1 2>/dev/null | cmp - "$NPY/hdr_2x3.bin"
}
