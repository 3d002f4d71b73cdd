#!/usr/bin/python3
"""Write the .npy files that tests/npy.bats reads, into this folder.

Run once by hand (it needs numpy; the tests never run Python):

    /usr/bin/python3 tests/data/npy/gen.py

Good files NAME.npy come with NAME.expect: the array as catmat prints
it -- CSV rows, each number as Python's repr(float(v)) without the
".0" of whole numbers, the 2-D blocks of a 3-D or 4-D array separated
by a blank line.  Bad files are named bad_*.npy; tests/npy.bats holds
the message each must give.  hdr_*.bin are numpy's own headers for
'<f8' arrays of a few shapes, to compare npy_header() with.

Integer values are chosen so that converting them to double is exact
(|v| <= 2^53, or a multiple of the double spacing near 2^63 and 2^64):
a C conversion of an inexact one may round either way.
"""
import io
import os
import struct

import numpy as np
from numpy.lib import format as npformat

HERE = os.path.dirname(os.path.abspath(__file__))


def num(v):
    """v as catmat prints it: repr(float(v)) without a trailing '.0'."""
    r = repr(float(v))
    return r[:-2] if r.endswith(".0") else r


def expect_text(values, shape):
    """The catmat text of values (Python numbers, C order) of shape."""
    if len(shape) == 0:
        return num(values[0]) + "\n"
    if len(values) == 0:
        return ""
    cols = shape[-1]
    rows = [values[i:i + cols] for i in range(0, len(values), cols)]
    lines = [",".join(num(v) for v in row) for row in rows]
    if len(shape) <= 2:
        return "\n".join(lines) + "\n"
    per_block = shape[-2]
    blocks = ["\n".join(lines[i:i + per_block])
              for i in range(0, len(lines), per_block)]
    if len(shape) == 4:
        # each sequence of a 4-D array begins with "# sequence b"
        blocks = [("# sequence %d\n" % (i // shape[1]) if i % shape[1] == 0
                   else "") + b for i, b in enumerate(blocks)]
    return "\n\n".join(blocks) + "\n"


def save(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def good(name, a, version=None):
    """Write a with numpy, and its .expect from the same values."""
    buf = io.BytesIO()
    npformat.write_array(buf, a, version=version, allow_pickle=False)
    save(name + ".npy", buf.getvalue())
    # .item() gives exact Python ints for i8/u8, floats for f2-f8.
    values = [v.item() if hasattr(v, "item") else v
              for v in np.ascontiguousarray(a).reshape(-1)]
    save(name + ".expect", expect_text(values, a.shape).encode())


def raw(name, header, data=b"", version=(1, 0), length=None):
    """A file with a hand-written header (text, used as is)."""
    h = header.encode("utf-8" if version == (3, 0) else "latin-1")
    n = len(h) if length is None else length
    size = struct.pack("<H" if version == (1, 0) else "<I", n)
    save(name + ".npy", b"\x93NUMPY" + bytes(version) + size + h + data)


def raw_good(name, header, data, values, shape):
    raw(name, header, data)
    save(name + ".expect", expect_text(values, shape).encode())


# Six values per dtype, each exercising its range; 2x3 so that Fortran
# order shows up as a transposition.
VALUES = {
    "f2": [1, -2.5, 65504, 2.0**-24, np.inf, np.nan],
    "f4": [0.1, -2.5, 3.4028234663852886e38, 2.0**-149, np.inf, np.nan],
    "f8": [0.1, -2.5, 1.7976931348623157e308, 5e-324, -np.inf, np.nan],
    "i1": [0, 1, -1, 127, -128, 42],
    "i2": [0, -1, 32767, -32768, 1000, -300],
    "i4": [0, -1, 2147483647, -2147483648, 123456, -7],
    "i8": [0, -1, 2**53, -2**63, 2**63 - 1024, 123456789],
    "u1": [0, 1, 255, 128, 7, 200],
    "u2": [0, 1, 65535, 32768, 1000, 42],
    "u4": [0, 1, 4294967295, 2147483648, 123456, 42],
    "u8": [0, 1, 2**64 - 2048, 2**63, 2**53, 42],
    "b1": [True, False, True, True, False, False],
}


def per_dtype():
    for code, vals in VALUES.items():
        base = np.array(vals, dtype="?" if code == "b1" else code)
        base = base.reshape(2, 3)
        orders = [("", "|")] if base.itemsize == 1 else \
            [("_le", "<"), ("_be", ">")]
        for suffix, bo in orders:
            a = base if bo == "|" else base.astype(bo + code)
            good(code + suffix + "_c", a)
            good(code + suffix + "_f", np.asfortranarray(a))


def shapes_and_versions():
    # Halves: signed zeros, the extremes, the smallest normal, the
    # smallest subnormal and a bigger one, an inexact 0.1, infinities.
    halves = [0, -0.0, 1, -2.5, 65504, -65504, 2.0**-14, 2.0**-24,
              1023 * 2.0**-24, 0.1, np.inf, -np.inf, np.nan]
    good("f2_special", np.array(halves, dtype="<f2"))
    good("f8_0d", np.array(3.5))
    good("f8_1d", np.array([1, -2, 0.5, 1e-05, 1e16]))
    good("i2_1d_be", np.array([1, -2, 300, -32768, 32767], dtype=">i2"))
    a3 = np.arange(12, dtype="<f4").reshape(2, 2, 3) - 5.5
    good("f4_3d_c", a3)
    good("f4_3d_f", np.asfortranarray(a3))
    a4 = (np.arange(48, dtype="<i2") - 24).reshape(2, 3, 2, 4)
    good("i2_4d_c", a4)
    good("i2_4d_f", np.asfortranarray(a4))
    good("f8_empty", np.zeros((0, 3)))
    v = np.array([[1.5, -2, 3], [4, 5, -6.25]])
    good("f8_v2", v, version=(2, 0))
    good("f8_v3", v, version=(3, 0))
    good("f4_v3_f", np.asfortranarray(v.astype("<f4")), version=(3, 0))


def hand_written():
    le = struct.pack("<6i", 1, -2, 3, -4, 5, -6)
    # '=' is the native order; the data are little-endian, as on every
    # host these tests run on.
    raw_good("hdr_native", "{'descr': '=i4', 'fortran_order': False, "
             "'shape': (2, 3), }\n", le, [1, -2, 3, -4, 5, -6], (2, 3))
    # '?' is numpy's short name for bool; any non-zero byte is true.
    raw_good("hdr_bool_q", "{'descr': '?', 'fortran_order': False, "
             "'shape': (4,), }\n", bytes([0, 1, 2, 255]), [0, 1, 1, 1],
             (4,))
    # Double quotes, keys in another order, no trailing comma, no
    # spaces; Fortran order, so the stored 1..6 read as [[1,3,5],[2,4,6]].
    raw_good("hdr_dquote", '{"shape":(2,3),"fortran_order":True,'
             '"descr":"<f8"}\n', struct.pack("<6d", 1, 2, 3, 4, 5, 6),
             [1, 3, 5, 2, 4, 6], (2, 3))
    # Spaces, a tab and a newline between tokens, trailing commas.
    raw_good("hdr_spaces", "{ 'fortran_order' :\tFalse ,'descr':'>u2' ,\n"
             " 'shape' : ( 2 , 3 , ) , }  \n",
             struct.pack(">6H", 1, 2, 3, 4, 5, 65535),
             [1, 2, 3, 4, 5, 65535], (2, 3))
    # Python 2 numpy wrote long integers with an L.
    raw_good("hdr_py2", "{'descr': '<i4', 'fortran_order': False, "
             "'shape': (2L, 3L), }\n", le, [1, -2, 3, -4, 5, -6], (2, 3))
    # Not padded to 64 bytes and no final newline: still a valid dict.
    raw_good("hdr_noalign", "{'descr':'<i1','fortran_order':False,"
             "'shape':(3,)}", bytes([1, 0xff, 0x80]), [1, -1, -128], (3,))
    # A 1-D array in Fortran order is laid out as in C order.
    raw_good("hdr_1d_fortran", "{'descr': '<u1', 'fortran_order': True, "
             "'shape': (4,), }\n", bytes([9, 8, 7, 6]), [9, 8, 7, 6], (4,))
    # Bytes after the data are ignored, as numpy ignores them.
    raw_good("hdr_trailing", "{'descr': '<i1', 'fortran_order': False, "
             "'shape': (2,), }\n", bytes([5, 6, 7, 8]), [5, 6], (2,))


def bad():
    def np_file(name, a, allow_pickle=False):
        buf = io.BytesIO()
        npformat.write_array(buf, a, allow_pickle=allow_pickle)
        save(name + ".npy", buf.getvalue())

    np_file("bad_c8", np.array([1 + 2j], dtype="<c8"))
    np_file("bad_c16", np.array([1 + 2j], dtype="<c16"))
    np_file("bad_object", np.array([1, "a"], dtype=object), True)
    np_file("bad_struct", np.zeros(1, dtype=[("a", "<i4"), ("b", "<f8")]))
    np_file("bad_unicode", np.array(["hello"]))
    np_file("bad_bytes", np.array([b"abc"]))
    np_file("bad_datetime", np.array(["2020-01-01"], dtype="<M8[ns]"))
    np_file("bad_timedelta", np.array([1], dtype="<m8[s]"))
    np_file("bad_5d", np.zeros((1, 2, 1, 2, 1)))
    # numpy's longdouble is '<f16' on x86-64 Linux, '<f12' on i386.
    raw("bad_f16", "{'descr': '<f16', 'fortran_order': False, "
        "'shape': (1,), }\n", bytes(16))
    raw("bad_f12", "{'descr': '<f12', 'fortran_order': False, "
        "'shape': (1,), }\n", bytes(12))

    buf = io.BytesIO()
    npformat.write_array(buf, np.zeros((2, 3), dtype="<f4"))
    whole = buf.getvalue()
    save("bad_truncated.npy", whole[:len(whole) - 24 + 10])
    save("bad_magic.npy", b"\x93NUMPX" + whole[6:])
    save("bad_version.npy", whole[:6] + b"\x04\x00" + whole[8:])
    save("bad_preamble.npy", whole[:9])
    raw("bad_hlen", "{'descr': '<f8', 'fortran_order': False, "
        "'shape': (1,), }\n", length=200)

    f8 = "'fortran_order': False, 'shape': (1,), }\n"
    raw("bad_equals", "{'descr'= '<f8', " + f8, bytes(8))
    raw("bad_garbage", "\x01\x02 not a dict\n", bytes(8))
    raw("bad_key", "{'descr': '<f8', 'order': 'C', " + f8, bytes(8))
    raw("bad_dupkey", "{'descr': '<f8', 'descr': '<f8', " + f8, bytes(8))
    raw("bad_nokey", "{'descr': '<f8', 'fortran_order': False, }\n",
        bytes(8))
    raw("bad_fortran", "{'descr': '<f8', 'fortran_order': 0, "
        "'shape': (1,), }\n", bytes(8))
    raw("bad_shape1", "{'descr': '<f8', 'fortran_order': False, "
        "'shape': (5), }\n", bytes(40))
    raw("bad_negdim", "{'descr': '<f8', 'fortran_order': False, "
        "'shape': (-1, 3), }\n", bytes(8))
    raw("bad_unterminated", "{'descr': '<f8}\n", bytes(8))
    raw("bad_after", "{'descr': '<f8', " + f8[:-1] + " x\n", bytes(8))
    raw("bad_descr_int", "{'descr': 8, " + f8, bytes(8))
    raw("bad_comma", "{'descr': '<f8' 'fortran_order': False, "
        "'shape': (1,), }\n", bytes(8))
    # written by hand only, which numpy.load takes and selfattn refuses
    # (man page): a type named in words, +2 and 2_0 as dimensions, a
    # comment after the dict
    loose = {
        "bad_dtypeword": "{'descr': 'float64', " + f8,
        "bad_plusdim": "{'descr': '<f8', 'fortran_order': False, "
                       "'shape': (+1,), }\n",
        "bad_underdim": "{'descr': '<f8', 'fortran_order': False, "
                        "'shape': (1_0,), }\n",
        "bad_comment": "{'descr': '<f8', " + f8[:-1] + " # one\n",
    }
    for name, header in loose.items():
        n = 10 if "1_0" in header else 1
        raw(name, header, bytes(8 * n))
        assert np.load(os.path.join(HERE, name + ".npy")).shape == (n,)


def headers():
    """numpy's headers of '<f8' C-order arrays, for npy_header()."""
    shapes = {"2x3": (2, 3), "5": (5,), "0d": (), "1x2x3x4": (1, 2, 3, 4),
              "100000x7": (100000, 7),
              # dict + growth room + '\n' come to exactly 192 bytes with
              # the preamble, so numpy adds a whole 64 bytes of spaces.
              "aligned": (1, 99999999999, 999999999999, 999999999999)}
    for tag, shape in shapes.items():
        buf = io.BytesIO()
        npformat.write_array_header_1_0(
            buf, {"descr": "<f8", "fortran_order": False, "shape": shape})
        save("hdr_" + tag + ".bin", buf.getvalue())


def main():
    for f in os.listdir(HERE):
        if f.endswith((".npy", ".expect", ".bin")):
            os.remove(os.path.join(HERE, f))
    per_dtype()
    shapes_and_versions()
    hand_written()
    bad()
    headers()


if __name__ == "__main__":
    main()
