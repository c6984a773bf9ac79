"""The compatibility sweep: every public name JAX 0.10.2 or JAX 0.12.1 has in the modules JAX
programs use is in pullback with JAX's parameters (those of both releases), or COMPATIBILITY.md
lists it with the reason.

The names and parameters were recorded from each JAX by benchmarks/record_jax_api.py into
tests/data/jax_api_names.json (0.10.2) and tests/data/jax_api_names_0.12.json (0.12.1).
`python scripts/update_compatibility.py` rewrites the table's generated part from `gaps()` and
`release_changes()`; the test fails when the table and pullback disagree either way (a gap not
listed, or a listed name that pullback now has).
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD = json.loads((ROOT / "tests" / "data" / "jax_api_names.json").read_text())
NEW = json.loads((ROOT / "tests" / "data" / "jax_api_names_0.12.json").read_text())
RELEASES = ("0.10.2", "0.12.1")


def _merge(old: object, new: object) -> object:
    # Parameters of both releases: 0.12's in its order, then those only 0.10.2 has.
    if not isinstance(old, list) or not isinstance(new, list):
        return new if isinstance(new, list) else old
    seen = {name for name, _ in new}
    return new + [p for p in old if p[0] not in seen]


def _merged() -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for module in sorted(set(OLD) | set(NEW)):
        a, b = OLD.get(module, {}), NEW.get(module, {})
        out[module] = {n: _merge(a.get(n), b.get(n)) if n in a and n in b else a.get(n, b.get(n))
                       for n in sorted(set(a) | set(b))}  # fmt: skip
    return out


NAMES = _merged()


def release_changes() -> dict[tuple[str, str], str]:
    """(module, name) -> "added", "removed" or "changed" between JAX 0.10.2 and 0.12.1."""
    out = {}
    for module in set(OLD) | set(NEW):
        a, b = OLD.get(module, {}), NEW.get(module, {})
        for n in set(a) | set(b):
            if n not in a:
                out[(module, n)] = "added"
            elif n not in b:
                out[(module, n)] = "removed"
            elif a[n] != b[n]:
                out[(module, n)] = "changed"
    return out


TABLE = ROOT / "COMPATIBILITY.md"


def _ours(module: str) -> object | None:
    try:
        return importlib.import_module(module.replace("jax", "pullback", 1))
    except ImportError:
        return None


def _param_gap(ours: object, theirs: list[list[str]]) -> str | None:
    """How our parameters differ from JAX's, or None if every JAX parameter is accepted."""
    try:
        params = list(inspect.signature(ours).parameters.values())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    names = [p.name for p in params]
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
    var_pos = any(p.kind is p.VAR_POSITIONAL for p in params)
    missing = []
    for i, (name, kind) in enumerate(theirs):
        if kind in ("VAR_POSITIONAL", "VAR_KEYWORD"):
            continue
        if kind == "POSITIONAL_ONLY":
            if i >= len(names) and not var_pos:
                missing.append(name)
            continue
        if name not in names and not var_kw:
            missing.append(name)
    if missing:
        return "lacks parameter(s) " + ", ".join(missing)
    return None


def gaps() -> dict[tuple[str, str], str]:
    """(module, name) -> what is missing, for every JAX name pullback lacks or differs in."""
    out: dict[tuple[str, str], str] = {}
    for module, entries in NAMES.items():
        mod = _ours(module)
        for name, params in entries.items():
            if mod is None or not hasattr(mod, name):
                out[(module, name)] = "absent"
            elif isinstance(params, list):
                gap = _param_gap(getattr(mod, name), params)
                if gap:
                    out[(module, name)] = gap
    return out


def listed() -> dict[tuple[str, str], str]:
    """(module, name) -> reason, from the table rows `| module | name[, name...] | reason |`."""
    out = {}
    for line in TABLE.read_text().splitlines():
        m = re.match(r"^\|\s*`(jax[\w.]*)`\s*\|\s*(.+?)\s*\|\s*(.+?)\s*\|\s*$", line)
        if not m:
            continue
        module, names, reason = m.groups()
        for name in re.findall(r"`([\w]+)`", names):
            out[(module, name)] = reason
    return out


def test_the_recorded_names_cover_the_modules_programs_use():
    assert {"jax", "jax.numpy", "jax.lax", "jax.random", "jax.nn", "jax.tree_util",
            "jax.scipy.special"} <= set(NAMES)  # fmt: skip
    assert sum(len(v) for v in NAMES.values()) > 1000
    # Both releases were recorded, and they differ: 0.12 added lax.log2 and jnp.top_k.
    changes = release_changes()
    assert changes[("jax.lax", "log2")] == "added"
    assert changes[("jax.numpy", "top_k")] == "added"


def test_every_gap_is_listed_with_a_reason():
    table = listed()
    unlisted = sorted(f"{m}.{n} ({why})" for (m, n), why in gaps().items() if (m, n) not in table)
    assert not unlisted, (
        f"{len(unlisted)} JAX names are missing or differ in pullback but are not in "
        f"COMPATIBILITY.md (run scripts/update_compatibility.py): {unlisted[:20]}"
    )
    for key, reason in table.items():
        assert len(reason) > 10, f"{key}: the reason is too short: {reason!r}"


def test_listed_names_are_really_missing():
    current = gaps()
    stale = sorted(f"{m}.{n}" for (m, n) in listed() if (m, n) not in current)
    assert not stale, (
        f"COMPATIBILITY.md lists names pullback now has with JAX's parameters: {stale[:20]} "
        "(run scripts/update_compatibility.py)"
    )
