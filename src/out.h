/*
 * out.h - write a matrix, or a stack of them, as CSV, TSV, text or .npy,
 * to standard output or atomically to a file.
 *
 * Two kinds of output:
 *
 *   A file (a regular file, or a name that does not exist yet) is
 *   written to a temporary file in the same directory, named
 *   NAME.selfattn-XXXXXX (NAME shortened if needed to fit the
 *   directory's NAME_MAX), and renamed over the name only by
 *   out_commit().  A symlink is followed: the file it points to is
 *   replaced, the link kept.  A replaced file keeps its permission bits
 *   (and, as far as we may set them, its owner and group); a new file
 *   gets 0666 & ~umask.
 *
 *   A stream is written in place as the rows come and cannot be taken
 *   back: standard output ("-"), /dev/stdout, /dev/stderr, /dev/stdin
 *   and /dev/fd/N (the descriptor N itself, so that "-o /dev/stdout
 *   >> log" appends), and any other name that is not a regular file
 *   (a device, a FIFO, a socket).
 *
 * A caller with several outputs holds them in a table and ends them
 * together: out_commit_all() finishes every one (all data written, every
 * file closed) before it renames any file, so either every file output
 * is replaced or none is.  Streams have then been written, in part if
 * something failed.  On failure, or when a signal ends the run, the
 * temporary files are removed (out_abort, out_unlink_tmp).
 */
#ifndef OUT_H
#define OUT_H

#include <signal.h>
#include <stddef.h>

#include "err.h"
#include "mat.h"

/* OUT_RAW: bytes as given (a picture), or, with a sink, rows of
 * doubles handed to it in order (never written). */
enum out_fmt { OUT_CSV, OUT_TSV, OUT_TXT, OUT_NPY, OUT_RAW };

/* A consumer of rows, called by out_put in row order. */
typedef int (*out_sink)(void *arg, const double *rows, size_t nrows,
    struct err *e);

/* The element type of a .npy output: '<f8', or '<f4' for results
 * computed in float (whose values are floats, so writing them as
 * float loses nothing).  Text is the same for both. */
enum out_type { OUT_F64, OUT_F32 };

struct out {
	int fd;			/* -1 when closed */
	int stream;		/* written in place (see above) */
	int own;		/* fd was opened here: close it */
	const char *path;	/* as given, for messages; NULL: stdout */
	char *dest;		/* what tmp is renamed to: path, or where
				 * its symlinks lead */
	char *tmp;		/* the temporary file, or NULL */
	int dir;		/* tmp's and dest's folder, held open so that
				 * they are renamed or removed there even if
				 * it is moved meanwhile; -1: by their paths */
	size_t base;		/* where the names in that folder start in
				 * tmp and dest */
	volatile sig_atomic_t live;	/* tmp exists: see out_unlink_tmp */
	enum out_fmt fmt;
	enum out_type type;
	int prec;		/* 0 shortest round-trip, else significant digits */
	struct mat_shape sh;	/* set by out_begin */
	size_t block;		/* rows per 2-D block (blank line between) */
	size_t done;		/* rows written */
	char *buf;
	size_t len, cap;
	/* text: a first column of row labels (row r of a 2-D block gets
	 * rlab[rlab0 + r]) and a header row of column labels atop every
	 * block; NULL: none (see out_labels) */
	const char *const *rlab, *const *clab;
	size_t nrlab, rlab0, nclab;
	size_t lablen, hdrlen;	/* longest quoted row label, header line */
	size_t labtot;		/* all the quoted row labels */
	size_t seqrows;		/* 4-D text: rows per sequence, each begun
				 * by a "# sequence b" line */
	int blocks;		/* labelled text: OUT_HEADS, each 2-D block
				 * begun by a "# head h" line, OUT_SEQS by
				 * "# sequence b", or 0 */
	out_sink sink;		/* OUT_RAW: the rows' consumer */
	void *sink_arg;
};

/* The extension of path's last component, from its last dot (".svg"),
 * or NULL for none: no dot, or only a leading one (".npy", "dir/.npy":
 * a hidden file). */
const char *out_ext(const char *path);

/* Is out_ext(path) ext (".svg"), in any case? */
int out_has_ext(const char *path, const char *ext);

/* The format a file named path gets: from its extension .csv .tsv .txt
 * or .npy (out_has_ext: Y.CSV too), else deflt.  path NULL or "-"
 * (standard output) gives deflt. */
enum out_fmt out_fmt_of(const char *path, enum out_fmt deflt);

/* The name of format f, as -f takes it ("csv"; "raw" for OUT_RAW). */
const char *out_fmt_name(enum out_fmt f);

/* Set o up closed, so that out_abort and out_commit_all skip it. */
void out_init(struct out *o);

/* The descriptor that path names and out_open writes in place: 1 for
 * NULL, "-" and /dev/stdout, 2 for /dev/stderr, 0 for /dev/stdin, N
 * for /dev/fd/N and /proc/self/fd/N, 1 or 2 for any other name of the
 * regular file open for appending on descriptor 1 or 2; else -1.  Open
 * such outputs before any file output, whose temporary file could
 * otherwise take the number N. */
int out_fd_of(const char *path);

/* Open path ("-" or NULL: standard output) for writing in format fmt,
 * .npy elements of type type.  A file gets its temporary file (the
 * signals that end the run are held meanwhile, so out_unlink_tmp always
 * finds it); a stream must be open for writing ("write error: Bad file
 * descriptor" if not).  Returns 0, or -1 with e set (OS error). */
