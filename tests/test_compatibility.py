"""The compatibility sweep: every public name JAX 0.10.2 has in the modules JAX programs use is
in pullback with JAX's parameters, or COMPATIBILITY.md lists it with the reason.

The names and parameters were recorded from JAX by benchmarks/record_jax_api.py into
tests/data/jax_api_names.json. `python scripts/update_compatibility.py` rewrites the table's
generated part from `gaps()`; the test fails when the table and pullback disagree either way
(a gap not listed, or a listed name that pullback now has).
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = json.loads((ROOT / "tests" / "data" / "jax_api_names.json").read_text())
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
