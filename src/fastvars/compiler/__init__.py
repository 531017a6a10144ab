"""The pattern compiler: mask and ignore pattern lists, and posthog's known secret
formats, turned into the flat tables the C loops in ``csrc/`` run.

Everything here is plain Python, runs once per pattern list (the engines cache the
result) and never at match time.
"""
