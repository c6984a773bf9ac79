"""Products for `pullback.numpy`: matmul, dot, vdot, inner, outer, tensordot, einsum, kron."""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import numpy as np
from pullback_compile import Array
from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of, check_one_device, check_reduction_order
from pullback_ir.operators import mul_or_and

from pullback_api.numpy._core import asarray_arg, cast, eager_host, export, to_dtype

__all__ = ["dot", "einsum", "inner", "kron", "matmul", "matvec", "outer", "tensordot", "vdot",
           "vecdot"]  # fmt: skip


def _common(name: str, a: Any, b: Any, preferred: Any = None) -> tuple[Any, Any]:
    a, b = asarray_arg(a, name), asarray_arg(b, name)
    dt, weak = dtypes.result_type(a, b)
    return cast(a, dt, weak), cast(b, dt, weak)


@export
def matmul(a: Any, b: Any, *, precision: Any = None, preferred_element_type: Any = None,
           out_sharding: Any = None, reduction_order: Any = None) -> Any:  # fmt: skip
    """Matrix product with NumPy's rules (1-D operands promoted, batch dims broadcast).

    `reduction_order` (JAX 0.12) must be None.
    """
    check_one_device(out_sharding, "matmul: out_sharding")
    check_reduction_order(reduction_order, "matmul: reduction_order")
    ha, hb = eager_host(a), eager_host(b)
    if (ha is not None and hb is not None and ha.dtype == hb.dtype and ha.dtype.kind == "f"
            and ha.ndim and hb.ndim and preferred_element_type is None
            and ha.shape[-1] == hb.shape[-2 if hb.ndim > 1 else 0]):  # fmt: skip
        out = np.asarray(np.matmul(ha, hb))  # what the reference dot_general computes
        return Array._from_host(out, a._aval.weak_type and b._aval.weak_type)
    a, b = _common("matmul", a, b)
    sa, sb = aval_of(a).shape, aval_of(b).shape
    if not sa or not sb:
        raise ValueError("matmul: operands must have at least one dimension")
    a_vec, b_vec = len(sa) == 1, len(sb) == 1
    if a_vec:
        a = lax.expand_dims(a, (0,))
    if b_vec:
        b = lax.expand_dims(b, (1,))
    sa, sb = aval_of(a).shape, aval_of(b).shape
    if sa[-1] != sb[-2]:
        raise TypeError(
            "matmul: dot_general requires contracting dimensions to have the same shape, got "
            f"{sa[-1:]} and {sb[-2:-1]} (operands of shapes {aval_of(a).shape} and "
            f"{aval_of(b).shape})"
        )
    batch = tuple(np.broadcast_shapes(sa[:-2], sb[:-2]))
    from pullback_api.numpy._shape import broadcast_to

    nb = len(batch)
    if nb:
        if sa[:-2] != batch:
            a = broadcast_to(a, (*batch, *sa[-2:]))
        if sb[:-2] != batch:
            b = broadcast_to(b, (*batch, *sb[-2:]))
    dims = (((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb))))
    out = lax.dot_general(a, b, dims, preferred_element_type=preferred_element_type)
    if a_vec:
        out = lax.squeeze(out, (nb,))
    if b_vec:
        out = lax.squeeze(out, (len(aval_of(out).shape) - 1,))
    return out


@export
def dot(a: Any, b: Any, *, precision: Any = None, preferred_element_type: Any = None,
        out_sharding: Any = None, reduction_order: Any = None) -> Any:  # fmt: skip
    """NumPy's dot product.

    A scalar product, a matrix product, or the sum over the last axis of `a` and the
    second-to-last of `b`. `reduction_order` (JAX 0.12) must be None.
    """
    check_one_device(out_sharding, "dot: out_sharding")
    check_reduction_order(reduction_order, "dot: reduction_order")
    a, b = _common("dot", a, b)
    sa, sb = aval_of(a).shape, aval_of(b).shape
    if not sa or not sb:
        return lax.mul(a, b)
    cb = 0 if len(sb) == 1 else len(sb) - 2
    if sa[-1] != sb[cb]:
        raise TypeError(
            "dot: dot_general requires contracting dimensions to have the same shape, got "
            f"{sa[-1:]} and {(sb[cb],)} (operands of shapes {sa} and {sb})"
        )
    return lax.dot_general(a, b, (((len(sa) - 1,), (cb,)), ((), ())),
                           preferred_element_type=preferred_element_type)  # fmt: skip


