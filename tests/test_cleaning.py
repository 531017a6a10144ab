"""The event clean pass, differentially against posthog.utils.clean, on both twins.

Every input is built twice from one generated description, once for posthog and once
for fastvars, so that objects with side effects (a counter in ``model_dump``, a dict
that a ``model_dump`` mutates) start alike. Compared: the result (types, order, NaN),
the exception raised, the log records on the ``posthog`` logger, and how many times
user code ran.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import datetime as dt
import decimal
import enum
import logging
import math
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from posthog import utils as posthog_utils

from fastvars.bench import workloads
from fastvars.core import cleaning
from helpers import implementations
from helpers.sizes import scaled

clean = implementations.twin_fixture("fastvars.core.cleaning", "fastvars.core._cleaning", "clean")


# ------------------------------------------------------------------ user-defined values

CALLS: collections.Counter = collections.Counter()


class Colour(enum.Enum):
    RED = 1
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Text(str):
    pass


class Count(int):
    pass


class Ratio(float):
    pass


class Rows(list):
    pass


class Pair(collections.namedtuple("Pair", "left right")):
    pass


class Tags(set):
    pass


class Mapping(dict):
    pass


class DumpingMapping(dict):
    """A dict subclass with model_dump: posthog cleans what model_dump returns."""

    def model_dump(self):
        CALLS["DumpingMapping.model_dump"] += 1
        return {"dumped": len(self)}


class Model:
    """pydantic v2-like."""

    def __init__(self, payload):
        self.payload = payload

    def model_dump(self):
        CALLS["Model.model_dump"] += 1
        return self.payload

    def __repr__(self):
        return "Model(...)"


class ModelV1:
    """pydantic v1-like: only dict()."""

    def __init__(self, payload):
        self.payload = payload

    def dict(self):
        CALLS["ModelV1.dict"] += 1
        return self.payload


class DumpTypeError:
    def model_dump(self):
        CALLS["DumpTypeError.model_dump"] += 1
        raise TypeError("model_dump() missing 1 required positional argument")


class DumpValueError:
    def model_dump(self):
        CALLS["DumpValueError.model_dump"] += 1
        raise ValueError("cannot dump")


class ClassRaisesTypeError:
    """isinstance() reads __class__, which raises: posthog's clean raises TypeError."""

    @property
    def __class__(self):
        CALLS["ClassRaisesTypeError.__class__"] += 1
        raise TypeError("no class for you")


