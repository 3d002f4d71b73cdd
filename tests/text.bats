#!/usr/bin/env bats
# The text matrix reader (src/text.c) through catmat: separators, line
# ends, comments, headers, quotes, numbers, blocks, and every error with
# its exact FILE:LINE:COL diagnostic.  Inputs are made with printf.

load helpers
bats_require_minimum_version 1.5.0

# catmat in.txt, after printf "$1" > in.txt, prints exactly $2 (the
# matrix as CSV) and nothing on stderr.
reads_as() {
	printf "$1" >in.txt
	run --separate-stderr "$CATMAT" in.txt
	if [ "$status" -ne 0 ] || [ -n "$stderr" ]; then
		echo "exit $status: $stderr"
		return 1
	fi
	if [ "$output" != "$2" ]; then
		printf 'got:\n%s\nwant:\n%s\n' "$output" "$2"
		return 1
	fi
}

# The shape of printf "$1" is $2.
shape_is() {
	printf "$1" >in.txt
	run --separate-stderr "$CATMAT" -s in.txt
	[ "$status" -eq 0 ] || { echo "exit $status: $stderr"; return 1; }
	[ "$output" = "$2" ] || { echo "shape $output, want $2"; return 1; }
}

# catmat in.txt exits 1 with exactly "selfattn: in.txt:$2" on stderr
# and nothing on stdout.
fails_with() {
	printf "$1" >in.txt
	run --separate-stderr "$CATMAT" in.txt
	[ "$status" -eq 1 ] || { echo "exit $status, want 1"; return 1; }
	if [ "$stderr" != "selfattn: in.txt:$2" ]; then
		printf 'got:  %s\nwant: %s\n' "$stderr" "selfattn: in.txt:$2"
		return 1
	fi
	[ -z "$output" ] || { echo "stdout: $output"; return 1; }
}

# --- separators -------------------------------------------------------

@test "comma-separated rows" {
	reads_as '1,2,3\n4,5,6\n' '1,2,3
4,5,6'
	shape_is '1,2,3\n4,5,6\n' 2x3
}

@test "tab-separated rows" {
	reads_as '1\t2\t3\n4\t5\t6\n' '1,2,3
4,5,6'
}

@test "tab-separated fields may be padded with spaces" {
	reads_as ' 1 \t 2\t3  \n4\t  5 \t6\n' '1,2,3
4,5,6'
}

@test "runs of spaces and tabs separate fields, leading and trailing ignored" {
	reads_as '  1   2   3  \n4\t5 \t 6\n\t7  8\t9\t\n' '1,2,3
4,5,6
7,8,9'
}

@test "a tab between fields of the first line makes it tab-separated" {
	fails_with '1  2\t3\n' '1:1: expected a number, found "1  2" (numbers split by blanks, where the file'"'"'s separator, from its first row of numbers, is a tab)'
	# but not a tab before or after the fields
	reads_as '\t1  2 \t\n3 4\n' '1,2
3,4'
}

@test "a comma wins over tabs and spaces on the first line" {
	reads_as '1 ,\t2\n3,4\n' '1,2
3,4'
}

@test "semicolon-separated rows" {
	reads_as '1;0;1\n0;1;0\n' '1,0,1
0,1,0'
	shape_is '1;0;1\n0;1;0\n' 2x3
	reads_as ' 1 ; "2"\t;3\n4;5;6\n' '1,2,3
4,5,6'
	reads_as '1;0;1\n' '1,0,1'
}

@test "a semicolon wins over commas, tabs and spaces on the first line" {
	reads_as '1 ;\t2\n3;4\n' '1,2
3,4'
	fails_with '1;2,5\n' '1:3: expected a number with a decimal point, found "2,5"'
}

@test "a semicolon or comma in quotes is not a separator" {
	reads_as '"a;b",c\n1,2\n' '1,2'
	reads_as '"a,b";"c;d"\n1;2\n' '1,2'
}

@test "blanks around comma-separated fields are ignored" {
	reads_as '  1 ,2 ,  3\n4\t,\t5,6 \t\n' '1,2,3
4,5,6'
}

@test "single column" {
	reads_as '1\n2\n3\n' '1
2
3'
	shape_is '1\n2\n3\n' 3x1
}

@test "a single row is a 1xN matrix" {
	shape_is '1,2,3\n' 1x3
}

@test "a single number is 1x1" {
	reads_as '42' '42'
	shape_is '42' 1x1
}

