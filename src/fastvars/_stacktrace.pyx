# cython: language_level=3
"""The compiled twin of stacktrace.serialize_stack: posthog's frames of one traceback.

A traceback entry is serialized here when it is *plain*: a real traceback whose frame
has an exact-dict f_globals holding an exact-str ``__name__``, locals that are a dict (or
3.13's FrameLocalsProxy) whose hide flags are absent or exact bools, an exact-str
filename and function name, an int line >= 1, a top package that is an exact module
(or absent) in an exact-dict ``sys.modules``, ``os.path`` the standard posixpath. For a
plain entry nothing posthog does could run a user's code, so doing it in C changes
nothing but the time. Whether an entry is plain is known before anything observable
is done; any other entry is handed whole to stacktrace.serialize_entry, which performs
posthog's operations one by one. Likewise the source lines: a hit in the source cache,
validated by stat(2) here, is used directly; everything else (a miss, another loader,
linecache) goes through stacktrace.source_lines and context_from_lines.

So an exception raised here is what posthog's own code would raise at that point (a
custom loader's get_source raising, os.getcwd failing for a relative filename); the
caller lets it through as posthog's.
"""

cimport cython

import os
import posixpath
import sys
import types

from cpython.dict cimport PyDict_GetItem, PyDict_SetItem, PyDict_Size
from cpython.list cimport PyList_New, PyList_SET_ITEM, PyList_GET_ITEM, PyList_GET_SIZE
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF
from cpython.unicode cimport PyUnicode_Tailmatch
from posix.stat cimport struct_stat, stat as c_stat

from . import sources as _sources
from . import stacktrace as _py

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
    /* A frame's locals as frame.f_locals gives them (the fast-to-locals sync up to
       3.12, a FrameLocalsProxy on 3.13), through the public API where there is one. */
    static PyObject *fv_st_frame_locals(PyObject *frame) {
    #if PY_VERSION_HEX >= 0x030B0000
        if (PyFrame_Check(frame))
            return PyFrame_GetLocals((PyFrameObject *)frame);
    #endif
        return PyObject_GetAttrString(frame, "f_locals");
    }
    static int fv_st_has_nul(const char *data, Py_ssize_t size) {
        return (Py_ssize_t)strlen(data) != size;
    }
    """
    object fv_st_frame_locals(object frame)
    int fv_st_has_nul(const char *data, Py_ssize_t size)

cdef object TracebackType = types.TracebackType
cdef object ModuleType = types.ModuleType
cdef object SourceFileLoader = _sources.SourceFileLoader
cdef object CACHE = _sources.CACHE
cdef dict CACHE_ENTRIES = _sources.CACHE.entries
cdef object STANDARD_BASENAME = posixpath.basename
cdef object STANDARD_ABSPATH = posixpath.abspath
cdef object STANDARD_GET_SOURCE = _sources._STANDARD_GET_SOURCE
cdef object STANDARD_GET_FILENAME = _sources._STANDARD_GET_FILENAME
cdef object STANDARD_GET_DATA = _sources._STANDARD_GET_DATA
cdef object NO_SOURCE = _sources.NO_SOURCE

cdef object py_serialize_entry = _py.serialize_entry
cdef object py_source_lines = _py.source_lines
cdef object py_context_from_lines = _py.context_from_lines
cdef object py_truncated = _py.truncated
cdef object FrameLocalsProxy = None
if sys.version_info >= (3, 13):
    def _proxy_type():
        marker = 1
        return type(sys._getframe().f_locals)
    FrameLocalsProxy = _proxy_type()

cdef str SENTRY_PREFIX = "sentry_sdk."
cdef tuple HIDE_FLAGS = ("__traceback_hide__", "__tracebackhide__")
cdef object MISSING = object()
cdef object NOT_PLAIN = object()  # the entry must be done by the Python twin
cdef object HIDDEN = object()

# abspath of an absolute path is normpath of it, a function of the string alone.
cdef dict ABSPATHS = {}
cdef Py_ssize_t ABSPATHS_MAX = 4096


cdef bint environment_standard():
    """os.path, os.sep and the loader methods as the standard library has them."""
    path_module = os.path
    return (
        path_module is posixpath
        and os.sep == "/"
        and posixpath.basename is STANDARD_BASENAME
        and posixpath.abspath is STANDARD_ABSPATH
    )


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
        found = PyDict_GetItem(frame_locals, flag)
        if found == NULL:
            return MISSING
        return <object>found
    if FrameLocalsProxy is not None and type(frame_locals) is FrameLocalsProxy:
        return frame_locals.get(flag, MISSING)
    return NOT_PLAIN


cdef object plain_hidden(object frame, dict frame_globals, str module):
    """True, False, or NOT_PLAIN: posthog's should_hide_frame for a plain frame."""
    if PyUnicode_Tailmatch(module, SENTRY_PREFIX, 0, len(SENTRY_PREFIX), -1):
        return True
    frame_locals = fv_st_frame_locals(frame)
    for flag in HIDE_FLAGS:
        value = hidden_flag(frame_locals, flag)
        if value is MISSING or value is False:
            continue
        if value is True:
            return True
        return NOT_PLAIN  # truthiness of another value is the Python twin's to test
    return False


