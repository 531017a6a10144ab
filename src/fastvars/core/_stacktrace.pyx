# cython: language_level=3
"""The compiled twin of stacktrace.serialize_stack: posthog's frames of one traceback.

A traceback entry is serialized here when it is *plain*: a real traceback whose frame
has an exact-dict f_globals holding an exact-str ``__name__``, locals that are a dict (or
3.13's FrameLocalsProxy) whose hide flags are absent or exact bools, an exact-str
filename and function name, an int line >= 1, a top package that is an exact module
(or absent) in an exact-dict ``sys.modules``, ``os.path`` the standard posixpath. For a
plain entry nothing posthog does could run a user's code, so doing it in C changes
nothing but the time. Whether an entry is plain is known before anything observable
is done, but for its locals: any other entry is handed whole to
stacktrace.serialize_entry, which performs posthog's operations one by one. Reading
f_locals is posthog's first read of them, and before 3.13 it can itself run user code
(a class body's cells synced into a metaclass's custom namespace, through its
``__setitem__``/``__delitem__``), so an entry found not plain by its locals is handed
to stacktrace.serialize_read_entry with that read, which posthog's reads then follow
one for one. Likewise the source lines: a hit in the source cache,
validated by stat(2) here, is used directly; everything else (a miss, another loader,
linecache) goes through stacktrace.source_lines and context_from_lines.

So an exception raised here is what posthog's own code would raise at that point (a
custom loader's get_source raising, os.getcwd failing for a relative filename); the
caller lets it through as posthog's.
"""

cimport cython

import builtins
import linecache
import os
import posix
import posixpath
import sys
import types

from cpython.dict cimport PyDict_Size
from cpython.exc cimport PyErr_Clear, PyErr_Occurred
from cpython.list cimport PyList_New, PyList_SET_ITEM, PyList_GET_ITEM, PyList_GET_SIZE
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF
from cpython.unicode cimport PyUnicode_Tailmatch
from posix.stat cimport struct_stat, stat as c_stat

from ..constants import CACHE_GENERATION as _CACHE_GENERATION
from . import sources as _sources
from .frames import FRAME_LOCALS_PROXY as _FRAME_LOCALS_PROXY

cdef extern from "weakrefs.h":
    bint fv_weakref_is(object ref, object target) noexcept

cdef extern from "Python.h":
    PyObject *PySys_GetObject(const char *name)
    object PyUnicode_EncodeFSDefault(object text)
    char *PyBytes_AS_STRING(object data)
    Py_ssize_t PyBytes_GET_SIZE(object data)
    Py_ssize_t PyUnicode_GET_LENGTH(object text)
    PyObject *PyModule_GetDict(object module)  # borrowed

