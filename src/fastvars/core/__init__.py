"""The capture engine: each concern a twin pair, ``x.py`` beside the compiled ``_x.pyx``.

``engine.py`` (one level up) puts the twins together into the two engines; nothing here
imports posthog's client, the integration or the benchmark.
"""