class NumberLike:
    """numpy-scalar-like: registered as a virtual Number, so returned as is."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return type(other) is NumberLike and other.value == self.value

    def __hash__(self):
        return hash(self.value)


import numbers  # noqa: E402

numbers.Number.register(NumberLike)


class ArrayLike:
    """numpy-array-like: iterable but no posthog rule, so _coerce_unicode gives None."""

    def __iter__(self):
        return iter([1, 2, 3])


class MutatesParent:
    """model_dump mutates the dict or list that holds it (user code during a clean)."""

    def __init__(self, parent_box, how):
        self.parent_box = parent_box
        self.how = how

    def model_dump(self):
        CALLS["MutatesParent.model_dump"] += 1
        parent = self.parent_box[0]
        if self.how == "grow" and isinstance(parent, list):
            parent.append("appended")
        elif self.how == "grow":
            parent["added-by-model-dump"] = 1
        elif self.how == "swap" and isinstance(parent, dict):
            # Same size, different keys: CPython's iterator may say "keys changed".
            last = next(reversed(parent))
            del parent[last]
            parent["swapped-in"] = 2
        elif self.how == "shrink" and isinstance(parent, list) and parent:
            parent.pop()
        return "mutated"


class Key:
    """A non-str dict key with user hashing."""

    def __init__(self, value):
        self.value = value

    def __hash__(self):
        CALLS["Key.__hash__"] += 1
        return hash(self.value)

    def __eq__(self, other):
        CALLS["Key.__eq__"] += 1
        return type(other) is Key and other.value == self.value

    def __repr__(self):
        return f"Key({self.value!r})"


@dataclasses.dataclass
class Point:
    x: Any
    y: Any


@dataclasses.dataclass
class WithLock:
    """asdict deep-copies the lock and raises TypeError: posthog drops the value."""

    lock: Any


# ------------------------------------------------------------------ descriptions

_leaf_text = st.text(max_size=8)
_floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [float("nan"), float("inf"), float("-inf"), -0.0]
)
_decimals = st.sampled_from(
    ["1.5", "-0", "NaN", "Infinity", "1e-30", "sNaN", "123456789.987654321"]
)

LEAVES = st.one_of(
    st.tuples(st.just("str"), _leaf_text),
    st.tuples(st.just("bytes"), st.binary(max_size=6)),
    st.tuples(st.just("int"), st.integers() | st.integers(min_value=2**64, max_value=2**80)),
    st.tuples(st.just("float"), _floats),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("none"), st.none()),
    st.tuples(st.just("complex"), st.complex_numbers(allow_nan=True, allow_infinity=True)),
    st.tuples(st.just("decimal"), _decimals),
    st.tuples(st.just("datetime"), st.datetimes()),
    st.tuples(st.just("date"), st.dates()),
    st.tuples(st.just("uuid"), st.integers(min_value=0, max_value=2**128 - 1)),
    st.tuples(st.just("enum"), st.sampled_from(list(Colour))),
    st.tuples(st.just("intenum"), st.sampled_from(list(Level))),
    st.tuples(st.just("strsub"), _leaf_text),
    st.tuples(st.just("intsub"), st.integers()),
    st.tuples(st.just("floatsub"), _floats),
    st.tuples(
        st.just("object"),
        st.sampled_from(
            [
                "dump_type_error",
                "dump_value_error",
                "class_raises",
                "number_like",
                "array_like",
                "with_lock",
                "plain_object",
                "dumping_mapping",
                "type",
                "function",
            ]
        ),
    ),
)

HASHABLE_LEAVES = st.one_of(
    st.tuples(st.just("str"), _leaf_text),
    st.tuples(st.just("int"), st.integers(min_value=-5, max_value=5)),
    st.tuples(st.just("float"), _floats),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("none"), st.none()),
    st.tuples(st.just("uuid"), st.integers(min_value=0, max_value=3)),
    st.tuples(st.just("date"), st.dates()),
    st.tuples(st.just("key"), st.integers(min_value=0, max_value=3)),
    st.tuples(st.just("tuplekey"), st.tuples(st.integers(0, 3), _leaf_text)),
    st.tuples(st.just("frozenkey"), st.frozensets(st.integers(0, 3), max_size=3)),
)


def _containers(children):
    return st.one_of(
        st.tuples(st.just("list"), st.lists(children, max_size=5)),
        st.tuples(st.just("tuple"), st.lists(children, max_size=4)),
        st.tuples(st.just("set"), st.lists(HASHABLE_LEAVES, max_size=4)),
        st.tuples(st.just("frozenset"), st.lists(HASHABLE_LEAVES, max_size=4)),
        st.tuples(st.just("deque"), st.lists(children, max_size=4)),
        st.tuples(st.just("dict"), st.lists(st.tuples(HASHABLE_LEAVES, children), max_size=5)),
        st.tuples(st.just("strdict"), st.lists(st.tuples(_leaf_text, children), max_size=6)),
        st.tuples(
            st.just("dictsub"),
            st.tuples(
                st.sampled_from(["Mapping", "OrderedDict", "defaultdict"]),
                st.lists(st.tuples(_leaf_text, children), max_size=4),
            ),
        ),
        st.tuples(st.just("rows"), st.lists(children, max_size=4)),
        st.tuples(st.just("pair"), st.tuples(children, children)),
        st.tuples(st.just("tags"), st.lists(HASHABLE_LEAVES, max_size=3)),
        st.tuples(st.just("model"), children),
        st.tuples(st.just("model_v1"), children),
        st.tuples(st.just("dataclass"), st.tuples(children, children)),
        st.tuples(
            st.just("mutates"),
            st.tuples(
                st.sampled_from(["list", "dict"]), st.sampled_from(["grow", "swap", "shrink"])
            ),
        ),
    )


VALUES = st.recursive(LEAVES, _containers, max_leaves=40)


def build(spec) -> Any:
    """A fresh value from its description: every call makes new objects."""
    kind, arg = spec
    simple = {
        "str": lambda: arg,
        "bytes": lambda: arg,
        "int": lambda: arg,
        "float": lambda: arg,
        "bool": lambda: arg,
        "none": lambda: None,
        "complex": lambda: arg,
        "decimal": lambda: decimal.Decimal(arg),
        "datetime": lambda: arg,
        "date": lambda: arg,
        "uuid": lambda: uuid.UUID(int=arg),
        "enum": lambda: arg,
        "intenum": lambda: arg,
        "strsub": lambda: Text(arg),
        "intsub": lambda: Count(arg),
        "floatsub": lambda: Ratio(arg),
        "key": lambda: Key(arg),
        "tuplekey": lambda: arg,
        "frozenkey": lambda: arg,
    }
    if kind in simple:
        return simple[kind]()
    if kind == "object":
        return {
            "dump_type_error": DumpTypeError,
            "dump_value_error": DumpValueError,
            "class_raises": ClassRaisesTypeError,
            "number_like": lambda: NumberLike(7),
            "array_like": ArrayLike,
            "with_lock": lambda: WithLock(threading.Lock()),
            "plain_object": object,
            "dumping_mapping": lambda: DumpingMapping(a=1),
            "type": lambda: int,
            "function": lambda: build,
        }[arg]()
    if kind == "list":
        return [build(child) for child in arg]
    if kind == "tuple":
        return tuple(build(child) for child in arg)
    if kind == "set":
        return {build(child) for child in arg}
    if kind == "frozenset":
        return frozenset(build(child) for child in arg)
    if kind == "deque":
        return collections.deque(build(child) for child in arg)
    if kind in ("dict", "strdict"):
        return {build(key) if kind == "dict" else key: build(value) for key, value in arg}
    if kind == "dictsub":
        name, items = arg
        pairs = [(key, build(value)) for key, value in items]
        if name == "defaultdict":
            return collections.defaultdict(list, pairs)
        return {"Mapping": Mapping, "OrderedDict": collections.OrderedDict}[name](pairs)
    if kind == "rows":
        return Rows(build(child) for child in arg)
    if kind == "pair":
        return Pair(build(arg[0]), build(arg[1]))
    if kind == "tags":
        return Tags(build(child) for child in arg)
    if kind == "model":
        return Model(build(arg))
    if kind == "model_v1":
        return ModelV1(build(arg))
    if kind == "dataclass":
        return Point(build(arg[0]), build(arg[1]))
    if kind == "mutates":
        container, how = arg
        box: list[Any] = [None]
        if container == "list":
            parent: Any = ["before", MutatesParent(box, how), "after"]
        else:
            parent = {"before": 1, "mutator": MutatesParent(box, how), "after": 2}
        box[0] = parent
        return {"holder": parent}
    raise AssertionError(kind)


# ------------------------------------------------------------------ comparison


def assert_same(expected: Any, actual: Any, path: str = "$") -> None:
    """Equal and of the same types all the way down, in the same order; NaN equals NaN."""
    assert type(actual) is type(expected), f"{path}: {type(actual)} != {type(expected)}"
    if isinstance(expected, dict):
        assert list(actual) == list(expected), f"{path}: keys {list(actual)} != {list(expected)}"
        for key in expected:
            assert_same(expected[key], actual[key], f"{path}[{key!r}]")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), f"{path}: length"
        for index, (want, got) in enumerate(zip(expected, actual)):
            assert_same(want, got, f"{path}[{index}]")
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(actual), path
    elif isinstance(expected, complex) and (math.isnan(expected.real) or math.isnan(expected.imag)):
        assert repr(actual) == repr(expected), path
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Fresh objects in each run: their default reprs differ by address only.
        message = re.sub(r" at 0x[0-9a-fA-F]+", " at 0x?", record.getMessage())
        self.seen.append((record.name, record.levelno, message))


def run(function: Callable[[Any], Any], value: Any) -> dict[str, Any]:
    """function(value) with what it returned or raised, the posthog log records and
    the user code it ran."""
    logger = logging.getLogger("posthog")
    handler = Records()
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    CALLS.clear()
    try:
        result, error = function(value), None
    except Exception as raised:  # the oracle raises too: compared, not hidden
        result, error = None, (type(raised), str(raised))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
    return {"result": result, "error": error, "logs": handler.seen, "calls": dict(CALLS)}


def assert_like_posthog(clean: Callable[[Any], Any], make: Callable[[], Any]) -> dict[str, Any]:
    expected = run(posthog_utils.clean, make())
    actual = run(clean, make())
    if expected["error"] and expected["error"][0] is RecursionError:
        # Its text says where the stack ran out ("... in comparison" inside an
        # isinstance): the pure-Python twin's own frame moves that by one.
        assert actual["error"] and actual["error"][0] is RecursionError
    else:
        assert actual["error"] == expected["error"]
    assert actual["logs"] == expected["logs"]
    assert actual["calls"] == expected["calls"]
    if expected["error"] is None:
        assert_same(expected["result"], actual["result"])
    return expected


# ------------------------------------------------------------------ tests


@settings(
    max_examples=scaled(300),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(spec=VALUES)
def test_generated_values_clean_as_posthog_cleans_them(clean, spec):
    assert_like_posthog(clean, lambda: build(spec))


@settings(
    max_examples=scaled(150),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(items=st.lists(st.tuples(_leaf_text, VALUES), max_size=8))
def test_generated_events_clean_as_posthog_cleans_them(clean, items):
    # The shape clean meets in the client: a dict of properties at the top.
    assert_like_posthog(
        clean, lambda: {"event": "$exception", "properties": {k: build(v) for k, v in items}}
    )


def test_plain_values_are_returned_as_themselves(clean):
    # Parity: posthog returns these very objects, not copies.
    for value in [
        "text",
        10**30,
        1.5,
        float("nan"),
        True,
        None,
        2j,
        dt.date(2020, 1, 2),
        dt.datetime(2020, 1, 2),
    ]:
        assert clean(value) is value
    # ...and containers as new lists and dicts, never the caller's own.
    source = {"a": [1, 2], "b": {"c": 3}}
    cleaned = clean(source)
    assert cleaned == source and cleaned is not source
    assert cleaned["a"] is not source["a"] and cleaned["b"] is not source["b"]


def _frame_like(lists: int, element: Any = "line") -> dict[str, Any]:
    """A serialized frame's shape: str keys, plain values and lists of plain values."""
    frame: dict[str, Any] = {"platform": "python", "lineno": 3, "module": None}
    for index in range(lists):
        frame[f"context_{index}"] = ["a", index, 1.5, None, True, element]
    frame["in_app"] = True
    return frame


