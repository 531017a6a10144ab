"""User code runs at most once per capture, in posthog's order, and the output is
posthog's: for every place where the compiled walk calls user code or hands a value to
the Python twin after calling it (__len__, __iter__, items(), __hash__ and __eq__ of a
key, __repr__, __class__, a __dict__ or _fields property, a str subclass's own methods,
json.dumps of what the twin built, a metaclass's __qualname__).

Each case builds a fresh value whose user code appends to `calls`; the value sits in a
frame's locals (as itself, and inside a list and a dict), the frame raises, and the
capture is made once by posthog 7.91.1 and once by each fastvars engine. The sequence of
calls (which code, in which order) and the code variables must be posthog's. A fallback
(the capture redone by another engine) would run the user code again: it fails the test.
"""

import dataclasses
import re
from collections.abc import Callable

import pytest

from fastvars import engine as fv_engine
from fastvars.constants import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS
from helpers.oracle import (
    code_variables,
    fastvars_capture,
    posthog_capture,
    raise_and_catch,
    serialized_exceptions,
)

MASK = list(DEFAULT_MASK_PATTERNS)
IGNORE = list(DEFAULT_IGNORE_PATTERNS)

Build = Callable[[list[str]], object]
CASES: dict[str, Build] = {}


def case(fn: Build) -> Build:
    CASES[fn.__name__] = fn
    return fn


def recording(base: type, calls: list[str], *methods: str, name: str = "Counted") -> type:
    """A subclass of ``base`` whose ``methods`` append their name to ``calls`` ("__len__"
    as "len") and then do what ``base``'s do: the user code most cases run."""

    def recorded(method: str) -> Callable[..., object]:
        label, inherited = method.strip("_"), getattr(base, method)

        def run(self, *args, **kwargs):
            calls.append(label)
            return inherited(self, *args, **kwargs)

        return run

    return type(name, (base,), {method: recorded(method) for method in methods})


def shown(calls: list[str], text: str, label: str = "repr", name: str = "Counted") -> type:
    """A class without a ``__dict__`` whose repr appends ``label`` to ``calls``, then is
    ``text``."""

    def __repr__(self):
        calls.append(label)
        return text

    return type(name, (), {"__slots__": (), "__repr__": __repr__})


# A subclass of a builtin with some methods recorded, holding this value: the shape
# most places where the compiled walk calls user code share.
RECORDED = {
    "dict_subclass": (
        dict,
        ("__len__", "items", "__iter__"),
        {"user": "alice", "token": "t0k", "n": 1},
    ),
    "list_subclass_iterated_and_rebuilt": (
        list,
        ("__init__", "__len__", "__iter__"),
        ["a", "password=hunter2", 3],
    ),
    "str_subclass_inside_containers": (str, ("__len__", "lower"), "postgres://user:pw@db/app"),
}
for _name, (_base, _methods, _value) in RECORDED.items():
    CASES[_name] = lambda calls, base=_base, methods=_methods, value=_value: recording(
        base, calls, *methods
    )(value)


def _frame(value, in_list=None, in_dict=None):
    raise ValueError("held")


ADDRESS = re.compile(r"0x[0-9a-f]+")


def _only_the_holder(index, frame):
    return frame.get("function") == "_frame"


def _capture(runner, engine, build: Build, nested: bool = True):
    """The value alone in the frame, or also inside a list and a dict (walked first:
    scalars first, then by name)."""
    calls: list[str] = []
    value = build(calls)
    if nested:
        exc_info = raise_and_catch(_frame, value, [1, value, "x"], {"k": value, "n": 2})
    else:
        exc_info = raise_and_catch(_frame, value)
    exceptions = serialized_exceptions(exc_info, _only_the_holder)
    del calls[:]  # what building and serializing ran is not the capture's
    try:
        if runner == "posthog":
            out = posthog_capture(exceptions, exc_info, MASK, IGNORE, True, True)
        else:
            out = fastvars_capture(engine, exceptions, exc_info, MASK, IGNORE)
    except BaseException as raised:  # (a KeyboardInterrupt from user code: posthog's too)
        return f"raised {type(raised).__name__}", list(calls)
    # Default reprs show addresses, which differ between the two captures' values.
    return ADDRESS.sub("0x", repr(code_variables(out))), list(calls)


def _late_handovers():
    if fv_engine.COMPILED is None:
        return 0
    from fastvars.core import _masking

    return getattr(_masking, "late_handovers_c", lambda: 0)()


# ------------------------------------------------------------------ the issue's three


@case
def list_len_fails_on_first_call(calls):
    class Flaky(list):
        def __len__(self):
            calls.append("len")
            if calls.count("len") == 1:
                raise RuntimeError("first call")
            return super().__len__()

    return Flaky(["a", "b"])


@case
def repr_removes_a_key_of_the_dict_walked(calls):
    class Shrink:
        __slots__ = ("owner",)

        def __repr__(self):
            calls.append("repr")
            self.owner.pop("tail", None)
            return "Shrink()"

    shrink = Shrink()
    walked = {"password": "Outer-Pw-1", "comment": "Comment-Sec-55", "s": shrink, "tail": "t"}
    shrink.owner = walked
    return walked


@case
def len_raises_runtime_error_then_keyboard_interrupt(calls):
    class Hostile(list):
        def __len__(self):
            calls.append("len")
            if calls.count("len") == 1:
                raise RuntimeError("first")
            raise KeyboardInterrupt

    return Hostile([1, 2])


