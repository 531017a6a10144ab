"""The numbers and markers of posthog's code-variables format.

These are data, not logic: fastvars must emit exactly what posthog 7.91.1 emits, so the
placeholders, limits and default pattern lists are the reference's own values. Every
other module takes them from here, so a change in posthog is one edit.
"""

from typing import Final

# The posthog versions whose capture output fastvars was verified to reproduce.
VERIFIED_POSTHOG_VERSIONS: Final[tuple[str, ...]] = ("7.91.1",)

DEFAULT_MASK_PATTERNS: Final[tuple[str, ...]] = (
    r"(?i)password",
    r"(?i)secret",
    r"(?i)passwd",
    r"(?i)pwd",
    r"(?i)api_key",
    r"(?i)apikey",
    r"(?i)auth",
    r"(?i)credentials",
    r"(?i)privatekey",
    r"(?i)private_key",
    r"(?i)token",
    r"(?i)aws_access_key_id",
    r"(?i)_pass",
    r"(?i)sk_",
    r"(?i)jwt",
    r"(?i)connection_string",
    r"(?i)connectionstring",
    r"(?i)conn_str",
    r"(?i)connstr",
    r"(?i)dsn",
    r"(?i)[?&]sig=",
)
DEFAULT_IGNORE_PATTERNS: Final[tuple[str, ...]] = (r"^__.*",)

# Placeholders that replace what must not be shown.
REDACTED: Final = "$$_posthog_redacted_based_on_masking_rules_$$"
TOO_LONG: Final = "$$_posthog_value_too_long_$$"
CIRCULAR: Final = "<circular ref>"
REDACTED_KEY_FORMAT: Final = "$$_posthog_redacted_key_{}_$$"

# Limits of the masking walk.
MAX_SCAN_LENGTH: Final = 2048  # longer strings are never scanned, only replaced
MAX_ITEMS: Final = 50  # containers with more items are replaced whole
MAX_DEPTH: Final = 12  # nesting below this is replaced
MAX_NODES: Final = 100  # containers and objects visited for one variable

# Limits of the encoding.
MAX_VALUE_LENGTH: Final = 1024  # one encoded value, in characters
TOTAL_SIZE_BUDGET: Final = 10 * 1024  # all values of one capture, in characters

# Secret detection.
SECRET_MIN_LENGTH: Final = 16
SECRET_MIN_ENTROPY_BITS: Final = 3.8
SECRET_MIN_CHAR_CLASSES: Final = 3
PEM_PRIVATE_KEY_MARKER: Final = "PRIVATE KEY-----"

# posthog's bounds on the exception tree it serializes (exceptions_from_error_tuple and
# the code-variables walk over the same chain).
MAX_EXCEPTIONS: Final = 50
MAX_GROUP_MEMBER_INSPECTIONS: Final = 1000

# fastvars' own bounds, not posthog's format: every cache is bounded. A cache holds two
# generations of CACHE_GENERATION entries (see core/caches.py): the matcher's per-name
# decisions, the policy's per-key decisions, the classes' traits, the serializer's
# path memos. The compiled modules copy some of these as C constants
# (core/_policy.pxd); tests/test_c_constants.py checks each copy.
CACHE_GENERATION: Final = 4096
NAME_CACHE_SIZE: Final = 2 * CACHE_GENERATION  # the matcher's names, both generations
NAME_CACHE_MAX_LENGTH: Final = 256  # longer names are never cached (bounded in bytes)
KEY_CACHE_MAX_LENGTH: Final = 64  # longer mapping keys are never cached
COMPILED_CACHE_SIZE: Final = 256  # compiled pattern sets kept, keyed by content

# Flags returned by Matcher.classify().
IGNORE: Final = 1
MASK: Final = 2
