"""Build pullback_compile's optional C extension (`_cdispatch`, the jit call hot path).

Hatchling runs `CustomBuildHook` when it builds the package: an editable install compiles the
extension next to its source, a wheel gets it as a platform-specific file. Without a C
compiler (or with PULLBACK_NO_CEXT=1) the build goes on and `jit` uses its pure-Python
dispatcher instead.

`python packages/compile/hatch_build.py` builds it in place when the source is newer than the
built file (what the hatch scripts run first, since an existing environment is not rebuilt
when the C source changes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "src" / "pullback_compile" / "_cdispatch.c"
NAME = "_cdispatch"


def _suffix() -> str:
    return str(sysconfig.get_config_var("EXT_SUFFIX") or ".so")


def compile_extension(out_dir: Path) -> Path | None:
    """Compile the extension into `out_dir`; its path, or None (with a warning) if it failed."""
    if os.environ.get("PULLBACK_NO_CEXT"):
        return None
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    cc_argv = cc.split()
    if shutil.which(cc_argv[0]) is None:
        warnings.warn(f"pullback-compile: no C compiler ({cc_argv[0]}); jit dispatch stays in "
                      "Python", stacklevel=1)  # fmt: skip
        return None
    target = out_dir / f"{NAME}{_suffix()}"
    include = sysconfig.get_paths()["include"]
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    cmd = [*cc_argv, "-O2", "-shared", "-fPIC", "-std=c11", "-Wall", f"-I{include}",
           str(SOURCE), "-o", str(tmp)]  # fmt: skip
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as e:
        detail = getattr(e, "stderr", "") or str(e)
        warnings.warn(f"pullback-compile: building {NAME} failed; jit dispatch stays in "
                      f"Python:\n{detail}", stacklevel=1)  # fmt: skip
        tmp.unlink(missing_ok=True)
        return None
    os.replace(tmp, target)
    return target


def _current() -> Path | None:
    target = SOURCE.with_name(f"{NAME}{_suffix()}")
    if target.exists() and target.stat().st_mtime >= SOURCE.stat().st_mtime:
        return target
    return None


def build_in_place() -> Path | None:
    """Build the extension next to its source unless an up-to-date build is there."""
    return _current() or compile_extension(SOURCE.parent)


try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script, outside a build
    BuildHookInterface = object  # type: ignore[assignment,misc]


class CustomBuildHook(BuildHookInterface):  # type: ignore[misc,valid-type]
    """Compile `_cdispatch` for the wheel (a platform wheel) or in place for editable builds."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Build the extension for this target (hatchling calls it before building)."""
        if self.target_name != "wheel":
            return
        if version == "editable":
            build_in_place()
            return
        out = Path(tempfile.mkdtemp(prefix="pullback-cext-"))
        built = compile_extension(out)
        if built is not None:
            build_data["force_include"][str(built)] = f"pullback_compile/{built.name}"
            build_data["pure_python"] = False
            build_data["infer_tag"] = True


if __name__ == "__main__":
    if _current() is None:  # (silent when the build is current)
        built = compile_extension(SOURCE.parent)
        print(f"pullback-compile: {NAME}: {built or 'not built (jit dispatches in Python)'}")
    sys.exit(0)