# --- line ends, comments, headers ------------------------------------

@test "CRLF line ends" {
	reads_as '1,2\r\n3,4\r\n' '1,2
3,4'
	reads_as '1 2\r\n3 4\r\n' '1,2
3,4'
}

@test "CRLF with header, comments and blocks" {
	reads_as 'a,b\r\n# c\r\n1,2\r\n\r\n3,4\r\n' '1,2

3,4'
}

@test "missing final newline" {
	reads_as '1,2\n3,4' '1,2
3,4'
	reads_as '1\t2\r\n3\t4' '1,2
3,4'
}

@test "comment lines are skipped anywhere" {
	reads_as '# top\n  # indented\n1,2\n#mid\n3,4\n# end' '1,2
3,4'
}

@test "comments before a header, and between blocks" {
	reads_as '# made by hand\nx,y\n1,2\n\n# second\n\n3,4\n' '1,2

3,4'
}

@test "header of names is skipped" {
	reads_as 'a,b,c\n1,2,3\n' '1,2,3'
	shape_is 'a,b,c\n1,2,3\n4,5,6\n' 2x3
}

@test "quoted header is skipped" {
	reads_as '"x","y"\n1,2\n' '1,2'
	reads_as '"a,b"\t"c"\n1\t2\n' '1,2'
}

@test "header with empty names is skipped" {
	# (above a first row from 0 or 1: an index column, refused below)
	reads_as ',a,b\n5,1,2\n' '5,1,2'
	reads_as 'a,,b\n0,1,2\n' '0,1,2'
}

@test "header in a blank-separated file is skipped" {
	reads_as 'time  value\n0 1.5\n1 2.5\n' '0,1.5
1,2.5'
}

@test "header of names separated by semicolons is skipped" {
	reads_as 'a;b;c\n1;2;3\n' '1,2,3'
	reads_as 'x;y\n1,2\n' '1,2'
}

@test "a header may have numbers inside names, but no field that is one" {
	reads_as 'layer 1,layer 2\n1,2\n' '1,2'
	reads_as 'x 1;y 2\n1;2\n' '1,2'
	reads_as 'a b;1 c\n1;2\n' '1,2'
	reads_as '"col 1"\t"col 2"\n1\t2\n' '1,2'
}

@test "an array as NumPy prints it is refused at line 1 with a hint (\"[[0.1 0.2]\" was skipped as a header)" {
	fails_with '[[1, 0, 1],\n [0, 2, 0]]\n' '1:1: expected a number, found "[[1" (an array as NumPy prints it: write it with np.savetxt, or np.save)'
	fails_with '[[0.1 0.2]\n [0.3 0.4]]\n' '1:1: expected a number, found "[[0.1" (an array as NumPy prints it: write it with np.savetxt, or np.save)'
	fails_with '[1 2 3]\n' '1:1: expected a number, found "[1" (an array as NumPy prints it: write it with np.savetxt, or np.save)'
	fails_with '[inf 1]\n[1 2]\n' '1:1: expected a number, found "[inf" (an array as NumPy prints it: write it with np.savetxt, or np.save)'
	fails_with '[.5 1]\n' '1:1: expected a number, found "[.5" (an array as NumPy prints it: write it with np.savetxt, or np.save)'
	# NumPy pads a 1-D array's numbers to one width: "[" alone
	fails_with '[ 1. 10.]\n' '1:1: expected a number, found "[" (an array as NumPy prints it: write it with np.savetxt, or np.save)'
	fails_with '[[ 1. -2.]\n [ 3.  4.]]\n' '1:1: expected a number, found "[[" (an array as NumPy prints it: write it with np.savetxt, or np.save)'
	fails_with 'array([[1, 0, 1],\n       [0, 1, 0]])\n' '1:1: expected a number, found "array([[1" (an array as NumPy prints it: write it with np.savetxt, or np.save)'
	# a bracketed word is still a header
	reads_as '[a],[b]\n1,2\n' '1,2'
}

