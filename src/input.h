/*
 * input.h - load one matrix argument: a file, "-" for standard input,
 * or a generator "rand:RxC" / "randn:RxC".
 */
#ifndef INPUT_H
#define INPUT_H

#include "err.h"
#include "mat.h"
#include "par.h"
#include "rng.h"

/*
 * Load spec into m and sh.  A file (or stdin) is read whole; it is .npy
 * if it starts with the .npy magic, text otherwise, whatever its name.
 * A stream (stdin, a pipe, a device) is read only up to the end of the
 * data that a .npy header declares, and text is refused as soon as a
 * line grows past TEXT_LINE_MAX bytes (text.h), so that an endless
 * stream (/dev/zero) ends in a message.
 * "rand:RxC" and "randn:RxC" (also "rand:N", one row of N) draw R*C
 * values row by row from r.  Diagnostics name the file as given, or
 * "<stdin>".
 *
 * pool (or NULL) lends threads to the text reader.
 * Returns 0, or -1 with e set: the OS error for an unreadable file, a
 * line too long, or the reader's message.
 */
int input_load(const char *spec, struct rng *r, struct par *pool,
    struct mat *m, struct mat_shape *sh, struct err *e);

/* As input_load, but a .npy of booleans, or of 0s and 1s, in C order
 * (or 1-D) is read as bytes (npy_read_bools: m->bytes, m->data NULL),
 * in place in its file's mapping when the file maps and its items are
 * bytes: a --mask takes a byte an element, not a double.  Any other
 * input as input_load. */
int input_load_bools(const char *spec, struct rng *r, struct par *pool,
    struct mat *m, struct mat_shape *sh, struct err *e);

/* For a matrix input_load left in its file's mapping (m->map), read in
 * place while the run computes: has that file been cut short or written
 * since (its size, or its time of last modification, not what they
 * were when it was mapped)?  A cut inside the last page mapped raises no SIGBUS
 * (the page reads as zeros past the new end), and a file written again,
 * as numpy.save() does, may have been read part old, part new.  Returns
 * 0 (no change, or not mapped, or the name now names another file, as
 * after a rename over it: the mapping still holds the one read), or -1
 * with e set naming the file.  A write whose time is set back (touch
 * -d, rsync -t) is not seen. */
int input_changed(const struct mat *m, const char *name, struct err *e);

/* For --dry-run: how has INPUT_VALUES: input_load on one thread (and
 * with INPUT_BOOLS, input_load_bools); else as input_load, with the
 * same checks and messages, but keeping only the shape: m->rows,
 * m->cols and sh set, m->data NULL (a shape-only matrix).  A .npy
 * header is parsed, its numbers are not read; text is parsed and its
 * numbers let go; a generator is not drawn.  *text =
 * the bytes of text read (0 for a .npy or a generator), which a run
 * holds while it parses them. */
#define INPUT_VALUES 1
#define INPUT_BOOLS 2
int input_dry(const char *spec, struct rng *r, int how, struct mat *m,
    struct mat_shape *sh, size_t *text, struct err *e);

/* Check a generator spec ("rand:..." or "randn:...") and set sh to its
 * shape (1-D for "rand:N").  Returns 1 for rand, 2 for randn, or -1
 * with e set when the counts are malformed or zero. */
int input_generator(const char *spec, struct mat_shape *sh, struct err *e);

/* Return 1 if spec names a generator ("rand:" or "randn:"), else 0. */
int input_is_generator(const char *spec);

#endif
