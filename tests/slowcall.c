/*
 * slowcall.c - a library for LD_PRELOAD in tests/out.bats: each call of
 * the function $SLOWCALL names (renameat, renameat2 counted as it, or
 * faccessat) waits $SLOWCALL_US microseconds first, so that a test can
 * send a signal while selfattn is in it, or change a file.  glibc
 * only; built by the test, not by the Makefile.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
wait_in(const char *name)
{
	const char *s = getenv("SLOWCALL"), *us = getenv("SLOWCALL_US");

	if (s != NULL && strcmp(s, name) == 0 && us != NULL)
		usleep((useconds_t)strtoul(us, NULL, 10));
}

int
renameat(int a, const char *b, int c, const char *d)
{
	int (*real)(int, const char *, int, const char *) =
	    (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT,
	    "renameat");

	wait_in("renameat");
	return real(a, b, c, d);
}

int
renameat2(int a, const char *b, int c, const char *d, unsigned f)
{
	int (*real)(int, const char *, int, const char *, unsigned) =
	    (int (*)(int, const char *, int, const char *, unsigned))dlsym(
	    RTLD_NEXT, "renameat2");

	wait_in("renameat");
	return real(a, b, c, d, f);
}

int
faccessat(int d, const char *p, int m, int f)
{
	int (*real)(int, const char *, int, int) =
	    (int (*)(int, const char *, int, int))dlsym(RTLD_NEXT,
	    "faccessat");

	wait_in("faccessat");
	return real(d, p, m, f);
}
