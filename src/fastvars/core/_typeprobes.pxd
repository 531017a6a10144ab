# The type probes of csrc/typeprobes.h (static inline C), for the compiled masking walk:
# questions about a type answered from its slots and its MRO's dicts, running no code of
# the class. A declarations-only .pxd: cimporting it builds no module.

from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_Check
from cpython.long cimport PyLong_Check
from cpython.float cimport PyFloat_Check

cdef extern from "typeprobes.h":
    bint fv_plain_getattr(object o)
    bint fv_plain_tuple(object o)
    int fv_type_has(object tp, object name) except -1
    int fv_defined_below_object(object tp, object name) except -1
    bint fv_standard_getattro(object tp)
    PyObject *fv_class_attribute(object tp, object name)
    unsigned int fv_type_version(object tp)


cdef inline bint is_scalar_kind(object value) noexcept:
    """isinstance(value, (str, int, float)) by type flags (bool is an int)."""
    return PyUnicode_Check(value) or PyLong_Check(value) or PyFloat_Check(value)
