"""The exceptions ``fastvars-bench`` captures: named workloads, each a function that
raises a real exception through real frames and returns a fresh ``exc_info``.

Every workload is self-contained (no test helpers), deterministic (the same values on
every run, so the proof of equality and the timings see the same work) and keeps its
frames alive through the returned traceback, as an exception handler would. The
benchmark harness's own frame is cut from the traceback, so a workload's stack is
exactly the frames described here.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ExcInfo = tuple[Any, Any, Any]


class WorkloadError(Exception):
    """A workload that cannot be run (bad ``module:function`` and the like)."""


def _catch(fn: Callable[..., Any], *args: Any, skip: int = 1) -> ExcInfo:
    """Call ``fn`` and return the exc_info of what it raises, without the first
    ``skip`` frames (this one, by default): harness locals are not the workload's."""
    try:
        fn(*args)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a user's function may raise SystemExit, say
        tb = exc.__traceback__
        for _ in range(skip):
            if tb is None or tb.tb_next is None:
                break
            tb = tb.tb_next
        exc.__traceback__ = tb
        return type(exc), exc, tb
    raise WorkloadError(f"{getattr(fn, '__qualname__', fn)!s} returned without raising")


# ------------------------------------------------------------------ standard

STANDARD_DEPTH = 22


class User:
    """An application user object: four attributes, one of them a password."""

    def __init__(self, name: str, email: str, password: str, age: int) -> None:
        self.name = name
        self.email = email
        self.password = password
        self.age = age


def _standard_frame(depth: int, request_id: str) -> None:
    # Exactly 11 locals, the mix of the reference measurement.
    path = f"/api/v1/projects/{depth}/events"
    user_id = 1000 + depth
    retries = depth % 3
    elapsed = 0.125 * depth
    is_admin = depth % 2 == 0
    items = list(range(depth, depth + 10))
    config = {
        "api_key": "phc_4f8a1c2e9b7d6f3a0e5c8b1d2a4f6e8c",
        "dsn": "postgres://app:s3cr3t-pw@db.internal:5432/app",
        "timeout": 30,
        "region": "eu-west-1",
    }
    user = User("alice", "alice@example.com", "hunter2", 33)
    token = "tok_9f8e7d6c5b4a39281706"
    if depth >= STANDARD_DEPTH:
        raise ValueError(f"request {request_id} failed at depth {depth} for user {user_id}")
    _standard_frame(depth + 1, request_id)
    del path, retries, elapsed, is_admin, items, config, user, token  # never reached


def standard() -> ExcInfo:
    """22 frames of a web request, 11 locals each: strings, ints, a float, a bool, a list
    of 10 ints, a config dict with an api_key and a DSN with credentials, a user object
    with a password, a token."""
    return _catch(_standard_frame, 1, "req-7f3a9c")


# ------------------------------------------------------------------ wide

WIDE_DEPTH = 10
WIDE_LOCALS = 60


def _wide_source() -> str:
    """Source of a function with 60 locals (59 plus ``depth``). Generated because 59
    distinct assignment lines would be noise here; the values cycle through the kinds
    of the standard workload, and every tenth name is one a default pattern masks."""
    kinds = [
        "'value-{i}-' + 'x' * {i}",
        "{i} * 7919",
        "{i} / 7.0",
        "{i} % 2 == 0",
        "[{i}, {i} + 1, {i} + 2]",
        "{{'id': {i}, 'label': 'item-{i}'}}",
    ]
    lines = ["def wide_frame(depth):"]
    for i in range(WIDE_LOCALS - 1):
        name = f"secret_token_{i}" if i % 10 == 9 else f"field_{i}"
        lines.append(f"    {name} = " + kinds[i % len(kinds)].format(i=i))
    lines.append("    if depth >= WIDE_DEPTH:")
    lines.append("        raise KeyError(f'missing key at depth {depth}')")
    lines.append("    wide_frame(depth + 1)")
    return "\n".join(lines) + "\n"


def _make_wide_frame() -> Callable[[int], None]:
    namespace: dict[str, Any] = {"WIDE_DEPTH": WIDE_DEPTH, "__name__": __name__}
    exec(compile(_wide_source(), "<fastvars.bench.workloads:wide>", "exec"), namespace)
    wide_frame: Callable[[int], None] = namespace["wide_frame"]
    return wide_frame


