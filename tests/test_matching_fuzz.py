"""Differential fuzzer: random pattern sets x random names against posthog's matcher.

Patterns come from the grammar the automaton supports and from the constructs it sends
to the residual list; names mix both cases, digits, newlines, the case-fold special code
points, unicode \\w/\\d/\\s characters and astral ones. Every pair is checked against
posthog 7.91.1's own functions (classify) and against re.search (mask_search).
100,000 pairs per implementation at the default hypothesis profile, in proportion at
another (helpers/sizes.py); FASTVARS_FUZZ_SEED changes the seed.
"""

import os
import random
import re

from posthog import exception_utils as ph

from helpers import implementations
from helpers.sizes import scaled

PAIRS = scaled(100_000)
SEED = int(os.environ.get("FASTVARS_FUZZ_SEED", "4"))
NAMES_PER_SET = 100

LETTERS = "abxyzABXKks_"
NAME_CHARS = (
    "abcxyzABXYZkKsS_-.?=&1 \n\t"
    "\u017f\u212a\u0130\u0131"  # case-fold partners of ASCII letters
    "\u00e9\u00c9\u0663\u00b2\u2003\u20ac\u00a0\u2028\U0001f600\U0001d7d8"
)
ATOMS = [
    ".",
    r"\w",
    r"\W",
    r"\d",
    r"\D",
    r"\s",
    r"\S",
    "[a-c]",
    "[^x]",
    "[A-Z_]",
    r"[\d-]",
    r"[^\s\w]",
    "[?&]",
    r"\.",
    r"\n",
    "[kK]",
    "(?i:k)",
    "(?-i:s)",
    r"[\x00-\x7f]",
]
RESIDUAL = [
    r"\b",
    r"\B",
    "(?=a)",
    "(?!b)",
    "(?<=x)",
    r"(a)\1",
    "(?(1)a|b)",
    "a*+",
    "(?>a+)",
    "\u00e9",
    "(?i)\u017f",
    "[\u00e0-\u00ff]",
    "$a",
]
FLAGS = ["", "(?i)", "(?m)", "(?s)", "(?a)", "(?ia)", "(?im)", "(?x)", "(?is)"]


def random_regex(rng, depth=0):
    parts = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.45:
            piece = rng.choice(LETTERS)
        elif roll < 0.75:
            piece = rng.choice(ATOMS)
        elif roll < 0.85 and depth < 2:
            inner = "|".join(random_regex(rng, depth + 1) for _ in range(rng.randint(1, 3)))
            piece = rng.choice(["(", "(?:"]) + inner + ")"
        elif roll < 0.9:
            piece = rng.choice(["^", "$", r"\A", r"\Z"])
        else:
            piece = rng.choice(RESIDUAL) if rng.random() < 0.5 else rng.choice(LETTERS)
        if rng.random() < 0.3 and piece not in ("^", "$", r"\A", r"\Z"):
            piece += rng.choice(["?", "*", "+", "{2}", "{1,3}", "{2,}", "*?", "+?", "{0,2}"])
        parts.append(piece)
    return "".join(parts)


def random_pattern(rng):
    roll = rng.random()
    if roll < 0.25:  # posthog's plain caseless substring form
        flags = rng.choice(["(?i)", "(?ai)", "(?im)", "(?ix)", "(?Li)", "(?iu)"])
        return flags + "".join(rng.choice("abxkKs_S- \u00e9") for _ in range(rng.randint(1, 4)))
    if roll < 0.3:  # invalid
        return rng.choice(["(", "[a", "a{2,1}", "(?P<x", "*a", "(?L)a", "\\"])
    return rng.choice(FLAGS) + random_regex(rng)


def random_name(rng):
    roll = rng.random()
    if roll < 0.05:
        return ""
    length = rng.randint(1, 14)
    name = "".join(rng.choice(NAME_CHARS) for _ in range(length))
    if roll > 0.97:  # long, but with nothing nested quantifiers can blow up on
        name = name + "".join(rng.choice("abc_") for _ in range(rng.randint(100, 3000)))
    return name


def posthog_pair(mask, ignore):
    return ph._build_matcher(ph._compile_patterns(mask)), ph._build_matcher(
        ph._compile_patterns(ignore)
    )


