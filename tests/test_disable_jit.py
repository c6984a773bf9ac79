"""`disable_jit`: jitted functions and lax loops run as plain Python inside the block.

JAX's documented behaviour: under `jax.disable_jit()` a jitted function is called directly
(its arguments are concrete Arrays, so it can print and branch on them), `cond`/`switch` with a
concrete predicate call one branch, and `while_loop`/`fori_loop`/`scan`/`map` loop in Python;
a zero-length scan is refused there, and a loop whose condition is traced (under vmap) is
staged after all.
"""

from __future__ import annotations

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb
from pullback import lax


def _f_counting(calls: list[str]):  # type: ignore[no-untyped-def]
    @pb.jit
    def f(x, y):  # type: ignore[no-untyped-def]
        calls.append(type(x).__name__)
        return x * y + 1

    return f


def test_jit_calls_the_function_with_concrete_arrays() -> None:
    calls: list[str] = []
    f = _f_counting(calls)
    x = jnp.arange(3.0)
    expected = f(x, 2.0)
    f(x, 2.0)  # (served by the dispatcher's fast tables now)
    assert calls == ["StagingTracer"]
    with pb.disable_jit():
        got = f(x, 2.0)
        got_kw = f(x, y=2.0)
    assert calls[1:] == ["Array", "Array"]
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got_kw, expected)
    f(x, 2.0)  # compiled again after the block: no further Python call
    assert len(calls) == 3


def test_config_option_and_nesting() -> None:
    calls: list[str] = []
    f = _f_counting(calls)
    x = jnp.ones(2)
    f(x, 1.0)
    assert not pb.config.jax_disable_jit
    pb.config.update("jax_disable_jit", True)
    try:
        assert pb.config.jax_disable_jit
        f(x, 1.0)
        with pb.disable_jit(False):
            f(x, 1.0)  # jit back on inside: a compiled call
    finally:
        pb.config.update("jax_disable_jit", False)
    assert calls == ["StagingTracer", "Array"]


def test_jit_under_grad_is_inlined() -> None:
    calls: list[str] = []
    f = _f_counting(calls)
    with pb.disable_jit():
        g = pb.grad(lambda x: f(x, 3.0))(2.0)
    assert float(g) == 3.0
    assert calls
    assert calls[0] != "StagingTracer"


def test_cond_and_switch_call_one_branch() -> None:
    called: list[str] = []

    def branch(name: str, value: float):  # type: ignore[no-untyped-def]
        def fn(x):  # type: ignore[no-untyped-def]
            called.append(name)
            return x + value

        return fn

    x = jnp.float32(1.0)
    with pb.disable_jit():
        assert float(lax.cond(x > 0, branch("t", 1.0), branch("f", 2.0), x)) == 2.0
        assert float(lax.switch(7, [branch("0", 0.0), branch("1", 5.0)], x)) == 6.0
        assert float(lax.switch(-3, [branch("0", 0.0), branch("1", 5.0)], x)) == 1.0
        # A branch may return what jit could not: both need not even agree.
        assert lax.cond(x < 0, lambda: "neg", lambda: None) is None
    assert called == ["t", "1", "0"]
    called.clear()
    lax.cond(x > 0, branch("t", 1.0), branch("f", 2.0), x)
    assert sorted(called) == ["f", "t"]  # (staged: both traced)


def test_loops_run_in_python_and_agree_with_staged_loops() -> None:
    steps: list[str] = []

    def body(i, v):  # type: ignore[no-untyped-def]
        steps.append(type(i).__name__)
        return v * 2 + i

    def scan_body(c, x):  # type: ignore[no-untyped-def]
        return c + x, {"y": x * c, "n": None}

    xs = jnp.arange(1.0, 5.0)
    staged = (
        lax.fori_loop(0, 4, body, 1.0),
        lax.while_loop(lambda v: v < 100, lambda v: v * 3, 1),
        lax.scan(scan_body, 0.0, xs),
        lax.scan(scan_body, 0.0, xs, reverse=True),
        lax.map(lambda v: v**2, xs),
    )
    steps.clear()
    with pb.disable_jit():
        eager = (
            lax.fori_loop(0, 4, body, 1.0),
            lax.while_loop(lambda v: v < 100, lambda v: v * 3, 1),
            lax.scan(scan_body, 0.0, xs),
            lax.scan(scan_body, 0.0, xs, reverse=True),
            lax.map(lambda v: v**2, xs),
        )
    assert steps == ["Array"] * 4  # one Python call per step, each with an Array
    for a, b in zip(pb.tree.leaves(staged), pb.tree.leaves(eager), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)
    assert pb.tree.structure(staged) == pb.tree.structure(eager)


def test_zero_length_loops() -> None:
    with pb.disable_jit():
        assert float(lax.fori_loop(3, 3, lambda i, v: v + i, 2.0)) == 2.0
        with pytest.raises(ValueError, match="zero-length scan"):
            lax.scan(lambda c, x: (c, x), 0.0, jnp.zeros((0,)))


def test_traced_condition_is_staged() -> None:
    # Under vmap the condition is a tracer: the loop is staged as usual, as in JAX.
    xs = jnp.arange(4.0)
    with pb.disable_jit():
        out = pb.vmap(lambda z: lax.while_loop(lambda v: v < z, lambda v: v + 1.0, 0.0))(xs)
    np.testing.assert_array_equal(out, np.arange(4.0))
