"""Credentials embedded in otherwise harmless text: URL user:password and Authorization values.

Both rewrites keep the text and replace only the secret part, as posthog does. The
regular expressions here must agree with posthog's match for match (same leftmost
choices, same case-insensitive classes), because the rewritten text is emitted as is.
"""

from __future__ import annotations

import base64
import binascii
import re
from re import Match

from ..constants import REDACTED

# scheme://user:pass@host. The scheme is bounded to keep the search linear; the
# look-ahead demands a ':' before the next '/', '@' or space, so `user@host` survives.
_URL_WITH_CREDENTIALS = re.compile(
    r"""
    ( [a-z] [a-z0-9+.\-]{0,30} :// )   # 1: the scheme, kept
    (?= [^/@\s]* : )                   #    a password separator before the host
    [^/\s]* @                          #    user:pass@, replaced
    """,
    re.IGNORECASE | re.VERBOSE,
)
_URL_REDACTED_USERINFO = REDACTED + "@"


def _url_replacement(match: Match[str]) -> str:
    # The same text as the template \g<1>REDACTED@, without re's Python-level template
    # expansion per match (3.10, 3.11).
    return match.group(1) + _URL_REDACTED_USERINFO


# `Bearer <token>`, `Basic <base64>`, also `Bearer: <token>` and a quote before the
# credential; the separator can't be empty, so `basicConfig` is left alone.
_AUTHORIZATION_VALUE = re.compile(
    r"""
    \b (bearer|basic)                  # 1: the scheme
    ( (?: \s*:\s* | \s+ ) ['"]? )      # 2: separator and optional quote
    ( [A-Za-z0-9._~+/-]+ =* )          # 3: the credential
    """,
    re.IGNORECASE | re.VERBOSE,
)
_MIN_CREDENTIAL_LENGTH = 8  # shorter is prose: "the bearer of"
_MAX_PROSE_WORD_LENGTH = 15  # a lowercase word up to this long is prose too


def _decodes_to_user_password(credential: str) -> bool:
    try:
        decoded = base64.b64decode(credential, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    return ":" in decoded


def _looks_like_prose(credential: str) -> bool:
    return (
        len(credential) <= _MAX_PROSE_WORD_LENGTH and credential.isalpha() and credential.islower()
    )


def _replace_authorization(match: Match[str]) -> str:
    scheme, separator, credential = match.group(1, 2, 3)
    if scheme.lower() == "basic" and _decodes_to_user_password(credential):
        return scheme + separator + REDACTED
    if len(credential) < _MIN_CREDENTIAL_LENGTH or _looks_like_prose(credential):
        return match.group(0)
    return scheme + separator + REDACTED


def redact_url_credentials(text: str) -> str:
    # A match needs '://' and, after it, an '@' (neither has a case variant).
    scheme_end = text.find("://")
    if scheme_end < 0:
        return text
    if type(text) is str and text.find("@", scheme_end) < 0:
        return text  # (a str subclass goes through re, which hands back a plain str)
    return _URL_WITH_CREDENTIALS.sub(_url_replacement, text)


def redact_authorization_values(text: str) -> str:
    # Every match starts with a 'b' or 'B' (no other character folds onto 'b' under
    # IGNORECASE), so a text without one is returned without running the regex. (Not a
    # str subclass: re.sub hands those back as plain str.)
    if type(text) is str and "b" not in text and "B" not in text:
        return text
    return _AUTHORIZATION_VALUE.sub(_replace_authorization, text)


def redact_embedded_credentials(text: str, mask_url_credentials: bool) -> str:
    """URL credentials first (when enabled), then Authorization values (always): the
    Authorization pass could otherwise swallow a URL's scheme, as in
    ``Bearer postgresql://user:pass@host``."""
    if mask_url_credentials:
        text = redact_url_credentials(text)
    return redact_authorization_values(text)
