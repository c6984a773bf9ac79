"""Every function of the spec documents exists in `pullback` with the spec's parameter names,
order, kinds and defaults.

The signatures were extracted from the spec (../shared/spec) by
scripts/extract_spec_signatures.py into tests/data/spec_signatures.json, so that the suite
needs nothing outside the repository.
"""

import ast
import inspect
import json
from pathlib import Path

import pytest

import pullback as pb

_DATA = Path(__file__).parent / "data" / "spec_signatures.json"


def _load():
    raw = json.loads(_DATA.read_text())
    return {
        name: [
            (pname, kind, inspect._empty if default is None else ast.literal_eval(default))
            for pname, kind, default in params
        ]
        for name, params in raw.items()
    }


SPEC = _load()
# Documented deviations: jit's `fun` may be omitted so that `@jit(static_argnums=...)` works,
# which the spec's own usage example needs; custom_gradient's may too, since JAX 0.12 made it
# a decorator factory (`@custom_gradient(with_logs=...)`, issue 25).
OPTIONAL_FIRST = {"jit", "custom_gradient"}


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
