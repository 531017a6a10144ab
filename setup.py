"""Build the compiled half of fastvars.

Every ``src/fastvars/**/_*.pyx`` becomes an extension module of the same name, linking
the plain C in ``csrc/`` that ``C_SOURCES`` lists for it. A ``_x.pxd`` with no
``_x.pyx`` beside it may declare the C types of ``x.py``, compiled in Cython's
pure-Python mode as the module ``_x`` (``core/planning.py`` as ``core._planning``): one
source that the pure-Python engine runs as it is and the compiled engine runs compiled
(as aiohttp builds ``reader_c`` from ``reader_py.py``); ``PURE_PYTHON_MODE`` lists
them. The sdist ships the C that Cython generates from each source (as msgpack does),
so a source install needs a C compiler but not Cython:

- Cython installed: the ``.pyx`` are compiled to C (again only when they changed), then
  the C to extension modules.
- no Cython, but generated C newer than every ``.pyx``, ``.pxd`` and pure-Python-mode
  ``.py``: the extension modules are built from that C.
- no Cython and no usable generated C, Cython rejecting a ``.pyx``, no C compiler or a
  failing one: the install still succeeds, with the pure-Python engine and no compiled
  module at all (none of a partial set is kept). The reason is printed as a ``WARNING``
  line (pip shows a successful build's output only with ``pip install -v``), recorded in
  the generated module ``fastvars/_build_info.py`` (``EXTENSIONS_BUILT``, ``REASON``),
  and the wheel is tagged ``py3-none-any``: pip's wheel cache and its users see a
  pure-Python wheel, not one named like a compiled build.

``FASTVARS_REQUIRE_EXTENSIONS=1`` turns each of those fallbacks into a failed build.
``FASTVARS_NO_EXTENSIONS=1`` builds no extension at all. ``FASTVARS_DEBUG_BUILD=1``
compiles with ``-O0 -g -Wall -Wextra -Werror``, unstripped, and implies
``FASTVARS_REQUIRE_EXTENSIONS`` (a debug build that fell back to Python would check
nothing). A ``csrc/`` file listed in ``C_SOURCES`` but absent is always an error: the
source tree is incomplete. Release builds carry no debug information and, on Linux and
macOS, no local symbols: the compiled modules are about a fifth of their unstripped size.

``python -m build --sdist`` regenerates the C with Cython, which it therefore requires.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).parent.resolve()
PACKAGE = Path("src") / "fastvars"
BUILD_INFO = "_build_info.py"

# Plain C that each compiled module links in, beside its own .pyx.
C_SOURCES = {
    "_matching": ["csrc/automaton.c"],
    "_secret_detection": ["csrc/secret_chains.c"],
}

# Modules compiled from their pure-Python twin in Cython's pure-Python mode: ``x.py``
# becomes the module ``_x``, typed by the ``_x.pxd`` beside it.
PURE_PYTHON_MODE = [PACKAGE / "core" / "planning.py"]

CYTHON_OPTIONS = {
    "language_level": 3,
    "compiler_directives": {
        "boundscheck": False,
        "wraparound": False,
        "cdivision": True,
        "embedsignature": True,
    },
}


def _flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


DEBUG = _flag("FASTVARS_DEBUG_BUILD")
REQUIRE = _flag("FASTVARS_REQUIRE_EXTENSIONS") or DEBUG
SKIP = _flag("FASTVARS_NO_EXTENSIONS") and not REQUIRE


class State:
    """What this build did, for _build_info.py and the wheel's tag."""

    ran = False  # build_ext ran in this process (an editable wheel is tagged before)
    built = False
    reason: str | None = "the extension build did not run"
    source: str | None = None


def _pyx_files() -> list[Path]:
    """Every compiled module's source, relative to the project (they live in the package's
    folders, ``core/`` today): each ``_x.pyx``, and each of ``PURE_PYTHON_MODE``."""
    sources = [p.relative_to(HERE) for p in (HERE / PACKAGE).rglob("_*.pyx")]
    return sorted([*sources, *PURE_PYTHON_MODE])


