"""Lowering rules beyond the elementwise, shape, reduction and dot families.

Special functions (through `chlo`), indexing, convolution, sorting, cumulative reductions,
random bits, control flow with regions, calls, host callbacks and pmap collectives.

Imported by `pullback_compile.lowering`, which owns the rule table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.jaxpr import ClosedJaxpr
from pullback_ir.primitives import (
    bits,
    callbacks as cb,
    collectives as coll,
    control as cf,
    conv,
    elementwise as ew,
    indexing as ix,
    reductions as red,
    shapes as sh,
    sorting,
)
from pullback_ir.primitives.callbacks import call_host

from pullback_compile.lowering import (
    LoweringContext,
    LoweringRule,
    _compare,
    _elementwise,
    _i64s,
    _max_init,
    _min_init,
    lowering_rules,
)

__all__: list[str] = []

Avals = Sequence[ShapedArray]


def _scalar(dtype: Any) -> ShapedArray:
    return ShapedArray((), np.dtype(dtype))


def _bool(shape: tuple[int, ...]) -> ShapedArray:
    return ShapedArray(shape, np.dtype(np.bool_))


def _binop(ctx: LoweringContext, op: str, a: str, b: str, aval: ShapedArray) -> str:
    return ctx.op(f"stablehlo.{op}", [a, b], [aval, aval], [aval])[0]


def _reducer(ctx: LoweringContext, op: str, s: ShapedArray) -> str:
    return ctx.region([s, s], lambda b: ([_binop(ctx, op, b[0], b[1], s)], [s]))


def _cmp(ctx: LoweringContext, direction: str, a: str, b: str, aval: ShapedArray) -> str:
    return _compare(direction)(ctx, [a, b], [aval, aval], [_bool(aval.shape)])[0]


def _select(ctx: LoweringContext, pred: str, a: str, b: str, aval: ShapedArray) -> str:
    return ctx.op("stablehlo.select", [pred, a, b], [_bool(aval.shape), aval, aval], [aval])[0]


def _convert(ctx: LoweringContext, x: str, a: ShapedArray, dtype: Any) -> str:
    if a.dtype == np.dtype(dtype):
        return x
    return ctx.op("stablehlo.convert", [x], [a], [ShapedArray(a.shape, dtype)])[0]


def _reshape(ctx: LoweringContext, x: str, a: ShapedArray, shape: tuple[int, ...]) -> str:
    if a.shape == shape:
        return x
    return ctx.op("stablehlo.reshape", [x], [a], [ShapedArray(shape, a.dtype)])[0]


# --- special functions -----------------------------------------------------------------------

_CHLO = {
    ew.asin_p: "asin", ew.acos_p: "acos", ew.atan_p: "atan", ew.sinh_p: "sinh",
    ew.cosh_p: "cosh", ew.asinh_p: "asinh", ew.acosh_p: "acosh", ew.atanh_p: "atanh",
    ew.erf_p: "erf", ew.erfc_p: "erfc", ew.erf_inv_p: "erf_inv", ew.lgamma_p: "lgamma",
    ew.digamma_p: "digamma", ew.nextafter_p: "next_after",
}  # fmt: skip
for _p, _name in _CHLO.items():
    lowering_rules[_p] = _elementwise(f"chlo.{_name}")


def _exp2(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals,
          **params: Any) -> list[str]:  # fmt: skip
    (x,), (a,) = args, in_avals
    return [_binop(ctx, "power", ctx.full(2, a), x, a)]


def _conj(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals,
          **params: Any) -> list[str]:  # fmt: skip
    (x,), (a,), (out,) = args, in_avals, out_avals
    if not dtypes.is_complex(a.dtype):
        return [_convert(ctx, x, a, out.dtype)]
    part = ShapedArray(a.shape, np.real(np.zeros((), a.dtype)).dtype)
    re = ctx.op("stablehlo.real", [x], [a], [part])[0]
    im = ctx.op("stablehlo.imag", [x], [a], [part])[0]
    neg = ctx.op("stablehlo.negate", [im], [part], [part])[0]
    return ctx.op("stablehlo.complex", [re, neg], [part, part], [out])


def _round(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
           rounding_method: Any) -> list[str]:  # fmt: skip
    op = "round_nearest_even" if int(getattr(rounding_method, "value", rounding_method)) == 1 \
        else "round_nearest_afz"  # fmt: skip
    return ctx.op(f"stablehlo.{op}", list(args), in_avals, out_avals)


def _bitcast(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals,
             **params: Any) -> list[str]:  # fmt: skip
    return ctx.op("stablehlo.bitcast_convert", list(args), in_avals, out_avals)


def _reduce_precision(ctx: LoweringContext, args: Sequence[str], in_avals: Avals,
                      out_avals: Avals, *, exponent_bits: int,
                      mantissa_bits: int) -> list[str]:  # fmt: skip
    return ctx.op("stablehlo.reduce_precision", list(args), in_avals, out_avals,
                  f"exponent_bits = {int(exponent_bits)} : i32, "
                  f"mantissa_bits = {int(mantissa_bits)} : i32")  # fmt: skip


lowering_rules[ew.exp2_p] = _exp2
lowering_rules[ew.conj_p] = _conj
lowering_rules[ew.round_p] = _round
lowering_rules[ew.bitcast_convert_type_p] = _bitcast
lowering_rules[bits.reduce_precision_p] = _reduce_precision

# --- threefry --------------------------------------------------------------------------------

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _threefry(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals,
              **params: Any) -> list[str]:  # fmt: skip
    aval = out_avals[0]
    k0, k1, x0, x1 = (ctx.broadcast(x, a, aval.shape) for x, a in zip(args, in_avals, strict=True))

    def const(v: int) -> str:
        return ctx.full(np.uint32(v), aval)

    def add(a: str, b: str) -> str:
        return _binop(ctx, "add", a, b, aval)

    k2 = _binop(ctx, "xor", _binop(ctx, "xor", k0, k1, aval), const(0x1BD11BDA), aval)
    ks = (k0, k1, k2)
    a, b = add(x0, k0), add(x1, k1)
    for block in range(5):
        for r in _ROTATIONS[block % 2]:
            a = add(a, b)
            left = _binop(ctx, "shift_left", b, const(r), aval)
            right = _binop(ctx, "shift_right_logical", b, const(32 - r), aval)
            rot = _binop(ctx, "or", left, right, aval)
            b = _binop(ctx, "xor", rot, a, aval)
        a = add(a, ks[(block + 1) % 3])
        b = add(add(b, ks[(block + 2) % 3]), const(block + 1))
    return [a, b]


lowering_rules[bits.threefry2x32_p] = _threefry

# --- dynamic slicing -------------------------------------------------------------------------


def _indices(ctx: LoweringContext, idx: Sequence[str], avals: Avals) -> tuple[list[str], Avals]:
    # StableHLO wants every start index of one integer type.
    dt = avals[0].dtype if avals else np.dtype(np.int32)
    out = [_convert(ctx, i, a, dt) for i, a in zip(idx, avals, strict=True)]
    return out, [_scalar(dt)] * len(out)


def _dynamic_slice(ctx: LoweringContext, args: Sequence[str], in_avals: Avals,
                   out_avals: Avals, *, slice_sizes: Any) -> list[str]:  # fmt: skip
    idx, iav = _indices(ctx, args[1:], in_avals[1:])
    return ctx.op("stablehlo.dynamic_slice", [args[0], *idx], [in_avals[0], *iav], out_avals,
                  f"slice_sizes = {_i64s(slice_sizes)}")  # fmt: skip


def _dynamic_update_slice(ctx: LoweringContext, args: Sequence[str], in_avals: Avals,
                          out_avals: Avals, **params: Any) -> list[str]:  # fmt: skip
    idx, iav = _indices(ctx, args[2:], in_avals[2:])
    return ctx.op("stablehlo.dynamic_update_slice", [args[0], args[1], *idx],
                  [in_avals[0], in_avals[1], *iav], out_avals)  # fmt: skip


lowering_rules[sh.dynamic_slice_p] = _dynamic_slice
lowering_rules[sh.dynamic_update_slice_p] = _dynamic_update_slice

# --- argmax / argmin and cumulative reductions -----------------------------------------------


def _arg_reduce(direction: str) -> LoweringRule:
    # Two plain reductions, which XLA vectorizes (a variadic (value, index) reduce runs as a
    # scalar loop: 70 us for a 64 x 64 argmax on CPU): the extreme value, then the smallest
    # index holding it. NaN counts as the extreme, the first one winning.
    def rule(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
             axes: Any, index_dtype: Any) -> list[str]:  # fmt: skip
        (x,), (a,), (out,) = args, in_avals, out_avals
        (axis,) = axes
        n = a.shape[axis]
        it = np.dtype(np.int32) if n < 2**31 else np.dtype(np.int64)
        if a.dtype == np.bool_:
            x, a = _convert(ctx, x, a, np.int8), ShapedArray(a.shape, np.dtype(np.int8))
        dims = f"dimensions = {_i64s([axis])}"
        sv, si = _scalar(a.dtype), _scalar(it)
        red_aval = ShapedArray(out.shape, a.dtype)
        floating = dtypes.is_inexact(a.dtype)
        if floating:
            nan = _cmp(ctx, "NE", x, x, a)
            fill = ctx.full(_max_init(a.dtype) if direction == "GT" else _min_init(a.dtype), a)
            x = _select(ctx, nan, fill, x, a)
        op, init = ("maximum", _max_init) if direction == "GT" else ("minimum", _min_init)
        extreme = ctx.op("stablehlo.reduce", [x, ctx.constant(init(a.dtype), sv)], [a, sv],
                         [red_aval], dims, [_reducer(ctx, op, sv)])[0]  # fmt: skip
        kept = f"broadcast_dimensions = {_i64s([d for d in range(len(a.shape)) if d != axis])}"
        spread = ctx.op("stablehlo.broadcast_in_dim", [extreme], [red_aval], [a], kept)[0]
        hit = _cmp(ctx, "EQ", x, spread, a)
        if floating:  # where a slice holds a NaN, its first NaN
            bool_aval = _bool(a.shape)
            has_nan = ctx.op("stablehlo.reduce", [nan, ctx.constant(False, _bool(()))],
                             [bool_aval, _bool(())], [_bool(out.shape)], dims,
                             [_reducer(ctx, "or", _bool(()))])[0]  # fmt: skip
            has_nan = ctx.op("stablehlo.broadcast_in_dim", [has_nan], [_bool(out.shape)],
                             [bool_aval], kept)[0]  # fmt: skip
            hit = _select(ctx, has_nan, nan, hit, bool_aval)
        iota_aval = ShapedArray(a.shape, it)
        iota = ctx.op("stablehlo.iota", [], [], [iota_aval], f"iota_dimension = {axis} : i64")[0]
        idx = _select(ctx, hit, iota, ctx.full(n, iota_aval), iota_aval)
        idx_out = ShapedArray(out.shape, it)
        first = ctx.op("stablehlo.reduce", [idx, ctx.constant(n, si)], [iota_aval, si],
                       [idx_out], dims, [_reducer(ctx, "minimum", si)])[0]  # fmt: skip
        return [_convert(ctx, first, idx_out, index_dtype)]

    return rule


lowering_rules[red.argmax_p] = _arg_reduce("GT")
lowering_rules[red.argmin_p] = _arg_reduce("LT")


def _logaddexp(ctx: LoweringContext, a: str, b: str, s: ShapedArray) -> str:
    m = _binop(ctx, "maximum", a, b, s)
    d = _binop(ctx, "subtract", a, b, s)
    neg_abs = ctx.op("stablehlo.negate", [ctx.op("stablehlo.abs", [d], [s], [s])[0]], [s], [s])[0]
    soft = ctx.op("stablehlo.log_plus_one", [ctx.op("stablehlo.exponential", [neg_abs], [s],
                                                    [s])[0]], [s], [s])[0]  # fmt: skip
    total = _binop(ctx, "add", m, soft, s)
    is_inf = _cmp(ctx, "EQ", m, ctx.constant(-np.inf, s), s)
    return _select(ctx, is_inf, m, total, s)


def _cumulative(combine: Callable[[LoweringContext, str, str, ShapedArray], str],
                init: Callable[[np.dtype[Any]], Any]) -> LoweringRule:  # fmt: skip
    def rule(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
             axis: int, reverse: bool) -> list[str]:  # fmt: skip
        (x,), (a,) = args, in_avals
        n = a.shape[axis]
        s = _scalar(a.dtype)
        start = ctx.constant(init(a.dtype), s)
        region = ctx.region([s, s], lambda b: ([combine(ctx, b[0], b[1], s)], [s]))
        window = [1] * len(a.shape)
        window[axis] = max(n, 1)
        pad = [[0, 0] for _ in a.shape]
        pad[axis] = [0, n - 1] if reverse else [n - 1, 0]
        pad_text = f"dense<{pad}> : tensor<{len(a.shape)}x2xi64>" if a.shape else "dense<>"
        return ctx.op("stablehlo.reduce_window", [x, start], [a, s], out_avals,
                      f"window_dimensions = {_i64s(window)}, padding = {pad_text}",
                      [region])  # fmt: skip

    return rule


lowering_rules[red.cumsum_p] = _cumulative(
    lambda c, a, b, s: _binop(c, "add", a, b, s), lambda d: 0
)
lowering_rules[red.cumprod_p] = _cumulative(
    lambda c, a, b, s: _binop(c, "multiply", a, b, s), lambda d: 1
)
lowering_rules[red.cummax_p] = _cumulative(
    lambda c, a, b, s: _binop(c, "maximum", a, b, s), _max_init
)
lowering_rules[red.cummin_p] = _cumulative(
    lambda c, a, b, s: _binop(c, "minimum", a, b, s), _min_init
)
lowering_rules[red.cumlogsumexp_p] = _cumulative(_logaddexp, lambda d: -np.inf)

# --- gather and scatter ----------------------------------------------------------------------


def _dims(name: str, values: Sequence[int]) -> str:
    return f"{name} = [{', '.join(str(int(v)) for v in values)}]"


def _clamp_indices(ctx: LoweringContext, idx: str, iav: ShapedArray, operand_shape: Sequence[int],
                   window: Sequence[int], index_map: Sequence[int]) -> str:  # fmt: skip
    # Clamp each start index so that the window lies in bounds (the index vector is last).
    hi = np.array([operand_shape[d] - window[d] for d in index_map], dtype=iav.dtype)
    hi = np.maximum(hi, 0)
    upper = ctx.broadcast(ctx.constant(hi, ShapedArray(hi.shape, iav.dtype)),
                          ShapedArray(hi.shape, iav.dtype), iav.shape)  # fmt: skip
    zero = ctx.full(0, iav)
    return ctx.op("stablehlo.clamp", [zero, idx, upper], [iav, iav, iav], [iav])[0]


def _in_bounds(ctx: LoweringContext, idx: str, iav: ShapedArray, operand_shape: Sequence[int],
               window: Sequence[int],
               index_map: Sequence[int]) -> tuple[str, ShapedArray]:  # fmt: skip
    # One flag per index vector: every start index in [0, dim - window].
    hi = np.array([operand_shape[d] - window[d] for d in index_map], dtype=np.int64)
    hi_c = ctx.broadcast(ctx.constant(hi.astype(iav.dtype), ShapedArray(hi.shape, iav.dtype)),
                         ShapedArray(hi.shape, iav.dtype), iav.shape)  # fmt: skip
    ok = _binop(ctx, "and", _cmp(ctx, "GE", idx, ctx.full(0, iav), iav),
                _cmp(ctx, "LE", idx, hi_c, iav), _bool(iav.shape))  # fmt: skip
    flags = ShapedArray(iav.shape[:-1], np.dtype(np.bool_))
    red_ = ctx.region([_scalar(np.bool_)] * 2,
                      lambda b: (ctx.op("stablehlo.and", b, [_scalar(np.bool_)] * 2,
                                        [_scalar(np.bool_)]), [_scalar(np.bool_)]))  # fmt: skip
    init = ctx.constant(True, _scalar(np.bool_))
    out = ctx.op("stablehlo.reduce", [ok, init], [_bool(iav.shape), _scalar(np.bool_)], [flags],
                 f"dimensions = {_i64s([len(iav.shape) - 1])}", [red_])[0]  # fmt: skip
    return out, flags


def _gather(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
            dimension_numbers: Any, slice_sizes: Any, mode: Any, fill_value: Any,
            **params: Any) -> list[str]:  # fmt: skip
    (operand, idx), (oav, iav), (out,) = args, in_avals, out_avals
    dn = dimension_numbers
    ivd = len(iav.shape) - 1
    attrs = (
        "dimension_numbers = #stablehlo.gather<"
        + ", ".join([
            _dims("offset_dims", dn.offset_dims),
            _dims("collapsed_slice_dims", dn.collapsed_slice_dims),
            _dims("operand_batching_dims", dn.operand_batching_dims),
            _dims("start_indices_batching_dims", dn.start_indices_batching_dims),
            _dims("start_index_map", dn.start_index_map), f"index_vector_dim = {ivd}",
        ])
        + f">, slice_sizes = {_i64s(slice_sizes)}, indices_are_sorted = false"
    )  # fmt: skip
    fill = mode is ix.GatherScatterMode.FILL_OR_DROP
    if fill:
        flags, fav = _in_bounds(ctx, idx, iav, oav.shape, slice_sizes, dn.start_index_map)
    result = ctx.op("stablehlo.gather", [operand, idx], [oav, iav], [out], attrs)[0]
    if not fill:
        return [result]
    # Batch dims of the output are the positions not in offset_dims, in order.
    batch_pos = [d for d in range(len(out.shape)) if d not in dn.offset_dims]
    mask = ctx.op("stablehlo.broadcast_in_dim", [flags], [fav], [_bool(out.shape)],
                  f"broadcast_dimensions = {_i64s(batch_pos)}")[0]  # fmt: skip
    value = ix._default_fill(oav.dtype) if fill_value is None else fill_value
    return [_select(ctx, mask, result, ctx.full(value, out), out)]


lowering_rules[ix.gather_p] = _gather


def _scatter(combine: str | None) -> LoweringRule:
    def rule(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
             dimension_numbers: Any, mode: Any, **params: Any) -> list[str]:  # fmt: skip
        (operand, idx, upd), (oav, iav, uav) = args, in_avals
        dn = dimension_numbers
        ivd = len(iav.shape) - 1
        if mode is ix.GatherScatterMode.CLIP:
            window = []
            wit = iter(uav.shape[d] for d in dn.update_window_dims)
            for d in range(len(oav.shape)):
                inserted = d in dn.inserted_window_dims or d in dn.operand_batching_dims
                window.append(1 if inserted else next(wit))
            idx = _clamp_indices(ctx, idx, iav, oav.shape, window, dn.scatter_dims_to_operand_dims)
        s = _scalar(oav.dtype)
        if combine is None:
            region = ctx.region([s, s], lambda b: ([b[1]], [s]))
        else:
            region = _reducer(ctx, combine, s)
        attrs = (
            "scatter_dimension_numbers = #stablehlo.scatter<"
            + ", ".join([
                _dims("update_window_dims", dn.update_window_dims),
                _dims("inserted_window_dims", dn.inserted_window_dims),
                _dims("input_batching_dims", dn.operand_batching_dims),
                _dims("scatter_indices_batching_dims", dn.scatter_indices_batching_dims),
                _dims("scatter_dims_to_operand_dims", dn.scatter_dims_to_operand_dims),
                f"index_vector_dim = {ivd}",
            ])
            + ">, indices_are_sorted = false, unique_indices = false"
        )  # fmt: skip
        return ctx.op("stablehlo.scatter", [operand, idx, upd], [oav, iav, uav], out_avals,
                      attrs, [region])  # fmt: skip

    return rule


lowering_rules[ix.scatter_p] = _scatter(None)
lowering_rules[ix.scatter_add_p] = _scatter("add")
lowering_rules[ix.scatter_mul_p] = _scatter("multiply")
lowering_rules[ix.scatter_min_p] = _scatter("minimum")
lowering_rules[ix.scatter_max_p] = _scatter("maximum")

# --- convolution -----------------------------------------------------------------------------


def _conv(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
          window_strides: Any, padding: Any, lhs_dilation: Any, rhs_dilation: Any,
          dimension_numbers: Any, feature_group_count: int, batch_group_count: int,
          precision: Any, preferred_element_type: Any) -> list[str]:  # fmt: skip
    del precision, preferred_element_type  # the output aval has the result type
    dn = dimension_numbers
    lhs, rhs, out = dn.lhs_spec, dn.rhs_spec, dn.out_spec
    nsp = len(lhs) - 2
    pad = [[int(lo), int(hi)] for lo, hi in padding]
    pad_text = f"dense<{pad}> : tensor<{nsp}x2xi64>" if nsp else "dense<> : tensor<0x2xi64>"
    dims = (
        "#stablehlo.conv<raw "
        f"input_batch_dimension = {lhs[0]}, input_feature_dimension = {lhs[1]}, "
        f"input_spatial_dimensions = [{', '.join(map(str, lhs[2:]))}], "
        f"kernel_input_feature_dimension = {rhs[1]}, kernel_output_feature_dimension = {rhs[0]}, "
        f"kernel_spatial_dimensions = [{', '.join(map(str, rhs[2:]))}], "
        f"output_batch_dimension = {out[0]}, output_feature_dimension = {out[1]}, "
        f"output_spatial_dimensions = [{', '.join(map(str, out[2:]))}]>"
    )
    attrs = (
        f"dimension_numbers = {dims}, window_strides = {_i64s(window_strides)}, "
        f"padding = {pad_text}, lhs_dilation = {_i64s(lhs_dilation)}, "
        f"rhs_dilation = {_i64s(rhs_dilation)}, feature_group_count = {int(feature_group_count)} "
        f": i64, batch_group_count = {int(batch_group_count)} : i64"
    )
    (o,) = out_avals
    x, w = args
    xa, wa = in_avals
    if xa.dtype != o.dtype:  # an integer conv into a wider preferred type
        x, xa = _convert(ctx, x, xa, o.dtype), ShapedArray(xa.shape, o.dtype)
        w, wa = _convert(ctx, w, wa, o.dtype), ShapedArray(wa.shape, o.dtype)
    return ctx.op("stablehlo.convolution", [x, w], [xa, wa], out_avals, attrs)


lowering_rules[conv.conv_general_dilated_p] = _conv

# --- sorting ---------------------------------------------------------------------------------


def _sort_kind(dt: np.dtype[Any]) -> str:
    if dtypes.is_inexact(dt):
        return "TOTALORDER"
    return "SIGNED" if dtypes.is_signed(dt) and dt != np.bool_ else "UNSIGNED"


def _lt(ctx: LoweringContext, a: str, b: str, s: ShapedArray) -> str:
    attrs = ("comparison_direction = #stablehlo<comparison_direction LT>, "
             f"compare_type = #stablehlo<comparison_type {_sort_kind(s.dtype)}>")  # fmt: skip
    return ctx.op("stablehlo.compare", [a, b], [s, s], [_bool(())], attrs)[0]


def _sort(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
          dimension: int, is_stable: bool, num_keys: int) -> list[str]:  # fmt: skip
    scalars = [_scalar(a.dtype) for a in in_avals]

    def body(b: list[str]) -> tuple[list[str], Avals]:
        pairs = [(b[2 * i], b[2 * i + 1], scalars[i]) for i in range(num_keys)]
        result: str | None = None
        for x, y, s in reversed(pairs):  # lexicographic over the keys
            less = _lt(ctx, x, y, s)
            if result is None:
                result = less
            else:
                eq = _binop(ctx, "and", ctx.op("stablehlo.not", [_lt(ctx, y, x, s)], [_bool(())],
                                               [_bool(())])[0],
                            ctx.op("stablehlo.not", [less], [_bool(())], [_bool(())])[0],
                            _bool(()))  # fmt: skip
                result = _binop(ctx, "or", less, _binop(ctx, "and", eq, result, _bool(())),
                                _bool(()))  # fmt: skip
        assert result is not None
        return [result], [_bool(())]

    block_avals = [s for s in scalars for _ in range(2)]
    region = ctx.region(block_avals, body)
    return ctx.op("stablehlo.sort", list(args), in_avals, out_avals,
                  f"dimension = {int(dimension)} : i64, is_stable = {str(bool(is_stable)).lower()}",
                  [region])  # fmt: skip


def _top_k(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
           k: int) -> list[str]:  # fmt: skip
    return ctx.op("chlo.top_k", list(args), in_avals, out_avals, f"k = {int(k)} : i64")


lowering_rules[sorting.sort_p] = _sort
lowering_rules[sorting.top_k_p] = _top_k

# --- calls and control flow ------------------------------------------------------------------


def _inline(param: str) -> LoweringRule:
    def rule(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals,
             **params: Any) -> list[str]:  # fmt: skip
        return ctx.jaxpr(params[param], args)

    return rule


def _named_call(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
                call_jaxpr: ClosedJaxpr, name: str) -> list[str]:  # fmt: skip
    saved = ctx.scope
    ctx.scope = (*saved, str(name))
    try:
        return _with_scope(ctx, call_jaxpr, args)
    finally:
        ctx.scope = saved


def _with_scope(ctx: LoweringContext, closed: ClosedJaxpr, args: Sequence[str]) -> list[str]:
    return ctx.jaxpr(closed, args)


lowering_rules[cf.closed_call_p] = _inline("call_jaxpr")
lowering_rules[cf.named_call_p] = _named_call
lowering_rules[cf.pjit_p] = _named_call
lowering_rules[cf.checkpoint_p] = _inline("jaxpr")
lowering_rules[cf.custom_jvp_call_p] = _inline("call_jaxpr")
lowering_rules[cf.custom_vjp_call_p] = _inline("call_jaxpr")
lowering_rules[cf.name_p] = lambda ctx, args, i, o, **p: [args[0]]


def _cond(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
          branches: tuple[ClosedJaxpr, ...]) -> list[str]:  # fmt: skip
    index, *ops = args
    ia = in_avals[0]
    n = len(branches)
    # cond clamps its index; stablehlo.case would run the last branch for any out-of-range one.
    idx = ctx.op("stablehlo.clamp", [ctx.constant(0, ia), index, ctx.constant(n - 1, ia)],
                 [ia, ia, ia], [ia])[0]  # fmt: skip
    strong = [ShapedArray(a.shape, a.dtype) for a in out_avals]

    def branch(br: ClosedJaxpr) -> str:
        return ctx.region([], lambda _b: (ctx.jaxpr(br, ops), strong))

    regions = [branch(br) for br in branches]
    return ctx.op("stablehlo.case", [idx], [ia], strong, regions=regions)


def _while(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
           cond_jaxpr: ClosedJaxpr, body_jaxpr: ClosedJaxpr, cond_nconsts: int,
           body_nconsts: int) -> list[str]:  # fmt: skip
    # The loop-invariant constants ride in the carry: while regions see only their arguments.
    avals = [ShapedArray(a.shape, a.dtype) for a in in_avals]
    nc, nb = cond_nconsts, body_nconsts

    def cond_body(b: list[str]) -> tuple[list[str], Avals]:
        return ctx.jaxpr(cond_jaxpr, [*b[:nc], *b[nc + nb :]]), [_bool(())]

    def body_body(b: list[str]) -> tuple[list[str], Avals]:
        new = ctx.jaxpr(body_jaxpr, b[nc:])
        return [*b[: nc + nb], *new], avals

    regions = [ctx.region(avals, cond_body), ctx.region(avals, body_body)]
    outs = ctx.op("stablehlo.while", list(args), avals, avals, regions=regions)
    return outs[nc + nb :]


def _scan(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
          jaxpr: ClosedJaxpr, length: int, reverse: bool, num_consts: int, num_carry: int,
          **params: Any) -> list[str]:  # fmt: skip
    # A while loop over a counter; xs are read and ys written with dynamic slices.
    i32 = _scalar(np.int32)
    nc, nk = num_consts, num_carry
    in_strong = [ShapedArray(a.shape, a.dtype) for a in in_avals]
    ys_avals = [ShapedArray(a.shape, a.dtype) for a in out_avals[nk:]]
    ys_init = [ctx.full(0, a) for a in ys_avals]
    loop_avals = [i32, *in_strong, *ys_avals]
    n_in = len(in_avals)

    def cond_body(b: list[str]) -> tuple[list[str], Avals]:
        return [_cmp(ctx, "LT", b[0], ctx.constant(length, i32), i32)], [_bool(())]

    def body_body(b: list[str]) -> tuple[list[str], Avals]:
        i = b[0]
        vals = b[1 : 1 + n_in]
        ys = b[1 + n_in :]
        t = _binop(ctx, "subtract", ctx.constant(length - 1, i32), i, i32) if reverse else i
        zero = ctx.constant(0, i32)
        x_slices = []
        for x, a in zip(vals[nc + nk :], in_strong[nc + nk :], strict=True):
            piece = ShapedArray((1, *a.shape[1:]), a.dtype)
            sl = ctx.op("stablehlo.dynamic_slice", [x, t, *[zero] * (len(a.shape) - 1)],
                        [a, *[i32] * len(a.shape)], [piece],
                        f"slice_sizes = {_i64s(piece.shape)}")[0]  # fmt: skip
            x_slices.append(_reshape(ctx, sl, piece, a.shape[1:]))
        outs = ctx.jaxpr(jaxpr, [*vals[:nc], *vals[nc : nc + nk], *x_slices])
        new_ys = []
        for acc, y, a in zip(ys, outs[nk:], ys_avals, strict=True):
            piece = ShapedArray((1, *a.shape[1:]), a.dtype)
            y1 = _reshape(ctx, y, ShapedArray(a.shape[1:], a.dtype), piece.shape)
            new_ys.append(ctx.op("stablehlo.dynamic_update_slice",
                                 [acc, y1, t, *[zero] * (len(a.shape) - 1)],
                                 [a, piece, *[i32] * len(a.shape)], [a])[0])  # fmt: skip
        nxt = _binop(ctx, "add", i, ctx.constant(1, i32), i32)
        return [nxt, *vals[:nc], *outs[:nk], *vals[nc + nk :], *new_ys], loop_avals

    regions = [ctx.region(loop_avals, cond_body), ctx.region(loop_avals, body_body)]
    res = ctx.op("stablehlo.while", [ctx.constant(0, i32), *args, *ys_init], loop_avals,
                 loop_avals, regions=regions)  # fmt: skip
    return [*res[1 + nc : 1 + nc + nk], *res[1 + n_in :]]


lowering_rules[cf.cond_p] = _cond
lowering_rules[cf.while_p] = _while
lowering_rules[cf.scan_p] = _scan

# --- host callbacks --------------------------------------------------------------------------


def _layouts(avals: Avals) -> str:
    def one(a: ShapedArray) -> str:
        n = len(a.shape)
        if n == 0:
            return "dense<> : tensor<0xindex>"
        return f"dense<[{', '.join(str(d) for d in range(n - 1, -1, -1))}]> : tensor<{n}xindex>"

    return "[" + ", ".join(one(a) for a in avals) + "]"


def _host_function(callback: Callable[..., Any], result_avals: Avals,
                   what: str) -> Callable[..., Any]:  # fmt: skip
    # XLA hands the callback read-only host arrays and trusts the results' bytes: check them
    # as the reference implementation does.
    def run(*arrays: Any) -> tuple[Any, ...]:
        checked = call_host(what, callback, tuple(result_avals), arrays)
        return tuple(np.asarray(x, order="C") for x in checked)  # (0-d stays 0-d)

    return run


def _callback(kind: str, effectful: bool) -> LoweringRule:
    def rule(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
             callback: Callable[..., Any], result_avals: Any,
             **params: Any) -> list[str]:  # fmt: skip
        index = len(ctx.callbacks)
        ctx.callbacks.append(_host_function(callback, list(result_avals), kind))
        ctx.side_effects |= effectful
        strong_in = [ShapedArray(a.shape, a.dtype) for a in in_avals]
        strong_out = [ShapedArray(a.shape, a.dtype) for a in out_avals]
        attrs = (
            f'backend_config = "", call_target_name = "xla_ffi_python_cpu_callback", '
            f"has_side_effect = {'true' if effectful else 'false'}, "
            f"operand_layouts = {_layouts(strong_in)}, result_layouts = {_layouts(strong_out)}, "
            f"mhlo.backend_config = {{index = {index} : ui64}}"
        )
        return ctx.op("stablehlo.custom_call", list(args), strong_in, strong_out, attrs)

    return rule


lowering_rules[cb.pure_callback_p] = _callback("pure_callback", False)
lowering_rules[cb.io_callback_p] = _callback("io_callback", True)


def _check_lowering(ctx: LoweringContext, args: Sequence[str], in_avals: Avals,
                    out_avals: Avals, **params: Any) -> list[str]:  # fmt: skip
    del ctx, args, in_avals, out_avals, params  # unused
    raise ValueError(
        "Cannot abstractly evaluate a checkify.check which was not functionalized: a `check` "
        "was staged (under jit, scan, cond, pmap, ...) outside `checkify`. Wrap the function "
        "in checkify.checkify(...) and call .throw() on the error it returns."
    )


lowering_rules[cb.check_p] = _check_lowering

# --- collectives over pmap axes --------------------------------------------------------------


def _groups(ctx: LoweringContext, axes: Sequence[Any], what: str) -> np.ndarray[Any, Any]:
    """Replica groups for `axes`: replicas that differ only in those axes' coordinates."""
    names = [n for n, _ in ctx.axis_env]
    sizes = [s for _, s in ctx.axis_env]
    for a in axes:
        if a not in names:
            raise NameError(
                f"{what}: unbound axis name {a!r}; the pmap axes of this program are {names}"
            )
    ids = np.arange(math.prod(sizes), dtype=np.int64).reshape(sizes)
    reduced = [names.index(a) for a in axes]
    kept = [i for i in range(len(names)) if i not in reduced]
    moved = np.transpose(ids, kept + reduced)
    return moved.reshape(-1, math.prod(sizes[i] for i in reduced))