@test "a first line of missing values (NA, -) or Fortran numbers (1D5) is no header: an error, not a row lost" {
	fails_with 'NA\n2\n3\n' '1:1: expected a number, found "NA" (a missing value: there are none in a matrix, fill it in)'
	fails_with 'NA,n/a\n1,2\n' '1:1: expected a number, found "NA" (a missing value: there are none in a matrix, fill it in)'
	fails_with '\055\n2\n' '1:1: expected a number, found "-" (a missing value: there are none in a matrix, fill it in)'
	fails_with '1,2\n3,null\n' '2:3: expected a number, found "null" (a missing value: there are none in a matrix, fill it in)'
	fails_with '1D5\n2\n3\n' '1:1: expected a number, found "1D5" (Fortran'"'"'s exponent D: write E)'
	fails_with '1.5d-3,2\n2,3\n' '1:1: expected a number, found "1.5d-3" (Fortran'"'"'s exponent D: write E)'
	# (hexadecimal is not Fortran)
	fails_with '1,2\n0x1d3,1\n' '2:1: expected a number, found "0x1d3"'
	# names are still a header, beside a missing value too; so are a
	# name in another case (sodium), a quoted one (R quotes names, not
	# its NA) and hexadecimal ones
	reads_as 'a,NA\n1,2\n' '1,2'
	reads_as 'Na\n1\n' '1'
	reads_as '"NA","N/A"\n1,2\n' '1,2'
	reads_as '0x00,0x1d3\n1,2\n' '1,2'
	reads_as '3d\n2\n' '2'
	reads_as 'value\n2\n' '2'
}

@test "a first line that any separator splits into a number is no header" {
	# split by ';' nothing is a number, but by ',' "1" is
	fails_with '1,5;2,5\n3,5;4,5\n' '1:1: expected a number with a decimal point, found "1,5"'
	# tabs and decimal commas: ',' is the separator, the message says why
	# (not for a field that is no numbers: a tab in a word)
	fails_with '1,2\tx\n' '1:3: expected a number, found "2\tx"'
	fails_with '1,5\t2,5\t3,5\n4,5\t5,5\t6,5\n' '1:3: expected a number with a decimal point, found "5\t2" (tab-separated numbers with decimal commas: the commas were read as separators)'
	fails_with '1;x;1\n2;3;4\n' '1:3: expected a number, found "x"'
	# a row split by blanks in a file of another separator says so
	fails_with '1,0,1\n0 1 0\n' '2:1: expected a number, found "0 1 0" (numbers split by blanks, where the file'"'"'s separator, from its first row of numbers, is '"'"','"'"')'
	fails_with 'x\ty\n1\t2\n3  4\n' '3:1: expected a number, found "3  4" (numbers split by blanks, where the file'"'"'s separator, from its first row of numbers, is a tab)'
	fails_with '1;2;3\n4 5 6\n' '2:1: expected a number, found "4 5 6" (numbers split by blanks, where the file'"'"'s separator, from its first row of numbers, is '"'"';'"'"')'
	fails_with '1,0\n0 x,0\n' '2:1: expected a number, found "0 x"'
	# tabs in a row without a comma: no decimal commas
	fails_with '1,2,3\n4\t5\t6\n' '2:1: expected a number, found "4\t5\t6" (numbers split by blanks, where the file'"'"'s separator, from its first row of numbers, is '"'"','"'"')'
	fails_with 'a;b\t1\n1;2\n' '1:1: expected a number, found "a"'
}

@test "the separator is chosen again after a header" {
	reads_as 'x y\n1,2\n3,4\n' '1,2
3,4'
}

@test "blank lines before and after the data are ignored" {
	reads_as '\n  \n\t\n1,2\n3,4\n\n \n\n' '1,2
3,4'
	shape_is '\n\n1,2\n3,4\n\n\n' 2x2
}

@test "blank lines between a header and the data are ignored" {
	reads_as 'a,b\n\n1,2\n3,4\n' '1,2
3,4'
	shape_is 'a,b\n\n1,2\n3,4\n' 2x2
}

@test "a UTF-8 byte order mark at the start is skipped" {
	reads_as '\357\273\2771,0,1\n0,1,0\n' '1,0,1
0,1,0'
	reads_as '\357\273\2771\n2\n3\n' '1
2
3'
	reads_as '\357\273\277a,b\n1,2\n' '1,2'
	reads_as '\357\273\277\n# c\n1 2\n' '1,2'
}

@test "error: columns on the first line do not count a byte order mark" {
	fails_with '\357\273\2771,x\n' '1:3: expected a number, found "x"'
}

@test "error: a byte order mark after the start is shown escaped" {
	fails_with '1\n\357\273\2772\n' '2:1: expected a number, found "\xef\xbb\xbf2"'
	fails_with '\357\273\277\357\273\2771,2\n' '1:1: expected a number, found "\xef\xbb\xbf1"'
}

