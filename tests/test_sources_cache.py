"""The source cache is never stale: for real modules on disk, every capture equals posthog's
reading of the file at that capture, whatever happened to the file, its loader or
sys.modules in between. Each newline and encoding case importlib decodes, too."""

import importlib
import importlib.util
import os
import py_compile
import subprocess
import sys
import textwrap
import time
import zipfile

import pytest
from posthog import exception_utils as ph

from fastvars.core import sources
from helpers.oracle import raise_and_catch
from helpers.stacktrace_support import assert_same, assert_same_outcome

OLD = time.time() - 3600  # an mtime the racy-clean rule lets the cache keep

_counter = [0]


def _unique(prefix="fvsrc"):
    _counter[0] += 1
    return f"{prefix}_{os.getpid()}_{_counter[0]}"


# The racy-clean window, shortened so that a test need not wait two seconds for a file
# it just wrote (and aged with utime, which sets ctime to now) to be cached.
RACY_SECONDS = 0.05


@pytest.fixture(autouse=True)
def short_racy_window(monkeypatch):
    monkeypatch.setattr(sources, "RACY_SECONDS", RACY_SECONDS)


def _age(path):
    os.utime(path, (OLD, OLD))
    time.sleep(RACY_SECONDS * 1.5)


def _import(directory, name):
    sys.path.insert(0, str(directory))
    try:
        importlib.invalidate_caches()
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(directory))


def _module(tmp_path, data, name=None):
    """A module file written as these bytes, aged, imported."""
    name = name or _unique()
    path = tmp_path / f"{name}.py"
    path.write_bytes(data)
    _age(path)
    return _import(tmp_path, name), path


BODY = (
    "def boom(arg=None):\n    local = 1\n    raise ValueError('boom')\n\ndef outer():\n    boom()\n"
)


def _filler(newline):
    return newline.join(f"# filler line {i}" for i in range(8)) + newline


ENCODED_SOURCES = {
    "utf8": (_filler("\n") + BODY + "# caf\u00e9 \u2603\n").encode("utf-8"),
    "crlf": (_filler("\r\n") + BODY.replace("\n", "\r\n")).encode(),
    "cr": (_filler("\r") + BODY.replace("\n", "\r")).encode(),
    "mixed": ("# a\r\n# b\r# c\n" + BODY).encode(),
    "bom": b"\xef\xbb\xbf" + (_filler("\n") + BODY + "# \u00e9\n").encode(),
    "bom_cookie": b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n" + BODY.encode(),
    "latin1_cookie": b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + BODY.encode(),
    "cp1252_cookie_line2": b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\n# \x80\x93\n"
    + BODY.encode(),
    "separators": (
        "# form\x0cfeed\n# vt\x0bhere\n# fs\x1cgs\x1drs\x1eend\n"
        "# nel\x85here\n# ls\u2028ps\u2029end\n" + BODY + "# after\x0c\x1c\n"
    ).encode("utf-8"),
    "long_lines": (
        "# "
        + "x" * 3000
        + "\n# "
        + "\u00e9" * 700
        + "\n# "
        + "\U0001f600" * 300
        + "\n"
        + BODY
        + "# "
        + "y" * 1021
        + "\n# "
        + "z" * 1022
        + "\n"
    ).encode("utf-8"),
    "no_trailing_newline": ("# top\n" + BODY.rstrip("\n")).encode(),
    "raise_first_line": b"def boom(arg=None): raise ValueError('first')\ndef outer(): boom()\n",
    "tabs_and_spaces": ("#\t\ttabbed   \n" + BODY + "   \n\t\n").encode(),
}


@pytest.mark.parametrize("case", list(ENCODED_SOURCES))
def test_encodings_and_newlines(twin, tmp_path, case):
    module, path = _module(tmp_path, ENCODED_SOURCES[case])
    exc_info = raise_and_catch(module.outer)
    sources.clear_cache()
    first = assert_same_outcome(twin, exc_info)  # a miss
    assert str(path) in sources.CACHE.entries
    hits = sources.cache_stats()["hits"]
    second = assert_same_outcome(twin, exc_info)  # from the cache
    assert sources.cache_stats()["hits"] > hits
    assert first == second


