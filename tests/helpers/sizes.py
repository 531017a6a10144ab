"""How many cases a generated or fuzzed test runs, scaled by the active hypothesis
settings profile (see conftest.py): ``scaled(1000)`` is 1,000 under the ``default`` and
``ci`` profiles (100 examples a test), 100 under ``quick``, 10,000 under ``thorough``.

Read when a test module is imported, after conftest.py and ``--hypothesis-profile``
chose the profile."""

from hypothesis import settings

# max_examples of the default profile: the one the sizes written in the tests are for.
BASE_EXAMPLES = 100


def scaled(count: int) -> int:
    """``count`` cases at the default profile, in proportion at the active one."""
    return max(1, count * settings().max_examples // BASE_EXAMPLES)
