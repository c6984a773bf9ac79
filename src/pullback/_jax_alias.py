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
_COMPAT = frozenset({"_src", "extend", "interpreters", "custom_derivatives", "api_util"})


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "jax" and not fullname.startswith("jax."):
            return None
        rest = fullname[3:]
        top = rest[1:].split(".", 1)[0]
        # JAX's extension and private modules come from the compatibility package.
        target_name = ("pullback._jax" if top in _COMPAT else "pullback") + rest
        try:
            module = importlib.import_module(target_name)
        except ModuleNotFoundError:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: pullback has no {target_name!r} (the JAX alias "
                "maps jax.* to pullback.*; see COMPATIBILITY.md for what is missing)",
                name=fullname,
            ) from None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module))


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
    if real is not None and not getattr(real, "__name__", "").startswith("pullback"):
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
        if getattr(sys.modules[name], "__name__", "").startswith("pullback"):
            del sys.modules[name]