cdef extern from *:
    """
    #include <string.h>
    #if PY_VERSION_HEX < 0x030B0000
    #include "frameobject.h"  /* PyFrameObject's fields: f_globals, on 3.10 */
    #endif
    /* A frame's locals as frame.f_locals gives them (the fast-to-locals sync up to
       3.12, a FrameLocalsProxy on 3.13), through the public API where there is one. */
    static PyObject *fv_st_frame_locals(PyObject *frame) {
    #if PY_VERSION_HEX >= 0x030B0000
        if (PyFrame_Check(frame))
            return PyFrame_GetLocals((PyFrameObject *)frame);
    #endif
        return PyObject_GetAttrString(frame, "f_locals");
    }
    /* The same, or `failed` when the read raised an Exception (posthog's `except
       Exception` around it), with no try block's cost for the read that succeeds. */
    static PyObject *fv_st_read_locals(PyObject *frame, PyObject *failed) {
        PyObject *frame_locals = fv_st_frame_locals(frame);
        if (frame_locals == NULL && PyErr_ExceptionMatches(PyExc_Exception)) {
            PyErr_Clear();
            Py_INCREF(failed);
            return failed;
        }
        return frame_locals;
    }
    /* A dict lookup without PyDict_GetItem's saving and restoring of the error
       state; the keys looked up here are exact str and int, whose hashing and
       comparison cannot fail. */
    static PyObject *fv_st_get(PyObject *dict, PyObject *key) {
        PyObject *found = PyDict_GetItemWithError(dict, key);
        if (found == NULL && PyErr_Occurred())
            PyErr_Clear();
        return found;
    }
    static int fv_st_has_nul(const char *data, Py_ssize_t size) {
        return (Py_ssize_t)strlen(data) != size;
    }
    /* A traceback entry's fields, read as the tb_frame, tb_next and tb_lineno
       attributes give them, without the attribute lookups. tb_lineno is -1 on 3.11+
       when the line is to be computed from tb_lasti (posthog's tb.tb_lineno does that
       computation, PyCode_Addr2Line, on every read). */
    static PyObject *fv_st_tb_frame(PyObject *tb) {
        return (PyObject *)((PyTracebackObject *)tb)->tb_frame;
    }
    static PyObject *fv_st_tb_next(PyObject *tb) {
        PyObject *next = (PyObject *)((PyTracebackObject *)tb)->tb_next;
        return next ? next : Py_None;
    }
    static int fv_st_tb_lineno(PyObject *tb) { return ((PyTracebackObject *)tb)->tb_lineno; }
    static int fv_st_tb_lasti(PyObject *tb) { return ((PyTracebackObject *)tb)->tb_lasti; }
    static PyObject *fv_st_frame_globals(PyObject *frame) {
    #if PY_VERSION_HEX >= 0x030B0000
        return PyFrame_GetGlobals((PyFrameObject *)frame);
    #else
        PyObject *globals = ((PyFrameObject *)frame)->f_globals;
        Py_XINCREF(globals);
        return globals;
    #endif
    }
    static PyObject *fv_st_frame_code(PyObject *frame) {
        return (PyObject *)PyFrame_GetCode((PyFrameObject *)frame);
    }
    static int fv_st_addr2line(PyObject *code, int lasti) {
        return PyCode_Addr2Line((PyCodeObject *)code, lasti);
    }
    /* A function's code (CO_OPTIMIZED): its f_locals is the frame's own dict (a
       FrameLocalsProxy on 3.13), never a class body's or exec's namespace. */
    static int fv_st_code_optimized(PyObject *code) {
        return (((PyCodeObject *)code)->co_flags & CO_OPTIMIZED) != 0;
    }
    """
    object fv_st_read_locals(object frame, object failed)
    int fv_st_has_nul(const char *data, Py_ssize_t size)
    PyObject *fv_st_get(object dict, object key)  # borrowed
    object PyLong_FromVoidPtr(PyObject *pointer)
    PyObject *fv_st_tb_frame(object tb)  # borrowed
    PyObject *fv_st_tb_next(object tb)  # borrowed
    int fv_st_tb_lineno(object tb)
    int fv_st_tb_lasti(object tb)
    object fv_st_frame_globals(object frame)
    object fv_st_frame_code(object frame)
    int fv_st_addr2line(object code, int lasti)
    bint fv_st_code_optimized(object code)
    object PyWeakref_NewRef(object target, object callback)
    unsigned long long PyLong_AsUnsignedLongLong(object value) noexcept
    long long PyLong_AsLongLong(object value) noexcept

cdef object TracebackType = types.TracebackType
cdef object FrameType = types.FrameType
cdef dict SYS_DICT = sys.__dict__
cdef object ModuleType = types.ModuleType
cdef object SourceFileLoader = _sources.SourceFileLoader
cdef object CACHE = _sources.CACHE
cdef dict CACHE_ENTRIES = _sources.CACHE.entries
cdef object STANDARD_BASENAME = posixpath.basename
cdef object STANDARD_ABSPATH = posixpath.abspath
# What posixpath.abspath of a relative str path calls: os.fspath, isabs, os.getcwd, join,
# normpath (looked up at call time in posixpath's globals and in os).
cdef object STANDARD_FSPATH = os.fspath
cdef object STANDARD_ISABS = posixpath.isabs
cdef object STANDARD_JOIN = posixpath.join
cdef object STANDARD_NORMPATH = posixpath.normpath
cdef object STANDARD_GETCWD = posix.getcwd
cdef dict POSIXPATH_DICT = posixpath.__dict__
cdef dict OS_DICT = os.__dict__
# posthog's linecache.getlines(filename) for a filename of the form "<...>" that is not
# in linecache.cache: getlines calls updatecache, which returns [] for such names
# without reading anything (CPython 3.10-3.13). 3.13's updatecache first imports os,
# sys and tokenize, which with the standard __import__ and the three in sys.modules
# runs no code but the import machinery's lookup.
cdef dict LINECACHE_DICT = linecache.__dict__
cdef object STANDARD_GETLINES = linecache.getlines
cdef object STANDARD_UPDATECACHE = linecache.updatecache
cdef dict BUILTINS_DICT = builtins.__dict__
cdef object STANDARD_IMPORT = builtins.__import__
cdef bint UPDATECACHE_IMPORTS = sys.version_info >= (3, 13)
cdef object STANDARD_GET_SOURCE = _sources._STANDARD_GET_SOURCE
cdef object STANDARD_GET_FILENAME = _sources._STANDARD_GET_FILENAME
cdef object STANDARD_GET_DATA = _sources._STANDARD_GET_DATA
cdef object NO_SOURCE = _sources.NO_SOURCE

