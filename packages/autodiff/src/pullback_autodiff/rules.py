"""JVP and transpose rules of the first-order primitives of the catalogue."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes, lax
from pullback_ir.avals import ShapedArray, aval_of
from pullback_ir.primitive import Primitive
from pullback_ir.primitives import (
    bits,
    conv as cv,
    elementwise as ew,
    indexing as ix,
    linalg as la,
    reductions as red,
    shapes as sh,
    sorting as so,
)

from pullback_autodiff.core import (
    Zero,
    add_tangents,
    instantiate,
    jvp_rules,
    tangent_aval,
    zeros_like_aval,
)
from pullback_autodiff.transpose import is_undefined, transpose_rules

__all__ = ["NON_DIFFERENTIABLE"]


def _shape(x: Any) -> tuple[int, ...]:
    return aval_of(x).shape


def _aval(x: Any) -> Any:
    return x.aval if is_undefined(x) else aval_of(x)


def _zeros(x: Any) -> Any:
    return zeros_like_aval(_aval(x))


# --- rule builders ---------------------------------------------------------------------------


def defjvp(prim: Primitive, *fns: Callable[..., Any] | None) -> None:
    """JVP of a single-output primitive as a sum of per-argument contributions.

    `fns[i](g, ans, *primals, **params)` is the contribution of argument i's tangent `g`
    (None: the argument is not differentiable).
    """

    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
        (ans,) = prim.bind(*primals, **params)
        shape = aval_of(ans).shape
        out: Any = Zero(tangent_aval(aval_of(ans)))
        for fn, t in zip(fns, tangents, strict=False):
            if fn is not None and not isinstance(t, Zero):
                # A rank-0 operand of an elementwise op broadcasts: so does its tangent.
                g = _broadcast_tangent(t, shape) if not _shape(t) else t
                out = add_tangents(out, fn(g, ans, *primals, **params))
        return [ans], [out]

    jvp_rules[prim] = rule


def defzero(prim: Primitive) -> None:
    """A primitive whose outputs have zero derivative (integer- or boolean-valued, constant)."""

    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
        del tangents  # unused
        outs = prim.bind(*primals, **params)
        return outs, [Zero(tangent_aval(aval_of(o))) for o in outs]

    jvp_rules[prim] = rule


def deflinear(prim: Primitive, transpose: Callable[..., Sequence[Any]]) -> None:
    """A primitive linear in all its operands: the JVP applies it to the tangents."""

    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
        outs = prim.bind(*primals, **params)
        touts = prim.bind(*[instantiate(t) for t in tangents], **params)
        return outs, touts

    jvp_rules[prim] = rule
    transpose_rules[prim] = transpose


def _unary_linear_t(fn: Callable[..., Any]) -> Callable[..., Sequence[Any]]:
    def t(cts: Sequence[Any], x: Any, **params: Any) -> Sequence[Any]:
        (ct,) = cts
        return [Zero(x.aval) if isinstance(ct, Zero) else fn(ct, x, **params)]

    return t


# --- elementwise -----------------------------------------------------------------------------

NON_DIFFERENTIABLE = [
    ew.sign_p, ew.floor_p, ew.ceil_p, ew.round_p, ew.is_finite_p, ew.not_p,
    ew.population_count_p, ew.clz_p, ew.nextafter_p, ew.and_p, ew.or_p, ew.xor_p,
    ew.shift_left_p, ew.shift_right_arithmetic_p, ew.shift_right_logical_p, ew.eq_p, ew.ne_p,
    ew.lt_p, ew.le_p, ew.gt_p, ew.ge_p, ew.bitcast_convert_type_p, ew.stop_gradient_p,
    red.reduce_and_p, red.reduce_or_p, red.reduce_xor_p, red.argmax_p, red.argmin_p,
    sh.iota_p, bits.threefry2x32_p,
]  # fmt: skip
for _p in NON_DIFFERENTIABLE:
    defzero(_p)

deflinear(ew.neg_p, _unary_linear_t(lambda ct, x: lax.neg(ct)))
deflinear(ew.conj_p, _unary_linear_t(lambda ct, x: lax.conj(ct)))
deflinear(ew.real_p, _unary_linear_t(lambda ct, x: lax.complex(ct, lax.mul(ct, 0))))
# Complex values pair with their cotangents without conjugation, as in JAX (the transpose of
# z -> c z is w -> c w): imag(z) = Re(-i z) then transposes to w -> -i w.
deflinear(ew.imag_p, _unary_linear_t(lambda ct, x: lax.complex(lax.mul(ct, 0), lax.neg(ct))))
deflinear(
    bits.reduce_precision_p,
    _unary_linear_t(lambda ct, x, **p: bits.reduce_precision_p.bind(ct, **p)[0]),
)


def _complex_t(cts: Sequence[Any], x: Any, y: Any) -> Sequence[Any]:
    (ct,) = cts
    if isinstance(ct, Zero):
        return [
            Zero(_aval(x)) if is_undefined(x) else None,
            Zero(_aval(y)) if is_undefined(y) else None,
        ]
    # complex(x, y) = x + i y: x pairs with Re(ct) and y with Re(i ct) = -Im(ct).
    return [
        lax.real(ct) if is_undefined(x) else None,
        lax.neg(lax.imag(ct)) if is_undefined(y) else None,
    ]


deflinear(ew.complex_p, _complex_t)


def _add_t(cts: Sequence[Any], x: Any, y: Any) -> Sequence[Any]:
    (ct,) = cts
    return [_unbroadcast(x, ct), _unbroadcast(y, ct)]


def _sub_t(cts: Sequence[Any], x: Any, y: Any) -> Sequence[Any]:
    (ct,) = cts
    neg = ct if isinstance(ct, Zero) else lax.neg(ct)
    return [_unbroadcast(x, ct), _unbroadcast(y, neg)]


def _unbroadcast(x: Any, ct: Any) -> Any:
    """The cotangent of a (possibly rank-0, scalar-broadcast) operand."""
    if not is_undefined(x):
        return None
    if isinstance(ct, Zero):
        return Zero(x.aval)
    if x.aval.shape == _shape(ct):
        return ct
    return lax.reduce_sum(ct, tuple(range(len(_shape(ct)))))


def _binary_linear_jvp(prim: Primitive) -> None:
    def rule(primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
        (ans,) = prim.bind(*primals)
        tx, ty = tangents
        shape = aval_of(ans).shape
        tx = _broadcast_tangent(tx, shape)
        ty = _broadcast_tangent(ty, shape)
        if isinstance(ty, Zero):
            return [ans], [tx]
        if isinstance(tx, Zero):
            return [ans], [ty if prim is ew.add_p else lax.neg(ty)]
        return [ans], [prim.bind(tx, ty)[0]]

    jvp_rules[prim] = rule


def _broadcast_tangent(t: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(t, Zero):
        return Zero(type(t.aval)(shape, t.aval.dtype))
    if _shape(t) == shape:
        return t
    return lax.broadcast_in_dim(t, shape, ())


_binary_linear_jvp(ew.add_p)
_binary_linear_jvp(ew.sub_p)
transpose_rules[ew.add_p] = _add_t
transpose_rules[ew.sub_p] = _sub_t


defjvp(ew.mul_p, lambda g, ans, x, y: lax.mul(g, y), lambda g, ans, x, y: lax.mul(x, g))


def _mul_t(cts: Sequence[Any], x: Any, y: Any) -> Sequence[Any]:
    (ct,) = cts
    if is_undefined(x) and is_undefined(y):
        raise TypeError("transpose of mul: both operands are linear (the function is not linear)")
    if is_undefined(x):
        return [_unbroadcast(x, ct if isinstance(ct, Zero) else lax.mul(ct, y)), None]
    return [None, _unbroadcast(y, ct if isinstance(ct, Zero) else lax.mul(x, ct))]


transpose_rules[ew.mul_p] = _mul_t


defjvp(
    ew.div_p,
    lambda g, ans, x, y: lax.div(g, y),
    lambda g, ans, x, y: lax.neg(lax.mul(g, lax.div(ans, y))),
)


def _div_t(cts: Sequence[Any], x: Any, y: Any) -> Sequence[Any]:
    (ct,) = cts
    if is_undefined(y):
        raise TypeError("transpose of div: the divisor is linear (the function is not linear)")
    return [_unbroadcast(x, ct if isinstance(ct, Zero) else lax.div(ct, y)), None]


transpose_rules[ew.div_p] = _div_t


def _c(x: Any, v: float) -> Any:
    dt = x.dtype if isinstance(getattr(x, "dtype", None), np.dtype) else aval_of(x).dtype
    return np.asarray(v, dt)


def _unary(prim: Primitive, deriv: Callable[[Any, Any], Any]) -> None:
    """`deriv(ans, x)` is the derivative; the JVP is `g * deriv`."""
    defjvp(prim, lambda g, ans, x: lax.mul(g, deriv(ans, x)))


_unary(ew.exp_p, lambda ans, x: ans)
_unary(ew.exp2_p, lambda ans, x: lax.mul(ans, _c(x, math.log(2))))
_unary(ew.log_p, lambda ans, x: lax.div(_c(x, 1), x))
_unary(ew.expm1_p, lambda ans, x: lax.add(ans, _c(x, 1)))
_unary(ew.log1p_p, lambda ans, x: lax.div(_c(x, 1), lax.add(x, _c(x, 1))))
_unary(ew.sin_p, lambda ans, x: lax.cos(x))
_unary(ew.cos_p, lambda ans, x: lax.neg(lax.sin(x)))
_unary(ew.tan_p, lambda ans, x: lax.add(_c(x, 1), lax.mul(ans, ans)))
_unary(ew.asin_p, lambda ans, x: lax.rsqrt(lax.sub(_c(x, 1), lax.mul(x, x))))
_unary(ew.acos_p, lambda ans, x: lax.neg(lax.rsqrt(lax.sub(_c(x, 1), lax.mul(x, x)))))
_unary(ew.atan_p, lambda ans, x: lax.div(_c(x, 1), lax.add(_c(x, 1), lax.mul(x, x))))
_unary(ew.sinh_p, lambda ans, x: lax.cosh(x))
_unary(ew.cosh_p, lambda ans, x: lax.sinh(x))
_unary(ew.tanh_p, lambda ans, x: lax.sub(_c(x, 1), lax.mul(ans, ans)))
_unary(ew.asinh_p, lambda ans, x: lax.rsqrt(lax.add(lax.mul(x, x), _c(x, 1))))
_unary(
    ew.acosh_p,
    lambda ans, x: lax.rsqrt(lax.mul(lax.sub(x, _c(x, 1)), lax.add(x, _c(x, 1)))),
)
_unary(ew.atanh_p, lambda ans, x: lax.div(_c(x, 1), lax.sub(_c(x, 1), lax.mul(x, x))))
_unary(ew.sqrt_p, lambda ans, x: lax.div(_c(x, 0.5), ans))
_unary(ew.rsqrt_p, lambda ans, x: lax.mul(_c(x, -0.5), lax.div(ans, x)))
_unary(ew.cbrt_p, lambda ans, x: lax.div(_c(x, 1 / 3), lax.mul(ans, ans)))
_unary(ew.logistic_p, lambda ans, x: lax.mul(ans, lax.sub(_c(x, 1), ans)))
_unary(
    ew.erf_p, lambda ans, x: lax.mul(_c(x, 2 / math.sqrt(math.pi)), lax.exp(lax.neg(lax.mul(x, x))))
)
_unary(
    ew.erfc_p,
    lambda ans, x: lax.mul(_c(x, -2 / math.sqrt(math.pi)), lax.exp(lax.neg(lax.mul(x, x)))),
)
_unary(
    ew.erf_inv_p, lambda ans, x: lax.mul(_c(x, math.sqrt(math.pi) / 2), lax.exp(lax.mul(ans, ans)))
)
_unary(ew.lgamma_p, lambda ans, x: lax.digamma(x))


def _trigamma(x: Any) -> Any:
    # psi'(x) for x > 0: shift by 6 with the recurrence, then the asymptotic series.
    acc = _zeros(x)
    z = x
    for _ in range(6):
        acc = lax.add(acc, lax.div(_c(x, 1), lax.mul(z, z)))
        z = lax.add(z, _c(x, 1))
    inv = lax.div(_c(x, 1), z)
    inv2 = lax.mul(inv, inv)
    series = lax.mul(
        inv,
        lax.add(
            _c(x, 1),
            lax.mul(
                inv,
                lax.add(
                    _c(x, 0.5),
                    lax.mul(
                        inv,
                        lax.add(
                            _c(x, 1 / 6),
                            lax.mul(inv2, lax.add(_c(x, -1 / 30), lax.mul(inv2, _c(x, 1 / 42)))),
                        ),
                    ),
                ),
            ),
        ),
    )
    return lax.add(acc, series)


_unary(ew.digamma_p, lambda ans, x: _trigamma(x))


def _abs_jvp(g: Any, ans: Any, x: Any) -> Any:
    if dtypes.is_complex(aval_of(x).dtype):
        # d|z| = Re(conj(z) dz) / |z|
        safe = lax.select(lax.eq(ans, _c(ans, 0)), lax.add(ans, _c(ans, 1)), ans)
        return lax.div(lax.real(lax.mul(lax.conj(x), g)), safe)
    return lax.mul(g, lax.sign(x))


defjvp(ew.abs_p, _abs_jvp)


def _integer_pow_jvp(g: Any, ans: Any, x: Any, *, y: int) -> Any:
    if y == 0:
        return lax.mul(g, _c(x, 0))
    d = _c(x, y) if y == 1 else lax.mul(_c(x, y), lax.integer_pow(x, y - 1))
    return lax.mul(g, d)


defjvp(ew.integer_pow_p, _integer_pow_jvp)


def _pow_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # y * x ** (y - 1), with 0 where y == 0
    ym1 = lax.sub(y, _c(y, 1))
    d = lax.mul(y, lax.pow(x, ym1))
    d = lax.select(lax.eq(y, _c(y, 0)), lax.mul(d, _c(d, 0)), d)
    return lax.mul(g, d)


def _pow_dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # log(x) * x ** y, with 0 where x == 0
    safe_x = lax.select(lax.eq(x, _c(x, 0)), lax.add(x, _c(x, 1)), x)
    d = lax.mul(lax.log(safe_x), ans)
    return lax.mul(g, d)


defjvp(ew.pow_p, _pow_dx, _pow_dy)


def _minmax_jvp(prim: Primitive, pick: Callable[[Any, Any], Any]) -> None:
    def dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
        # x's share: 1 where x wins, 1/2 on ties.
        win = lax.convert_element_type(pick(x, y), aval_of(g).dtype)
        tie = lax.convert_element_type(lax.eq(x, y), aval_of(g).dtype)
        return lax.mul(g, lax.add(win, lax.mul(tie, _c(g, 0.5))))

    def dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
        return dx(g, ans, y, x)

    defjvp(prim, dx, dy)


_minmax_jvp(ew.max_p, lax.gt)
_minmax_jvp(ew.min_p, lax.lt)


def _atan2_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    return lax.mul(g, lax.div(y, lax.add(lax.mul(x, x), lax.mul(y, y))))


def _atan2_dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
    return lax.mul(g, lax.neg(lax.div(x, lax.add(lax.mul(x, x), lax.mul(y, y)))))


defjvp(ew.atan2_p, _atan2_dx, _atan2_dy)


def _rem_dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
    q = lax.div(x, y)
    return lax.mul(lax.neg(g), lax.mul(lax.sign(q), lax.floor(lax.abs(q))))


defjvp(ew.rem_p, lambda g, ans, x, y: g, _rem_dy)


def _select_n_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    which, *cases = primals
    (ans,) = ew.select_n_p.bind(which, *cases)
    if all(isinstance(t, Zero) for t in tangents[1:]):
        return [ans], [Zero(tangent_aval(aval_of(ans)))]
    ts = [instantiate(t) for t in tangents[1:]]
    return [ans], [ew.select_n_p.bind(which, *ts)[0]]


def _select_n_t(cts: Sequence[Any], which: Any, *cases: Any) -> Sequence[Any]:
    (ct,) = cts
    if is_undefined(which):
        raise TypeError("transpose of select_n: the predicate cannot be linear")
    out: list[Any] = [None]
    for i, c in enumerate(cases):
        if not is_undefined(c):
            out.append(None)
        elif isinstance(ct, Zero):
            out.append(Zero(c.aval))
        else:
            zeros = _zeros(ct)
            branches = [ct if j == i else zeros for j in range(len(cases))]
            out.append(ew.select_n_p.bind(which, *branches)[0])
    return out


jvp_rules[ew.select_n_p] = _select_n_jvp
transpose_rules[ew.select_n_p] = _select_n_t


def _clamp_lo(g: Any, ans: Any, lo: Any, x: Any, hi: Any) -> Any:
    return lax.select(lax.gt(lo, x), g, _zeros(g))


def _clamp_x(g: Any, ans: Any, lo: Any, x: Any, hi: Any) -> Any:
    return lax.select(lax.bitwise_and(lax.gt(x, lo), lax.lt(x, hi)), g, _zeros(g))


def _clamp_hi(g: Any, ans: Any, lo: Any, x: Any, hi: Any) -> Any:
    return lax.select(lax.lt(hi, x), g, _zeros(g))


defjvp(ew.clamp_p, _clamp_lo, _clamp_x, _clamp_hi)


def _convert_jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
    (x,) = primals
    (t,) = tangents
    (ans,) = ew.convert_element_type_p.bind(x, **params)
    new, old = np.dtype(params["new_dtype"]), aval_of(x).dtype
    if not (dtypes.is_inexact(new) and dtypes.is_inexact(old)) or isinstance(t, Zero):
        return [ans], [Zero(tangent_aval(aval_of(ans)))]
    return [ans], [ew.convert_element_type_p.bind(t, new_dtype=new, weak_type=False)[0]]


def _convert_t(cts: Sequence[Any], x: Any, **params: Any) -> Sequence[Any]:
    (ct,) = cts
    if isinstance(ct, Zero):
        return [Zero(x.aval)]
    return [ew.convert_element_type_p.bind(ct, new_dtype=x.aval.dtype, weak_type=False)[0]]


jvp_rules[ew.convert_element_type_p] = _convert_jvp
transpose_rules[ew.convert_element_type_p] = _convert_t

# --- structural ------------------------------------------------------------------------------


def _broadcast_in_dim_t(
    cts: Sequence[Any], x: Any, *, shape: tuple[int, ...], broadcast_dimensions: tuple[int, ...]
) -> Sequence[Any]:
    (ct,) = cts
    if isinstance(ct, Zero):
        return [Zero(x.aval)]
    in_shape = x.aval.shape
    summed = tuple(d for d in range(len(shape)) if d not in broadcast_dimensions)
    expanded = tuple(
        d for i, d in enumerate(broadcast_dimensions) if in_shape[i] == 1 and shape[d] != 1
    )
    out = lax.reduce_sum(ct, summed + expanded) if summed or expanded else ct
    return [lax.reshape(out, in_shape) if _shape(out) != in_shape else out]


deflinear(sh.broadcast_in_dim_p, _broadcast_in_dim_t)
deflinear(sh.reshape_p, _unary_linear_t(lambda ct, x, **p: _reshape_back(ct, x, p["dimensions"])))


def _reshape_back(ct: Any, x: Any, dimensions: tuple[int, ...] | None) -> Any:
    if dimensions is None:
        return lax.reshape(ct, x.aval.shape)
    # reshape(transpose(x, dims)): undo the reshape, then the transpose.
    permuted = tuple(x.aval.shape[d] for d in dimensions)
    return lax.transpose(lax.reshape(ct, permuted), tuple(np.argsort(dimensions)))


deflinear(sh.squeeze_p, _unary_linear_t(lambda ct, x, **p: lax.reshape(ct, x.aval.shape)))
deflinear(
    sh.transpose_p,
    _unary_linear_t(
        lambda ct, x, *, permutation: lax.transpose(
            ct, tuple(int(i) for i in np.argsort(permutation))
        )
    ),
)
deflinear(sh.rev_p, _unary_linear_t(lambda ct, x, *, dimensions: lax.rev(ct, dimensions)))


def _pad_t(
    cts: Sequence[Any], x: Any, value: Any, *, padding_config: tuple[tuple[int, int, int], ...]
) -> Sequence[Any]:
    (ct,) = cts
    if isinstance(ct, Zero):
        return [
            Zero(_aval(x)) if is_undefined(x) else None,
            Zero(_aval(value)) if is_undefined(value) else None,
        ]
    unpadded = lax.pad(ct, _c(ct, 0), [(-lo, -hi, 0) for lo, hi, _ in padding_config])
    t_x = lax.slice(
        unpadded,
        [0] * len(padding_config),
        _shape(unpadded),
        [i + 1 for _, _, i in padding_config],
    )
    t_v = None
    if is_undefined(value):
        axes = tuple(range(len(_shape(ct))))
        t_v = lax.sub(lax.reduce_sum(ct, axes), lax.reduce_sum(t_x, axes))
    return [t_x if is_undefined(x) else None, t_v]


deflinear(sh.pad_p, _pad_t)


def _concatenate_t(cts: Sequence[Any], *xs: Any, dimension: int) -> Sequence[Any]:
    (ct,) = cts
    out: list[Any] = []
    start = 0
    for x in xs:
        a = _aval(x)
        size = a.shape[dimension]
        if is_undefined(x):
            if isinstance(ct, Zero):
                out.append(Zero(a))
            else:
                lo = [0] * len(a.shape)
                hi = list(_shape(ct))
                lo[dimension], hi[dimension] = start, start + size
                out.append(lax.slice(ct, lo, hi))
        else:
            out.append(None)
        start += size
    return out


deflinear(sh.concatenate_p, _concatenate_t)


def _slice_t(
    cts: Sequence[Any], x: Any, *, start_indices: Any, limit_indices: Any, strides: Any
) -> Sequence[Any]:
    (ct,) = cts
    if isinstance(ct, Zero):
        return [Zero(x.aval)]
    shape = x.aval.shape
    strides = strides or (1,) * len(shape)
    cfg = []
    for d, s, st, n in zip(shape, start_indices, strides, _shape(ct), strict=True):
        used = s + (n - 1) * st + 1 if n else s
        cfg.append((s, d - used, st - 1) if n else (s, d - s, 0))
    if any(n == 0 for n in _shape(ct)):
        return [_zeros(x)]
    return [lax.pad(ct, _c(ct, 0), cfg)]


deflinear(sh.slice_p, _slice_t)


def _dynamic_slice_jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
    (ans,) = sh.dynamic_slice_p.bind(*primals, **params)
    t = tangents[0]
    if isinstance(t, Zero):
        return [ans], [Zero(tangent_aval(aval_of(ans)))]
    return [ans], [sh.dynamic_slice_p.bind(t, *primals[1:], **params)[0]]


def _dynamic_slice_t(cts: Sequence[Any], x: Any, *idx: Any, slice_sizes: Any) -> Sequence[Any]:
    (ct,) = cts
    nones = [None] * len(idx)
    if isinstance(ct, Zero):
        return [Zero(x.aval), *nones]
    return [sh.dynamic_update_slice_p.bind(_zeros(x), ct, *idx)[0], *nones]


jvp_rules[sh.dynamic_slice_p] = _dynamic_slice_jvp
transpose_rules[sh.dynamic_slice_p] = _dynamic_slice_t


def _dus_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    idx = primals[2:]
    (ans,) = sh.dynamic_update_slice_p.bind(*primals)
    tx, tu = tangents[0], tangents[1]
    if isinstance(tx, Zero) and isinstance(tu, Zero):
        return [ans], [Zero(tangent_aval(aval_of(ans)))]
    return [ans], [sh.dynamic_update_slice_p.bind(instantiate(tx), instantiate(tu), *idx)[0]]


def _dus_t(cts: Sequence[Any], x: Any, u: Any, *idx: Any) -> Sequence[Any]:
    (ct,) = cts
    nones = [None] * len(idx)
    ua = _aval(u)
    if isinstance(ct, Zero):
        return [
            Zero(_aval(x)) if is_undefined(x) else None,
            Zero(ua) if is_undefined(u) else None,
            *nones,
        ]
    t_x = sh.dynamic_update_slice_p.bind(ct, _zeros(u), *idx)[0] if is_undefined(x) else None
    t_u = sh.dynamic_slice_p.bind(ct, *idx, slice_sizes=ua.shape)[0] if is_undefined(u) else None
    return [t_x, t_u, *nones]


jvp_rules[sh.dynamic_update_slice_p] = _dus_jvp
transpose_rules[sh.dynamic_update_slice_p] = _dus_t

# --- reductions ------------------------------------------------------------------------------


def _reduce_sum_t(cts: Sequence[Any], x: Any, *, axes: tuple[int, ...]) -> Sequence[Any]:
    (ct,) = cts
    if isinstance(ct, Zero):
        return [Zero(x.aval)]
    shape = x.aval.shape
    kept = tuple(d for d in range(len(shape)) if d not in axes)
    return [lax.broadcast_in_dim(ct, shape, kept)]


deflinear(red.reduce_sum_p, _reduce_sum_t)


def _keep_dims(y: Any, shape: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    kept = tuple(d for d in range(len(shape)) if d not in axes)
    return lax.broadcast_in_dim(y, shape, kept)


def _reduce_chooser_jvp(prim: Primitive) -> None:
    def jvp(g: Any, ans: Any, x: Any, *, axes: tuple[int, ...]) -> Any:
        shape = aval_of(x).shape
        hit = lax.convert_element_type(lax.eq(x, _keep_dims(ans, shape, axes)), aval_of(g).dtype)
        count = lax.reduce_sum(hit, axes)
        return lax.div(lax.reduce_sum(lax.mul(g, hit), axes), count)

    defjvp(prim, jvp)


_reduce_chooser_jvp(red.reduce_max_p)
_reduce_chooser_jvp(red.reduce_min_p)


def _reduce_prod_jvp(g: Any, ans: Any, x: Any, *, axes: tuple[int, ...]) -> Any:
    # Product of all the other elements via exclusive cumulative products (exact at zeros).
    shape = aval_of(x).shape
    kept = [d for d in range(len(shape)) if d not in axes]
    perm = (*kept, *axes)
    n = math.prod([shape[d] for d in axes])
    lead = tuple(shape[d] for d in kept)
    xt = lax.reshape(lax.transpose(x, perm), (*lead, n))
    gt = lax.reshape(lax.transpose(g, perm), (*lead, n))
    one = np.ones((), aval_of(x).dtype)
    ax = len(lead)
    pad_lo = [(0, 0, 0)] * ax + [(1, -1, 0)]
    pad_hi = [(0, 0, 0)] * ax + [(-1, 1, 0)]
    left = lax.pad(lax.cumprod(xt, ax), one, pad_lo)
    right = lax.pad(lax.cumprod(xt, ax, reverse=True), one, pad_hi)
    return lax.reduce_sum(lax.mul(gt, lax.mul(left, right)), (ax,))


defjvp(red.reduce_prod_p, _reduce_prod_jvp)
deflinear(
    red.cumsum_p,
    _unary_linear_t(lambda ct, x, *, axis, reverse: lax.cumsum(ct, axis, not reverse)),
)


def _cumprod_jvp(g: Any, ans: Any, x: Any, *, axis: int, reverse: bool) -> Any:
    # d prod_{j<=i} x_j = sum_{k<=i} g_k prod_{j<=i, j!=k} x_j, as a scan over the axis.
    n = aval_of(x).shape[axis]
    xs = lax.transpose(x, _front(axis, aval_of(x).ndim))
    gs = lax.transpose(g, _front(axis, aval_of(x).ndim))
    if reverse:
        xs, gs = lax.rev(xs, (0,)), lax.rev(gs, (0,))

    def body(c: Any, xg: Any) -> Any:
        p, t = c
        xi, gi = xg
        t2 = lax.add(lax.mul(t, xi), lax.mul(p, gi))
        p2 = lax.mul(p, xi)
        return (p2, t2), t2

    one = lax.broadcast_in_dim(np.ones((), aval_of(x).dtype), aval_of(xs).shape[1:], ())
    _, ts = lax.scan(body, (one, _zeros(one)), (xs, gs), length=n)
    if reverse:
        ts = lax.rev(ts, (0,))
    return lax.transpose(ts, tuple(int(i) for i in np.argsort(_front(axis, aval_of(x).ndim))))


def _front(axis: int, ndim: int) -> tuple[int, ...]:
    return (axis, *(d for d in range(ndim) if d != axis))


defjvp(red.cumprod_p, _cumprod_jvp)


def _cum_chooser_jvp(g: Any, ans: Any, x: Any, *, axis: int, reverse: bool) -> Any:
    # The tangent of the element currently chosen: its index is the running max of the
    # positions where x reaches the running extreme.
    shape = aval_of(x).shape
    pos = lax.broadcasted_iota(np.int32, shape, axis)
    if reverse:
        pos = lax.sub(np.int32(shape[axis] - 1), pos)
    marks = lax.select(lax.eq(x, ans), pos, lax.sub(lax.mul(pos, 0), 1))
    idx = lax.cummax(marks, axis, reverse)
    if reverse:
        idx = lax.sub(np.int32(shape[axis] - 1), idx)
    return take_along_axis(g, idx, axis)


defjvp(red.cummax_p, _cum_chooser_jvp)
defjvp(red.cummin_p, _cum_chooser_jvp)


def _cumlogsumexp_jvp(g: Any, ans: Any, x: Any, *, axis: int, reverse: bool) -> Any:
    m = lax.stop_gradient(lax.reduce_max(x, (axis,)))
    mb = _keep_dims(m, aval_of(x).shape, (axis,))
    s = lax.cumsum(lax.mul(g, lax.exp(lax.sub(x, mb))), axis, reverse)
    return lax.mul(s, lax.exp(lax.sub(mb, ans)))


defjvp(red.cumlogsumexp_p, _cumlogsumexp_jvp)


def take_along_axis(x: Any, idx: Any, axis: int) -> Any:
    """`x[..., idx, ...]` along `axis`, elementwise with `idx` (same shape as x)."""
    shape = aval_of(x).shape
    nd = len(shape)
    others = tuple(d for d in range(nd) if d != axis)
    dn = ix.GatherDimensionNumbers(
        offset_dims=(),
        collapsed_slice_dims=(axis,),
        start_index_map=(axis,),
        operand_batching_dims=others,
        start_indices_batching_dims=others,
    )
    return lax.gather(x, lax.expand_dims(idx, (nd,)), dn, (1,) * nd, mode="promise_in_bounds")


# --- dot_general -----------------------------------------------------------------------------


def _bilinear_jvp(prim: Primitive) -> Callable[..., Any]:
    """The JVP of a primitive linear in each of its two operands: f(dx, y) + f(x, dy)."""

    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
        x, y = primals
        (ans,) = prim.bind(x, y, **params)
        tx, ty = tangents
        out: Any = Zero(tangent_aval(aval_of(ans)))
        if not isinstance(tx, Zero):
            out = add_tangents(out, prim.bind(tx, y, **params)[0])
        if not isinstance(ty, Zero):
            out = add_tangents(out, prim.bind(x, ty, **params)[0])
        return [ans], [out]

    return rule


def _ranges_like(*xs: Sequence[int]) -> list[list[int]]:
    start = 0
    out = []
    for x in xs:
        out.append(list(range(start, start + len(x))))
        start += len(x)
    return out


def _remaining(original: Sequence[int], *removed: Sequence[int]) -> list[int]:
    gone = {d for r in removed for d in r}
    return [d for d in original if d not in gone]


def _dot_t_lhs(
    ct: Any, x_aval: Any, y: Any, dimension_numbers: Any, precision: Any, swap: bool = False
) -> Any:
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x_ndim, y_ndim = len(x_aval.shape), aval_of(y).ndim
    x_kept = _remaining(range(x_ndim), x_contract, x_batch)
    y_kept = _remaining(range(y_ndim), y_contract, y_batch)
    if swap:
        ans_batch, ans_y, _ = _ranges_like(x_batch, y_kept, x_kept)
    else:
        ans_batch, _, ans_y = _ranges_like(x_batch, x_kept, y_kept)
    x_contract_sorted_by_y = [c for _, c in sorted(zip(y_contract, x_contract, strict=True))]
    out_axes = [int(i) for i in np.argsort([*x_batch, *x_kept, *x_contract_sorted_by_y])]
    # With y as the first operand the result comes out as (batch, y's side, ct's side); take
    # that order when it needs no transpose (outer products, as in per-example gradients).
    flipped = [int(i) for i in np.argsort([*x_batch, *x_contract_sorted_by_y, *x_kept])]
    identity = list(range(x_ndim))
    if out_axes != identity and flipped == identity:
        res = lax.dot_general(y, ct, ((y_kept, ans_y), (y_batch, ans_batch)), precision)
    else:
        res = lax.dot_general(ct, y, ((ans_y, y_kept), (ans_batch, y_batch)), precision)
        if out_axes != identity:
            res = lax.transpose(res, out_axes)
    if aval_of(res).dtype != x_aval.dtype:
        res = lax.convert_element_type(res, x_aval.dtype)
    return res


def _dot_t(cts: Sequence[Any], x: Any, y: Any, *, dimension_numbers: Any, precision: Any,
           preferred_element_type: Any) -> Sequence[Any]:  # fmt: skip
    del preferred_element_type  # unused
    (ct,) = cts
    if is_undefined(x) and is_undefined(y):
        raise TypeError("transpose of dot_general: both operands are linear")
    if is_undefined(x):
        if isinstance(ct, Zero):
            return [Zero(x.aval), None]
        return [_dot_t_lhs(ct, x.aval, y, dimension_numbers, precision), None]
    if isinstance(ct, Zero):
        return [None, Zero(y.aval)]
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    swapped = ((y_contract, x_contract), (y_batch, x_batch))
    return [None, _dot_t_lhs(ct, y.aval, x, swapped, precision, swap=True)]


jvp_rules[la.dot_general_p] = _bilinear_jvp(la.dot_general_p)
transpose_rules[la.dot_general_p] = _dot_t

# --- gather / scatter ------------------------------------------------------------------------


def _gather_jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
    x, idx = primals
    (ans,) = ix.gather_p.bind(x, idx, **params)
    t = tangents[0]
    if isinstance(t, Zero):
        return [ans], [Zero(tangent_aval(aval_of(ans)))]
    p = dict(params)
    p["fill_value"] = 0
    return [ans], [ix.gather_p.bind(t, idx, **p)[0]]


def _gather_t(
    cts: Sequence[Any], x: Any, idx: Any, *, dimension_numbers: Any, slice_sizes: Any,
    mode: Any, fill_value: Any, indices_are_sorted: bool, unique_indices: bool,
) -> Sequence[Any]:  # fmt: skip
    (ct,) = cts
    if isinstance(ct, Zero):
        return [Zero(x.aval), None]
    dn = dimension_numbers
    sdn = ix.ScatterDimensionNumbers(
        update_window_dims=dn.offset_dims,
        inserted_window_dims=dn.collapsed_slice_dims,
        scatter_dims_to_operand_dims=dn.start_index_map,
        operand_batching_dims=dn.operand_batching_dims,
        scatter_indices_batching_dims=dn.start_indices_batching_dims,
    )
    out = ix.scatter_add_p.bind(
        _zeros(x), idx, ct, dimension_numbers=sdn, indices_are_sorted=indices_are_sorted,
        unique_indices=unique_indices, mode=mode,
    )[0]  # fmt: skip
    return [out, None]


jvp_rules[ix.gather_p] = _gather_jvp
transpose_rules[ix.gather_p] = _gather_t


def _scatter_to_gather(dn: Any, updates_shape: tuple[int, ...], operand_ndim: int) -> Any:
    gdn = ix.GatherDimensionNumbers(
        offset_dims=dn.update_window_dims,
        collapsed_slice_dims=dn.inserted_window_dims,
        start_index_map=dn.scatter_dims_to_operand_dims,
        operand_batching_dims=dn.operand_batching_dims,
        start_indices_batching_dims=dn.scatter_indices_batching_dims,
    )
    sizes = []
    pos = 0
    for d in range(operand_ndim):
        if d in dn.inserted_window_dims or d in dn.operand_batching_dims:
            sizes.append(1)
        else:
            sizes.append(updates_shape[dn.update_window_dims[pos]])
            pos += 1
    return gdn, tuple(sizes)


def _scatter_zero_cts(x: Any, u: Any) -> list[Any]:
    # The cotangents of (operand, indices, updates) for a zero output cotangent.
    return [
        Zero(_aval(x)) if is_undefined(x) else None,
        None,
        Zero(_aval(u)) if is_undefined(u) else None,
    ]


def _gather_update_ct(
    ct: Any, idx: Any, u_shape: tuple[int, ...], dimension_numbers: Any, mode: Any,
    indices_are_sorted: bool, unique_indices: bool,
) -> Any:  # fmt: skip
    # The updates' cotangent: the output cotangent read back at the windows they went to.
    gdn, sizes = _scatter_to_gather(dimension_numbers, u_shape, len(_shape(ct)))
    return ix.gather_p.bind(
        ct, idx, dimension_numbers=gdn, slice_sizes=sizes, mode=mode, fill_value=0,
        indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
    )[0]  # fmt: skip


def _scatter_add_t(
    cts: Sequence[Any], x: Any, idx: Any, u: Any, *, dimension_numbers: Any, mode: Any,
    indices_are_sorted: bool, unique_indices: bool,
) -> Sequence[Any]:  # fmt: skip
    (ct,) = cts
    if isinstance(ct, Zero):
        return _scatter_zero_cts(x, u)
    t_x = ct if is_undefined(x) else None
    t_u = None
    if is_undefined(u):
        t_u = _gather_update_ct(ct, idx, _aval(u).shape, dimension_numbers, mode,
                                indices_are_sorted, unique_indices)  # fmt: skip
    return [t_x, None, t_u]


def _scatter_add_jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
    x, idx, u = primals
    (ans,) = ix.scatter_add_p.bind(x, idx, u, **params)
    tx, _, tu = tangents
    if isinstance(tx, Zero) and isinstance(tu, Zero):
        return [ans], [Zero(tangent_aval(aval_of(ans)))]
    return [ans], [ix.scatter_add_p.bind(instantiate(tx), idx, instantiate(tu), **params)[0]]


jvp_rules[ix.scatter_add_p] = _scatter_add_jvp
transpose_rules[ix.scatter_add_p] = _scatter_add_t


def _scatter_jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
    x, idx, u = primals
    (ans,) = ix.scatter_p.bind(x, idx, u, **params)
    tx, _, tu = tangents
    if isinstance(tx, Zero) and isinstance(tu, Zero):
        return [ans], [Zero(tangent_aval(aval_of(ans)))]
    tx, tu = instantiate(tx), instantiate(tu)
    if params["unique_indices"]:
        return [ans], [ix.scatter_p.bind(tx, idx, tu, **params)[0]]
    # With duplicate indices only one update lands at a location. To find which, scatter a
    # distinct positive id per update (0 marks untouched operand elements) and gather the ids
    # back: an update's tangent counts where its id survived, and the operand's tangent where
    # no update landed. The tangent is then a scatter-add, whose transpose is exact.
    dn = params["dimension_numbers"]
    u_shape = aval_of(u).shape
    ids_shape = [1 if d in dn.update_window_dims else n for d, n in enumerate(u_shape)]
    n_ids = math.prod(ids_shape)
    id_dtype = np.dtype(np.int32) if n_ids < 2**31 - 1 else np.dtype(np.int64)
    ids = lax.add(lax.reshape(lax.iota(id_dtype, n_ids), ids_shape), np.ones((), id_dtype))
    ids = lax.broadcast_in_dim(ids, u_shape, tuple(range(len(u_shape))))
    x_shape = aval_of(x).shape
    zero_ids = lax.broadcast_in_dim(np.zeros((), id_dtype), x_shape, ())
    scattered = ix.scatter_p.bind(zero_ids, idx, ids, **params)[0]
    gdn, sizes = _scatter_to_gather(dn, u_shape, len(x_shape))
    landed = ix.gather_p.bind(
        scattered, idx, dimension_numbers=gdn, slice_sizes=sizes, mode=params["mode"],
        fill_value=0, indices_are_sorted=params["indices_are_sorted"],
        unique_indices=False,
    )[0]  # fmt: skip
    keep_x = lax.eq(scattered, np.zeros((), id_dtype))
    keep_u = lax.eq(ids, landed)
    tx = lax.select(keep_x, tx, _zeros(tx))
    tu = lax.select(keep_u, tu, _zeros(tu))
    return [ans], [ix.scatter_add_p.bind(tx, idx, tu, **params)[0]]


def _scatter_t(
    cts: Sequence[Any], x: Any, idx: Any, u: Any, *, dimension_numbers: Any, mode: Any,
    indices_are_sorted: bool, unique_indices: bool,
) -> Sequence[Any]:  # fmt: skip
    (ct,) = cts
    if isinstance(ct, Zero):
        return _scatter_zero_cts(x, u)
    t_x = None
    if is_undefined(x):
        t_x = ix.scatter_p.bind(
            ct, idx, _zeros(u), dimension_numbers=dimension_numbers, mode=mode,
            indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
        )[0]  # fmt: skip
    t_u = None
    if is_undefined(u):
        t_u = _gather_update_ct(ct, idx, _aval(u).shape, dimension_numbers, mode,
                                indices_are_sorted, unique_indices)  # fmt: skip
    return [t_x, None, t_u]


jvp_rules[ix.scatter_p] = _scatter_jvp
transpose_rules[ix.scatter_p] = _scatter_t


def _scatter_mul_jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
    x, idx, u = primals
    (ans,) = ix.scatter_mul_p.bind(x, idx, u, **params)
    tx, _, tu = tangents
    out: Any = Zero(tangent_aval(aval_of(ans)))
    if not isinstance(tx, Zero):
        out = add_tangents(out, ix.scatter_mul_p.bind(tx, idx, u, **params)[0])
    if not isinstance(tu, Zero):
        # d(x * prod u_k) = ans * sum(du_k / u_k) over the updates hitting each element.
        ratio = ix.scatter_add_p.bind(_zeros(x), idx, lax.div(tu, u), **params)[0]
        out = add_tangents(out, lax.mul(ans, ratio))
    return [ans], [out]


jvp_rules[ix.scatter_mul_p] = _scatter_mul_jvp


def _scatter_mul_t(cts: Sequence[Any], x: Any, idx: Any, u: Any, **params: Any) -> Sequence[Any]:
    (ct,) = cts
    if is_undefined(u):
        raise TypeError("transpose of scatter-mul: the updates cannot be linear")
    if isinstance(ct, Zero):
        return [Zero(x.aval), None, None]
    return [ix.scatter_mul_p.bind(ct, idx, u, **params)[0], None, None]


transpose_rules[ix.scatter_mul_p] = _scatter_mul_t


def _scatter_minmax_jvp(prim: Primitive) -> None:
    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
        x, idx, u = primals
        (ans,) = prim.bind(x, idx, u, **params)
        tx, _, tu = tangents
        out: Any = Zero(tangent_aval(aval_of(ans)))
        if not isinstance(tx, Zero):
            out = add_tangents(out, lax.select(lax.eq(ans, x), tx, _zeros(tx)))
        if not isinstance(tu, Zero):
            gdn, sizes = _scatter_to_gather(params["dimension_numbers"], _shape(u), len(_shape(x)))
            won = ix.gather_p.bind(
                ans, idx, dimension_numbers=gdn, slice_sizes=sizes, mode=params["mode"],
                fill_value=0, indices_are_sorted=False, unique_indices=False,
            )[0]  # fmt: skip
            masked = lax.select(lax.eq(won, u), tu, _zeros(tu))
            out = add_tangents(out, ix.scatter_add_p.bind(_zeros(x), idx, masked, **params)[0])
        return [ans], [out]

    jvp_rules[prim] = rule


_scatter_minmax_jvp(ix.scatter_min_p)
_scatter_minmax_jvp(ix.scatter_max_p)

# --- sort / top_k ----------------------------------------------------------------------------


def _sort_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, dimension: int,
              is_stable: bool, num_keys: int) -> Any:  # fmt: skip
    shape = _shape(primals[0])
    iota = lax.broadcasted_iota(np.int32, shape, dimension)
    *outs, perm = so.sort_p.bind(
        *primals, iota, dimension=dimension, is_stable=is_stable, num_keys=num_keys
    )
    touts = [
        Zero(tangent_aval(aval_of(o)))
        if isinstance(t, Zero)
        else take_along_axis(t, perm, dimension)
        for o, t in zip(outs, tangents, strict=True)
    ]
    return outs, touts


jvp_rules[so.sort_p] = _sort_jvp


def _top_k_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, k: int) -> Any:
    values, indices = so.top_k_p.bind(*primals, k=k)
    (t,) = tangents
    nd = aval_of(values).ndim
    if isinstance(t, Zero):
        return [values, indices], [
            Zero(tangent_aval(aval_of(values))),
            Zero(tangent_aval(aval_of(indices))),
        ]
    tv = take_along_axis(t, indices, nd - 1)
    return [values, indices], [tv, Zero(tangent_aval(aval_of(indices)))]


jvp_rules[so.top_k_p] = _top_k_jvp

# --- convolution -----------------------------------------------------------------------------


jvp_rules[cv.conv_general_dilated_p] = _bilinear_jvp(cv.conv_general_dilated_p)


# Both transposes are convolutions again. Write d(n) = (n - 1) * dilation + 1 for a dilated
# size. For the lhs, the output cotangent is convolved with the spatially reversed kernel
# (its in/out feature roles swapped): the forward strides become lhs dilation, the forward lhs
# dilation becomes the stride, and the padding puts each kernel tap back over the input
# element it read. For the rhs, the input is convolved with the cotangent as the kernel: the
# forward strides become the kernel dilation and the batch dimension is contracted, so feature
# groups turn into batch groups and vice versa.


def _dilated(sizes: Sequence[int], dilation: Sequence[int]) -> list[int]:
    return [0 if n == 0 else (n - 1) * d + 1 for n, d in zip(sizes, dilation, strict=True)]


def _swap_spec(spec: Sequence[int]) -> tuple[int, ...]:
    return (spec[1], spec[0], *spec[2:])


def _split_axis(x: Any, axis: int, groups: int) -> Any:
    shape = list(aval_of(x).shape)
    shape[axis : axis + 1] = [groups, shape[axis] // groups]
    return lax.reshape(x, shape)


def _merge_axis_into(x: Any, src: int, dst: int) -> Any:
    """Move axis `src` just before axis `dst` (numbered without `src`) and merge the two."""
    shape = list(aval_of(x).shape)
    perm = [i for i in range(len(shape)) if i != src]
    perm.insert(dst, src)
    size = shape.pop(src)
    shape[dst] *= size
    return lax.reshape(x, shape, perm)


def _conv_t_params(params: dict[str, Any]) -> tuple[Any, ...]:
    return (params["window_strides"], params["padding"], params["lhs_dilation"],
            params["rhs_dilation"], params["dimension_numbers"],
            params["feature_group_count"], params["batch_group_count"])  # fmt: skip


def _conv_transpose_lhs(ct: Any, lhs_aval: ShapedArray, rhs: Any, params: dict[str, Any]) -> Any:
    strides, padding, lhs_dil, rhs_dil, dn, fg, bg = _conv_t_params(params)
    lspec, rspec, ospec = dn
    rhs_shape = aval_of(rhs).shape
    in_sp = [lhs_aval.shape[d] for d in lspec[2:]]
    k_sp = [rhs_shape[d] for d in rspec[2:]]
    out_sp = [aval_of(ct).shape[d] for d in ospec[2:]]
    groups = fg
    if fg > 1 or bg > 1:
        # The group axis moves from the kernel's output features into its input features.
        rhs = _merge_axis_into(_split_axis(rhs, rspec[0], max(fg, bg)), rspec[0], rspec[1])
        groups = max(fg, bg)
    k_d, in_d, out_d = _dilated(k_sp, rhs_dil), _dilated(in_sp, lhs_dil), _dilated(out_sp, strides)
    before = [k - 1 - lo for k, (lo, _) in zip(k_d, padding, strict=True)]
    after = [i + k - 1 - o - b for i, k, o, b in zip(in_d, k_d, out_d, before, strict=True)]
    out = cv.conv_general_dilated_p.bind(
        ct, lax.rev(rhs, rspec[2:]), window_strides=tuple(lhs_dil),
        padding=tuple(zip(before, after, strict=True)), lhs_dilation=tuple(strides),
        rhs_dilation=tuple(rhs_dil),
        dimension_numbers=cv.ConvDimensionNumbers(ospec, _swap_spec(rspec), lspec),
        feature_group_count=groups, batch_group_count=1, precision=params["precision"],
        preferred_element_type=None,
    )[0]  # fmt: skip
    if bg > 1:
        # Batch groups: the groups come back as features; move them to the batch axis.
        out = _merge_axis_into(_split_axis(out, lspec[1], bg), lspec[1], lspec[0])
    return out


def _conv_transpose_rhs(ct: Any, lhs: Any, rhs_aval: ShapedArray, params: dict[str, Any]) -> Any:
    strides, padding, lhs_dil, rhs_dil, dn, fg, bg = _conv_t_params(params)
    lspec, rspec, ospec = dn
    lhs_shape = aval_of(lhs).shape
    in_sp = [lhs_shape[d] for d in lspec[2:]]
    k_sp = [rhs_aval.shape[d] for d in rspec[2:]]
    out_sp = [aval_of(ct).shape[d] for d in ospec[2:]]
    k_d, in_d, out_d = _dilated(k_sp, rhs_dil), _dilated(in_sp, lhs_dil), _dilated(out_sp, strides)
    lo = [p for p, _ in padding]
    hi = [o - i + k - lo_ - 1 for o, i, k, lo_ in zip(out_d, in_d, k_d, lo, strict=True)]
    return cv.conv_general_dilated_p.bind(
        lhs, ct, window_strides=tuple(rhs_dil), padding=tuple(zip(lo, hi, strict=True)),
        lhs_dilation=tuple(lhs_dil), rhs_dilation=tuple(strides),
        dimension_numbers=cv.ConvDimensionNumbers(
            _swap_spec(lspec), _swap_spec(ospec), _swap_spec(rspec)
        ),
        feature_group_count=bg, batch_group_count=fg, precision=params["precision"],
        preferred_element_type=None,
    )[0]  # fmt: skip


def _conv_t(cts: Sequence[Any], lhs: Any, rhs: Any, **params: Any) -> Sequence[Any]:
    (ct,) = cts
    if is_undefined(lhs) and is_undefined(rhs):
        raise TypeError("transpose of conv_general_dilated: it is linear in one operand only")
    undefined = lhs if is_undefined(lhs) else rhs
    if isinstance(ct, Zero):
        return [Zero(lhs.aval), None] if is_undefined(lhs) else [None, Zero(rhs.aval)]
    ct = lax.convert_element_type(ct, undefined.aval.dtype)
    if is_undefined(lhs):
        return [_conv_transpose_lhs(ct, lhs.aval, rhs, params), None]
    return [None, _conv_transpose_rhs(ct, lhs, rhs.aval, params)]


transpose_rules[cv.conv_general_dilated_p] = _conv_t
