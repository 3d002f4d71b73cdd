/*
 * out.h - write a matrix, or a stack of them, as CSV, TSV, text or .npy,
 * to standard output or atomically to a file.
 *
 * A file is written to a temporary file in the same folder and renamed
 * over the name only by out_commit(), so a failed run leaves no partial
 * file and leaves an existing file untouched.  A symlink is followed:
 * the file it points to is replaced.  Devices and FIFOs are written in
 * place.
 */
#ifndef OUT_H
#define OUT_H

#include <stddef.h>

#include "err.h"
#include "mat.h"

enum out_fmt { OUT_CSV, OUT_TSV, OUT_TXT, OUT_NPY };

/* The element type of a .npy output: '<f8', or '<f4' for results
 * computed in float (whose values are floats, so writing them as
 * float loses nothing).  Text is the same for both. */
enum out_type { OUT_F64, OUT_F32 };

struct out {
	int fd;			/* -1 when closed */
	const char *path;	/* NULL for standard output */
	char *real;		/* where a symlink path points, or NULL */
	char *tmp;		/* temporary file, renamed on commit */
	enum out_fmt fmt;
	enum out_type type;
	int prec;		/* 0 shortest round-trip, else significant digits */
	struct shape sh;	/* set by out_begin */
	size_t block;		/* rows per 2-D block (blank line between) */
	size_t done;		/* rows written */
	char *buf;
	size_t len, cap;
};

/* The format a file named path gets: from its extension .csv .tsv .txt
 * or .npy, else deflt.  path NULL or "-" (standard output) gives deflt. */
enum out_fmt out_fmt_of(const char *path, enum out_fmt deflt);

/* Open path ("-" or NULL: standard output) for writing in format fmt,
 * .npy elements of type type.  Creates the temporary file.  Returns 0,
 * or -1 with e set (OS error). */
int out_open(struct out *o, const char *path, enum out_fmt fmt,
    enum out_type type, int prec, struct err *e);

/* Start an array of shape sh (1 to SHAPE_MAXDIM dimensions): writes the
 * .npy header; for text, a blank line will go between 2-D blocks. */
int out_begin(struct out *o, const struct shape *sh, struct err *e);

/* Append nrows rows of sh's last dimension from a (row-major). */
int out_rows(struct out *o, const double *a, size_t nrows, struct err *e);

/* Streaming in parallel: format, on any thread, rows row0 .. row0+nrows-1
 * of the array begun by out_begin from a into buf, which must hold
 * out_format_max(o, nrows) bytes; returns the bytes written.  Reads o,
 * never changes it, so threads may format different rows at once. */
size_t out_format_max(const struct out *o, size_t nrows);
size_t out_format(const struct out *o, const double *a, size_t nrows,
    size_t row0, char *buf);

/* Then, in row order, on one thread: write len formatted bytes holding
 * the next nrows rows. */
int out_put(struct out *o, const char *buf, size_t len, size_t nrows,
    struct err *e);

/* Flush, check that every row promised by out_begin was written, close
 * and (for a file) rename the temporary file over path.  Returns 0, or
 * -1 with e set (write error, e.g. a full disk); then call out_abort. */
int out_commit(struct out *o, struct err *e);

/* Discard: close and remove the temporary file (no-op if closed). */
void out_abort(struct out *o);

#endif
