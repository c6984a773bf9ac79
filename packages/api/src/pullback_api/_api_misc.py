"""Callbacks and shape evaluation of the public surface."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from pullback_ir import ShapeDtypeStruct
from pullback_ir.control_flow import io_callback as _io_callback, pure_callback as _pure_callback
from pullback_ir.staging import make_jaxpr
from pullback_pytrees import tree_map

from pullback_api._transforms import _returning_arrays

__all__ = ["default_matmul_precision", "enable_checks", "enable_x64", "eval_shape",
           "io_callback", "process_count", "process_index", "process_indices", "pure_callback",
           "typeof"]  # fmt: skip


# The callbacks of pullback_ir, returning Arrays when they run eagerly.
pure_callback = _returning_arrays(_pure_callback)
io_callback = _returning_arrays(_io_callback)


def eval_shape(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The output shapes and dtypes of `fun(*args, **kwargs)`, computed without running it."""
    _, shapes = make_jaxpr(lambda *a: fun(*a, **kwargs), return_shape=True)(*args)
    return tree_map(lambda s: ShapeDtypeStruct(s.shape, s.dtype, weak_type=s.weak_type), shapes)


@contextlib.contextmanager
def default_matmul_precision(precision: Any) -> Iterator[None]:
    """Set `jax_default_matmul_precision` inside the block ("float32", "highest", ...).

    XLA's CPU backend computes float32 products in full precision whatever the setting.
    """
    from pullback_api.config import read, update

    old = read("jax_default_matmul_precision")
    update("jax_default_matmul_precision", precision)
    try:
        yield
    finally:
        update("jax_default_matmul_precision", old)


# --- processes (one process here: multi-process runs are issue 18) ------------------------------


def _check_backend(backend: Any, name: str) -> None:
    if backend is not None:
        from pullback_compile import devices

        devices(backend)  # (raises for a backend this process does not have)


def process_index(backend: Any = None) -> int:
    """The index of this process among those running the program: 0 (one process)."""
    _check_backend(backend, "process_index")
    return 0


def process_count(backend: Any = None) -> int:
    """The number of processes running the program: 1."""
    _check_backend(backend, "process_count")
    return 1


def process_indices(backend: Any = None) -> list[int]:
    """The indices of the processes running the program: [0]."""
    _check_backend(backend, "process_indices")
    return [0]


def typeof(x: Any) -> Any:
    """The abstract value (shape, dtype, weak type) of an array, tracer or scalar."""
    from pullback_ir.avals import aval_of

    from pullback_api.random import PRNGKeyArray

    if isinstance(x, PRNGKeyArray):
        return x.aval
    return aval_of(x)


@contextlib.contextmanager
def _option(name: str, value: Any) -> Iterator[None]:
    # A config option set inside the block (validated by config.update), restored after it.
    from pullback_api import config

    old = config.read(name)
    config.update(name, value)
    try:
        yield
    finally:
        config.update(name, old)


def numpy_dtype_promotion(new_val: str) -> contextlib.AbstractContextManager[None]:
    """Dtype promotion inside the block: "standard" (JAX's lattice) or "strict".

    Under "strict", arrays of different dtypes do not combine implicitly, and a Python scalar
    (weakly typed) joins an array only of its own kind or above; anything else raises
    `TypePromotionError`.

    Raises:
        ValueError: for another value.
    """
    return _option("jax_numpy_dtype_promotion", new_val)


def numpy_rank_promotion(new_val: str) -> contextlib.AbstractContextManager[None]:
    """Implicit rank promotion inside the block: "allow", "warn" or "raise".

    Rank promotion is broadcasting arrays of different numbers of dimensions against each
    other (scalars excepted).

    Raises:
        ValueError: for another value.
    """
    return _option("jax_numpy_rank_promotion", new_val)


def check_tracer_leaks(new_val: bool = True) -> contextlib.AbstractContextManager[None]:
    """Set JAX's tracer-leak checking switch inside the block.

    pullback keeps the switch (`config.jax_check_tracer_leaks` reads it back) but does not
    search for leaked tracers: a tracer that escapes its transformation raises when it is
    used, not when the transformation ends.

    Args:
        new_val: the value inside the block.

    Returns:
        A context manager.
    """
    return _option("jax_check_tracer_leaks", bool(new_val))


def checking_leaks() -> contextlib.AbstractContextManager[None]:
    """`check_tracer_leaks(True)`."""
    return check_tracer_leaks(True)


def disable_jit(disable: bool = True) -> contextlib.AbstractContextManager[None]:
    """Inside the block, `jit` calls its function directly instead of compiling it.

    For debugging: values inside a jitted function are concrete, so they can be printed and
    branched on. This also holds for the loops of `lax`: `cond` and `switch` with a concrete
    predicate call one branch, `while_loop`, `fori_loop`, `scan` and `map` run as Python loops.
    Each primitive still runs as it does eagerly. (`config.update("jax_disable_jit", True)`
    sets the same switch for the whole process.)

    Args:
        disable: False turns jit back on inside the block.

    Returns:
        A context manager.

    Example:
        >>> import pullback as pb
        >>> @pb.jit
        ... def f(x):
        ...     print(type(x).__name__)
        ...     return x + 1
        >>> with pb.disable_jit():
        ...     y = f(pb.numpy.ones(2))
        Array
    """
    return _option("jax_disable_jit", bool(disable))


@contextlib.contextmanager
def enable_x64(new_val: bool = True) -> Iterator[None]:
    """64-bit mode on (or off, with False) inside the block."""
    from pullback_ir.config import enable_x64 as _x64

    with _x64(bool(new_val)):
        yield


@contextlib.contextmanager
def enable_checks(new_val: bool = True) -> Iterator[None]:
    """Check every jaxpr the transformations produce, inside the block."""
    from pullback_ir.config import enable_checks as _checks

    with _checks(bool(new_val)):
        yield
