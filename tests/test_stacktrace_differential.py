"""fastvars' exceptions_from_error_tuple against posthog's own, on really raised exceptions:
every exception field, every frame field, and the user code each one runs, in order."""

import itertools
import os
import sys
import types
from typing import ClassVar

import pytest
from posthog import exception_utils as ph

from fastvars import workloads
from fastvars.core import stacktrace
from helpers import implementations
from helpers.corpus import CHAINED, SCENARIOS
from helpers.oracle import raise_and_catch
from helpers.stacktrace_support import assert_same, assert_same_outcome

MECHANISMS = [
    None,
    {},
    {"type": "django", "handled": False},
    {"type": "", "handled": 1, "source": "", "synthetic": "yes"},
    {
        "type": "x",
        "handled": True,
        "source": "celery",
        "synthetic": True,
        "exception_id": 7,
        "parent_id": 3,
        "extra": [1, {"a": 2}],
        "meta": {"k": 1},
    },
    {"type": "chained", "meta": {"errno": {"number": 99}}},
    [("type", "list")],
    "mechanism",
]


@pytest.mark.parametrize("name", list(workloads.WORKLOADS))
@pytest.mark.parametrize("mechanism", range(len(MECHANISMS)))
def test_workloads(twin, name, mechanism):
    exc_info = workloads.WORKLOADS[name].make()
    assert_same_outcome(twin, exc_info, MECHANISMS[mechanism])


@pytest.mark.parametrize("name", list(SCENARIOS) + list(CHAINED))
def test_corpus(twin, name):
    fn = {**SCENARIOS, **CHAINED}[name]
    exc_info = raise_and_catch(fn)
    assert_same_outcome(twin, exc_info)
    assert_same_outcome(twin, exc_info, {"type": "t"})


def test_async_call_without_mechanism(twin):
    exc_info = workloads.standard()
    assert_same(twin(exc_info), ph.exceptions_from_error_tuple(exc_info))


# --- exception fields ------------------------------------------------------------------


class BadStr(Exception):
    def __str__(self):
        raise ValueError("no str")


class BadStrBadRepr(Exception):
    def __str__(self):
        raise ValueError("no str")

    def __repr__(self):
        raise ValueError("no repr")


class NotStrStr(Exception):
    def __str__(self):
        return 42


class WithMessage(Exception):
    message = "the message"


class WithDetail(Exception):
    message = ""
    detail: ClassVar[dict[str, int]] = {"detail": 1}


class RaisingMessage(Exception):
    @property
    def message(self):
        raise RuntimeError("message raises")


class MissingMessage(Exception):
    @property
    def message(self):
        raise AttributeError("no message")


class RaisingErrno(Exception):
    @property
    def errno(self):
        raise ValueError("errno raises")


class NoQualname(Exception):
    pass


NoQualname.__qualname__ = ""


class NoModule(Exception):
    pass


NoModule.__module__ = None


class BuiltinsModule(Exception):
    pass


BuiltinsModule.__module__ = "__builtins__"


def _raise(error):
    raise error


@pytest.mark.parametrize(
    "make",
    [
        lambda: BadStr("x"),
        lambda: BadStrBadRepr("x"),
        lambda: NotStrStr("x"),
        lambda: WithMessage("x"),
        lambda: WithDetail("x"),
        lambda: RaisingMessage("x"),
        lambda: MissingMessage("x"),
        lambda: RaisingErrno("x"),
        lambda: NoQualname("x"),
        lambda: NoModule("x"),
        lambda: BuiltinsModule("x"),
        lambda: OSError(2, "No such file"),
        lambda: OSError("no errno"),
        lambda: FileNotFoundError(2, "gone", "/tmp/x"),
        lambda: KeyError(""),
        lambda: ValueError(),
        lambda: SystemExit(3),
        lambda: KeyboardInterrupt(),
    ],
)
@pytest.mark.parametrize("mechanism", [None, {"meta": {"errno": {}}}, {"meta": "not a dict"}])
def test_exception_fields(twin, make, mechanism):
    assert_same_outcome(twin, raise_and_catch(_raise, make()), mechanism)


