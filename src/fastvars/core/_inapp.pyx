# cython: language_level=3
"""Compiled twin of inapp.py: posthog's ``handle_in_app``.

The same checks before any work (inapp._plain_frames and inapp._plain_patterns, in C:
every piece read is of an exact built-in type, else posthog does the work), then the rules of
posthog's set_in_app_in_frames with its ``_is_external_source`` pattern matched by a scan
instead of ``re``.
"""

from cpython.unicode cimport PyUnicode_GET_LENGTH, PyUnicode_READ_CHAR

from . import inapp as _py

cdef object _posthog_handle_in_app = _py.posthog_handle_in_app
cdef str _PACKAGES = "-packages"


cdef bint _plain_patterns(object items):
    # inapp._plain_patterns: None, or a list or tuple of exact str.
    if items is None:
        return True
    if type(items) is not list and type(items) is not tuple:
        return False
    for item in items:
        if type(item) is not str:
            return False
    return True


cdef object _plain_frames(object event):
    # inapp._plain_frames: the frame lists of a client-made event whose every piece the
    # fast path reads is of an exact built-in type, or None when posthog must do the work.
    if type(event) is not dict or "stacktrace" in event or "threads" in event:
        return None
    if "exception" not in event:
        return []
    exception = (<dict>event)["exception"]
    if type(exception) is not dict:
        return None
    # Parity with posthog's `.get("values") or ()`, without asking a value of another
    # type for its truth (user code, which posthog would then run a second time).
    values = (<dict>exception).get("values")
    if values is None:
        values = ()
    elif type(values) is not list and type(values) is not tuple:
        return None
    cdef list found = []
    for entry in values:
        if type(entry) is not dict:
            return None
        if "stacktrace" not in <dict>entry:
            continue
        stacktrace = (<dict>entry)["stacktrace"]
        if type(stacktrace) is not dict:
            return None
        frames = (<dict>stacktrace).get("frames")
        if frames is None:
            continue
        if type(frames) is not list:
            return None
        for frame in <list>frames:
            if type(frame) is not dict:
                return None
            if (<dict>frame).get("in_app") is not None:
                continue
            module = (<dict>frame).get("module")
            abs_path = (<dict>frame).get("abs_path")
            if (module is not None and type(module) is not str) or (
                    abs_path is not None and type(abs_path) is not str):
                return None
        found.append(frames)
    return found


cdef inline bint _is_separator(Py_UCS4 character):
    return character == u"/" or character == u"\\"


cdef bint _is_external_source(str path):
    # Parity with posthog's re.search(r"[\\/](?:dist|site)-packages[\\/]", path): some
    # "-packages" with "dist" or "site" and a separator before it, a separator after.
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(path)
    cdef Py_ssize_t at = path.find(_PACKAGES, 5)
    while at != -1:
        if (at + 9 < length
                and _is_separator(PyUnicode_READ_CHAR(path, at + 9))
                and _is_separator(PyUnicode_READ_CHAR(path, at - 5))
                and path.startswith(("dist", "site"), at - 4)):
            return True
        at = path.find(_PACKAGES, at + 1)
    return False


cdef bint _module_in_list(object name, object items):
    # Parity with posthog's _module_in_list, on exact str only (checked beforehand).
    if name is None or not items:
        return False
    cdef str module = <str>name
    cdef Py_ssize_t length
    for item in items:
        if item == module:
            return True
        length = PyUnicode_GET_LENGTH(<str>item)
        # name.startswith(item + "."), without building item + ".".
        if (PyUnicode_GET_LENGTH(module) > length
                and PyUnicode_READ_CHAR(module, length) == u"."
                and module.startswith(<str>item)):
            return True
    return False


def handle_in_app(event, in_app_exclude=None, in_app_include=None, project_root=None):
    """``posthog.exception_utils.handle_in_app``: the same frames marked, the same event
    returned."""
    if not (_plain_patterns(in_app_exclude) and _plain_patterns(in_app_include)
            and (project_root is None or type(project_root) is str)):
        return _posthog_handle_in_app(event, in_app_exclude, in_app_include, project_root)
    frame_lists = _plain_frames(event)
    if frame_lists is None:
        return _posthog_handle_in_app(event, in_app_exclude, in_app_include, project_root)
    cdef dict frame
    for frames in frame_lists:
        for frame in <list>frames:
            # Parity with posthog's set_in_app_in_frames, rule by rule and in order.
            if frame.get("in_app") is not None:
                continue
            module = frame.get("module")
            if _module_in_list(module, in_app_include):
                frame["in_app"] = True
                continue
            if _module_in_list(module, in_app_exclude):
                frame["in_app"] = False
                continue
            abs_path = frame.get("abs_path")
            if abs_path is None:
                continue
            if _is_external_source(<str>abs_path):
                frame["in_app"] = False
                continue
            if project_root is not None and (<str>abs_path).startswith(<str>project_root):
                frame["in_app"] = True
    return event