@export
def vdot(a: Any, b: Any, *, precision: Any = None) -> Any:
    """The dot product of the flattened arrays, conjugating the first."""
    from pullback_api.numpy._shape import ravel

    a, b = _common("vdot", a, b)
    if dtypes.is_complex(aval_of(a).dtype):
        a = lax.conj(a)
    return lax.dot_general(ravel(a), ravel(b), (((0,), (0,)), ((), ())))


@export
def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """The dot product over `axis` (conjugating the first), broadcasting the rest."""
    from pullback_api.numpy._shape import broadcast_arrays

    a, b = _common("vecdot", x1, x2)
    if dtypes.is_complex(aval_of(a).dtype):
        a = lax.conj(a)
    a, b = broadcast_arrays(a, b)
    nd = len(aval_of(a).shape)
    return lax.reduce_sum(lax.mul(a, b), (axis % nd,))


@export
def matvec(x1: Any, x2: Any, /) -> Any:
    """Matrix-vector products over the last axes (batch dims broadcast)."""
    v = asarray_arg(x2, "matvec")
    out = matmul(x1, lax.expand_dims(v, (len(aval_of(v).shape),)))
    return lax.squeeze(out, (len(aval_of(out).shape) - 1,))


@export
def inner(a: Any, b: Any, *, precision: Any = None) -> Any:
    """The sum product over the last axes."""
    a, b = _common("inner", a, b)
    sa, sb = aval_of(a).shape, aval_of(b).shape
    if not sa or not sb:
        return lax.mul(a, b)
    return lax.dot_general(a, b, (((len(sa) - 1,), (len(sb) - 1,)), ((), ())))


@export
def outer(a: Any, b: Any, out: None = None) -> Any:
    """The outer product of the flattened arrays."""
    from pullback_api.numpy._shape import ravel

    a, b = _common("outer", a, b)
    a, b = ravel(a), ravel(b)
    shape = (aval_of(a).shape[0], aval_of(b).shape[0])
    return mul_or_and(lax.broadcast_in_dim(a, shape, (0,)), lax.broadcast_in_dim(b, shape, (1,)))


@export
def tensordot(a: Any, b: Any, axes: Any = 2, *, precision: Any = None) -> Any:
    """The sum over the last `axes` axes of `a` and first of `b` (or the given axis lists)."""
    a, b = _common("tensordot", a, b)
    na, nb = len(aval_of(a).shape), len(aval_of(b).shape)
    if isinstance(axes, (int, np.integer)):
        k = int(axes)
        ca, cb = tuple(range(na - k, na)), tuple(range(k))
    else:
        xa, xb = axes
        ca = (xa,) if isinstance(xa, int) else tuple(xa)
        cb = (xb,) if isinstance(xb, int) else tuple(xb)
        ca = tuple(c % na for c in ca)
        cb = tuple(c % nb for c in cb)
    return lax.dot_general(a, b, ((ca, cb), ((), ())))


@export
def kron(a: Any, b: Any) -> Any:
    """The Kronecker product."""
    a, b = _common("kron", a, b)
    sa, sb = aval_of(a).shape, aval_of(b).shape
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    a, b = lax.reshape(a, sa), lax.reshape(b, sb)
    inter = tuple(v for pair in zip(sa, sb, strict=True) for v in pair)
    ea = lax.broadcast_in_dim(a, inter, tuple(range(0, 2 * nd, 2)))
    eb = lax.broadcast_in_dim(b, inter, tuple(range(1, 2 * nd, 2)))
    return lax.reshape(mul_or_and(ea, eb), tuple(x * y for x, y in zip(sa, sb, strict=True)))


# --- einsum ----------------------------------------------------------------------------------


