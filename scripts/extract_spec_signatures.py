"""Extract the spec's function signatures into tests/data/spec_signatures.json.

The spec (../shared/spec, beside the project) is the source of truth for the signatures of
the core transformations; the suite keeps the facts it needs in the project, so that it runs in
a clone with nothing beside it. Run after the spec changes:

    python scripts/extract_spec_signatures.py [SPEC_DIR]
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC_DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "spec"
OUT = ROOT / "tests" / "data" / "spec_signatures.json"


def _spec_functions():
    text = (SPEC_DIR / "003_1311d4391e4116db.txt").read_text()
    out = {}
    for block in re.findall(r"```python \{ \.api \}\n(.*?)```", text, flags=re.S):
        for m in re.finditer(r"^def (\w+)\((.*?)\)\s*->", block, flags=re.S | re.M):
            name, params = m.group(1), m.group(2)
            out.setdefault(name, _parse_params(params))
    # The single-signature documents (000-002).
    out["linear_transpose"] = _parse_params("fun, *primals, reduce_axes=()")
    out["linearize"] = _parse_params("fun, *primals")
    out["vjp"] = _parse_params("fun, *primals, has_aux=False, reduce_axes=()")
    return out


def _parse_params(src):
    params = []
    kw_only = False
    for raw in [p.strip() for p in _split_top(src) if p.strip()]:
        if raw == "*":
            kw_only = True
            continue
        if raw.startswith("**"):
            params.append((raw[2:].split(":")[0].strip(), "VAR_KEYWORD", None))
            continue
        if raw.startswith("*"):
            params.append((raw[1:].split(":")[0].strip(), "VAR_POSITIONAL", None))
            kw_only = True
            continue
        name_part, _, default = raw.partition("=")
        name = name_part.split(":")[0].strip()
        kind = "KEYWORD_ONLY" if kw_only else "POSITIONAL_OR_KEYWORD"
        params.append(
            (name, kind, ast.literal_eval(default.strip()) if default else inspect._empty)
        )
    return params


def _split_top(src):
    depth, cur, out = 0, "", []
    for ch in src:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch in ",\n" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def main() -> None:
    """Write the JSON file."""
    spec = _spec_functions()
    data = {
        name: [
            [pname, kind, None if default is inspect._empty else repr(default)]
            for pname, kind, default in params
        ]
        for name, params in sorted(spec.items())
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({len(data)} functions from {SPEC_DIR})")


if __name__ == "__main__":
    main()
