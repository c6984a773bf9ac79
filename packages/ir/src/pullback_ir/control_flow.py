"""Control flow that traces Python callables into sub-jaxprs, and host callbacks.

cond, switch, while_loop, fori_loop, scan, map and named_call stage their callables;
pure_callback and io_callback call host functions.

Callables are traced once per call on the abstract values of their arguments; whatever they
close over becomes explicit constant operands of the higher-order primitive.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_pytrees import (
    PyTreeDef,
    keystr,
    tree_flatten,
    tree_flatten_with_path,
    tree_unflatten,
    treedef_children,
)

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray, aval_of
from pullback_ir.config import STATE
from pullback_ir.errors import ConcretizationTypeError
from pullback_ir.jaxpr import ClosedJaxpr, Jaxpr, Var
from pullback_ir.primitives import (
    callbacks as _cb,
    control as _cf,
    elementwise as _ew,
    shapes as _sh,
)
from pullback_ir.staging import trace_to_jaxpr
from pullback_ir.trace import Tracer

__all__ = [
    "cond",
    "fori_loop",
    "io_callback",
    "leaf_avals",
    "map",
    "named_call",
    "pure_callback",
    "scan",
    "switch",
    "trace_callable",
    "while_loop",
]


def hoist_consts(closed: ClosedJaxpr) -> tuple[ClosedJaxpr, list[Any]]:
    """Turn a closed jaxpr's constants into leading inputs: `(jaxpr without consts, consts)`."""
    if not closed.consts:
        return closed, []
    j = closed.jaxpr
    return ClosedJaxpr(
        Jaxpr([], [*j.constvars, *j.invars], j.outvars, j.eqns, j.effects), []
    ), list(closed.consts)


def trace_callable(
    fun: Callable[..., Any], in_tree: PyTreeDef, in_avals: Sequence[ShapedArray], what: str
) -> tuple[ClosedJaxpr, list[Any], PyTreeDef]:
    """Trace `fun` (taking the pytree `in_tree` of `in_avals`) into a jaxpr without consts.

    Returns:
        `(jaxpr, consts, out_tree)`; the jaxpr's first `len(consts)` inputs are the consts.
    """
    out_trees: list[PyTreeDef] = []

    def flat_fun(*flat: Any) -> list[Any]:
        args = tree_unflatten(in_tree, flat)
        out = fun(*args)
        leaves, tree = tree_flatten(out)
        for i, leaf in enumerate(leaves):
            try:
                aval_of(leaf)
            except TypeError as e:
                raise TypeError(f"{what}: output leaf {i} is not an array: {e}") from None
        out_trees.append(tree)
        return leaves

    closed, consts = hoist_consts(trace_to_jaxpr(flat_fun, in_avals))
    return closed, consts, out_trees[0]


def leaf_avals(leaves: Sequence[Any], what: str) -> list[ShapedArray]:
    """The avals of pytree leaves; a TypeError naming `what` and the leaf for a non-array."""
    out = []
    for i, x in enumerate(leaves):
        try:
            out.append(aval_of(x))
        except TypeError as e:
            raise TypeError(f"{what}: leaf {i} is not an array: {e}") from None
    return out


def _strong(a: ShapedArray) -> ShapedArray:
    return ShapedArray(a.shape, a.dtype, False)


def _types(avals: Sequence[ShapedArray]) -> str:
    return "(" + ", ".join(a.str_short() for a in avals) + ")"


# --- cond / switch ---------------------------------------------------------------------------


def _convert(x: Any, dtype: np.dtype[Any]) -> Any:
    return _ew.convert_element_type_p.bind(x, new_dtype=dtype, weak_type=False)[0]


