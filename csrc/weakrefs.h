/* Whether a weak reference still points at a given object, for the caches keyed by an
 * object's address (a code object's id): the reference tells the live object at that
 * address from a dead one whose address was reused.
 *
 * PyWeakref_GetObject is deprecated from CPython 3.13 (it returns a borrowed reference);
 * PyWeakref_GetRef, its replacement, exists from 3.13 on. Only the identity is wanted
 * here, so neither reference is kept. */
#ifndef FASTVARS_WEAKREFS_H
#define FASTVARS_WEAKREFS_H

#include <Python.h>

static inline int fv_weakref_is(PyObject *ref, PyObject *target) {
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *found = NULL;
    int alive = PyWeakref_GetRef(ref, &found);
    if (alive < 0) {  /* not a weak reference: never the case for these caches */
        PyErr_Clear();
        return 0;
    }
    if (alive == 0) {
        return 0;
    }
    int same = found == target;
    Py_DECREF(found);
    return same;
#else
    PyObject *found = PyWeakref_GetObject(ref);  /* borrowed, Py_None once dead */
    if (found == NULL) {
        PyErr_Clear();
        return 0;
    }
    return found == target;
#endif
}

#endif
