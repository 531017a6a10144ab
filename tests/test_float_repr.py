"""The compiled engine's exact len(repr(float)) without formatting (csrc/floatrepr.h):
it must equal len(repr(x)) wherever it answers, and answer for the floats real frames
hold. Tricky values first (powers of two and ten and their neighbours, the edges of
fixed notation, halfway cases), then random bit patterns and decimals, then hypothesis.
"""

import math
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastvars.core import json
from helpers.sizes import scaled

pytestmark = pytest.mark.c_extension


def _fast():
    from fastvars.core._json import float_repr_length_c

    return float_repr_length_c


def _agrees(x):
    n = _fast()(x)
    assert n == -1 or n == json.float_repr_length(x) == len(repr(x)), (repr(x), x.hex(), n)
    return n >= 0


def _around(x):
    return (x, -x, math.nextafter(x, math.inf), math.nextafter(x, -math.inf))


def test_tricky_values():
    values = [
        0.0,
        0.1,
        0.2,
        0.3,
        0.5,
        1.0,
        2 / 3,
        100.0,
        123456789.123,
        1e15,
        1e16,
        1e-4,
        1e-5,
        1.5e-7,
        9999999999999998.0,
        2.0**52,
        2.0**53,
        2.0**54,
        1e22,
        1e23,
        9.999999999999999e22,
        5e-324,
        2.2250738585072014e-308,
        1.7976931348623157e308,
    ]
    values += [10.0**k for k in range(-320, 309)]
    values += [
        math.ldexp(m, k)
        for k in range(-1074, 1024)
        for m in (1.0, 1.5)
        if math.ldexp(m, k) != math.inf
    ]
    for v in values:
        for x in _around(v):
            _agrees(x)


def test_answers_for_ordinary_floats():
    # The floats frames hold: a few decimals, thirds and sevenths, timings.
    for i in range(1, 5000):
        for x in (i / 7.0, i * 0.1, i * 0.125, i / 3.0, i * 1e-6, i * 1234.5678):
            assert _agrees(x), repr(x)


def test_short_decimals_and_the_edges_of_their_path():
    # floatrepr.h answers a decimal of at most 6 places from N / 10^k directly, below
    # 2^50 once scaled: the decimals on both sides of those limits, and their neighbours.
    for places in range(8):
        limit = 2**50 // 10**places
        for n in (1, 7, 125, 999_999, 10**9 + 7, limit - 1, limit, limit + 1, 10 * limit):
            for x in _around(n / 10**places):
                _agrees(x)


def test_random_bits_and_decimals():
    rnd = random.Random(20240607)
    for _ in range(scaled(100_000)):
        _agrees(struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0])
        _agrees(rnd.random() * 2.0 ** rnd.randint(-60, 60))
        digits = rnd.randint(1, 10 ** rnd.randint(1, 17))
        for x in _around(float(f"{digits}e{rnd.randint(-25, 25)}")):
            _agrees(x)


@settings(max_examples=scaled(20_000))
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_hypothesis(x):
    _agrees(x)
