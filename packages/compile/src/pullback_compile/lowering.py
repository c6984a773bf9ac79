"""Lowering jaxprs to StableHLO, emitted as MLIR text.

The text is built in pure Python (no MLIR context: cheap for small functions) in MLIR's
generic operation form, `%3 = "stablehlo.add"(%1, %2) : (tensor<3xf32>, tensor<3xf32>) ->
tensor<3xf32>`, and only `_jaxlib` parses and compiles it. Each primitive has a rule in
`lowering_rules`: `rule(ctx, args, in_avals, out_avals, **params) -> [result names]`.
Constants are written as hex dense attributes of their raw bytes, so every dtype (bfloat16 and
float8 included) round-trips exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.errors import MissingRuleError
from pullback_ir.jaxpr import ClosedJaxpr, Jaxpr, Literal, Var
from pullback_ir.primitive import Primitive
from pullback_ir.primitives import elementwise as ew, linalg, reductions as red, shapes as sh

__all__ = [
    "LoweredModule",
    "LoweringContext",
    "lower_jaxpr",
    "lower_module",
    "lowering_rules",
    "mlir_type",
]

_ELEMENT = {
    "bool": "i1", "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "ui8", "uint16": "ui16", "uint32": "ui32", "uint64": "ui64", "float16": "f16",
    "bfloat16": "bf16", "float32": "f32", "float64": "f64", "complex64": "complex<f32>",
    "complex128": "complex<f64>", "float8_e4m3fn": "f8E4M3FN", "float8_e5m2": "f8E5M2",
    "float8_e4m3fnuz": "f8E4M3FNUZ", "float8_e5m2fnuz": "f8E5M2FNUZ",
    "float8_e4m3b11fnuz": "f8E4M3B11FNUZ", "float8_e4m3": "f8E4M3", "float8_e3m4": "f8E3M4",
    "float8_e8m0fnu": "f8E8M0FNU",
}  # fmt: skip


def element_type(dtype: Any) -> str:
    """The MLIR element type of a dtype."""
    try:
        return _ELEMENT[np.dtype(dtype).name]
    except KeyError:
        raise TypeError(f"no StableHLO element type for dtype {np.dtype(dtype)}") from None


def mlir_type(aval: ShapedArray) -> str:
    """`tensor<2x3xf32>` for an abstract value."""
    dims = "".join(f"{d}x" for d in aval.shape)
    return f"tensor<{dims}{element_type(aval.dtype)}>"


def dense(value: Any, aval: ShapedArray) -> str:
    """A dense elements attribute holding `value` (cast to `aval`) exactly."""
    # (ascontiguousarray makes 0-d arrays 1-d: reshape afterwards.)
    a = np.ascontiguousarray(np.asarray(value, dtype=aval.dtype)).reshape(aval.shape)
    if a.size == 0:
        return f"dense<> : {mlir_type(aval)}"
    if a.dtype == np.bool_:
        return f"dense<{json.dumps(a.tolist())}> : {mlir_type(aval)}"
    return f'dense<"0x{a.tobytes().hex().upper()}"> : {mlir_type(aval)}'


def _i64s(xs: Sequence[int]) -> str:
    return f"array<i64{': ' + ', '.join(str(int(x)) for x in xs) if len(xs) else ''}>"


class LoweringContext:
    """Accumulates the lines of one module and names its SSA values.

    `lines` is the body being emitted (a region's body while a region is open); `loc` is the
    location written after each operation (the equation's name stack and primitive);
    `callbacks` collects the host callables of `pure_callback`/`io_callback` in the order XLA
    gets them; `axis_env` maps pmap axis names to their sizes for collectives.
    """

    def __init__(self, axis_env: Sequence[tuple[Any, int]] = ()) -> None:
        self.lines: list[str] = []
        self._count = 0
        self.loc = ""
        self.callbacks: list[Callable[..., Any]] = []
        self.side_effects = False
        self.axis_env = list(axis_env)
        self.scope: tuple[str, ...] = ()
        self.raw: tuple[str, ...] = ()

    def fresh(self) -> str:
        """A new SSA value name."""
        self._count += 1
        return f"%v{self._count}"

    def _suffix(self) -> str:
        return f" loc({json.dumps(self.loc)})" if self.loc else ""

    def op(
        self,
        name: str,
        operands: Sequence[str],
        in_avals: Sequence[ShapedArray],
        out_avals: Sequence[ShapedArray],
        attrs: str = "",
        regions: Sequence[str] = (),
    ) -> list[str]:
        """Emit one operation in generic form; returns its result names.

        `regions` are region texts from `region` (each `{ ^bb0(...): ... }`).
        """
        results = [self.fresh() for _ in out_avals]
        lhs = f"{', '.join(results)} = " if results else ""
        if len(results) > 1:
            lhs = f"{results[0]}:{len(results)} = "
            names = [f"{results[0]}#{i}" for i in range(len(results))]
        else:
            names = results
        attr = f" {{{attrs}}}" if attrs else ""
        reg = f" ({', '.join(regions)})" if regions else ""
        ins = ", ".join(mlir_type(a) for a in in_avals)
        outs = ", ".join(mlir_type(a) for a in out_avals)
        outs = f"({outs})" if len(out_avals) != 1 else outs
        self.lines.append(
            f'{lhs}"{name}"({", ".join(operands)}){reg}{attr} : ({ins}) -> {outs}{self._suffix()}'
        )
        return names

    def region(
        self,
        arg_avals: Sequence[ShapedArray],
        body: Callable[[list[str]], tuple[list[str], Sequence[ShapedArray]]],
        terminator: str = "stablehlo.return",
    ) -> str:
        """A one-block region: `body(block_args) -> (results, result avals)` emits into it."""
        args = [self.fresh() for _ in arg_avals]
        saved, self.lines = self.lines, []
        try:
            results, avals = body(args)
            types = ", ".join(mlir_type(a) for a in avals)
            self.lines.append(f'"{terminator}"({", ".join(results)}) : ({types}) -> ()')
            inner = self.lines
        finally:
            self.lines = saved
        head = ", ".join(f"{n}: {mlir_type(a)}" for n, a in zip(args, arg_avals, strict=True))
        block = "\n".join("  " + line for line in inner)
        return f"{{\n^bb0({head}):\n{block}\n}}"

    def constant(self, value: Any, aval: ShapedArray) -> str:
        """A constant (scalars stay scalars; callers broadcast)."""
        return self.op("stablehlo.constant", [], [], [aval], f"value = {dense(value, aval)}")[0]

    def full(self, value: Any, aval: ShapedArray) -> str:
        """A constant of `aval`'s shape filled with `value` (a scalar broadcast)."""
        scalar = ShapedArray((), aval.dtype)
        return self.broadcast(self.constant(value, scalar), scalar, aval.shape)

    def broadcast(self, x: str, aval: ShapedArray, shape: tuple[int, ...]) -> str:
        """`x` broadcast to `shape` (a rank-0 `x` to every position)."""
        if aval.shape == shape:
            return x
        out = ShapedArray(shape, aval.dtype)
        dims = range(len(shape) - len(aval.shape), len(shape))
        return self.op(
            "stablehlo.broadcast_in_dim",
            [x],
            [aval],
            [out],
            f"broadcast_dimensions = {_i64s(dims)}",
        )[0]

    def broadcast_all(
        self, args: Sequence[str], avals: Sequence[ShapedArray], shape: tuple[int, ...]
    ) -> tuple[list[str], list[ShapedArray]]:
        """Elementwise operands broadcast to `shape`, with their new avals."""
        xs = [self.broadcast(x, a, shape) for x, a in zip(args, avals, strict=True)]
        return xs, [ShapedArray(shape, a.dtype) for a in avals]

    def jaxpr(self, closed: ClosedJaxpr, args: Sequence[str]) -> list[str]:
        """Lower a closed jaxpr inline on the SSA values `args`; returns its result names."""
        j = closed.jaxpr
        env: dict[Var, str] = dict(zip(j.invars, args, strict=True))
        for v, c in zip(j.constvars, closed.consts, strict=True):
            env[v] = self.constant(c, v.aval)
        _lower_eqns(self, j, env)
        return [_read(self, env, x) for x in j.outvars]


LoweringRule = Callable[..., list[str]]
#: `primitive -> rule(ctx, args, in_avals, out_avals, **params) -> [result names]`.
lowering_rules: dict[Primitive, LoweringRule] = {}


class LoweredModule:
    """A StableHLO module's text and what compiling it needs besides."""

    __slots__ = ("callbacks", "kept_inputs", "num_consts", "side_effects", "text")

    def __init__(self, text: str, callbacks: list[Callable[..., Any]], side_effects: bool,
                 kept_inputs: list[bool], num_consts: int) -> None:  # fmt: skip
        self.text = text
        self.callbacks = callbacks
        self.side_effects = side_effects
        self.kept_inputs = kept_inputs
        self.num_consts = num_consts


def lower_module(
    closed: ClosedJaxpr,
    name: str = "main_fn",
    *,
    consts_as_args: bool = False,
    donated: Sequence[bool] = (),
    keep_unused: bool = True,
    num_replicas: int = 1,
    axis_env: Sequence[tuple[Any, int]] = (),
) -> LoweredModule:
    """Lower a closed jaxpr to a StableHLO module whose entry function is `main`.

    Args:
        closed: the jaxpr.
        name: the module's name (`jit_<name>`).
        consts_as_args: pass the jaxpr's constants as leading arguments instead of embedding
            them in the text (big closed-over arrays stay out of the program text).
        donated: one flag per input: let XLA reuse that input's buffer for an output.
        keep_unused: keep inputs nothing reads (else they are dropped from `main`; see
            `kept_inputs`).
        num_replicas: the number of replicas (pmap's devices).
        axis_env: `(axis_name, size)` pairs of the pmap axes collectives refer to.
    """
    j = closed.jaxpr
    if not keep_unused:
        from pullback_ir.dce import dce_jaxpr

        j, kept = dce_jaxpr(j, [True] * len(j.outvars))
        kept = [bool(k) for k in kept]
    else:
        kept = [True] * len(j.invars)
    ctx = LoweringContext(axis_env)
    env: dict[Var, str] = {}
    params: list[str] = []
    nconsts = 0
    if consts_as_args:
        for v in j.constvars:
            env[v] = f"%arg{len(params)}"
            params.append(f"%arg{len(params)}: {mlir_type(v.aval)}")
        nconsts = len(params)
    else:
        for v, c in zip(j.constvars, closed.consts, strict=True):
            env[v] = ctx.constant(c, v.aval)
    donated_kept = [d for d, k in zip(donated or [False] * len(kept), kept, strict=True) if k]
    for i, v in enumerate(j.invars):
        n = len(params)
        env[v] = f"%arg{n}"
        attr = " {jax.buffer_donor = true}" if donated_kept[i] else ""
        params.append(f"%arg{n}: {mlir_type(v.aval)}{attr}")
    _lower_eqns(ctx, j, env)
    outs = [_read(ctx, env, x) for x in j.outvars]
    out_types = ", ".join(mlir_type(x.aval) for x in j.outvars)
    body = "\n    ".join(ctx.lines)
    ret = f"func.return {', '.join(outs)} : {out_types}" if outs else "func.return"
    text = (
        f"module @jit_{_symbol(name)} attributes {{mhlo.num_partitions = 1 : i32, "
        f"mhlo.num_replicas = {int(num_replicas)} : i32}} {{\n"
        f"  func.func public @main({', '.join(params)}) -> ({out_types}) {{\n"
        f"    {body}\n    {ret}\n  }}\n}}\n"
    )
    return LoweredModule(text, ctx.callbacks, ctx.side_effects, kept, nconsts)


def _symbol(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return cleaned or "fn"


def lower_jaxpr(closed: ClosedJaxpr, name: str = "main_fn") -> str:
    """The StableHLO module text of a closed jaxpr (entry function `main`)."""
    return lower_module(closed, name).text


def _read(ctx: LoweringContext, env: dict[Var, str], x: Var | Literal) -> str:
    if isinstance(x, Literal):
        return ctx.constant(x.val, x.aval)
    return env[x]


def _lower_eqns(ctx: LoweringContext, j: Jaxpr, env: dict[Var, str]) -> None:
    # Equation name stacks are recorded whole when a sub-jaxpr is traced inside its caller's
    # trace (a named_call under a named_scope): strip the enclosing equation's stack, `raw`,
    # so that each scope appears once in the locations.
    outer_loc, outer_scope, outer_raw = ctx.loc, ctx.scope, ctx.raw
    try:
        for eqn in j.eqns:
            rule = lowering_rules.get(eqn.primitive)
            if rule is None:
                raise MissingRuleError(eqn.primitive.name, "lowering")
            stack = eqn.name_stack
            if outer_raw and stack[: len(outer_raw)] == outer_raw:
                stack = stack[len(outer_raw) :]
            ctx.scope = (*outer_scope, *stack)
            ctx.raw = eqn.name_stack
            ctx.loc = "/".join((*ctx.scope, eqn.primitive.name))
            args = [_read(ctx, env, x) for x in eqn.invars]
            outs = rule(ctx, args, [x.aval for x in eqn.invars], [v.aval for v in eqn.outvars],
                        **eqn.params)  # fmt: skip
            env.update(zip(eqn.outvars, outs, strict=True))
    finally:
        ctx.loc, ctx.scope, ctx.raw = outer_loc, outer_scope, outer_raw


# --- elementwise -----------------------------------------------------------------------------


def _elementwise(op: str) -> LoweringRule:
    def rule(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
             out_avals: Sequence[ShapedArray], **params: Any) -> list[str]:  # fmt: skip
        xs, full = ctx.broadcast_all(args, in_avals, out_avals[0].shape)
        return ctx.op(op, xs, full, out_avals)

    return rule


_SIMPLE = {
    ew.neg_p: "negate", ew.abs_p: "abs", ew.sign_p: "sign", ew.floor_p: "floor",
    ew.ceil_p: "ceil", ew.is_finite_p: "is_finite", ew.exp_p: "exponential", ew.log_p: "log",
    ew.expm1_p: "exponential_minus_one", ew.log1p_p: "log_plus_one", ew.sin_p: "sine",
    ew.cos_p: "cosine", ew.tan_p: "tan", ew.tanh_p: "tanh", ew.sqrt_p: "sqrt",
    ew.rsqrt_p: "rsqrt", ew.cbrt_p: "cbrt", ew.logistic_p: "logistic", ew.not_p: "not",
    ew.population_count_p: "popcnt", ew.clz_p: "count_leading_zeros", ew.real_p: "real",
    ew.imag_p: "imag", ew.add_p: "add", ew.sub_p: "subtract", ew.mul_p: "multiply",
    ew.div_p: "divide", ew.rem_p: "remainder", ew.pow_p: "power", ew.max_p: "maximum",
    ew.min_p: "minimum", ew.atan2_p: "atan2", ew.and_p: "and", ew.or_p: "or", ew.xor_p: "xor",
    ew.shift_left_p: "shift_left", ew.shift_right_arithmetic_p: "shift_right_arithmetic",
    ew.shift_right_logical_p: "shift_right_logical", ew.complex_p: "complex",
}  # fmt: skip
for _p, _name in _SIMPLE.items():
    lowering_rules[_p] = _elementwise(f"stablehlo.{_name}")
lowering_rules[ew.stop_gradient_p] = lambda ctx, args, i, o, **p: [args[0]]

_DIRECTIONS = {ew.eq_p: "EQ", ew.ne_p: "NE", ew.lt_p: "LT", ew.le_p: "LE", ew.gt_p: "GT",
               ew.ge_p: "GE"}  # fmt: skip


def _compare(direction: str) -> LoweringRule:
    def rule(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
             out_avals: Sequence[ShapedArray], **params: Any) -> list[str]:  # fmt: skip
        (out,) = out_avals
        dt = in_avals[0].dtype
        kind = (
            "FLOAT" if dtypes.is_inexact(dt)
            else "SIGNED" if dtypes.is_signed(dt) and dt != np.bool_
            else "UNSIGNED"
        )  # fmt: skip
        xs, full = ctx.broadcast_all(args, in_avals, out.shape)
        attrs = (f"comparison_direction = #stablehlo<comparison_direction {direction}>, "
                 f"compare_type = #stablehlo<comparison_type {kind}>")  # fmt: skip
        return ctx.op("stablehlo.compare", xs, full, out_avals, attrs)

    return rule


for _p, _d in _DIRECTIONS.items():
    lowering_rules[_p] = _compare(_d)


def _convert(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
             out_avals: Sequence[ShapedArray], **params: Any) -> list[str]:  # fmt: skip
    (x,), (a,), (out,) = args, in_avals, out_avals
    if a.dtype == out.dtype:
        return [x]
    if out.dtype == np.bool_ and a.dtype != np.bool_:
        # XLA's convert to pred is x != 0, which is what NumPy's astype(bool) does.
        zero = ctx.broadcast(ctx.constant(0, ShapedArray((), a.dtype)), ShapedArray((), a.dtype),
                             a.shape)  # fmt: skip
        return _compare("NE")(ctx, [x, zero], [a, a], out_avals)
    if dtypes.is_complex(a.dtype) and not dtypes.is_complex(out.dtype):
        # Complex to real keeps the real part (as NumPy's astype does).
        real = ShapedArray(a.shape, np.real(np.zeros((), a.dtype)).dtype)
        x, a = ctx.op("stablehlo.real", [x], [a], [real])[0], real
        if a.dtype == out.dtype:
            return [x]
    return ctx.op("stablehlo.convert", [x], [a], out_avals)


lowering_rules[ew.convert_element_type_p] = _convert


def _select_n(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
              out_avals: Sequence[ShapedArray], **params: Any) -> list[str]:  # fmt: skip
    (out,) = out_avals
    which, *cases = args
    w_aval = in_avals[0]
    which = ctx.broadcast(which, w_aval, out.shape)
    w_full = ShapedArray(out.shape, w_aval.dtype)
    cases = [ctx.broadcast(c, a, out.shape) for c, a in zip(cases, in_avals[1:], strict=True)]
    pred_aval = ShapedArray(out.shape, np.dtype(np.bool_))
    result = cases[0]
    for k in range(1, len(cases)):
        if w_aval.dtype == np.bool_:
            pred = which
        else:
            kk = ctx.broadcast(ctx.constant(k, ShapedArray((), w_aval.dtype)),
                               ShapedArray((), w_aval.dtype), out.shape)  # fmt: skip
            pred = _compare("GE")(ctx, [which, kk], [w_full, w_full], [pred_aval])[0]
        result = ctx.op("stablehlo.select", [pred, cases[k], result], [pred_aval, out, out],
                        [out])[0]  # fmt: skip
    return [result]


lowering_rules[ew.select_n_p] = _select_n


def _clamp(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
           out_avals: Sequence[ShapedArray], **params: Any) -> list[str]:  # fmt: skip
    return ctx.op("stablehlo.clamp", list(args), in_avals, out_avals)


lowering_rules[ew.clamp_p] = _clamp


def _integer_pow(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
                 out_avals: Sequence[ShapedArray], *, y: int) -> list[str]:  # fmt: skip
    (x,), (a,) = args, in_avals
    if y == 0:
        return [ctx.broadcast(ctx.constant(1, ShapedArray((), a.dtype)),
                              ShapedArray((), a.dtype), a.shape)]  # fmt: skip
    acc: str | None = None
    base, n = x, abs(y)
    while n:  # square and multiply
        if n & 1:
            acc = base if acc is None else ctx.op("stablehlo.multiply", [acc, base], [a, a], [a])[0]
        n >>= 1
        if n:
            base = ctx.op("stablehlo.multiply", [base, base], [a, a], [a])[0]
    assert acc is not None
    if y < 0:
        one = ctx.broadcast(ctx.constant(1, ShapedArray((), a.dtype)), ShapedArray((), a.dtype),
                            a.shape)  # fmt: skip
        acc = ctx.op("stablehlo.divide", [one, acc], [a, a], [a])[0]
    return [acc]


lowering_rules[ew.integer_pow_p] = _integer_pow

# --- shapes ----------------------------------------------------------------------------------


def _broadcast_in_dim(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
                      out_avals: Sequence[ShapedArray], *, shape: Any,
                      broadcast_dimensions: Any) -> list[str]:  # fmt: skip
    return ctx.op("stablehlo.broadcast_in_dim", list(args), in_avals, out_avals,
                  f"broadcast_dimensions = {_i64s(broadcast_dimensions)}")  # fmt: skip


def _reshape(
    ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
    out_avals: Sequence[ShapedArray], *, new_sizes: Any, dimensions: Any,
) -> list[str]:  # fmt: skip
    x, a = args[0], in_avals[0]
    if dimensions is not None:
        t = ShapedArray(tuple(a.shape[d] for d in dimensions), a.dtype)
        x = ctx.op("stablehlo.transpose", [x], [a], [t], f"permutation = {_i64s(dimensions)}")[0]
        a = t
    return ctx.op("stablehlo.reshape", [x], [a], out_avals)


def _squeeze(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
             out_avals: Sequence[ShapedArray], **params: Any) -> list[str]:  # fmt: skip
    return ctx.op("stablehlo.reshape", list(args), in_avals, out_avals)


def _transpose(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
               out_avals: Sequence[ShapedArray], *, permutation: Any) -> list[str]:  # fmt: skip
    return ctx.op("stablehlo.transpose", list(args), in_avals, out_avals,
                  f"permutation = {_i64s(permutation)}")  # fmt: skip


def _rev(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
         out_avals: Sequence[ShapedArray], *, dimensions: Any) -> list[str]:  # fmt: skip
    return ctx.op("stablehlo.reverse", list(args), in_avals, out_avals,
                  f"dimensions = {_i64s(dimensions)}")  # fmt: skip


def _slice(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
           out_avals: Sequence[ShapedArray], *, start_indices: Any, limit_indices: Any,
           strides: Any) -> list[str]:  # fmt: skip
    strides = strides or (1,) * len(start_indices)
    return ctx.op("stablehlo.slice", list(args), in_avals, out_avals,
                  f"start_indices = {_i64s(start_indices)}, limit_indices = "
                  f"{_i64s(limit_indices)}, strides = {_i64s(strides)}")  # fmt: skip


def _concatenate(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
                 out_avals: Sequence[ShapedArray], *, dimension: int) -> list[str]:  # fmt: skip
    return ctx.op("stablehlo.concatenate", list(args), in_avals, out_avals,
                  f"dimension = {int(dimension)} : i64")  # fmt: skip


def _iota(
    ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
    out_avals: Sequence[ShapedArray], *, dimension: int, **params: Any,
) -> list[str]:  # fmt: skip
    return ctx.op("stablehlo.iota", [], [], out_avals, f"iota_dimension = {int(dimension)} : i64")


def _pad(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
         out_avals: Sequence[ShapedArray], *, padding_config: Any) -> list[str]:  # fmt: skip
    lo = [c[0] for c in padding_config]
    hi = [c[1] for c in padding_config]
    interior = [c[2] for c in padding_config]
    return ctx.op("stablehlo.pad", list(args), in_avals, out_avals,
                  f"edge_padding_low = {_i64s(lo)}, edge_padding_high = {_i64s(hi)}, "
                  f"interior_padding = {_i64s(interior)}")  # fmt: skip


lowering_rules[sh.broadcast_in_dim_p] = _broadcast_in_dim
lowering_rules[sh.reshape_p] = _reshape
lowering_rules[sh.squeeze_p] = _squeeze
lowering_rules[sh.transpose_p] = _transpose
lowering_rules[sh.rev_p] = _rev
lowering_rules[sh.slice_p] = _slice
lowering_rules[sh.concatenate_p] = _concatenate
lowering_rules[sh.iota_p] = _iota
lowering_rules[sh.pad_p] = _pad

# --- reductions and dot ----------------------------------------------------------------------


def _reduce(op: str, init: Callable[[np.dtype[Any]], Any]) -> LoweringRule:
    def rule(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
             out_avals: Sequence[ShapedArray], *, axes: Any) -> list[str]:  # fmt: skip
        (x,), (a,) = args, in_avals
        scalar = ShapedArray((), a.dtype)
        start = ctx.constant(init(a.dtype), scalar)
        body = ctx.region(
            [scalar, scalar],
            lambda b: (ctx.op(f"stablehlo.{op}", b, [scalar, scalar], [scalar]), [scalar]),
        )
        return ctx.op("stablehlo.reduce", [x, start], [a, scalar], out_avals,
                      f"dimensions = {_i64s(axes)}", [body])  # fmt: skip

    return rule


def _max_init(dt: np.dtype[Any]) -> Any:
    if dtypes.is_float(dt):
        return -np.inf
    return True if dt == np.bool_ else np.iinfo(dt).min


def _min_init(dt: np.dtype[Any]) -> Any:
    if dtypes.is_float(dt):
        return np.inf
    return True if dt == np.bool_ else np.iinfo(dt).max


lowering_rules[red.reduce_sum_p] = _reduce("add", lambda dt: 0)
lowering_rules[red.reduce_prod_p] = _reduce("multiply", lambda dt: 1)
lowering_rules[red.reduce_max_p] = _reduce("maximum", _max_init)
lowering_rules[red.reduce_min_p] = _reduce("minimum", _min_init)
lowering_rules[red.reduce_and_p] = _reduce("and", lambda dt: True if dt == np.bool_ else -1)
lowering_rules[red.reduce_or_p] = _reduce("or", lambda dt: 0)
lowering_rules[red.reduce_xor_p] = _reduce("xor", lambda dt: 0)


def _dot_general(ctx: LoweringContext, args: Sequence[str], in_avals: Sequence[ShapedArray],
                 out_avals: Sequence[ShapedArray], *, dimension_numbers: Any, precision: Any,
                 preferred_element_type: Any) -> list[str]:  # fmt: skip
    del precision  # unused: XLA's default precision
    (lc, rc), (lb, rb) = dimension_numbers
    attrs = (
        "dot_dimension_numbers = #stablehlo.dot<"
        + ", ".join(
            f"{k} = [{', '.join(str(d) for d in v)}]"
            for k, v in (
                ("lhs_batching_dimensions", lb), ("rhs_batching_dimensions", rb),
                ("lhs_contracting_dimensions", lc), ("rhs_contracting_dimensions", rc),
            )
            if v
        )
        + ">"
    )  # fmt: skip
    return ctx.op("stablehlo.dot_general", list(args), in_avals, out_avals, attrs)


lowering_rules[linalg.dot_general_p] = _dot_general

# The remaining families register their rules into the same table.
from pullback_compile import (  # noqa: E402
    lowering_linalg as _lowering_linalg,
    lowering_ops as _lowering_ops,
)

del _lowering_ops, _lowering_linalg
