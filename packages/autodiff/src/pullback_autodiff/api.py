"""The differentiation API on pytrees of arrays.

jvp, linearize, vjp, fwd_and_bwd, grad, value_and_grad, jacfwd, jacrev, jacobian, hessian and
linear_transpose.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes, lax
from pullback_ir.avals import ShapedArray, aval_of
from pullback_ir.control_flow import leaf_avals
from pullback_ir.interpreter import eval_jaxpr
from pullback_ir.staging import trace_to_jaxpr
from pullback_ir.trace import CONTEXT, axis_size
from pullback_pytrees import (
    PyTreeDef,
    tree_flatten,
    tree_map,
    tree_structure,
    tree_unflatten,
)

from pullback_autodiff import (  # rule tables
    control_rules as _control_rules,
    linalg_rules as _linalg_rules,
    rules as _rules,
)
from pullback_autodiff.core import (
    JVPTracer,
    Zero,
    instantiate,
    jvp_flat,
    tangent_aval,
    zeros_like_aval,
)
from pullback_autodiff.linearize import linearize_flat
from pullback_autodiff.transpose import UndefinedPrimal, backward_pass

del _rules, _control_rules, _linalg_rules

__all__ = [
    "fwd_and_bwd",
    "grad",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "linear_transpose",
    "linearize",
    "value_and_grad",
    "vjp",
]


def _flatten_fun(
    fun: Callable[..., Any], in_tree: PyTreeDef, has_aux: bool
) -> tuple[Callable[..., list[Any]], list[PyTreeDef], list[Any]]:
    """`fun` on flat leaves, with lists that receive its output tree (and its aux value)."""
    store: list[PyTreeDef] = []
    aux: list[Any] = []

    def flat(*args: Any) -> list[Any]:
        out = fun(*tree_unflatten(in_tree, args))
        if has_aux:
            if not isinstance(out, tuple) or len(out) != 2:
                raise TypeError(
                    "has_aux=True requires the function to return a pair (output, aux), got "
                    f"{type(out).__name__}"
                )
            out, extra = out
            # The aux value is not differentiated: it leaves as the primal of this trace's
            # tracers (a concrete value when the transformation runs eagerly), never as a
            # tracer of a transformation that has finished.
            trace = CONTEXT.trace
            aux.append(tree_map(lambda x: _primal_of(x, trace), extra))
        leaves, tree = tree_flatten(out)
        store.append(tree)
        return leaves

    return flat, store, aux


def _primal_of(x: Any, trace: Any) -> Any:
    while isinstance(x, JVPTracer) and x._trace is trace:
        x = x.primal
    return x


def _tangent_of(t: Any, primal_aval: ShapedArray, where: str) -> Any:
    t_aval = aval_of(t)
    want = tangent_aval(primal_aval)
    if t_aval.shape != primal_aval.shape:
        raise ValueError(
            f"jvp: {where}: the tangent has shape {t_aval.shape} but the primal has shape "
            f"{primal_aval.shape}; they must be equal"
        )
    if want.dtype == dtypes.float0:
        if t_aval.dtype != dtypes.float0:
            raise TypeError(
                f"jvp: {where}: the primal is {primal_aval.str_long()} (not differentiable), so "
                f"its tangent must have dtype float0, got {t_aval.str_long()}"
            )
        return Zero(want)
    if t_aval.dtype != want.dtype:
        raise TypeError(
            f"jvp: {where}: primal and tangent dtypes must be equal, got primal "
            f"{primal_aval.str_long()} and tangent {t_aval.str_long()}"
        )
    return t


def jvp(
    fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False
) -> Any:
    """Evaluate `fun` at `primals` and its directional derivative along `tangents`.

    Returns:
        `(primals_out, tangents_out)` (and `aux` last if `has_aux`).

    Raises:
        TypeError: if `primals`/`tangents` are not tuples or lists, their tree structures
            differ, or a tangent's dtype does not match its primal's.
    """
    if not isinstance(primals, tuple | list) or not isinstance(tangents, tuple | list):
        raise TypeError(
            "jvp: primal and tangent arguments must be tuples or lists, got "
            f"{type(primals).__name__} and {type(tangents).__name__}"
        )
    if len(primals) != len(tangents):
        raise TypeError(
            f"jvp: got {len(primals)} primals but {len(tangents)} tangents; they must match"
        )
    p_flat, in_tree = tree_flatten(tuple(primals))
    t_flat, t_tree = tree_flatten(tuple(tangents))
    if t_tree != in_tree:
        raise TypeError(
            "jvp: primal and tangent arguments must have the same tree structure:\n"
            f"  primals:  {in_tree}\n  tangents: {t_tree}"
        )
    p_avals = leaf_avals(p_flat, "jvp primals")
    ts = [
        _tangent_of(t, a, f"argument leaf {i}")
        for i, (t, a) in enumerate(zip(t_flat, p_avals, strict=True))
    ]
    flat, store, aux = _flatten_fun(fun, in_tree, has_aux)
    p_out, t_out = jvp_flat(flat, p_flat, ts)
    out_tree = store[0]
    result = (
        tree_unflatten(out_tree, p_out),
        tree_unflatten(out_tree, [instantiate(t) for t in t_out]),
    )
    return (*result, aux[0]) if has_aux else result


def check_jax012_option(what: str, value: Any, default: Any) -> None:
    """Refuse a JAX 0.12 autodiff option pullback accepts only at its default.

    Raises:
        NotImplementedError: for any other value (saveable_args, in_nzs, with_logs, ...).
    """
    if value is default or (default is not None and value == default):
        return
    raise NotImplementedError(
        f"{what}={value!r} is not supported by pullback (JAX 0.12's option is accepted only at "
        f"its default, {default!r})"
    )


def _check_in_nzs(what: str, in_nzs: Any) -> None:
    # All True means what None means: every input may have a nonzero tangent.
    all_true = in_nzs is not None and all(tree_flatten(in_nzs)[0])
    check_jax012_option(what, None if all_true else in_nzs, None)


def linearize(
    fun: Callable[..., Any], *primals: Any, has_aux: bool = False, in_nzs: Any = None
) -> Any:
    """`fun(*primals)` and the linear map `tangents -> Jacobian @ tangents` at `primals`.

    The linear function evaluates only the recorded tangent computation on saved residuals;
    calling it never runs `fun` again.

    `in_nzs` (JAX 0.12) is accepted as None or all True.

    Returns:
        `(primals_out, f_jvp)` (and `aux` last if `has_aux`).
    """
    _check_in_nzs("linearize: in_nzs", in_nzs)
    p_flat, in_tree = tree_flatten(primals)
    p_avals = leaf_avals(p_flat, "linearize primals")
    flat, store, aux = _flatten_fun(fun, in_tree, has_aux)
    mask = [dtypes.is_inexact(a.dtype) for a in p_avals]
    p_out, linear, zero_outs = linearize_flat(flat, p_flat, mask)
    out_tree = store[0]
    out_avals = [aval_of(p) for p in p_out]

    def f_jvp(*tangents: Any) -> Any:
        t_flat, t_tree = tree_flatten(tangents)
        if t_tree != in_tree:
            raise TypeError(
                "linearize: the linear function takes tangents with the primals' structure:\n"
                f"  expected: {in_tree}\n  got:      {t_tree}"
            )
        args = []
        for i, (t, a, m) in enumerate(zip(t_flat, p_avals, mask, strict=True)):
            _tangent_of(t, a, f"tangent leaf {i}")
            if m:
                args.append(t)
        outs = iter(eval_jaxpr(linear.jaxpr, linear.consts, *args))
        res = [
            zeros_like_aval(tangent_aval(a)) if z else next(outs)
            for a, z in zip(out_avals, zero_outs, strict=True)
        ]
        return tree_unflatten(out_tree, res)

    result = (tree_unflatten(out_tree, p_out), f_jvp)
    return (*result, aux[0]) if has_aux else result


def _psum_reduce_axes(ct: Any, reduce_axes: Sequence[Any]) -> Any:
    if not reduce_axes:
        return ct
    names = [n for n in reduce_axes if any(b == n for b, _ in CONTEXT.axis_env)]
    for n in names:
        axis_size(n, "reduce_axes")
    return lax.psum(ct, tuple(names)) if names else ct


def _vjp_flat(
    flat: Callable[..., Any], p_flat: Sequence[Any], mask: Sequence[bool]
) -> tuple[list[Any], Callable[[Sequence[Any]], list[Any]]]:
    p_out, linear, zero_outs = linearize_flat(flat, p_flat, mask)
    lin_avals = linear.in_avals

    def pullback(cts: Sequence[Any]) -> list[Any]:
        kept = [ct for ct, z in zip(cts, zero_outs, strict=True) if not z]
        args = [UndefinedPrimal(a) for a in lin_avals]
        cts_in = backward_pass(linear.jaxpr, linear.consts, args, kept)
        it = iter(cts_in)
        return [next(it) if m else None for m in mask]

    return p_out, pullback


def _weak_like(ct: Any, primal: ShapedArray) -> Any:
    # A weakly typed primal (a Python scalar) gets a weakly typed cotangent, as in JAX.
    if primal.weak_type:
        a = aval_of(ct)
        if not a.weak_type and a.dtype == primal.dtype:
            return lax.convert_element_type(ct, primal.dtype, weak_type=True)
    return ct


def vjp(
    fun: Callable[..., Any],
    *primals: Any,
    has_aux: bool = False,
    reduce_axes: Sequence[Any] = (),
    saveable_args: Any = True,
    in_nzs: Any = None,
) -> Any:
    """`fun(*primals)` and its pullback `cotangents -> Jacobianᵀ @ cotangents`.

    Args:
        fun: the function (pytrees of arrays in and out).
        *primals: the point.
        has_aux: `fun` returns `(output, aux)`; aux is returned as is.
        reduce_axes: named axes over which cotangents of values broadcast across that axis are
            summed (psum) in the pullback.
        saveable_args: JAX 0.12's option, accepted as True (every argument may be saved).
        in_nzs: JAX 0.12's option, accepted as None or all True (every input may have a
            nonzero tangent).

    Returns:
        `(primals_out, vjp_fun)` (and `aux` last if `has_aux`); `vjp_fun(ct)` returns a tuple
        with one cotangent per primal. Integer primals get float0 cotangents.

    Raises:
        NotImplementedError: for other values of `saveable_args` or `in_nzs`.
    """
    check_jax012_option("vjp: saveable_args", saveable_args, True)
    _check_in_nzs("vjp: in_nzs", in_nzs)
    p_flat, in_tree = tree_flatten(primals)
    p_avals = leaf_avals(p_flat, "vjp primals")
    flat, store, aux = _flatten_fun(fun, in_tree, has_aux)
    mask = [dtypes.is_inexact(a.dtype) for a in p_avals]
    p_out, pullback = _vjp_flat(flat, p_flat, mask)
    out_tree = store[0]
    out_avals = [aval_of(p) for p in p_out]
    reduce_axes = tuple(reduce_axes)

    def vjp_fun(ct: Any) -> tuple[Any, ...]:
        ct_flat, ct_tree = tree_flatten(ct)
        if ct_tree != out_tree:
            raise TypeError(
                "vjp: the cotangent must have the structure of the primal output:\n"
                f"  expected: {out_tree}\n  got:      {ct_tree}"
            )
        for i, (c, a) in enumerate(zip(ct_flat, out_avals, strict=True)):
            ca = aval_of(c)
            want = tangent_aval(a)
            if ca.shape != a.shape or (want.dtype != dtypes.float0 and ca.dtype != want.dtype):
                raise TypeError(
                    f"vjp: cotangent leaf {i} has type {ca.str_long()} but the primal output "
                    f"has type {a.str_long()} (expected a cotangent of {want.str_long()})"
                )
        cts = [
            Zero(tangent_aval(a)) if not dtypes.is_inexact(a.dtype) else c
            for c, a in zip(ct_flat, out_avals, strict=True)
        ]
        cts_in = pullback(cts)
        res = [
            _weak_like(_psum_reduce_axes(instantiate(c), reduce_axes), a)
            if c is not None
            else np.zeros(a.shape, dtypes.float0)
            for c, a in zip(cts_in, p_avals, strict=True)
        ]
        return tuple(tree_unflatten(in_tree, res))

    result = (tree_unflatten(out_tree, p_out), vjp_fun)
    return (*result, aux[0]) if has_aux else result


def fwd_and_bwd(fun: Callable[..., Any], *primals: Any, **kwargs: Any) -> tuple[Any, Any]:
    """The forward and backward passes separately: `(primal_out, vjp_fun)`.

    Keyword arguments (`has_aux`, `reduce_axes`) are passed to `vjp`; with `has_aux` the
    result is `(primal_out, vjp_fun, aux)`.
    """
    return vjp(fun, *primals, **kwargs)  # type: ignore[no-any-return]


def _argnums(argnums: int | Sequence[int], n: int, what: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise ValueError(f"{what}: argnums must not be empty")
    out = []
    for a in nums:
        if not isinstance(a, int | np.integer):
            raise TypeError(f"{what}: argnums must be ints, got {a!r}")
        if not -n <= a < n:
            raise ValueError(
                f"{what}: argnums {argnums} is out of range for a function called with {n} "
                "positional arguments"
            )
        out.append(int(a) % n)
    return tuple(out)


def _check_grad_inputs(args: Sequence[Any], holomorphic: bool, allow_int: bool, what: str) -> None:
    for i, x in enumerate(args):
        for leaf in tree_flatten(x)[0]:
            a = aval_of(leaf)
            if holomorphic and not dtypes.is_complex(a.dtype):
                raise TypeError(
                    f"{what} with holomorphic=True requires complex inputs, but argument {i} "
                    f"has type {a.str_long()}"
                )
            if not allow_int and not dtypes.is_inexact(a.dtype):
                raise TypeError(
                    f"{what} requires real- or complex-valued inputs (input dtype that is a "
                    f"sub-dtype of np.inexact), but argument {i} has type {a.str_long()}. "
                    "If you want to use integer-valued inputs, use allow_int=True or use "
                    "vjp."
                )


def _split_argnums(
    fun: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    argnums: int | Sequence[int],
    what: str,
    holomorphic: bool,
    allow_int: bool,
) -> tuple[tuple[Any, ...], Callable[..., Any]]:
    """The differentiated arguments (checked) and `fun` as a function of them alone."""
    nums = _argnums(argnums, len(args), what)
    dyn = tuple(args[i] for i in nums)
    _check_grad_inputs(dyn, holomorphic, allow_int, what)

    def f_dyn(*d: Any) -> Any:
        full = list(args)
        for i, v in zip(nums, d, strict=True):
            full[i] = v
        return fun(*full, **kwargs)

    return dyn, f_dyn


def value_and_grad(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
    reduce_axes: Sequence[Any] = (),
    *,
    with_logs: bool = False,
) -> Callable[..., Any]:
    """A function returning `fun`'s value and its gradient with respect to `argnums`.

    Raises (when called):
        TypeError: if `fun` does not return a real scalar (a complex scalar with
            `holomorphic=True`), or an input has a non-differentiable dtype without `allow_int`.
        NotImplementedError: (at once) for `with_logs=True`: JAX 0.12's backward-pass logs
            are not supported.
    """
    check_jax012_option("value_and_grad: with_logs", with_logs, False)
    what = "value_and_grad"

    @functools.wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        dyn, f_dyn = _split_argnums(fun, args, kwargs, argnums, what, holomorphic, allow_int)

        if has_aux:
            ans, vjp_fun, aux = vjp(f_dyn, *dyn, has_aux=True, reduce_axes=reduce_axes)
        else:
            ans, vjp_fun = vjp(f_dyn, *dyn, reduce_axes=reduce_axes)
        leaves = tree_flatten(ans)[0]
        if len(leaves) != 1 or aval_of(leaves[0]).shape:
            shapes = [aval_of(x).str_long() for x in leaves]
            raise TypeError(
                "grad requires a scalar output of fun, got "
                f"{shapes[0] if len(shapes) == 1 else shapes}. Use vjp or jacrev for non-scalar "
                "outputs."
            )
        out_aval = aval_of(leaves[0])
        if holomorphic:
            if not dtypes.is_complex(out_aval.dtype):
                raise TypeError(
                    "grad with holomorphic=True requires a complex output, got "
                    f"{out_aval.str_long()}"
                )
        elif not dtypes.is_float(out_aval.dtype):
            raise TypeError(
                f"grad requires real-valued outputs (output dtype that is a sub-dtype of "
                f"np.floating), but got {out_aval.str_long()}. For holomorphic differentiation, "
                "pass holomorphic=True. For differentiating non-holomorphic functions involving "
                "complex outputs, use vjp directly."
            )
        one = tree_unflatten(tree_structure(ans), [np.ones((), out_aval.dtype)])
        g = vjp_fun(one)
        g = g[0] if isinstance(argnums, int) else tuple(g)
        return ((ans, aux), g) if has_aux else (ans, g)

    return wrapped


def grad(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
    reduce_axes: Sequence[Any] = (),
    *,
    with_logs: bool = False,
) -> Callable[..., Any]:
    """The gradient of a scalar-valued `fun` with respect to the arguments `argnums`.

    With an int `argnums` the gradient has the structure of that argument; with a tuple, a
    tuple of them. With `has_aux`, returns `(grad, aux)`. `with_logs` (JAX 0.12's
    backward-pass logs) must be False.
    """
    check_jax012_option("grad: with_logs", with_logs, False)
    vg = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int, reduce_axes)

    @functools.wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if has_aux:
            (_, aux), g = vg(*args, **kwargs)
            return g, aux
        return vg(*args, **kwargs)[1]

    return wrapped


def _std_basis(leaves: Sequence[Any]) -> tuple[list[Any], int]:
    """Stacked one-hot tangents: for each leaf an array of shape (N, *leaf.shape)."""
    sizes = [math.prod(aval_of(x).shape) for x in leaves]
    n = sum(sizes)
    out = []
    start = 0
    for x, s in zip(leaves, sizes, strict=True):
        a = aval_of(x)
        eye = np.zeros((n, s), a.dtype)
        eye[np.arange(start, start + s), np.arange(s)] = 1
        out.append(eye.reshape((n, *a.shape)))
        start += s
    return out, n


def jacfwd(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable[..., Any]:
    """The Jacobian of `fun` by forward mode: one JVP per input element.

    The result has, for each output leaf, the output's shape followed by the input's shape.
    """
    return _jacobian(fun, argnums, has_aux, holomorphic, mode="fwd")


def jacrev(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
) -> Callable[..., Any]:
    """The Jacobian of `fun` by reverse mode: one VJP per output element."""
    return _jacobian(fun, argnums, has_aux, holomorphic, mode="rev", allow_int=allow_int)


def jacobian(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
) -> Callable[..., Any]:
    """The Jacobian of `fun`, choosing the mode from the sizes.

    Rule: forward mode (one JVP per input element) when the inputs have fewer elements than
    the outputs, reverse mode (one VJP per output element) otherwise. The results are the
    same; the choice only changes the cost.
    """
    return _jacobian(fun, argnums, has_aux, holomorphic, mode="auto", allow_int=allow_int)


def _jacobian(
    fun: Callable[..., Any],
    argnums: int | Sequence[int],
    has_aux: bool,
    holomorphic: bool,
    mode: str,
    allow_int: bool = False,
) -> Callable[..., Any]:
    name = {"fwd": "jacfwd", "rev": "jacrev", "auto": "jacobian"}[mode]

    @functools.wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        dyn, f_dyn = _split_argnums(fun, args, kwargs, argnums, name, holomorphic, allow_int)

        in_flat, in_tree = tree_flatten(dyn)
        flat, store, aux = _flatten_fun(f_dyn, in_tree, has_aux)
        in_avals = [aval_of(x) for x in in_flat]
        n_in = sum(math.prod(a.shape) for a in in_avals)
        use_fwd = mode == "fwd"
        mask = [dtypes.is_inexact(a.dtype) for a in in_avals]
        p_out, linear, zero_outs = linearize_flat(flat, in_flat, mask)
        out_avals = [aval_of(p) for p in p_out]
        n_out = sum(math.prod(a.shape) for a in out_avals)
        if mode == "auto":
            use_fwd = n_in < n_out
        # jac[k][j]: output leaf k with respect to input leaf j, shape out.shape + in.shape.
        jac: list[list[Any]] = [[None] * len(in_flat) for _ in out_avals]
        if use_fwd:
            basis, _ = _std_basis(in_flat)
            cols: list[list[Any]] = [[] for _ in out_avals]
            for e in range(n_in):
                ts = [b[e] for b, m in zip(basis, mask, strict=True) if m]
                outs = iter(eval_jaxpr(linear.jaxpr, linear.consts, *ts))
                for k, (a, z) in enumerate(zip(out_avals, zero_outs, strict=True)):
                    cols[k].append(zeros_like_aval(tangent_aval(a)) if z else next(outs))
            for k, a in enumerate(out_avals):
                stacked = _stack(cols[k], (n_in, *a.shape), a.dtype)  # (n_in, *out)
                start = 0
                for j, ia in enumerate(in_avals):
                    s = math.prod(ia.shape)
                    piece = lax.slice(stacked, (start, *(0,) * len(a.shape)), (start + s, *a.shape))
                    piece = lax.reshape(piece, (*ia.shape, *a.shape))
                    nd_in = len(ia.shape)
                    perm = (*range(nd_in, nd_in + len(a.shape)), *range(nd_in))
                    jac[k][j] = lax.transpose(piece, perm)
                    start += s
        else:
            basis, _ = _std_basis(p_out)
            rows: list[list[Any]] = [[] for _ in in_flat]
            lin_avals = linear.in_avals
            for e in range(n_out):
                cts = [b[e] for b, z in zip(basis, zero_outs, strict=True) if not z]
                args_u = [UndefinedPrimal(a) for a in lin_avals]
                cts_in = iter(backward_pass(linear.jaxpr, linear.consts, args_u, cts))
                for j, (ia, m) in enumerate(zip(in_avals, mask, strict=True)):
                    rows[j].append(
                        instantiate(next(cts_in)) if m else np.zeros(ia.shape, dtypes.float0)
                    )
            for j, ia in enumerate(in_avals):
                if not mask[j]:
                    for k, a in enumerate(out_avals):
                        jac[k][j] = np.zeros((*a.shape, *ia.shape), dtypes.float0)
                    continue
                stacked = _stack(rows[j], (n_out, *ia.shape), ia.dtype)
                start = 0
                for k, a in enumerate(out_avals):
                    s = math.prod(a.shape)
                    piece = lax.slice(
                        stacked, (start, *(0,) * len(ia.shape)), (start + s, *ia.shape)
                    )
                    jac[k][j] = lax.reshape(piece, (*a.shape, *ia.shape))
                    start += s
        out_tree = store[0]
        single = isinstance(argnums, int)
        per_out = []
        for k in range(len(out_avals)):
            row = tree_unflatten(in_tree, jac[k])
            per_out.append(row[0] if single else tuple(row))
        result = tree_unflatten(out_tree, per_out)
        return (result, aux[0]) if has_aux else result

    return wrapped


def _stack(items: Sequence[Any], shape: tuple[int, ...], dtype: Any) -> Any:
    if not items:
        return np.zeros(shape, dtype)
    expanded = [lax.expand_dims(x, (0,)) for x in items]
    return lax.concatenate(expanded, 0) if len(expanded) > 1 else expanded[0]


def hessian(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable[..., Any]:
    """The Hessian of a scalar `fun`: `jacfwd(jacrev(fun))`."""
    return jacfwd(jacrev(fun, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)


def linear_transpose(
    fun: Callable[..., Any], *primals: Any, reduce_axes: Sequence[Any] = ()
) -> Callable[..., Any]:
    """The transpose of a function promised to be linear.

    `primals` only give shapes and dtypes (objects with `.shape` and `.dtype` are enough).
    The transposed function takes a cotangent shaped like `fun`'s output and returns a tuple
    shaped like `primals`, cast to the primals' dtypes.

    Raises:
        TypeError: for integer primals, or if `fun` is not linear in its inputs.
    """
    p_flat, in_tree = tree_flatten(primals)
    in_avals = []
    for i, p in enumerate(p_flat):
        a = aval_of(p)
        if not dtypes.is_inexact(a.dtype):
            raise TypeError(
                f"linear_transpose only supports [float or complex] -> [float or complex], "
                f"but primal leaf {i} has type {a.str_long()}"
            )
        in_avals.append(ShapedArray(a.shape, a.dtype))
    flat, store, _ = _flatten_fun(fun, in_tree, False)
    closed = trace_to_jaxpr(flat, in_avals)
    out_tree = store[0]
    out_avals = closed.out_avals
    reduce_axes = tuple(reduce_axes)

    def transposed(*ct: Any) -> tuple[Any, ...]:
        ct_arg = ct[0] if len(ct) == 1 else ct
        ct_flat, ct_tree = tree_flatten(ct_arg)
        if ct_tree != out_tree:
            raise TypeError(
                "linear_transpose: the cotangent must have the structure of the output:\n"
                f"  expected: {out_tree}\n  got:      {ct_tree}"
            )
        cts = []
        for i, (c, a) in enumerate(zip(ct_flat, out_avals, strict=True)):
            ca = aval_of(c)
            if ca.shape != a.shape:
                raise TypeError(
                    f"linear_transpose: cotangent leaf {i} has type {ca.str_long()}, expected "
                    f"{a.str_long()}"
                )
            cts.append(lax.convert_element_type(c, a.dtype) if ca.dtype != a.dtype else c)
        args = [UndefinedPrimal(a) for a in in_avals]
        res = backward_pass(closed.jaxpr, closed.consts, args, cts)
        outs = []
        for r, a in zip(res, in_avals, strict=True):
            v = instantiate(r)
            if aval_of(v).dtype != a.dtype:
                if dtypes.is_complex(aval_of(v).dtype) and not dtypes.is_complex(a.dtype):
                    v = lax.real(v)
                v = lax.convert_element_type(v, a.dtype)
            outs.append(_psum_reduce_axes(v, reduce_axes))
        return tuple(tree_unflatten(in_tree, outs))

    return transposed
