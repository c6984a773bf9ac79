"""`pullback.lax`: the primitives, control flow and collectives (JAX's `jax.lax`).

The functions are `pullback_ir.lax`'s, returning Arrays when they run eagerly.
"""

from __future__ import annotations

import builtins
import enum
import types
from typing import Any

import numpy as np
import pullback_ir.lax as _ir_lax
from pullback_ir import dtypes as _ir_dtypes
from pullback_ir.config import STATE
from pullback_ir.primitives.conv import ConvDimensionNumbers as ConvDimensionNumbers
from pullback_ir.primitives.indexing import (
    GatherDimensionNumbers as GatherDimensionNumbers,
    GatherScatterMode as GatherScatterMode,
    ScatterDimensionNumbers as ScatterDimensionNumbers,
)
from pullback_ir.trace import named_scope as named_scope

from pullback_api._transforms import to_arrays

_CLASSES = {"ConvDimensionNumbers", "GatherDimensionNumbers", "GatherScatterMode",
            "ScatterDimensionNumbers", "named_scope"}  # fmt: skip


def _named_like(fn: Any, f: Any) -> Any:
    # `fn`, the public front of `pullback_ir`'s `f`, under f's name and docs in this module.
    fn.__name__ = fn.__qualname__ = f.__name__
    fn.__doc__ = f.__doc__
    fn.__wrapped__ = f
    fn.__module__ = __name__
    return fn


def _wrapped(f: Any) -> Any:
    def fn(*args: Any, **kwargs: Any) -> Any:
        return to_arrays(f(*args, **kwargs))

    return _named_like(fn, f)


def _arrays_in(f: Any) -> Any:
    # A loop body called in Python (jit disabled) gets Arrays, as it would from a jitted loop.
    if not callable(f):
        return f

    def g(*args: Any) -> Any:
        return f(*to_arrays(args))

    return g


def _python_loop(f: Any) -> Any:
    # With jit disabled the loops run their bodies in Python: their inputs are made Arrays.
    def fn(*args: Any, **kwargs: Any) -> Any:
        if STATE.disable_jit:
            args = tuple(_arrays_in(a) for a in args)
            kwargs = {k: _arrays_in(v) for k, v in kwargs.items()}
        return to_arrays(f(*args, **kwargs))

    return _named_like(fn, f)


_LOOPS = {"fori_loop", "scan", "while_loop"}
__all__: list[str] = sorted(_CLASSES)
for _name in dir(_ir_lax):
    _obj = getattr(_ir_lax, _name)
    if _name.startswith("_") or _name in _CLASSES or not isinstance(_obj, types.FunctionType):
        continue
    if _obj.__module__ not in ("pullback_ir.lax", "pullback_ir.control_flow"):
        continue
    globals()[_name] = (_python_loop if _name in _LOOPS else _wrapped)(_obj)
    __all__.append(_name)
__all__.sort()


from pullback_api.lax import linalg as linalg  # noqa: E402
from pullback_api.lax._composite import (  # noqa: E402  (JAX 0.12's additions)
    acospi as acospi,
    asinpi as asinpi,
    atan2pi as atan2pi,
    atanpi as atanpi,
    cospi as cospi,
    exp2m1 as exp2m1,
    fmuladd as fmuladd,
    log2 as log2,
    log2p1 as log2p1,
    one_minus_square as one_minus_square,
    polynomial as polynomial,
    refuse_accuracy as _refuse_accuracy,
    sinpi as sinpi,
    tanpi as tanpi,
)

__all__ += [
    "acospi",
    "asinpi",
    "atan2pi",
    "atanpi",
    "cospi",
    "exp2m1",
    "fmuladd",
    "linalg",
    "log2",
    "log2p1",
    "one_minus_square",
    "polynomial",
    "sinpi",
    "tanpi",
]  # fmt: skip

# The primitives, under JAX's `<name>_p` names (to recognize them in jaxprs or key tables by
# them). They are pullback's: `bind` returns a list of results.
from pullback_ir import primitives as _primitives  # noqa: E402

for _p in _primitives.ALL:
    if _p.name.isidentifier() and f"{_p.name}_p" not in globals():
        globals()[f"{_p.name}_p"] = _p
        __all__.append(f"{_p.name}_p")
__all__.sort()


def erfc(x: Any, *, accuracy: Any = None) -> Any:
    """Elementwise complementary error function `1 - erf(x)`.

    Args:
        x: a floating-point array.
        accuracy: must be None (pullback uses XLA's default implementation); JAX 0.12's
            parameter.

    Returns:
        An array of `x`'s shape and dtype.

    Raises:
        NotImplementedError: for an `accuracy` other than None.

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.erfc(np.float32(0.0))).tolist()
        1.0
    """
    _refuse_accuracy("erfc", accuracy)
    return to_arrays(_ir_lax.erfc(x))


class Precision(enum.Enum):
    """The precision of matrix products and convolutions (`precision=` arguments).

    Also built from JAX's strings: "default"/"bfloat16", "high"/"tensorfloat32",
    "highest"/"float32". XLA's CPU backend computes float32 products in full float32 for
    every setting; accelerators may trade precision for speed below HIGHEST.
    """

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value: object) -> Precision | None:
        names = {"default": cls.DEFAULT, "bfloat16": cls.DEFAULT, "fastest": cls.DEFAULT,
                 "high": cls.HIGH, "tensorfloat32": cls.HIGH, "bfloat16_3x": cls.HIGH,
                 "highest": cls.HIGHEST, "float32": cls.HIGHEST}  # fmt: skip
        return names.get(value.lower()) if isinstance(value, str) else None

    def __str__(self) -> str:
        return self.name


