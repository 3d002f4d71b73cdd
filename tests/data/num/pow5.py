#!/usr/bin/env python3
"""Print the table of powers of five that src/num.c uses.

    python3 tests/data/num/pow5.py            # the C initialiser
    python3 tests/data/num/pow5.py --check    # first check the integer
                                              # log formulas of num.c

For every q in [QMIN, QMAX] the entry is the 128-bit integer

    T(q) = floor(5^q * 2^(127 - floor(log2(5^q))))

that is 5^q scaled by a power of two into [2^127, 2^128) and truncated
(exact for 0 <= q <= 55, where 5^q < 2^128), written as the pair
{high 64 bits, low 64 bits}.  Since 10^q = 5^q * 2^q the same entry is
the normalised significand of 10^q.  Only exact integer arithmetic is
used: for q < 0 the value is 2^(127 + n) // 5^-q with n the bit length
of 5^-q, which lies in (2^127, 2^128).

src/num.c holds the output between the lines "BEGIN pow5.py" and
"END pow5.py"; tests/num.bats checks that the two agree.
"""
import math
import sys
from fractions import Fraction

QMIN, QMAX = -342, 340


def table(q):
    if q >= 0:
        p = 5 ** q
        n = p.bit_length()
        t = p << (128 - n) if n <= 128 else p >> (n - 128)
    else:
        d = 5 ** -q
        t = (1 << (127 + d.bit_length())) // d
    assert (1 << 127) <= t < (1 << 128)
    return t


def floor_log(x, b):
    """floor(log_b(x)) of a positive Fraction, exactly."""
    # start from a floating-point estimate, then make it exact
    k = int(math.floor((math.log(x.numerator) - math.log(x.denominator))
                       / math.log(b)))
    while Fraction(b) ** k > x:
        k -= 1
    while Fraction(b) ** (k + 1) <= x:
        k += 1
    return k


def check():
    """The shift formulas of num.c against exact logarithms (Python's
    >> is floor division for negative numbers too, as num.c's is)."""
    two, ten = Fraction(2), Fraction(10)
    for q in range(-400, 401):
        assert (q * 1741647) >> 19 == floor_log(ten ** q, 2), q
    for e in range(-1200, 1201):
        assert (e * 315653) >> 20 == floor_log(two ** e, 10), e
        assert (e * 315653 - 131237) >> 20 == \
            floor_log(Fraction(3, 4) * two ** e, 10), e
    # T(q) * 2^(floor(log2(10^q)) - 127) is 10^q, truncated
    for q in range(QMIN, QMAX + 1):
        s = ((q * 1741647) >> 19) - 127
        v = Fraction(table(q)) * two ** s
        assert v <= ten ** q < v + two ** s, q
    sys.stderr.write("pow5.py: the formulas check out\n")


def main():
    if "--check" in sys.argv[1:]:
        check()
    for q in range(QMIN, QMAX + 1):
        t = table(q)
        print("\t{ 0x%016x, 0x%016x },\t/* %d */"
              % (t >> 64, t & ((1 << 64) - 1), q))


main()
