/*
 * num.h - decimal text <-> double, exactly.
 */
#ifndef NUM_H
#define NUM_H

#include <stddef.h>

/* Longest text num_format writes: sign, 17 digits, point, "e-308". */
#define NUM_MAXLEN 32

/*
 * Parse the whole of s[0..len) as one number and set *x to the nearest
 * double (round half to even, as strtod).  Accepted: optional sign,
 * digits with an optional '.', optional exponent [eE][+-]digits; "nan",
 * "inf", "infinity" in any case, with an optional sign.  No leading or
 * trailing blanks.  Returns 0, or -1 if s is not such a number (x is
 * then untouched).  Overflow gives +-inf, underflow +-0 or a subnormal.
 * Reads nothing outside s[0..len); safe to call from several threads.
 */
int num_parse(const char *s, size_t len, double *x);

/*
 * Write x into buf (at least NUM_MAXLEN bytes), without a NUL, and
 * return the length; the bytes of buf after the text, up to NUM_MAXLEN,
 * may be changed too.  prec == 0: the shortest digit string that reads
 * back to exactly x (the nearest such when several); prec 1..17: x
 * rounded to prec significant digits, trailing zeros dropped.  Layout
 * as Python's repr without the ".0" of whole numbers: plain decimal
 * when the decimal exponent is in -5 < e < 16, else d.ddde[+-]XX with
 * at least two exponent digits.  nan, inf, -inf; -0 is "-0".  A prec
 * below 0 acts as 0, above 17 as 17.
 */
size_t num_format(char *buf, double x, int prec);

#endif
