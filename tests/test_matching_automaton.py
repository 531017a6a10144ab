"""Both matchers against posthog's own: fixed sets, edge cases, unicode, secrets."""

import logging
import re

import pytest
from posthog import exception_utils as ph

from fastvars import compiler
from fastvars.constants import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS
from fastvars.core import secret_detection
from helpers import implementations
from helpers.corpus import DOCS_MASK


def posthog_bits(mask, ignore, name):
    """IGNORE | MASK as posthog 7.91.1 decides them, with its own matcher functions."""
    mask_m = ph._build_matcher(ph._compile_patterns(mask))
    ignore_m = ph._build_matcher(ph._compile_patterns(ignore))
    return (1 if ph._matcher_matches(name, ignore_m) else 0) | (
        2 if ph._matcher_matches(name, mask_m) else 0
    )


def posthog_matchers(mask, ignore):
    return ph._build_matcher(ph._compile_patterns(mask)), ph._build_matcher(
        ph._compile_patterns(ignore)
    )


SPECIALS = ["\u017f", "\u212a", "\u0130", "\u0131"]
NAMES = [
    "",
    "x",
    "password",
    "PASSWORD",
    "user_Password",
    "__init__",
    "_",
    "__",
    "_private",
    "api_key",
    "ApiKey",
    "my_token_value",
    "dsn",
    "DSN",
    "url?sig=abc",
    "a&sig=",
    "sk_live",
    "connection_string",
    "conn_str",
    "normal_name",
    "é_password",
    "pässwörd",
    "x\n",
    "\n",
    "__x\n",
    "p\u017fssword",
    "\u212aey",
    "\u0130d",
    "token\u0131",
    "\U0001f600token",
    "a" * 5000,
    "password" * 300,
    "\u00e9" * 300 + "secret",
    "tok\u2003en",
    "t\u00f6ken",
]


impl = implementations.twin_fixture("fastvars.core.matching", "fastvars.core._matching")
# The known-format search is secret_detection's (the compiled one in _secret_detection).
secrets_impl = implementations.twin_fixture(
    "fastvars.core.secret_detection", "fastvars.core._secret_detection"
)


def check(impl, mask, ignore, names):
    matcher = impl.Matcher(mask, ignore)
    mask_m = ph._build_matcher(ph._compile_patterns(mask))
    for name in names:
        expected = posthog_bits(mask, ignore, name)
        assert matcher.classify(name) == expected, (mask, ignore, name)
        assert matcher.classify(name) == expected  # cached
        assert matcher.mask_search(name) == ph._matcher_matches(name, mask_m), (mask, name)
    assert matcher.classify_many(names) == [posthog_bits(mask, ignore, n) for n in names]


def test_default_patterns(impl):
    check(impl, DEFAULT_MASK_PATTERNS, DEFAULT_IGNORE_PATTERNS, NAMES + SPECIALS)


def test_docs_patterns(impl):
    # posthog's `.*word.*` is quadratic on long names: keep its side of the check short.
    names = [n for n in NAMES if len(n) <= 600] + SPECIALS + ["a" * 600 + "Token"]
    check(impl, DOCS_MASK, ["^__.*", "(?i)^_debug"], names)


def test_anchors_flags_and_residual(impl):
    mask = [
        r"a$",
        r"(?m)^x",
        r"\bfoo",
        r"\w+\d",
        r"(?i)[^a-z]z",
        r"a{2,4}b",
        r"\s\S",
        r"x(?=y)",
        r"(?s)a.b",
        r"\Aq",
        r"z\Z",
        r"(?i:K)ey",
        r"(?a)\w\W",
        r"(?x) a b ",
        r"(?ix)pw d",
        r"(\w)\1",
        r"a*+a",
        r"(?>b*)b",
        r"[\d-]{3}",
        "(?m)end$",
    ]
    names = (
        NAMES
        + SPECIALS
        + [
            "a\n",
            "a\n\n",
            "b\nx",
            "foo",
            "afoo",
            "q",
            "zq",
            "z\n",
            "a\nb",
            "axb",
            "\u00e93",
            "\u0663\u0663",
            "\u2003x",
            "Ke",
            "\u212aey",
            "ab",
            "aab",
            "pw d",
            "pwd",
            "1-2",
            "end\n",
        ]
    )
    check(impl, mask, [r"(?m)^_$", r"^\s*$"], names)


