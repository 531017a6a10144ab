cdef int looks_like_secret(str text) except -1
