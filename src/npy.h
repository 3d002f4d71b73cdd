/*
 * npy.h - NumPy .npy arrays: read any real numeric array, write <f8 or
 * <f4.
 */
#ifndef NPY_H
#define NPY_H

#include <stddef.h>

#include "err.h"
#include "mat.h"

/* Return 1 if buf starts with the .npy magic "\x93NUMPY", else 0. */
int npy_is(const unsigned char *buf, size_t len);

/* Return 1 if buf starts as a .npy file does: with its magic, or with
 * a damaged one: the byte 0x93 and after the magic a version, 1.0 to
 * 3.0 (its NUL byte is never text); "NUMPY" after a first byte that is
 * no printable ASCII (text may start "#NUMPY"); the magic re-encoded as
 * UTF-8 ("\xc2\x93NUMPY"); or, the whole input, 2 to 5 bytes of the
 * magic.  So npy_read names the magic rather than a text reader the NUL
 * byte; else 0.  Looks at 8 bytes. */
int npy_like(const unsigned char *buf, size_t len);

/*
 * Parse a .npy file held in buf[0..len): versions 1.0, 2.0 and 3.0;
 * dtypes f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1 (also '?') in any byte
 * order ('<', '>', '|', '=' native, '!' big); C or Fortran order;
 * 0-D to MAT_MAXDIM-D.  Values are converted to double: exactly,
 * except i8 and u8 beyond 2^53, which round to a nearby double.  The
 * header dict may be written in any Python literal way numpy could
 * read it (keys in any order, either quotes, any spacing, trailing
 * commas, Python 2's "3L").  Bytes after the data are ignored, as numpy
 * ignores them.
 *
 * Returns 0 with m (rows = product of all but the last dimension, cols
 * = the last) and sh set, a Fortran-order array transposed into
 * row-major order.  A 0-D array gives a 1x1 m and the 2-D sh (1, 1); a
 * 1-D array of n gives a 1xn m and the 1-D sh (n).  Returns -1 with m
 * empty and e set (naming `name`): a bad magic, version or preamble;
 * a malformed header, at line 1 and the column of its 1-based byte
 * offset in the file; an unsupported dtype, named with its kind
 * (complex, structured, ...); more than MAT_MAXDIM dimensions; a
 * shape too large to hold; or data shorter than the shape needs.
 * Never reads outside buf[0..len).
 */
int npy_read(const unsigned char *buf, size_t len, const char *name,
    struct mat *m, struct mat_shape *sh, struct err *e);

/*
 * As npy_read, but when the array is '<f8' in this host's byte order,
 * in C order, and its data is aligned for double, m->data points into
 * buf instead of to a copy, and *borrowed is set to 1 (else 0): buf must
 * then outlive m, and m must not be freed with mat_free unless m->map
 * is set to the buffer's mapping.
 */
int npy_read_view(const unsigned char *buf, size_t len, const char *name,
    struct mat *m, struct mat_shape *sh, int *borrowed, struct err *e);

/*
 * As npy_read_view (borrowed NULL: as npy_read), but an array in C
 * order, or of at most one dimension, of booleans ('|b1' or '?'), or of
 * any type whose every item is 0 or 1, is held as bytes: m->bytes (0
 * false, else true: a boolean's byte is as numpy reads it) and m->data
 * NULL, an eighth of the doubles.  Items of one byte (booleans, i1, u1)
 * lie in buf when borrowed is not NULL (*borrowed set to 1, with the
 * same rules); the others are copied.  For a mask: an array with any
 * other value is read as numbers, for the caller's check to name it.
 */
int npy_read_bools(const unsigned char *buf, size_t len, const char *name,
    struct mat *m, struct mat_shape *sh, int *borrowed, struct err *e);

/*
 * As npy_read, with every check, but the numbers neither read nor
 * converted: m->rows, m->cols and sh set, m->data NULL (a shape-only
 * matrix, for --dry-run).
 */
int npy_shape(const unsigned char *buf, size_t len, const char *name,
    struct mat *m, struct mat_shape *sh, struct err *e);

/*
 * The size of the .npy file whose first len bytes are buf, for reading
 * one from a stream no further than its end.  Returns 0 with *size set
 * to the bytes of preamble, header and data that the header declares
 * (SIZE_MAX where they are more);
 * 1 when buf is too short to tell, with *size set to the length buf
 * must have for the next step (> len); or -1 when the preamble or
 * header is one that npy_read refuses (it then says why).
 */
int npy_size(const unsigned char *buf, size_t len, size_t *size);

/*
 * Write into buf (cap bytes) the preamble and version 1.0 header of a
 * C-order array of dtype descr (such as "<f8" or "<f4", at most 8
 * characters) and shape sh, byte for byte as numpy >= 1.24 writes it:
 * magic, version, header length, the dict
 * {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } then
 * spaces (room for shape[0] to grow to 21 digits, then padding) and a
 * final '\n' making the total length a multiple of 64.  A 1-D shape is
 * written (5,).  Returns the length, or 0 if cap is too small (256
 * bytes always suffice).
 */
size_t npy_header(char *buf, size_t cap, const char *descr,
    const struct mat_shape *sh);

/* 1 on a little-endian host, whose doubles are the bytes of '<f8' as
 * they are; 0 on a big-endian one.  Asked at run time: no compiler's
 * predefined macros are needed. */
int npy_host_little(void);

#endif
