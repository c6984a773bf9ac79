"""Fixtures shared by the program tests (tests/ports, tests/ecosystem): run a JAX script with
`import jax` resolving to pullback, and compare what it printed with JAX's recorded results."""

from __future__ import annotations

import contextlib
import io
import json
import math
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def _run(path: Path) -> Any:
    from pullback import _jax_alias

    out = io.StringIO()
    _jax_alias.enable()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(path), run_name="__main__")
    finally:
        _jax_alias.disable()
    lines = [ln for ln in out.getvalue().splitlines() if ln.startswith("RESULT ")]
    assert lines, f"{path.name} printed no RESULT line:\n{out.getvalue()[-2000:]}"
    return json.loads(lines[-1][len("RESULT ") :])


def _compare(got: Any, want: Any, where: str, rtol: float, atol: float) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict), (where, got, want)
        assert set(got) == set(want), (where, got, want)
        for k in want:
            _compare(got[k], want[k], f"{where}.{k}", rtol, atol)
    elif isinstance(want, list):
        assert isinstance(got, list), (where, got, want)
        assert len(got) == len(want), (where, got, want)
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _compare(g, w, f"{where}[{i}]", rtol, atol)
    elif isinstance(want, (bool, str, int)) or want is None:
        # (ints, bools and strings exactly: counts, labels, dtypes, flags, messages)
        assert got == want, (where, got, want)
        assert type(got) is type(want), (where, got, want)
    elif math.isnan(want):
        assert math.isnan(got), (where, got, want)
    else:
        assert abs(got - want) <= atol + rtol * abs(want), (where, got, want)


@pytest.fixture
def run_program() -> Callable[[Path], Any]:
    """Run a script under the JAX alias; the JSON it printed on its last `RESULT ` line."""
    return _run


@pytest.fixture
def compare_results() -> Callable[..., None]:
    """`compare_results(got, want, where, rtol, atol)`: JSON trees equal, floats to tolerance."""
    return _compare