# The Python twin's functions, bound at the first call: stacktrace.py imports this
# module, so importing it back here at import time would be circular.
cdef object py_serialize_entry = None
cdef object py_serialize_read_entry = None
cdef object py_source_lines = None
cdef object py_context_from_lines = None
cdef object py_truncated = None


cdef bind_python_twin():
    global py_serialize_entry, py_serialize_read_entry, py_source_lines
    global py_context_from_lines, py_truncated, READ_FAILED
    global POSTHOG_DICT, POSTHOG_NAMES, POSTHOG_AT_IMPORT, POSTHOG_CONSTANTS
    global POSTHOG_COMPLETE, POSTHOG_GROUP
    from . import frames
    from . import stacktrace as twin

    READ_FAILED = frames.READ_FAILED
    POSTHOG_DICT = twin._posthog.__dict__
    POSTHOG_NAMES = tuple(twin._POSTHOG_NAMES)
    POSTHOG_AT_IMPORT = tuple(twin._POSTHOG_AT_IMPORT)
    POSTHOG_CONSTANTS = tuple(twin._POSTHOG_CONSTANTS)
    POSTHOG_COMPLETE = twin._POSTHOG_COMPLETE_AT_IMPORT
    POSTHOG_GROUP = twin.BaseExceptionGroup
    py_serialize_read_entry = twin.serialize_read_entry
    py_source_lines = twin.source_lines
    py_context_from_lines = twin.context_from_lines
    py_truncated = twin.truncated
    py_serialize_entry = twin.serialize_entry  # last: the others are set when it is
# stacktrace.posthog_unchanged's tables, bound with the Python twin: the names posthog's
# exceptions_from_error_tuple reaches through its module's globals, their values when
# fastvars was imported, posthog's constants this module has as its own.
cdef dict POSTHOG_DICT = None
cdef tuple POSTHOG_NAMES = ()
cdef tuple POSTHOG_AT_IMPORT = ()
cdef tuple POSTHOG_CONSTANTS = ()
cdef bint POSTHOG_COMPLETE = False
cdef object POSTHOG_GROUP = None


def posthog_unchanged():
    """stacktrace.posthog_unchanged, compiled (speed: the guard runs on every capture,
    and the Python loop over some thirty names cost ~22,000 instructions): the same
    tables, read from the twin, the same identity and exact-type checks."""
    cdef Py_ssize_t index
    cdef PyObject *found
    if py_serialize_entry is None:
        bind_python_twin()
    if not POSTHOG_COMPLETE:
        return False
    for index in range(len(POSTHOG_NAMES)):
        found = fv_st_get(POSTHOG_DICT, POSTHOG_NAMES[index])
        if found != <PyObject *>POSTHOG_AT_IMPORT[index]:
            return False
    for name, value in POSTHOG_CONSTANTS:
        found = fv_st_get(POSTHOG_DICT, name)
        if found == NULL:
            return False
        if found != <PyObject *>value and (
                type(<object>found) is not type(value) or <object>found != value):
            return False
    found = fv_st_get(POSTHOG_DICT, "BaseExceptionGroup")
    return POSTHOG_GROUP is (<object>found if found != NULL else None)


# 3.13's f_locals type in a function, None before (frames.py probes it once).
cdef object FrameLocalsProxy = _FRAME_LOCALS_PROXY

cdef str SENTRY_PREFIX = "sentry_sdk."
cdef tuple HIDE_FLAGS = ("__traceback_hide__", "__tracebackhide__")
cdef object MISSING = object()
cdef object NOT_PLAIN = object()  # the entry must be done by the Python twin
cdef object HIDDEN = object()
cdef object READ_FAILED = None  # frames.READ_FAILED, bound with the Python twin
# 3.12 only: f_locals of a class body or module frame stopped inside an inlined
# comprehension (PEP 709) is a new dict, a copy of the namespace (keys() and
# __getitem__ of a custom one: user code) with the comprehension's variables added.
cdef bint LOCALS_MAY_BE_COPIES = (3, 12) <= sys.version_info < (3, 13)