# (`complex` is lax.complex in this module: the builtin is spelled out)
_PYTHON_SCALAR_DTYPES = {bool: np.dtype(np.bool_), int: np.dtype(np.int64),
                         float: np.dtype(np.float64),
                         builtins.complex: np.dtype(np.complex128)}  # fmt: skip


def dtype(x: Any, *, canonicalize: bool = False) -> np.dtype[Any]:
    """The dtype of a value, or of a dtype-like (`np.float32`, "int8", a dtype).

    Python scalars have the 64-bit dtype of their kind, and arrays their own, unless
    `canonicalize`: then the dtype becomes what pullback computes in (32-bit without x64).

    Args:
        x: an array, Python or NumPy scalar, or dtype-like.
        canonicalize: map the dtype to its canonical (x64-dependent) form.

    Returns:
        A NumPy dtype.

    Raises:
        TypeError: for a value without a dtype.

    Example:
        >>> from pullback import lax
        >>> lax.dtype(1.0), lax.dtype(1.0, canonicalize=True), lax.dtype("int8")
        (dtype('float64'), dtype('float32'), dtype('int8'))
    """
    t = type(x)
    if t in _PYTHON_SCALAR_DTYPES:
        dt = _PYTHON_SCALAR_DTYPES[t]
    elif isinstance(x, np.dtype | type | str):
        try:
            dt = np.dtype(x)
        except TypeError:
            raise TypeError(f"lax.dtype: {x!r} is not a dtype or a value with one") from None
    elif hasattr(x, "dtype"):
        dt = np.dtype(x.dtype)
    else:
        raise TypeError(f"lax.dtype: {x!r} of type {t.__name__} has no dtype")
    return _ir_dtypes.canonicalize_dtype(dt) if canonicalize else dt


def map(f: Any, xs: Any, *, batch_size: int | None = None) -> Any:
    """`f` applied to each slice of `xs` along its leading axis, stacked.

    With `batch_size`, `f` is vmapped over batches of that many slices, scanned over the
    batches (and once more over the remainder): fewer, larger steps, the same result.
    """
    if STATE.disable_jit:
        f = _arrays_in(f)
    if batch_size is None:
        return to_arrays(_ir_lax.map(f, xs))
    from pullback_pytrees import tree_leaves, tree_map

    from pullback_api._transforms import vmap

    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"lax.map: batch_size must be a positive int, got {batch_size!r}")
    leaves = tree_leaves(xs)
    n = leaves[0].shape[0] if leaves else 0
    full, rest = divmod(n, batch_size)
    vf = vmap(f)
    pieces = []
    if full:
        head = tree_map(
            lambda x: x[: full * batch_size].reshape(full, batch_size, *x.shape[1:]), xs
        )
        ys = _ir_lax.map(vf, head)
        pieces.append(tree_map(lambda y: y.reshape(full * batch_size, *y.shape[2:]), ys))
    if rest:
        pieces.append(vf(tree_map(lambda x: x[full * batch_size :], xs)))
    if len(pieces) == 1:
        return to_arrays(pieces[0])
    from pullback_api.numpy import concatenate

    return tree_map(lambda a, b: concatenate([a, b], 0), *pieces)


def conv_general_shape_tuple(lhs_shape: Any, rhs_shape: Any, window_strides: Any, padding: Any,
                             dimension_numbers: Any) -> tuple[int, ...]:  # fmt: skip
    """The output shape of `conv_general_dilated` with these shapes and arguments."""
    import numpy as np
    from pullback_ir.avals import ShapeDtypeStruct

    from pullback_api._api_misc import eval_shape

    out = eval_shape(
        lambda lhs, rhs: _ir_lax.conv_general_dilated(
            lhs, rhs, window_strides, padding, dimension_numbers=dimension_numbers),
        ShapeDtypeStruct(tuple(lhs_shape), np.float32),
        ShapeDtypeStruct(tuple(rhs_shape), np.float32),
    )  # fmt: skip
    return tuple(out.shape)


def reduce_window_shape_tuple(operand_shape: Any, window_dimensions: Any, window_strides: Any,
                              padding: Any, base_dilation: Any = None,
                              window_dilation: Any = None) -> tuple[int, ...]:  # fmt: skip
    """The output shape of `reduce_window` with these shapes, strides, padding and dilations."""
    nd = len(operand_shape)
    base = tuple(base_dilation or (1,) * nd)
    wdil = tuple(window_dilation or (1,) * nd)
    dilated_in = [
        0 if d == 0 else (d - 1) * b + 1 for d, b in zip(operand_shape, base, strict=True)
    ]
    dilated_win = [0 if w == 0 else (w - 1) * r + 1
                   for w, r in zip(window_dimensions, wdil, strict=True)]  # fmt: skip
    pads = (_ir_lax.padtype_to_pads(dilated_in, dilated_win, window_strides, padding)
            if isinstance(padding, str) else list(padding))  # fmt: skip
    return tuple(
        (d + lo + hi - w) // s + 1
        for d, (lo, hi), w, s in zip(dilated_in, pads, dilated_win, window_strides, strict=True)
    )


__all__ += ["Precision", "conv_general_shape_tuple", "dtype", "reduce_window_shape_tuple"]
__all__.sort()


def __getattr__(name: str) -> Any:
    raise AttributeError(f"module 'pullback.lax' has no attribute {name!r}")
