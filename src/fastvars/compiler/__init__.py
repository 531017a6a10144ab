"""The pattern compiler: mask and ignore pattern lists, and posthog's known secret
formats, turned into the flat tables the C loops in ``csrc/`` run.

Plain Python, run once per pattern list (the engines cache the result), never at match
time. One module per stage, as regex-automata lays out its compiler:

==================  ===================================================================
``syntax``          a pattern as Python's parser sees it; posthog's ``(?i)text`` rule
``alphabet``        132 symbols (ASCII and 4 kinds of other code point), sets as masks
``nfa``             Thompson's construction: one NFA for every pattern
``dfa``             the subset construction, within a work budget
``tables``          the rows the C loop reads (``csrc/automaton.c``)
``patterns``        the entry point: the stages in order, the budgets, the residual list
``reference``       the C loop in Python, for tests
``known_secrets``   data: posthog's vendor secret formats
``secret_chains``   those formats as a position automaton (``csrc/secret_chains.c``)
==================  ===================================================================
"""

from .alphabet import CASE_FOLD_CODE_POINTS
from .dfa import DFA_WORK_BUDGET
from .patterns import compile_tables
from .secret_chains import SecretTables, compile_secret_tables
from .syntax import plain_caseless_text
from .tables import Tables

__all__ = [
    "CASE_FOLD_CODE_POINTS",
    "DFA_WORK_BUDGET",
    "SecretTables",
    "Tables",
    "compile_secret_tables",
    "compile_tables",
    "plain_caseless_text",
]