# --- quotes ------------------------------------------------------------

@test "quoted fields hold numbers" {
	reads_as '"1.5","2"\n"3" , "-4e1"\n' '1.5,2
3,-40'
}

@test "quoted fields in blank-separated and tab-separated text" {
	reads_as '"1" "2"\n3 "4"\n' '1,2
3,4'
	reads_as '"1"\t"2"\n' '1,2'
}

@test "a quoted comma does not make a CSV file" {
	reads_as '"a,b" c\n1 2\n' '1,2'
}

# --- numbers -------------------------------------------------------------

@test "nan, inf and -inf in any case" {
	reads_as 'nan,NaN,-nan\ninf,-Inf,+INFINITY\n' 'nan,nan,nan
inf,-inf,inf'
}

@test "exponents, signs and bare points" {
	reads_as '1e5,1E-5,+3,.5,1.,-0,2.5e+3\n' '100000,1e-05,3,0.5,1,-0,2500'
}

@test "subnormals" {
	reads_as '5e-324,4.9406564584124654e-324,2.2250738585072009e-308\n' \
	    '5e-324,5e-324,2.225073858507201e-308'
}

@test "huge values, and overflow to inf and underflow to 0" {
	reads_as '1.7976931348623157e308,1e308,1e999,-1e999,1e-999\n' \
	    '1.7976931348623157e+308,1e+308,inf,-inf,0'
}

@test "17-digit values round-trip with their shortest form" {
	reads_as '0.1,0.30000000000000004,0.1000000000000000055511151231257827\n' \
	    '0.1,0.30000000000000004,0.1'
}

@test "long digit strings round correctly" {
	# 2^53 + 1 is halfway: even wins; anything above rounds up
	reads_as '9007199254740993\n9007199254740993.000000000000000000001\n' \
	    '9007199254740992
9007199254740994'
}

# --- blocks ---------------------------------------------------------------

@test "blank lines separate blocks into a 3-D shape" {
	reads_as '1,2\n3,4\n\n5,6\n7,8\n' '1,2
3,4

5,6
7,8'
	shape_is '1,2\n3,4\n\n5,6\n7,8\n' 2x2x2
}

@test "several blank lines are one separator" {
	shape_is '1 2\n\n\n \t\n3 4\n\n\n5 6\n' 3x1x2
}

@test "a comment alone does not separate blocks" {
	shape_is '1 2\n# note\n3 4\n' 2x2
}

# --- errors -----------------------------------------------------------------

@test "error: a field that is not a number" {
	fails_with '1,2,3\n4,abc,6\n' '2:3: expected a number, found "abc"'
}

