# selfattn - POSIX make.  `make`, `make test`, `make check-sanitize`,
# `make fuzz` (FUZZ_SECONDS per target), `make demo`, `make bench`,
# `make install PREFIX=... DESTDIR=...` (program, manual, bash and zsh
# completion), `make clean`.
.POSIX:
.SUFFIXES: .c .o

CC = cc
CFLAGS = -O2 -g -fno-trapping-math
# -Wno-psabi: GCC's note that passing 64-byte vectors changed ABI in
# 4.6 (attn_tmpl.h's qfma at the plain C level): a static always-inlined
# function, no ABI boundary.  A pragma cannot silence that note.
WARN = -std=c11 -D_XOPEN_SOURCE=700 -Wall -Wextra -Wpedantic \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-psabi
LDLIBS = -lm -lpthread
PREFIX = /usr/local
MANPREFIX = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions
# what prints the completion scripts at install: a selfattn the build
# machine runs (a native build of the same source, when cross-compiling)
COMPLETE = ./selfattn

LIB = src/err.o src/mat.o src/num.o src/text.o src/npy.o src/rng.o \
	src/input.o src/out.o src/plan.o src/run.o src/merge.o src/attn.o \
	src/gemm.o src/par.o src/label.o src/heat.o src/explain.o \
	src/complete.o src/progress.o
HDR = src/err.h src/mat.h src/num.h src/text.h src/npy.h src/rng.h \
	src/input.h src/out.h src/plan.h src/run.h src/merge.h src/attn.h \
	src/attn_tmpl.h src/attn_isa.h src/gemm.h src/gemm_kern.h \
	src/gemm_api.h src/par.h src/label.h src/heat.h src/heat_page.h \
	src/explain.h src/complete.h src/progress.h
TOOLS = tests/tools/catmat tests/tools/cmpmat tests/tools/numcheck \
	tests/tools/rngdump tests/tools/npyhdr tests/tools/gemmcheck \
	tests/tools/runstat tests/tools/expcheck tests/tools/tanhcheck \
	tests/tools/peak tests/tools/npygen

all: selfattn

selfattn: src/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ src/main.o $(LIB) $(LDLIBS)

src/main.o $(LIB) $(TOOLS): $(HDR) Makefile

.c.o:
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Test tools: each is one file of tests/tools/ linked with the modules.
.c:
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -Isrc $(LDFLAGS) -o $@ $< $(LIB) \
	    $(LDLIBS)
$(TOOLS): $(LIB)

test: have-bats selfattn $(TOOLS)
	bats tests

have-bats:
	@command -v bats >/dev/null 2>&1 || { echo "make: bats not found:" \
	    "apt-get install bats (https://github.com/bats-core/bats-core)"; \
	    exit 1; }

# The suite on an ASan+UBSan copy of the tree in .sanitize/.
check-sanitize: have-bats
	sh tests/sanitize/check.sh

# libFuzzer targets (clang) in .fuzz/: see tests/fuzz/README.
fuzz:
	$(MAKE) -f tests/fuzz/Makefile run

bench: selfattn tests/tools/runstat tests/tools/catmat tests/tools/cmpmat \
	tests/tools/peak tests/tools/npygen
	sh tests/bench/run.sh

demo: selfattn
	sh samples/lesson-self-attention/run.sh
	@echo '# and NumPy (samples/lesson-self-attention/numpy.txt):'
	@cat samples/lesson-self-attention/numpy.txt

install: selfattn
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1
	cp -f selfattn $(DESTDIR)$(PREFIX)/bin/selfattn
	chmod 755 $(DESTDIR)$(PREFIX)/bin/selfattn
	cp -f man/selfattn.1 $(DESTDIR)$(MANPREFIX)/man1/selfattn.1
	chmod 644 $(DESTDIR)$(MANPREFIX)/man1/selfattn.1
	mkdir -p $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	for s in bash:$(DESTDIR)$(BASHCOMPDIR)/selfattn \
	    zsh:$(DESTDIR)$(ZSHCOMPDIR)/_selfattn; do f=$${s#*:}; \
	    $(COMPLETE) --completion $${s%%:*} >$$f.tmp && mv -f $$f.tmp $$f \
	    || { rm -f $$f.tmp; exit 1; }; done
	chmod 644 $(DESTDIR)$(BASHCOMPDIR)/selfattn \
		$(DESTDIR)$(ZSHCOMPDIR)/_selfattn

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/selfattn \
		$(DESTDIR)$(MANPREFIX)/man1/selfattn.1 \
		$(DESTDIR)$(BASHCOMPDIR)/selfattn \
		$(DESTDIR)$(ZSHCOMPDIR)/_selfattn

clean:
	rm -f selfattn src/*.o $(TOOLS)
	rm -rf .sanitize .fuzz

.PHONY: all test have-bats check-sanitize fuzz bench demo install \
	uninstall clean