@pytest.mark.parametrize("lists", [0, 1, 2, 8, 9])
@pytest.mark.parametrize(
    "element", ["line", decimal.Decimal("1.5"), Text("t"), ["nested"], Colour.RED]
)
def test_a_frame_shaped_dict_cleans_as_posthog(clean, lists, element):
    # The compiled twin copies a dict of plain values and lists of plain values in one
    # step (up to 8 lists); a list with any other element goes the general way.
    assert_like_posthog(clean, lambda: {"frames": [_frame_like(lists, element)] * 3})
    source = _frame_like(lists, element)
    cleaned = clean(source)
    for index in range(lists):
        assert cleaned[f"context_{index}"] is not source[f"context_{index}"]


@pytest.mark.parametrize("depth", [29, 30, 31, 32, 33])
def test_a_frame_shaped_dict_at_the_depth_bound_like_posthog(clean, depth):
    # Its lists are one level deeper than the dict: at the bound they are posthog's.
    assert_like_posthog(clean, lambda: _nested(depth, _frame_like(2)))
    assert_like_posthog(clean, lambda: _nested(depth, _frame_like(2, Model({"m": [1]}))))


def test_a_dropped_value_warns_as_posthog_does(clean):
    expected = assert_like_posthog(
        clean,
        lambda: {
            "ok": 1,
            "bad": WithLock(threading.Lock()),
            "nested": {"worse": [DumpTypeError(), ClassRaisesTypeError()]},
        },
    )
    assert [level for _, level, _ in expected["logs"]].count(logging.WARNING) == 2
    assert list(expected["result"]) == ["ok", "nested"]