@cython.wraparound(True)  # negative indices and slices, as in posthog's expressions
cdef object module_filename(str module, str abs_path):
    """posthog's filename_for_module for exact strings; NOT_PLAIN when user code could run."""
    cdef PyObject *found
    if not abs_path or not module:
        return NOT_PLAIN
    if abs_path.endswith(".pyc"):
        abs_path = abs_path[:-1]
    cdef Py_ssize_t dot = module.find(".")
    if dot < 0:
        return abs_path[abs_path.rfind("/") + 1:]
    top = module[:dot]
    found = PySys_GetObject("modules")
    if found == NULL or type(<object>found) is not dict:
        return NOT_PLAIN
    found = PyDict_GetItem(<object>found, top)
    if found == NULL:
        return abs_path  # parity: posthog's KeyError, caught
    top_module = <object>found
    if type(top_module) is not ModuleType:
        return NOT_PLAIN
    found = PyDict_GetItem(<object>PyModule_GetDict(top_module), "__file__")
    if found == NULL:
        return NOT_PLAIN  # the module's __getattr__, if any, would run
    top_file = <object>found
    if top_file is None:
        return abs_path
    if type(top_file) is not str:
        return NOT_PLAIN
    if not top_file:
        return abs_path
    prefix = top_file.rsplit("/", 2)[0]
    if not prefix:
        return abs_path  # parity: posthog's ValueError (empty separator), caught
    return abs_path.split(prefix, 1)[-1].lstrip("/")


cdef object absolute(str abs_path):
    cdef PyObject *found = PyDict_GetItem(ABSPATHS, abs_path)
    if found != NULL:
        return <object>found
    result = STANDARD_ABSPATH(abs_path)
    if abs_path.startswith("/") and type(result) is str:
        if PyDict_Size(ABSPATHS) >= ABSPATHS_MAX:
            ABSPATHS.clear()
        ABSPATHS[abs_path] = result
    return result


@cython.wraparound(True)
cdef object cached_lines(object loader, str module):
    """The cache's lines for a standard loader when its file is unchanged, else None."""
    cdef PyObject *found
    cdef struct_stat st
    if type(loader) is not SourceFileLoader:
        return None
    attributes = getattr(loader, "__dict__", None)
    if type(attributes) is not dict:
        return None
    for name in ("get_source", "get_filename", "get_data"):
        if PyDict_GetItem(attributes, name) != NULL:
            return None
    found = PyDict_GetItem(attributes, "name")
    if found == NULL or type(<object>found) is not str or <object>found != module:
        return None
    found = PyDict_GetItem(attributes, "path")
    if found == NULL or type(<object>found) is not str:
        return None
    path = <object>found
    found = PyDict_GetItem(CACHE_ENTRIES, path)
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
    key = (
        st.st_dev,
        st.st_ino,
        st.st_mode,
        st.st_size,
        st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
        st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec,
    )
    if key != entry[0]:
        return None
    CACHE.hits += 1
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


cdef object plain_entry(object tb, Py_ssize_t max_length):
    """The frame dict, HIDDEN, or NOT_PLAIN before anything observable was done."""
    cdef PyObject *found
    frame = tb.tb_frame
    frame_globals = frame.f_globals
    if type(frame_globals) is not dict:
        return NOT_PLAIN
    found = PyDict_GetItem(frame_globals, "__name__")
    if found == NULL or type(<object>found) is not str:
        return NOT_PLAIN
    module = <str>found
    code = frame.f_code
    abs_path = code.co_filename
    function = code.co_name
    if type(abs_path) is not str or type(function) is not str:
        return NOT_PLAIN
    tb_lineno = tb.tb_lineno
    if type(tb_lineno) is not int or tb_lineno < 1:
        return NOT_PLAIN
    filename = module_filename(module, abs_path)
    if filename is NOT_PLAIN:
        return NOT_PLAIN
    hidden = plain_hidden(frame, frame_globals, module)
    if hidden is NOT_PLAIN:
        return NOT_PLAIN
    if hidden:
        return HIDDEN

    result = {
        "platform": "python",
        "filename": filename or None,
        "abs_path": absolute(abs_path),
        "function": function or "<unknown>",
        "module": module,
        "lineno": tb_lineno,
    }
    found = PyDict_GetItem(frame_globals, "__loader__")
    loader = <object>found if found != NULL else None
    lineno = tb_lineno - 1
    lines = cached_lines(loader, module)
    if lines is not None:
        context = context_from_cached(lines, lineno, max_length)
    else:
        # a miss, another loader, linecache: posthog's way, user code included
        context = py_context_from_lines(py_source_lines(abs_path, loader, module), lineno, max_length)
    result["pre_context"], result["context_line"], result["post_context"] = context
    return result


def serialize_stack(tb, max_length):
    """posthog's frames of one traceback (stacktrace.serialize_stack, compiled)."""
    cdef Py_ssize_t limit
    frames = []
    if type(max_length) is not int or not environment_standard() or not loaders_standard():
        while tb is not None:
            frame = py_serialize_entry(tb, max_length)
            if frame is not None:
                frames.append(frame)
            tb = tb.tb_next
        return frames
    limit = max_length
    while tb is not None:
        if type(tb) is TracebackType:
            frame = plain_entry(tb, limit)
            if frame is NOT_PLAIN:
                frame = py_serialize_entry(tb, max_length)
            elif frame is HIDDEN:
                frame = None
        else:
            frame = py_serialize_entry(tb, max_length)
        if frame is not None:
            frames.append(frame)
        tb = tb.tb_next
    return frames
