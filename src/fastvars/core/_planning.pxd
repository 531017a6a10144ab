# cython: language_level=3
# The C types of planning.py compiled in Cython's pure-Python mode as _planning (see
# setup.py): the same code as the Python engine runs, its calls between its own
# functions made in C. Speed only: the behaviour is planning.py's.

cimport cython

cdef class _ChainWalk:
    cdef set seen
    cdef list found
    cdef Py_ssize_t inspected
    cdef visit(self, object exc, object tb)

cpdef check_plain(all_exceptions)
cpdef list exception_tracebacks(exc_info)
cpdef list visible_entries(tb, policy, hidden)


@cython.locals(plain=dict, found=list)
cpdef list collect_variables(serialized, entries, policy, budget, variables_of)


cpdef bint same_frames(serialized, entries) except -1


# exception: an exact dict of the plan's own list (check_plain); what it holds may change
# (a value's __repr__ can rewrite the event), so nothing read from it is typed.
@cython.locals(chain=list, own_tracebacks=bint, primary=list, found=list, exception=dict)
cpdef list plan(engine, all_exceptions, exc_info, mask_patterns, ignore_patterns,
                mask_url_credentials, detect_secrets)


@cython.locals(frame_dicts=list, values=list, plain=bint)
cpdef write_variables(found)
