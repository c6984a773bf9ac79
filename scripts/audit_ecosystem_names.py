"""Which `jax` names do optax, chex, equinox, jaxtyping and flax touch that pullback lacks?

Run in the eco environment (`hatch run eco:python scripts/audit_ecosystem_names.py`). The
libraries' sources are read (never imported) and every `jax` module they import, every name
they import from one and every attribute they read off one (`jax.lax.foo`, `jnp.foo` after
`import jax.numpy as jnp`, ...) is looked up through `pullback.alias_jax()`. Printed: each name
that does not resolve, with the libraries that use it; `--json` prints the same as JSON.
Names read inside `try:` blocks (optional features the library probes for) are marked, and
the names are split by whether the installed real JAX has them (asked in a subprocess).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import sys
from collections import defaultdict
from pathlib import Path

LIBRARIES = ["optax", "chex", "equinox", "jaxtyping", "flax"]
JAX_VERSION_NOTE = {True: "has", False: "lacks too (code for other JAX versions)"}


def _library_files(name: str) -> list[Path]:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{name} is not installed here: run this in the eco environment")
    root = Path(next(iter(spec.submodule_search_locations)))
    return sorted(p for p in root.rglob("*.py") if "test" not in p.name)


class _Collector(ast.NodeVisitor):
    """Collect dotted `jax...` references (with whether they sit inside a `try:`)."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}  # local name -> dotted jax path
        self.refs: set[tuple[str, bool]] = set()
        self._try = 0

    def visit_Try(self, node: ast.Try) -> None:
        self._try += 1
        for stmt in node.body:
            self.visit(stmt)
        self._try -= 1
        for part in (*node.handlers, *node.orelse, *node.finalbody):
            self.visit(part)

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.name == "jax" or a.name.startswith("jax."):
                self.refs.add((a.name, self._try > 0))
                if a.asname:
                    self.aliases[a.asname] = a.name
                else:
                    self.aliases["jax"] = "jax"

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        mod = node.module or ""
        if node.level or not (mod == "jax" or mod.startswith("jax.")):
            return
        for a in node.names:
            if a.name == "*":
                continue
            path = f"{mod}.{a.name}"
            self.refs.add((path, self._try > 0))
            self.aliases[a.asname or a.name] = path

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain: list[str] = []
        cur: ast.expr = node
        while isinstance(cur, ast.Attribute):
            chain.append(cur.attr)
            cur = cur.value
        if isinstance(cur, ast.Name) and cur.id in self.aliases:
            base = self.aliases[cur.id]
            self.refs.add((".".join([base, *reversed(chain)]), self._try > 0))
            return
        self.generic_visit(node)


def _resolves(path: str) -> bool:
    """Whether `path` (a module, or attributes under one) exists under the alias."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        except Exception:
            return False
        for attr in parts[cut:]:
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                return False
            except Exception:
                return True  # (exists, but refuses: listed elsewhere)
        return True
    return False


def _in_jax(names: list[str]) -> dict[str, bool]:
    """Which of `names` real JAX has (asked in a separate process: importing jax patches
    jaxlib)."""
    import subprocess

    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import audit_ecosystem_names as a; "
        "print(json.dumps({n: a._resolves(n) for n in json.loads(sys.stdin.read())}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent)],
        input=json.dumps(names),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, bool] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def audit() -> dict[str, dict[str, object]]:
    """Return {missing name: {"libraries": [...], "optional": bool, "in_jax": bool}}."""
    import pullback

    pullback.alias_jax()
    users: dict[str, set[str]] = defaultdict(set)
    required: dict[str, bool] = defaultdict(bool)
    for lib in LIBRARIES:
        for f in _library_files(lib):
            c = _Collector()
            try:
                c.visit(ast.parse(f.read_text(encoding="utf-8")))
            except SyntaxError:
                continue
            for ref, in_try in c.refs:
                users[ref].add(lib)
                required[ref] |= not in_try
    missing: dict[str, dict[str, object]] = {}
    for ref in sorted(users):
        # Report the shortest missing prefix only (jax.export.foo when jax.export is absent).
        if any(ref.startswith(m + ".") for m in missing):
            continue
        if not _resolves(ref):
            missing[ref] = {"libraries": sorted(users[ref]), "optional": not required[ref]}
    for name, present in _in_jax(list(missing)).items():
        missing[name]["in_jax"] = present
    return missing


def main() -> None:
    missing = audit()
    if "--json" in sys.argv:
        print(json.dumps(missing, indent=1, sort_keys=True))
        return
    for present in (True, False):
        names = [n for n, info in missing.items() if info["in_jax"] is present]
        print(f"== {len(names)} names pullback lacks that JAX {JAX_VERSION_NOTE[present]}")
        for name in names:
            info = missing[name]
            opt = " (inside try:)" if info["optional"] else ""
            print(f"{name:<60} {', '.join(info['libraries'])}{opt}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