def test_bytes_decode_or_warn_as_posthog(clean):
    assert_like_posthog(
        clean, lambda: {"good": "é".encode(), "bad": b"\xff\xfe", "list": [b"\x80"]}
    )


def test_signalling_decimal_raises_as_posthog(clean):
    expected = assert_like_posthog(clean, lambda: {"amount": [decimal.Decimal("sNaN")]})
    assert expected["error"][0] is ValueError


def test_non_str_keys_are_kept_and_hashed_as_often(clean):
    expected = assert_like_posthog(
        clean,
        lambda: {
            1: "int",
            None: "none",
            (1, "a"): "tuple",
            Key(1): [Key(2)],
            frozenset({1}): {2: 3},
            1.5: "f",
        },
    )
    assert expected["calls"]["Key.__hash__"] >= 1


def test_user_code_mutating_what_is_cleaned(clean):
    for container in ("list", "dict"):
        for how in ("grow", "swap", "shrink"):
            assert_like_posthog(clean, lambda spec=(container, how): build(("mutates", spec)))


def test_cycles_raise_recursion_error_as_posthog(clean):
    def cyclic_list():
        items: list[Any] = [1]
        items.append(items)
        return {"loop": items}

    def cyclic_dict():
        mapping: dict[str, Any] = {"a": 1}
        mapping["self"] = mapping
        return mapping

    for make in (cyclic_list, cyclic_dict):
        expected = assert_like_posthog(clean, make)
        assert expected["error"][0] is RecursionError