def _trace_branches(
    branches: Sequence[Callable[..., Any]], ops: tuple[Any, ...], what: str
) -> tuple[list[ClosedJaxpr], list[list[Any]], PyTreeDef]:
    flat, in_tree = tree_flatten(ops)
    in_avals = leaf_avals(flat, f"{what} operands")
    traced = [
        trace_callable(b, in_tree, in_avals, f"{what} (branch {i})") for i, b in enumerate(branches)
    ]
    out_tree = traced[0][2]
    for i, (_, _, tree) in enumerate(traced):
        if tree != out_tree:
            raise TypeError(
                f"{what}: branch {i} returns a different tree structure than branch 0:\n"
                f"  branch 0: {out_tree}\n  branch {i}: {tree}"
            )
    # Outputs that differ only because some are weakly typed promote as JAX does.
    outs = [t[0].out_avals for t in traced]
    target: list[np.dtype[Any] | None] = []
    for k in range(len(outs[0])):
        col = [o[k] for o in outs]
        if any(a.shape != col[0].shape for a in col):
            raise TypeError(
                f"{what}: branch outputs must have the same types; output {k} has types "
                f"{_types(col)}"
            )
        if len({a.dtype for a in col}) > 1:
            dt, _ = dtypes.result_type(*col)
            strong = {a.dtype for a in col if not a.weak_type}
            if len(strong) > 1:
                raise TypeError(
                    f"{what}: branch outputs must have the same types; output {k} has types "
                    f"{_types(col)}"
                )
            target.append(dt)
        else:
            target.append(None)
    if any(t is not None for t in target):

        def converting(b: Callable[..., Any]) -> Callable[..., Any]:
            def fun(*args: Any) -> Any:
                leaves, tree = tree_flatten(b(*args))
                leaves = [
                    x if t is None else _convert(x, t) for x, t in zip(leaves, target, strict=True)
                ]
                return tree_unflatten(tree, leaves)

            return fun

        traced = [
            trace_callable(converting(b), in_tree, in_avals, f"{what} (branch {i})")
            for i, b in enumerate(branches)
        ]
    jaxprs = [t[0] for t in traced]
    consts = [t[1] for t in traced]
    return jaxprs, consts, out_tree


def _bind_cond(
    index: Any, branches: Sequence[Callable[..., Any]], ops: tuple[Any, ...], what: str
) -> Any:
    jaxprs, consts, out_tree = _trace_branches(branches, ops, what)
    # Every branch receives every branch's consts (each ignores the others').
    all_consts = [c for cs in consts for c in cs]
    const_avals = [aval_of(c) for c in all_consts]
    wrapped = []
    offset = 0
    for j, cs in zip(jaxprs, consts, strict=True):
        n = len(cs)
        wrapped.append(_widen_consts(j, n, const_avals[:offset], const_avals[offset + n :]))
        offset += n
    flat_ops, _ = tree_flatten(ops)
    outs = _cf.cond_p.bind(index, *all_consts, *flat_ops, branches=tuple(wrapped))
    return tree_unflatten(out_tree, outs)


def _widen_consts(
    closed: ClosedJaxpr,
    n_own: int,
    before: Sequence[ShapedArray],
    after: Sequence[ShapedArray],
) -> ClosedJaxpr:
    """A jaxpr whose first `n_own` inputs get unused inputs `before` and `after` them."""
    if not before and not after:
        return closed
    j = closed.jaxpr
    invars = [
        *(Var(a) for a in before),
        *j.invars[:n_own],
        *(Var(a) for a in after),
        *j.invars[n_own:],
    ]
    return ClosedJaxpr(Jaxpr([], invars, j.outvars, j.eqns, j.effects), [])


def _check_scalar_pred(pred: Any, what: str) -> ShapedArray:
    a = aval_of(pred)
    if a.shape:
        raise TypeError(f"{what}: the predicate must be a scalar, got {a.str_long()}")
    if not (a.dtype == dtypes.bool_ or dtypes.is_integer(a.dtype) or dtypes.is_float(a.dtype)):
        raise TypeError(f"{what}: the predicate must be a boolean or number, got {a.str_long()}")
    return a


