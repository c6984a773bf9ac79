"""Record JAX's public names (and their parameters) for the compatibility sweep test.

Run, once per JAX release pullback follows:
    python -m hatch -e jax010 run python benchmarks/record_jax_api.py                 # 0.10.2
    python scripts/py312.py bench:python benchmarks/record_jax_api.py \
        tests/data/jax_api_names_0.12.json                                           # 0.12.1

Writes (by default) tests/data/jax_api_names.json: for each module, each public name with the
names and kinds of its parameters where it has a Python signature (None otherwise). The test
(tests/test_compatibility.py) checks that pullback has each name of either release with the
parameters of both, or that COMPATIBILITY.md lists it with the reason it is absent.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from pathlib import Path

import jax

MODULES = [
    "jax", "jax.numpy", "jax.numpy.linalg", "jax.numpy.fft", "jax.lax", "jax.random", "jax.nn",
    "jax.nn.initializers", "jax.scipy.linalg", "jax.scipy.special", "jax.scipy.stats.norm",
    "jax.scipy.signal", "jax.tree_util", "jax.tree", "jax.sharding", "jax.flatten_util",
    "jax.experimental.checkify", "jax.typing", "jax.monitoring",
]  # fmt: skip


def _params(obj: object) -> list[list[str]] | None:
    if isinstance(obj, type) or not callable(obj):
        return None
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    return [[p.name, p.kind.name] for p in sig.parameters.values()]


def main() -> None:
    out: dict[str, dict[str, object]] = {}
    for name in MODULES:
        mod = importlib.import_module(name)
        names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
        entries: dict[str, object] = {}
        for n in sorted(set(names)):
            if n.startswith("_"):
                continue
            try:
                obj = getattr(mod, n)
            except AttributeError:
                continue
            if inspect.ismodule(obj):
                entries[n] = "module"
                continue
            entries[n] = _params(obj)
        out[name] = entries
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/jax_api_names.json")
    path.write_text(json.dumps(out, indent=0, sort_keys=True) + "\n")
    total = sum(len(v) for v in out.values())
    print(f"wrote {path} (jax {jax.__version__}, {total} names)")


if __name__ == "__main__":
    main()
