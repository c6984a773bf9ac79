"""`pullback.monitoring`, `lax.dtype`, `check_tracer_leaks` and `jnp.save`/`load`: JAX names
the ecosystem libraries reach for (flax's checkpoints, attention and tabulate; equinox's
serialisation)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb
from pullback import lax, monitoring


@pytest.fixture(autouse=True)
def _no_listeners() -> Any:
    monitoring.clear_event_listeners()
    yield
    monitoring.clear_event_listeners()


def test_listeners_of_each_kind() -> None:
    got: list[tuple[Any, ...]] = []
    ev = lambda e, **kw: got.append(("event", e, kw))  # noqa: E731
    monitoring.register_event_listener(ev)
    monitoring.register_event_duration_secs_listener(lambda e, d, **kw: got.append(("dur", e, d)))
    monitoring.register_event_time_span_listener(
        lambda e, a, b, **kw: got.append(("span", e, b - a))
    )
    monitoring.register_scalar_listener(lambda e, v, **kw: got.append(("scalar", e, v)))
    monitoring.record_event("/a", step=1)
    monitoring.record_event_duration_secs("/b", 0.5)
    monitoring.record_event_time_span("/c", 1.0, 3.0)
    monitoring.record_scalar("/d", 7)
    assert got == [("event", "/a", {"step": 1}), ("dur", "/b", 0.5), ("span", "/c", 2.0),
                   ("scalar", "/d", 7)]  # fmt: skip
    assert monitoring.get_event_listeners() == [ev]
    monitoring.unregister_event_listener(ev)
    monitoring.record_event("/a")
    assert len(got) == 4
    with pytest.raises(ValueError, match="not a registered event listener"):
        monitoring.unregister_event_listener(ev)


def test_jit_records_trace_lower_and_compile_durations() -> None:
    seen: dict[str, list[tuple[float, dict[str, Any]]]] = {}
    monitoring.register_event_duration_secs_listener(
        lambda e, d, **kw: seen.setdefault(e, []).append((d, kw))
    )

    def fresh_function_for_monitoring(x: Any) -> Any:
        return jnp.sin(x) * 41.5

    f = pb.jit(fresh_function_for_monitoring)
    f(jnp.ones(3))
    for event in (monitoring.JAXPR_TRACE_EVENT, monitoring.JAXPR_TO_MLIR_MODULE_EVENT,
                  monitoring.BACKEND_COMPILE_EVENT):  # fmt: skip
        assert event in seen, event
        d, kw = seen[event][0]
        assert d >= 0.0
        assert "fresh_function_for_monitoring" in kw["fun_name"]
    n = sum(len(v) for v in seen.values())
    f(jnp.ones(3))  # a cached call records nothing
    assert sum(len(v) for v in seen.values()) == n


def test_lax_dtype() -> None:
    assert lax.dtype(1) == np.int64
    assert lax.dtype(1.0) == np.float64
    assert lax.dtype(True) == np.bool_
    assert lax.dtype(1j) == np.complex128
    assert lax.dtype(1, canonicalize=True) == np.int32
    assert lax.dtype(jnp.ones(2, jnp.bfloat16)) == jnp.bfloat16
    assert lax.dtype(np.float64) == np.float64
    assert lax.dtype(np.float64, canonicalize=True) == np.float32
    assert lax.dtype(jnp.int8(3).dtype) == np.int8
    with pytest.raises(TypeError, match="has no dtype"):
        lax.dtype(object())


def test_check_tracer_leaks_switch() -> None:
    assert pb.config.jax_check_tracer_leaks is False
    with pb.check_tracer_leaks():
        assert pb.config.jax_check_tracer_leaks is True
        with pb.check_tracer_leaks(False):
            assert pb.config.jax_check_tracer_leaks is False
    with pb.checking_leaks():
        assert pb.config.jax_check_tracer_leaks is True
    assert pb.config.jax_check_tracer_leaks is False
    with pytest.raises(TypeError, match="takes a bool"):
        pb.config.update("jax_check_tracer_leaks", "yes")


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.int8, jnp.bfloat16, jnp.float16, jnp.bool_])
def test_save_and_load_round_trip(dtype: Any) -> None:
    x = (jnp.arange(6) % 3).astype(dtype).reshape(2, 3)
    buf = io.BytesIO()
    jnp.save(buf, x)
    buf.seek(0)
    y = jnp.load(buf)
    assert isinstance(y, pb.Array)
    assert y.dtype == x.dtype
    assert y.shape == (2, 3)
    np.testing.assert_array_equal(np.asarray(y, np.float32), np.asarray(x, np.float32))


def test_savez_archive_comes_back_from_numpy() -> None:
    buf = io.BytesIO()
    jnp.savez(buf, a=jnp.ones(2), b=jnp.zeros(3))
    buf.seek(0)
    with jnp.load(buf) as archive:
        assert sorted(archive.files) == ["a", "b"]
        np.testing.assert_array_equal(archive["a"], np.ones(2))
