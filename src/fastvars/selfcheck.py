"""The self-check that ``fastvars.enable()`` runs before routing posthog through fastvars.

A handful of really raised exceptions, with the kinds of locals that the masking rules
treat differently, are captured by posthog's own implementation and by each fastvars
engine a capture could use. Any difference (or an engine that raises) means fastvars is
not trusted in this process. The corpus is kept small on purpose: the whole check must
cost a few milliseconds, because it runs at application start-up.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from posthog import exception_utils as _posthog

from . import capture as _capture
from . import engine as _engine

ExcInfo = Tuple[Any, Any, Any]

# Assembled at run time so that no secret-looking literal sits in the source.
_STRIPE_LIKE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
_HIGH_ENTROPY = "n8fK2pQ9" + "vX7mL4wR8tY3uZ6bC1dE5gH"


class _Account:
    def __init__(self) -> None:
        self.name = "alice"
        self.password = "hunter2"
        self.tags = ["a", "b"]


def _scalars_and_secrets() -> None:
    name = "bob"
    count = 42
    ratio = 0.5
    flag = True
    nothing = None
    password = "hunter2"  # masked by name
    handle = _HIGH_ENTROPY  # masked by value (entropy)
    key_holder = _STRIPE_LIKE  # masked by value (known prefix)
    dsn_url = "postgres://user:pw@db.example.com:5432/app"  # masked by name
    link = "https://user:pw@example.com/path?x=1"  # URL credentials
    note = "contains_password_here"
    __hidden = "ignored"
    raise ValueError("scalars")


def _containers_and_objects() -> None:
    config = {"host": "db", "api_key": "k-123", "nested": {"token": "t", "port": 5432}}
    numbers = [1, 2.5, float("inf"), None, "x"]
    pair = ("a", 1)
    account = _Account()
    temp_value = "tmp"
    raise KeyError("containers")


def _inner() -> None:
    inner_local = "INNER"
    inner_secret = "hunter2"
    raise KeyError("inner")


def _outer() -> None:
    outer_local = "OUTER"
    try:
        _inner()
    except KeyError as error:
        raise RuntimeError("outer") from error


def _raised(fn: Callable[[], None]) -> ExcInfo:
    try:
        fn()
    except Exception:
        return sys.exc_info()
    raise AssertionError(f"{fn.__name__} did not raise")


# (mask patterns, ignore patterns, mask_url_credentials, detect_secrets)
_SETTINGS: Sequence[Tuple[Any, Any, bool, bool]] = (
    (_posthog.DEFAULT_CODE_VARIABLES_MASK_PATTERNS,
     _posthog.DEFAULT_CODE_VARIABLES_IGNORE_PATTERNS, True, True),
    ([r"(?i).*account.*", r"^temp_", "(?i)NOTE"], [r"^__", r"^nothing$"], False, False),
)


def _serialized(exc_info: ExcInfo) -> List[Dict[str, Any]]:
    """A fresh exception list shaped like a posthog client's (primary exception first,
    then its causes), with only the fields the capture reads. posthog's own serializer
    would also read source files, which costs more than the whole check."""
    out = []
    exc: Optional[BaseException] = exc_info[1]
    while exc is not None:
        frames = []
        tb = exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            frames.append({"function": code.co_name, "lineno": tb.tb_lineno, "in_app": True})
            tb = tb.tb_next
        out.append({"type": type(exc).__name__, "stacktrace": {"frames": frames}})
        exc = exc.__cause__
    return out


def _posthog_expected(
    exc_info: ExcInfo, settings: Tuple[Any, ...]
) -> List[Dict[str, Any]]:
    """posthog's output, except that each exception of a chain is captured with its own
    traceback: the one intended difference of fastvars (posthog pairs every exception
    with the primary traceback's frames)."""
    by_type = {}
    exc: Optional[BaseException] = exc_info[1]
    while exc is not None:
        by_type[type(exc).__name__] = exc
        exc = exc.__cause__
    out = []
    for exception in _serialized(exc_info):
        own = by_type.get(exception["type"])
        single = [exception]
        if own is not None:
            _capture._posthog_attach(single, (type(own), own, own.__traceback__), *settings)
        out.extend(single)
    return out


def _fastvars_actual(
    engine: "_engine.Engine",
    exc_info: ExcInfo,
    settings: Tuple[Any, ...],
) -> List[Dict[str, Any]]:
    # The engine's plan directly, not attach_code_variables(): the latter would hide a
    # failing engine behind its fallback and count the check as captures.
    out = _serialized(exc_info)
    for frame_dict, variables in _capture._plan(engine, out, exc_info, *settings):
        frame_dict["code_variables"] = variables
    return out


def engines_to_check() -> List["_engine.Engine"]:
    """Every engine a capture may use: the active one, then its pure-Python fallback."""
    engines = [_engine.ACTIVE]
    if _engine.ACTIVE is not _engine.PYTHON:
        engines.append(_engine.PYTHON)
    return engines


def run() -> Optional[str]:
    """None when every engine reproduces posthog on the corpus, else why not."""
    cases = [_raised(fn) for fn in (_scalars_and_secrets, _containers_and_objects, _outer)]
    for exc_info in cases:
        for settings in _SETTINGS:
            expected = repr(_posthog_expected(exc_info, settings))
            for engine in engines_to_check():
                where = f"{engine.name} engine, {exc_info[0].__name__} case"
                try:
                    actual = repr(_fastvars_actual(engine, exc_info, settings))
                except Exception as error:
                    return f"{where} raised {type(error).__name__}: {error}"
                if actual != expected:
                    return f"{where}: output differs from posthog's"
    return None
