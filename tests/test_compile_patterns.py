"""compile_patterns(): each bit set exactly when posthog's matcher for that list matches."""

import pytest
from posthog import exception_utils as ph

import fastvars
from helpers.corpus import PATTERN_SETS

NAMES = [
    "password",
    "PASSWORD",
    "user_password",
    "api_key",
    "apiKey",
    "x",
    "__init__",
    "_x",
    "temp_file",
    "cache_key",
    "café",
    "ſecret",
    "tokenizer",
    "conn_str",
    "dsn",
    "num",
    "",
    "a" * 500,
    "Authorization",
    "KELVIN\u212a",
    "sk_live",
    "?sig=",
    "debug_mode",
    "client_secret",
    "private_key",
    "LOCAL_var",
    "a1",
    "a10",
]


def _posthog_bits(mask, ignore, name):
    m = ph._build_matcher(ph._compile_patterns(mask or []))
    i = ph._build_matcher(ph._compile_patterns(ignore or []))
    return (fastvars.IGNORE if ph._matcher_matches(name, i) else 0) | (
        fastvars.MASK if ph._matcher_matches(name, m) else 0
    )


@pytest.mark.parametrize("patterns", list(PATTERN_SETS), ids=str)
def test_classify_equals_posthog(engine, patterns):
    mask, ignore = PATTERN_SETS[patterns]
    matcher = engine.compile_patterns(mask, ignore)
    expected = [_posthog_bits(mask, ignore, name) for name in NAMES]
    assert [matcher.classify(name) for name in NAMES] == expected
    assert matcher.classify_many(NAMES) == expected
    assert matcher.classify_many(NAMES) == expected  # from the cache


def test_bits_are_distinct():
    assert fastvars.IGNORE & fastvars.MASK == 0
    matcher = fastvars.compile_patterns(["(?i)secret"], ["^_"])
    assert matcher.classify("_secret") == fastvars.IGNORE | fastvars.MASK
    assert matcher.classify("plain") == 0


def test_same_lists_share_a_compiled_matcher(engine):
    a = engine.compile_patterns(["(?i)password"], ["^__.*"])
    b = engine.compile_patterns(("(?i)password",), ("^__.*",))
    assert a is b