def _module_name(source: Path) -> str:
    """``src/fastvars/core/_json.pyx`` -> ``fastvars.core._json``; a pure-Python-mode
    source ``src/fastvars/core/planning.py`` -> ``fastvars.core._planning``.

    The compiled module is named by its Extension, not by its file: Cython takes the
    Extension's name as the module's (its init function, its ``__name__``, and the
    ``_planning.pxd`` it reads beside the source), so ``planning.py`` is compiled where
    it is. No copy and no symlink (which a Windows checkout or sdist may not keep): the
    same build on every platform. The C it generates is ``planning.c``, beside it.
    """
    parts = source.relative_to(PACKAGE).with_suffix("").parts
    if source.suffix == ".py":
        parts = (*parts[:-1], "_" + parts[-1])
    return ".".join(("fastvars", *parts))


def _flags() -> tuple[list[str], list[str]]:
    """Compile and link arguments: optimised and stripped, or the debug build's."""
    if sys.platform == "win32":
        # MSVC release builds carry no debug information unless asked to.
        return (["/Od", "/Z7"], ["/DEBUG"]) if DEBUG else ([], [])
    if DEBUG:
        return ["-O0", "-g", "-Wall", "-Wextra", "-Werror"], []
    # -g0 overrides the -g that CPython's own CFLAGS often carry; -s (Linux) and -x
    # (macOS's linker) drop the symbol table entries that only a debugger reads.
    link = ["-s"] if sys.platform.startswith("linux") else []
    if sys.platform == "darwin":
        link = ["-Wl,-x"]
    return ["-O2", "-g0"], link


def _extensions() -> list[Extension]:
    """One Extension per .pyx, its sources the .pyx: build_ext decides what compiles."""
    if SKIP:
        State.reason = "FASTVARS_NO_EXTENSIONS was set when this copy was built"
        return []
    missing = sorted(
        source
        for sources in C_SOURCES.values()
        for source in sources
        if not (HERE / source).is_file()
    )
    if missing:
        sys.exit(f"error: fastvars: C sources missing from this source tree: {', '.join(missing)}")
    compile_args, link_args = _flags()
    return [
        Extension(
            _module_name(pyx),
            [pyx.as_posix(), *C_SOURCES.get(pyx.stem, [])],
            include_dirs=["csrc"],
            # Every module may include any csrc/ header: an edited header rebuilds them.
            depends=sorted(h.relative_to(HERE).as_posix() for h in (HERE / "csrc").glob("*.h")),
            extra_compile_args=compile_args,
            extra_link_args=link_args,
        )
        for pyx in _pyx_files()
    ]


def _cythonize(extensions: list[Extension], force: bool = False) -> None:
    """Generate each module's C from its .pyx and point the extension at it."""
    from Cython.Build import cythonize

    generated = cythonize(extensions, force=force, **CYTHON_OPTIONS)
    by_name = {ext.name: ext for ext in generated}
    for ext in extensions:
        ext.sources = list(by_name[ext.name].sources)


def _use_generated_c(extensions: list[Extension]) -> str | None:
    """Point each extension at the shipped C, or say why that C cannot be used."""
    package = HERE / PACKAGE
    newest_source = max(
        p.stat().st_mtime
        for p in [
            *package.rglob("*.pyx"),
            *package.rglob("*.pxd"),
            *(HERE / p for p in _pyx_files()),
        ]
    )
    for ext in extensions:
        c_file = Path(ext.sources[0]).with_suffix(".c")
        path = HERE / c_file
        if not path.is_file():
            return f"Cython is not installed and the generated C ({c_file.as_posix()}) is absent"
        if path.stat().st_mtime < newest_source:
            return (
                f"Cython is not installed and the generated C ({c_file.as_posix()}) "
                "is older than the .pyx/.pxd sources"
            )
        ext.sources = [c_file.as_posix(), *ext.sources[1:]]
    return None


def _write_build_info(package_dir: Path) -> None:
    package_dir.mkdir(parents=True, exist_ok=True)
    (package_dir / BUILD_INFO).write_text(
        "# Generated by fastvars' setup.py when this copy was built; not in version control.\n"
        '"""How this copy of fastvars was built."""\n\n'
        "#: Whether the compiled extension modules were built.\n"
        f"EXTENSIONS_BUILT: bool = {State.built!r}\n"
        "#: Why they were not (None when they were).\n"
        f"REASON: str | None = {State.reason!r}\n"
        '#: What the C was compiled from ("Cython 3.x.y", the shipped generated C), or None.\n'
        f"SOURCE: str | None = {State.source!r}\n"
        "#: Built with FASTVARS_DEBUG_BUILD=1 (-O0 -g, warnings as errors).\n"
        f"DEBUG_BUILD: bool = {DEBUG!r}\n",
        encoding="utf-8",
    )


