"""``python -m fastvars.bench``: the same as the ``fastvars-bench`` command."""

import sys

from .cli import main

sys.exit(main())