def test_no_exception_value(twin):
    tb = raise_and_catch(_raise, ValueError("x"))[2]
    for exc_info in [(ValueError, None, tb), (None, None, None), (ValueError, None, None)]:
        assert_same_outcome(twin, exc_info)


def test_exc_info_not_a_triple(twin):
    for exc_info in [(1, 2), None, [ValueError, ValueError("x"), None]]:
        assert_same_outcome(twin, exc_info)


def test_synthesized_traceback(twin):
    error = ValueError("never raised")
    ph.construct_artificial_traceback(error)
    assert_same_outcome(twin, ph.exc_info_from_error(error))
    assert_same_outcome(twin, ph.exc_info_from_error(error), {"synthetic": False})


# --- chains, cycles, groups, bounds -------------------------------------------------------


def _chain(length, suppress=False):
    errors = [ValueError(f"e{i}") for i in range(length)]
    for outer, inner in itertools.pairwise(errors):
        if suppress:
            outer.__cause__ = inner
        else:
            outer.__context__ = inner
    return errors[0]


def test_long_chains(twin):
    for length in (49, 50, 51, 80):
        for suppress in (False, True):
            assert_same_outcome(twin, raise_and_catch(_raise, _chain(length, suppress)))


def test_cycle(twin):
    a, b = ValueError("a"), KeyError("b")
    a.__context__ = b
    b.__context__ = a
    assert_same_outcome(twin, raise_and_catch(_raise, a))


def test_raise_from_none(twin):
    def inner():
        try:
            raise KeyError("hidden")
        except KeyError:
            raise ValueError("shown") from None

    assert_same_outcome(twin, raise_and_catch(inner))


groups = pytest.mark.skipif(sys.version_info < (3, 11), reason="exception groups are 3.11+")


@groups
def test_groups(twin):
    EG = ExceptionGroup  # noqa: F821
    members = [raise_and_catch(_raise, ValueError(i))[1] for i in range(3)]
    nested = EG("outer", [EG("inner", members[:2]), members[2], _chain(3)])
    assert_same_outcome(twin, raise_and_catch(_raise, nested))
    wide = EG("wide", [ValueError(i) for i in range(70)])
    assert_same_outcome(twin, raise_and_catch(_raise, wide))
    one = ValueError("same")
    repeated = EG("repeated", [one] * 1200 + [KeyError("late")])
    assert_same_outcome(twin, raise_and_catch(_raise, repeated))
    inner_groups = EG("g", [EG(f"g{i}", [ValueError("v")] * 600) for i in range(3)])
    assert_same_outcome(twin, raise_and_catch(_raise, inner_groups))
    with_cause = EG("caused", [ValueError("m")])
    with_cause.__cause__ = _chain(60)
    assert_same_outcome(twin, raise_and_catch(_raise, with_cause))


@groups
def test_group_from_handler(twin):
    # except* is a syntax error before 3.11: compiled only where it runs
    namespace = {"__name__": "star"}
    exec(
        compile(
            "def handler():\n"
            "    try:\n"
            "        raise ExceptionGroup('eg', [ValueError(1), TypeError(2)])\n"
            "    except* ValueError:\n"
            "        raise RuntimeError('in except*')\n",
            __file__,
            "exec",
        ),
        namespace,
    )
    assert_same_outcome(twin, raise_and_catch(namespace["handler"]))


# --- frames ---------------------------------------------------------------------------------


class Truthy:
    def __bool__(self):
        raise ValueError("no truth")


def _hidden(flag_name, value):
    if flag_name == "__traceback_hide__":
        __traceback_hide__ = value
    else:
        __tracebackhide__ = value
    raise ValueError("hidden?")


@pytest.mark.parametrize("flag", ["__traceback_hide__", "__tracebackhide__"])
@pytest.mark.parametrize("value", [True, False, 1, 0, "", "yes", None, Truthy()], ids=repr)
def test_hidden_frames(twin, flag, value):
    assert_same_outcome(twin, raise_and_catch(lambda: _hidden(flag, value)))


def _run_code(source, filename, globals_, mode="exec"):
    code = compile(source, filename, mode)
    if mode == "eval":
        return eval(code, globals_)
    exec(code, globals_)


