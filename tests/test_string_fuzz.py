"""Random strings built from the characters that the string rules hinge on.

URL credentials, Authorization values, secret detection and mask patterns all turn on a
few characters: the separators `:/@`, white space of every kind, the letters of `bearer`
and `basic`, and the non-ASCII letters that Python's case-insensitive matching folds onto
ASCII ones (`ſ` onto `s`, the Kelvin sign onto `k`, dotted and dotless i). Every string
is captured as a local by posthog and by each engine, and the results must be equal.
"""

import os
import random

from helpers.oracle import (
    code_variables,
    fastvars_capture,
    posthog_capture,
    raise_and_catch,
    serialized_exceptions,
)
from helpers.sizes import scaled

# 4,000 strings per engine at the default hypothesis profile (helpers/sizes.py).
CASES = scaled(4000)
SEED = int(os.environ.get("FASTVARS_FUZZ_SEED", "20261126"))

PIECES = [
    "://",
    ":",
    "/",
    "@",
    " ",
    "\t",
    "\n",
    "\u00a0",
    "\u2028",
    "\x1c",
    "=",
    "'",
    '"',
    "-",
    "_",
    ".",
    "+",
    "~",
    "%3D",
    "?",
    "&",
    "sig=",
    "\\",
    "bearer",
    "Bearer",
    "BEARER",
    "basic",
    "Basic",
    "baſic",
    "bearer:",
    "Basic ",
    "ſ",
    "\u212a",
    "\u0130",
    "\u0131",
    "é",
    "日本",
    "\U0001f600",
    "postgres",
    "https",
    "redis",
    "a",
    "b",
    "x",
    "Z9",
    "YTpi",
    "dXNlcjpwYXNz",
    "password",
    "token",
    "sk-",
    "sk_live_",
    "AKIA",
    "ghp_",
    "eyJ",
    "xoxb-",
    "hf_",
    "-----BEGIN PRIVATE KEY-----",
    "0123456789abcdef",
    "ABCDEFGHIJKLMNOP",
    "aB3$xY9!",
    "(",
    ")",
    "[",
    "<",
    ",",
    ";",
]


def _random_text(rng):
    parts = [rng.choice(PIECES) for _ in range(rng.randint(1, 14))]
    if rng.random() < 0.2:
        parts.append(
            "".join(
                rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=_-")
                for _ in range(rng.randint(8, 48))
            )
        )
    rng.shuffle(parts)
    return "".join(parts)


def _frame_with(texts):
    def holder(values):
        a0, a1, a2, a3, a4, a5, a6, a7 = values
        d = {a0: a1, a2: [a3, (a4, a5)], "k": {a6: a7}}
        raise ValueError("strings")

    return raise_and_catch(holder, texts)


def test_random_strings_match_posthog(engine):
    rng = random.Random(SEED)
    settings = [
        (None, None, True, True),
        (["(?i)password", "(?i)[?&]sig=", r"to+ken"], ["^__"], True, True),
        ([], [], True, False),
        ([], [], False, True),
    ]
    for case in range(CASES // 8):
        texts = [_random_text(rng) for _ in range(8)]
        exc_info = _frame_with(texts)
        exceptions = serialized_exceptions(exc_info)
        mask, ignore, url, secrets = settings[case % len(settings)]
        expected = posthog_capture(exceptions, exc_info, mask, ignore, url, secrets)
        actual = fastvars_capture(engine, exceptions, exc_info, mask, ignore, url, secrets)
        assert repr(code_variables(actual)) == repr(code_variables(expected)), texts