# abspath of an absolute path is normpath of it, a function of the string alone; a
# module's filename is a function of its path, its name and its top package's __file__.
# Both are remembered (bounded, for speed), keyed by the path.
cdef Py_ssize_t MEMO_MAX = _CACHE_GENERATION
cdef dict ABSPATHS = {}
cdef dict RELATIVE_ABSPATHS = {}  # relative path -> abspath, in RELATIVE_CWD[0]
cdef list RELATIVE_CWD = [None]  # the working directory those answers are for (a str)
# The key of os.getcwd()'s answer in a capture's ``validated`` (beside the paths stat'ed
# in it, all str: this key equals none of them).
cdef object CWD_KEY = object()
cdef dict FILENAMES = {}
# code object's address -> (weak reference to it, {tb_lasti: line}): PyCode_Addr2Line
# is a scan of the line table, posthog's largest cost per frame after the source file.
# The weak reference tells a live code object from a dead one whose address was reused.
# At most MAX_LINES lines are kept in all; past that the whole memo starts again.
cdef dict LINES = {}
cdef Py_ssize_t LINE_COUNT = 0
cdef Py_ssize_t MAX_LINES = 16384
cdef bint LAZY_LINES = sys.version_info >= (3, 11)


cdef object traceback_line(object tb, object code):
    """tb.tb_lineno as the attribute gives it (an int, or None for no line)."""
    global LINE_COUNT
    cdef int lineno = fv_st_tb_lineno(tb)
    cdef int lasti
    cdef PyObject *found
    if lineno != -1 or not LAZY_LINES:
        return lineno  # 3.10 computes the line when the entry is made, -1 is a -1
    lasti = fv_st_tb_lasti(tb)
    address = PyLong_FromVoidPtr(<PyObject *>code)
    found = fv_st_get(LINES, address)
    if found == NULL or not fv_weakref_is((<tuple>found)[0], code):
        known = {}
        if LINE_COUNT >= MAX_LINES:
            LINES.clear()
            LINE_COUNT = 0
        LINES[address] = (PyWeakref_NewRef(code, None), known)
    else:
        known = <dict>(<tuple>found)[1]
        found = fv_st_get(known, lasti)
        if found != NULL:
            return <object>found
    lineno = fv_st_addr2line(code, lasti)
    result = lineno if lineno >= 0 else None
    if LINE_COUNT < MAX_LINES:
        known[lasti] = result
        LINE_COUNT += 1
    return result


def memo_sizes():
    """Entries of the compiled memos: {"lines", "filenames", "abspaths"} (each bounded)."""
    return {
        "lines": LINE_COUNT,
        "filenames": len(FILENAMES),
        "abspaths": len(ABSPATHS) + len(RELATIVE_ABSPATHS),
    }


# Entries done here and entries handed to the Python twin (for tests and status).
cdef Py_ssize_t PLAIN_ENTRIES = 0
cdef Py_ssize_t DELEGATED_ENTRIES = 0


def counts():
    """{"plain": entries serialized here, "delegated": entries handed to the Python twin}"""
    return {"plain": PLAIN_ENTRIES, "delegated": DELEGATED_ENTRIES}


cdef bint environment_standard():
    """os.path, os.sep and the loader methods as the standard library has them."""
    path_module = os.path
    return (
        path_module is posixpath
        and os.sep == "/"
        and posixpath.basename is STANDARD_BASENAME
        and posixpath.abspath is STANDARD_ABSPATH
    )


cdef bint relative_abspath_standard():
    """posixpath.abspath of a relative str path is normpath(join(os.getcwd(), path))
    with the standard library's functions, none of them a user's."""
    return (
        fv_st_get(POSIXPATH_DICT, "isabs") == <PyObject *>STANDARD_ISABS
        and fv_st_get(POSIXPATH_DICT, "join") == <PyObject *>STANDARD_JOIN
        and fv_st_get(POSIXPATH_DICT, "normpath") == <PyObject *>STANDARD_NORMPATH
        and fv_st_get(POSIXPATH_DICT, "os") == <PyObject *>os
        and fv_st_get(OS_DICT, "fspath") == <PyObject *>STANDARD_FSPATH
        and fv_st_get(OS_DICT, "getcwd") == <PyObject *>STANDARD_GETCWD
    )