class CountingLoader:
    def __init__(self, result, log):
        self.result = result
        self.log = log

    def get_source(self, name):
        self.log.append(("get_source", name))
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result


SOURCE = "x = 1\ny = 2\n\nraise ValueError('in exec')\nz = 3\n"


@pytest.mark.parametrize(
    "globals_",
    [
        dict,
        lambda: {"__name__": "sentry_sdk.integrations"},
        lambda: {"__name__": "sentry_sdk"},
        lambda: {"__name__": 42},
        lambda: {"__name__": None},
        lambda: {"__name__": ""},
        lambda: {"__name__": "pkg_not_imported.sub"},
        lambda: {"__name__": "os.fake"},
        lambda: {"__name__": "m", "__loader__": None},
        lambda: {"__name__": "m", "__loader__": object()},
        lambda: {"__name__": "m", "__loader__": CountingLoader("a\r\nb\x0cc\u2028d\n" * 3, [])},
        lambda: {"__name__": "m", "__loader__": CountingLoader("", [])},
        lambda: {"__name__": "m", "__loader__": CountingLoader(None, [])},
        lambda: {"__name__": "m", "__loader__": CountingLoader(ImportError("no"), [])},
        lambda: {"__name__": "m", "__loader__": CountingLoader(OSError("no"), [])},
        lambda: {"__name__": "m", "__loader__": CountingLoader(ValueError("propagates"), [])},
        lambda: {"__name__": "m", "__loader__": CountingLoader(b"bytes\nsource", [])},
        lambda: {"__name__": "m", "__loader__": CountingLoader("x" * 3000 + "\n\u00e9" * 1100, [])},
    ],
)
@pytest.mark.parametrize("filename", ["<string>", "relative.py", __file__, "/no/such/file.pyc"])
def test_exec_frames(twin, globals_, filename):
    assert_same_outcome(twin, raise_and_catch(_run_code, SOURCE, filename, globals_()))


def test_eval_frame(twin):
    assert_same_outcome(
        twin, raise_and_catch(_run_code, "1/0", "<eval>", {"__name__": "e"}, "eval")
    )
    assert_same_outcome(twin, raise_and_catch(eval, "1/0"))


def test_custom_loader_called_as_posthog_calls_it(twin):
    expected_log, actual_log = [], []
    g1 = {"__name__": "m", "__loader__": CountingLoader(SOURCE, expected_log)}
    g2 = {"__name__": "m", "__loader__": CountingLoader(SOURCE, actual_log)}
    expected = ph.exceptions_from_error_tuple(raise_and_catch(_run_code, SOURCE, "<a>", g1))
    actual = twin(raise_and_catch(_run_code, SOURCE, "<a>", g2))
    assert_same(actual, expected)
    assert actual_log == expected_log and expected_log


def _frame_and_lineno():
    return sys._getframe(1)


@pytest.mark.parametrize("lineno", [0, -1, -4, 1, 2, 10**6])
def test_odd_traceback_lines(twin, lineno):
    frame = sys._getframe()
    tb = types.TracebackType(None, frame, 0, lineno)
    error = ValueError("odd line")
    assert_same_outcome(twin, (ValueError, error, tb))


def test_traceback_not_a_traceback(twin):
    class FakeTb:
        tb_frame = sys._getframe()
        tb_lineno = 3
        tb_next = None

    assert_same_outcome(twin, (ValueError, ValueError("x"), FakeTb()))


class ModuleLike:
    def __init__(self, log, file):
        self.log = log
        self.file = file

    def __getattr__(self, name):
        self.log.append(name)
        if isinstance(self.file, BaseException):
            raise self.file
        return self.file


