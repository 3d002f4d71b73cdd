/* mat.c - the matrix allocator (see mat.h). */
#define _DEFAULT_SOURCE		/* Linux's MADV_HUGEPAGE, a hint */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mat.h"

#define HUGE_PAGE ((size_t)2 << 20)	/* bytes in an x86-64 huge page */

int
mat_mul_size(size_t a, size_t b, size_t *r)
{
	if (a != 0 && b > SIZE_MAX / a)
		return -1;
	*r = a * b;
	return 0;
}

/* n elements of size bytes: *bytes, or an error (-1) when they do
 * not fit in an object. */
static int
too_many(size_t n, size_t size, size_t *bytes, const char *what,
    struct err *e)
{
	if (mat_mul_size(n ? n : 1, size, bytes) || *bytes > PTRDIFF_MAX)
		return err_set(e, what, 0, 0, "%zu elements of %zu bytes are "
		    "too many to hold", n, size);
	return 0;
}

void *
mat_buf(size_t n, size_t size, const char *what, struct err *e)
{
	size_t bytes = 0, got;
	void *p;
	int rc, huge;

	if (too_many(n, size, &bytes, what, e))
		return NULL;
	/* A buffer of a huge page or more starts on one, takes whole ones
	 * and asks for them (Linux, with transparent huge pages on
	 * "madvise"): its first touch then faults once per 2 MiB, not once
	 * per 4 KiB page, its last part too (on a virtual machine a 4 KiB
	 * fault can cost 10-20 us: a 2 MiB tail of small pages took several
	 * ms of a 0.3 s run). */
	huge = bytes >= HUGE_PAGE && bytes <= PTRDIFF_MAX - HUGE_PAGE;
	got = huge ? (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE : bytes;
	if ((rc = posix_memalign(&p, huge ? HUGE_PAGE : 64, got)) != 0) {
		err_set(e, what, 0, 0, "cannot allocate %zu bytes: %s", bytes,
		    strerror(rc));
		return NULL;
	}
#ifdef MADV_HUGEPAGE
	if (huge)
		(void)madvise(p, got, MADV_HUGEPAGE);
#endif
	return p;
}

/* n elements of size bytes from base at *used (NULL while measuring). */
static void *
carve(struct mat_arena *a, char *base, size_t *used, size_t n, size_t size)
{
	size_t bytes;
	char *p;

	/* both parts together, as mat_arena_bytes() adds them */
	if (mat_mul_size(n ? n : 1, size, &bytes) || bytes > PTRDIFF_MAX -
	    64 || a->used + a->sused > PTRDIFF_MAX - 64 - bytes) {
		a->overflow = 1;
		return NULL;
	}
	bytes = (bytes + 63) & ~(size_t)63;
	p = base ? base + *used : NULL;
	*used += bytes;
	return p;
}

void *
mat_arena_take(struct mat_arena *a, size_t n, size_t size)
{
	return carve(a, a->base, &a->used, n, size);
}

void *
mat_arena_small(struct mat_arena *a, size_t n, size_t size)
{
	return carve(a, a->sbase, &a->sused, n, size);
}

size_t
mat_arena_bytes(const struct mat_arena *a)
{
	return a->used + a->sused;
}

int
mat_arena_alloc(struct mat_arena *a, const char *what, struct err *e)
{
	if (a->overflow)
		return err_set(e, what, 0, 0, "the buffers are too large to "
		    "hold");
	if ((a->base = mat_buf(a->used, 1, what, e)) == NULL)
		return -1;
	/* small: mat_buf asks for huge pages from 2 MiB only */
	if ((a->sbase = mat_buf(a->sused, 1, what, e)) == NULL) {
		free(a->base);
		a->base = NULL;
		return -1;
	}
	a->cap = a->used;
	a->used = 0;
	a->sused = 0;
	return 0;
}

void
mat_arena_free(struct mat_arena *a)
{
	free(a->base);
	free(a->sbase);
	memset(a, 0, sizeof *a);
}

int
mat_check(size_t rows, size_t cols, const char *what, struct err *e)
{
	size_t n, bytes;

	if (mat_mul_size(rows, cols, &n) != 0)
		return err_set(e, what, 0, 0,
		    "a %zux%zu matrix is too large to hold", rows, cols);
	return too_many(n, sizeof(double), &bytes, what, e);
}

int
mat_alloc(struct mat *m, size_t rows, size_t cols, const char *what,
    struct err *e)
{
	size_t n;

	memset(m, 0, sizeof *m);
	if (mat_check(rows, cols, what, e) != 0)
		return -1;
	n = rows * cols;
	if ((m->data = mat_buf(n, sizeof(double), what, e)) == NULL)
		return -1;
	memset(m->data, 0, (n ? n : 1) * sizeof(double));
	m->rows = rows;
	m->cols = cols;
	return 0;
}

void
mat_free(struct mat *m)
{
	if (m->map != NULL) {
		munmap(m->map, m->maplen);
		if (m->fd >= 0)
			close(m->fd);
	} else {
		free(m->data);
		free(m->bytes);
	}
	m->data = NULL;
	m->bytes = NULL;
	m->map = NULL;
	m->maplen = 0;
	m->rows = m->cols = 0;
}

void
mat_shape_2d(struct mat_shape *sh, size_t rows, size_t cols)
{
	sh->ndim = 2;
	sh->dim[0] = rows;
	sh->dim[1] = cols;
	sh->dim[2] = sh->dim[3] = 0;
}

char *
mat_shape_str(char *buf, size_t cap, const struct mat_shape *sh)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < sh->ndim && len < cap; i++) {
		int w = snprintf(buf + len, cap - len, "%s%zu", i ? "x" : "",
		    sh->dim[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}
