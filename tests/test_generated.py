"""Hypothesis-generated frames: fastvars must equal posthog on every one of them.

1,000 cases per engine at the default hypothesis profile (2,000 a run); another profile
scales them (conftest.py, helpers/sizes.py).
The 2,048-character edge is in the named corpus, not here: posthog's own regex scan of
it with `.*word.*` patterns is quadratic and would dominate the run.
"""

import collections
import dataclasses
import keyword
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.corpus import DOCS_MASK, PATTERN_SETS
from helpers.oracle import (
    code_variables,
    fastvars_capture,
    posthog_capture,
    raise_and_catch,
    serialized_exceptions,
)
from helpers.sizes import scaled

EXAMPLES = scaled(1000)

Pair = collections.namedtuple("Pair", "left password")


@dataclasses.dataclass
class Record:
    ident: int
    secret: str = "s3"


class Bag:
    def __init__(self, **attrs):
        self.__dict__.update(attrs)


INTERESTING_TEXT = [
    "",
    "hello",
    "postgresql://admin:hunter2@db:5432/app",
    "https://user@example.com/x",
    "redis://:pw@cache",
    "Bearer abcdefghijklmnopqrstuvwx",
    "bearer: 'abcdefghijklmnop'",
    "Basic YTpi",
    "basicConfig",
    "the bearer of",
    "aB3$xY9!qW2@eR5#zz",
    "0123456789abcdef0123456789abcdef",
    "123e4567-e89b-12d3-a456-426614174000",
    "/usr/local/lib/python",
    "C:\\Users\\me",
    "sk-ant-abcdefghijklmnopqrstu",
    "AKIAIOSFODNN7EXAMPLE",
    "xoxb-1234567890-abc",
    "-----BEGIN PRIVATE KEY-----",
    "my password is x",
    "?sig=abc&x",
    "ſecret",
    "KELVIN \u212a",
    "İstanbul",
    "x" * 1021,
    "y" * 1025,
    "z" * 1100,
    "w" * 2049,
    "é" * 600,
    "\x00\x1f\u2028\ud7ff",
]

NAMES = st.one_of(
    st.sampled_from(
        [
            "password",
            "api_key",
            "x",
            "token_1",
            "café",
            "ſecret",
            "AUTH",
            "user",
            "dsn",
            "_private",
            "__dunder",
            "temp_a",
            "cache_b",
            "value",
            "PASSWORD",
            "my_pwd",
            "sig",
            "conn_str",
            "n",
            "data",
            "payload",
        ]
    ),
    st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,10}", fullmatch=True).filter(
        lambda name: not keyword.iskeyword(name)  # `or = ...` would not compile
    ),
)

texts = st.one_of(
    st.sampled_from(INTERESTING_TEXT),
    st.text(max_size=40),
    st.text(alphabet="abcdefABCDEF0123456789$!@#-_./:", min_size=14, max_size=30),
)
keys = st.one_of(
    texts,
    st.sampled_from(["password", "token", "ok", "password=hunter2", "a.b-c"]),
    st.integers(-5, 5),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.tuples(st.integers(0, 3), texts),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**20, max_value=10**40),
    st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 5e-324, 1e16, 0.1]),
    texts,
)


def _containers(children):
    return st.one_of(
        st.lists(children, max_size=8),
        st.lists(st.integers(0, 9), min_size=49, max_size=52),
        st.tuples(children, children),
        st.dictionaries(keys, children, max_size=6),
        st.builds(Pair, children, children),
        st.builds(Record, st.integers(), texts),
        st.builds(lambda a, b: Bag(alpha=a, token=b), children, children),
    )


values = st.recursive(scalars, _containers, max_leaves=30)
frames_locals = st.dictionaries(NAMES, values, max_size=10)
pattern_sets = st.sampled_from(
    [
        PATTERN_SETS["default"],
        (DOCS_MASK, ["^__.*"]),
        PATTERN_SETS["custom"],
        PATTERN_SETS["empty"],
        PATTERN_SETS["case"],
    ]
)


def _raise_with_locals(local_values):
    """A real frame whose locals are exactly the generated ones (plus the carrier)."""
    names = list(local_values)
    body = "".join(f"    {name} = __v[{i}]\n" for i, name in enumerate(names))
    source = f"def generated(__v):\n{body}    raise ValueError('generated')\n"
    namespace = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    return raise_and_catch(namespace["generated"], [local_values[n] for n in names])


@settings(
    max_examples=EXAMPLES,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    database=None,
)
@given(local_values=frames_locals, patterns=pattern_sets, url=st.booleans(), secrets=st.booleans())
def _check_generated(engine, local_values, patterns, url, secrets):
    exc_info = _raise_with_locals(local_values)
    exceptions = serialized_exceptions(exc_info)
    mask, ignore = patterns
    expected = posthog_capture(exceptions, exc_info, mask, ignore, url, secrets)
    actual = fastvars_capture(engine, exceptions, exc_info, mask, ignore, url, secrets)
    assert repr(code_variables(actual)) == repr(code_variables(expected))


def test_generated_frames_match_posthog(engine):
    _check_generated(engine)