def _rewrite(path, data, keep_mtime=True):
    stat = os.stat(path)
    path.write_bytes(data)
    if keep_mtime:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


CHANGES = {
    "same_size_same_mtime": lambda p: _rewrite(p, p.read_bytes().replace(b"boom')", b"BOOM')")),
    "different_content": lambda p: _rewrite(p, b"# new first line\n" * 3 + p.read_bytes()),
    "truncated": lambda p: _rewrite(p, p.read_bytes()[:40]),
    "emptied": lambda p: _rewrite(p, b""),
    "deleted": lambda p: p.unlink(),
    "replaced_by_directory": lambda p: (p.unlink(), p.mkdir()),
    "invalid_utf8": lambda p: _rewrite(p, p.read_bytes() + b"# \xff\xfe bad\n"),
    "bad_cookie": lambda p: _rewrite(p, b"# -*- coding: no-such-codec -*-\n" + p.read_bytes()),
    "bom_with_latin1_cookie": lambda p: _rewrite(
        p, b"\xef\xbb\xbf# coding: latin-1\n" + p.read_bytes()
    ),
    "fresh_rewrite": lambda p: p.write_bytes(p.read_bytes().replace(b"local = 1", b"local = 2")),
    "symlink_to_other": lambda p: (
        (p.parent / "other.py").write_bytes(b"# other\n" * 20),
        p.unlink(),
        p.symlink_to(p.parent / "other.py"),
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_file_changes_between_captures(twin, tmp_path, change):
    module, path = _module(tmp_path, ENCODED_SOURCES["utf8"])
    exc_info = raise_and_catch(module.outer)
    sources.clear_cache()
    assert_same_outcome(twin, exc_info)
    assert_same_outcome(twin, exc_info)
    assert str(path) in sources.CACHE.entries
    CHANGES[change](path)
    assert_same_outcome(twin, exc_info)
    assert_same_outcome(twin, exc_info)
    if path.is_dir():
        path.rmdir()
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.write_bytes(ENCODED_SOURCES["crlf"])  # back to a file, a new one
    assert_same_outcome(twin, exc_info)
    assert_same_outcome(twin, exc_info)


@pytest.mark.parametrize("field", range(6))
@pytest.mark.parametrize("wrong", ["other", "huge", "negative"])
def test_a_stat_key_field_that_differs_is_a_miss(twin, tmp_path, field, wrong):
    # The compiled twin compares the stored key field by field in C: a value off by
    # one, past 64 bits or negative is not the file's stat.
    module, path = _module(tmp_path, ENCODED_SOURCES["utf8"])
    exc_info = raise_and_catch(module.outer)
    sources.clear_cache()
    assert_same_outcome(twin, exc_info)
    key, lines, cost = sources.CACHE.entries[str(path)]
    changed = list(key)
    changed[field] = {
        "other": key[field] + 1,
        "huge": key[field] + 2**64,
        "negative": -1 - key[field],
    }[wrong]
    sources.CACHE.entries[str(path)] = (tuple(changed), ["stale"] * len(lines), cost)
    misses = sources.CACHE.misses
    frames = assert_same_outcome(twin, exc_info)[1][0]["stacktrace"]["frames"]
    assert "stale" not in [frame["context_line"] for frame in frames]
    assert sources.CACHE.misses > misses


def test_recent_files_are_not_cached(tmp_path, twin):
    name = _unique()
    path = tmp_path / f"{name}.py"
    path.write_bytes(ENCODED_SOURCES["utf8"])
    module = _import(tmp_path, name)
    exc_info = raise_and_catch(module.outer)
    sources.clear_cache()
    assert_same_outcome(twin, exc_info)
    assert str(path) not in sources.CACHE.entries
    _age(path)
    assert_same_outcome(twin, exc_info)
    assert str(path) in sources.CACHE.entries


def test_loader_name_check(twin, tmp_path):
    # A module whose __name__ no longer matches its loader's name: get_source raises
    # ImportError and posthog reads linecache instead.
    module, _ = _module(tmp_path, ENCODED_SOURCES["utf8"])
    exc_info = raise_and_catch(module.outer)
    module.__dict__["__name__"] = "renamed"
    assert_same_outcome(twin, raise_and_catch(module.outer))
    module.__dict__["__name__"] = None
    assert_same_outcome(twin, raise_and_catch(module.outer))
    del module.__dict__["__name__"]
    assert_same_outcome(twin, raise_and_catch(module.outer))
    assert_same_outcome(twin, exc_info)


def test_loader_replaced_or_subclassed(twin, tmp_path):
    module, path = _module(tmp_path, ENCODED_SOURCES["utf8"])
    log = []

    class Logged(importlib.machinery.SourceFileLoader):
        def get_source(self, name):
            log.append(name)
            return super().get_source(name)

    module.__loader__ = Logged(module.__name__, str(path))
    exc_info = raise_and_catch(module.outer)
    assert_same_outcome(twin, exc_info)
    assert len(log) == 4  # two frames, posthog and fastvars each
    module.__loader__ = importlib.machinery.SourceFileLoader(module.__name__, str(path))
    module.__loader__.get_source = lambda name: log.append(("instance", name)) or "a\nb\nc\nd\n"
    assert_same_outcome(twin, exc_info)
    assert log[-1] == ("instance", module.__name__)
    module.__loader__ = importlib.machinery.SourceFileLoader(
        module.__name__, str(tmp_path / "nowhere.py")
    )
    assert_same_outcome(twin, exc_info)
    module.__loader__ = importlib.machinery.SourcelessFileLoader(module.__name__, str(path))
    assert_same_outcome(twin, exc_info)


def test_standard_loader_patched(twin, tmp_path, monkeypatch):
    module, _ = _module(tmp_path, ENCODED_SOURCES["utf8"])
    exc_info = raise_and_catch(module.outer)
    calls = []
    original = importlib.machinery.SourceFileLoader.get_source

    def patched(self, name):
        calls.append(name)
        return original(self, name).upper()

    monkeypatch.setattr(importlib.machinery.SourceFileLoader, "get_source", patched)
    assert_same_outcome(twin, exc_info)
    assert len(calls) == 6  # three frames, posthog and fastvars each


def test_linecache_entries(twin, tmp_path):
    # A frame whose loader gives nothing is read through linecache, stale entries included.
    import linecache

    filename = str(tmp_path / "lc_only.py")
    globals_ = {"__name__": "lc"}
    code = compile("a = 1\nraise ValueError('lc')\n", filename, "exec")
    exc_info = raise_and_catch(exec, code, globals_)
    linecache.cache[filename] = (10, None, ["first\n", "raise here\r\n", "third\n"], filename)
    try:
        assert_same_outcome(twin, exc_info)
    finally:
        linecache.cache.pop(filename, None)
    assert_same_outcome(twin, exc_info)


def test_package_and_sys_modules_changes(twin, tmp_path):
    top = _unique("fvpkg")
    package = tmp_path / top / "inner"
    package.mkdir(parents=True)
    (tmp_path / top / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_bytes(ENCODED_SOURCES["utf8"])
    _age(package / "mod.py")
    module = _import(tmp_path, f"{top}.inner.mod")
    exc_info = raise_and_catch(module.outer)
    assert_same_outcome(twin, exc_info)
    saved = sys.modules.pop(top)
    try:
        assert_same_outcome(twin, exc_info)
        fake = type(saved)(top)
        fake.__file__ = "/elsewhere/" + top + "/__init__.py"
        sys.modules[top] = fake
        assert_same_outcome(twin, exc_info)
        fake.__file__ = None
        assert_same_outcome(twin, exc_info)
        del fake.__file__
        fake.__getattr__ = lambda name: "/via/getattr/x/y.py"
        assert_same_outcome(twin, exc_info)
    finally:
        sys.modules[top] = saved
    assert_same_outcome(twin, exc_info)


def test_namespace_package(twin, tmp_path):
    top = _unique("fvns")
    (tmp_path / top).mkdir()
    (tmp_path / top / "mod.py").write_bytes(ENCODED_SOURCES["crlf"])
    _age(tmp_path / top / "mod.py")
    module = _import(tmp_path, f"{top}.mod")
    assert sys.modules[top].__file__ is None
    assert_same_outcome(twin, raise_and_catch(module.outer))


def test_zip_import(twin, tmp_path):
    name = _unique("fvzip")
    archive = tmp_path / "lib.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"{name}.py", ENCODED_SOURCES["separators"])
    module = _import(archive, name)
    assert "zipimport" in type(module.__loader__).__module__
    exc_info = raise_and_catch(module.outer)
    assert_same_outcome(twin, exc_info)
    assert_same_outcome(twin, exc_info)


def test_pyc_only_module(twin, tmp_path):
    name = _unique("fvpyc")
    source = tmp_path / f"{name}.py"
    source.write_bytes(ENCODED_SOURCES["utf8"])
    py_compile.compile(str(source), cfile=str(tmp_path / f"{name}.pyc"))
    source.unlink()
    module = _import(tmp_path, name)
    assert type(module.__loader__).__name__ == "SourcelessFileLoader"
    exc_info = raise_and_catch(module.outer)
    assert_same_outcome(twin, exc_info)
    source.write_bytes(b"# the source is back, in another version\n" + ENCODED_SOURCES["utf8"])
    assert_same_outcome(twin, exc_info)


def test_cache_is_bounded(twin, tmp_path):
    limit = sources.cache_limit_bytes()
    assert limit == sources.DEFAULT_CACHE_BYTES
    try:
        sources.set_cache_limit_bytes(20_000)
        sources.clear_cache()
        for index in range(12):
            module, _ = _module(tmp_path, ("# pad\n" * (50 + index) + BODY).encode())
            assert_same_outcome(twin, raise_and_catch(module.outer))
            stats = sources.cache_stats()
            assert stats["bytes"] <= 20_000
            assert stats["bytes"] == sum(entry[2] for entry in sources.CACHE.entries.values())
        assert 0 < stats["entries"] < 12
        big, _ = _module(tmp_path, (("# " + "b" * 100 + "\n") * 400 + BODY).encode())
        assert_same_outcome(twin, raise_and_catch(big.outer))
        assert big.__file__ not in sources.CACHE.entries
        sources.set_cache_limit_bytes(0)
        assert sources.cache_stats()["entries"] == 0
        assert_same_outcome(twin, raise_and_catch(big.outer))
        assert sources.cache_stats()["entries"] == 0
    finally:
        sources.set_cache_limit_bytes(limit)
    with pytest.raises(ValueError):
        sources.set_cache_limit_bytes(-1)


SUBPROCESS_CHECK = textwrap.dedent(
    """
    import sys
    from posthog import exception_utils as ph
    sys.path.insert(0, {tests!r})
    from helpers.stacktrace_support import assert_same
    from fastvars.core import stacktrace

    def check(exc_info):
        expected = ph.exceptions_from_error_tuple(exc_info)
        for twin in (stacktrace.python_exceptions_from_error_tuple,
                     stacktrace.compiled_exceptions_from_error_tuple):
            assert_same(twin(exc_info), expected)
            assert_same(twin(exc_info), expected)
        print("SAME", len(expected[0]["stacktrace"]["frames"]))
    """
)


def _run_python(args, tmp_path, stdin=None):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(__file__))
    return subprocess.run(
        [sys.executable, *args],
        cwd=tmp_path,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_dash_c_frames(tmp_path):
    code = SUBPROCESS_CHECK.format(tests=os.path.dirname(__file__)) + textwrap.dedent(
        """
        def fails():
            raise ValueError("from -c")
        try:
            fails()
        except ValueError:
            check(sys.exc_info())
        """
    )
    result = _run_python(["-c", code], tmp_path)
    assert "SAME 2" in result.stdout, result.stderr
    result = _run_python(["-"], tmp_path, stdin=code)
    assert "SAME 2" in result.stdout, result.stderr


def test_dash_m_and_script_frames(tmp_path):
    code = SUBPROCESS_CHECK.format(tests=os.path.dirname(__file__)) + textwrap.dedent(
        """
        def fails():
            raise ValueError("from a script")
        try:
            fails()
        except ValueError:
            check(sys.exc_info())
        """
    )
    (tmp_path / "script_mod.py").write_text(code)
    _age(tmp_path / "script_mod.py")
    for args in (["-m", "script_mod"], ["script_mod.py"], [str(tmp_path / "script_mod.py")]):
        result = _run_python(args, tmp_path)
        assert "SAME 2" in result.stdout, (args, result.stderr)


# --- generated sources: any mix of the separators str.splitlines knows, in comments -------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from helpers.sizes import scaled  # noqa: E402

# Inside a comment these end a line for str.splitlines but not for the tokenizer.
INNER = [
    "a",
    "Z",
    " ",
    "\t",
    "\x0c",
    "\x0b",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\u2028",
    "\u2029",
    "\u00e9",
    "\U0001f600",
    "#",
]
NEWLINES = ["\n", "\r\n", "\r"]


@settings(
    max_examples=scaled(40),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    comments=st.lists(
        st.tuples(st.text(st.sampled_from(INNER), max_size=30), st.sampled_from(NEWLINES)),
        max_size=14,
    ),
    after=st.lists(
        st.tuples(st.text(st.sampled_from(INNER), max_size=30), st.sampled_from(NEWLINES)),
        max_size=8,
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1-cookie"]),
)
def test_generated_sources(twin, tmp_path, comments, after, encoding):
    def text(lines):
        return "".join("#" + body + newline for body, newline in lines)

    source = text(comments) + BODY + text(after)
    if encoding == "latin-1-cookie":
        source = "# -*- coding: latin-1 -*-\n" + source
        data = source.encode("latin-1", errors="replace")
    else:
        data = source.encode(encoding)
    module, _ = _module(tmp_path, data)
    exc_info = raise_and_catch(module.outer)
    sources.clear_cache()
    assert_same_outcome(twin, exc_info)
    assert_same_outcome(twin, exc_info)


def test_no_extensions_environment(tmp_path):
    code = (
        "from fastvars import engine\n"
        "from fastvars.core import stacktrace\n"
        "assert engine.ACTIVE is engine.PYTHON\n"
        "assert stacktrace.COMPILED_STACK is None\n"
        "assert stacktrace.ACTIVE_STACK is stacktrace.serialize_stack\n"
        "from fastvars import workloads\n"
        "from posthog import exception_utils as ph\n"
        "ei = workloads.standard()\n"
        "assert repr(stacktrace.exceptions_from_error_tuple(ei, {'type': 'x'})) == "
        "repr(ph.exceptions_from_error_tuple(ei, {'type': 'x'}))\n"
        "print('PYTHON OK')\n"
    )
    env = dict(os.environ, FASTVARS_NO_EXTENSIONS="1")
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert "PYTHON OK" in result.stdout, result.stderr


def test_threads_capturing_while_a_file_changes(tmp_path):
    import threading

    from fastvars.core import stacktrace

    stable, _ = _module(tmp_path, ENCODED_SOURCES["utf8"])
    changing, changing_path = _module(tmp_path, ENCODED_SOURCES["crlf"])
    stable_info = raise_and_catch(stable.outer)
    changing_info = raise_and_catch(changing.outer)
    expected = ph.exceptions_from_error_tuple(stable_info)
    errors = []
    stop = threading.Event()

    def capture(function):
        try:
            for _ in range(150):
                assert_same(function(stable_info), expected)
                function(changing_info)  # whatever the file holds at that moment
        except BaseException as error:  # reported below
            errors.append(error)

    def rewrite():
        index = 0
        while not stop.is_set():
            index += 1
            changing_path.write_bytes(ENCODED_SOURCES["crlf"] + b"# rewrite %d\n" % index)

    writer = threading.Thread(target=rewrite)
    threads = [
        threading.Thread(target=capture, args=(function,))
        for function in (
            stacktrace.python_exceptions_from_error_tuple,
            stacktrace.compiled_exceptions_from_error_tuple,
        )
        * 2
    ]
    writer.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    writer.join()
    assert not errors
    assert sources.cache_stats()["bytes"] <= sources.cache_limit_bytes()
