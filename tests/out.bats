#!/usr/bin/env bats
# Outputs (src/out.c and main's handling of them): files are replaced
# all together or not at all, streams are written in place, closed
# standard descriptors, signals, modes, same-file checks, long names.

load helpers

mkdata() {
	printf '1,0\n0,1\n' > Q.csv
	printf '1,0\n0,1\n1,1\n' > K.csv
	printf '10,0\n0,10\n5,5\n' > V.csv
	printf '6.016681390196789,3.983318609803212\n3.983318609803212,6.016681390196789\n' > want.csv
}

usage_fails() {
	[ "$status" -eq 2 ]
	[ "${lines[1]}" = "usage: selfattn -x X -q WQ -k WK -v WV [-w WO] [options]" ]
}

# Big enough that -a outruns a pipe's buffer: 300x300 weights.
BIG="-Q rand:300x4 -K rand:300x4 -V rand:300x4"

# Start selfattn with -Q from a FIFO nobody writes yet, so it waits with
# its temporary file made; $1 wraps the command (env, a trap).
start_waiting() {
	mkdata
	mkfifo in
	bash -c "$1"' "$1" -Q in -K K.csv -V V.csv -o y.csv' _ "$SA" 2> err &
	pid=$!
	for i in $(seq 100); do
		[ -n "$(ls -A | grep 'selfattn-')" ] && return 0
		sleep 0.05
	done
	return 1
}

# all or none

# The run started in the background ($pid, standard error in err) ends
# with exit status 1 and the message $1 alone, y.csv as it was (OLD)
# and no temporary file left.
ends_keeping_old() {
	local status=0

	wait "$pid" || status=$?
	[ "$status" -eq 1 ]
	[ "$(cat err)" = "$1" ]
	[ "$(cat y.csv)" = OLD ]
	no_temps
}

@test "out: a failing -a leaves the existing -o file untouched" {
	mkdata
	echo OLD > y.csv
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o y.csv -a /dev/full
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /dev/full: write error: No space left on device" ]
	[ "$(cat y.csv)" = OLD ]
	no_temps
}

@test "out: a failing -o leaves the existing -a file untouched" {
	mkdata
	echo OLD > w.csv
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o /dev/full -a w.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /dev/full: write error: No space left on device" ]
	[ "$(cat w.csv)" = OLD ]
	no_temps
}

@test "out: a failing standard output creates no -a file" {
	mkdata
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -a w.csv > /dev/full' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: <stdout>: write error: No space left on device" ]
	[ ! -e w.csv ]
	no_temps
}

@test "out: both files are replaced by a successful run" {
	mkdata
	echo OLD > y.csv
	echo OLD > w.csv
	"$SA" -Q Q.csv -K K.csv -V V.csv -o y.csv -a w.csv
	cmp y.csv want.csv
	[ "$(wc -l < w.csv)" -eq 2 ]
	no_temps
}

@test "out: an output may name an input, as sort -o may: read first, replaced on success only" {
	mkdata
	cp Q.csv Q0.csv
	"$SA" -Q Q.csv -K K.csv -V V.csv -o Q.csv
	cmp Q.csv want.csv
	no_temps
	# a .npy input, read through a mapping of the old file
	"$SA" -Q Q0.csv -K K.csv -V V.csv -a w0.npy -o /dev/null
	cp w0.npy w.npy
	"$SA" -Q w.npy -K w0.npy -V w0.npy -f npy -o w.npy
	"$SA" -Q w0.npy -K w0.npy -V w0.npy -f npy -o want.npy
	not cmp -s w.npy w0.npy
	cmp w.npy want.npy
	# a failing run leaves the input as it was
	cp Q0.csv Q.csv
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o Q.csv -H 3
	[ "$status" -eq 1 ]
	cmp Q.csv Q0.csv
	no_temps
	# --merge into a running result, in place
	"$SA" -Q Q0.csv -K K.csv -V V.csv --key-range 0:2 -o acc.csv --lse acc_l.csv
	"$SA" -Q Q0.csv -K K.csv -V V.csv --key-range 2:3 -o y1.csv --lse l1.csv
	"$SA" --merge acc.csv acc_l.csv y1.csv l1.csv -o want_y.csv --lse want_l.csv
	"$SA" --merge acc.csv acc_l.csv y1.csv l1.csv -o acc.csv --lse acc_l.csv
	cmp acc.csv want_y.csv
	cmp acc_l.csv want_l.csv
}

# closed standard descriptors

@test "out: with standard output closed, -o is written and no temporary file is left" {
	mkdata
	echo OLD > y.csv
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o y.csv >&-' _ "$SA"
	[ "$status" -eq 0 ]
	cmp y.csv want.csv
	no_temps
}

@test "out: with standard error closed, -o is written" {
	mkdata
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o y.csv 2>&-' _ "$SA"
	[ "$status" -eq 0 ]
	cmp y.csv want.csv
	no_temps
}

@test "out: Y to a closed standard output is a write error" {
	mkdata
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -a w.csv >&-' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: <stdout>: write error: Bad file descriptor" ]
	[ ! -e w.csv ]
	no_temps
	run bash -c '"$1" --help >&-' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: <stdout>: write error: Bad file descriptor" ]
}

