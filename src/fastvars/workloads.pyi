# fastvars.workloads replaces itself with fastvars.bench.workloads at import (see
# workloads.py): type checkers see that module's names under this one.
from .bench.workloads import *  # noqa: F403  (all of them, as at runtime)
