from ._policy cimport Policy

# A container's or object's masked JSON text (or the leaf string it became); None when
# the whole variable is handed to the Python twin (before any of its user code ran);
# or the failure marker (is_failed) where the twin's walk raises.
cdef object masked_text(Policy policy, object value)
cdef bint is_failed(object text) noexcept
cdef bint class_read_is_plain(object value) except -1