def cond(
    pred: Any, true_fun: Callable[..., Any], false_fun: Callable[..., Any], *operands: Any
) -> Any:
    """`true_fun(*operands)` if `pred` else `false_fun(*operands)`, staged as one `cond`.

    Both functions are traced; they must return the same tree of the same types (weakly typed
    outputs promote).

    Raises:
        TypeError: if `pred` is not a scalar boolean or number, or the branches disagree.
    """
    a = _check_scalar_pred(pred, "cond")
    if not callable(true_fun) or not callable(false_fun):
        raise TypeError("cond: true_fun and false_fun must be callable")
    if STATE.disable_jit and not isinstance(pred, Tracer):
        return true_fun(*operands) if bool(np.asarray(pred)) else false_fun(*operands)
    ne = pred if a.dtype == dtypes.bool_ else _ew.ne_p.bind(pred, np.zeros((), a.dtype))[0]
    index = _convert(ne, np.dtype(np.int32))
    return _bind_cond(index, [false_fun, true_fun], operands, "cond")


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """`branches[index](*operands)`, with `index` clamped into `[0, len(branches) - 1]`.

    Raises:
        TypeError: if `index` is not an integer scalar or a branch is not callable.
        ValueError: if `branches` is empty.
    """
    a = aval_of(index)
    if a.shape or not dtypes.is_integer(a.dtype):
        raise TypeError(f"switch: index must be an integer scalar, got {a.str_long()}")
    branches = list(branches)
    if not branches:
        raise ValueError("switch: branches must not be empty")
    if not all(callable(b) for b in branches):
        raise TypeError("switch: every branch must be callable")
    if len(branches) == 1:
        return branches[0](*operands)
    idx = _convert(index, np.dtype(np.int32)) if a.dtype != dtypes.int32 else index
    lo, hi = np.zeros((), np.int32), np.asarray(len(branches) - 1, np.int32)
    idx = _ew.clamp_p.bind(lo, idx, hi)[0]
    if STATE.disable_jit and not isinstance(idx, Tracer):
        return branches[int(np.asarray(idx))](*operands)
    return _bind_cond(idx, branches, operands, "switch")


# --- loops -----------------------------------------------------------------------------------


def _carry_mismatch(
    what: str, in_tree: PyTreeDef, in_avals: Sequence[ShapedArray], out_tree: PyTreeDef,
    out_avals: Sequence[ShapedArray], sample: Any,
) -> TypeError | None:  # fmt: skip
    if out_tree != in_tree:
        return TypeError(
            f"{what}: the carry output must have the same tree structure as the carry input:\n"
            f"  input:  {in_tree}\n  output: {out_tree}"
        )
    paths = [keystr(p) for p, _ in tree_flatten_with_path(sample)[0]]
    for p, a, b in zip(paths, in_avals, out_avals, strict=True):
        if a.shape != b.shape or a.dtype != b.dtype:
            return TypeError(
                f"{what}: the carry component {p or '(root)'} has type {a.str_short()} on input "
                f"but {b.str_short()} on output; the carry must keep its shape and dtype."
            )
    return None


def _trace_carry_fun(
    fun: Callable[..., Any],
    lead_tree: PyTreeDef | None,
    lead_avals: Sequence[ShapedArray],
    carry: Any,
    carry_avals: list[ShapedArray],
    what: str,
    split_out: Callable[[Any], Any],
) -> tuple[ClosedJaxpr, list[Any], PyTreeDef, list[ShapedArray], Any]:
    """Trace a loop body `fun(carry, *lead)` whose carry must come back with the same types.

    Weakly typed carry entries that come back strongly typed are retraced as strong.
    """
    carry_flat, carry_tree = tree_flatten(carry)
    for _ in range(2):
        if lead_tree is None:
            tree = tree_flatten((carry,))[1]
            avals = carry_avals
        else:
            tree = tree_flatten((carry, tree_unflatten(lead_tree, [0] * len(lead_avals))))[1]
            avals = [*carry_avals, *lead_avals]
        jaxpr, consts, out_tree = trace_callable(fun, tree, avals, what)
        carry_out_tree, extra = split_out(out_tree)
        n = len(carry_flat)
        outs = jaxpr.out_avals
        err = _carry_mismatch(what, carry_tree, carry_avals, carry_out_tree, outs[:n], carry)
        if err is not None:
            raise err
        weak_fix = [
            a.weak_type and not b.weak_type for a, b in zip(carry_avals, outs[:n], strict=True)
        ]
        if not any(weak_fix):
            return jaxpr, consts, carry_tree, carry_avals, extra
        carry_avals = [_strong(a) if f else a for a, f in zip(carry_avals, weak_fix, strict=True)]
    return jaxpr, consts, carry_tree, carry_avals, extra