def _groups_attr(groups: np.ndarray[Any, Any]) -> str:
    return (f"replica_groups = dense<{groups.tolist()}> : "
            f"tensor<{groups.shape[0]}x{groups.shape[1]}xi64>")  # fmt: skip


def _all_reduce(op: str) -> LoweringRule:
    def rule(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
             axes: Any, axis_index_groups: Any) -> list[str]:  # fmt: skip
        if axis_index_groups is not None:
            raise NotImplementedError("pmap: axis_index_groups is not supported in lowering")
        names = tuple(axes) if isinstance(axes, (tuple, list)) else (axes,)
        groups = _groups(ctx, names, op)
        outs = []
        for x, a in zip(args, in_avals, strict=True):
            s = _scalar(a.dtype)
            region = _reducer(ctx, "or" if a.dtype == np.bool_ and op == "add" else op, s)
            strong = ShapedArray(a.shape, a.dtype)
            outs.append(ctx.op("stablehlo.all_reduce", [x], [strong], [strong],
                               _groups_attr(groups), [region])[0])  # fmt: skip
        return outs

    return rule


lowering_rules[coll.psum_p] = _all_reduce("add")
lowering_rules[coll.pmax_p] = _all_reduce("maximum")
lowering_rules[coll.pmin_p] = _all_reduce("minimum")