def test_catastrophic_patterns_are_linear(impl):
    if not impl.__name__.endswith("_matching"):
        pytest.skip("the pure-Python twin backtracks like posthog")
    matcher = impl.Matcher([r"(a+)+$", r"(x+x+)+y"], [])
    # Both on the automaton, none left to re's backtracking: one pass per name, linear by
    # construction (the speed itself is bench/bench_matching.py's to measure).
    assert matcher.stats()["residual_patterns"] == 0
    assert matcher.classify("a" * 5000 + "!") == 0
    assert matcher.classify("x" * 5000 + "z") == 0
    assert matcher.classify("a" * 5000 + "\n") == 2
    assert matcher.classify("x" * 5000 + "y") == 2


def test_empty_and_invalid(impl, caplog):
    empty = impl.Matcher([], [])
    assert not empty.has_mask and not empty.has_ignore
    assert empty.classify("password") == 0 and not empty.mask_search("password")
    with caplog.at_level(logging.WARNING, logger="fastvars"):
        bad = impl.Matcher(["[unclosed-" + impl.__name__, "(?L)x", "a{2,1}"], ["(?<=a+)b"])
    assert not bad.has_mask and not bad.has_ignore
    assert sum("[unclosed-" + impl.__name__ in r.getMessage() for r in caplog.records) == 1
    with pytest.raises(TypeError):
        impl.Matcher([b"password"], [])
    with pytest.raises(TypeError):
        impl.compile_patterns(["ok", 3], None)


def test_compile_patterns_is_cached_by_content(impl):
    first = impl.compile_patterns(["(?i)abc"], ("^__",))
    assert impl.compile_patterns(("(?i)abc",), ["^__"]) is first
    assert impl.compile_patterns(None, None).has_mask is False
    assert first.mask_patterns == ("(?i)abc",) and first.ignore_patterns == ("^__",)


def test_name_cache_is_bounded(impl):
    matcher = impl.Matcher(["(?i)pass"], [])
    for i in range(impl.NAME_CACHE_SIZE * 2 + 5):
        assert matcher.classify(f"pass{i}") == 2
    cache = getattr(matcher, "_cache", None)
    if cache is not None:
        assert len(cache) <= impl.NAME_CACHE_SIZE


def test_str_subclass_is_not_cached(impl):
    class Weird(str):
        def lower(self):
            return "password"

    matcher = impl.Matcher(["(?i)password"], [])
    assert matcher.classify(Weird("x")) == 2
    assert matcher.classify("x") == 0


def test_special_code_points_are_complete():
    """Every non-ASCII code point that IGNORECASE or str.lower() relates to ASCII."""
    any_ascii = re.compile(r"(?i)[\x00-\x7f]")
    found = tuple(
        c
        for c in range(0x80, 0x110000)
        if any_ascii.match(chr(c)) or any(ord(x) < 128 for x in chr(c).lower())
    )
    assert found == compiler.CASE_FOLD_CODE_POINTS


def test_unicode_categories_match_sre(impl):
    """The C loop's \\w \\d \\s table of the BMP against sre, every code point."""
    if not impl.__name__.endswith("_matching"):
        pytest.skip("the table is the compiled module's")
    for escape in (r"\w", r"\d", r"\s", r"\W", r"[^\d\s]"):
        matcher = impl.Matcher([escape], [])
        regex = re.compile(escape)
        text = [chr(c) for c in range(0x80, 0x10000) if not 0xD800 <= c < 0xE000]
        got = [bits == 2 for bits in matcher.classify_many(text, cache=False)]
        want = [regex.match(ch) is not None for ch in text]
        assert got == want, escape


@pytest.mark.parametrize(
    "text",
    [
        "",
        "sk-ant-" + "a" * 16,
        "sk-" + "x" * 19,
        "sk-" + "x" * 20,
        "AKIA" + "A" * 16,
        "eyJ" + "a" * 10 + "." + "b" * 10 + "." + "c" * 6,
        "eyJ" + "a" * 10 + "." + "b" * 9,
        "f" * 32 + "-us1",
        "E" * 32 + "-us1",
        "xoxb-1234567890",
        "SG." + "a" * 22 + "." + "b" * 43,
        "disk-usage-" + "a" * 30,
        "\u017fk-" + "a" * 30,
    ],
)
def test_known_secrets(secrets_impl, text):
    found = secrets_impl.contains_known_secret(text)
    assert found == (ph._KNOWN_SECRET_RE.search(text) is not None)


def test_known_secret_table_is_posthogs():
    assert secret_detection.KNOWN_SECRET_RE.pattern == ph._KNOWN_SECRET_RE.pattern