def while_loop(
    cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], init_val: Any
) -> Any:
    """Repeat `val = body_fun(val)` while `cond_fun(val)`; returns the final `val`.

    Raises:
        TypeError: if `cond_fun` does not return a boolean scalar, or `body_fun` changes the
            carry's structure, shapes or dtypes.
    """
    if STATE.disable_jit:
        try:
            return _python_while(cond_fun, body_fun, init_val)
        except ConcretizationTypeError:
            pass  # (a traced condition: the loop is staged after all, as in JAX)
    init_flat, init_tree = tree_flatten(init_val)
    carry_avals = leaf_avals(init_flat, "while_loop init_val")

    def no_split(tree: PyTreeDef) -> tuple[PyTreeDef, None]:
        return tree, None

    body_jaxpr, body_consts, _, carry_avals, _ = _trace_carry_fun(
        body_fun, None, [], init_val, carry_avals, "while_loop body_fun", no_split
    )
    cond_jaxpr, cond_consts, cond_tree = trace_callable(
        cond_fun, tree_flatten((init_val,))[1], carry_avals, "while_loop cond_fun"
    )
    outs = cond_jaxpr.out_avals
    if len(outs) != 1 or outs[0].shape or outs[0].dtype != dtypes.bool_:
        raise TypeError(
            f"while_loop: cond_fun must return a boolean scalar, but got output type(s) "
            f"{_types(outs)}"
        )
    del cond_tree
    outs = _cf.while_p.bind(
        *cond_consts,
        *body_consts,
        *init_flat,
        cond_jaxpr=cond_jaxpr,
        body_jaxpr=body_jaxpr,
        cond_nconsts=len(cond_consts),
        body_nconsts=len(body_consts),
    )
    return tree_unflatten(init_tree, outs)


def scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
    _split_transpose: bool = False,
) -> tuple[Any, Any]:
    """Loop `carry, y = f(carry, x)` over the leading axis of `xs`; returns `(carry, ys)`.

    Raises:
        ValueError: if the leading axes of `xs` disagree (each leaf's size is listed), or
            there is nothing to scan over and no `length`.
        TypeError: if `f` does not return a `(carry, y)` pair with the carry's types.
    """
    xs_flat, xs_tree = tree_flatten(xs)
    xs_avals = leaf_avals(xs_flat, "scan xs")
    sizes = []
    for (path, _), a in zip(tree_flatten_with_path(xs)[0], xs_avals, strict=True):
        if not a.shape:
            raise ValueError(
                f"scan: xs{keystr(path)} has type {a.str_long()}, but scanned values need a "
                "leading axis"
            )
        sizes.append((keystr(path), a.shape[0]))
    lengths = {n for _, n in sizes}
    if length is not None:
        length = int(length)
        lengths.add(length)
    if len(lengths) > 1:
        listed = ", ".join(f"xs{p}.shape[0]={n}" for p, n in sizes)
        extra = f" and length={length}" if length is not None else ""
        raise ValueError(f"scan: got values with different leading axis sizes: {listed}{extra}")
    if not lengths:
        raise ValueError("scan: got no values to scan over and `length` was not provided")
    n = lengths.pop()
    if isinstance(unroll, bool):
        unroll = max(n, 1) if unroll else 1
    if int(unroll) < 1:
        raise ValueError(f"scan: unroll must be a positive int or a bool, got {unroll}")
    init_flat, _ = tree_flatten(init)
    carry_avals = leaf_avals(init_flat, "scan init")
    x_avals = [ShapedArray(a.shape[1:], a.dtype, a.weak_type) for a in xs_avals]

    def split_out(tree: PyTreeDef) -> tuple[PyTreeDef, PyTreeDef]:
        c, y = treedef_children(tree)
        return c, y

    def body(carry: Any, x: Any) -> tuple[Any, Any]:
        out = f(carry, x)
        if not isinstance(out, tuple | list) or len(out) != 2:
            raise TypeError(
                "scan: the body function must return a pair (carry, y), got "
                f"{type(out).__name__}"
                + (f" of length {len(out)}" if isinstance(out, tuple | list) else "")
            )
        return tuple(out)

    if STATE.disable_jit:
        return _python_scan(body, init, xs_flat, xs_tree, n, bool(reverse))
    jaxpr, consts, carry_tree, carry_avals, y_tree = _trace_carry_fun(
        body, xs_tree, x_avals, init, carry_avals, "scan body", split_out
    )
    outs = _cf.scan_p.bind(
        *consts,
        *init_flat,
        *xs_flat,
        jaxpr=jaxpr,
        length=n,
        reverse=bool(reverse),
        num_consts=len(consts),
        num_carry=len(init_flat),
        linear=(False,) * (len(consts) + len(init_flat) + len(xs_flat)),
        unroll=int(unroll),
        _split_transpose=bool(_split_transpose),
    )
    k = len(init_flat)
    return tree_unflatten(carry_tree, outs[:k]), tree_unflatten(y_tree, outs[k:])