int out_open(struct out *o, const char *path, enum out_fmt fmt,
    enum out_type type, int prec, struct err *e);

/* For --dry-run: out_open of path into o, then out_abort: a file's
 * temporary file is made and removed (only making one tells whether it
 * can be: root passes access(2)), a device opened and closed, but a
 * FIFO only asked whether it could be opened (it would wait for its
 * reader).  Returns 0, or -1 with e set as out_open would. */
int out_check(struct out *o, const char *path, struct err *e);

/* Set o up as a sink (see OUT_RAW): out_begin, out_put with the rows
 * as doubles (buf, len = nrows·cols·8), never written or committed. */
void out_open_sink(struct out *o, out_sink sink, void *arg);

/* What the 2-D blocks of a labelled 3-D (or 4-D) text output are. */
enum { OUT_HEADS = 1, OUT_SEQS };

/* Text: label the rows (nr labels, row r of a block is rlab[r0 + r])
 * and/or the columns (nc labels, a header row atop every 2-D block);
 * NULL for none.  blocks: OUT_HEADS or OUT_SEQS, each 2-D block then
 * begun by a "# head h" or "# sequence b" line (a 4-D array's sequences
 * have theirs), or 0.  The labels must outlive o.  Call after out_open,
 * before out_begin. */
void out_labels(struct out *o, const char *const *rlab, size_t nr,
    size_t r0, const char *const *clab, size_t nc, int blocks);

/* Are descriptors a and b open on one regular file, pipe (or FIFO) or
 * socket, where two outputs' streams would mix?  Returns which ("file",
 * "pipe", "socket"), else NULL: devices, as a terminal or /dev/null, may
 * be shared. */
const char *out_fds_shared(int a, int b);

/* Is path, not a descriptor's name (out_fd_of), the regular file or
 * FIFO open on descriptor fd (standard output's file, from the shell's
 * ">" or "<>")?  Writing both would lose what fd held, once path is
 * replaced, or mix them. */
int out_on_fd(const char *path, int fd);

/* Would outputs a and b write one regular file, existing or still to be
 * created, or one FIFO (where their streams would mix)?  Symlinks are
 * followed; a name that does not exist is known by its directory and
 * its last component, so "s.csv", "./s.csv" and "d/../s.csv" are one
 * file.  Two outputs may share a device. */
int out_same(const char *a, const char *b);

/* Start an array of shape sh (1 to MAT_MAXDIM dimensions): writes the
 * .npy header; for text, a blank line will go between 2-D blocks.
 * Returns 0, or -1 with e set (a write error, say). */
int out_begin(struct out *o, const struct mat_shape *sh, struct err *e);

/* Append nrows rows of sh's last dimension from a (row-major).
 * Returns 0, or -1 with e set (a write error, say). */
int out_rows(struct out *o, const double *a, size_t nrows, struct err *e);

/* Streaming in parallel: format, on any thread, rows row0 .. row0+nrows-1
 * of the array begun by out_begin from a into buf, which must hold
 * out_format_max(o, nrows) bytes; returns the bytes written.  Reads o,
 * never changes it, so threads may format different rows at once. */
size_t out_format_max(const struct out *o, size_t nrows);
size_t out_format(const struct out *o, const double *a, size_t nrows,
    size_t row0, char *buf);
/* The same from rows of floats, widened into tmp (nrows rows of
 * doubles) first. */
size_t out_format_float(const struct out *o, const float *a, size_t nrows,
    size_t row0, char *buf, double *tmp);

/* Are o's formatted bytes the numbers' own, as doubles (OUT_F64) or
 * floats (OUT_F32): a .npy on a little-endian machine, raw doubles?
 * Then rows of that type may be put as they are, without out_format. */
int out_verbatim(const struct out *o);

/* Then, in row order, on one thread: write len formatted bytes holding
 * the next nrows rows.  Returns 0, or -1 with e set (a write error,
 * say). */
int out_put(struct out *o, const char *buf, size_t len, size_t nrows,
    struct err *e);

/* Flush, check that every row promised by out_begin was written, and
 * close (checking close(2)); standard output and descriptors named by
 * /dev/fd/N are flushed, not closed.  A file stays under its temporary
 * name.  Returns 0, or -1 with e set (a write error, e.g. a full disk);
 * then call out_abort. */
int out_finish(struct out *o, struct err *e);

/* Rename the finished temporary file over its destination (nothing to
 * do for a stream).  Returns 0, or -1 with e set; then call out_abort. */
int out_commit(struct out *o, struct err *e);

/* End the n outputs of table o (those never opened are skipped): finish
 * the files, then the streams (a stream's last buffer is written only if
 * every file was written whole), and only if all succeeded, and no
 * file's name has become a directory, rename the files into place, with
 * the signals that could end the run held until the last rename.  Call
 * it with no other thread running, as a signal handler on another
 * thread would not be held.  Returns 0, or -1 with e set, when no file
 * has been renamed unless rename(2) itself failed part way; then
 * out_abort every output. */
int out_commit_all(struct out o[], size_t n, struct err *e);

/* Discard: close and remove the temporary file (no-op if closed). */
void out_abort(struct out *o);

/* For a signal handler: remove o's temporary file, if it exists.
 * Async-signal-safe: only reads o and calls unlink(2). */
void out_unlink_tmp(const struct out *o);

#endif
