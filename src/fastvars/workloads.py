"""The benchmark's workloads under their documented name: this module *is*
:mod:`fastvars.bench.workloads` (``fastvars.workloads.standard()`` returns a fresh
``exc_info``)."""

import sys

from .bench import workloads as _workloads

sys.modules[__name__] = _workloads