@test "a first line of one field that looks like a number is no header: a typo is reported, not skipped" {
	fails_with '1e5.5\n2\n3\n' '1:1: expected a number, found "1e5.5"'
	fails_with '0x1p1\n2\n' '1:1: expected a number, found "0x1p1" (a hexadecimal number: decimal ones are read)'
	fails_with '1e5.5\n' '1:1: expected a number, found "1e5.5"'
	fails_with '"1.2.3"\n4\n' '1:1: expected a number, found "1.2.3"'
	# a letter for a digit, a minus sign for '-': asked about
	fails_with 'O.5\n1\n' '1:1: expected a number, found "O.5" (a letter O, o, l or I where a digit is meant?)'
	fails_with '1\nl0\n' '2:1: expected a number, found "l0" (a letter O, o, l or I where a digit is meant?)'
	fails_with '\xe2\x88\x921\n2\n' '1:1: expected a number, found "−1" (U+2212, a minus sign, where '"'"'-'"'"' is meant?)'
	fails_with '1O\n2\n' '1:1: expected a number, found "1O" (a letter O, o, l or I where a digit is meant?)'
	# a line of such fields, one with a typo, is a row too; dates and
	# names stay a header
	fails_with '\xe2\x88\x921,\xe2\x88\x922\n1,2\n' '1:1: expected a number, found "−1" (U+2212, a minus sign, where '"'"'-'"'"' is meant?)'
	fails_with '1,2\nO.5,1O\n' '2:1: expected a number, found "O.5" (a letter O, o, l or I where a digit is meant?)'
	fails_with 'O.5,1O\n1,2\n' '1:1: expected a number, found "O.5" (a letter O, o, l or I where a digit is meant?)'
	# numbers in a syntax not read, C's hexadecimal and Python's
	# grouping: a row with an error, not a header (the row was lost)
	fails_with '0x1p3,0x1p4\n1,2\n' '1:1: expected a number, found "0x1p3" (a hexadecimal number: decimal ones are read)'
	fails_with '1,-0X1P0\n' '1:3: expected a number, found "-0X1P0" (a hexadecimal number: decimal ones are read)'
	fails_with '1_000,2_000\n1,2\n' '1:1: expected a number, found "1_000" (digits grouped by '"'"'_'"'"': write them without)'
	reads_as '3x4,5x6\n1,2\n' '1,2'
	# names that merely resemble them stay a header
	reads_as '2024_01,2024_02\n1,2\n' '1,2'
	reads_as '0x00,0x01\n1,2\n' '1,2'
	# on other lines, any hexadecimal number or '_' between digits
	# gets the hint
	fails_with '1,2\n3,0x10\n' '2:3: expected a number, found "0x10" (a hexadecimal number: decimal ones are read)'
	fails_with '1,2\n3,1_0\n' '2:3: expected a number, found "1_0" (digits grouped by '"'"'_'"'"': write them without)'
	fails_with '1,2\n3,1_\n' '2:3: expected a number, found "1_"'
	reads_as 'O.5,x\n1,2\n' '1,2'
	reads_as 'l2,O2\n1,2\n' '1,2'
	# not without a digit, nor in a name that starts with a letter and
	# has no point: words
	for h in I lo l2 O2 I0 lo2; do
		reads_as "$h\\n1\\n2\\n" "$(printf '1\n2')"
	done
	# a word, and lines of several fields, stay headers
	reads_as '1st\n1\n2\n' "$(printf '1\n2')"
	reads_as 'value\n1\n2\n' "$(printf '1\n2')"
	reads_as '+.5e;-7x\n1;2\n' '1,2'
	reads_as '"1st","2nd"\n1,2\n' '1,2'
	reads_as '2024-01-01,2024-01-02\n1,2\n' '1,2'
	reads_as 'x,1e5.5\n1,2\n' '1,2'
}

@test "error: a non-number in blank-separated text points at the field" {
	fails_with '1 2\n  3   x4\n' '2:7: expected a number, found "x4"'
}

@test "error: numbers and names on the first line make no header" {
	fails_with 'a,1,b\n2,3,4\n' '1:1: expected a number, found "a"'
	fails_with '1,b\n' '1:3: expected a number, found "b"'
}

@test "error: decimal commas are not read" {
	fails_with '"1,5","2"\n' '1:1: expected a number with a decimal point, found "1,5"'
	fails_with '1;2\n3;-4,5e3\n' '2:3: expected a number with a decimal point, found "-4,5e3"'
	fails_with '1;2\n3;4,5,6\n' '2:3: expected a number, found "4,5,6"'
}

@test "error: a long field is shown cut short" {
	fails_with '1,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n' \
	    '1:3: expected a number, found "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."'
}

@test "error: a NUL byte is reported where it is, in a field, a header or a quoted field" {
	fails_with '1,2\n3,4\0\n' '2:4: expected text, found a NUL byte'
	fails_with 'a,b,c\0\n1,2,3\n' '1:6: expected text, found a NUL byte'
	fails_with '1,2\n"3\0,4\n' '2:3: expected text, found a NUL byte'
	# in a comment too: a stream stops at the NUL, and skipping the
	# comment there would lose the rows after it
	fails_with '1,2\n# \0\n3,4\n' '2:3: expected text, found a NUL byte'
	# columns count characters: é is one, a byte that is not UTF-8 one
	fails_with '\303\251\0\n' '1:2: expected text, found a NUL byte'
	fails_with '\224NUMPX\001\0' '1:8: expected text, found a NUL byte'
	fails_with '\303\0\n' '1:2: expected text, found a NUL byte'
	# UTF-16 (Windows' "Unicode text"), little- and big-endian, says so
	u16=' (the file is UTF-16: convert it to UTF-8, as iconv -f UTF-16 -t UTF-8 does)'
	fails_with '\377\3761\0\t\0000\0\r\0\n\0' "1:4: expected text, found a NUL byte$u16"
	fails_with '\376\377\0001\0\t\0000\0\r\0\n' "1:3: expected text, found a NUL byte$u16"
}

@test "error: lines ended by a CR alone (old Mac files) say so" {
	fails_with '1,0\r0,1\r' '1:3: expected a number, found "0\r0" (lines that end in a CR alone, as old Mac files: end them in LF, as tr '"'"'\r'"'"' '"'"'\n'"'"' does)'
}