cdef bint no_linecache_source(str filename):
    """Whether posthog's linecache.getlines(filename) is [] without reading anything
    or running any code but the standard library's: a "<...>" name not in the cache,
    with linecache's getlines, updatecache and cache the standard ones."""
    cdef PyObject *found
    if not filename.startswith("<") or not filename.endswith(">"):
        return False
    if fv_st_get(LINECACHE_DICT, "getlines") != <PyObject *>STANDARD_GETLINES:
        return False
    if fv_st_get(LINECACHE_DICT, "updatecache") != <PyObject *>STANDARD_UPDATECACHE:
        return False
    found = fv_st_get(LINECACHE_DICT, "cache")
    if found == NULL or type(<object>found) is not dict:
        return False
    if fv_st_get(<object>found, filename) != NULL:
        return False  # a cached (or lazily cached) entry: linecache's own answer
    if UPDATECACHE_IMPORTS:
        if fv_st_get(BUILTINS_DICT, "__import__") != <PyObject *>STANDARD_IMPORT:
            return False
        found = fv_st_get(SYS_DICT, "modules")
        if found == NULL or type(<object>found) is not dict:
            return False
        for name in ("os", "sys", "tokenize"):
            module = fv_st_get(<object>found, name)
            if module == NULL or type(<object>module) is not ModuleType:
                return False
    return True


cdef bint loaders_standard():
    return (
        SourceFileLoader.get_source is STANDARD_GET_SOURCE
        and SourceFileLoader.get_filename is STANDARD_GET_FILENAME
        and SourceFileLoader.get_data is STANDARD_GET_DATA
    )


cdef object hidden_flag(object frame_locals, object flag):
    """The flag's value, MISSING, or NOT_PLAIN when reading it could run code."""
    cdef PyObject *found
    if type(frame_locals) is dict:
        found = fv_st_get(frame_locals, flag)
        if found == NULL:
            return MISSING
        return <object>found
    if FrameLocalsProxy is not None and type(frame_locals) is FrameLocalsProxy:
        # `in` first: the proxy's get() and a missing [] build a KeyError (with the
        # key's repr) that is then thrown away, the costliest step of a 3.13 frame.
        if flag not in frame_locals:
            return MISSING
        try:
            return frame_locals[flag]
        except KeyError:
            return MISSING
    return NOT_PLAIN


cdef object plain_hidden(object frame, dict frame_globals, str module, object code):
    """True, False, or (the f_locals read,): posthog's should_hide_frame for a plain
    frame, or the rest of it left to the Python twin (stacktrace.serialize_read_entry)
    with what was read. That read is posthog's first, and on 3.10-3.12 it may have run
    user code (a class body's cells synced into its custom namespace): read again, it
    would run once more than posthog's two reads do."""
    if PyUnicode_Tailmatch(module, SENTRY_PREFIX, 0, len(SENTRY_PREFIX), -1):
        return True
    frame_locals = fv_st_read_locals(frame, READ_FAILED)
    if frame_locals is READ_FAILED:
        return (READ_FAILED,)  # parity: posthog ignores it and reads again for the next flag
    if (LOCALS_MAY_BE_COPIES and frame_locals is not frame_globals
            and not fv_st_code_optimized(code)):
        return (frame_locals,)  # perhaps a copy, posthog's next read another one
    for flag in HIDE_FLAGS:
        value = hidden_flag(frame_locals, flag)
        if value is MISSING or value is False:
            continue
        if value is True:
            return True
        # a custom namespace, or the truthiness of another value: the Python twin's
        return (frame_locals,)
    return False


cdef object top_module_file(str top):
    """sys.modules[top].__file__ when reading it runs no user code: a str, None, MISSING
    (no such module: posthog's KeyError), or NOT_PLAIN."""
    cdef PyObject *found = fv_st_get(SYS_DICT, "modules")  # parity: what sys.modules reads
    if found == NULL or type(<object>found) is not dict:
        return NOT_PLAIN
    found = fv_st_get(<object>found, top)
    if found == NULL:
        return MISSING
    top_module = <object>found
    if type(top_module) is not ModuleType:
        return NOT_PLAIN
    found = fv_st_get(<object>PyModule_GetDict(top_module), "__file__")
    if found == NULL:
        return NOT_PLAIN  # the module's __getattr__, if any, would run
    top_file = <object>found
    if top_file is not None and type(top_file) is not str:
        return NOT_PLAIN
    return top_file