_wide_frame = _make_wide_frame()


def wide() -> ExcInfo:
    """10 frames, 60 locals each, of every kind in the standard workload."""
    return _catch(_wide_frame, 1)


# ------------------------------------------------------------------ nested

NESTED_DEPTH = 12


def _payload(seed: int) -> dict[str, Any]:
    """A JSON-like request body, 5 levels deep, with credentials at several levels."""
    return {
        "event": "order_placed",
        "customer": {
            "id": seed,
            "email": f"user{seed}@example.com",
            "password": "correct horse battery staple",
            "addresses": [
                {
                    "kind": "billing",
                    "geo": {"lat": 48.85 + seed, "lon": 2.35, "tags": ["home", "main"]},
                },
                {"kind": "shipping", "geo": {"lat": 51.5, "lon": -0.12, "tags": ["work"]}},
            ],
        },
        "order": {
            "lines": [
                {
                    "sku": f"SKU-{seed}-{n}",
                    "qty": n + 1,
                    "price": {"amount": 9.99 * (n + 1), "currency": "EUR"},
                }
                for n in range(3)
            ],
            "payment": {
                "method": "card",
                "card": {"last4": "4242", "api_key": "pk_live_0123456789"},
            },
        },
        "meta": {
            "trace": {"span": {"id": f"span-{seed}", "sampled": True, "baggage": [seed, seed + 1]}}
        },
    }


def _nested_frame(depth: int) -> None:
    payload = _payload(depth)
    headers = {
        "content-type": "application/json",
        "authorization": "Bearer abc.def.ghi",
        "x-request-id": f"r{depth}",
    }
    query = {
        "page": depth,
        "filters": {"status": ["open", "paid"], "range": {"from": 0, "to": 100}},
    }
    response = {"status": 502, "body": {"error": {"code": "upstream", "detail": {"retry": True}}}}
    if depth >= NESTED_DEPTH:
        raise RuntimeError(f"upstream failed for page {depth}")
    _nested_frame(depth + 1)
    del payload, headers, query, response  # never reached


def nested() -> ExcInfo:
    """12 frames, each holding JSON-like request payloads nested 5 levels deep (dicts
    of lists of dicts), headers with an authorization token, a query and a response."""
    return _catch(_nested_frame, 1)


# ------------------------------------------------------------------ secrets

SECRETS_DEPTH = 8
_PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n"
    "-----END RSA PRIVATE KEY-----"
)
_JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)


def _secrets_frame(depth: int) -> None:
    # Innocent names, so it is the value rules (URL credentials, secret detection)
    # that must catch these, plus a few values that must survive untouched.
    conn = "postgres://admin:hunter2@db.example.com:5432/prod"
    callback = "https://bot:pa55word@hooks.example.com/notify?id=7"
    signed = "https://storage.example.com/export.csv?se=2030-01-01&sig=Zk9xT3Bh%2Fq1"
    stripe_like = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    aws_like = "AKIAIOSFODNN7EXAMPLE"
    header = f"Bearer {_JWT}"
    jwt_value = _JWT
    pem = _PEM
    opaque = "xK9mP2vL5nQ8wR3tY6uZ1aB4cD7eF0gH"
    note = "the quick brown fox jumps over the lazy dog, twice over"
    path = "/usr/local/lib/python3.11/site-packages/app/handlers/orders.py"
    urls = [conn, callback, "https://example.com/docs", signed]
    env = {
        "DATABASE_URL": conn,
        "HOME": "/home/app",
        "KEY": opaque,
        "REDIS": "redis://:s3cret@cache:6379/0",
    }
    if depth >= SECRETS_DEPTH:
        raise PermissionError(f"credentials rejected at depth {depth}")
    _secrets_frame(depth + 1)
    del callback, stripe_like, aws_like, header, jwt_value, pem, note, path, urls, env


def secrets() -> ExcInfo:
    """8 frames of strings that trip the value rules: URLs with credentials, signed
    URLs, API-key-, JWT- and PEM-shaped values, high-entropy tokens, under names no
    pattern masks; plus paths and prose that must pass through."""
    return _catch(_secrets_frame, 1)


# ------------------------------------------------------------------ long strings