def fori_loop(
    lower: Any,
    upper: Any,
    body_fun: Callable[[Any, Any], Any],
    init_val: Any,
    *,
    unroll: int | bool | None = None,
) -> Any:
    """`val = body_fun(i, val)` for `i` in `[lower, upper)`; returns the final `val`.

    With concrete bounds this is a `scan` (so reverse-mode differentiation works); with traced
    bounds a `while_loop`.

    Raises:
        TypeError: if the bounds are not integer scalars.
        ValueError: if `unroll` is given with traced bounds.
    """
    for name, b in (("lower", lower), ("upper", upper)):
        a = aval_of(b)
        if a.shape or not dtypes.is_integer(a.dtype):
            raise TypeError(f"fori_loop: {name} must be an integer scalar, got {a.str_long()}")
    dt, _ = dtypes.result_type(aval_of(lower), aval_of(upper))
    concrete = not isinstance(lower, Tracer) and not isinstance(upper, Tracer)
    if concrete:
        lo, hi = int(lower), int(upper)
        start = np.asarray(lo, dt)

        def step(carry: tuple[Any, Any], _: Any) -> tuple[tuple[Any, Any], None]:
            i, x = carry
            return (_ew.add_p.bind(i, np.asarray(1, dt))[0], body_fun(i, x)), None

        if STATE.disable_jit and hi <= lo:
            return init_val  # (a Python scan needs at least one step)
        (_, out), _ = scan(step, (start, init_val), None, length=max(hi - lo, 0),
                           unroll=1 if unroll is None else unroll)  # fmt: skip
        return out
    if unroll is not None:
        raise ValueError("fori_loop: unroll needs concrete (not traced) lower and upper bounds")
    lo_a, hi_a = _convert(lower, dt), _convert(upper, dt)

    def cond_fun(c: tuple[Any, Any, Any]) -> Any:
        return _ew.lt_p.bind(c[0], c[1])[0]

    def body(c: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
        i, u, x = c
        return _ew.add_p.bind(i, np.asarray(1, dt))[0], u, body_fun(i, x)

    return while_loop(cond_fun, body, (lo_a, hi_a, init_val))[2]


# --- with jit disabled: loops run in Python ---------------------------------------------------


def _python_while(cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], val: Any) -> Any:
    # (bool() of a traced condition raises ConcretizationTypeError: the caller stages instead)
    while bool(cond_fun(val)):
        val = body_fun(val)
    return val


def _index0(x: Any, i: int) -> Any:
    shape = aval_of(x).shape
    start = (i, *[0] * (len(shape) - 1))
    limit = (i + 1, *shape[1:])
    part = _sh.slice_p.bind(x, start_indices=start, limit_indices=limit, strides=None)[0]
    return _sh.squeeze_p.bind(part, dimensions=(0,))[0]


def _stack(ys: Sequence[Any]) -> Any:
    parts = []
    for y in ys:
        shape = aval_of(y).shape
        parts.append(_sh.reshape_p.bind(y, new_sizes=(1, *shape), dimensions=None)[0])
    return _sh.concatenate_p.bind(*parts, dimension=0)[0]


def _python_scan(
    f: Callable[[Any, Any], Any], carry: Any, xs_flat: list[Any], xs_tree: PyTreeDef, n: int,
    reverse: bool,
) -> tuple[Any, Any]:  # fmt: skip
    if n == 0:
        raise ValueError(
            "scan: a zero-length scan cannot run with jit disabled (disable_jit): the type of "
            "its outputs is unknown without tracing"
        )
    steps = range(n - 1, -1, -1) if reverse else range(n)
    ys = []
    for i in steps:  # (`f` checks that the body returns a pair)
        carry, y = f(carry, tree_unflatten(xs_tree, [_index0(x, i) for x in xs_flat]))
        ys.append(y)
    if reverse:
        ys.reverse()
    leaves0, tree = tree_flatten(ys[0])
    columns = []
    for y in ys:
        leaves, t = tree_flatten(y)
        if t != tree:
            raise TypeError(
                f"scan: the body function returned outputs y of different structures: {tree} "
                f"and {t}"
            )
        columns.append(leaves)
    stacked = [_stack([c[j] for c in columns]) for j in range(len(leaves0))]
    return carry, tree_unflatten(tree, stacked)


