/* Type probes for the compiled masking walk: what reading an object's attributes, its
 * class's dict or its type's version tag involves, answered from the type's slots and
 * its MRO's own dicts, without running any Python code of the class (no descriptor,
 * no __getattr__, no AttributeError built on a miss). The walk asks these before it
 * touches a user's object, to decide whether it may read the object natively or must
 * hand it to the Python twin, which runs the class's code as posthog does.
 * Included by _masking.pyx through _typeprobes.pxd; every function is static inline.
 */
#ifndef FASTVARS_TYPEPROBES_H
#define FASTVARS_TYPEPROBES_H

#include <Python.h>

/* Attribute reads on this object run no Python code of its class: plain instance
   getattr, and a metaclass that reads class attributes the default way. */
static inline int fv_plain_getattr(PyObject *o) {
    PyTypeObject *tp = Py_TYPE(o);
    return tp->tp_getattro == PyObject_GenericGetAttr
        && Py_TYPE(tp)->tp_getattro == PyType_Type.tp_getattro;
}
/* A tuple subclass that iterates and indexes as a tuple does (namedtuples do). */
static inline int fv_plain_tuple(PyObject *o) {
    PyTypeObject *tp = Py_TYPE(o);
    return tp->tp_iter == PyTuple_Type.tp_iter
        && tp->tp_as_sequence != NULL
        && tp->tp_as_sequence->sq_length == PyTuple_Type.tp_as_sequence->sq_length
        && tp->tp_getattro == PyObject_GenericGetAttr;
}
/* Whether a class in tp's MRO, or in its metaclass's, has `name` in its own dict:
   hasattr(cls, name) without raising (and building) an AttributeError on a miss.
   Static builtin types have no dict slot here from 3.12 on; they never hold the
   names asked for (__dataclass_fields__). */
static inline int fv_mro_has(PyTypeObject *tp, PyObject *name) {
    PyObject *mro = tp->tp_mro;
    Py_ssize_t i, n;
    if (mro == NULL || !PyTuple_Check(mro)) return -2;
    n = PyTuple_GET_SIZE(mro);
    for (i = 0; i < n; i++) {
        PyTypeObject *base = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        PyObject *dict = base->tp_dict;
        if (dict != NULL) {
            PyObject *hit = PyDict_GetItemWithError(dict, name);
            if (hit != NULL) return 1;
            if (PyErr_Occurred()) return -1;
        }
    }
    return 0;
}
/* Whether a class of tp's MRO has `name` in its own dict, apart from `object` (the
   last), `type` and `module`, whose attribute reads answer __class__ the standard
   way; 1 also for an MRO that does not end with object. */
static inline int fv_defined_below_object(PyObject *tp_obj, PyObject *name) {
    PyObject *mro = ((PyTypeObject *)tp_obj)->tp_mro;
    Py_ssize_t i, n;
    if (mro == NULL || !PyTuple_Check(mro)) return 1;
    n = PyTuple_GET_SIZE(mro);
    if (n == 0 || PyTuple_GET_ITEM(mro, n - 1) != (PyObject *)&PyBaseObject_Type)
        return 1;
    for (i = 0; i < n - 1; i++) {
        PyTypeObject *base = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        PyObject *dict = base->tp_dict;
        if (base == &PyType_Type || base == &PyModule_Type || dict == NULL) continue;
        if (PyDict_GetItemWithError(dict, name) != NULL) return 1;
        if (PyErr_Occurred()) return -1;
    }
    return 0;
}
/* Whether attribute reads on instances of tp go the standard way (many built-in
   types name the generic getter in their slot, and so list __getattribute__ in
   their dict: that one runs no code of theirs). */
static inline int fv_standard_getattro(PyObject *tp_obj) {
    getattrofunc f = ((PyTypeObject *)tp_obj)->tp_getattro;
    return f == PyObject_GenericGetAttr || f == PyType_Type.tp_getattro
        || f == PyModule_Type.tp_getattro;
}
/* What the class (through its MRO) holds under `name`, as a borrowed reference;
   None when nothing does. Only dict lookups: no descriptor is run. */
static inline PyObject *fv_class_attribute(PyObject *tp_obj, PyObject *name) {
    PyObject *mro = ((PyTypeObject *)tp_obj)->tp_mro;
    Py_ssize_t i, n;
    if (mro == NULL || !PyTuple_Check(mro)) return Py_None;
    n = PyTuple_GET_SIZE(mro);
    for (i = 0; i < n; i++) {
        PyObject *dict = ((PyTypeObject *)PyTuple_GET_ITEM(mro, i))->tp_dict;
        if (dict != NULL) {
            PyObject *hit = PyDict_GetItemWithError(dict, name);
            if (hit != NULL) return hit;
            if (PyErr_Occurred()) { PyErr_Clear(); return Py_None; }
        }
    }
    return Py_None;
}
/* The type's version tag, or 0 while it has no valid one. Up to 3.12 a flag says
   whether the tag is valid; 3.13 no longer sets that flag and keeps 0 in the tag
   itself while there is none (a change to the class or a base resets it to 0). */
static inline unsigned int fv_type_version(PyObject *tp_obj) {
    PyTypeObject *tp = (PyTypeObject *)tp_obj;
#if PY_VERSION_HEX < 0x030D0000 && defined(Py_TPFLAGS_VALID_VERSION_TAG)
    if (!(tp->tp_flags & Py_TPFLAGS_VALID_VERSION_TAG)) return 0;
#endif
    return tp->tp_version_tag;
}
static inline int fv_type_has(PyObject *tp_obj, PyObject *name) {
    PyTypeObject *tp = (PyTypeObject *)tp_obj;
    int r = fv_mro_has(tp, name);
    if (r != 0) return r;
    return fv_mro_has(Py_TYPE(tp), name);
}


#endif /* FASTVARS_TYPEPROBES_H */
