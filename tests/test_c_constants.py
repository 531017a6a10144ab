"""Constants defined once in Python (the compiler's stages, ``fastvars.constants``), and
copied into C only where the C needs them as compile-time values (array sizes,
immediates in a loop). Each copy is checked here against its one definition: in the C
headers of the source tree (no build needed), and as the compiled modules were built
(their ``_C_CONSTANTS``)."""

import importlib
import re
from pathlib import Path

import pytest

from helpers import implementations

CSRC = Path(__file__).resolve().parent.parent / "csrc"

# (header, C macro(s), the Python definition as "module.NAME" in fastvars.compiler)
COPIES = [
    ("automaton.h", ("FV_STOP_ALL",), "tables.STOP_ALL"),
    ("automaton.h", ("FV_STOP_MASK",), "tables.STOP_MASK"),
    ("automaton.h", ("FV_ROW",), "tables.ROW"),
    (
        "automaton.h",
        ("FV_CASE_FOLD_0", "FV_CASE_FOLD_1", "FV_CASE_FOLD_2", "FV_CASE_FOLD_3"),
        "alphabet.CASE_FOLD_CODE_POINTS",
    ),
    ("secret_chains.h", ("FV_SECRETS_MAX_POS",), "secret_chains.MAX_SECRET_POSITIONS"),
    ("secret_chains.h", ("FV_SECRETS_MAX_GROUPS",), "secret_chains.MAX_SECRET_GROUPS"),
]
# Which compiled module reports the copies of each header.
COMPILED = {
    "automaton.h": "fastvars.core._matching",
    "secret_chains.h": "fastvars.core._secret_detection",
}


def python_value(qualified):
    module, name = qualified.split(".")
    return getattr(importlib.import_module(f"fastvars.compiler.{module}"), name)


def header_defines(header):
    text = (CSRC / header).read_text()
    return {
        name: int(value, 0)
        for name, value in re.findall(r"^#define (\w+) (0x[0-9A-Fa-f]+|\d+)u?\b", text, re.M)
    }


@pytest.mark.parametrize(("header", "macros", "python"), COPIES, ids=[c[2] for c in COPIES])
def test_header_copy_agrees(header, macros, python):
    defines = header_defines(header)
    values = tuple(defines[m] for m in macros)
    assert values == (python_value(python) if len(macros) > 1 else (python_value(python),))


@pytest.mark.parametrize(("header", "macros", "python"), COPIES, ids=[c[2] for c in COPIES])
def test_compiled_copy_agrees(header, macros, python):
    module = implementations.load("c", "", COMPILED[header])
    assert module._C_CONSTANTS[python] == python_value(python)


@pytest.mark.parametrize("compiled", sorted(set(COMPILED.values())))
def test_every_compiled_copy_is_checked(compiled):
    module = implementations.load("c", "", compiled)
    assert set(module._C_CONSTANTS) == {p for h, _, p in COPIES if COMPILED[h] == compiled}


# Cython enum copies (no header): compiled module -> the constants.py names it copies.
CYTHON_COPIES = {
    "fastvars.core._policy": {"CACHE_GENERATION", "NAME_CACHE_MAX_LENGTH", "KEY_CACHE_MAX_LENGTH"},
}


@pytest.mark.parametrize("compiled", sorted(CYTHON_COPIES))
def test_cython_copies_agree_with_constants(compiled):
    from fastvars import constants

    module = implementations.load("c", "", compiled)
    assert set(module._C_CONSTANTS) == CYTHON_COPIES[compiled]
    for name, value in module._C_CONSTANTS.items():
        assert value == getattr(constants, name), name
