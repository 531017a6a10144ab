# fastvars.core._json is mostly C-level functions (see _json.pxd); one test hook, the
# C shortcut of json.float_repr_length (its twin, json.py).

def float_repr_length_c(value: float) -> int: ...
