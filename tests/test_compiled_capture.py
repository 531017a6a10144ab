"""The compiled engine on its own terms: generated frames compared three ways (compiled,
pure Python, posthog), its C string scanners against their Python twins, memory over
100,000 captures, and the fallback when the compiled path raises.

At the default hypothesis profile 4 x 500 = 2,000 generated frames; another profile
scales them (conftest.py, helpers/sizes.py).
"""

import collections
import dataclasses
import gc
import keyword
import math
import os
import re
import sys
import tracemalloc
import types
import unicodedata
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastvars
from fastvars import capture, constants
from fastvars import engine as fv_engine
from fastvars.core import credentials, secret_detection
from helpers.corpus import PATTERN_SETS
from helpers.oracle import fastvars_capture, posthog_capture, raise_and_catch, serialized_exceptions
from helpers.sizes import scaled

pytestmark = pytest.mark.c_extension

EXAMPLES = scaled(500)

Point = collections.namedtuple("Point", "x y")
Login = collections.namedtuple("Login", "user password")


@dataclasses.dataclass
class Settings:
    host: str
    port: int
    api_key: str = "k"


class Account:
    def __init__(self, attrs):
        self.__dict__.update(attrs)


# ------------------------------------------------------------------ strategies

NAMES = st.one_of(
    st.sampled_from(
        [
            "x",
            "data",
            "password",
            "api_key",
            "token",
            "user_dsn",
            "_private",
            "__dunder__",
            "Secret",
            "value_1",
            "conn_str",
            "ok",
            "sig",
            "ıd",
            "ſecret",
        ]
    ),
    st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True),
)
SPECIAL_TEXT = st.sampled_from(
    [
        "",
        "hello",
        "postgresql://admin:hunter2@db:5432/app",
        "redis://:pw@cache/0",
        "https://user@example.com/x",
        "see postgres://a:b@h and mysql://c:d@e/f",
        "Bearer abcdefghijklmnopqrstuvwxyz012345",
        "basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "bearer: 'tok12345678'",
        "the bearer of news",
        "BASIC Zm9vOmJhcg==",
        "ſ://u:p@h",
        "Bearer: ſecretvalue123",
        "ıbearer x",
        "aB3$xY9!qW2@eR5#",
        "deadbeefdeadbeefdeadbeef",
        "123e4567-e89b-12d3-a456-426614174000",
        "/usr/local/lib/python3.11",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_" + "a" * 36,
        "sk_live_abcdefghijklmnop",
        "https://x.blob.core.windows.net/c?sv=1&sig=abc",
        "x" * 1023,
        "y" * 1024,
        "z" * 1025,
        "w" * 2048,
        "v" * 2049,
        "héllo wörld ✓ 日本 \U0001f600",
        '\x00\x1f\x7f"\\\n\t',
        "Kelvin K and ſ",
        "a\u2028b",
    ]
)
TEXT = st.one_of(
    SPECIAL_TEXT,
    st.text(max_size=40),
    st.text(alphabet="abcXYZ019:/@ .-_=+ſıİK'\"", max_size=60),
    st.builds(lambda a, b: a + b, SPECIAL_TEXT, st.text(max_size=20)),
)
FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 5e-324, 1e16, 1.7976931348623157e308, 0.1, math.nan, -math.inf]),
)
INTS = st.one_of(
    st.integers(-(10**6), 10**6), st.integers(), st.sampled_from([2**63, -(2**63), 10**30])
)
SCALARS = st.one_of(st.none(), st.booleans(), INTS, FLOATS, TEXT)
KEYS = st.one_of(
    NAMES,
    TEXT,
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)


def _containers(children):
    return st.one_of(
        st.lists(children, max_size=6),
        st.lists(children, min_size=49, max_size=52).filter(lambda v: True),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(KEYS, children, max_size=6),
        st.builds(Point, children, children),
        st.builds(Login, TEXT, children),
        st.builds(Settings, TEXT, INTS, TEXT),
        st.dictionaries(NAMES, children, min_size=1, max_size=5).map(Account),
    )


VALUES = st.recursive(SCALARS, _containers, max_leaves=25)
LOCALS = st.dictionaries(NAMES, VALUES, max_size=8)


