/*
 * mat.h - the one matrix type, and its allocator.
 *
 * A struct mat is a dense row-major matrix of doubles: element (i,j) is
 * data[i*cols + j] (or of booleans, bytes[i*cols + j], for a mask).
 * Arrays of more than two dimensions (a stack of heads, a batch) are
 * held as a mat of prod(shape[0..ndim-2]) rows and shape[ndim-1]
 * columns, with the full shape beside it in a struct mat_shape.
 */
#ifndef MAT_H
#define MAT_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

#define MAT_MAXDIM 4

struct mat {
	size_t rows, cols;
	double *data;
	unsigned char *bytes;	/* not NULL, data NULL: booleans, a byte each
				 * (0 false, else true), as
				 * input_load_bools() reads a mask */
	void *map;		/* not NULL: data (or bytes) lies in this
				 * memory mapping */
	size_t maplen;		/* (of a .npy file), which mat_free unmaps */
	int fd;			/* with map: the file, open (a large one; else
				 * -1), which mat_free closes; data lies
				 * (data - map) bytes in */
	dev_t dev;		/* with map: the file mapped, and its time */
	ino_t ino;		/* of last modification then (input_changed) */
	struct timespec mtime;
};

struct mat_shape {
	int ndim;			/* 1 .. MAT_MAXDIM */
	size_t dim[MAT_MAXDIM];
};

/* Set *r = a*b; return 0, or -1 if it overflows size_t. */
int mat_mul_size(size_t a, size_t b, size_t *r);

/* Allocate n elements of `size` bytes, 64-byte aligned (free with
 * free(); realloc() may resize it, without the alignment), uninitialised.
 * Fails (returns NULL, fills e naming `what`) when n*size overflows or
 * memory runs out.  n == 0 gives one element, so the result is never
 * NULL on success.  The allocator of the numbers: matrices, the run's
 * buffers, the text reader's first guess at its numbers (which it then
 * grows by doubling with realloc(), and trims with realloc() at the
 * end: no kernel relies on the alignment, they load unaligned).  What
 * else is sized from the data is small and bounded (a label, at most
 * 128 x 128 picture cells a head, an output's buffer of 1 MiB, one
 * entry a token or a thread) and comes from malloc() or calloc(),
 * whose NULL each caller reports. */
void *mat_buf(size_t n, size_t size, const char *what, struct err *e);

/*
 * An arena: many buffers in one allocation, freed at once.  Measure,
 * then allocate: mat_arena_take() on an arena with no base only adds up the
 * sizes (and returns NULL); mat_arena_alloc() then allocates that total and
 * rewinds, and the same mat_arena_take() calls carve it, 64-byte aligned.
 * An overflowing size makes the arena fail: mat_arena_alloc() reports it.
 * mat_arena_small() takes from a second allocation of the arena, which
 * is small and so in small pages (mat_buf): for the records one thread
 * fills before the others start (a first write to a huge page clears
 * all of its 2 MiB, on that thread alone).  mat_arena_bytes(): both, in
 * bytes.
 */
struct mat_arena {
	char *base, *sbase;
	size_t used, cap, sused;
	int overflow;
};

void *mat_arena_take(struct mat_arena *a, size_t n, size_t size);
void *mat_arena_small(struct mat_arena *a, size_t n, size_t size);
size_t mat_arena_bytes(const struct mat_arena *a);
int mat_arena_alloc(struct mat_arena *a, const char *what, struct err *e);
void mat_arena_free(struct mat_arena *a);

/* The checks mat_alloc makes before it allocates a rows x cols
 * matrix of double: 0, or -1 with e set (the count or its bytes do not
 * fit); for --dry-run, which allocates nothing. */
int mat_check(size_t rows, size_t cols, const char *what, struct err *e);

/* Allocate m as rows x cols, zero-filled.  Fails (returns -1, fills e
 * naming `what`) when rows*cols*sizeof(double) overflows or memory runs
 * out; m is then left empty.  A 0-element matrix is valid. */
int mat_alloc(struct mat *m, size_t rows, size_t cols, const char *what,
    struct err *e);

/* Free m's data or bytes, or unmap its mapping, and leave it empty
 * (safe on an empty mat). */
void mat_free(struct mat *m);

/* Set sh to the 2-D shape (rows, cols). */
void mat_shape_2d(struct mat_shape *sh, size_t rows, size_t cols);

/* Format sh as "4x3" or "2x4x3" into buf (cap >= 1); returns buf. */
char *mat_shape_str(char *buf, size_t cap, const struct mat_shape *sh);

#endif
