"""Lowerings of the factorization primitives to LAPACK kernels (XLA FFI custom calls).

cholesky -> potrf, triangular_solve -> trsm, lu -> getrf, qr -> geqrf + orgqr/ungqr,
eigh -> syevd/heevd, svd -> gesdd.

jaxlib ships LAPACK kernels as typed-FFI custom-call targets (`lapack_spotrf_ffi`, ...): they
take column-major matrices, map over leading batch axes, and report failure in an `info`
output, which the lowering turns into NaNs. `_jaxlib` registers the targets before a module
that calls them is compiled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes, lax_linalg
from pullback_ir.avals import ShapedArray, ShapeDtypeStruct
from pullback_ir.primitives import factorizations as fz, fft as fft_mod
from pullback_ir.staging import make_jaxpr

from pullback_compile.lowering import LoweringContext, _pad, _slice, lowering_rules
from pullback_compile.lowering_ops import _bool, _cmp, _conj, _select

Avals = Sequence[ShapedArray]

_PREFIX = {np.dtype(np.float32): "s", np.dtype(np.float64): "d", np.dtype(np.complex64): "c",
           np.dtype(np.complex128): "z"}  # fmt: skip


def _layout(aval: ShapedArray, matrix: bool) -> str:
    n = len(aval.shape)
    if n == 0:
        return "dense<> : tensor<0xindex>"
    # Column-major matrices: the row axis varies fastest, then columns, then the batch axes.
    dims = (n - 2, n - 1, *range(n - 3, -1, -1)) if matrix else tuple(range(n - 1, -1, -1))
    return f"dense<[{', '.join(map(str, dims))}]> : tensor<{n}xindex>"


def _char(c: str) -> str:
    return f"{ord(c)} : ui8"


def _lapack(ctx: LoweringContext, name: str, dtype: Any, args: Sequence[str], in_avals: Avals,
            out_avals: Avals, alias: tuple[int, int],
            config: dict[str, str]) -> list[str]:  # fmt: skip
    """One LAPACK custom call; matrices (the operands' top rank) are column-major."""
    target = f"lapack_{_PREFIX[np.dtype(dtype)]}{name}_ffi"
    rank = max(len(a.shape) for a in in_avals)
    ins = ", ".join(_layout(a, len(a.shape) == rank) for a in in_avals)
    outs = ", ".join(_layout(a, len(a.shape) == rank) for a in out_avals)
    backend = ", ".join(f"{k} = {v}" for k, v in config.items())
    out_index, operand_index = alias
    tuple_index = "" if len(out_avals) == 1 else str(out_index)  # a lone result is no tuple
    attrs = (
        f'api_version = 4 : i32, call_target_name = "{target}", backend_config = {{{backend}}}, '
        f"operand_layouts = [{ins}], result_layouts = [{outs}], "
        f"output_operand_aliases = [#stablehlo.output_operand_alias<output_tuple_indices = "
        f"[{tuple_index}], operand_index = {operand_index}, operand_tuple_indices = []>]"
    )
    return ctx.op("stablehlo.custom_call", list(args), list(in_avals), list(out_avals), attrs)


def _info_ok(ctx: LoweringContext, info: str, info_aval: ShapedArray,
             direction: str) -> tuple[str, ShapedArray]:  # fmt: skip
    """Whether each matrix's LAPACK `info` compares to 0 by `direction`: (flags, their aval)."""
    return _cmp(ctx, direction, info, ctx.full(0, info_aval), info_aval), _bool(info_aval.shape)


def _nan_unless(ctx: LoweringContext, ok: str, ok_aval: ShapedArray, x: str,
                aval: ShapedArray) -> str:  # fmt: skip
    """`x` where `ok` (one flag per batch matrix), NaN elsewhere."""
    pred_aval = _bool(aval.shape)
    dims = ", ".join(map(str, range(len(ok_aval.shape))))
    pred = ctx.op("stablehlo.broadcast_in_dim", [ok], [ok_aval], [pred_aval],
                  f"broadcast_dimensions = array<i64{': ' + dims if dims else ''}>")[0]  # fmt: skip
    return _select(ctx, pred, x, ctx.full(np.nan, aval), aval)


def _triangle(ctx: LoweringContext, x: str, aval: ShapedArray, lower: bool) -> str:
    """`x` with the entries off its lower (or upper) triangle, diagonal included, zeroed."""
    n = len(aval.shape)
    i32 = ShapedArray(aval.shape, np.dtype(np.int32))
    rows = ctx.op("stablehlo.iota", [], [], [i32], f"iota_dimension = {n - 2} : i64")[0]
    cols = ctx.op("stablehlo.iota", [], [], [i32], f"iota_dimension = {n - 1} : i64")[0]
    mask = _cmp(ctx, "GE" if lower else "LE", rows, cols, i32)
    return _select(ctx, mask, x, ctx.full(0, aval), aval)


def _leading(ctx: LoweringContext, x: str, aval: ShapedArray, out: ShapedArray) -> str:
    """The leading block of `x` of `out`'s shape."""
    if aval.shape == out.shape:
        return x
    return _slice(ctx, [x], [aval], [out], start_indices=(0,) * len(aval.shape),
                  limit_indices=out.shape, strides=None)[0]  # fmt: skip


def _empty(aval: ShapedArray) -> bool:
    return 0 in aval.shape


def _cholesky(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals,
              **params: Any) -> list[str]:  # fmt: skip
    (a,), (aval,) = args, in_avals
    if _empty(aval):
        return [a]
    info_aval = ShapedArray(aval.shape[:-2], np.dtype(np.int32))
    factor, info = _lapack(ctx, "potrf", aval.dtype, [a], [aval], [aval, info_aval], (0, 0),
                           {"uplo": _char("L")})  # fmt: skip
    factor = _triangle(ctx, factor, aval, lower=True)  # potrf leaves the upper triangle as it was
    return [_nan_unless(ctx, *_info_ok(ctx, info, info_aval, "EQ"), factor, aval)]


def _triangular_solve(ctx: LoweringContext, args: Sequence[str], in_avals: Avals,
                      out_avals: Avals, *, left_side: bool, lower: bool, transpose_a: bool,
                      conjugate_a: bool, unit_diagonal: bool) -> list[str]:  # fmt: skip
    (a, b), (a_aval, b_aval) = args, in_avals
    if _empty(b_aval) or _empty(a_aval):
        return [b]
    if conjugate_a and not transpose_a:  # trsm conjugates only with a transpose
        a = _conj(ctx, [a], [a_aval], [a_aval])[0]
        conjugate_a = False
    trans = ("C" if conjugate_a and dtypes.is_complex(a_aval.dtype) else "T") if transpose_a \
        else "N"  # fmt: skip
    config = {"side": _char("L" if left_side else "R"), "uplo": _char("L" if lower else "U"),
              "trans_x": _char(trans), "diag": _char("U" if unit_diagonal else "N")}  # fmt: skip
    return _lapack(ctx, "trsm", a_aval.dtype, [a, b], [a_aval, b_aval], [b_aval], (0, 1), config)


def _lu(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals,
        **params: Any) -> list[str]:  # fmt: skip
    (a,), (aval,) = args, in_avals
    _, piv_aval = out_avals
    if _empty(aval):
        return [a, ctx.full(0, piv_aval)]
    info_aval = ShapedArray(aval.shape[:-2], np.dtype(np.int32))
    lu, ipiv, info = _lapack(ctx, "getrf", aval.dtype, [a], [aval], [aval, piv_aval, info_aval],
                             (0, 0), {})  # fmt: skip
    one = ctx.full(1, piv_aval)
    pivots = ctx.op("stablehlo.subtract", [ipiv, one], [piv_aval, piv_aval], [piv_aval])[0]
    # info > 0: an exactly singular U, still a valid factorization.
    return [_nan_unless(ctx, *_info_ok(ctx, info, info_aval, "GE"), lu, aval), pivots]


def _qr(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
        full_matrices: bool) -> list[str]:  # fmt: skip
    (a,), (aval,) = args, in_avals
    q_aval, r_aval = out_avals
    if _empty(aval):
        outs = fz._qr_impl(np.zeros(aval.shape, aval.dtype), full_matrices=full_matrices)
        return [ctx.constant(o, av) for o, av in zip(outs, out_avals, strict=True)]
    *batch, m, n = aval.shape
    k = min(m, n)
    tau_aval = ShapedArray((*batch, k), aval.dtype)
    packed, taus = _lapack(ctx, "geqrf", aval.dtype, [a], [aval], [aval, tau_aval], (0, 0), {})
    # R: the upper triangle of the packed result, its first rows.
    r = _leading(ctx, _triangle(ctx, packed, aval, lower=False), aval, r_aval)
    # Q: the reflectors applied to the identity's first columns (orgqr), on m x q_cols.
    cols = q_aval.shape[-1]
    reflectors_aval = ShapedArray((*batch, m, cols), aval.dtype)
    if cols > n:  # full_matrices with m > n: pad the reflectors with zero columns
        scalar = ShapedArray((), aval.dtype)
        config = [(0, 0, 0)] * (len(aval.shape) - 1) + [(0, cols - n, 0)]
        packed = _pad(ctx, [packed, ctx.constant(0, scalar)], [aval, scalar], [reflectors_aval],
                      padding_config=config)[0]  # fmt: skip
    else:  # reduced with m < n: the first m columns hold the reflectors
        packed = _leading(ctx, packed, aval, reflectors_aval)
    name = "ungqr" if dtypes.is_complex(aval.dtype) else "orgqr"
    (q,) = _lapack(ctx, name, aval.dtype, [packed, taus], [reflectors_aval, tau_aval], [q_aval],
                   (0, 0), {})  # fmt: skip
    return [q, r]


def _normalized(ctx: LoweringContext, u: str, u_aval: ShapedArray, vt: str | None = None,
                vt_aval: ShapedArray | None = None) -> list[str]:  # fmt: skip
    """The primitives' phase convention, lowered from `lax_linalg.normalize_phases`."""
    structs = [ShapeDtypeStruct(u_aval.shape, u_aval.dtype)]
    if vt is None:
        closed = make_jaxpr(lambda x: lax_linalg.normalize_phases(x)[0])(*structs)
        return ctx.jaxpr(closed, [u])
    assert vt_aval is not None
    structs.append(ShapeDtypeStruct(vt_aval.shape, vt_aval.dtype))
    closed = make_jaxpr(lambda x, y: list(lax_linalg.normalize_phases(x, y)))(*structs)
    return ctx.jaxpr(closed, [u, vt])


def _eigh(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
          lower: bool) -> list[str]:  # fmt: skip
    (a,), (aval,) = args, in_avals
    v_aval, w_aval = out_avals
    if _empty(aval):
        return [a, ctx.full(0, w_aval)]
    info_aval = ShapedArray(aval.shape[:-2], np.dtype(np.int32))
    name = "heevd" if dtypes.is_complex(aval.dtype) else "syevd"
    v, w, info = _lapack(ctx, name, aval.dtype, [a], [aval], [v_aval, w_aval, info_aval], (0, 0),
                         {"mode": _char("V"), "uplo": _char("L" if lower else "U")})  # fmt: skip
    ok, ok_aval = _info_ok(ctx, info, info_aval, "EQ")
    v = _nan_unless(ctx, ok, ok_aval, v, v_aval)
    w = _nan_unless(ctx, ok, ok_aval, w, w_aval)
    return [*_normalized(ctx, v, v_aval), w]


def _svd(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
         full_matrices: bool, compute_uv: bool) -> list[str]:  # fmt: skip
    (a,), (aval,) = args, in_avals
    s_aval = out_avals[0]
    # The vectors are always computed (reduced when not asked for) and dropped if unused.
    _, u_shape, vt_shape = fz._svd_shapes(aval.shape, full_matrices and compute_uv)
    u_aval = ShapedArray(u_shape, aval.dtype)
    vt_aval = ShapedArray(vt_shape, aval.dtype)
    if _empty(aval):
        outs = fz._svd_impl(np.zeros(aval.shape, aval.dtype), full_matrices=full_matrices,
                            compute_uv=compute_uv)  # fmt: skip
        return [ctx.constant(o, av) for o, av in zip(outs, out_avals, strict=True)]
    info_aval = ShapedArray(aval.shape[:-2], np.dtype(np.int32))
    mode = "A" if full_matrices and compute_uv else "S"
    _, s, u, vt, info = _lapack(ctx, "gesdd", aval.dtype, [a], [aval],
                                [aval, s_aval, u_aval, vt_aval, info_aval], (0, 0),
                                {"mode": _char(mode)})  # fmt: skip
    ok, ok_aval = _info_ok(ctx, info, info_aval, "EQ")
    s = _nan_unless(ctx, ok, ok_aval, s, s_aval)
    if not compute_uv:
        return [s]
    u = _nan_unless(ctx, ok, ok_aval, u, u_aval)
    vt = _nan_unless(ctx, ok, ok_aval, vt, vt_aval)
    return [s, *_normalized(ctx, u, u_aval, vt, vt_aval)]


lowering_rules[fz.cholesky_p] = _cholesky
lowering_rules[fz.triangular_solve_p] = _triangular_solve
lowering_rules[fz.lu_p] = _lu
lowering_rules[fz.qr_p] = _qr
lowering_rules[fz.eigh_p] = _eigh
lowering_rules[fz.svd_p] = _svd


def _fft(ctx: LoweringContext, args: Sequence[str], in_avals: Avals, out_avals: Avals, *,
         fft_type: str, fft_lengths: tuple[int, ...]) -> list[str]:  # fmt: skip
    lengths = ", ".join(map(str, fft_lengths))
    attrs = f"fft_type = #stablehlo<fft_type {fft_type}>, fft_length = array<i64: {lengths}>"
    return ctx.op("stablehlo.fft", list(args), list(in_avals), list(out_avals), attrs)


lowering_rules[fft_mod.fft_p] = _fft