@test "out: reading or writing a closed standard input is an error, by any of its names, -o is not taken for it; so is reading a closed /dev/fd/N" {
	mkdata
	run bash -c '"$1" -Q - -K K.csv -V V.csv -o y.csv <&-' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: <stdin>: Bad file descriptor" ]
	[ ! -e y.csv ]
	no_temps
	# nor is writing to it (the weights went to /dev/null, exit 0)
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o y.csv -a /dev/stdin <&-' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /dev/stdin: write error: Bad file descriptor" ]
	[ ! -e y.csv ]
	no_temps
	# nor reading it by another name (read as an empty /dev/null:
	# "expected a matrix, found no numbers"), in a run or a dry run
	for f in /dev/stdin /dev/fd/0 /proc/self/fd/0; do
		run bash -c '"$1" -Q "$2" -K K.csv -V V.csv -o y.csv <&-' _ "$SA" "$f"
		[ "$status" -eq 1 ]
		[ "$output" = "selfattn: $f: Bad file descriptor" ]
	done
	run bash -c '"$1" --dry-run -Q Q.csv -K K.csv -V V.csv --labels @/dev/stdin <&-' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /dev/stdin: Bad file descriptor" ]
	run bash -c '"$1" --merge /dev/stdin K.csv -o y.csv <&-' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /dev/stdin: Bad file descriptor" ]
	# a closed descriptor above 2 (it read the run's own temporary file
	# or folder, opened under its number)
	for n in 5 6; do
		run bash -c '"$1" -Q /dev/fd/$2 -K K.csv -V V.csv -o y.csv 5<&- 6<&-' _ "$SA" "$n"
		[ "$status" -eq 1 ]
		[ "$output" = "selfattn: /dev/fd/$n: Bad file descriptor" ]
	done
	[ ! -e y.csv ]
	no_temps
}

@test "out: an empty output name fails before any work" {
	mkdata
	run "$SA" -Q Q.csv -K K.csv -V missing.csv -o ''
	usage_fails
	[ "${lines[0]}" = 'selfattn: -o expects a file name, found ""' ]
	no_temps
}

@test "out: a failed rename removes the temporary files" {
	start_waiting "exec"
	mkdir y.csv
	cat Q.csv > in
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 1 ]
	[ "$(cat err)" = "selfattn: y.csv: Is a directory" ]
	[ -d y.csv ]
	no_temps
}

@test "out: a directory made under one name during the run keeps the other file" {
	mkdata
	mkfifo in
	echo OLD > y.csv
	"$SA" -Q in -K K.csv -V V.csv -o y.csv -a w.csv 2> err &
	pid=$!
	for i in $(seq 100); do
		[ "$(ls -A | grep -c 'selfattn-')" -eq 2 ] && break
		sleep 0.05
	done
	mkdir w.csv
	cat Q.csv > in
	ends_keeping_old "selfattn: w.csv: Is a directory"
}

# streams written in place

@test "out: -o /dev/stdout appends to a file opened for appending" {
	mkdata
	echo first > log
	"$SA" -Q Q.csv -K K.csv -V V.csv -o /dev/stdout >> log
	[ "$(head -1 log)" = first ]
	[ "$(tail -n +2 log)" = "$(cat want.csv)" ]
}

