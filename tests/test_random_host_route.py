"""Eager integer samplers (split, fold_in, bits, randint) run on the host without compiling,
and give the bits that the same call gives under jit (the XLA program)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import pullback as pb
from pullback import monitoring, random

CASES: list[tuple[str, Any]] = [
    ("split", lambda k: random.split(k, 5)),
    ("split shape", lambda k: random.split(k, (2, 3))),
    ("fold_in", lambda k: random.fold_in(k, 123456)),
    ("fold_in array", lambda k: random.fold_in(k, np.int32(-7))),
    ("bits u32", lambda k: random.bits(k, (7, 3))),
    ("bits u8", lambda k: random.bits(k, (9,), np.uint8)),
    ("bits u16", lambda k: random.bits(k, (4, 4), np.uint16)),
    ("randint", lambda k: random.randint(k, (33,), 0, 10)),
    ("randint wide", lambda k: random.randint(k, (5, 5), -(2**31), 2**31 - 1)),
    ("randint int8", lambda k: random.randint(k, (20,), -100, 300, np.int8)),
    ("randint uint8", lambda k: random.randint(k, (20,), 0, 256, np.uint8)),
    ("randint empty", lambda k: random.randint(k, (6,), 5, 5)),
    ("randint array bounds", lambda k: random.randint(k, (3,), np.array([0, 10, -5]), 20)),
]


@pytest.mark.parametrize("typed", [False, True])
@pytest.mark.parametrize(("name", "sample"), CASES, ids=[c[0] for c in CASES])
def test_eager_integer_samplers_match_jit(name: str, sample: Any, typed: bool) -> None:
    key = random.key(11) if typed else random.PRNGKey(11)
    eager = sample(key)
    staged = pb.jit(sample)(key)
    eager_data = random.key_data(eager) if typed and name.startswith(("split", "fold")) else eager
    staged_data = (
        random.key_data(staged) if typed and name.startswith(("split", "fold")) else staged
    )
    assert isinstance(eager_data, pb.Array)
    assert eager_data.dtype == staged_data.dtype
    np.testing.assert_array_equal(np.asarray(eager_data), np.asarray(staged_data))


def test_eager_integer_samplers_do_not_compile() -> None:
    compiled: list[str] = []

    def listener(event: str, secs: float, **kw: Any) -> None:
        if event == monitoring.BACKEND_COMPILE_EVENT:
            compiled.append(kw.get("fun_name", ""))

    monitoring.register_event_duration_secs_listener(listener)
    try:
        key = random.PRNGKey(3)
        k1, k2 = random.split(key)
        random.randint(k1, (17, 3), 0, 1000)
        random.bits(random.fold_in(k2, 5), (31,))
        assert compiled == []
        random.normal(k1, (13, 7))  # (a float sampler compiles, as under jit)
        assert compiled
    finally:
        monitoring.unregister_event_duration_listener(listener)