@test "error: binary junk and quotes in a field are shown escaped" {
	fails_with '1,2\n\001\377x,\n' '2:1: expected a number, found "\x01\xffx"'
	fails_with '1,2\n3,a"b\\\n' '2:3: expected a number, found "a\"b\\"'
}

@test "error: a doubled quote inside quotes is a quote, not a number" {
	fails_with '"1""",2\n' '1:1: expected a number, found "1\""'
}

@test "error: an empty field" {
	fails_with '1,,3\n' '1:3: expected a number, found an empty field'
	fails_with '1,2\n,2\n' '2:1: expected a number, found an empty field'
	fails_with '1\t\t3\n' '1:3: expected a number, found an empty field'
	fails_with '1, "" ,3\n' '1:4: expected a number, found an empty field'
}

@test "error: pandas' index column and header: an empty first field on line 1 says so" {
	fails_with ',0,1,2\n0,1.0,0.0,1.0\n' "1:1: expected a number, found an empty field (a header row with an index column, as pandas' to_csv writes: write with index=False, header=False)"
	fails_with ',0,1\r\n0,1.0,0.0\r\n' "1:1: expected a number, found an empty field (a header row with an index column, as pandas' to_csv writes: write with index=False, header=False)"
	# a NaN, as to_csv writes one, or other names: no hint
	fails_with ',2,3\n4,5,6\n' '1:1: expected a number, found an empty field'
	fails_with ',0,2\n4,5,6\n' '1:1: expected a number, found an empty field'
}

@test "error: named columns above an index column (pandas, R) are refused, not read as data" {
	local hint="expected a row of numbers, found a row name of an index column, under the empty first name of the header at line 1 (as pandas' to_csv and R's write.csv write: write with index=False, or row.names=FALSE)"
	# DataFrame(a, columns=list("abc")).to_csv(): 0, 1, ... read as a column
	fails_with ',a,b,c\n0,0.5,0.1,0.2\n1,0.3,0.2,0.1\n' "2:1: $hint"
	# R's write.csv: quoted names, rows from "1"
	fails_with '"","a","b"\n"1",0.5,0.7\n"2",0.1,0.2\n' "2:1: $hint"
	fails_with ',a,b\r\n 0 ,1,2\r\n' "2:2: $hint"
	# a header with names only, or a first number that is no row name
	reads_as 'a,b\n0,1\n1,0\n' '0,1
1,0'
	reads_as ',a,b\n0.5,1,2\n' '0.5,1,2'
	reads_as ',a,b\n2,1,2\n' '2,1,2'
	# an index has a name a field: a header of more fields, padding
	# before the names (a leading tab), or no name at all, is no index
	reads_as ',a,b\n0,1\n1,0\n' '0,1
1,0'
	reads_as '\tx\ty\n1\t2\n3\t4\n' '1,2
3,4'
	reads_as ',,\n1,0,1\n0,1,1\n' '1,0,1
0,1,1'
	# a separator inside a quoted name is no field of its own
	fails_with '"","a,b","c"\n"1",0.5,0.7\n' "2:1: $hint"
}

@test "error: a trailing comma is an empty field" {
	fails_with '1,2,3\n4,5,\n' '2:5: expected a number, found an empty field'
	fails_with '1,2,3\n4,5, \r\n' '2:6: expected a number, found an empty field'
}

@test "error: a row with fewer fields" {
	fails_with '1,2,3\n4,5\n' '2:1: expected 3 fields as on line 1, found 2'
}

@test "error: a row with more fields names the first data line" {
	fails_with '# c\nx y\n1 2\n3 4 5\n' '4:1: expected 2 fields as on line 3, found 3'
	fails_with '1\n2 3\n' '2:1: expected 1 field as on line 1, found 2'
}

@test "error: an unterminated quote" {
	fails_with '1,"2\n' "1:5: expected a closing '\"', found the end of the line"
	fails_with '1,"2"",3\r\n' "1:9: expected a closing '\"', found the end of the line"
}

