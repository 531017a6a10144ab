"""The public types (fastvars.types) against what the API returns at runtime: what a
type checker trusts must be true of both engines."""

import pathlib
import types
import typing

import pytest

import fastvars
from fastvars import types as fv_types
from fastvars.integration import control


def _keys(typed_dict):
    return set(typed_dict.__required_keys__) | set(typed_dict.__optional_keys__)


def test_status_has_exactly_the_keys_of_the_typed_dict(engine_off):
    assert set(fastvars.status()) == _keys(fv_types.Status)


def test_status_keys_while_enabled(engine_off):
    if not fastvars.enable():
        pytest.skip(f"fastvars cannot be enabled here: {fastvars.status()['reason']}")
    assert set(fastvars.status()) == _keys(fv_types.Status)


def test_status_nested_source_cache_keys():
    found = fastvars.status()["source_cache"]
    assert found is not None
    assert set(found) == _keys(fv_types.SourceCacheStats)


def test_status_without_source_cache_is_none(monkeypatch):
    # The declared `SourceCacheStats | None`: None when the cache cannot be loaded.
    monkeypatch.setattr(control, "_source_cache", lambda: None)
    assert fastvars.status()["source_cache"] is None


def _runtime_class(hint):
    """What isinstance can test for a member of a declared type."""
    if typing.get_origin(hint) is typing.Literal:
        return type(typing.get_args(hint)[0])
    if typing.is_typeddict(hint):
        return dict
    return typing.get_origin(hint) or hint


def test_status_values_have_the_declared_types(engine_off):
    found = fastvars.status()
    for key, hint in typing.get_type_hints(fv_types.Status).items():
        if typing.get_origin(hint) in (typing.Union, types.UnionType):
            allowed = tuple(_runtime_class(arg) for arg in typing.get_args(hint))
        else:
            allowed = (_runtime_class(hint),)
        assert isinstance(found[key], allowed), (key, found[key], hint)
    assert found["implementation"] in ("c", "python")
    assert set(found["engines_available"]) <= {"c", "python"}


def test_implementation_names_are_the_declared_ones():
    names = {typing.get_args(arg)[0] for arg in typing.get_args(fv_types.ImplementationName)}
    assert names == {"c", "python"}
    assert fastvars.implementation in names


def test_compile_patterns_result_is_a_matcher_on_each_engine(engine):
    matcher = engine.compile_patterns(["pass"], ["^__"])
    assert isinstance(matcher, fv_types.Matcher)
    assert matcher.classify("password") == fastvars.MASK
    assert matcher.classify("__x") == fastvars.IGNORE
    assert matcher.classify_many(["password", "x"], cache=False) == [fastvars.MASK, 0]
    assert matcher.mask_search("my password") is True
    assert (matcher.has_mask, matcher.has_ignore) == (True, True)
    assert (matcher.mask_patterns, matcher.ignore_patterns) == (("pass",), ("^__",))
    assert isinstance(matcher.stats(), dict)


def test_public_compile_patterns_returns_a_matcher(engine_off):
    assert isinstance(fastvars.compile_patterns(None, None), fv_types.Matcher)


def test_engines_are_capture_engines(engine):
    # CaptureEngine is not runtime_checkable (its members are callables read as
    # attributes): every member it declares is there, with the declared name.
    members = [name for name in vars(fv_types.CaptureEngine) if not name.startswith("_")]
    assert members
    for name in members:
        assert hasattr(engine, name), name
    assert engine.name in ("c", "python")


def test_the_public_types_are_exported():
    for name in ("CaptureEngine", "ImplementationName", "Matcher", "Status"):
        assert getattr(fastvars, name) is getattr(fv_types, name)
        assert name in fastvars.__all__
    for name in fv_types.__all__:
        assert hasattr(fv_types, name)


def test_every_compiled_module_has_a_stub_beside_it():
    package = pathlib.Path(__file__).resolve().parents[1] / "src" / "fastvars"
    sources = sorted(package.rglob("_*.pyx"))
    if not sources:
        pytest.skip("not a source checkout")
    missing = [
        str(pyx.relative_to(package)) for pyx in sources if not pyx.with_suffix(".pyi").exists()
    ]
    assert missing == []