def _parse(subscripts: str, shapes: Sequence[tuple[int, ...]]) -> tuple[list[str], str]:
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        lhs, out = spec.split("->")
        explicit = True
    else:
        lhs, out, explicit = spec, "", False
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: {len(ins)} operand specs for {len(shapes)} operands")
    used = set(c for s in ins for c in s if c.isalpha())
    free = iter(c for c in string.ascii_letters if c not in used)
    ell: str | None = None
    result = []
    for s, shp in zip(ins, shapes, strict=True):
        if "..." in s:
            n = len(shp) - (len(s) - 3)
            if ell is None or len(ell) < n:
                extra = "".join(next(free) for _ in range(n - (len(ell) if ell else 0)))
                ell = extra + (ell or "")
            s = s.replace("...", ell[len(ell) - n :] if n else "")
        if len(s) != len(shp):
            raise ValueError(f"einsum: operand spec '{s}' does not match shape {shp}")
        result.append(s)
    if explicit:
        out = out.replace("...", ell or "")
    else:
        counts: dict[str, int] = {}
        for s in result:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = (ell or "") + "".join(sorted(c for c, k in counts.items()
                                           if k == 1 and c not in (ell or "")))  # fmt: skip
    return result, out


def _reduce_single(x: Any, spec: str, keep: set[str]) -> tuple[Any, str]:
    # Take diagonals of repeated labels, sum labels not needed later.
    while True:
        dup = next((c for c in spec if spec.count(c) > 1), None)
        if dup is None:
            break
        i = spec.index(dup)
        j = spec.index(dup, i + 1)
        from pullback_api.numpy._shape import diagonal

        x = diagonal(x, 0, i, j)
        spec = "".join(c for k, c in enumerate(spec) if k not in (i, j)) + dup
    drop = tuple(i for i, c in enumerate(spec) if c not in keep)
    if drop:
        x = lax.reduce_sum(x, drop)
        spec = "".join(c for i, c in enumerate(spec) if i not in drop)
    return x, spec


def _contract(a: Any, sa: str, b: Any, sb: str, keep: set[str]) -> tuple[Any, str]:
    a, sa = _reduce_single(a, sa, keep | set(sb))
    b, sb = _reduce_single(b, sb, keep | set(sa))
    batch = [c for c in sa if c in sb and c in keep]
    contract = [c for c in sa if c in sb and c not in keep]
    dims = (
        (tuple(sa.index(c) for c in contract), tuple(sb.index(c) for c in contract)),
        (tuple(sa.index(c) for c in batch), tuple(sb.index(c) for c in batch)),
    )
    # Sizes must agree; a label of size 1 on one side broadcasts.
    sha, shb = aval_of(a).shape, aval_of(b).shape
    for c in batch:
        da, db = sha[sa.index(c)], shb[sb.index(c)]
        if da != db:
            raise ValueError(f"einsum: label '{c}' has sizes {da} and {db}")
    out = lax.dot_general(a, b, dims)
    spec = "".join(batch) + "".join(c for c in sa if c not in sb) + \
        "".join(c for c in sb if c not in sa)  # fmt: skip
    return out, spec


@export
def einsum(subscripts: str, *operands: Any, out: None = None, optimize: Any = "auto",
           precision: Any = None, preferred_element_type: Any = None,
           _dot_general: Any = None, out_sharding: Any = None,
           reduction_order: Any = None) -> Any:  # fmt: skip
    """Einstein summation, contracted pairwise left to right with dot_general.

    `_dot_general` (JAX's hook for a replacement contraction) is not supported: it must be None
    or `lax.dot_general`. `reduction_order` (JAX 0.12) must be None.
    """
    check_one_device(out_sharding, "einsum: out_sharding")
    check_reduction_order(reduction_order, "einsum: reduction_order")
    if _dot_general is not None and getattr(_dot_general, "__name__", "") != "dot_general":
        raise NotImplementedError("einsum: a custom _dot_general is not supported")
    if not isinstance(subscripts, str):
        raise TypeError("einsum: only the subscripts-string form is supported")
    ops = [asarray_arg(o, "einsum") for o in operands]
    if len(ops) > 1:
        dt, _ = dtypes.result_type(*ops)
        ops = [to_dtype(o, dt) for o in ops]
    specs, out_spec = _parse(subscripts, [aval_of(o).shape for o in ops])
    x, sx = ops[0], specs[0]
    for k in range(1, len(ops)):
        later = set(out_spec) | {c for s in specs[k + 1 :] for c in s}
        x, sx = _contract(x, sx, ops[k], specs[k], later)
    x, sx = _reduce_single(x, sx, set(out_spec))
    if sorted(sx) != sorted(out_spec):
        raise ValueError(f"einsum: output labels '{out_spec}' do not match '{subscripts}'")
    perm = tuple(sx.index(c) for c in out_spec)
    return lax.transpose(x, perm) if perm != tuple(range(len(perm))) else x
