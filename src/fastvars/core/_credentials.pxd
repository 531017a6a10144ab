cdef str redact_embedded_credentials(str text, bint mask_url_credentials)
