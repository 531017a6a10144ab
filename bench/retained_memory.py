"""Run: python bench/retained_memory.py {posthog,c,python}

Issue 14, item 4: 1000 dynamic classes with 100 KB of class data each, each
captured once, then dropped: how many stay alive, and the RSS growth."""

import gc
import os
import sys
import weakref

from posthog import exception_utils as ph

import fastvars
from fastvars import constants
from fastvars import engine as fe

MASK = list(constants.DEFAULT_MASK_PATTERNS)
IGNORE = list(constants.DEFAULT_IGNORE_PATTERNS)


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1])


def fail(obj):
    raise KeyError("x")


def capture(which, obj):
    try:
        fail(obj)
    except KeyError:
        exc_info = sys.exc_info()
    exceptions = ph.exceptions_from_error_tuple(exc_info)
    for e in exceptions:
        for f in e["stacktrace"]["frames"]:
            f["in_app"] = True
    if which == "posthog":
        ph.attach_code_variables_to_frames(
            exceptions, exc_info, mask_patterns=MASK, ignore_patterns=IGNORE
        )
    else:
        fastvars.attach_code_variables(
            exceptions, exc_info, MASK, IGNORE, True, True, engine=fe.available()[which]
        )


which = sys.argv[1]
capture(which, object())  # warm
gc.collect()
before = rss_kib()
refs = []
for i in range(1000):
    cls = type(f"Dyn{i}", (), {"blob": os.urandom(50_000).hex()})
    obj = cls()
    obj.value = i
    refs.append(weakref.ref(cls))
    capture(which, obj)
del cls, obj
gc.collect()
gc.collect()
after = rss_kib()
alive = sum(r() is not None for r in refs)
print(f"{which:8s} alive={alive:5d} rss_growth={(after - before) / 1024:.1f} MiB")