@test "error: columns count characters, a UTF-8 sequence as one" {
	fails_with 'x\303\251\303\251,"\303\251\n1,2\n' "1:7: expected a closing '\"', found the end of the line"
	fails_with '1,2\n"\303\251"x,4\n' "2:4: expected a separator after '\"', found 'x'"
	# bytes that are not a character (an overlong form, a surrogate),
	# shown \xHH each, count a column each
	fails_with '1,2\n"\340\200\200"x,4\n' "2:6: expected a separator after '\"', found 'x'"
	fails_with '1,2\n"\355\240\200"x,4\n' "2:6: expected a separator after '\"', found 'x'"
	# a character of 4 bytes is one column; a sequence cut short, a
	# column a byte
	fails_with '\360\237\231\202,"1\n' "1:5: expected a closing '\"', found the end of the line"
	fails_with '\342\202,"1\n' "1:6: expected a closing '\"', found the end of the line"
}

@test "error: text after a closing quote" {
	fails_with '"1"x,2\n' "1:4: expected a separator after '\"', found 'x'"
	fails_with '1,"2" x\n' "1:7: expected a separator after '\"', found 'x'"
	fails_with '"1""2"3 4\n' "1:7: expected a separator after '\"', found '3'"
	fails_with "\"1\"'\n" "1:4: expected a separator after '\"', found '\\''"
}

@test "error: a block with more rows than the first" {
	fails_with '1,2\n3,4\n\n5,6\n7,8\n9,10\n' \
	    '4:1: expected a block of 2x2 as at line 1, found 3 rows'
}

@test "error: a block with fewer rows than the first" {
	fails_with 'a b\n1 2\n3 4\n\n5 6\n' \
	    '5:1: expected a block of 2x2 as at line 2, found 1 row'
	fails_with '1 2\n3 4\n\n5 6\n\n7 8\n9 10\n' \
	    '4:1: expected a block of 2x2 as at line 1, found 1 row'
}

@test "error: a block with another number of fields" {
	fails_with '1,2,3\n4,5,6\n\n7,8\n' \
	    '4:1: expected a block of 2x3 as at line 1, found 2 fields'
	fails_with '1,2,3\n4,5,6\n\n7,8,9,10\n' \
	    '4:1: expected a block of 2x3 as at line 1, found 4 fields'
}

@test "error: an empty file has no numbers" {
	fails_with '' '1:1: expected a matrix, found no numbers'
}

@test "error: only comments and blank lines" {
	fails_with '# nothing\n\n   \n# here\n' '1:1: expected a matrix, found no numbers'
}

@test "error: a header alone points at the header" {
	fails_with '\n# c\na,b,c\n\n' '3:1: expected a matrix, found no numbers'
}

@test "error: a line longer than 256 MiB, in a file without a line end" {
	# sparse files: 256 MiB of NUL bytes is the longest line, 1 more is over
	printf '1,2\n' > in.txt
	truncate -s $((4 + 256 * 1024 * 1024)) in.txt
	run --separate-stderr "$CATMAT" in.txt
	[ "$status" -eq 1 ]
	[ "$stderr" = 'selfattn: in.txt:2:1: expected text, found a NUL byte' ]
	truncate -s $((5 + 256 * 1024 * 1024)) in.txt
	for j in 1 2; do
		run --separate-stderr "$SA" -j $j -x in.txt -q rand:2x2 -k rand:2x2 \
		    -v rand:2x2
		[ "$status" -eq 1 ]
		[ "$stderr" = 'selfattn: in.txt:2:1: expected a line of at most 256 MiB, found more' ]
	done
}

# big FILE ROWS [SEP]: a CSV (or SEP-separated) file of ROWS rows of 8 numbers (about 110 bytes a row),
# large enough for the reader to split it among threads.
big() {
	awk -v rows="$2" -v sep="${3:-,}" 'BEGIN { srand(7); for (i = 1; i <= rows; i++) {
		for (j = 1; j <= 8; j++)
			printf "%s%.17g", (j > 1 ? sep : ""), rand() * 2 - 1
		printf "\n" } }' > "$1"
}

# sa_j J ARGS: selfattn with J threads, attention on -Q ARGS.
par_out() {
	"$SA" -j "$1" -K rand:5x8 -V rand:5x2 -Q "$2" -f npy
}

@test "text: a large file read by several threads gives the same matrix as by one" {
	big big.csv 40000
	[ "$(wc -c < big.csv)" -gt 4000000 ]
	par_out 1 big.csv > one.npy
	par_out 2 big.csv > two.npy
	par_out 7 big.csv > seven.npy
	cmp one.npy two.npy
	cmp one.npy seven.npy
	[ "$("$CATMAT" -s one.npy)" = "40000x2" ]
}

