"""Name classification: fastvars' automaton against posthog's matcher pair.

Run: pytest bench/bench_matching.py --benchmark-only
Every benchmark classifies the same NAMES (per-name time = median / len(NAMES)).
"""

import pytest
from posthog import exception_utils as ph

from fastvars.constants import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS
from fastvars.core import _matching, _secret_detection, matching

# The documentation's form of the default words, `.*word.*` (every default pattern but
# the query-string one, each a case-insensitive word).
DOCS_MASK = [f"(?i).*{pattern.removeprefix('(?i)')}.*" for pattern in DEFAULT_MASK_PATTERNS[:20]]
USER_MASK = [f"(?i){w}" for w in ("password", "secret", "token", "api_key", "dsn")] + [
    f"(?i)^{p}_{i}$" if i % 3 == 0 else (f"{p}[_-]?{i}" if i % 3 == 1 else f"(?i){p}{i}x")
    for i in range(32)
    for p in ("cred", "key", "sess")
][:95]
SETS = {
    "default": (list(DEFAULT_MASK_PATTERNS), list(DEFAULT_IGNORE_PATTERNS)),
    "docs": (DOCS_MASK, list(DEFAULT_IGNORE_PATTERNS)),
    "user100": (USER_MASK, list(DEFAULT_IGNORE_PATTERNS)),
}
NAMES = [
    "self",
    "request",
    "response",
    "user",
    "user_id",
    "username",
    "password",
    "api_key",
    "config",
    "settings",
    "result",
    "data",
    "items",
    "i",
    "j",
    "key",
    "value",
    "token",
    "access_token",
    "session",
    "db_connection_string",
    "dsn",
    "url",
    "headers",
    "payload",
    "exc",
    "e",
    "err",
    "__class__",
    "__name__",
    "logger",
    "count",
    "total",
    "index",
    "filename",
    "path",
    "content",
    "body",
    "status_code",
    "timeout",
    "retries",
    "client",
    "secret_key",
    "private_key",
    "auth_header",
    "cursor",
    "row",
    "rows",
    "query",
    "params",
    "kwargs",
    "args",
    "callback",
    "handler",
    "event",
    "context",
    "ctx",
    "state",
    "buffer",
    "chunk_size",
    "max_length",
    "is_valid",
    "has_error",
    "created_at",
    "updated_at",
    "sk_live",
]


def posthog_classify(mask, ignore):
    mask_m = ph._build_matcher(ph._compile_patterns(mask))
    ignore_m = ph._build_matcher(ph._compile_patterns(ignore))
    matches = ph._matcher_matches

    def run(names):
        return [
            (1 if matches(n, ignore_m) else 0) | (2 if matches(n, mask_m) else 0) for n in names
        ]

    return run


@pytest.mark.parametrize("set_name", list(SETS))
def test_posthog_pair(benchmark, set_name):
    run = posthog_classify(*SETS[set_name])
    benchmark.group = f"classify {set_name}"
    benchmark(run, NAMES)


@pytest.mark.parametrize("set_name", list(SETS))
def test_fastvars_cold(benchmark, set_name):
    matcher = _matching.Matcher(*SETS[set_name])
    assert matcher.classify_many(NAMES, cache=False) == posthog_classify(*SETS[set_name])(NAMES)
    benchmark.group = f"classify {set_name}"
    benchmark(matcher.classify_many, NAMES, False)


@pytest.mark.parametrize("set_name", list(SETS))
def test_fastvars_cached(benchmark, set_name):
    matcher = _matching.Matcher(*SETS[set_name])
    matcher.classify_many(NAMES)
    benchmark.group = f"classify {set_name}"
    benchmark(matcher.classify_many, NAMES)


@pytest.mark.parametrize("set_name", list(SETS))
def test_python_twin_cold(benchmark, set_name):
    matcher = matching.Matcher(*SETS[set_name])
    benchmark.group = f"classify {set_name}"
    benchmark(lambda: [matcher._classify_uncached(n) for n in NAMES])


@pytest.mark.parametrize("set_name", list(SETS))
def test_compile(benchmark, set_name):
    benchmark.group = "compile"
    benchmark(_matching.Matcher, *SETS[set_name])


@pytest.mark.parametrize("pattern,char,tail", [("(a+)+$", "a", "!"), ("(x+x+)+y", "x", "z")])
@pytest.mark.parametrize("length", [30, 300, 1000, 5000])
def test_catastrophic_linear(benchmark, pattern, char, tail, length):
    matcher = _matching.Matcher([pattern], [])
    name = char * length + tail
    benchmark.group = f"linear {pattern}"
    assert benchmark(matcher.classify_many, [name], False) == [0]


VALUE = ("user=alice&session=" + "abcdef0123456789" * 8 + "; note: " + "lorem ipsum " * 120)[:2048]


@pytest.mark.parametrize("impl", ["fastvars", "posthog"])
def test_known_secret_2kb_value(benchmark, impl):
    search = (
        _secret_detection.contains_known_secret
        if impl == "fastvars"
        else (lambda text: ph._KNOWN_SECRET_RE.search(text) is not None)
    )
    benchmark.group = "known secrets, 2 KB value"
    assert benchmark(search, VALUE) is False


@pytest.mark.parametrize("impl", ["fastvars", "posthog"])
def test_mask_search_2kb_value(benchmark, impl):
    if impl == "fastvars":
        search = _matching.Matcher(list(DEFAULT_MASK_PATTERNS), []).mask_search
    else:
        matcher = ph._build_matcher(ph._compile_patterns(list(DEFAULT_MASK_PATTERNS)))
        search = lambda text: ph._matcher_matches(text, matcher)  # noqa: E731
    benchmark.group = "mask_search, 2 KB value"
    assert benchmark(search, VALUE) is False
