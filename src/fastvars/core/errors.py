"""The exception the engines raise to hand a capture on to posthog.

In a module of its own because ``planning.py`` is built twice (run as Python, and
compiled as ``_planning``): each build would otherwise define a class of its own, and
``capture.py`` must recognise what either raises.
"""

from __future__ import annotations


class NotPlain(Exception):
    """The exception list is not plain dicts holding frame lists: the engines would read
    it more than once (each engine of the chain, on every access), and what they read
    may run code or be an iterator that one read empties. posthog, which reads it once,
    captures it instead. posthog builds this structure itself, always plain."""
