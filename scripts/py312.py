"""Run a hatch script on CPython 3.12: `python scripts/py312.py ENV:SCRIPT [ARGS]`.

Hatch looks for interpreters on PATH only (a pyenv shim counts only where pyenv has that
version selected) and would otherwise try to download one, which machines without internet
cannot do. This finds an installed CPython 3.12 the way a user's machine has it: a working
`python3.12` on PATH, else the newest `versions/3.12.*` under pyenv's root (`$PYENV_ROOT`,
`pyenv root`, or `~/.pyenv`). It puts that interpreter's folder first on PATH and runs
`python -m hatch run ENV:SCRIPT ARGS` with the Python that runs this file (the one that has
hatch). Where no CPython 3.12 exists it prints that the leg was skipped and why, and exits 0.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

WANTED = (3, 12)


def _probe(python: str) -> str | None:
    """The real executable behind `python` if it runs and is CPython `WANTED`, else None."""
    code = (
        "import sys, platform; "
        "print(sys.executable, platform.python_implementation(), *sys.version_info[:2])"
    )
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    fields = out.stdout.split()
    if out.returncode or len(fields) != 4:
        return None
    exe, impl, major, minor = fields
    return exe if impl == "CPython" and (int(major), int(minor)) == WANTED else None


def _pyenv_root() -> Path | None:
    if root := os.environ.get("PYENV_ROOT"):
        return Path(root)
    if pyenv := shutil.which("pyenv"):
        try:
            out = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=60)
            if out.returncode == 0 and out.stdout.strip():
                return Path(out.stdout.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    default = Path.home() / ".pyenv"
    return default if default.is_dir() else None


def find_python() -> tuple[str | None, list[str]]:
    """An installed CPython 3.12 (its real path) and the places that were searched."""
    name = "python{}.{}".format(*WANTED)
    searched = [f"{name} on PATH"]
    on_path = shutil.which(name)
    if on_path and (exe := _probe(on_path)):
        return exe, searched
    root = _pyenv_root()
    if root is None:
        searched.append("pyenv (not installed)")
        return None, searched
    searched.append(f"{root}/versions/{WANTED[0]}.{WANTED[1]}.*")
    pattern = re.compile(r"^{}\.{}\.(\d+)$".format(*WANTED))
    found = sorted(
        ((int(m.group(1)), d) for d in (root / "versions").glob("*")
         if (m := pattern.match(d.name))), reverse=True,
    )  # fmt: skip
    for _, folder in found:
        if exe := _probe(str(folder / "bin" / name)):
            return exe, searched
    return None, searched


def main(argv: list[str]) -> int:
    if not argv or ":" not in argv[0]:
        print(__doc__)
        return 2
    exe, searched = find_python()
    if exe is None:
        print(f"SKIPPED hatch run {argv[0]}: no CPython {WANTED[0]}.{WANTED[1]} found "
              f"(searched: {'; '.join(searched)}). Install one to run this leg.")  # fmt: skip
        return 0
    print(f"hatch run {argv[0]} on {exe}", flush=True)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(exe).parent), env.get("PATH", "")])
    cmd = [sys.executable, "-m", "hatch", "run", *argv]
    return subprocess.run(cmd, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
