"""``python -m fastvars.bench``: the same as the ``fastvars-bench`` command."""

import sys

from .cli import main

if __name__ == "__main__":  # not when imported (by stubtest, say)
    sys.exit(main())