# ------------------------------------------------------------------ containers


@case
def tuple_subclass_with_fields_property(calls):
    class Fields(tuple):
        @property
        def _fields(self):
            calls.append("fields")
            return ("user", "password")

    return Fields(("alice", "hunter2"))


@case
def list_subclass_rebuilt_as_another_object(calls):
    # The twin's masked copy (type(value)(items)) is no list: json.dumps hands it to its
    # `default`, the checked repr, at the very end, after the siblings' own reprs.
    leaf = shown(calls, "Leaf()", "leaf repr", "Leaf")
    sibling = shown(calls, "Sibling()", "sibling repr", "Sibling")

    class Odd(list):
        built = False

        def __new__(cls, *args):
            if cls.built:
                calls.append("new")
                return leaf()
            cls.built = True
            return super().__new__(cls)

    return [Odd([1, 2]), sibling()]


@case
def int_subclass_keys(calls):
    key = recording(int, calls, "__hash__", "__eq__", name="Key")
    return {key(1): "a", "b": 2, key(2): "c"}


@case
def int_past_the_digit_limit_beside_a_repr(calls):
    counted = shown(calls, "Counted()")
    return [counted(), 10**5000, counted()]


# ------------------------------------------------------------------ objects


@case
def repr_returns_a_str_subclass(calls):
    text = recording(str, calls, "__len__", "lower", name="Text")

    class Shown:
        __slots__ = ()

        def __repr__(self):
            calls.append("repr")
            return text("Shown(region=eu)")

    return Shown()


@case
def repr_raises(calls):
    class Broken:
        __slots__ = ()

        def __repr__(self):
            calls.append("repr")
            raise RuntimeError("no repr")

    return Broken()


@case
def dict_property_returns_a_dict_subclass(calls):
    attributes = recording(dict, calls, "__len__", "keys", "__iter__", name="Attributes")

    class Wrapped:
        @property
        def __dict__(self):
            calls.append("__dict__")
            return attributes({"user": "alice", "password": "hunter2"})

    return Wrapped()


@case
def dataclass_with_a_computed_field(calls):
    class Counted:
        def __set_name__(self, owner, name):
            self.name = "_" + name

        def __get__(self, obj, owner=None):
            if obj is None:
                return self
            calls.append("field")
            return getattr(obj, self.name, "unset")

        def __set__(self, obj, value):
            object.__setattr__(obj, self.name, value)

    @dataclasses.dataclass
    class Account:
        owner: str = Counted()
        api_key: str = "k"

    return Account("alice")


@case
def class_attribute_lies(calls):
    class Liar:
        def __init__(self):
            self.value = 1

        @property
        def __class__(self):
            calls.append("__class__")
            return dict

    return Liar()


@case
def own_class_key_in_dict(calls):
    counted = shown(calls, "Counted()")
    spelled = recording(list, calls, "__iter__", name="Spelled")

    class Plain:
        pass

    plain = Plain()
    # The "__class__" entry is replaced by the class name, after its value was walked;
    # what follows it is written where it was.
    plain.__dict__.update(
        {
            "first": 1,
            "__class__": [counted(), spelled([1])],
            "after": spelled([2]),
            "last": counted(),
        }
    )
    return plain


@case
def metaclass_qualname_is_not_a_str(calls):
    class Meta(type):
        def __getattribute__(cls, name):
            if name == "__qualname__":
                calls.append("qualname")
                return 42
            return super().__getattribute__(name)

    class Made(metaclass=Meta):
        def __init__(self):
            self.region = "eu"

    return Made()


@case
def metaclass_hash_of_a_class_with_secret_members(calls):
    class Meta(type):
        def __hash__(cls):
            calls.append("hash")
            return id(cls) >> 4

    class Holder(metaclass=Meta):
        __slots__ = ()
        password = "on the class"

        def __repr__(self):
            calls.append("repr")
            return "Holder()"

    return Holder()


# ------------------------------------------------------------------ the test


def _run(engine, name, nested):
    build = CASES[name]
    expected, posthog_calls = _capture("posthog", None, build, nested)
    late = _late_handovers()
    got, fastvars_calls = _capture("fastvars", engine, build, nested)
    assert fastvars_calls == posthog_calls
    assert got == expected
    assert _late_handovers() == late  # never handed over whole after user code ran
    return posthog_calls


@pytest.mark.parametrize("nested", [False, True], ids=["alone", "nested"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_user_code_once_and_in_order(engine, name, nested):
    _run(engine, name, nested)


def test_the_cases_run_user_code():
    # Each case's user code does run during posthog's capture (else it tests nothing),
    # but for the one where posthog runs none (a metaclass's __hash__ is never asked).
    for name in CASES:
        calls = _capture("posthog", None, CASES[name], False)[1]
        assert bool(calls) == (name != "metaclass_hash_of_a_class_with_secret_members"), name


def test_issue_repro_outputs():
    # The issue's figures, from posthog itself: one __len__ call and the list's repr;
    # the shrinking dict redacted whole.
    variables, calls = _capture("posthog", None, list_len_fails_on_first_call, False)
    assert calls == ["len"] and "'value': \"['a', 'b']\"" in variables
    variables, _ = _capture("posthog", None, repr_removes_a_key_of_the_dict_walked, False)
    assert "'value': '$$_posthog_redacted_based_on_masking_rules_$$'" in variables
    assert "Comment-Sec-55" not in variables
