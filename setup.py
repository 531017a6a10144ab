"""Build the compiled half of fastvars.

Every ``src/fastvars/_*.pyx`` becomes an extension module of the same name; the plain C
sources in ``csrc/`` that a module needs are listed in ``C_SOURCES``. When the build
cannot compile (no compiler, no Cython), installation still succeeds with the pure-Python
engine, unless ``FASTVARS_REQUIRE_EXTENSIONS=1`` asks for the build to fail loudly.
"""

import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
PACKAGE = Path("src") / "fastvars"

# Plain C that each compiled module links in, beside its own .pyx.
C_SOURCES = {
    "_matching": ["csrc/automaton.c"],
}

REQUIRE = os.environ.get("FASTVARS_REQUIRE_EXTENSIONS", "") not in ("", "0")
SKIP = os.environ.get("FASTVARS_NO_EXTENSIONS", "") not in ("", "0") and not REQUIRE


def _extensions():
    modules = []
    for pyx in sorted((HERE / PACKAGE).glob("_*.pyx")):
        name = pyx.stem
        sources = [str(PACKAGE / pyx.name)]
        sources += [s for s in C_SOURCES.get(name, []) if (HERE / s).exists()]
        modules.append(
            Extension(
                f"fastvars.{name}",
                sources,
                include_dirs=["csrc"],
                extra_compile_args=[] if sys.platform == "win32" else ["-O2"],
            )
        )
    if not modules:
        return []
    from Cython.Build import cythonize

    return cythonize(
        modules,
        language_level=3,
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "embedsignature": True,
        },
    )


class OptionalBuildExt(build_ext):
    """Compile the extensions, but let a failed build fall back to pure Python."""

    def run(self):
        try:
            super().run()
        except Exception as exc:  # compiler missing, Cython missing, ...
            self._give_up(exc)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._give_up(exc)

    def _give_up(self, exc):
        if REQUIRE:
            raise
        print(
            f"WARNING: fastvars' compiled extension could not be built ({exc}); "
            "the pure-Python engine will be used.",
            file=sys.stderr,
        )


setup(
    ext_modules=[] if SKIP else _extensions(),
    cmdclass={"build_ext": OptionalBuildExt},
)
