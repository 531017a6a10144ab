"""``python -m fastvars``: the diagnosis (see :mod:`fastvars.integration.diagnose`)."""

import sys

from .integration.diagnose import main

sys.exit(main())