impl = implementations.twin_fixture("fastvars.core.matching", "fastvars.core._matching")


def test_fuzz_against_posthog(impl):
    rng = random.Random(SEED)
    pairs = 0
    while pairs < PAIRS:
        mask = [random_pattern(rng) for _ in range(rng.randint(0, 4))]
        ignore = [random_pattern(rng) for _ in range(rng.randint(0, 2))]
        names = [random_name(rng) for _ in range(NAMES_PER_SET)]
        # The long names are for the automaton; skip them where posthog would backtrack.
        if any(len(n) > 20 for n in names) and re.search(r"[*+}].*[*+}]", "".join(mask + ignore)):
            names = [n[:20] for n in names]
        mask_m, ignore_m = posthog_pair(mask, ignore)
        matcher = impl.Matcher(mask, ignore)
        got = matcher.classify_many(names)
        for name, bits in zip(names, got):
            want = (1 if ph._matcher_matches(name, ignore_m) else 0) | (
                2 if ph._matcher_matches(name, mask_m) else 0
            )
            assert bits == want, (mask, ignore, name, getattr(matcher, "stats", lambda: None)())
            assert bool(matcher.mask_search(name)) == bool(want & 2), (mask, name)
        pairs += len(names)


def test_fuzz_compiler_tables_on_this_interpreter():
    """The compiler's tables run in Python (no build needed), so every CPython that has
    posthog checks re._parser / sre_parse handling against re.search directly."""
    from fastvars import compiler
    from fastvars.compiler.reference import run_tables

    rng = random.Random(SEED + 1)
    pairs = 0
    while pairs < PAIRS // 10:
        mask = [random_pattern(rng) for _ in range(rng.randint(1, 3))]
        valid = []
        for pattern in mask:
            try:
                re.compile(pattern)
                valid.append(pattern)
            except Exception:
                pass
        tables = compiler.compile_tables(mask, [], lambda p, e: None)
        mask_m = ph._build_matcher(ph._compile_patterns(mask))
        for _ in range(50):
            name = random_name(rng)[:20]
            bits = run_tables(tables, name)
            if bits < 0:
                continue
            found = bool(bits & 2) or any(r(name) for r in tables.residual_mask)
            assert found == ph._matcher_matches(name, mask_m), (mask, name)
            pairs += 1


SECRET_FRAGMENTS = [
    "sk-",
    "sk-ant-",
    "sk-proj-",
    "hf_",
    "AKIA",
    "ASIA",
    "ACCA",
    "AIza",
    "ya29.",
    "dop_v1_",
    "sk_live_",
    "pk_test_",
    "rk_live_",
    "sq0abc-",
    "ghp_",
    "github_pat_",
    "glpat-",
    "glrt-",
    "glsa_",
    "xoxb-",
    "xapp-1-",
    "SK",
    "SG.",
    "key-",
    "-us1",
    "-us12",
    "npm_",
    "pypi-AgEI",
    "dapi",
    "dp.pt.",
    "PMAK-",
    "lin_api_",
    "ntn_",
    "shpat_",
    "NRAK-",
    "eyJ",
    ".",
    "_",
    "-",
]
SECRET_ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
    "0123456789abcdef",
    "ABCDEF0123456789",
    "abcXYZ019._-\u00e9",
    "a-",
]


def random_secret_text(rng):
    parts = []
    for _ in range(rng.randint(0, 6)):
        roll = rng.random()
        if roll < 0.4:
            parts.append(rng.choice(SECRET_FRAGMENTS))
        elif roll < 0.9:
            alphabet = rng.choice(SECRET_ALPHABETS)
            parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 70))))
        else:
            parts.append(rng.choice(["\u017f", "\u00e9", "\n", " ", "\U0001f600", "\u212a"]))
    return "".join(parts)


# The known-format search is secret_detection's (the compiled one in _secret_detection).
secrets_impl = implementations.twin_fixture(
    "fastvars.core.secret_detection", "fastvars.core._secret_detection"
)


def test_fuzz_known_secrets(secrets_impl):
    rng = random.Random(SEED + 2)
    search = ph._KNOWN_SECRET_RE.search
    for _ in range(PAIRS // 5):
        text = random_secret_text(rng)
        assert secrets_impl.contains_known_secret(text) == (search(text) is not None), text