@pytest.mark.parametrize(
    "entry",
    [
        "absent",
        lambda log: types.ModuleType("fvtop"),
        lambda log: ModuleLike(log, None),
        lambda log: ModuleLike(log, ""),
        lambda log: ModuleLike(log, "/"),
        lambda log: ModuleLike(log, "/x.py"),
        lambda log: ModuleLike(log, "/srv/app/fvtop/__init__.py"),
        lambda log: ModuleLike(log, os.path.dirname(__file__) + "/fvtop/__init__.py"),
        lambda log: ModuleLike(log, 42),
        lambda log: ModuleLike(log, RuntimeError("getattr raises")),
    ],
)
def test_filename_for_module(twin, entry):
    logs = []
    results = []
    for function in (ph.exceptions_from_error_tuple, twin):
        log = []
        saved = sys.modules.pop("fvtop", None)
        try:
            if entry != "absent":
                sys.modules["fvtop"] = entry(log)
            exc_info = raise_and_catch(_run_code, SOURCE, __file__, {"__name__": "fvtop.sub.mod"})
            results.append(function(exc_info))
        finally:
            sys.modules.pop("fvtop", None)
            if saved is not None:
                sys.modules["fvtop"] = saved
        logs.append(log)
    assert_same(results[1], results[0])
    assert logs[1] == logs[0]


def test_pyc_filename(twin):
    assert_same_outcome(
        twin, raise_and_catch(_run_code, SOURCE, __file__ + "c", {"__name__": "a.b"})
    )
    assert_same_outcome(twin, raise_and_catch(_run_code, SOURCE, __file__ + "c", {"__name__": "a"}))


def test_empty_function_name(twin):
    code = compile(SOURCE, "<empty>", "exec").replace(co_name="")
    assert_same_outcome(twin, raise_and_catch(exec, code, {"__name__": "m"}))


# --- user code: run as often as posthog runs it, in the same order -------------------------


class Recorder(Exception):
    """Every attribute read and conversion of this exception is logged."""

    log = None

    def __getattribute__(self, name):
        type(self).log.append(("get", name))
        return super().__getattribute__(name)

    def __str__(self):
        type(self).log.append(("str",))
        return "recorded"


class RecordingDict(dict):
    log = None

    def items(self):
        type(self).log.append(("items",))
        return super().items()

    def get(self, key, default=None):
        type(self).log.append(("get", key))
        return super().get(key, default)

    def __getitem__(self, key):
        type(self).log.append(("getitem", key))
        return super().__getitem__(key)


def test_user_code_order(twin):
    logs = []
    for function in (ph.exceptions_from_error_tuple, twin):
        log = []
        Recorder.log = RecordingDict.log = log

        def raiser():
            try:
                raise Recorder("inner")
            except Recorder as inner:
                raise Recorder("outer") from inner

        exc_info = raise_and_catch(raiser)
        del log[:]
        mechanism = RecordingDict(type="t", handled=False, extra=1)
        function(exc_info, mechanism)
        logs.append(log)
    assert logs[1] == logs[0]
    assert logs[0]


def test_hide_flag_truthiness_runs_once(twin):
    calls = []

    class Flag:
        def __bool__(self):
            calls.append(1)
            return False

    exc_info = raise_and_catch(lambda: _hidden("__tracebackhide__", Flag()))
    ph.exceptions_from_error_tuple(exc_info)
    expected = len(calls)
    del calls[:]
    twin(exc_info)
    assert len(calls) == expected == 1


# --- the compiled twin's own paths ------------------------------------------------------------


def compiled_counts():
    from fastvars.core import _stacktrace

    return _stacktrace.counts()


def test_compiled_serializes_plain_frames_itself(twin):
    if twin is not stacktrace.compiled_exceptions_from_error_tuple:
        pytest.skip("compiled twin only")
    exc_info = workloads.standard()
    before = compiled_counts()
    assert_same_outcome(twin, exc_info)
    after = compiled_counts()
    assert after["delegated"] == before["delegated"]
    assert after["plain"] - before["plain"] >= 22


def test_line_numbers_of_many_code_objects(twin):
    # Code objects come and go; a dead one's address reused by a new one must not
    # give it the dead one's line numbers.
    for index in range(300):
        source = (
            "\n" * (index % 17)
            + "def f():\n"
            + "    x = 1\n" * (index % 5)
            + "    raise ValueError(1)\n"
        )
        namespace = {"__name__": "gen"}
        exec(compile(source, f"<gen {index % 3}>", "exec"), namespace)
        assert_same_outcome(twin, raise_and_catch(namespace["f"]))