LONG_STRINGS_DEPTH = 6


def _long_text(length: int, salt: str) -> str:
    # Prose with a credentialed URL inside, so the scan of long values is exercised.
    unit = f"{salt} lorem ipsum dolor sit amet postgres://u:pw@db/app consectetur "
    return (unit * (length // len(unit) + 1))[:length]


def _long_strings_frame(depth: int) -> None:
    s1000 = _long_text(1000, "a")
    s1023 = _long_text(1023, "b")
    s1024 = _long_text(1024, "c")
    s1025 = _long_text(1025, "d")
    s2047 = _long_text(2047, "e")
    s2048 = _long_text(2048, "f")
    s2049 = _long_text(2049, "g")
    s8000 = _long_text(8000, "h")
    chunks = [_long_text(600, "i"), _long_text(1100, "j")]
    document = {"title": "report", "body": _long_text(2100, "k")}
    if depth >= LONG_STRINGS_DEPTH:
        raise ValueError(f"document too long at depth {depth}")
    _long_strings_frame(depth + 1)
    del s1000, s1023, s1024, s1025, s2047, s2048, s2049, s8000, chunks, document


def long_strings() -> ExcInfo:
    """6 frames of strings around the limits: 1,000 to 1,025 characters (the 1,024
    value limit), 2,047 to 2,049 (the 2,048 scan limit), 8,000, and long strings in
    a list and a dict, each with a credentialed URL inside."""
    return _catch(_long_strings_frame, 1)


# ------------------------------------------------------------------ module frame

_MODULE_NAME = "fastvars_bench_module"
_MODULE_SOURCE = '''
"""A settings-like module that fails while it is being imported."""
import collections
import json
import logging
import os
from dataclasses import dataclass, field

VERSION = "2.4.1"
DEBUG = False
MAX_RETRIES = 5
TIMEOUT_SECONDS = 12.5
DATABASE_URL = "postgres://app:db-pass-123@db.internal:5432/app"
SECRET_KEY = "django-insecure-9a8s7d6f5g4h3j2k1l0"
STRIPE_API_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
ALLOWED_HOSTS = ["example.com", "www.example.com", "api.example.com"]
FEATURE_FLAGS = {"new_checkout": True, "beta_search": False, "rollout": 0.25}
CACHES = {"default": {"BACKEND": "redis", "LOCATION": "redis://:cache-pw@cache:6379/1"}}
LOG_LEVELS = collections.OrderedDict([("app", "INFO"), ("db", "WARNING")])
logger = logging.getLogger("fastvars_bench_module")
_registry = {}


@dataclass
class ServiceConfig:
    name: str
    replicas: int = 2
    env: dict = field(default_factory=dict)


def handler(event, context=None):
    return json.dumps(event)


SERVICES = [ServiceConfig("api"), ServiceConfig("worker", replicas=4)]
region = os.environ.get("FASTVARS_BENCH_REGION", "eu-west-1")
raise ImportError("settings module could not be loaded: missing REDIS_URL")
'''
_MODULE_CODE = compile(_MODULE_SOURCE, "<fastvars.bench.workloads:module_frame>", "exec")


def _run_module() -> None:
    module = types.ModuleType(_MODULE_NAME)
    # Registered while it runs, as an import would: dataclasses looks the module up.
    sys.modules[_MODULE_NAME] = module
    try:
        exec(_MODULE_CODE, module.__dict__)
    finally:
        sys.modules.pop(_MODULE_NAME, None)


def module_frame() -> ExcInfo:
    """An exception raised at module level while a settings-like module runs: the
    frame's locals are the module's globals (imports, constants, credentials, a
    dataclass, functions), as when an import fails."""
    # Skip _run_module too: the one frame left is the module's own.
    return _catch(_run_module, skip=2)


# ------------------------------------------------------------------ chained


class QueryError(Exception):
    pass


def _chain_connect(host: str, port: int, attempt: int) -> None:
    dsn = f"postgres://svc:svc-pw@{host}:{port}/orders"
    timeout = 2.5
    raise ConnectionError(f"could not connect to {host}:{port} (attempt {attempt}, {timeout}s)")
    del dsn  # never reached


def _chain_query(sql: str, params: dict[str, Any]) -> None:
    attempts = 3
    pool = {"size": 10, "in_use": 10}
    try:
        _chain_connect("db-1.internal", 5432, attempts)
    except ConnectionError as error:
        raise QueryError(f"query failed: {sql}") from error
    del pool  # never reached


def _chain_service(order_id: int, user: User) -> None:
    cache_key = f"order:{order_id}"
    try:
        _chain_query("SELECT * FROM orders WHERE id = %(id)s", {"id": order_id})
    except QueryError:
        fallback = {"order_id": order_id, "source": "cache", "api_key": "ak_live_0123"}
        # A new error while handling the first: implicit context, not a cause.
        raise LookupError(f"order {order_id} not found in {fallback['source']}")
    del cache_key  # never reached


def _chain_middleware(layer: int, request: dict[str, Any]) -> None:
    name = f"middleware-{layer}"
    if layer == 0:
        _chain_service(request["order_id"], User("bob", "bob@example.com", "pw-bob", 41))
    else:
        _chain_middleware(layer - 1, request)
    del name  # never reached


def chained() -> ExcInfo:
    """A LookupError raised while handling a QueryError that was raised from a
    ConnectionError: three exceptions, each with its own frames and locals (posthog
    7.91.1 pairs them all with the first traceback; fastvars does not)."""
    return _catch(_chain_middleware, 4, _chained_request())


def _chained_request() -> dict[str, Any]:
    return {"order_id": 42, "token": "tok_abcdef0123456789", "path": "/orders/42"}


# ------------------------------------------------------------------ registry


@dataclass(frozen=True)
class Workload:
    name: str
    make: Callable[[], ExcInfo]
    # The raising call alone, with no arguments: the end-to-end benchmark runs it
    # beneath a service's request stack (fastvars.bench.service).
    raises: Callable[[], None] | None = None

    def raise_in_request(self) -> BaseException:
        """A fresh exception from this workload, raised beneath the request stack of
        fastvars.bench.service (a module per layer) and caught at its server layer."""
        from . import service as benchservice

        if self.raises is None:
            raise WorkloadError(f"workload {self.name!r} has no raising call")
        return benchservice.raise_in_request(self.raises)

    @property
    def summary(self) -> str:
        return " ".join((self.make.__doc__ or "").split())


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload("standard", standard, functools.partial(_standard_frame, 1, "req-7f3a9c")),
        Workload("wide", wide, functools.partial(_wide_frame, 1)),
        Workload("nested", nested, functools.partial(_nested_frame, 1)),
        Workload("secrets", secrets, functools.partial(_secrets_frame, 1)),
        Workload("long_strings", long_strings, functools.partial(_long_strings_frame, 1)),
        Workload("module_frame", module_frame, _run_module),
        Workload("chained", chained, functools.partial(_chain_middleware, 4, _chained_request())),
    )
}


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def user_workload(spec: str) -> Workload:
    """The workload of ``module:function``: the function is called with no arguments,
    must raise, and is called again for every capture. Raises WorkloadError."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise WorkloadError(f"unknown workload {spec!r} (a built-in name, or module:function)")
    # Like `python -m`, find modules in the current directory.
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except BaseException as error:  # an import can raise anything, SystemExit included
        raise WorkloadError(f"cannot import module {module_name!r}: {_describe(error)}") from None
    fn: Any = module
    for part in attr.split("."):
        fn = getattr(fn, part, None)
    if not callable(fn):
        raise WorkloadError(f"{spec!r}: module {module_name!r} has no function {attr!r}")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        required = [
            p.name
            for p in signature.parameters.values()
            if p.default is p.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        if required:
            raise WorkloadError(f"{spec!r} must take no arguments (it needs {', '.join(required)})")
    workload = Workload(spec, lambda: _catch(fn), fn)
    workload.make()  # fails now, not mid-run, when it does not raise
    return workload


def resolve(names: list[str]) -> list[Workload]:
    """Built-in workloads by name, or ``module:function`` specs; WorkloadError else."""
    out = []
    for name in names:
        if name in WORKLOADS:
            out.append(WORKLOADS[name])
        elif ":" in name:
            out.append(user_workload(name))
        else:
            known = ", ".join(WORKLOADS)
            raise WorkloadError(f"unknown workload {name!r} (known: {known}; or module:function)")
    return out
