/*
 * failalloc.c - a library for LD_PRELOAD in tests/input.bats: the
 * allocation numbered $FAILALLOC (0 the first) of malloc, calloc,
 * realloc, posix_memalign, aligned_alloc and memalign fails with ENOMEM;
 * the others are glibc's own (__libc_malloc and the like, which free()
 * takes back).  Without $FAILALLOC none fails.  With $FAILALLOC_COUNT
 * naming a file, the number of allocations made is written there at
 * exit.  glibc only; built by the test, not by the Makefile.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);

static long calls;

/* Is this allocation the one to fail?  Then errno is ENOMEM.  (getenv
 * allocates nothing.) */
static int
fail(void)
{
	const char *s = getenv("FAILALLOC");
	long n = __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);

	if (s == NULL || *s == '\0' || n != atol(s))
		return 0;
	errno = ENOMEM;
	return 1;
}

void *
malloc(size_t n)
{
	return fail() ? NULL : __libc_malloc(n);
}

void *
calloc(size_t k, size_t n)
{
	return fail() ? NULL : __libc_calloc(k, n);
}

void *
realloc(void *p, size_t n)
{
	return fail() ? NULL : __libc_realloc(p, n);
}

void *
memalign(size_t a, size_t n)
{
	return fail() ? NULL : __libc_memalign(a, n);
}

void *
aligned_alloc(size_t a, size_t n)
{
	return memalign(a, n);
}

int
posix_memalign(void **p, size_t a, size_t n)
{
	void *q = memalign(a, n);

	if (q == NULL)
		return ENOMEM;
	*p = q;
	return 0;
}

__attribute__((destructor)) static void
report(void)
{
	const char *f = getenv("FAILALLOC_COUNT");
	char b[32];
	int fd, n;

	if (f == NULL || (fd = open(f, O_WRONLY | O_CREAT | O_TRUNC,
	    0644)) < 0)
		return;
	n = snprintf(b, sizeof b, "%ld\n", calls);
	if (write(fd, b, (size_t)n) != n)
		(void)0;
	close(fd);
}
