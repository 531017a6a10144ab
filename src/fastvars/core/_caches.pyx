# cython: language_level=3
"""Compiled twin of caches.py: a bounded map that keeps its hot set (two generations)."""


cdef class Generations:
    """A bounded map of cached answers (never None) that keeps its hot set: at most
    2 * generation entries."""

    def __init__(self, Py_ssize_t generation):
        self.young = {}
        self.old = {}
        self.generation = generation

    cdef object recall(self, object key):
        hit = self.old.get(key)
        if hit is not None:
            self.store(key, hit)
        return hit

    cdef int store(self, object key, object value) except -1:
        if len(self.young) >= self.generation:
            self.old = self.young
            self.young = {}
        self.young[key] = value
        return 0

    def get(self, key):
        return cache_get(self, key)

    def put(self, key, value):
        self.store(key, value)

    def clear(self):
        self.young = {}
        self.old = {}
        self.last = None

    def __len__(self):
        return len(self.young) + len(self.old)

    def __contains__(self, key):
        return key in self.young or key in self.old