def test_os_path_replaced(twin, monkeypatch):
    exc_info = workloads.standard()
    monkeypatch.setattr(os.path, "abspath", lambda path: "/patched" + path)
    assert_same_outcome(twin, exc_info)
    monkeypatch.setattr(os.path, "basename", lambda path: "patched-basename")
    assert_same_outcome(twin, exc_info)


def test_relative_filename_without_a_working_directory(twin, tmp_path):
    exc_info = raise_and_catch(_run_code, SOURCE, "relative/file.py", {"__name__": "rel"})
    saved = os.getcwd()
    gone = tmp_path / "gone"
    gone.mkdir()
    os.chdir(gone)
    try:
        gone.rmdir()
        outcome = assert_same_outcome(twin, exc_info)
    finally:
        os.chdir(saved)
    assert outcome[0] == "raise" and outcome[1] is FileNotFoundError


def test_sys_modules_not_a_dict(twin, monkeypatch):
    class Modules(dict):
        def __getitem__(self, key):
            return super().__getitem__(key)

    exc_info = raise_and_catch(_run_code, SOURCE, __file__, {"__name__": "os.sub"})
    monkeypatch.setattr(sys, "modules", Modules(sys.modules))
    assert_same_outcome(twin, exc_info)


def test_compiled_module_imported_first():
    import subprocess

    code = (
        "from fastvars.core import _stacktrace\n"
        "from fastvars import workloads\n"
        "from fastvars.core import stacktrace\n"
        "from posthog import exception_utils as ph\n"
        "assert stacktrace.COMPILED_STACK is _stacktrace.serialize_stack\n"
        "ei = workloads.standard()\n"
        "assert repr(stacktrace.compiled_exceptions_from_error_tuple(ei)) == "
        "repr(ph.exceptions_from_error_tuple(ei))\n"
        "assert _stacktrace.counts()['plain'] == 22\n"
    )
    implementations.need_compiled(
        "the compiled stacktrace",
        stacktrace.COMPILED_STACK is not None,
        "fastvars.core._stacktrace did not load",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


posthog_unchanged = implementations.twin_fixture(
    "fastvars.core.stacktrace", "fastvars.core._stacktrace", "posthog_unchanged"
)


class _EqualsEverything:
    """A replacement constant whose == would say it is posthog's own (user code)."""

    calls = 0

    def __eq__(self, other):
        type(self).calls += 1
        return True

    __ne__ = lambda self, other: not self.__eq__(other)  # noqa: E731
    __hash__ = object.__hash__


def test_posthog_unchanged(posthog_unchanged, monkeypatch):
    assert posthog_unchanged()
    with monkeypatch.context() as patch:
        patch.setattr(ph, "serialize_frame", lambda *args, **kwargs: {})
        assert not posthog_unchanged()
    assert posthog_unchanged()
    with monkeypatch.context() as patch:
        patch.setattr(ph, "DEFAULT_MAX_VALUE_LENGTH", 10)
        assert not posthog_unchanged()
    with monkeypatch.context() as patch:
        # equal, of another type: not the constant fastvars has, and its == not asked
        patch.setattr(ph, "DEFAULT_MAX_VALUE_LENGTH", _EqualsEverything())
        assert not posthog_unchanged()
        assert _EqualsEverything.calls == 0
        patch.setattr(ph, "DEFAULT_MAX_VALUE_LENGTH", 1024.0)
        assert not posthog_unchanged()
    with monkeypatch.context() as patch:
        patch.delattr(ph, "strip_string")
        assert not posthog_unchanged()
    with monkeypatch.context() as patch:
        patch.setattr(ph, "BaseExceptionGroup", type("Group", (Exception,), {}), raising=False)
        assert not posthog_unchanged()
    assert posthog_unchanged()


def test_compiled_memos_are_bounded(twin):
    if twin is not stacktrace.compiled_exceptions_from_error_tuple:
        pytest.skip("compiled twin only")
    from fastvars.core import _stacktrace

    def template():
        raise ValueError("memo")

    namespace = {"__name__": "memo"}
    for index in range(17_000):
        code = template.__code__.replace(co_filename=f"/memo/{index}.py", co_firstlineno=index + 1)
        function = types.FunctionType(code, namespace)
        exc_info = raise_and_catch(function)
        if index % 1000 == 0:
            assert_same_outcome(twin, exc_info)
        else:
            twin(exc_info)
    sizes = _stacktrace.memo_sizes()
    assert sizes["lines"] <= 16_384 and sizes["filenames"] <= 4096 and sizes["abspaths"] <= 4096


def test_facade_follows_the_active_engine():
    from fastvars import engine

    if engine.ACTIVE is engine.COMPILED and stacktrace.COMPILED_STACK is not None:
        assert stacktrace.ACTIVE_STACK is stacktrace.COMPILED_STACK
    else:
        assert stacktrace.ACTIVE_STACK is stacktrace.serialize_stack
    exc_info = workloads.chained()
    for mechanism in (None, {"type": "django", "handled": False}):
        assert_same(
            stacktrace.exceptions_from_error_tuple(exc_info, mechanism),
            ph.exceptions_from_error_tuple(exc_info, mechanism),
        )
        assert_same(
            stacktrace.exceptions_from_error_tuple(exc_info, mechanism=mechanism),
            ph.exceptions_from_error_tuple(exc_info, mechanism=mechanism),
        )


# --- generated exception graphs: chains, cycles, groups, the bounds -----------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from helpers.sizes import scaled  # noqa: E402

HAS_GROUPS = sys.version_info >= (3, 11)


@st.composite
def exception_graphs(draw):
    count = draw(st.integers(1, 70))
    kinds = draw(
        st.lists(
            st.sampled_from(
                ["value", "key", "os", "group"] if HAS_GROUPS else ["value", "key", "os"]
            ),
            min_size=count,
            max_size=count,
        )
    )
    links = [
        (
            draw(st.one_of(st.none(), st.integers(0, count - 1))),  # __cause__
            draw(st.one_of(st.none(), st.integers(0, count - 1))),  # __context__
            draw(st.booleans()),  # __suppress_context__
            draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=30)),  # members
            draw(st.integers(1, 60)),  # how many times the member list repeats
        )
        for _ in range(count)
    ]
    return kinds, links