def _axis_index(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
                axis_name: Any) -> list[str]:  # fmt: skip
    names = [n for n, _ in ctx.axis_env]
    if axis_name not in names:
        raise NameError(f"axis_index: unbound axis name {axis_name!r}; pmap axes: {names}")
    k = names.index(axis_name)
    inner = math.prod(s for _, s in ctx.axis_env[k + 1 :])
    size = ctx.axis_env[k][1]
    u32, i32 = _scalar(np.uint32), _scalar(np.int32)
    rid = ctx.op("stablehlo.replica_id", [], [], [u32])[0]
    r = _convert(ctx, rid, u32, np.int32)
    if inner > 1:
        r = _binop(ctx, "divide", r, ctx.constant(inner, i32), i32)
    if k > 0:
        r = _binop(ctx, "remainder", r, ctx.constant(size, i32), i32)
    return [_convert(ctx, r, i32, out_avals[0].dtype)]


def _single_axis(ctx: LoweringContext, axis_name: Any, what: str) -> np.ndarray[Any, Any]:
    names = axis_name if isinstance(axis_name, (tuple, list)) else (axis_name,)
    return _groups(ctx, tuple(names), what)


def _all_gather(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
                axis_name: Any, all_gather_dimension: int, axis_size: int,
                axis_index_groups: Any, tiled: bool) -> list[str]:  # fmt: skip
    (x,), (a,), (out,) = args, in_avals, out_avals
    groups = _single_axis(ctx, axis_name, "all_gather")
    d = int(all_gather_dimension)
    if not tiled:  # gather into a new axis: give the operand a unit axis there first
        shape = (*a.shape[:d], 1, *a.shape[d:])
        x, a = _reshape(ctx, x, a, shape), ShapedArray(shape, a.dtype)
    return ctx.op("stablehlo.all_gather", [x], [a], [ShapedArray(out.shape, out.dtype)],
                  f"all_gather_dim = {d} : i64, {_groups_attr(groups)}")  # fmt: skip


