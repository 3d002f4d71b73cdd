#!/usr/bin/python3
"""Write tests/data/num/repr.txt: golden output for num_format.

Run from anywhere with /usr/bin/python3 (needs numpy):
    /usr/bin/python3 tests/data/num/gen.py > tests/data/num/repr.txt
Checked by `tests/tools/numcheck -g tests/data/num/repr.txt`.

Each line is "HEXBITS TEXT" or "HEXBITS PREC TEXT", HEXBITS being the
16 hex digits of the IEEE 754 binary64 value (big-endian order, as
struct.pack('>d') writes it).

  * prec 0 (two fields): TEXT is Python's repr(x) without the ".0" that
    repr puts on whole numbers.  repr gives the shortest digits that read
    back to x, the nearest to x when several, laid out as plain decimal
    when the decimal exponent e of the first digit is in -5 < e < 16,
    else as d.ddde+XX.
  * prec 1..17 (three fields): TEXT is '%.{prec-1}e' % x (x correctly
    rounded to prec significant digits), trailing zeros of the digits
    dropped, then laid out by the same rule (layout() below, which is
    checked here against repr on every prec-0 value).

The seed is fixed, so the file is reproducible.
"""
import math
import random
import struct
import sys

import numpy as np

rng = random.Random(20240601)


def hexbits(x):
    return struct.pack('>d', x).hex()


def layout(neg, digits, e):
    """Python repr layout (minus '.0') of -?0.d1d2d3... * 10^(e+1)."""
    digits = digits.rstrip('0') or '0'
    s = '-' if neg else ''
    if -5 < e < 16:
        if e >= 0:
            ip = digits[:e + 1].ljust(e + 1, '0')
            fp = digits[e + 1:]
            s += ip + ('.' + fp if fp else '')
        else:
            s += '0.' + '0' * (-e - 1) + digits
    else:
        s += digits[0] + ('.' + digits[1:] if len(digits) > 1 else '')
        s += 'e%s%02d' % ('-' if e < 0 else '+', abs(e))
    return s


def split_e(text):
    """'-1.2300e+05' -> (True, '12300', 5)"""
    neg = text.startswith('-')
    mant, exp = text.lstrip('-').split('e')
    return neg, mant.replace('.', ''), int(exp)


def normal(text):
    """Any decimal '-0.00123' or '1.5e+20' -> (neg, digits, e)."""
    neg = text.startswith('-')
    mant, _, exp = text.lstrip('-').partition('e')
    ip, _, fp = mant.partition('.')
    digits = (ip + fp).lstrip('0')
    e = len(ip) - 1 - (len(ip + fp) - len(digits)) + int(exp or 0)
    return neg, digits, e


def fmt(x, prec):
    if math.isnan(x):
        return 'nan'
    if math.isinf(x):
        return '-inf' if x < 0 else 'inf'
    if x == 0:
        return '-0' if math.copysign(1, x) < 0 else '0'
    if prec == 0:
        r = repr(x).removesuffix('.0')
        # the layout rule must reproduce repr from repr's own digits
        assert layout(*normal(repr(x))) == r, (x, r)
        return r
    return layout(*split_e('%.*e' % (prec - 1, x)))


vals = []
# edges
vals += [0.0, -0.0, math.nan, math.inf, -math.inf, 5e-324, -5e-324,
         2.225073858507201e-308, 2.2250738585072014e-308,
         1.7976931348623157e308, -1.7976931348623157e308,
         0.1, 0.2, 0.3, 1 / 3, 2 / 3, 1.5, 0.5, 100.0, 1e22, 1e23,
         9007199254740992.0, 9007199254740994.0, 9007199254740991.0,
         float(2**63), float(2**64), 123456789012345678.0]
# every power of two: the shortest digits of a few need the 16-digit
# decimal above x, not the nearest
vals += [math.ldexp(1.0, e) for e in range(-1074, 1024)]
# powers of ten and their neighbours
for e in range(-323, 309):
    x = float('1e%d' % e)
    vals.append(x)
    if e % 4 == 0:
        vals += [float(np.nextafter(x, 0)), float(np.nextafter(x, math.inf))]
# around the layout switches at 1e-5 and 1e16
for x in (1e-5, 1e-4, 1e16, 1e15):
    y = x
    for _ in range(4):
        vals += [y, -y]
        y = float(np.nextafter(y, 0))
    y = x
    for _ in range(4):
        y = float(np.nextafter(y, math.inf))
        vals.append(y)
vals += [9.999999999999999e-06, 9.9999e-05, 0.00012345, 1.2345e-05,
         9999999999999998.0, 1234567890123456.0, 1234567890123456.8,
         123456789012345.67, 12345678901234567.0, 999999999999999.9,
         99999999999999.99]
# integers
vals += [float(i) for i in range(-20, 21)]
for k in range(1, 23):
    vals += [float(10**k - 1), float(10**k + 1), float(-(10**k))]
vals += [float(rng.randrange(0, 2**rng.randrange(1, 64))) for _ in range(300)]
# float32 and float16 values seen as doubles
vals += [float(np.float32(v)) for v in (0.1, 0.2, 1 / 3, 3.14159, 1e-40)]
vals += [float(v) for v in np.frombuffer(
    bytes(rng.getrandbits(8) for _ in range(400)), dtype=np.float32)]
vals += [float(v) for v in np.frombuffer(
    bytes(rng.getrandbits(8) for _ in range(200)), dtype=np.float16)]
# subnormals
vals += [math.ldexp(rng.randrange(1, 2**52), -1074) for _ in range(200)]
# random magnitudes: log-uniform over the whole range, and near 1
for _ in range(800):
    vals.append(rng.choice((-1, 1)) * 10 ** rng.uniform(-323, 308))
for _ in range(300):
    vals.append(rng.uniform(-1000, 1000))
# random bit patterns (NaNs included: all print as "nan")
for _ in range(1200):
    vals.append(struct.unpack('>d', rng.getrandbits(64).to_bytes(8, 'big'))[0])

out = sys.stdout
out.write('# num_format golden data, written by gen.py (see there).\n')
out.write('# HEXBITS TEXT (prec 0) or HEXBITS PREC TEXT\n')
for x in vals:
    out.write('%s %s\n' % (hexbits(x), fmt(x, 0)))
# rounding to prec digits: every prec on a few values that carry, some
# random precs elsewhere
for x in (9999999999999998.0, 9.5, 0.000099999, 999.96, 1 / 3,
          2.5, 0.125, 1e16, 1e-5, 123456.0, -0.0, math.inf, math.nan,
          1.7976931348623157e308, 5e-324):
    for p in range(1, 18):
        out.write('%s %d %s\n' % (hexbits(x), p, fmt(x, p)))
for x in rng.sample(vals, 1500):
    p = rng.randrange(1, 18)
    out.write('%s %d %s\n' % (hexbits(x), p, fmt(x, p)))