def _build(kinds, links):
    """Exceptions linked as drawn; a group's members are the drawn exceptions made before
    it (groups are made from the last index down; their members are fixed at creation)."""
    errors = [None] * len(kinds)
    for index, kind in enumerate(kinds):
        if kind == "os":
            errors[index] = OSError(index, f"os{index}")
        elif kind == "key":
            errors[index] = KeyError(f"k{index}")
        elif kind == "value":
            errors[index] = ValueError(f"v{index}")
    for index in reversed(range(len(kinds))):
        if kinds[index] == "group":
            members = [
                errors[m] if errors[m] is not None else ValueError(f"p{m}") for m in links[index][3]
            ] * links[index][4]
            errors[index] = ExceptionGroup(f"g{index}", members)  # noqa: F821
    for index, (cause, context, suppress, _, _) in enumerate(links):
        error = errors[index]
        if index % 3 == 1:
            raise_and_catch(_raise, error)  # a traceback of its own
        error.__cause__ = errors[cause] if cause is not None else None
        error.__context__ = errors[context] if context is not None else None
        error.__suppress_context__ = suppress
    return errors[0]


@settings(max_examples=scaled(60))
@given(graph=exception_graphs())
def test_generated_exception_graphs(graph):
    root = _build(*graph)
    exc_info = raise_and_catch(_raise, root)
    for function in (
        stacktrace.python_exceptions_from_error_tuple,
        stacktrace.compiled_exceptions_from_error_tuple,
    ):
        assert_same_outcome(function, exc_info, {"type": "t", "handled": False})


# --- '<...>' frames without a loader, relative filenames (the compiled shortcuts) --------


