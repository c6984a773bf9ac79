"""The exception classes of pullback.

Each subclasses the builtin that JAX raises in its place, so that ported `except TypeError:`
clauses keep working.
"""

from __future__ import annotations

__all__ = [
    "CheckError",
    "ConcretizationTypeError",
    "InvalidJaxprError",
    "MissingRuleError",
    "NonConcreteBooleanIndexError",
    "TracerArrayConversionError",
    "TracerBoolConversionError",
    "TracerIntegerConversionError",
    "TypePromotionError",
    "UnexpectedTracerError",
]

_STATIC_HINT = (
    "If the value is a Python constant of the function (a size, a flag, a mode), pass it as a "
    "static argument (for example `jit(f, static_argnums=...)`), or use `lax.cond`/`where` "
    "instead of Python control flow on traced values."
)


class ConcretizationTypeError(TypeError):
    """A traced value was used where a concrete Python value is needed.

    Cause: under `jit`, `make_jaxpr` or similar tracing, array values are abstract (only shape
    and dtype are known), so `bool(x)`, `int(x)`, `float(x)` or a shape that depends on a
    traced value cannot be computed. Fix: make the value a static argument, or express the
    computation with `lax.cond`, `lax.while_loop` or `where`.

    Example:
        `make_jaxpr(lambda x: x if x > 0 else -x)(1.0)` raises this error
        (a `TracerBoolConversionError`).
    """

    def __init__(self, what: str, tracer_desc: str) -> None:
        super().__init__(
            f"{what} needs a concrete value, but got an abstract tracer ({tracer_desc}). "
            + _STATIC_HINT
        )


class NonConcreteBooleanIndexError(IndexError):
    """Indexing with a traced boolean mask, whose result shape depends on the mask's values.

    Cause: `x[mask]` has as many elements as `mask` has true entries, which is not known while
    tracing (under `jit`, `vmap`, ...). Fix: `jnp.where(mask, x, fill)` keeps the shape;
    `x[mask].sum()` is `jnp.where(mask, x, 0).sum()`; `jnp.nonzero(mask, size=n)` gives at most
    `n` indices.
    """

    def __init__(self, tracer_desc: str) -> None:
        super().__init__(
            "Array boolean indices must be concrete; got a traced boolean mask "
            f"({tracer_desc}). Its number of true elements, which is the shape of the result, "
            "is not known while tracing: use jnp.where(mask, x, fill) to keep the shape, or "
            "jnp.nonzero(mask, size=...) for a bounded number of indices."
        )


class TracerBoolConversionError(ConcretizationTypeError):
    """`bool()` of a traced value, usually from a Python `if` or `while` on it."""


class TracerIntegerConversionError(ConcretizationTypeError):
    """`int()` or `__index__` of a traced value, usually from using it as a Python index or size."""


class TracerArrayConversionError(TypeError):
    """`numpy.asarray` of a traced value: NumPy cannot hold abstract values.

    Fix: use `pullback.numpy` functions instead of `numpy` functions inside transformed code.
    """

    def __init__(self, tracer_desc: str) -> None:
        super().__init__(
            f"a traced value ({tracer_desc}) was converted to a NumPy array. NumPy functions "
            "cannot run on traced values: use the pullback.numpy equivalent inside transformed "
            "functions, or use pure_callback to run NumPy code on concrete values."
        )


class UnexpectedTracerError(Exception):
    """A tracer escaped the transformation that created it (a leaked tracer).

    Cause: a traced value was stored outside the function being transformed (in a global, a
    list, an object attribute) and used after the transformation finished. Fix: return values
    from transformed functions instead of storing them as side effects.
    """


class MissingRuleError(NotImplementedError):
    """A primitive has no rule for a transformation.

    Attributes:
        primitive: the primitive's name.
        transformation: the transformation's name (`jvp`, `transpose`, `batching`, `lowering`).
    """

    def __init__(self, primitive: str, transformation: str) -> None:
        super().__init__(
            f"the primitive '{primitive}' has no {transformation} rule, so it cannot be "
            f"transformed by {transformation}."
        )
        self.primitive = primitive
        self.transformation = transformation


class TypePromotionError(TypeError, ValueError):
    """Two dtypes have no common type under pullback's promotion rules (e.g. two float8s).

    A ValueError as JAX's is, and a TypeError as pullback's was.
    """


class InvalidJaxprError(TypeError):
    """`check_jaxpr` found an ill-typed jaxpr; the message shows the equations around it."""


class CheckError(ValueError):
    """A `checkify.check` that failed (JAX's `checkify.JaxRuntimeError`, a ValueError)."""
