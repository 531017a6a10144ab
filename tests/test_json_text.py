"""The compiled JSON string writer (_json.emit_str) against json.dumps: it copies plain
text eight bytes at a time and escapes the rest, so every character that needs an escape
is tried at every offset of the eight-byte word, in keys and in values."""

import json
import random

import pytest

from fastvars import engine as fv_engine
from helpers.sizes import scaled

pytestmark = pytest.mark.c_extension

# Every one-byte character that json escapes or that borders one in the word tests.
BORDER = [
    chr(c)
    for c in list(range(0x21))
    + [0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7E, 0x7F, 0x80, 0x81, 0xA0, 0xFF]
]


@pytest.fixture(scope="module")
def text_of():
    from fastvars.core._masking import masked_text_c

    engine = fv_engine.COMPILED
    # No patterns, no URL or secret rules: every string comes out as it went in.
    policy = engine.make_policy(engine.compile_patterns((), ()), False, False)
    return lambda value: masked_text_c(policy, value)


def test_every_escape_at_every_offset(text_of):
    for length in range(25):
        for offset in range(length):
            for char in BORDER:
                text = "a" * offset + char + "b" * (length - offset - 1)
                assert text_of([text]) == json.dumps([text]), repr(text)
                assert text_of({text: 1}) == json.dumps({text: 1}), repr(text)


def test_plain_runs_of_every_length(text_of):
    for length in range(70):
        text = "".join(chr(0x20 + (i * 7) % 95) for i in range(length))
        assert text_of([text]) == json.dumps([text])


def test_random_one_byte_and_wider_text(text_of):
    rng = random.Random(20261126)
    alphabets = [
        "".join(chr(c) for c in range(256)),
        'abc"\\\n\t é',
        "abc\u20ac\u00ff",
        "ab\U0001f600\ud800",
    ]
    for _ in range(scaled(3000)):
        alphabet = rng.choice(alphabets)
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(40)))
        assert text_of([text, text]) == json.dumps([text, text]), repr(text)
