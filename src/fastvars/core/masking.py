"""Turn any Python value into a JSON-ready value with every secret replaced.

This is the pure-Python twin of the compiled walk in ``_masking.pyx`` and the reference
for it. The rules are posthog's, decision for decision:

* strings: the rules of :mod:`.policy` (too long to scan, matched by a mask pattern,
  secret-looking, or carrying embedded credentials);
* containers and objects are walked (dicts, lists, tuples, namedtuples, dataclasses,
  objects with a ``__dict__``) under a depth cap, an items cap, a node budget shared by
  one variable, and a cycle guard; a key that matches a mask pattern redacts its value;
* anything else is shown by its ``repr()``, checked like a string, and redacted whole
  when it cannot be vouched for.

An exception raised by user code (a ``__repr__``, ``__len__``, property...) propagates to
the caller, which falls back to a checked repr of the whole variable, as posthog does.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
from collections.abc import Iterable
from typing import Any

from ..constants import (
    CIRCULAR,
    KEY_CACHE_MAX_LENGTH,
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_NODES,
    MAX_SCAN_LENGTH,
    REDACTED,
    REDACTED_KEY_FORMAT,
    TOO_LONG,
)
from .caches import Generations
from .credentials import redact_embedded_credentials
from .policy import Policy, mask_string
from .secret_detection import looks_like_secret

# ---------------------------------------------------------------- reprs


def type_name(value: Any) -> str:
    try:
        return type(value).__qualname__
    except Exception:
        return "unknown"


def checked_repr(value: Any, policy: Policy) -> str:
    """``repr(value)``, or a redaction when the text cannot be vouched for. Unlike a
    string variable, a repr too long to scan is redacted, not marked too long."""
    try:
        text = repr(value)
    except Exception:
        return "<" + type_name(value) + ">"
    return check_repr_text(text, policy)


def check_repr_text(text: str, policy: Policy) -> str:
    """The rest of checked_repr, once the repr is taken: where the compiled walk hands
    over a repr it cannot check natively (a str subclass), so that __repr__ runs once."""
    if len(text) > MAX_SCAN_LENGTH or policy.mask_matches(text):
        return REDACTED
    if policy.detect_secrets and looks_like_secret(text):
        return REDACTED
    return redact_embedded_credentials(text, policy.mask_url_credentials)


# ---------------------------------------------------------------- the walk


class _ProbeSeen:
    """The visited set seen by a key probe: it stops at everything visited so far, and
    records its own visits under a tag, so that an object shared by a key and a value
    is still masked in full where the value holds it. Its visits count as nodes."""

    __slots__ = ("visited",)
    TAG = "key_probe"

    def __init__(self, visited: set[Any]) -> None:
        self.visited = visited

    def __contains__(self, oid: int) -> bool:
        return oid in self.visited or (self.TAG, oid) in self.visited

    def add(self, oid: int) -> None:
        self.visited.add((self.TAG, oid))

    def __len__(self) -> int:
        return len(self.visited)


class Walk:
    """One variable's walk: the policy it masks by and the ids of the containers and
    objects it has visited (its cycle guard and node budget), kept in one object that
    each step reads, rather than passed along every call (sentry-python's serializer
    keeps one call's state the same way). The compiled walk (_masking.pyx) continues a
    Walk with its own visited set where it hands a part of a value over."""

    __slots__ = ("policy", "seen")

    def __init__(self, policy: Policy, seen: Any = None) -> None:
        self.policy = policy
        # A set of ids, or a key probe's _ProbeSeen; made at the first container.
        self.seen = seen

    def value(self, value: Any, depth: int = 0) -> Any:
        """A value masked: a scalar as it is or checked, a container or object walked."""
        policy = self.policy
        if policy.inert:
            return value
        kind = type(value)
        if kind is str:
            return mask_string(value, policy)
        if kind is int or kind is bool or value is None:
            return value
        if kind is float:
            return value if math.isfinite(value) else str(value)
        if kind is not dict and kind is not list and kind is not tuple:
            # Subclasses of the scalars (IntEnum, str subclasses, ...) are scalars too.
            if isinstance(value, str):
                return mask_string(value, policy)
            if isinstance(value, float) and not math.isfinite(value):
                return str(value)
            if isinstance(value, (bool, int, float)):
                return value
        return self._node(value, depth)

    def _node(self, value: Any, depth: int) -> Any:
        """A container or object: charge the walk's limits, then open it."""
        if depth >= MAX_DEPTH:
            return TOO_LONG  # deeper than we walk; a repr could leak what lies below
        seen = self.seen
        if seen is None:
            seen = self.seen = set()
        oid = id(value)
        if oid in seen:
            return CIRCULAR
        seen.add(oid)
        if len(seen) > MAX_NODES:
            return TOO_LONG

        if isinstance(value, dict):
            if len(value) > MAX_ITEMS:
                return TOO_LONG
            return self.mapping(value.items(), depth)
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            # A namedtuple: its field names are keys, so `password=` fields are caught.
            fields = value._fields
            if len(fields) > MAX_ITEMS:
                return TOO_LONG
            return _with_class(self.mapping(zip(fields, value), depth), value)
        if isinstance(value, (list, tuple)):
            if len(value) > MAX_ITEMS:
                return TOO_LONG
            items = [self.value(item, depth + 1) for item in value]
            try:
                return type(value)(items)
            except Exception:  # a subclass whose constructor wants something else
                return items
        return self._object(value, depth)

    def _object(self, value: Any, depth: int) -> Any:
        attributes = object_attributes(value)
        if attributes is not None:
            if len(attributes) > MAX_ITEMS:
                return TOO_LONG
            return _with_class(self.mapping(attributes.items(), depth), value)
        # A custom __repr__ may print secrets that live on the class (class attributes,
        # properties, slots): redact those by name instead of trusting the repr.
        members = sensitive_type_members(value, self.policy)
        if members:
            return _with_class(members, value)
        return checked_repr(value, self.policy)

    def mapping(self, items: Iterable[tuple[Any, Any]], depth: int) -> dict[Any, Any]:
        """A mapping's (key, value) pairs masked: keys by the mask patterns and the
        secret rules, each value redacted under a matching key, else walked."""
        policy = self.policy
        result: dict[Any, Any] = {}
        decisions = policy.key_decisions
        for key, value in items:
            if type(key) is str:
                # (key_masked, shown as itself) for a short key decided before.
                decision = decisions.young.get(key)
                if decision is None:
                    decision = decisions.recall(key)
                if decision is not None:
                    key_masked, kept = decision
                    out_key = key if kept and key not in result else placeholder_key(result)
                    result[out_key] = REDACTED if key_masked else self.value(value, depth + 1)
                    continue
            try:
                key_text = key if isinstance(key, str) else str(key)
            except Exception:
                # Without its text nothing tells whether the key names a secret.
                result[placeholder_key(result)] = REDACTED
                continue
            if len(key_text) > MAX_SCAN_LENGTH:
                result[placeholder_key(result)] = TOO_LONG
                continue
            key_masked = policy.mask_matches(key_text)
            out_key = self._output_key(key, key_text, key_masked, result, depth)
            if type(key) is str and len(key) <= KEY_CACHE_MAX_LENGTH:
                _remember_key(decisions, key, key_masked, out_key)
            if out_key in result:
                # Distinct keys can share a text (URLs differing only in credentials).
                out_key = placeholder_key(result)
            result[out_key] = REDACTED if key_masked else self.value(value, depth + 1)
        return result

    def _output_key(
        self, key: Any, key_text: str, key_masked: bool, result: dict[Any, Any], depth: int
    ) -> Any:
        """The key as the masked mapping shows it: itself, its text with credentials
        redacted, or a placeholder where it could reveal a secret."""
        out_key, is_native = _json_key(key, key_text)
        if key_masked and not _names_a_field(key, is_native):
            return placeholder_key(result)
        if self.policy.detect_secrets and looks_like_secret(key_text):
            return placeholder_key(result)
        if not is_native and self._key_text_is_unsafe(key, depth):
            return placeholder_key(result)
        if isinstance(out_key, str):
            return redact_embedded_credentials(out_key, self.policy.mask_url_credentials)
        return out_key

    def _key_text_is_unsafe(self, key: Any, depth: int) -> bool:
        """Whether masking a non-native key (a tuple, an object) as a value redacts any
        part of it, reaches something already visited, or fails: then its text can't be
        shown. The key is walked by a probe walk that shares this walk's visits."""
        if isinstance(self.seen, _ProbeSeen):
            probe = self
        else:
            probe = Walk(self.policy, _ProbeSeen(self.seen))
        try:
            text = str(probe.value(key, depth + 1))
        except Exception:
            return True
        return any(marker in text for marker in _PROBE_MARKERS)


def mask_value(value: Any, policy: Policy) -> Any:
    """A variable's masked value: one walk from its top."""
    return Walk(policy).value(value)


def _with_class(masked: dict[Any, Any], value: Any) -> dict[Any, Any]:
    masked["__class__"] = type_name(value)
    return masked


def object_attributes(value: Any) -> dict[str, Any] | None:
    """A copy of an object's fields (dataclass fields, else a non-empty ``__dict__``), or
    None for an object to be shown as a leaf."""
    if isinstance(value, type):
        return None
    try:
        if dataclasses.is_dataclass(value):
            return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        instance_dict = getattr(value, "__dict__", None)
    except Exception:
        return None
    return attributes_from(instance_dict)


def attributes_from(instance_dict: Any) -> dict[str, Any] | None:
    """The rest of object_attributes, once ``__dict__`` is read: where the compiled walk
    hands over a ``__dict__`` that is not an exact dict, so that it is read once."""
    if isinstance(instance_dict, dict) and instance_dict:
        return dict(instance_dict)
    return None


# Members that are behaviour rather than data: an `authenticate()` method is no secret.
_CALLABLE_MEMBERS: tuple[type, ...] = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    types.MethodWrapperType,
    types.ClassMethodDescriptorType,
    classmethod,
    staticmethod,
    type,  # nested classes
)


