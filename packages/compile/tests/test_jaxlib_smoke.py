"""Smoke test of the one module that calls jaxlib: a jaxlib upgrade must fail here, loudly."""

import ml_dtypes
import numpy as np
import pytest
from pullback_compile import _jaxlib

DTYPES = [
    np.bool_,
    np.int8,
    np.int16,
    np.int32,
    np.uint8,
    np.uint32,
    np.float16,
    ml_dtypes.bfloat16,
    np.float32,
    np.complex64,
    ml_dtypes.float8_e4m3fn,
    ml_dtypes.float8_e5m2,
]


def test_installed_jaxlib_has_every_entry_point():
    # Every jaxlib name pullback calls exists on the installed release (0.10.2 through 0.12.x).
    assert _jaxlib.missing_entry_points() == []


def test_missing_entry_points_reports_what_is_absent(monkeypatch):
    monkeypatch.setattr(
        _jaxlib, "ENTRY_POINTS", ("jaxlib.xla_client:no_such_call", "jaxlib._no_such_module:x")
    )
    assert _jaxlib.missing_entry_points() == [
        "jaxlib.xla_client:no_such_call",
        "jaxlib._no_such_module:x",
    ]


def test_installed_jaxlib_is_in_the_supported_range():
    release = tuple(int(p) for p in _jaxlib.jaxlib_version().split(".")[:3])
    assert (0, 10, 2) <= release < (0, 13)
    # The extension version grows with each release; the tested ones bound the range.
    assert min(_jaxlib.TESTED_RELEASES) <= _jaxlib.JAXLIB_EXTENSION_VERSION


def test_result_handlers_build_on_this_release():
    device = _jaxlib.cpu_client().devices()[0]
    handler = _jaxlib.result_handler(
        _jaxlib.Aval((2,), np.dtype(np.float32)), _jaxlib._sharding(device)
    )
    assert handler is not None


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", [(), (0,), (2, 3)])
def test_roundtrip_to_device_and_back(dtype, shape):
    device = _jaxlib.cpu_client().devices()[0]
    rng = np.random.default_rng(0)
    x = (
        rng.integers(-3, 4, size=shape)
        if np.dtype(dtype) != np.bool_
        else rng.integers(0, 2, size=shape)
    )
    x = np.asarray(x).astype(dtype)
    arr = _jaxlib.device_put(x, device, x64=False)
    back = _jaxlib.to_numpy(arr, x.shape, np.dtype(dtype))
    assert back.dtype == x.dtype
    assert back.shape == x.shape
    assert back.tobytes() == x.tobytes()
    assert not back.flags.writeable


def test_transfer_copies_the_host_buffer():
    device = _jaxlib.cpu_client().devices()[0]
    x = np.arange(4, dtype=np.float32)
    arr = _jaxlib.device_put(x, device, x64=False)
    x[0] = 99.0
    assert _jaxlib.to_numpy(arr, (4,), np.dtype(np.float32))[0] == 0.0


def test_virtual_devices():
    assert len(_jaxlib.cpu_client(4).devices()) == 4