@cython.wraparound(True)  # negative indices and slices, as in posthog's expressions
cdef object module_filename(str module, str abs_path):
    """posthog's filename_for_module for exact strings; NOT_PLAIN when user code could run.

    The answer is a function of the path, the module name and the top package's
    __file__, so it is remembered by path (for speed) and used again while those are
    equal; sys.modules is read every time.
    """
    cdef PyObject *found
    cdef Py_ssize_t dot
    if not abs_path or not module:
        return NOT_PLAIN
    found = fv_st_get(FILENAMES, abs_path)
    if found != NULL:
        known = <tuple>found
        if known[0] == module:
            if known[1] is None:
                return known[3]  # a top-level module: the path's basename
            top_file = top_module_file(known[1])
            if top_file is NOT_PLAIN:
                return NOT_PLAIN
            if top_file is not MISSING and top_file is not None and top_file == known[2]:
                return known[3]
    path = abs_path[:-1] if abs_path.endswith(".pyc") else abs_path
    dot = module.find(".")
    if dot < 0:
        result = path[path.rfind("/") + 1:]
        remember_filename(abs_path, (module, None, None, result))
        return result
    top = module[:dot]
    top_file = top_module_file(top)
    if top_file is NOT_PLAIN:
        return NOT_PLAIN
    if top_file is MISSING or not top_file:
        return path  # parity: posthog's KeyError (caught), or a falsy __file__
    prefix = top_file.rsplit("/", 2)[0]
    if not prefix:
        return path  # parity: posthog's ValueError (empty separator), caught
    result = path.split(prefix, 1)[-1].lstrip("/")
    remember_filename(abs_path, (module, top, top_file, result))
    return result


cdef remember_filename(str abs_path, tuple known):
    if PyDict_Size(FILENAMES) >= MEMO_MAX:
        FILENAMES.clear()
    FILENAMES[abs_path] = known


cdef object absolute(str abs_path, dict validated):
    cdef PyObject *found = fv_st_get(ABSPATHS, abs_path)
    if found != NULL:
        return <object>found
    if not abs_path.startswith("/"):
        return relative_absolute(abs_path, validated)
    result = STANDARD_ABSPATH(abs_path)
    if type(result) is str:
        if PyDict_Size(ABSPATHS) >= MEMO_MAX:
            ABSPATHS.clear()
        ABSPATHS[abs_path] = result
    return result


cdef object relative_absolute(str abs_path, dict validated):
    """posixpath.abspath of a relative path (a frame of exec'd code, "<string>", say):
    normpath(join(cwd, path)), a function of the two strings, remembered by both
    (the answers for one directory at a time).

    os.getcwd() is read once per capture (for speed), with the standard functions
    checked then, and kept in ``validated`` under CWD_KEY, which is emptied whenever
    code not fastvars' own could have run (as the files stat'ed once per capture are):
    posthog's abspath reads it for every frame, within microseconds of each other, and
    only a chdir in between could tell the two apart. The first read is posthog's
    first, and when it fails, posthog's own abspath raises what it raises."""
    cdef PyObject *found = fv_st_get(validated, CWD_KEY)
    if found != NULL:
        cwd = <object>found
    else:
        if not relative_abspath_standard():
            return STANDARD_ABSPATH(abs_path)
        try:
            cwd = STANDARD_GETCWD()
        except Exception:
            return STANDARD_ABSPATH(abs_path)  # parity: posthog's abspath raises it
        if type(cwd) is not str:
            return STANDARD_ABSPATH(abs_path)
        validated[CWD_KEY] = cwd
    if cwd is not RELATIVE_CWD[0] and cwd != RELATIVE_CWD[0]:
        # PERF: the memo holds one directory's answers, keyed by the path alone (no
        # (cwd, path) tuple to build and hash per frame); another directory starts it again
        RELATIVE_ABSPATHS.clear()
        RELATIVE_CWD[0] = cwd
    found = fv_st_get(RELATIVE_ABSPATHS, abs_path)
    if found != NULL:
        return <object>found
    memo_cwd = RELATIVE_CWD[0]
    result = STANDARD_ABSPATH(abs_path)
    # Kept only while the memo is still this directory's: abspath is Python code, in
    # which another thread may have moved the memo to its own directory.
    if type(result) is str and RELATIVE_CWD[0] is memo_cwd:
        if PyDict_Size(RELATIVE_ABSPATHS) >= MEMO_MAX:
            RELATIVE_ABSPATHS.clear()
        RELATIVE_ABSPATHS[abs_path] = result
    return result


