"""fastvars-run's start-up hook, run by ``site`` in every Python process it starts.

``fastvars-run`` puts this file's directory first on ``PYTHONPATH``, so Python imports
it as ``sitecustomize`` at start-up, in the program and in every Python subprocess that
inherits the environment. It must cost nothing to a program that never uses posthog: it
imports no part of fastvars, only watches for ``posthog`` being imported, and enables
fastvars once posthog has finished importing. It then hands over to the
``sitecustomize`` it shadows, if there is one, as if it had never been there.

Nothing here may stop the program: any failure leaves it running without fastvars and
is reported once on stderr.
"""

import os
import sys

# Types are in comments, which every Python reads; their names are imported for type
# checkers only (mypy treats TYPE_CHECKING as true): importing typing would cost every
# process start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:  # the names the type comments use (ruff does not read those)
    from importlib.abc import Loader  # noqa: F401
    from importlib.machinery import ModuleSpec  # noqa: F401
    from types import ModuleType  # noqa: F401
    from typing import Optional, Sequence  # noqa: F401


def _fastvars_say(message):
    # type: (str) -> None
    try:
        sys.stderr.write("fastvars-run: %s\n" % message)
    except Exception:
        pass


class _FastvarsPosthogWatch(object):
    """A meta-path finder that answers nothing itself: when ``posthog`` is imported,
    it lets the finders after it find the real module, and wraps the loader so that
    ``fastvars.enable()`` runs once the module has executed."""

    def find_spec(self, name, path=None, target=None):
        # type: (str, Optional[Sequence[str]], Optional[ModuleType]) -> Optional[ModuleSpec]
        if name != "posthog":
            return None
        _fastvars_unwatch()
        try:
            import importlib.util

            spec = importlib.util.find_spec(name)
        except Exception:
            return None  # the import goes on as if we were not here
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        # A loader by its methods, as importlib uses it; deriving importlib.abc.Loader
        # (what the spec is declared to hold) would import importlib.abc at start-up.
        spec.loader = _FastvarsEnablingLoader(spec.loader)  # type: ignore[assignment]
        return spec


class _FastvarsEnablingLoader(object):
    def __init__(self, loader):
        # type: (Loader) -> None
        self.loader = loader

    def create_module(self, spec):
        # type: (ModuleSpec) -> Optional[ModuleType]
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # type: (ModuleType) -> None
        # posthog sees its own loader, as without fastvars-run (posthog reads sources
        # through a module's __loader__).
        module.__loader__ = self.loader
        spec = getattr(module, "__spec__", None)
        if spec is not None:
            spec.loader = self.loader
        self.loader.exec_module(module)
        _fastvars_enable()


def _fastvars_enable():
    # type: () -> None
    try:
        import fastvars

        if not fastvars.enable():
            _fastvars_say("fastvars is off: %s" % fastvars.status()["reason"])
    except Exception as error:
        _fastvars_say("fastvars is off: %s: %s" % (type(error).__name__, error))


_fastvars_watch = _FastvarsPosthogWatch()


def _fastvars_unwatch():
    # type: () -> None
    try:
        sys.meta_path.remove(_fastvars_watch)
    except ValueError:
        pass


def _fastvars_chain(here):
    # type: (str) -> None
    """Run the sitecustomize this one shadows, under its own name, as Python would
    have. Its own errors are its own: they propagate, and ``site`` reports them."""
    import importlib.machinery
    import importlib.util

    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is None or spec.loader is None:
        return
    if spec.origin and os.path.dirname(os.path.abspath(spec.origin)) == here:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


def _fastvars_start():
    # type: () -> None
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        # This directory holds only this file: off sys.path, it shadows nothing else.
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
        if "posthog" in sys.modules:
            _fastvars_enable()
        else:
            sys.meta_path.insert(0, _fastvars_watch)
    except Exception as error:
        _fastvars_say("fastvars is off: start-up failed: %s: %s" % (type(error).__name__, error))
    _fastvars_chain(here)


_fastvars_start()
