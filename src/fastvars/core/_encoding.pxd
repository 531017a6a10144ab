from ._masking cimport Policy

cdef class Budget:
    cdef public Py_ssize_t used
    cdef public Py_ssize_t limit
    cdef bint take_c(self, Py_ssize_t size) noexcept

cdef object encode_value(Policy policy, Budget budget, object value)
cdef dict encode_locals(dict local_vars, Policy policy, Budget budget, object code)
cdef dict encode_locals_by_name(dict local_vars, Policy policy, Budget budget)
cdef object encode_local_lists(list names, list values, Policy policy, Budget budget,
                               object code)
