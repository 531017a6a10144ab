"""The compiled engine's caches must never change an answer: string values remembered
as unchanged (per matcher and toggles, never a redacted one) and classes remembered as
plain (until the class or a base changes). Each capture is compared with the pure-Python
engine and with posthog, before and after what a stale cache would get wrong."""

import types

import pytest

from fastvars import constants
from fastvars import engine as fv_engine
from helpers.oracle import (
    code_variables,
    fastvars_capture,
    posthog_capture,
    raise_and_catch,
    serialized_exceptions,
)

pytestmark = pytest.mark.c_extension

MASK = list(constants.DEFAULT_MASK_PATTERNS)
IGNORE = list(constants.DEFAULT_IGNORE_PATTERNS)


def _all_three(exc_info, url=True, secrets=True):
    exceptions = serialized_exceptions(exc_info)
    compiled = code_variables(
        fastvars_capture(fv_engine.COMPILED, exceptions, exc_info, MASK, IGNORE, url, secrets)
    )
    python = code_variables(
        fastvars_capture(fv_engine.PYTHON, exceptions, exc_info, MASK, IGNORE, url, secrets)
    )
    posthog = code_variables(posthog_capture(exceptions, exc_info, MASK, IGNORE, url, secrets))
    assert compiled == python == posthog
    return compiled


def _raises_with(**values):
    def fail(plain, url, secret, path, auth):
        raise ValueError("x")

    return raise_and_catch(fail, **values)


def test_string_values_per_toggle():
    url = "https://user:pw@example.com/path"
    values = {
        "plain": "eu-west-1",
        "url": url,
        "secret": "ghp_" + "a1B2" * 9,
        "path": "/srv/app",
        "auth": "Authorization: Bearer abc.def",
    }
    exc_info = _raises_with(**values)
    # Every toggle twice: the second capture answers from what the first remembered.
    for url_on in (True, False, True):
        for secrets_on in (True, False, True):
            for _ in range(2):
                _all_three(exc_info, url_on, secrets_on)


class Account:
    def __init__(self):
        self.owner = "alice"
        self.balance = 10


class Base:
    pass


class Derived(Base):
    def __init__(self):
        self.name = "bob"


def test_class_changed_after_capture():
    def fail(account, derived):
        raise KeyError("x")

    exc_info = raise_and_catch(fail, Account(), Derived())
    first = _all_three(exc_info)
    # A class that gains __dataclass_fields__ is read the dataclass way from then on,
    # and so is one whose base gains it.
    Account.__dataclass_fields__ = {}
    Base.__dataclass_fields__ = {}
    try:
        second = _all_three(exc_info)
    finally:
        del Account.__dataclass_fields__
        del Base.__dataclass_fields__
    third = _all_three(exc_info)
    assert first == third
    assert second != first


def _alternating(depth, limit):
    # Frames of one function whose locals dicts list different names (one of `a`/`b`
    # bound, or both, or a name added through f_locals) at the same positions: the
    # compiled engine matches names by address at the last order seen for this code.
    import sys

    if depth % 3 == 0:
        a = depth
    elif depth % 3 == 1:
        b = str(depth)
    else:
        a, b = depth, "both"
    password = "hunter2"
    if depth == 4:
        sys._getframe().f_locals["extra_name"] = "written"
    if depth >= limit:
        raise ValueError("alternating")
    _alternating(depth + 1, limit)


def test_frames_of_one_function_with_different_key_orders():
    exc_info = raise_and_catch(_alternating, 0, 9)
    for _ in range(3):  # the second and third captures start from a learned order
        frames = _all_three(exc_info)[0]
    assert any("extra_name" in (frame or {}) for frame in frames)
    assert len({frozenset(frame) for frame in frames if frame and "password" in frame}) >= 3


def _names_twice_template(a, b):
    c = "third"
    raise ValueError("names twice")


def test_code_whose_variable_names_repeat():
    # co_varnames may repeat a name: 3.13's f_locals then lists it twice, and
    # f_locals.copy() keeps the first value (a dict up to 3.12 holds one of them).
    code = _names_twice_template.__code__
    twice = types.FunctionType(code.replace(co_varnames=("a", "a", "c")), globals())
    exc_info = raise_and_catch(twice, "first", "second")
    for _ in range(3):  # the later captures start from a learned order
        frame = _all_three(exc_info)[0][-1]
    assert list(frame).count("a") == 1 and frame["c"] == "third"


def _hidden_by_written_flag(depth):
    import sys

    if depth == 1:
        # A flag that is no variable of the function: written through f_locals (kept
        # beside the fast locals on 3.13), under a name that is not the interned one.
        sys._getframe().f_locals["".join(["__traceback", "_hide__"])] = 1
    if depth == 2:
        raise ValueError("hidden by a written flag")
    _hidden_by_written_flag(depth + 1)


def test_hide_flag_written_through_f_locals():
    exc_info = raise_and_catch(_hidden_by_written_flag, 0)
    for _ in range(2):
        frames = _all_three(exc_info)[0]
    assert len(frames) == 3  # the test's caller and depths 0 and 2: depth 1 is hidden


class _Twice(tuple):
    """A tuple subclass read like a namedtuple whose fields repeat a name."""

    _fields = ("a", "a", "b")


def _colliding_keys(table, placeholders, twice, plain):
    raise ValueError("collisions")


def test_keys_that_collide_after_rewriting():
    rewritten = "postgres://$$_posthog_redacted_based_on_masking_rules_$$@h/db"
    placeholder = constants.REDACTED_KEY_FORMAT.format(0)
    values = {
        # a key whose credentials are rewritten, then a key equal to the rewritten text
        "table": {"region": 1, "postgres://u:p@h/db": 2, rewritten: 3, "region2": 4},
        # a masked key that is no field name (a placeholder), then the placeholder text
        "placeholders": {"api key!": 1, placeholder: 2, "region": 3},
        "twice": _Twice(("x", "y", "z")),
        # the same keys, shown as themselves, with nothing to collide with
        "plain": {"region": "eu", "region2": "us", "password": "pw"},
    }
    exc_info = raise_and_catch(_colliding_keys, **values)
    first = _all_three(exc_info)
    # Again: every key is now remembered by address.
    assert _all_three(exc_info) == first
    shown = first[0][-1]
    assert placeholder in shown["table"] and shown["twice"].count('"a"') == 1
