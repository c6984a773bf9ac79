"""Abstract values: the shape, dtype and weak type that tracing knows about an array."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pullback_ir.dtypes import canonicalize_dtype, dtype_and_weak, short_name

__all__ = ["ShapeDtypeStruct", "ShapedArray", "aval_of", "check_one_device", "shape_of"]


def check_one_device(sharding: Any, what: str) -> None:
    """Accept a sharding argument that places values on one device (None included).

    Raises:
        NotImplementedError: for a sharding over several devices (programs are not partitioned
            over meshes yet).
    """
    if sharding is None:
        return
    n = getattr(sharding, "num_devices", None)
    if n == 1:
        return
    raise NotImplementedError(
        f"{what}={sharding!r} spans {n if n else 'several'} devices; pullback does not partition "
        "over a mesh yet (only None or a one-device sharding)"
    )


def check_reduction_order(order: Any, what: str) -> None:
    """Accept JAX 0.12's `reduction_order=` where it asks for XLA's own order (None).

    Raises:
        NotImplementedError: for an ordered or intrinsic reduction (pullback lets XLA choose
            the order of every reduction, as JAX does by default).
    """
    if order is None or getattr(order, "name", order) == "unordered":
        return
    raise NotImplementedError(
        f"{what}={order!r}: pullback lets XLA choose the order of reductions (only None or "
        "'unordered' is supported)"
    )


class _Shaped:
    """`ndim` and `size` from `shape`, for the shape-carrying classes."""

    __slots__ = ()

    shape: tuple[int, ...]

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """The number of elements."""
        return math.prod(self.shape)


class ShapedArray(_Shaped):
    """The abstract value of an array: shape, dtype and weak type (set for Python scalars).

    Example:
        >>> import numpy as np
        >>> a = ShapedArray((3, 4), np.float32)
        >>> a.str_short(), a.str_long(), a.ndim, a.size
        ('f32[3,4]', 'float32[3,4]', 2, 12)
    """

    __slots__ = ("_hash", "dtype", "shape", "weak_type")

    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    weak_type: bool

    def __init__(
        self, shape: tuple[int, ...], dtype: Any, weak_type: bool = False, *, sharding: Any = None
    ) -> None:
        check_one_device(sharding, "ShapedArray: sharding")
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type
        self._hash = hash((self.shape, self.dtype, weak_type))

    def update(
        self,
        shape: tuple[int, ...] | None = None,
        dtype: Any = None,
        weak_type: bool | None = None,
    ) -> ShapedArray:
        """A copy with some fields replaced."""
        return ShapedArray(
            self.shape if shape is None else shape,
            self.dtype if dtype is None else dtype,
            self.weak_type if weak_type is None else weak_type,
        )

    @property
    def sharding(self) -> None:
        """None: pullback's abstract values carry no sharding (results are unconstrained)."""
        return None

    def strip_weak_type(self) -> ShapedArray:
        """The same aval, strongly typed."""
        return self if not self.weak_type else ShapedArray(self.shape, self.dtype)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ShapedArray)
            and self.shape == other.shape
            and self.dtype == other.dtype
            and self.weak_type == other.weak_type
        )

    def __hash__(self) -> int:
        return self._hash

    def str_short(self) -> str:
        """`f32[3,4]`, as in jaxpr printouts."""
        return f"{short_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    def str_long(self) -> str:
        """`float32[3,4]`, as in error messages."""
        return f"{self.dtype.name}[{','.join(map(str, self.shape))}]"

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.str_long()}{weak})"


class ShapeDtypeStruct(_Shaped):
    """A shape and dtype standing for an array argument (to `make_jaxpr`, `eval_shape`, ...).

    Args:
        shape: the array shape.
        dtype: the dtype (canonicalized under the x64 switch).
        sharding: accepted for compatibility; recorded, not used by the core.
        weak_type: whether the value is weakly typed.
    """

    __slots__ = ("dtype", "shape", "sharding", "weak_type")

    def __init__(
        self, shape: tuple[int, ...], dtype: Any, sharding: Any = None, *, weak_type: bool = False
    ) -> None:
        self.shape = tuple(int(d) for d in shape)
        self.dtype = canonicalize_dtype(dtype)
        self.sharding = sharding
        self.weak_type = weak_type

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ShapeDtypeStruct) and (self.shape, self.dtype, self.weak_type) == (
            other.shape,
            other.dtype,
            other.weak_type,
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self) -> str:
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"


class ArrayAttributes:
    """`shape`, `dtype`, `weak_type`, `ndim` and `size`, read from `self.aval`.

    Shared by tracers and by concrete array types of higher layers.
    """

    __slots__ = ()

    @property
    def aval(self) -> ShapedArray:
        """The abstract value."""
        raise NotImplementedError

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape."""
        return self.aval.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype."""
        return self.aval.dtype

    @property
    def weak_type(self) -> bool:
        """Whether the value is weakly typed (it came from a Python scalar)."""
        return self.aval.weak_type

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return len(self.aval.shape)

    @property
    def size(self) -> int:
        """The number of elements."""
        return self.aval.size


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of an array-like value (Python scalars are 0-d)."""
    shape = getattr(x, "shape", None)
    if shape is not None:
        return tuple(shape)
    return np.shape(x)


def aval_of(x: Any) -> ShapedArray:
    """The abstract value of a concrete value, tracer or shape-dtype object.

    Raises:
        TypeError: if `x` is not an array-like value.
    """
    if type(x) is np.ndarray:
        return ShapedArray(x.shape, canonicalize_dtype(x.dtype), False)
    aval = getattr(x, "aval", None)
    if isinstance(aval, ShapedArray):
        return aval
    if isinstance(x, bool | int | float | complex | np.ndarray | np.generic) or (
        hasattr(x, "shape") and hasattr(x, "dtype")
    ):
        dtype, weak = dtype_and_weak(x)
        return ShapedArray(shape_of(x), dtype, weak)
    raise TypeError(
        f"a value of type {type(x).__qualname__} is not a valid array: expected an array, "
        "a NumPy scalar or a Python bool, int, float or complex."
    )