def _frame_raising(local_vars):
    """A real frame holding ``local_vars`` as its locals (generated source, real names;
    Python keywords and names equal after NFKC normalization are left out)."""
    kept = {}
    for name, value in local_vars.items():
        if not keyword.iskeyword(name) and unicodedata.normalize("NFKC", name) not in kept:
            kept[unicodedata.normalize("NFKC", name)] = (name, value)
    local_vars = dict(kept.values())
    names = list(local_vars)
    source = f"def generated({', '.join(names)}):\n    raise ValueError('generated')\n"
    namespace = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    return lambda: namespace["generated"](*local_vars.values())


TOGGLES = [(True, True), (False, True), (True, False), (False, False)]


@pytest.mark.parametrize("toggles", TOGGLES, ids=lambda t: f"url{int(t[0])}-sec{int(t[1])}")
@settings(
    max_examples=EXAMPLES,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
@given(local_vars=LOCALS, patterns=st.sampled_from(["default", "custom", "empty", "case"]))
def test_generated_frames_three_ways(toggles, local_vars, patterns):
    exc_info = raise_and_catch(_frame_raising(local_vars))
    exceptions = serialized_exceptions(exc_info)
    mask, ignore = PATTERN_SETS[patterns]
    before = capture.stats.snapshot()["fallbacks"]
    compiled = fastvars_capture(fv_engine.COMPILED, exceptions, exc_info, mask, ignore, *toggles)
    assert capture.stats.snapshot()["fallbacks"] == before, capture.stats.last_fallback_reason
    python = fastvars_capture(fv_engine.PYTHON, exceptions, exc_info, mask, ignore, *toggles)
    reference = posthog_capture(exceptions, exc_info, mask, ignore, *toggles)
    assert repr(compiled) == repr(python)
    assert repr(compiled) == repr(reference)


# ------------------------------------------------------------------ C scanners vs twins


@settings(max_examples=EXAMPLES)
@given(text=TEXT)
def test_secret_detection_matches_twin(text):
    from fastvars.core import _secret_detection

    assert _secret_detection.looks_like_secret_c(text) == secret_detection.looks_like_secret(text)


@settings(max_examples=EXAMPLES)
@given(text=TEXT, url=st.booleans())
def test_credentials_prefilter_never_misses(text, url):
    from fastvars.core import _credentials

    expected = credentials.redact_embedded_credentials(text, url)
    assert _credentials.redact_embedded_credentials_c(text, url) == expected
    if expected != text:
        assert _credentials.may_need_rewrite(text, url)


URL_ALPHABET = "ab:/@ \t.+-Z9\xa0\x85\xe9\u017f"


@settings(max_examples=EXAMPLES * 2)
@given(
    text=st.one_of(
        st.text(alphabet=URL_ALPHABET, max_size=50),
        st.builds(
            lambda n, rest: "a" * n + "://" + rest,
            st.integers(25, 35),
            st.text(alphabet=URL_ALPHABET, max_size=20),
        ),
    )
)
def test_native_url_rewrite_matches_regex(text):
    """The one-byte URL rewrite in C against credentials.py's regex."""
    from fastvars.core import _credentials

    for url in (True, False):
        expected = credentials.redact_embedded_credentials(text, url)
        assert _credentials.redact_embedded_credentials_c(text, url) == expected


def test_prefilter_case_folding_table_is_complete():
    """Every code point that re.IGNORECASE lets match a letter of 'bearer'/'basic' makes
    the prefilter say "maybe" in that letter's place (its hard-coded fold list)."""
    from fastvars.core import _credentials

    any_letter = re.compile("(?i)[bearsic]")
    for code in range(0x80, sys.maxunicode + 1):
        ch = chr(code)
        if not any_letter.fullmatch(ch):
            continue
        for word in ("bearer", "basic"):
            for index, letter in enumerate(word):
                if re.fullmatch(f"(?i){letter}", ch):
                    probe = word[:index] + ch + word[index + 1 :] + " " + "x" * 10
                    assert _credentials.may_need_rewrite(probe, False), (hex(code), word)


@settings(
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data(), padding=st.sampled_from([0, 40, 300]))
def test_known_formats_survive_the_shortcuts(data, padding):
    """A sample of every known format, alone or inside prose long enough for the literal
    check, is found by the compiled test exactly when the Python twin finds it."""
    from fastvars.compiler.known_secrets import KNOWN_SECRET_FORMATS
    from fastvars.core import _secret_detection

    _, fmt = data.draw(st.sampled_from(KNOWN_SECRET_FORMATS))
    sample = data.draw(st.from_regex(fmt, fullmatch=True).filter(lambda t: t.isascii()))
    prose = "lorem ipsum dolor sit amet, consectetur " * (padding // 40 + 1)
    for text in (sample, prose[:padding] + " " + sample + " " + prose[:padding]):
        expected = secret_detection.looks_like_secret(text)
        assert _secret_detection.looks_like_secret_c(text) == expected


def test_entropy_is_bit_identical():
    from fastvars.core import _secret_detection

    # Strings right at the 3.8-bit threshold, where one ulp would flip the answer.
    for text in ["aB3$xY9!qW2@eR5#", "abcdefghABCD1234", "aaaabbbbccccDDDD1111", "Ab1-" * 4]:
        assert _secret_detection.looks_like_secret_c(text) == secret_detection.looks_like_secret(
            text
        )


def test_constants_match_defaults():
    from fastvars.core import _secret_detection

    assert _secret_detection.token_run_bound() >= 10


# ------------------------------------------------------------------ memory


def _leak_frame(n):
    user = Account({"name": "alice", "password": "hunter2", "age": 33})
    config = {"api_key": "k", "dsn": "postgres://u:p@h/db", "port": n, "ratio": 0.5}
    items = list(range(10))
    payload = {"a": [1, 2, {"b": ("x", None, True)}], "p": Point(1, 2.5)}
    url = "postgres://admin:pw@db/app"
    header = "Bearer abcdefghijklmnopqrstuvwxyz"
    big = 10**40
    raise KeyError("leak")


def _rss_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return None


@pytest.mark.slow  # runs in CI (nothing deselects it); about 10 s
def test_no_growth_over_100k_captures():
    exc_info = raise_and_catch(_leak_frame, 1)
    exceptions = serialized_exceptions(exc_info)
    mask, ignore = PATTERN_SETS["default"]
    attach = fastvars.attach_code_variables
    compiled = fv_engine.COMPILED
    before_fallbacks = capture.stats.snapshot()["fallbacks"]

    def run(count):
        for _ in range(count):
            attach(exceptions, exc_info, mask, ignore, True, True, engine=compiled)

    run(5_000)  # warm caches (names, keys, compiled patterns)
    gc.collect()
    rss_start = _rss_bytes()
    tracemalloc.start()
    try:
        run(2_000)
        gc.collect()
        start, _ = tracemalloc.get_traced_memory()
        run(48_000)
        gc.collect()
        end, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    run(45_000)
    gc.collect()
    rss_end = _rss_bytes()
    assert capture.stats.snapshot()["fallbacks"] == before_fallbacks
    # A reference leaked per capture would be 48,000 objects: megabytes.
    assert end - start < 64 * 1024, (start, end)
    if rss_start is not None:
        assert rss_end - rss_start < 4 * 1024 * 1024, (rss_start, rss_end)
    assert exceptions[0]["stacktrace"]["frames"][-1]["code_variables"]["big"] == 10**40


# ------------------------------------------------------------------ fallback


class _BrokenMatcher:
    has_mask = True
    has_ignore = True

    def classify(self, name):
        raise RuntimeError("broken matcher")

    def mask_search(self, text):
        raise RuntimeError("broken matcher")


def test_error_in_compiled_path_falls_back_to_python():
    exc_info = raise_and_catch(_leak_frame, 3)
    exceptions = serialized_exceptions(exc_info)
    mask, ignore = PATTERN_SETS["default"]
    broken = dataclasses.replace(fv_engine.COMPILED, compile_patterns=lambda m, i: _BrokenMatcher())
    before = capture.stats.snapshot()
    out = fastvars_capture(broken, exceptions, exc_info, mask, ignore, allow_fallback=True)
    after = capture.stats.snapshot()
    assert after["fallbacks"] == before["fallbacks"] + 1
    assert after["captures"] == before["captures"] + 1
    assert after["last_fallback_reason"] == "c engine: RuntimeError: broken matcher"
    expected = fastvars_capture(fv_engine.PYTHON, exceptions, exc_info, mask, ignore)
    assert repr(out) == repr(expected) == repr(posthog_capture(exceptions, exc_info, mask, ignore))


def test_compiled_path_handles_hostile_values_without_fallback():
    """Values the compiled walk hands to the Python twin, one at a time."""

    class Weird(dict):
        pass

    class Text(str):
        pass

    def frame():
        weird = Weird(a=1)
        text = Text("postgres://u:p@h")
        keyed = {(1, 2): "tuple key", Point(1, 2): "nt key"}
        namespace = types.SimpleNamespace(password="x", a=[1, 2])
        raise ValueError("hostile")

    exc_info = raise_and_catch(frame)
    exceptions = serialized_exceptions(exc_info)
    mask, ignore = PATTERN_SETS["default"]
    before = capture.stats.snapshot()["fallbacks"]
    out = fastvars_capture(fv_engine.COMPILED, exceptions, exc_info, mask, ignore)
    assert capture.stats.snapshot()["fallbacks"] == before
    assert repr(out) == repr(posthog_capture(exceptions, exc_info, mask, ignore))


# ------------------------------------------------------------------ the chain walk


class _ComputedLinks(Exception):
    """An exception whose links are computed: both walks must read them alike."""

    reads: ClassVar[list[str]] = []

    @property
    def __context__(self):
        type(self).reads.append("context")
        return KeyError("computed")


def _chains():
    from helpers import corpus

    made = []
    for fn in (corpus.outer_chain, corpus.context_chain):
        made.append(raise_and_catch(fn))
    if sys.version_info >= (3, 11):
        made.append(raise_and_catch(corpus.group_raiser))
        members = [ValueError(str(i)) for i in range(70)]
        nested = ExceptionGroup(  # noqa: F821 (a builtin from 3.11, checked above)
            "outer",
            [
                ExceptionGroup("inner", members[:40]),  # noqa: F821
                *members[40:],
            ],
        )
        made.append((type(nested), nested, None))
    looped = ValueError("a")
    other = KeyError("b")
    looped.__context__, other.__context__ = other, looped
    made.append((ValueError, looped, None))
    suppressed = ValueError("s")
    suppressed.__cause__ = None
    suppressed.__context__ = KeyError("hidden")
    suppressed.__suppress_context__ = True
    made.append((ValueError, suppressed, None))
    made.append((_ComputedLinks, _ComputedLinks(), None))
    made.append((None, None, None))
    return made


def test_exception_tracebacks_compiled_as_run_as_python():
    """planning.py compiled (_planning) walks a chain as planning.py run by Python does:
    the same exceptions, the same attribute reads."""
    from fastvars.core import _planning, planning

    for exc_info in _chains():
        _ComputedLinks.reads.clear()
        python = planning.exception_tracebacks(exc_info)
        python_reads = list(_ComputedLinks.reads)
        _ComputedLinks.reads.clear()
        compiled = _planning.exception_tracebacks(exc_info)
        assert [(id(e), id(t)) for e, t in compiled] == [(id(e), id(t)) for e, t in python] or (
            # a computed link is a new object on every read: compare its kind instead
            [type(e) for e, _ in compiled] == [type(e) for e, _ in python]
        )
        assert _ComputedLinks.reads == python_reads
        assert len(compiled) <= planning.MAX_EXCEPTIONS


def test_compiled_planner_matches_its_source_run_as_python():
    """The compiled engine's planner (_planning, planning.py compiled) against
    planning.py run by Python, driving the same compiled steps, on chains (own
    tracebacks, a context, a group) and a plain stack."""
    from fastvars.core import _planning, planning
    from helpers import corpus

    assert fv_engine.COMPILED.planner is _planning
    assert _planning.NotPlain is planning.NotPlain  # capture.py recognises either's
    twin = dataclasses.replace(fv_engine.COMPILED, planner=planning)
    makers = [corpus.outer_chain, corpus.context_chain, corpus.level1]
    if sys.version_info >= (3, 11):
        makers.append(corpus.group_raiser)
    for make in makers:
        exc_info = raise_and_catch(make)
        exceptions = serialized_exceptions(exc_info)
        got = [
            fastvars_capture(
                engine,
                exceptions,
                exc_info,
                list(constants.DEFAULT_MASK_PATTERNS),
                list(constants.DEFAULT_IGNORE_PATTERNS),
            )
            for engine in (fv_engine.COMPILED, twin)
        ]
        assert got[0] == got[1]
        assert any(
            "code_variables" in frame
            for e in got[0]
            for frame in e.get("stacktrace", {}).get("frames", [])
        )