cdef bint unsigned_equal(object item, unsigned long long value):
    cdef unsigned long long found
    if type(item) is not int:
        return False
    found = PyLong_AsUnsignedLongLong(item)
    if found == <unsigned long long>-1 and PyErr_Occurred():
        PyErr_Clear()  # negative or too large: not this value
        return False
    return found == value


cdef bint signed_equal(object item, long long value):
    cdef long long found
    if type(item) is not int:
        return False
    found = PyLong_AsLongLong(item)
    if found == -1 and PyErr_Occurred():
        PyErr_Clear()  # too large: not this value
        return False
    return found == value


cdef bint stat_matches(object key, struct_stat *st):
    """Whether the cache entry's key (sources.stat_key: st_dev, st_ino, st_mode, st_size,
    st_mtime_ns, st_ctime_ns) is this stat's, compared field by field in C (speed: no
    tuple of six new ints per file and capture)."""
    if type(key) is not tuple or len(<tuple>key) != 6:
        return False
    return (
        unsigned_equal((<tuple>key)[0], st.st_dev)
        and unsigned_equal((<tuple>key)[1], st.st_ino)
        and signed_equal((<tuple>key)[2], st.st_mode)
        and signed_equal((<tuple>key)[3], st.st_size)
        and signed_equal(
            (<tuple>key)[4], st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec)
        and signed_equal(
            (<tuple>key)[5], st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec)
    )


@cython.wraparound(True)
cdef object cached_lines(object loader, str module, dict validated):
    """The cache's lines for a standard loader when its file is unchanged, else None.

    ``validated`` holds the files already stat'ed in this call since the last time code
    not fastvars' own could have run: a file is validated once per capture, not once
    per frame (posthog's frames of one capture read it within microseconds too).
    """
    cdef PyObject *found
    cdef struct_stat st
    if type(loader) is not SourceFileLoader:
        return None
    attributes = getattr(loader, "__dict__", None)
    if type(attributes) is not dict:
        return None
    for name in ("get_source", "get_filename", "get_data"):
        if fv_st_get(attributes, name) != NULL:
            return None
    found = fv_st_get(attributes, "name")
    if found == NULL or type(<object>found) is not str or <object>found != module:
        return None
    found = fv_st_get(attributes, "path")
    if found == NULL or type(<object>found) is not str:
        return None
    path = <object>found
    found = fv_st_get(validated, path)
    if found != NULL:
        return <object>found
    found = fv_st_get(CACHE_ENTRIES, path)
    if found == NULL:
        return None
    entry = <object>found
    try:
        encoded = PyUnicode_EncodeFSDefault(path)
    except Exception:
        return None
    if fv_st_has_nul(PyBytes_AS_STRING(encoded), PyBytes_GET_SIZE(encoded)):
        return None
    if c_stat(PyBytes_AS_STRING(encoded), &st) != 0:
        return None
    if not stat_matches(entry[0], &st):
        return None
    CACHE.hits += 1  # counted once per file and capture: the stat-validated uses
    validated[path] = entry[1]
    return entry[1]


cdef object short_line(str line, Py_ssize_t max_length):
    # Up to 4 UTF-8 bytes a character: a line this short is never cut (parity: strip_string).
    if PyUnicode_GET_LENGTH(line) * 4 <= max_length:
        return line
    return py_truncated(line, max_length)


cdef tuple context_from_cached(list lines, Py_ssize_t lineno, Py_ssize_t max_length):
    """posthog's get_lines_from_file on lines from splitlines (no line ends to strip)."""
    cdef Py_ssize_t count = PyList_GET_SIZE(lines)
    cdef Py_ssize_t first, end, i
    if count == 0 or lineno >= count:
        return [], None, []  # parity: nothing read, or posthog's IndexError
    first = lineno - 5 if lineno > 5 else 0
    end = lineno + 6 if lineno + 6 < count else count
    before = PyList_New(lineno - first)
    for i in range(first, lineno):
        value = short_line(<str>PyList_GET_ITEM(lines, i), max_length)
        Py_INCREF(value)
        PyList_SET_ITEM(before, i - first, value)
    line = short_line(<str>PyList_GET_ITEM(lines, lineno), max_length)
    after = PyList_New(end - lineno - 1)
    for i in range(lineno + 1, end):
        value = short_line(<str>PyList_GET_ITEM(lines, i), max_length)
        Py_INCREF(value)
        PyList_SET_ITEM(after, i - lineno - 1, value)
    return before, line, after