def _all_to_all(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
                axis_name: Any, split_axis: int, concat_axis: int, axis_size: int,
                axis_index_groups: Any) -> list[str]:  # fmt: skip
    groups = _single_axis(ctx, axis_name, "all_to_all")
    strong = [ShapedArray(a.shape, a.dtype) for a in in_avals]
    return ctx.op("stablehlo.all_to_all", list(args), strong,
                  [ShapedArray(o.shape, o.dtype) for o in out_avals],
                  f"split_dimension = {int(split_axis)} : i64, concat_dimension = "
                  f"{int(concat_axis)} : i64, split_count = {int(axis_size)} : i64, "
                  f"{_groups_attr(groups)}")  # fmt: skip


def _ppermute(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
              axis_name: Any, perm: Any) -> list[str]:  # fmt: skip
    groups = _single_axis(ctx, axis_name, "ppermute")
    pairs = [[int(g[s]), int(g[t])] for g in groups for s, t in perm]
    text = (f"source_target_pairs = dense<{pairs}> : tensor<{len(pairs)}x2xi64>"
            if pairs else "source_target_pairs = dense<> : tensor<0x2xi64>")  # fmt: skip
    strong = [ShapedArray(a.shape, a.dtype) for a in in_avals]
    return ctx.op("stablehlo.collective_permute", list(args), strong, strong, text)


