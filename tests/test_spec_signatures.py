"""Every function of the spec documents exists in `pullback` with the spec's parameter names,
order, kinds and defaults (parsed from ../shared/spec)."""

import ast
import inspect
import re
from pathlib import Path

import pytest

import pullback as pb

SPEC_DIR = Path(__file__).resolve().parents[2] / "shared" / "spec"


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


SPEC = _spec_functions()
# Documented deviations: jit's `fun` may be omitted so that `@jit(static_argnums=...)` works,
# which the spec's own usage example needs.
OPTIONAL_FIRST = {"jit"}


def test_the_spec_was_found():
    assert {"jit", "grad", "vmap", "pmap", "checkpoint", "custom_jvp", "pure_callback"} <= set(SPEC)


@pytest.mark.parametrize("name", sorted(SPEC))
def test_signature_matches_spec(name):
    assert hasattr(pb, name), f"pullback.{name} is missing"
    sig = inspect.signature(getattr(pb, name))
    ours = list(sig.parameters.values())
    spec = SPEC[name]
    assert len(ours) >= len(spec), f"{name}: {sig} lacks parameters of the spec"
    for i, (pname, kind, default) in enumerate(spec):
        p = ours[i]
        assert p.name == pname, f"{name}: parameter {i} is {p.name!r}, the spec says {pname!r}"
        assert p.kind.name == kind, f"{name}({pname}): kind {p.kind.name}, spec {kind}"
        if i == 0 and name in OPTIONAL_FIRST:
            continue
        if kind in ("VAR_POSITIONAL", "VAR_KEYWORD"):
            continue
        assert p.default == default or (
            p.default is inspect._empty and default is inspect._empty
        ), f"{name}({pname}): default {p.default!r}, the spec says {default!r}"
    for extra in ours[len(spec) :]:
        ok = extra.kind in (extra.KEYWORD_ONLY, extra.VAR_KEYWORD)
        assert ok or extra.default is not inspect._empty, f"{name}: {extra} needs a default"


def test_remat_is_checkpoint_and_namespaces_exist():
    assert pb.remat is pb.checkpoint
    import pullback.lax
    import pullback.nn
    import pullback.numpy
    import pullback.random
    import pullback.tree_util

    assert pullback.numpy.linalg.norm is pb.numpy.linalg.norm
    assert callable(pullback.lax.scan)
    assert callable(pullback.nn.relu)
    assert callable(pullback.random.PRNGKey)
    assert callable(pullback.tree_util.tree_map)