@test "out: other names of the file open on standard output are its descriptor (they replaced it, losing what it held)" {
	mkdata
	mkdir -p sub
	for name in /proc/self/fd/1 //dev/stdout /dev/./stdout log ./sub/../log; do
		case $name in /proc/*) [ -e /proc/self/fd/1 ] || continue ;; esac
		echo first > log
		"$SA" -Q Q.csv -K K.csv -V V.csv -o "$name" >> log
		[ "$(head -1 log)" = first ]
		[ "$(tail -n +2 log)" = "$(cat want.csv)" ]
		no_temps
	done
	# so two outputs on it are refused as for -
	echo first > log
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o log -a - >> log' _ "$SA"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: -o log and -a - both write to standard output: give one a file" ]
	[ "$(cat log)" = first ]
	echo first > log
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o log --show >> log' _ "$SA"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: -o log and --show both write to standard output: give -o another file" ]
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o /dev/null -a log --show >> log' _ "$SA"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: -a log and --show both write to standard output: give -a another file" ]
	# open for reading only, or for reading and writing without
	# appending: the file is replaced (written at the descriptor's
	# offset, a longer old content kept its tail)
	echo first > log
	"$SA" -Q Q.csv -K K.csv -V V.csv -o log 1<log
	cmp log want.csv
	printf '%0200d\n' 0 > log
	"$SA" -Q Q.csv -K K.csv -V V.csv -o log 1<>log
	cmp log want.csv
	# a device stays a file written in place: -o /dev/null --show
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o /dev/null --show >/dev/null' _ "$SA"
	[ "$status" -eq 0 ]
}

@test "out: a file output that is also the file of a descriptor another output writes to (\"-a w.csv > w.csv\", \"<>\", 2>, 3>) is refused" {
	mkdata
	# Y would go to the file the shell opened, which -a's new file
	# then replaced: Y was lost with exit status 0
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -a w.csv > w.csv' _ "$SA"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: -a w.csv is standard output's file, where Y goes (no -o): give one of them another file" ]
	echo old > y.csv
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o y.csv -a - 1<>y.csv' _ "$SA"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: -o y.csv is standard output's file, where -a - writes: give one of them another file" ]
	[ "$(cat y.csv)" = old ]
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o /dev/stdout --lse ./l.csv > l.csv' _ "$SA"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: --lse ./l.csv is standard output's file, where -o /dev/stdout writes: give one of them another file" ]
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o y.csv --show > y.csv' _ "$SA"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: -o y.csv is standard output's file, where --show draws: give one of them another file" ]
	# a FIFO: the two would be mixed in it
	mkfifo f
	cat f >/dev/null &
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -a f > f' _ "$SA"
	wait
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: -a f is standard output's file, where Y goes (no -o): give one of them another file" ]
	no_temps
	# the same through standard error or another descriptor
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o y.csv -a /dev/stderr 2> y.csv; echo "st $?" >&3' _ "$SA" 3>st
	[ "$(cat st)" = "st 2" ]
	[ "$(head -1 y.csv)" = "selfattn: -o y.csv is standard error's file, where -a /dev/stderr writes: give one of them another file" ]
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o y.csv --lse /dev/fd/3 3> y.csv' _ "$SA"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: -o y.csv is descriptor 3's file, where --lse /dev/fd/3 writes: give one of them another file" ]
	# nothing else on standard output: the file is replaced, as any
	"$SA" -Q Q.csv -K K.csv -V V.csv -o y.csv > y.csv
	cmp y.csv want.csv
	# and /dev/null may take two outputs
	"$SA" -Q Q.csv -K K.csv -V V.csv -a /dev/null > /dev/null
}

@test "out: /proc/self/fd/N is descriptor N, as /dev/fd/N (into a pipe, two outputs on it were mixed)" {
	[ -e /proc/self/fd/1 ] || skip "no /proc/self/fd"
	mkdata
	run bash -c 'set -o pipefail; "$1" -Q Q.csv -K K.csv -V V.csv -o /proc/self/fd/1 -a - | cat' _ "$SA"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "selfattn: -o /proc/self/fd/1 and -a - both write to standard output: give one a file" ]
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o /proc/self/fd/1 | cat' _ "$SA"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat want.csv)" ]
	# written in place at the descriptor, as /dev/fd/3
	echo first > log
	"$SA" -Q Q.csv -K K.csv -V V.csv -o /proc/self/fd/3 3>> log
	[ "$(head -1 log)" = first ]
	[ "$(tail -n +2 log)" = "$(cat want.csv)" ]
	no_temps
}

# $as: a command prefix running as a user without root's rights (as
# root: nobody, through setpriv; else none)
unprivileged() {
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv is not installed (util-linux)"
		as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	else
		as=
	fi
}

@test "out: --dry-run checks each output as the run does before any work, and leaves none" {
	mkdata
	unprivileged
	run "$SA" -Q Q.csv -K K.csv -V V.csv --dry-run -o nodir/y.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: nodir/y.csv: No such file or directory" ]
	run "$SA" -Q Q.csv -K K.csv -V V.csv --dry-run -a .
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: .: Is a directory" ]
	mkdir d
	echo OLD > d/y.csv
	chmod 666 d/y.csv
	chmod 555 d
	run $as "$SA" -Q Q.csv -K K.csv -V V.csv --dry-run -o d/y.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: d/y.csv: Permission denied: its folder must be writable too, as the file is replaced by a new one written beside it" ]
	run $as "$SA" -Q Q.csv -K K.csv -V V.csv --dry-run -o d/new.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: d/new.csv: Permission denied" ]
	chmod 755 d
	chmod 444 d/y.csv
	chmod 777 .
	run $as "$SA" -Q Q.csv -K K.csv -V V.csv --dry-run --lse d/y.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: d/y.csv: Permission denied" ]
	# as the run, descriptors first, and a closed standard input
	run "$SA" -Q Q.csv -K K.csv -V V.csv --dry-run -o nodir/y.csv -a /dev/fd/9
	[ "$output" = "selfattn: /dev/fd/9: write error: Bad file descriptor" ]
	run "$SA" -Q Q.csv -K K.csv -V V.csv --dry-run -o /dev/stdin <&-
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /dev/stdin: write error: Bad file descriptor" ]
	# a folder where no file can be made, even by root
	run "$SA" -Q Q.csv -K K.csv -V V.csv --dry-run -o /proc/version
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /proc/version: cannot create the new file that would replace it, beside it: No such file or directory" ]
	# a device is opened and closed: /dev/tty without a terminal
	run setsid "$SA" -Q Q.csv -K K.csv -V V.csv --dry-run -o /dev/tty </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /dev/tty: No such device or address" ]
	# what may be written: nothing left, nothing opened (a FIFO would
	# wait for its reader)
	mkfifo f
	run timeout 20 "$SA" -Q Q.csv -K K.csv -V V.csv --dry-run -o y.csv -a f --heatmap h.svg
	[ "$status" -eq 0 ]
	[ ! -e y.csv ]
	[ ! -e h.svg ]
	no_temps
}

@test "out: a file the user may not write is not replaced, though the directory is writable" {
	mkdata
	unprivileged
	mkdir d
	chmod 777 d
	echo OLD > d/y.csv
	chmod 444 d/y.csv
	run $as "$SA" -Q Q.csv -K K.csv -V V.csv -o d/y.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: d/y.csv: Permission denied" ]
	[ "$(cat d/y.csv)" = OLD ]
	[ -z "$(ls d | grep selfattn-)" ]
}

@test "out: a writable file in a folder the user may not write is refused before any work, saying why" {
	mkdata
	unprivileged
	mkdir d
	echo OLD > d/y.csv
	chmod 666 d/y.csv
	chmod 555 d
	run $as "$SA" -Q Q.csv -K K.csv -V V.csv -o d/y.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: d/y.csv: Permission denied: its folder must be writable too, as the file is replaced by a new one written beside it" ]
	[ "$(cat d/y.csv)" = OLD ]
	# through a symlink in a writable folder: the target's folder
	ln -s d/y.csv lnk.csv
	chmod 777 .
	run $as "$SA" -Q Q.csv -K K.csv -V V.csv -o lnk.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: lnk.csv: Permission denied: the folder of d/y.csv, which it leads to, must be writable too, as that file is replaced by a new one written beside it" ]
	# what the message's reason suggests: the shell writes it in place
	$as sh -c '"$1" -Q Q.csv -K K.csv -V V.csv -o - > d/y.csv' _ "$SA"
	cmp d/y.csv want.csv
	chmod 755 d
}

@test "out: a file beside which no new file can be made says so (/proc: it said No such file or directory of a file that exists)" {
	mkdata
	[ -e /proc/version ] || skip "no /proc/version"
	[ "$(id -u)" -eq 0 ] || skip "needs root: /proc/version is not writable by others"
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o /proc/version
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /proc/version: cannot create the new file that would replace it, beside it: No such file or directory" ]
}

@test "out: a file mounted on its own (docker run -v) is refused before any output is replaced" {
	mkdata
	[ "$(id -u)" -eq 0 ] || skip "needs root, to mount"
	echo OLDY > y.csv
	echo OLDW > w.csv
	echo HOST > host.csv
	mount --bind host.csv w.csv 2>/dev/null || skip "mount --bind is not permitted here"
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o y.csv -a w.csv
	st=$status
	# renaming over it failed at the end (EBUSY), after y.csv
	# had been replaced
	out=$(cat y.csv); host=$(cat host.csv)
	sh -c '"$1" -Q Q.csv -K K.csv -V V.csv -o /dev/null -a - > w.csv' _ "$SA"
	w=$(cat w.csv)
	umount w.csv
	[ "$st" -eq 1 ]
	[ "$output" = "selfattn: w.csv: Device or resource busy: a file mounted on its own (as by docker run -v) cannot be replaced; give - and redirect standard output to it" ]
	[ "$out" = OLDY ]
	[ "$host" = HOST ]
	[ "$w" = "$("$SA" -Q Q.csv -K K.csv -V V.csv -o /dev/null -a -)" ]
	[ -z "$(ls | grep selfattn-)" ]
}

@test "out: another user's file in a sticky folder is refused before any output is replaced" {
	mkdata
	[ "$(id -u)" -eq 0 ] || skip "needs root, to make files of two users"
	command -v setpriv >/dev/null || skip "setpriv is not installed (util-linux)"
	mkdir -m 1777 d
	echo OLD >d/shared.csv
	chmod 666 d/shared.csv	# root's, writable by all (as > would)
	echo OLDY >d/y.csv
	chown 65534 d/y.csv	# the user's own
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$SA" -Q Q.csv -K K.csv -V V.csv -o d/y.csv -a d/shared.csv
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: d/shared.csv: Operation not permitted: another user's file in a sticky folder (as /tmp) cannot be replaced" ]
	# y.csv was replaced first, before the rename of w failed
	[ "$(cat d/y.csv)" = OLDY ]
	[ "$(cat d/shared.csv)" = OLD ]
	[ -z "$(ls d | grep selfattn-)" ]
	# its own file there is replaced
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$SA" -Q Q.csv -K K.csv -V V.csv -o d/y.csv
	[ "$status" -eq 0 ]
	cmp d/y.csv want.csv
}

@test "out: -o /dev/stdout into a pipe" {
	mkdata
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o /dev/stdout | cat' _ "$SA"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat want.csv)" ]
}

@test "out: /dev/stderr and /dev/fd/N are their descriptors" {
	mkdata
	echo first > log
	"$SA" -Q Q.csv -K K.csv -V V.csv -o /dev/fd/3 -a /dev/stderr 3>> log 2> w.csv
	[ "$(tail -n +2 log)" = "$(cat want.csv)" ]
	[ "$(wc -l < w.csv)" -eq 2 ]
	no_temps
}

@test "out: /dev/fd/N of a closed descriptor is an error" {
	mkdata
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o y.csv -a /dev/fd/9
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: /dev/fd/9: write error: Bad file descriptor" ]
	[ ! -e y.csv ]
	no_temps
}

@test "out: a symlink to a device is written in place and kept" {
	mkdata
	ln -s /dev/null n.csv
	"$SA" -Q Q.csv -K K.csv -V V.csv -o n.csv
	[ -L n.csv ]
	[ -c /dev/null ]
}

@test "out: a dangling symlink creates the file it points to" {
	mkdata
	mkdir t
	ln -s t/y.csv l.csv
	"$SA" -Q Q.csv -K K.csv -V V.csv -o l.csv
	[ -L l.csv ]
	cmp t/y.csv want.csv
	[ -z "$(ls -A t | grep 'selfattn-')" ]
}

# signals

@test "out: SIGPIPE removes the temporary files, exit status 141" {
	run bash -c '"$1" '"$BIG"' -o y.npy -a - | head -c 1 > /dev/null
	    exit "${PIPESTATUS[0]}"' _ "$SA"
	[ "$status" -eq 141 ]
	[ ! -e y.npy ]
	no_temps
}

@test "out: an ignored SIGPIPE makes a broken pipe a write error" {
	run bash -c 'trap "" PIPE
	    "$1" '"$BIG"' -o y.npy -a - 2> err | head -c 1 > /dev/null
	    exit "${PIPESTATUS[0]}"' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$(cat err)" = "selfattn: <stdout>: write error: Broken pipe" ]
	[ ! -e y.npy ]
	no_temps
}

@test "out: the file size limit is a write error, no file is left" {
	run bash -c 'ulimit -f 1; exec "$1" '"$BIG"' -o y.npy -a w.csv' _ "$SA"
	[ "$status" -eq 1 ]
	[ "$output" = "selfattn: w.csv: write error: File too large" ]
	[ ! -e y.npy ]
	[ ! -e w.csv ]
	no_temps
}

@test "out: SIGTERM, SIGHUP, SIGINT and the other signals that end a process remove the temporary file (a SIGBUS sent too, real-time signals, SIGPWR)" {
	for sig in TERM HUP INT QUIT ALRM USR1 USR2 XCPU VTALRM PROF BUS PWR IO STKFLT RTMIN RTMAX; do
		rm -f in
		# (under ASan, whose handler would take SIGBUS, its default)
		start_waiting "exec env --default-signal=$sig ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_sigbus=0"
		kill -s "$sig" "$pid"
		status=0
		wait "$pid" || status=$?
		[ "$status" -eq $((128 + $(kill -l "$sig"))) ]
		[ ! -e y.csv ]
		no_temps
	done
}

# term_in CALL ARGS...: selfattn ARGS with each call of CALL held 1 s
# (tests/slowcall.c, preloaded as sc.so), sent SIGTERM 0.5 s in, when
# it is in the first (a run of a few milliseconds); its exit status in
# status.
term_in() {
	local call=$1
	shift
	SLOWCALL=$call SLOWCALL_US=1000000 LD_PRELOAD=$PWD/sc.so "$SA" "$@" &
	pid=$!
	sleep 0.5
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
}

# slow_setup: sc.so built (not under ASan: the test is skipped), $a the
# options of a small run writing y.csv and w.csv, new what it writes.
slow_setup() {
	[ -z "${ASAN_OPTIONS:-}" ] || skip "a preloaded library beside ASan's runtime"
	cc -shared -fPIC -o sc.so "$ROOT/tests/slowcall.c"
	a="-Q randn:4x2 -K randn:4x2 -V randn:4x2 -o y.csv -a w.csv"
	"$SA" $a
	cat y.csv w.csv >new
}

@test "out: a signal before the renames at the end replaces nothing; one during them is too late, the run ends replaced and 0" {
	slow_setup
	# in the checks before the renames (signals held there)
	echo old >y.csv
	echo old >w.csv
	term_in faccessat $a
	[ "$status" -eq 143 ]
	[ "$(cat y.csv w.csv)" = "$(printf 'old\nold')" ]
	no_temps
	# during the first rename: every file replaced, exit 0
	term_in renameat $a
	[ "$status" -eq 0 ]
	cat y.csv w.csv | cmp - new
	no_temps
}

@test "out: a replaced file goes whole (its other links keep it); a directory made at its name during the last checks stays, nothing replaced" {
	slow_setup
	# replaced: the old file under no name of the folder but its link
	echo old >y.csv
	ln y.csv y2.csv
	"$SA" $a
	cat y.csv w.csv | cmp - new
	[ "$(cat y2.csv)" = old ]
	no_temps
	[ "$(ls -A | sort | tr '\n' ' ')" = "new sc.so w.csv y.csv y2.csv " ]
	# y.csv a directory after the checks: the exchange with it undone
	echo old >w.csv
	SLOWCALL=faccessat SLOWCALL_US=1000000 LD_PRELOAD=$PWD/sc.so "$SA" $a \
	    2>err &
	pid=$!
	sleep 0.5
	rm y.csv
	mkdir y.csv
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 1 ]
	[ "$(cat err)" = "selfattn: y.csv: Is a directory" ]
	[ -d y.csv ]
	[ -z "$(ls -A y.csv)" ]
	[ "$(cat w.csv)" = old ]
	no_temps
}

@test "out: an append-only or immutable file or folder is refused before any work (the rename at the end would fail)" {
	command -v chattr >/dev/null || skip "chattr is not installed (e2fsprogs)"
	echo old >y.csv
	echo old >w.csv
	chattr +a w.csv 2>/dev/null ||
	    skip "chattr +a failed (it needs root, and a filesystem such as ext4)"
	a="-Q randn:4x2 -K randn:4x2 -V randn:4x2 -o y.csv"
	run --separate-stderr "$SA" $a -a w.csv
	chattr -a w.csv
	[ "$status" -eq 1 ]
	[ "$stderr" = "selfattn: w.csv: Operation not permitted: an append-only or immutable file (chattr +a, +i) cannot be replaced" ]
	[ "$(cat y.csv)" = old ]
	mkdir ad
	chattr +a ad
	m="selfattn: ad/w.csv: Operation not permitted: an append-only or immutable folder (chattr +a, +i) cannot be replaced"
	# the run, and --dry-run, say so, leaving no file there
	for d in "" --dry-run; do
		run --separate-stderr "$SA" $a -a ad/w.csv $d
		[ "$status" -eq 1 ] && [ "$stderr" = "$m" ] ||
		    { chattr -a ad; false; }
	done
	chattr -a ad
	[ -z "$(ls ad)" ]
	[ "$(cat y.csv)" = old ]
	no_temps
}

@test "out: an input .npy cut short during the run is a data error naming it, no file is left" {
	# K.npy is mapped and used in place; --key-padding, read after it
	# from a FIFO, holds the run until K.npy is truncated (as np.save
	# does before it writes), so that reading K faults (SIGBUS)
	# (a name with control characters: written escaped, one line)
	local names=(K.npy $'K\e[31m\nX.npy') shown=(K.npy 'K\x1b[31m\nX.npy') i
	for i in 0 1; do
		k=${names[i]}
		"$ROOT/tests/tools/npygen" 100 4 "$k"
		echo OLD >y.csv
		rm -f pad
		mkfifo pad
		# (under ASan, whose own SIGBUS handler would report a
		# crash, the default action, so that selfattn installs its)
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_sigbus=0" \
		    "$SA" -Q randn:5x4 -K "$k" -V randn:100x4 \
		    --key-padding pad -o y.csv 2>err &
		pid=$!
		exec 7>pad	# open once selfattn opens it: K is loaded
		: >"$k"
		printf '0\n%.0s' $(seq 100) >&7
		exec 7>&-
		ends_keeping_old "selfattn: ${shown[i]}: the file was cut short while it was read"
	done
}

@test "out: a .npy --mask of booleans, used in place, cut short during the run is a data error naming it" {
	{ "$ROOT/tests/tools/npyhdr" -t '|b1' 5 100; printf '\001%.0s' $(seq 500); } >M.npy
	echo OLD >y.csv
	mkfifo pad
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_sigbus=0" \
	    "$SA" -Q randn:5x4 -K randn:100x4 -V randn:100x4 --mask M.npy \
	    --key-padding pad -o y.csv 2>err &
	pid=$!
	exec 7>pad	# M.npy is loaded
	: >M.npy
	printf '0\n%.0s' $(seq 100) >&7
	exec 7>&-
	ends_keeping_old "selfattn: M.npy: the file was cut short while it was read"
}

# hold_on_pad K CMD: run selfattn with K.npy (100 x 4) used in place, held
# by --key-padding from a FIFO while CMD changes K.npy; its status and
# message are left for ends_keeping_old or the caller's wait.
hold_on_pad() {
	"$ROOT/tests/tools/npygen" 100 4 K.npy
	echo OLD >y.csv
	rm -f pad
	mkfifo pad
	"$SA" -Q randn:5x4 -K K.npy -V randn:100x4 --key-padding pad \
	    -o y.csv 2>err &
	pid=$!
	exec 7>pad
	eval "$1"
	printf '0\n%.0s' $(seq 100) >&7
	exec 7>&-
}

@test "out: an input .npy cut inside its last page, or written in place, during the run is a data error (no SIGBUS there)" {
	# 3328 bytes, one page: a cut of the last 64 reads zeros, no fault
	hold_on_pad 'truncate -s 3264 K.npy'
	ends_keeping_old "selfattn: K.npy: the file was cut short while it was read"
	# the same size, numbers written over in place (dd, no truncation)
	hold_on_pad 'printf "\\0\\0\\0\\0\\0\\0\\0\\0" | dd of=K.npy bs=1 seek=200 conv=notrunc status=none'
	ends_keeping_old "selfattn: K.npy: the file was written while it was read: its numbers may not all be those it had when the run began"
	# replaced by a rename (npygen writes K.npy.tmp first): the run
	# reads the file it mapped, the old one, and succeeds
	"$ROOT/tests/tools/npygen" 100 4 K.npy
	"$SA" -Q randn:5x4 -K K.npy -V randn:100x4 -o want.csv
	hold_on_pad '"$ROOT/tests/tools/npygen" -s 7 100 4 K.npy'
	wait "$pid"
	cmp y.csv want.csv
	no_temps
	# replaced by a rename while an earlier input is read (the queries,
	# from a FIFO), then cut: the file mapped is the new one, and cut
	"$ROOT/tests/tools/npygen" 100 4 K.npy
	rm -f q pad
	mkfifo q pad
	echo OLD >y.csv
	"$SA" -Q q -K K.npy -V randn:100x4 --key-padding pad -o y.csv 2>err &
	pid=$!
	exec 6>q
	"$ROOT/tests/tools/npygen" -s 7 100 4 K.npy
	printf '1,2,3,4\n' >&6
	exec 6>&-
	exec 7>pad
	truncate -s 3264 K.npy
	printf '0\n%.0s' $(seq 100) >&7
	exec 7>&-
	ends_keeping_old "selfattn: K.npy: the file was cut short while it was read"
}

# held_cut FILE KEYS ARGS...: run selfattn ARGS -o y.csv (over OLD) in
# the background, held by --key-padding from a FIFO until FILE, loaded
# by then, is cut to 100000 bytes, then given KEYS zeros; its status and
# message are left for ends_keeping_old.
held_cut() {
	local file=$1 keys=$2
	shift 2
	echo OLD >y.csv
	rm -f pad
	mkfifo pad
	"$SA" "$@" --key-padding pad -o y.csv 2>err &
	pid=$!
	exec 7>pad	# the inputs are loaded
	truncate -s 100000 "$file"
	printf '0\n%.0s' $(seq "$keys") >&7
	exec 7>&-
}

@test "out: X of 1 MiB or more, read from its file, cut during the run is a data error naming the first block that failed, whatever the threads" {
	# 4200 x 32 doubles, 1075328 bytes: read a block of 256 rows (65536
	# bytes after the header's 128) at a time with pread(2), not
	# through the mapping (no SIGBUS); the cut at byte 100000 falls in
	# the second block, the blocks after it find nothing
	local j
	for j in 1 2; do
		"$ROOT/tests/tools/npygen" 4200 32 X.npy
		held_cut X.npy 4200 -x X.npy -q randn:32x32 -k randn:32x32 \
		    -v randn:32x32 -j "$j"
		ends_keeping_old "selfattn: X.npy: expected 31200 bytes of data at byte 100000, found the end of the file (was it cut while being read?)"
	done
}

@test "out: a weight of 1 MiB or more, read from its file, cut during the run is a data error naming it, whatever the threads" {
	# 512 x 512 doubles: packed a piece of 64 rows (262144 bytes after
	# the header's 128) a task; the cut at byte 100000 falls in WQ's
	# first piece, every piece after it finds nothing
	local j
	for j in 1 2; do
		"$ROOT/tests/tools/npygen" 512 512 Wq.npy
		held_cut Wq.npy 8 -x randn:8x512 -q Wq.npy -k randn:512x512 \
		    -v randn:512x64 -j "$j"
		ends_keeping_old "selfattn: Wq.npy: expected 162272 bytes of data at byte 100000, found the end of the file (was it cut while being read?)"
	done
}

@test "out: --merge: a shard cut inside its last page while the merge reads another is a data error" {
	# two shards of keys (100 x 4 doubles: 3328 bytes, one page)
	"$SA" -Q randn:100x4 -K randn:50x4 -V randn:50x4 --seed 1 \
	    -o y1.npy --lse l1.npy
	"$SA" -Q randn:100x4 -K randn:50x4 -V randn:50x4 --seed 2 \
	    -o y2.npy --lse l2.npy
	echo OLD >y.csv
	mkfifo fy
	"$SA" --merge -o y.csv y1.npy l1.npy fy l2.npy 2>err &
	pid=$!
	exec 7>fy
	truncate -s 3264 y1.npy
	cat y2.npy >&7
	exec 7>&-
	ends_keeping_old "selfattn: y1.npy: the file was cut short while it was read"
}

@test "out: a signal ignored on entry stays ignored" {
	start_waiting "trap '' HUP; exec"
	kill -s HUP "$pid"
	sleep 0.2
	kill -0 "$pid"
	cat Q.csv > in
	wait "$pid"
	cmp y.csv want.csv
	no_temps
}

# the same file

@test "out: -o and -a naming one new file by two paths is a usage error" {
	mkdata
	mkdir dir
	ln -s s.csv l.csv
	for a in s.csv ./s.csv dir/../s.csv "$PWD/s.csv" l.csv; do
		run "$SA" -Q Q.csv -K K.csv -V V.csv -o s.csv -a "$a"
		usage_fails
		if [ "$a" = s.csv ]; then
			[ "${lines[0]}" = 'selfattn: -o and -a name the same file "s.csv"' ]
		else
			[ "${lines[0]}" = "selfattn: -o s.csv and -a $a name the same file" ]
		fi
		[ ! -e s.csv ]
	done
	# a hard link of an existing file
	echo old >h.csv
	ln h.csv h2.csv
	run "$SA" -Q Q.csv -K K.csv -V V.csv -o h.csv --lse h2.csv
	usage_fails
	[ "${lines[0]}" = "selfattn: -o h.csv and --lse h2.csv name the same file" ]
	[ "$(cat h.csv)" = old ]
	# the same name in another folder is another file
	"$SA" -Q Q.csv -K K.csv -V V.csv -o s.csv -a dir/s.csv
	cmp s.csv want.csv
	[ -e dir/s.csv ]
}

@test "out: two outputs naming one FIFO, by one name or two, is a usage error" {
	mkdata
	mkfifo p
	ln -s p l
	for a in "-a p" "--lse p" "-a l"; do
		# a reader, in case the FIFO were opened: the run must not
		# block, and nothing may go through it (readers time out and
		# leave bats' descriptor 3, so that a failure cannot hang)
		timeout 20 cat p > got 3>&- &
		c=$!
		run "$SA" -Q Q.csv -K K.csv -V V.csv -o p $a
		usage_fails
		if [ "${a#* }" = p ]; then
			[ "${lines[0]}" = "selfattn: -o and ${a% *} name the same file \"p\"" ]
		else
			[ "${lines[0]}" = "selfattn: -o p and $a name the same file" ]
		fi
		timeout 20 sh -c ': > p'	# ends the reader
		wait $c
		[ ! -s got ]
	done
	# two FIFOs are two outputs
	mkfifo p2
	timeout 20 cat p > y.out 3>&- &
	c=$!
	timeout 20 cat p2 > w.out 3>&- &
	d=$!
	"$SA" -Q Q.csv -K K.csv -V V.csv -o p -a p2
	wait $c $d
	cmp y.out want.csv
	[ -s w.out ]
}

@test "out: two descriptors on one pipe, FIFO or file are a usage error; /dev/null and a terminal may be shared" {
	mkdata
	msg='selfattn: -o /dev/stdout and -a /dev/stderr both write to one'
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o /dev/stdout -a /dev/stderr 2>&1 | cat; exit ${PIPESTATUS[0]}' _ "$SA"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "$msg pipe: give one a file of its own" ]
	echo OLD > f
	run bash -c '"$1" -Q Q.csv -K K.csv -V V.csv -o /dev/stdout -a /dev/stderr >>f 2>&1' _ "$SA"
	[ "$status" -eq 2 ]
	[ "$(head -1 f)" = OLD ]
	[ "$(sed -n 2p f)" = "$msg file: give one a file of its own" ]
	mkfifo p
	run bash -c 'exec 5<>p 6<>p; "$1" -Q Q.csv -K K.csv -V V.csv -o /dev/fd/5 -a /dev/fd/6' _ "$SA"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = 'selfattn: -o /dev/fd/5 and -a /dev/fd/6 both write to one pipe: give one a file of its own' ]
	# /dev/null twice, one terminal (script(1)'s), and two pipes, are fine
	"$SA" -Q Q.csv -K K.csv -V V.csv -o /dev/stdout -a /dev/stderr >/dev/null 2>/dev/null
	script -qec "\"$SA\" -Q Q.csv -K K.csv -V V.csv -o /dev/stdout -a /dev/stderr" /dev/null >tty.out
	grep -q '^0\.' tty.out
	"$SA" -Q Q.csv -K K.csv -V V.csv -o /dev/stdout -a /dev/stderr 2>w.csv | cat > y.csv
	cmp y.csv want.csv
	[ -s w.csv ]
	no_temps
}

# modes and names

@test "out: a replaced file keeps its permission bits" {
	mkdata
	echo OLD > y.csv
	chmod 600 y.csv
	echo OLD > w.csv
	chmod 751 w.csv
	(umask 022 && "$SA" -Q Q.csv -K K.csv -V V.csv -o y.csv -a w.csv)
	cmp y.csv want.csv
	[ "$(stat -c %a y.csv)" = 600 ]
	[ "$(stat -c %a w.csv)" = 751 ]
}

@test "out: a replaced file keeps its owner and group when run as root" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	mkdata
	echo OLD > y.csv
	chown 12345:23456 y.csv
	"$SA" -Q Q.csv -K K.csv -V V.csv -o y.csv
	cmp y.csv want.csv
	[ "$(stat -c %u:%g y.csv)" = 12345:23456 ]
}

@test "out: an output name of 255 bytes" {
	mkdata
	name=$(printf 'a%.0s' $(seq 251)).csv
	[ "${#name}" -eq 255 ]
	"$SA" -Q Q.csv -K K.csv -V V.csv -o "$name"
	cmp "$name" want.csv
	no_temps
	# and as the target of a symlink, replaced through it
	ln -s "$name" l.csv
	echo OLD > "$name"
	"$SA" -Q Q.csv -K K.csv -V V.csv -o l.csv
	cmp "$name" want.csv
	no_temps
	# 256 bytes: refused before any work, the other output kept (its
	# shortened temporary file could be made, and only the rename at
	# the end failed, after -o was replaced)
	long=$(printf 'b%.0s' $(seq 256))
	echo OLD > y.csv
	for dry in "" --dry-run; do
		run "$SA" -Q Q.csv -K K.csv -V V.csv -o y.csv -a "$long" $dry
		[ "$status" -eq 1 ]
		[ "$output" = "selfattn: $long: File name too long" ]
		[ "$(cat y.csv)" = OLD ]
	done
	no_temps
}

# hold_run OUTDIR ARGS...: start selfattn with -Q from the FIFO "in",
# and wait until it has made its temporary file in OUTDIR
hold_run() {
	local d=$1 i
	shift
	mkfifo in
	"$SA" -Q in -K randn:3x4 -V randn:3x4 "$@" 2>err &
	pid=$!
	for i in $(seq 200); do
		ls "$d"/*.selfattn-* >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

@test "out: a folder moved during the run still gets its file; one removed fails before any file is replaced" {
	cd "$BATS_TEST_TMPDIR"
	mkdir d
	echo old >w.csv
	hold_run d -o w.csv -a d/y.csv
	mv d d2
	printf '1,2,3,4\n5,6,7,8\n' >in
	wait "$pid"
	[ ! -s err ]
	[ "$(wc -l <d2/y.csv)" -eq 2 ]
	[ "$(head -c 3 w.csv)" != old ]
	[ -z "$(find . -name '*.selfattn-*')" ]
	rm -f in
	mkdir d
	echo old >w.csv
	hold_run d -o w.csv -a d/y.csv
	rm -r d
	printf '1,2,3,4\n5,6,7,8\n' >in
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 1 ]
	[ "$(cat err)" = "selfattn: d/y.csv: its folder was removed during the run" ]
	[ "$(cat w.csv)" = old ]
	[ -z "$(find . -name '*.selfattn-*')" ]
}

@test "out: a long name's temporary file is cut at a character, not inside one" {
	cd "$BATS_TEST_TMPDIR"
	# 125 é (2 bytes each) and .csv: 254 bytes, cut for the suffix
	name=$(printf 'é%.0s' $(seq 125)).csv
	hold_run . -o "$name"
	t=$(ls | LC_ALL=C grep -a 'selfattn-')
	printf '1,2,3,4\n' >in
	wait "$pid"
	[ ! -s err ]
	# whole characters before the suffix: valid UTF-8 (cut at byte
	# 239, inside an é, it was not)
	printf '%s' "$t" | iconv -f UTF-8 -t UTF-8 >/dev/null
	[[ "$name" == "${t%%.selfattn-*}"* ]]
	[ "$(wc -l <"$name")" -eq 1 ]
	no_temps
}

@test "out: standard output is written after the files: a file that fails at its end leaves it empty" {
	# -a fails at its last write (ulimit -f, SIGXFSZ ignored): Y on
	# standard output must not have been sent already
	run bash -c 'trap "" XFSZ; ulimit -f 1; "$1" -Q randn:20x4 \
	    -K randn:200x4 -V randn:200x4 -o - -a w.csv 2>err | wc -c' _ "$SA"
	[ "$output" -eq 0 ]
	[ "$(cat err)" = "selfattn: w.csv: write error: File too large" ]
	[ ! -e w.csv ]
	no_temps
}