@test "text: a large file under a tight address-space limit reads as without it" {
	# 125 MB of CSV: the threads' shared buffer (4 bytes a byte of
	# text, 500 MB) cannot be had under 400 MB of address space, the
	# mapping and the numbers (51 MB) can; then each piece grows its own
	no_asan_for_ulimit
	"$ROOT/tests/tools/npygen" -s 5 800000 8 x.npy
	"$CATMAT" x.npy > big.csv
	[ "$(wc -c < big.csv)" -gt 100000000 ]
	par_out 2 big.csv > free.npy
	run --separate-stderr bash -c 'ulimit -v 400000 &&
	    "$1" -j 2 -K rand:5x8 -V rand:5x2 -Q big.csv -f npy > tight.npy' \
	    _ "$SA"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	cmp free.npy tight.npy
	[ "$("$CATMAT" -s tight.npy)" = "800000x2" ]
}

@test "text: a large file with a header, comments and CRLF, by several threads" {
	big body.csv 40000
	{ printf 'a,b,c,d,e,f,g,h\r\n'; sed -n '1,20000p' body.csv | sed 's/$/\r/'
	  printf '# a comment\r\n'; sed -n '20001,$p' body.csv | sed 's/$/\r/'; } > big.csv
	par_out 1 big.csv > one.npy
	par_out 2 big.csv > two.npy
	cmp one.npy two.npy
	par_out 1 body.csv > plain.npy
	cmp one.npy plain.npy
}

@test "text: a large file with a byte order mark, by several threads" {
	big body.csv 40000
	{ printf '\357\273\277'; cat body.csv; } > big.csv
	par_out 1 body.csv > plain.npy
	par_out 1 big.csv > one.npy
	par_out 2 big.csv > two.npy
	cmp plain.npy one.npy
	cmp plain.npy two.npy
	# only at the very start: a second one is an error
	{ cat big.csv; printf '\357\273\277'; sed -n 1p body.csv; } > twice.csv
	run par_out 2 twice.csv
	[ "$status" -eq 1 ]
	[ "${output%%found*}" = 'selfattn: twice.csv:40001:1: expected a number, ' ]
}

@test "text: a large semicolon-separated file with a header, by several threads" {
	big body.csv 40000
	{ printf 'a;b;c;d;e;f;g;h\n'; big /dev/stdout 40000 ';'; } > big.ssv
	par_out 1 body.csv > plain.npy
	par_out 1 big.ssv > one.npy
	par_out 2 big.ssv > two.npy
	cmp plain.npy one.npy
	cmp plain.npy two.npy
	sed -i '30000s/^\([^;]*\)\./\1,/' big.ssv
	run par_out 2 big.ssv
	[ "$status" -eq 1 ]
	[ "${output%%found*}" = 'selfattn: big.ssv:30000:1: expected a number with a decimal point, ' ]
}

@test "text: an error deep in a large file names its line with several threads" {
	big big.csv 40000
	sed -i '30000s/^[^,]*,/0.5,x,/' big.csv
	for j in 1 2 5; do
		run par_out "$j" big.csv
		[ "$status" -eq 1 ]
		[ "$output" = 'selfattn: big.csv:30000:5: expected a number, found "x"' ]
	done
}

@test "text: a header-like line in the middle of a large file is an error with several threads" {
	big big.csv 40000
	sed -i '25000s/.*/a,b,c,d,e,f,g,h/' big.csv
	run par_out 2 big.csv
	[ "$status" -eq 1 ]
	[ "$output" = 'selfattn: big.csv:25000:1: expected a number, found "a"' ]
}

@test "text: blocks in a large file (a batch) are read alike by several threads" {
	big a.csv 20000
	big b.csv 20000
	{ cat a.csv; echo; cat b.csv; } > big.csv
	for j in 1 2; do
		"$SA" -j "$j" -x big.csv -q rand:8x4 -k rand:8x4 -v rand:8x4 -f npy > "$j.npy"
	done
	cmp 1.npy 2.npy
	[ "$("$CATMAT" -s 1.npy)" = "2x20000x4" ]
	sed -n '1,30000p' big.csv > ragged.csv
	echo >> ragged.csv
	sed -n '1,5p' b.csv >> ragged.csv
	run "$SA" -j 2 -x ragged.csv -q rand:8x4 -k rand:8x4 -v rand:8x4
	[ "$status" -eq 1 ]
	[ "$output" = 'selfattn: ragged.csv:20002:1: expected a block of 20000x8 as at line 1, found 9999 rows' ]
}
