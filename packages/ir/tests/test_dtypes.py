import ml_dtypes
import numpy as np
import pytest
from pullback_ir import TypePromotionError, enable_x64
from pullback_ir.dtypes import canonicalize_dtype, promote_types, result_type

bf16 = np.dtype(ml_dtypes.bfloat16)

# (a, b, expected) from JAX's promotion table (x64 off).
PROMOTIONS = [
    (np.bool_, np.bool_, np.bool_),
    (np.bool_, np.int8, np.int8),
    (np.int8, np.uint8, np.int16),
    (np.uint8, np.int32, np.int32),
    (np.uint16, np.int16, np.int32),
    (np.int32, np.uint32, np.int32),  # int64 narrowed
    (np.int8, np.float16, np.float16),
    (np.int32, bf16, bf16),
    (bf16, np.float16, np.float32),
    (np.float16, np.float32, np.float32),
    (np.float32, np.complex64, np.complex64),
    (np.uint8, np.complex64, np.complex64),
]


@pytest.mark.parametrize(("a", "b", "want"), PROMOTIONS)
def test_promotion_table(a, b, want):
    assert promote_types(a, b) == np.dtype(want)
    assert promote_types(b, a) == np.dtype(want)


def test_weak_python_scalars_defer_to_arrays():
    assert result_type(np.float16, 2.0) == (np.dtype(np.float16), False)
    assert result_type(np.int8, 3) == (np.dtype(np.int8), False)
    assert result_type(np.int8, 3.0) == (np.dtype(np.float32), True)
    assert result_type(bf16, 1j) == (np.dtype(np.complex64), False)
    assert result_type(1, 2) == (np.dtype(np.int32), True)
    assert result_type(True, False) == (np.dtype(np.bool_), False)
    assert result_type(np.array(1.0, np.float64), 1) == (np.dtype(np.float32), False)


def test_float8_types_do_not_mix():
    f8a, f8b = np.dtype(ml_dtypes.float8_e4m3fn), np.dtype(ml_dtypes.float8_e5m2)
    assert promote_types(f8a, f8a) == f8a
    assert result_type(f8a, 2.0) == (f8a, False)
    with pytest.raises(
        TypePromotionError, match="no implicit promotion between float8_e4m3fn and float8_e5m2"
    ):
        promote_types(f8a, f8b)


def test_x64_switch():
    assert canonicalize_dtype(np.int64) == np.int32
    assert canonicalize_dtype(np.uint64) == np.uint32
    assert canonicalize_dtype(np.complex128) == np.complex64
    with enable_x64():
        assert canonicalize_dtype(np.float64) == np.float64
        assert result_type(1.0) == (np.dtype(np.float64), True)
        assert promote_types(np.int32, np.uint32) == np.int64
    assert result_type(1.0) == (np.dtype(np.float32), True)
