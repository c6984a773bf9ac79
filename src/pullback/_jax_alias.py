"""`import jax` resolving to pullback: the alias behind `python -m pullback SCRIPT`.

`enable()` installs an import hook: `jax` is the `pullback` module and `jax.<name>` the
module `pullback.<name>`. A name pullback lacks raises ModuleNotFoundError saying so; it never
falls through to a real `jax` installed beside it. Enabling fails if the real jax is imported
already (the two cannot share a process: importing jax patches jaxlib's classes).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

__all__ = ["disable", "enable", "enabled"]


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self.module

    def exec_module(self, module: ModuleType) -> None:
        return None


#: The `jax.<name>` modules served by `pullback._jax`, the compatibility package: JAX's
#: extension points and the private modules libraries reach into.
_COMPAT = frozenset({"_src", "extend", "interpreters", "custom_derivatives", "api_util", "version"})

#: Single compatibility modules below a public JAX module.
_COMPAT_MODULES = {
    "experimental.hijax": "pullback._jax.experimental_hijax",
    # (JAX's public core still carries extension names: Atom, find_top_trace, ...)
    "core": "pullback._jax._src.core",
}

#: Top-level `jax.<name>`s that only the compatibility package has (documented stand-ins).
_COMPAT_ATTRS = {"Ref": "pullback._jax.ref", "new_ref": "pullback._jax.ref"}

#: The JAX release whose API pullback follows: what `jax.__version__` says under the alias.
JAX_API_VERSION = "0.10.2"


class _JaxModule(ModuleType):
    """What `import jax.<name>` gives: a module named `jax.<name>`.

    Its attributes are those of the pullback module behind it (read through, and kept once read).

    Being named `jax.<name>`, it makes `from jax.<name> import <submodule>` come back to the
    alias. The top-level `jax` also says JAX's version and reaches the compatibility modules
    (`jax.extend`, `jax.api_util`, ...) as attributes.
    """

    def __init__(self, name: str, target: ModuleType) -> None:
        super().__init__(name, target.__doc__)
        if hasattr(target, "__path__"):
            self.__path__: list[str] = list(target.__path__)
        self.__file__ = getattr(target, "__file__", None)
        self._target = target
        if name == "jax":
            self.__version__ = JAX_API_VERSION
            self.__version_info__ = tuple(int(v) for v in JAX_API_VERSION.split("."))

    def __getattr__(self, name: str) -> Any:
        if self.__name__ == "jax" and name in _COMPAT:
            return importlib.import_module(f"jax.{name}")
        if self.__name__ == "jax" and name in _COMPAT_ATTRS:
            return getattr(importlib.import_module(_COMPAT_ATTRS[name]), name)
        if f"{self.__name__}.{name}"[4:] in _COMPAT_MODULES:
            return importlib.import_module(f"{self.__name__}.{name}")
        try:
            value = getattr(self._target, name)
        except AttributeError:
            if "__path__" in self.__dict__ and not name.startswith("__"):
                # (JAX imports its private modules at startup: `jax._src.xla_bridge` is there
                # without an import, so a submodule is imported on first access here)
                try:
                    return importlib.import_module(f"{self.__name__}.{name}")
                except ModuleNotFoundError:
                    pass
            raise AttributeError(
                f"module {self.__name__!r} has no attribute {name!r}: pullback does not provide "
                f"{self.__name__}.{name} (see COMPATIBILITY.md)"
            ) from None
        if not name.startswith("_"):  # (private names may be computed on each read)
            setattr(self, name, value)
        return value

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._target)) | set(self.__dict__))


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "jax" and not fullname.startswith("jax."):
            return None
        rest = fullname[3:]
        top = rest[1:].split(".", 1)[0]
        # JAX's extension and private modules come from the compatibility package.
        if rest[1:] in _COMPAT_MODULES:
            target_name = _COMPAT_MODULES[rest[1:]]
        else:
            target_name = ("pullback._jax" if top in _COMPAT else "pullback") + rest
        try:
            module = importlib.import_module(target_name)
        except ModuleNotFoundError as e:
            if e.name != target_name:
                raise  # a module the target imports is missing: not the alias's to explain
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: pullback has no {target_name!r} (the JAX alias "
                "maps jax.* to pullback.*; see COMPATIBILITY.md for what is missing)",
                name=fullname,
            ) from None
        return importlib.machinery.ModuleSpec(
            fullname,
            _AliasLoader(_JaxModule(fullname, module)),
            is_package=hasattr(module, "__path__"),
        )


_FINDER = _AliasFinder()


def enabled() -> bool:
    """Whether `import jax` gives pullback now."""
    return _FINDER in sys.meta_path


def enable() -> None:
    """Make `import jax` and `import jax.<name>` give pullback's modules.

    Raises:
        RuntimeError: if the real jax is imported already.
    """
    real = sys.modules.get("jax")
    if real is not None and not _ours(real):
        raise RuntimeError(
            "the real jax is already imported in this process; enable the pullback alias "
            "before anything imports jax (or run the script with `python -m pullback`)"
        )
    if not enabled():
        sys.meta_path.insert(0, _FINDER)


def disable() -> None:
    """Undo `enable`: forget the aliases, so `import jax` is an ordinary import again."""
    if enabled():
        sys.meta_path.remove(_FINDER)
    for name in [n for n in sys.modules if n == "jax" or n.startswith("jax.")]:
        if _ours(sys.modules[name]):
            del sys.modules[name]


def _ours(module: Any) -> bool:
    # The alias's modules: the `jax` front and pullback's own modules.
    return isinstance(module, _JaxModule) or getattr(module, "__name__", "").startswith("pullback")