def _nested(depth: int, leaf: Any = "leaf") -> Any:
    value: Any = leaf
    for level in range(depth):
        value = {"level": level, "child": value} if level % 2 else [level, value]
    return value


@pytest.mark.parametrize("depth", [1, 31, 32, 33, 60, 400])
def test_deep_nesting_like_posthog(clean, depth):
    # Beyond MAX_FAST_DEPTH the fast path restarts in posthog; at 400 posthog itself
    # runs out of stack (RecursionError) and so must fastvars.
    assert_like_posthog(clean, lambda: _nested(depth))
    assert_like_posthog(clean, lambda: _nested(depth, Model({"m": [1]})))


def test_near_the_recursion_limit_like_posthog(clean):
    # Called from ever deeper stacks: wherever posthog runs out of stack, fastvars does.
    def at_depth(remaining: int, function, value) -> str:
        if remaining:
            return at_depth(remaining - 1, function, value)
        try:
            function(value)
        except RecursionError:
            return "RecursionError"
        return "ok"

    # How deep at_depth itself can go from here (C calls count too, before 3.12).
    low, high = 0, sys.getrecursionlimit()
    while low < high:
        middle = (low + high + 1) // 2
        try:
            at_depth(middle, lambda value: None, None)
        except RecursionError:
            high = middle - 1
        else:
            low = middle
    limit = low
    # The pure-Python twin's own frame is one posthog does not have: it behaves as
    # posthog called one frame deeper (the only way it can be worse than posthog).
    own_frames = 1 if clean is cleaning.clean else 0
    outcomes = set()
    for nesting in (5, 20, 31, 40):
        for below_limit in range(3, 260, 4):
            depth = limit - below_limit
            expected = at_depth(depth + own_frames, posthog_utils.clean, _nested(nesting))
            actual = at_depth(depth, clean, _nested(nesting))
            assert actual == expected, (nesting, below_limit)
            outcomes.add(expected)
    assert outcomes == {"ok", "RecursionError"}


def test_recursion_limit_below_the_headroom(clean):
    previous = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(cleaning.STACK_HEADROOM - 10 + len(_stack()))
        assert_like_posthog(clean, lambda: {"a": [1, {"b": 2}]})
    finally:
        sys.setrecursionlimit(previous)


def _stack() -> list[Any]:
    frame, frames = sys._getframe(), []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames


def test_every_workload_event_cleans_as_posthog(clean, monkeypatch):
    # The events the client really cleans: capture_exception through a real client,
    # with the message recorded on its way into clean.
    import posthog
    from posthog import client as posthog_client

    recorded: list[Any] = []
    original = posthog_client.clean

    def recording(message):
        recorded.append(copy.deepcopy(message))
        return original(message)

    monkeypatch.setattr(posthog_client, "clean", recording)
    for code_variables in (True, False):
        client = posthog.Posthog(
            "phc_test",
            host="http://127.0.0.1:9",
            sync_mode=True,
            before_send=lambda event: None,
            capture_exception_code_variables=code_variables,
        )
        for workload in workloads.WORKLOADS.values():
            _, exception, _ = workload.make()
            client.capture_exception(exception)
    assert len(recorded) == 2 * len(workloads.WORKLOADS)
    for message in recorded:
        assert_like_posthog(clean, lambda message=message: copy.deepcopy(message))


VIRTUAL_NUMBER_SCRIPT = """
import numbers, sys
from posthog import utils
from fastvars.core import cleaning
{import_compiled}
value = {{"a": [1, 2], "b": (3,)}}
before = clean(value)
assert before == utils.clean(value) == {{"a": [1, 2], "b": [3]}}, before
numbers.Number.register(list)   # posthog now returns lists as they are
after, oracle = clean(value), utils.clean(value)
assert after == oracle and type(after["a"]) is list and after["a"] is value["a"], (after, oracle)
assert type(after["b"]) is list and after["b"] == [3]
print("ok")
"""


cleaning_module = implementations.twin_fixture("fastvars.core.cleaning", "fastvars.core._cleaning")


def test_a_container_registered_as_a_number_is_returned_as_posthog_returns_it(cleaning_module):
    # In a child process: a registration cannot be undone.
    importing = f"from {cleaning_module.__name__} import clean"
    script = VIRTUAL_NUMBER_SCRIPT.format(import_compiled=importing)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