def test_angle_bracket_name_in_linecache_cache(twin, monkeypatch):
    # IPython and friends register cells in linecache.cache under '<...>' names: then
    # the lines are linecache's, not the shortcut's [].
    import linecache

    name = "<fastvars-test-cell-1>"
    exc_info = raise_and_catch(_run_code, SOURCE, name, {"__name__": "cell", "__loader__": None})
    assert_same_outcome(twin, exc_info)
    lines = SOURCE.splitlines(True)
    monkeypatch.setitem(linecache.cache, name, (len(SOURCE), None, lines, name))
    frames = assert_same_outcome(twin, exc_info)[1][0]["stacktrace"]["frames"]
    assert frames[-1]["context_line"] == "raise ValueError('in exec')"
    # A lazy entry (a 1-tuple) is linecache's to resolve too.
    monkeypatch.setitem(linecache.cache, name, (lambda: SOURCE,))
    assert_same_outcome(twin, exc_info)


@pytest.mark.parametrize("name", ["<", ">", "<>", "<x", "x>", "<frozen fake>", "<a>b>"])
def test_angle_bracket_edge_names(twin, name):
    assert_same_outcome(twin, raise_and_catch(_run_code, SOURCE, name, {"__name__": "m"}))


def test_linecache_getlines_replaced_is_called_as_posthog_calls_it(twin, monkeypatch):
    import linecache

    exc_info = raise_and_catch(_run_code, SOURCE, "<patched>", {"__name__": "m"})
    for replaced in ("getlines", "updatecache"):
        calls = []
        original = getattr(linecache, replaced)

        def spy(*args, original=original, calls=calls):
            calls.append(args[0])
            return original(*args)

        monkeypatch.setattr(linecache, replaced, spy)
        ph.exceptions_from_error_tuple(exc_info)
        expected = list(calls)
        del calls[:]
        assert_same_outcome(twin, exc_info)
        assert calls[-len(expected) :] == expected and "<patched>" in expected
        monkeypatch.undo()


def test_relative_filename_follows_the_working_directory(twin, tmp_path):
    exc_info = raise_and_catch(_run_code, SOURCE, "relative/file.py", {"__name__": "rel"})
    saved = os.getcwd()
    try:
        for directory in (tmp_path, tmp_path / "a", tmp_path, tmp_path / "a" / ".."):
            directory.mkdir(exist_ok=True)
            os.chdir(directory)
            outcome = assert_same_outcome(twin, exc_info)
            assert outcome[1][0]["stacktrace"]["frames"][-1]["abs_path"] == os.path.join(
                os.path.normpath(str(directory)), "relative/file.py"
            )
    finally:
        os.chdir(saved)


def _relative_chain():
    """Three frames of exec'd code under relative names, calling one another."""
    namespace = {"__name__": "rel"}
    for filename, name, body in (
        ("rel/c.py", "third", "raise ValueError('deep')"),
        ("<string>", "second", "third()"),
        ("rel/a.py", "first", "second()"),
    ):
        exec(compile(f"def {name}():\n    {body}\n", filename, "exec"), namespace)
    return namespace["first"]


def test_relative_frames_of_one_capture_follow_the_working_directory(twin, tmp_path):
    # The compiled twin reads os.getcwd() once per capture for all its relative frames.
    exc_info = raise_and_catch(_relative_chain())
    saved = os.getcwd()
    try:
        for directory in (tmp_path, tmp_path / "b", tmp_path):
            directory.mkdir(exist_ok=True)
            os.chdir(directory)
            frames = assert_same_outcome(twin, exc_info)[1][0]["stacktrace"]["frames"]
            assert [frame["abs_path"] for frame in frames[-3:]] == [
                os.path.join(str(directory), name) for name in ("rel/a.py", "<string>", "rel/c.py")
            ]
    finally:
        os.chdir(saved)


def test_getcwd_replaced_is_called_as_posthog_calls_it(twin, monkeypatch):
    exc_info = raise_and_catch(_run_code, SOURCE, "relative/again.py", {"__name__": "rel"})
    calls = []
    original = os.getcwd

    def spy():
        calls.append(1)
        return "/somewhere/else"

    monkeypatch.setattr(os, "getcwd", spy)
    expected_outcome = ph.exceptions_from_error_tuple(exc_info)
    expected = len(calls)
    del calls[:]
    actual = twin(exc_info)
    assert_same(actual, expected_outcome)
    assert len(calls) == expected >= 1
    assert actual[0]["stacktrace"]["frames"][-1]["abs_path"] == "/somewhere/else/relative/again.py"
    assert original is not spy