cdef object plain_entry(object tb, Py_ssize_t max_length, dict validated):
    """The frame dict, HIDDEN, NOT_PLAIN before anything observable was done, or
    (f_locals as read,) when the Python twin is to go on from that read."""
    cdef PyObject *found
    cdef Py_ssize_t lineno
    frame = <object>fv_st_tb_frame(tb)
    if type(frame) is not FrameType:
        return NOT_PLAIN
    frame_globals = fv_st_frame_globals(frame)
    if type(frame_globals) is not dict:
        return NOT_PLAIN
    found = fv_st_get(frame_globals, "__name__")
    if found == NULL or type(<object>found) is not str:
        return NOT_PLAIN
    module = <str>found
    code = fv_st_frame_code(frame)
    abs_path = code.co_filename
    function = code.co_name
    if type(abs_path) is not str or type(function) is not str:
        return NOT_PLAIN
    tb_lineno = traceback_line(tb, code)
    if type(tb_lineno) is not int or tb_lineno < 1:
        return NOT_PLAIN
    filename = module_filename(module, abs_path)
    if filename is NOT_PLAIN:
        return NOT_PLAIN
    hidden = plain_hidden(frame, frame_globals, module, code)
    if type(hidden) is tuple:
        return hidden
    if hidden:
        return HIDDEN

    found = fv_st_get(frame_globals, "__loader__")
    loader = <object>found if found != NULL else None
    lineno = <Py_ssize_t>tb_lineno - 1
    # parity: abspath (which may raise, os.getcwd() for a relative path) before the
    # source, whose reading may run a loader's code
    absolute_path = absolute(abs_path, validated)
    lines = cached_lines(loader, module, validated)
    if lines is not None:
        before, line, after = context_from_cached(lines, lineno, max_length)
    elif loader is None and no_linecache_source(abs_path):
        # parity: posthog's _get_source_lines skips a None loader and gets [] from
        # linecache, for which get_lines_from_file answers [], None, []
        before, line, after = [], None, []
    else:
        # a miss, another loader, linecache: posthog's way, user code included
        validated.clear()
        before, line, after = py_context_from_lines(
            py_source_lines(abs_path, loader, module), lineno, max_length
        )
    # One literal, so the dict is allocated at its final size; the key order is posthog's.
    return {
        "platform": "python",
        "filename": filename or None,
        "abs_path": absolute_path,
        "function": function or "<unknown>",
        "module": module,
        "lineno": tb_lineno,
        "pre_context": before,
        "context_line": line,
        "post_context": after,
    }


def serialize_stack(tb, max_length):
    """posthog's frames of one traceback (stacktrace.serialize_stack, compiled)."""
    global PLAIN_ENTRIES, DELEGATED_ENTRIES
    cdef Py_ssize_t limit
    if py_serialize_entry is None:
        bind_python_twin()
    frames = []
    if type(max_length) is not int or not environment_standard() or not loaders_standard():
        DELEGATED_ENTRIES += 1  # counted once for the whole traceback
        while tb is not None:
            frame = py_serialize_entry(tb, max_length)
            if frame is not None:
                frames.append(frame)
            tb = tb.tb_next
        return frames
    limit = max_length
    validated = {}
    while tb is not None:
        if type(tb) is TracebackType:
            frame = plain_entry(tb, limit, validated)
            if frame is NOT_PLAIN:
                DELEGATED_ENTRIES += 1
                validated.clear()
                frame = py_serialize_entry(tb, max_length)
            elif type(frame) is tuple:
                DELEGATED_ENTRIES += 1
                validated.clear()
                frame = py_serialize_read_entry(tb, max_length, (<tuple>frame)[0])
            else:
                PLAIN_ENTRIES += 1
                if frame is HIDDEN:
                    frame = None
        else:
            DELEGATED_ENTRIES += 1
            validated.clear()
            frame = py_serialize_entry(tb, max_length)
        if frame is not None:
            frames.append(frame)
        tb = <object>fv_st_tb_next(tb) if type(tb) is TracebackType else tb.tb_next
    return frames