def map(f: Callable[[Any], Any], xs: Any) -> Any:
    """`f` applied to each slice of `xs` along its leading axis, stacked (a `scan`)."""
    _, ys = scan(lambda carry, x: (carry, f(x)), (), xs)
    return ys


# --- calls and callbacks ---------------------------------------------------------------------


def named_call(f: Callable[..., Any], *, name: str | None = None) -> Callable[..., Any]:
    """Wrap `f` so that each call is staged as one `named_call` equation called `name`."""
    call_name = name if name is not None else getattr(f, "__name__", "call")
    if not isinstance(call_name, str):
        raise TypeError(f"named_call: name must be a str, got {type(call_name).__name__}")

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        flat, in_tree = tree_flatten((args, kwargs))
        jaxpr, consts, out_tree = trace_callable(
            lambda a, k: f(*a, **k), in_tree, leaf_avals(flat, f"named_call {call_name}"),
            f"named_call {call_name}",
        )  # fmt: skip
        outs = _cf.named_call_p.bind(*consts, *flat, call_jaxpr=jaxpr, name=call_name)
        return tree_unflatten(out_tree, outs)

    return wrapper


def _result_avals(result_shape_dtypes: Any, what: str) -> tuple[list[ShapedArray], PyTreeDef]:
    leaves, tree = tree_flatten(result_shape_dtypes)
    out = []
    for i, r in enumerate(leaves):
        if not (hasattr(r, "shape") and hasattr(r, "dtype")):
            raise TypeError(
                f"{what}: result_shape_dtypes leaf {i} must have .shape and .dtype (e.g. "
                f"ShapeDtypeStruct), got {type(r).__name__}"
            )
        out.append(ShapedArray(tuple(r.shape), dtypes.canonicalize_dtype(r.dtype)))
    return out, tree


def _flat_callback(
    callback: Callable[..., Any], in_tree: PyTreeDef, out_tree: PyTreeDef, kwargs: dict[str, Any]
) -> Callable[..., Any]:
    def flat(*arrays: Any) -> list[Any]:
        args = tree_unflatten(in_tree, arrays)
        result = callback(*args, **kwargs)
        leaves, tree = tree_flatten(result)
        if tree != out_tree:
            raise TypeError(
                "callback: the result's tree structure does not match result_shape_dtypes:\n"
                f"  declared: {out_tree}\n  returned: {tree}"
            )
        return leaves

    return flat


def pure_callback(
    callback: Callable[..., Any],
    result_shape_dtypes: Any,
    *args: Any,
    sharding: Any = None,
    vmap_method: str | None = None,
    **kwargs: Any,
) -> Any:
    """Call a pure host function on NumPy arrays from traced code.

    The callback's results must match `result_shape_dtypes` (a pytree of objects with `.shape`
    and `.dtype`) exactly in structure, shape and dtype.

    Raises:
        ValueError: for an unknown `vmap_method`.
        TypeError: for bad `result_shape_dtypes` or (at run time) mismatched results.
    """
    if vmap_method not in _cb.VMAP_METHODS:
        raise ValueError(
            f"pure_callback: vmap_method must be one of {_cb.VMAP_METHODS}, got {vmap_method!r}"
        )
    result_avals, out_tree = _result_avals(result_shape_dtypes, "pure_callback")
    flat, in_tree = tree_flatten(args)
    leaf_avals(flat, "pure_callback args")
    outs = _cb.pure_callback_p.bind(
        *flat,
        callback=_flat_callback(callback, in_tree, out_tree, kwargs),
        result_avals=tuple(result_avals),
        vmap_method=vmap_method,
        sharding=sharding,
    )
    return tree_unflatten(out_tree, outs)


def io_callback(
    callback: Callable[..., Any],
    result_shape_dtypes: Any,
    *args: Any,
    sharding: Any = None,
    ordered: bool = False,
    **kwargs: Any,
) -> Any:
    """Call a host function with side effects; `ordered=True` keeps program order."""
    result_avals, out_tree = _result_avals(result_shape_dtypes, "io_callback")
    flat, in_tree = tree_flatten(args)
    leaf_avals(flat, "io_callback args")
    outs = _cb.io_callback_p.bind(
        *flat,
        callback=_flat_callback(callback, in_tree, out_tree, kwargs),
        result_avals=tuple(result_avals),
        ordered=bool(ordered),
        sharding=sharding,
    )
    return tree_unflatten(out_tree, outs)