class BuildPy(build_py):
    """Copy the package, and record how it was built (build_ext overwrites the record)."""

    def run(self) -> None:
        super().run()
        _write_build_info(Path(self.build_lib) / "fastvars")
        if self.editable_mode:
            _write_build_info(HERE / PACKAGE)


class BuildExt(build_ext):
    """Compile the extensions, or fall back to pure Python and say so (unless required)."""

    def run(self) -> None:
        # super().run() clears inplace while it builds, and sets it back only on success.
        self._into_tree = self.inplace or self.editable_mode
        State.ran = True
        try:
            super().run()
        except Exception as exc:  # a compiler that cannot even be set up
            self._give_up("the C compiler could not be run", exc)
        finally:
            _write_build_info(Path(self.build_lib) / "fastvars")
            if self._into_tree:
                _write_build_info(HERE / PACKAGE)

    def build_extensions(self) -> None:
        try:
            from Cython import __version__ as cython_version
        except ImportError:
            cython_version = None
        if cython_version is None:
            reason = _use_generated_c(self.extensions)
            if reason is not None:
                self._give_up(reason)
                return
            State.source = "the generated C shipped in the sdist (Cython not installed)"
        else:
            try:
                _cythonize(self.extensions, force=self.force)
            except Exception as exc:
                self._give_up(f"Cython {cython_version} could not compile the .pyx", exc)
                return
            State.source = f"Cython {cython_version}"
        try:
            for ext in self.extensions:
                self.build_extension(ext)
        except Exception as exc:
            self._give_up("the C compiler failed", exc)
            return
        State.built, State.reason = True, None

    def _give_up(self, what: str, exc: Exception | None = None) -> None:
        """Fall back to pure Python, or fail when the extension is required."""
        reason = what if exc is None else f"{what}: {type(exc).__name__}: {exc}"
        if len(reason) > 240:  # a compiler error quotes the whole command line
            reason = reason[:220] + " ... (the build log has it all: pip install -v)"
        if REQUIRE:
            if exc is not None:
                raise exc
            sys.exit(f"error: fastvars: {reason} (FASTVARS_REQUIRE_EXTENSIONS is set)")
        State.built, State.reason = False, reason
        # Keep no compiled module of a partial set (the engine needs all of them), nor,
        # in an in-place or editable build, one that an earlier build left in the tree.
        build_py = self.get_finalized_command("build_py")
        for ext in self.extensions:
            in_tree, built = self._get_inplace_equivalent(build_py, ext)
            for path in [built, *([in_tree] if getattr(self, "_into_tree", False) else [])]:
                if os.path.exists(path):
                    os.unlink(path)
        print(
            f"WARNING: fastvars: the compiled extension was not built ({reason}); "
            "this install uses the pure-Python engine (same output, slower). "
            "Set FASTVARS_REQUIRE_EXTENSIONS=1 to make this an error.",
            file=sys.stderr,
            flush=True,
        )

    def copy_extensions_to_source(self) -> None:
        if State.built:
            super().copy_extensions_to_source()

    def get_outputs(self) -> list[str]:
        return super().get_outputs() if State.built else []


class BdistWheel(bdist_wheel):
    """Tag the wheel py3-none-any when no compiled module went into it."""

    def get_tag(self) -> tuple[str, str, str]:
        if State.ran and not State.built:
            self.root_is_pure = True
        return super().get_tag()


class Sdist(sdist):
    """Ship the generated C, so that the sdist builds without Cython."""

    def run(self) -> None:
        try:
            import Cython  # noqa: F401
        except ImportError:
            sys.exit("error: fastvars: building the sdist needs Cython: it ships the generated C")
        extensions = _extensions() or [
            Extension(_module_name(pyx), [pyx.as_posix()]) for pyx in _pyx_files()
        ]
        _cythonize(extensions, force=True)
        super().run()

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        # The record a local (editable) build left in the tree says how that copy was
        # built, not how the sdist's will be.
        record = (PACKAGE / BUILD_INFO).as_posix()
        super().make_release_tree(base_dir, [f for f in files if Path(f).as_posix() != record])


setup(
    ext_modules=_extensions(),
    cmdclass={
        "build_py": BuildPy,
        "build_ext": BuildExt,
        "bdist_wheel": BdistWheel,
        "sdist": Sdist,
    },
)
