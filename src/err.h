/*
 * err.h - the one error record every module fills.
 *
 * Modules never print and never exit: on failure they fill a struct err
 * and return -1.  main() alone prints it, formatted by err_format() as
 *	selfattn: FILE:LINE:COL: MESSAGE
 * (FILE, LINE and COL are left out when empty or zero), and picks the
 * exit status.
 */
#ifndef ERR_H
#define ERR_H

#include <stddef.h>

/* Room for a path (PATH_MAX on Linux), and for a message that names
 * two of them; a formatted diagnostic fits ERR_LINE. */
#define ERR_FILE 4096
#define ERR_MSG (2 * ERR_FILE + 512)
#define ERR_LINE (ERR_FILE + ERR_MSG + 64)

struct err {
	char file[ERR_FILE];	/* file the message is about, "" if none */
	unsigned long line;	/* 1-based, 0 if not about a line */
	unsigned long col;	/* 1-based, 0 if not about a column */
	char msg[ERR_MSG];	/* what was expected, what was found */
};

#if defined(__GNUC__)
#define ERR_PRINTF __attribute__((format(printf, 5, 6)))
#else
#define ERR_PRINTF
#endif

/* Fill e (file may be NULL) and return -1, so callers can write
 * "return err_set(e, ...);". */
int err_set(struct err *e, const char *file, unsigned long line,
    unsigned long col, const char *fmt, ...) ERR_PRINTF;

/* Format e as "FILE:LINE:COL: MESSAGE" into buf (cap bytes), leaving
 * out the parts that are empty or zero; returns buf.  The one format of
 * every diagnostic: main() prints it after "selfattn: ". */
char *err_format(const struct err *e, char *buf, size_t cap);

/* Length of the well-formed UTF-8 character that starts s[0 .. n) (1
 * for ASCII), or 0: none (n = 0), a byte of no character (a stray
 * continuation byte, an 8-bit C1 control such as 0x9b, a lead byte cut
 * short by n or by a NUL, an overlong form, a surrogate, past
 * U+10FFFF).  The one UTF-8 check of names, labels and text.  Pure. */
size_t err_u8len(const char *s, size_t n);

/* The character at s (NUL-terminated, not at its end) of a name in a
 * line for a terminal, into b (at most ERR_ESC_MAX bytes, no NUL): a
 * control character as an escape (\n, \t, \x1b; C1 and bidirectional
 * controls, UTF-8, byte by byte: \xc2\x9b), and so a byte of no UTF-8
 * character (\x9b, an 8-bit CSI), so that the line stays one line in
 * its order and a terminal is sent nothing to obey; else the character
 * as it is.  *len = the bytes of s taken; returns the bytes written.
 * Pure, so async-signal-safe. */
#define ERR_ESC_MAX 12
size_t err_escape(const char *s, size_t *len, char *b);

#endif