def _reduce_scatter(ctx: LoweringContext, args: Sequence[str], in_avals: Avals,
                    out_avals: Avals, *, axis_name: Any, scatter_dimension: int, axis_size: int,
                    axis_index_groups: Any, tiled: bool) -> list[str]:  # fmt: skip
    (x,), (a,), (out,) = args, in_avals, out_avals
    groups = _single_axis(ctx, axis_name, "psum_scatter")
    d = int(scatter_dimension)
    shape = list(a.shape)
    shape[d] //= int(axis_size)
    scattered = ShapedArray(tuple(shape), a.dtype)
    s = _scalar(a.dtype)
    region = _reducer(ctx, "add", s)
    r = ctx.op("stablehlo.reduce_scatter", [x], [ShapedArray(a.shape, a.dtype)], [scattered],
               f"scatter_dimension = {d} : i64, {_groups_attr(groups)}", [region])[0]  # fmt: skip
    return [_reshape(ctx, r, scattered, out.shape)]


lowering_rules[coll.axis_index_p] = _axis_index
lowering_rules[coll.all_gather_p] = _all_gather
lowering_rules[coll.all_to_all_p] = _all_to_all
lowering_rules[coll.ppermute_p] = _ppermute
lowering_rules[coll.psum_scatter_p] = _reduce_scatter
