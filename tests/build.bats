#!/usr/bin/env bats
# The Makefile's install, uninstall and clean targets.

load helpers

@test "build: make install honours PREFIX and DESTDIR" {
	make -s -C "$ROOT" install PREFIX=/opt/sa DESTDIR="$BATS_TEST_TMPDIR/root"
	[ -x "$BATS_TEST_TMPDIR/root/opt/sa/bin/selfattn" ]
	[ -f "$BATS_TEST_TMPDIR/root/opt/sa/share/man/man1/selfattn.1" ]
	cmp "$BATS_TEST_TMPDIR/root/opt/sa/share/bash-completion/completions/selfattn" \
	    <("$SA" --completion bash)
	cmp "$BATS_TEST_TMPDIR/root/opt/sa/share/zsh/site-functions/_selfattn" \
	    <("$SA" --completion zsh)
	run "$BATS_TEST_TMPDIR/root/opt/sa/bin/selfattn" --version
	[ "$output" = "selfattn 1.0.0" ]
	make -s -C "$ROOT" uninstall PREFIX=/opt/sa DESTDIR="$BATS_TEST_TMPDIR/root"
	[ ! -e "$BATS_TEST_TMPDIR/root/opt/sa/bin/selfattn" ]
	[ ! -e "$BATS_TEST_TMPDIR/root/opt/sa/share/man/man1/selfattn.1" ]
	[ ! -e "$BATS_TEST_TMPDIR/root/opt/sa/share/bash-completion/completions/selfattn" ]
	[ ! -e "$BATS_TEST_TMPDIR/root/opt/sa/share/zsh/site-functions/_selfattn" ]
}

@test "build: make clean removes the binary and objects, make rebuilds without a diagnostic" {
	# Sources only: objects of another build (check-sanitize's) would
	# be up to date and linked without their runtime.
	cp -R "$ROOT/Makefile" "$ROOT/man" .
	mkdir src && cp "$ROOT"/src/*.[ch] src/
	mkdir -p tests/tools && cp "$ROOT"/tests/tools/*.c tests/tools/
	make -s selfattn 2>make.err
	cat make.err
	# the strict warnings of the Makefile, and not a note
	[ ! -s make.err ]
	[ -x selfattn ]
	make -s clean
	[ ! -e selfattn ]
	[ -z "$(ls src/*.o 2>/dev/null)" ]
}
