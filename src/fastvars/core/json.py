"""JSON text as posthog writes it: ``json.dumps(value, allow_nan=False)``, with the
default separators and ensure_ascii.

Pure-Python twin of ``_json.pyx``. The compiled masking walk writes a value's text into
a C buffer as it masks it, and needs the pieces of that writer one by one (string
escaping, a float's repr and its length, decimal integers, the cut of the finished
text); in Python, ``json.dumps`` is the writer, and the masking walk's copy is encoded
with it (encoding.py). This module names the one piece the tests call on both sides.
(Imported as ``fastvars.core.json``: the standard library's ``json`` stays what
``import json`` means everywhere, this package included.)
"""

from __future__ import annotations


def float_repr_length(value: float) -> int:
    """The length of a finite float's JSON text: ``json.dumps`` writes its repr, which
    is also the length posthog's budget charges for it (``len(str(value))``)."""
    return len(repr(value))