def sensitive_type_members(value: Any, policy: Policy) -> dict[str, str]:
    """Data members declared on the object's classes (class attributes, properties,
    slots) whose names match a mask pattern, each mapped to the redaction marker.
    Only names are read; no getter runs."""
    if not policy.has_mask:
        return {}
    try:
        mro = type(value).__mro__
    except Exception:
        return {}
    found: dict[str, str] = {}
    for klass in mro:
        for name, member in klass.__dict__.items():
            if (
                isinstance(name, str)
                and name not in found
                and not isinstance(member, _CALLABLE_MEMBERS)
                and policy.matcher.mask_search(name)
            ):
                found[name] = REDACTED
    return found


# ---------------------------------------------------------------- mappings

# A matching key is kept only when it looks like a field name; `password=hunter2`
# or a SQL text as a key could hold the value itself.
_FIELD_NAME = re.compile(r"[\w.\-]+")
_PROBE_MARKERS = (REDACTED, TOO_LONG, CIRCULAR)


def placeholder_key(result: dict[Any, Any]) -> str:
    """The first numbered placeholder key that ``result`` does not use yet."""
    n = 0
    while True:
        key = REDACTED_KEY_FORMAT.format(n)
        if key not in result:
            return key
        n += 1


def _json_key(key: Any, key_text: str) -> tuple[Any, bool]:
    """The key as JSON can carry it, and whether that is the key itself (a str, an int
    or bool, a finite float, None) rather than its text, which may be a revealing repr."""
    if type(key) is str:
        return key, True
    is_native = (
        key is None
        or isinstance(key, (str, int))
        or (isinstance(key, float) and math.isfinite(key))
    )
    return (key if is_native else key_text), is_native


def _names_a_field(key: Any, is_native: bool) -> bool:
    """Whether a key that matches a mask pattern may be shown: a number or None holds
    no credential, and a string must look like an identifier."""
    if not is_native:
        return False
    return not isinstance(key, str) or _FIELD_NAME.fullmatch(key) is not None


def _remember_key(decisions: Generations, key: str, key_masked: bool, out_key: Any) -> None:
    """Store a str key's decision when it does not depend on the mapping: shown as itself
    (out_key is the key) or as a placeholder (out_key is one, and the key is not)."""
    if key.startswith("$$_posthog_redacted_key_"):
        return  # its own placeholder-like text: `kept` and `hidden` could look alike
    if out_key == key:
        kept = True
    elif isinstance(out_key, str) and out_key.startswith("$$_posthog_redacted_key_"):
        kept = False
    else:
        return  # rewritten by the credentials rules: decided anew each time
    decisions.put(key, (bool(key_masked), kept))
