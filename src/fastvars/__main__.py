"""``python -m fastvars``: the diagnosis (see :mod:`fastvars.integration.diagnose`)."""

import sys

from .integration.diagnose import main

if __name__ == "__main__":  # not when imported (by stubtest, say)
    sys.exit(main())
