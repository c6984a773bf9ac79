"""pullback_ir.ieee: NumPy's floating-point warnings are off inside, and back after."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from pullback_ir.ieee import quiet, quiet_call, silent

NEG = np.array([-1.0, 0.0], np.float32)


def _log(x: np.ndarray) -> np.ndarray:
    """The logarithm."""
    return np.log(x)


def test_silent_block_and_restore() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with silent():
            out = np.log(NEG)
        assert np.isnan(out[0])
        assert np.isneginf(out[1])
        with pytest.raises(RuntimeWarning):  # the state outside is the user's again
            np.log(NEG)


def test_nested_and_user_state_kept() -> None:
    with np.errstate(divide="raise"):
        with silent():
            with silent():
                np.log(NEG)
            np.log(NEG)
        with pytest.raises(FloatingPointError):
            np.log(NEG)


def test_quiet_call_and_quiet() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(quiet_call(_log, NEG)[0])
        q = quiet(_log)
        assert q.__name__ == "_log"
        assert q.__doc__ == "The logarithm."
        assert np.isneginf(q(x=NEG)[1])
        with pytest.raises(ZeroDivisionError):  # an exception still restores the state
            quiet_call(lambda: 1 / 0)
        with pytest.raises(RuntimeWarning):
            np.log(NEG)


def test_threads_do_not_share_the_state() -> None:
    inside, release, seen = threading.Event(), threading.Event(), []

    def worker() -> None:
        with silent():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.log(NEG)
        seen.extend(caught)
    release.set()
    t.join()
    assert seen, "another thread's silent() block turned this thread's warnings off"
