"""The test environment runs this checkout's code, not an older install of it.

Hatch keeps an environment between runs; a package installed there as a regular (non-editable)
copy keeps its old files while the checkout moves on, and the failures that follow (a missing
`pullback.numpy`, say) point everywhere but at the install. These tests say it directly.
"""

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PACKAGES = {
    "pullback": ROOT / "src" / "pullback",
    "pullback_api": ROOT / "packages" / "api" / "src" / "pullback_api",
    "pullback_autodiff": ROOT / "packages" / "autodiff" / "src" / "pullback_autodiff",
    "pullback_batching": ROOT / "packages" / "batching" / "src" / "pullback_batching",
    "pullback_compile": ROOT / "packages" / "compile" / "src" / "pullback_compile",
    "pullback_ir": ROOT / "packages" / "ir" / "src" / "pullback_ir",
    "pullback_pytrees": ROOT / "packages" / "pytrees" / "src" / "pullback_pytrees",
}


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_imported_from_checkout(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    where = Path(module.__file__).resolve().parent
    assert where == PACKAGES[name], (
        f"{name} is imported from {where}, not from this checkout ({PACKAGES[name]}): the "
        f"environment holds a stale non-editable install; recreate it (hatch env prune)"
    )


def test_every_package_is_listed() -> None:
    found = {p.name for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").is_file()}
    assert {f"pullback_{n}" for n in found} == set(PACKAGES) - {"pullback"}
