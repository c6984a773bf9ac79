"""`pullback.random`: counter-based random numbers from the Threefry-2x32 hash.

Keys are uint32[2] arrays. The derivations follow JAX's default ("partitionable") Threefry
scheme, so that the same key gives the same bits as `jax.random`: a key of a seed holds its
high and low 32 bits; `split` and the random bits of a shape hash the (high, low) words of the
flat position index; `fold_in` hashes (0, data). Samplers transform those bits as JAX does
(uniform floats from the mantissa bits, normal via erf_inv, Gumbel-max categorical, sort-based
permutation). Everything is made of primitives, so it works under jit, vmap and grad.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any, NewType

import numpy as np
from pullback_compile import Array, jit
from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of, check_one_device
from pullback_ir.config import STATE
from pullback_ir.trace import CONTEXT, EvalTrace, Tracer
from pullback_pytrees import register_pytree_node, tree_leaves

from pullback_api._transforms import to_arrays
from pullback_api.numpy._core import asarray_arg, export, to_dtype

#: The type of a PRNG key, for annotations (JAX 0.12's `jax.random.Key`).
Key = NewType("Key", Array)

__all__ = [
    "Key",
    "PRNGKey",
    "PRNGKeyArray",
    "bernoulli",
    "beta",
    "bits",
    "categorical",
    "cauchy",
    "chisquare",
    "choice",
    "clone",
    "dirichlet",
    "exponential",
    "f",
    "fold_in",
    "gamma",
    "geometric",
    "gumbel",
    "key",
    "key_data",
    "key_impl",
    "laplace",
    "loggamma",
    "logistic",
    "lognormal",
    "maxwell",
    "multivariate_normal",
    "normal",
    "orthogonal",
    "pareto",
    "permutation",
    "poisson",
    "rademacher",
    "randint",
    "rayleigh",
    "shuffle",
    "split",
    "t",
    "truncated_normal",
    "uniform",
    "weibull_min",
    "wrap_key_data",
]  # fmt: skip

_U32 = np.dtype(np.uint32)


class KeyDType:
    """The dtype of typed PRNG key arrays (`random.key`): `key<fry>` for threefry2x32."""

    __slots__ = ()
    name = "key<fry>"
    #: The shape and dtype of one key's raw data (`key_data`).
    base_shape = (2,)
    itemsize = 8
    kind = "V"

    def __repr__(self) -> str:
        return self.name

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeyDType) or other == self.name

    def __hash__(self) -> int:
        return hash(self.name)


KEY_DTYPE = KeyDType()


class PRNGSpec:
    """The PRNG implementation of a key array (`key_impl`): threefry2x32, the only one here."""

    __slots__ = ()
    name = "threefry2x32"

    def __repr__(self) -> str:
        return f"PRNGSpec({self.name!r})"

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PRNGSpec) or other == self.name

    def __hash__(self) -> int:
        return hash(self.name)


class KeyAval:
    """The abstract value of a typed key array: its shape and the key dtype."""

    __slots__ = ("shape",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = tuple(shape)

    dtype = property(lambda self: KEY_DTYPE, doc="`key<fry>`.")
    weak_type = False
    sharding = None

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return len(self.shape)

    def str_short(self) -> str:
        """`key<fry>[2]`, as in printouts."""
        return f"key<fry>[{','.join(map(str, self.shape))}]"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeyAval) and other.shape == self.shape

    def __hash__(self) -> int:
        return hash(("key", self.shape))

    def __repr__(self) -> str:
        return f"ShapedArray({self.str_short()})"


class PRNGKeyArray:
    """An array of typed PRNG keys (`random.key`, `wrap_key_data`): dtype `key<fry>`.

    Each key is two uint32 words; the array's shape is the keys' shape (a single key has
    shape ()). It is a pytree whose one leaf is the uint32 data of shape `(*shape, 2)`, so it
    passes through jit, vmap (over its leading axes), scan and the other transformations.
    Random functions take it wherever they take a legacy uint32[2] key (`PRNGKey`).
    """

    __slots__ = ("_base",)
    __array_priority__ = 100

    def __init__(self, base: Any) -> None:
        self._base = base

    @property
    def shape(self) -> tuple[int, ...]:
        """The keys' shape (the data's shape without its trailing 2)."""
        return tuple(aval_of(self._base).shape[:-1])

    @property
    def ndim(self) -> int:
        """The number of key dimensions."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """The number of keys."""
        return math.prod(self.shape)

    @property
    def dtype(self) -> KeyDType:
        """`key<fry>`."""
        return KEY_DTYPE

    @property
    def aval(self) -> KeyAval:
        """The abstract value: shape and key dtype (what `typeof` gives)."""
        return KeyAval(self.shape)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object (a single PRNG key)")
        return self.shape[0]

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, idx: Any) -> PRNGKeyArray:
        idx = idx if isinstance(idx, tuple) else (idx,)
        if any(i is Ellipsis for i in idx):
            k = idx.index(Ellipsis)
            n = sum(1 for i in idx if i is not None and i is not Ellipsis)
            idx = (*idx[:k], *(slice(None),) * (self.ndim - n), *idx[k + 1 :])
        return PRNGKeyArray(self._base[(*idx, slice(None))])

    def reshape(self, *shape: Any) -> PRNGKeyArray:
        """The keys in a new shape."""
        from pullback_api.numpy import reshape

        new = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        new = tuple(new)
        if -1 in new:
            known = math.prod(d for d in new if d != -1)
            new = tuple(self.size // known if d == -1 else d for d in new)
        return PRNGKeyArray(reshape(self._base, (*new, 2)))

    def ravel(self) -> PRNGKeyArray:
        """The keys as a 1-D array."""
        return self.reshape(self.size)

    flatten = ravel

    @property
    def T(self) -> PRNGKeyArray:
        """The keys with their axes reversed."""
        from pullback_api.numpy import transpose

        nd = self.ndim
        return PRNGKeyArray(transpose(self._base, (*reversed(range(nd)), nd)))

    def block_until_ready(self) -> PRNGKeyArray:
        """Wait for the keys' data."""
        if isinstance(self._base, Array):
            self._base.block_until_ready()
        return self

    def __eq__(self, other: object) -> Any:
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        from pullback_api.numpy import all as all_

        return all_(self._base == other._base, axis=-1)

    def __ne__(self, other: object) -> Any:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else ~eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if isinstance(self._base, Tracer):
            return f"Traced<key<fry>[{','.join(map(str, self.shape))}]>"
        return f"Array({self.shape}, dtype=key<fry>) overlaying:\n{np.asarray(self._base)}"


register_pytree_node(
    PRNGKeyArray, lambda k: ((k._base,), None), lambda _, children: PRNGKeyArray(*children)
)


def _key_base(key: Any, name: str) -> tuple[Any, bool]:
    """(the uint32 data, whether it was a typed key) of a key argument."""
    if isinstance(key, PRNGKeyArray):
        return key._base, True
    key = asarray_arg(key, name)
    a = aval_of(key)
    if a.dtype != _U32 or not a.shape or a.shape[-1] != 2:
        raise TypeError(
            f"{name}: expected a PRNG key (from random.key, PRNGKey or split), got {a.str_short()}"
        )
    return key, False


def _check_key(key: Any, name: str) -> Any:
    """The uint32[2] data of a single key (typed or legacy)."""
    base, typed = _key_base(key, name)
    shape = aval_of(base).shape[:-1]
    if shape:
        kind = f"key array of shape {shape}" if typed else f"uint32 array of shape {(*shape, 2)}"
        raise ValueError(
            f"{name} accepts a single key, but was given a {kind}. Use jax.vmap for batching."
        )
    return base


def _wrap_like(typed: bool, base: Any) -> Any:
    return PRNGKeyArray(base) if typed else base


def _on_host(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    # An eager call whose operands are all on the host or the CPU (nothing traced): what the
    # integer-only samplers compute there with NumPy is what XLA computes, to the bit.
    if type(CONTEXT.trace) is not EvalTrace:
        return False
    for x in tree_leaves((args, kwargs)):
        if isinstance(x, Tracer):
            return False
        if type(x) is Array and x.device.platform != "cpu":
            return False
    return True


#: JAX 0.12's algorithm choices, `sampler -> (keyword, default, implemented, valid)`: pullback
#: implements JAX's default algorithm of each (bit for bit); the others raise
#: NotImplementedError, and a choice JAX does not know raises its ValueError.
_ALGORITHMS: dict[str, tuple[str, Any, frozenset[Any], frozenset[Any]]] = {
    "normal": ("mode", None, frozenset({None, "low"}), frozenset({None, "low", "high", "highest"})),
    "truncated_normal": ("mode", "low", frozenset({"low"}), frozenset({"low", "high"})),
    "bits": ("num_streams", None, frozenset({None, 1}), frozenset({None, 1, 2, 4})),
    **{name: ("method", "exact", frozenset({"exact"}), frozenset({"exact", "approximate"}))
       for name in ("gamma", "loggamma", "beta", "chisquare", "poisson")},
}  # fmt: skip


def _algorithm(name: str, kwargs: dict[str, Any]) -> Any:
    """Pop and check the algorithm keyword of sampler `name` (see `_ALGORITHMS`)."""
    keyword, default, implemented, valid = _ALGORITHMS[name]
    choice = kwargs.pop(keyword, default)
    if isinstance(choice, bool) or choice not in valid:
        raise ValueError(f"{name}: {keyword} must be one of "
                         f"{sorted(valid, key=str)}, got {choice!r}")  # fmt: skip
    if choice not in implemented:
        raise NotImplementedError(
            f"{name}: {keyword}={choice!r} is not implemented in pullback (it implements JAX's "
            f"default, {keyword}={default!r})"
        )
    return choice


def _sampler(
    *static: str, integer: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A public sampler run through one jit with `static` arguments (as JAX's samplers are).

    Eager calls then compute exactly what a jitted program computes (one compiled executable,
    cached per static arguments: shapes, dtypes, modes) and take one dispatch instead of one
    per operation. Inside another trace the jit is staged like any other call. Lists among
    the static arguments (a shape given as a list) are made tuples first.

    An `integer` sampler (split, fold_in, bits, randint: the threefry hash and integer
    arithmetic only, whose NumPy results are XLA's to the bit) runs eagerly on host operands
    without compiling: compiling the unrolled hash costs ~0.1 s for each new shape.
    """

    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(f)
        jitted: list[Callable[..., Any]] = []  # made at the first call: jit picks a device,
        # which starts the backend, and importing must not (jax_num_cpu_devices comes first)

        algorithm = _ALGORITHMS.get(f.__name__)

        @functools.wraps(f)
        def call(*args: Any, **kwargs: Any) -> Any:
            if "out_sharding" in kwargs:
                check_one_device(kwargs.pop("out_sharding"), f"{f.__name__}: out_sharding")
            if algorithm is not None and _algorithm(f.__name__, kwargs) == 1:
                return (call(*args, **kwargs),)  # bits(num_streams=1): a tuple of one stream
            if integer and _on_host(args, kwargs):
                return to_arrays(f(*args, **kwargs))
            if not jitted:
                jitted.append(jit(f, static_argnames=static))
            if not any(type(a) in (list, np.ndarray) for a in (*args, *kwargs.values())):
                # (nothing to normalize: jit maps the static names to positions itself)
                return jitted[0](*args, **kwargs)
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError as e:
                raise TypeError(f"{f.__name__}: {e}") from None
            arguments = bound.arguments
            for name in static:
                v = arguments.get(name)
                if isinstance(v, list):
                    arguments[name] = tuple(v)
                elif isinstance(v, np.ndarray):
                    arguments[name] = tuple(v.tolist()) if v.ndim else v.item()
            return jitted[0](**arguments)

        # (JAX's samplers take a keyword-only `out_sharding`; so do these, via `call`)
        params = list(sig.parameters.values())
        if algorithm is not None:
            params.append(inspect.Parameter(algorithm[0], inspect.Parameter.KEYWORD_ONLY,
                                            default=algorithm[1]))  # fmt: skip
        if "out_sharding" not in sig.parameters and not f.__name__.startswith("_"):
            params.append(
                inspect.Parameter("out_sharding", inspect.Parameter.KEYWORD_ONLY, default=None)
            )
        call.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        return call

    return deco


def _shape(shape: Any, name: str) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{name}: shape must be a sequence of ints, got {shape!r}") from None


@export
def PRNGKey(seed: Any, *, impl: Any = None) -> Any:
    """A key from an integer seed: the seed's high and low 32 bits as uint32[2]."""
    if impl not in (None, "threefry2x32"):
        raise ValueError(f"PRNGKey: only the threefry2x32 implementation, got {impl!r}")
    if isinstance(seed, Tracer):
        dt = aval_of(seed).dtype
        if not dtypes.is_integer(dt):
            raise TypeError(f"PRNGKey: the seed must be an integer, got {dt}")
        lo = lax.convert_element_type(seed, _U32)
        if dt.itemsize == 8:
            hi = lax.convert_element_type(lax.shift_right_logical(seed, np.asarray(32, dt)), _U32)
        else:
            hi = lax.mul(lo, np.asarray(0, _U32))
        return lax.concatenate([lax.reshape(hi, (1,)), lax.reshape(lo, (1,))], 0)
    non_int_array = hasattr(seed, "dtype") and not dtypes.is_integer(np.dtype(seed.dtype))
    if isinstance(seed, (float, np.floating)) or non_int_array:
        raise TypeError(f"PRNGKey: the seed must be an integer, got {seed!r}")
    s = int(np.asarray(seed))
    if not STATE.x64:
        if not -(2**31) <= s < 2**32:
            raise OverflowError(f"PRNGKey: seed {s} does not fit in 32 bits (x64 is off)")
        hi, lo = 0, s & 0xFFFFFFFF
    else:
        hi, lo = (s >> 32) & 0xFFFFFFFF, s & 0xFFFFFFFF
    return np.array([hi, lo], dtype=np.uint32)


def _check_impl(impl: Any, name: str) -> None:
    if impl is not None and str(impl) not in ("threefry2x32", "threefry"):
        raise ValueError(
            f"{name}: unknown or unsupported PRNG implementation {impl!r} (pullback implements "
            "threefry2x32, JAX's default)"
        )


def key(seed: Any, *, impl: Any = None) -> PRNGKeyArray:
    """A typed PRNG key (shape (), dtype key<fry>) from an integer seed.

    Example:
        >>> k = key(0)
        >>> k.shape, k.dtype
        ((), key<fry>)
    """
    _check_impl(impl, "key")
    return PRNGKeyArray(PRNGKey(seed))


def key_data(keys: Any) -> Any:
    """The uint32 data of keys: shape `(*keys.shape, 2)` (legacy uint32 keys as they are)."""
    base, _ = _key_base(keys, "key_data")
    return base


def wrap_key_data(key_bits_array: Any, *, impl: Any = None) -> PRNGKeyArray:
    """Typed keys from uint32 data of shape `(..., 2)` (the inverse of `key_data`).

    Raises:
        TypeError: if the data is not uint32 with a trailing axis of size 2.
    """
    _check_impl(impl, "wrap_key_data")
    if isinstance(key_bits_array, PRNGKeyArray):
        raise TypeError("wrap_key_data: the argument is a typed key array already")
    data = asarray_arg(key_bits_array, "wrap_key_data")
    a = aval_of(data)
    if a.dtype != _U32 or not a.shape or a.shape[-1] != 2:
        raise TypeError(
            "wrap_key_data: expected uint32 key data of shape (..., 2) for threefry2x32, got "
            f"{a.str_short()}"
        )
    return PRNGKeyArray(data)


def key_impl(keys: Any) -> PRNGSpec:
    """The PRNG implementation of `keys`: threefry2x32."""
    _key_base(keys, "key_impl")
    return PRNGSpec()


def clone(key: Any) -> Any:
    """`key` itself: keys are immutable values here, as in JAX without stateful keys."""
    return key


def _hash(key: Any, hi: Any, lo: Any) -> tuple[Any, Any]:
    k1 = lax.slice(key, [0], [1])
    k2 = lax.slice(key, [1], [2])
    k1, k2 = lax.reshape(k1, ()), lax.reshape(k2, ())
    return tuple(lax.threefry2x32(k1, k2, hi, lo))


def _counts(shape: tuple[int, ...]) -> tuple[Any, Any]:
    # The flat position index as (high, low) uint32 words.
    n = math.prod(shape)
    idx = np.arange(n, dtype=np.uint64).reshape(shape)
    # (astype copies into a new contiguous array; np.ascontiguousarray would make 0-d 1-d)
    return ((idx >> np.uint64(32)).astype(np.uint32),
            (idx & np.uint64(0xFFFFFFFF)).astype(np.uint32))  # fmt: skip


def _bits(key: Any, bit_width: int, shape: tuple[int, ...]) -> Any:
    hi, lo = _counts(shape)
    b1, b2 = _hash(key, hi, lo)
    if bit_width == 32:
        return lax.bitwise_xor(b1, b2)
    if bit_width == 64:
        u64 = np.dtype(np.uint64)
        return lax.bitwise_or(lax.shift_left(lax.convert_element_type(b1, u64),
                                             np.asarray(32, u64)),
                              lax.convert_element_type(b2, u64))  # fmt: skip
    return lax.convert_element_type(lax.bitwise_xor(b1, b2),
                                    {8: np.uint8, 16: np.uint16}[bit_width])  # fmt: skip


@export
@_sampler("shape", "dtype", integer=True)
def bits(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Uniform random bits of an unsigned integer dtype (default uint32)."""
    key = _check_key(key, "bits")
    dt = np.dtype(np.uint32) if dtype is None else dtypes.canonicalize_dtype(dtype)
    if dt not in (
        np.dtype(np.uint8),
        np.dtype(np.uint16),
        np.dtype(np.uint32),
        np.dtype(np.uint64),
    ):
        raise TypeError(f"bits: dtype must be an unsigned integer type, got {dt}")
    return _bits(key, dt.itemsize * 8, _shape(shape, "bits"))


def split(key: Any, num: int | Sequence[int] = 2) -> Any:
    """`num` new keys (a shape gives keys of that shape), independent of `key`'s others.

    A typed key gives typed keys of shape `num`; a legacy uint32[2] key gives uint32 data of
    shape `(*num, 2)`.
    """
    base, typed = _key_base(key, "split")
    if aval_of(base).shape != (2,):
        _check_key(key, "split")  # (raises JAX's error for a batch of keys)
    return _wrap_like(typed, _split(base, _shape(num, "split")))


def _split_raw(key: Any, num: tuple[int, ...]) -> Any:
    hi, lo = _counts(num)
    b1, b2 = _hash(key, hi, lo)
    nd = len(num)
    return lax.concatenate([lax.expand_dims(b1, (nd,)), lax.expand_dims(b2, (nd,))], nd)


_split = _sampler("num", integer=True)(_split_raw)


def fold_in(key: Any, data: Any) -> Any:
    """A new key determined by `key` and an integer `data` (typed if `key` is)."""
    base, typed = _key_base(key, "fold_in")
    _check_key(key, "fold_in")
    d = asarray_arg(data, "fold_in")
    if aval_of(d).shape:
        raise TypeError(f"fold_in: data must be a scalar, got shape {aval_of(d).shape}")
    return _wrap_like(typed, _fold_in(base, d))


@_sampler(integer=True)
def _fold_in(key: Any, data: Any) -> Any:
    d = lax.reshape(to_dtype(data, _U32), (1,))
    b1, b2 = _hash(key, np.zeros(1, np.uint32), d)
    return lax.concatenate([b1, b2], 0)


def _int_dtype(dtype: Any, name: str) -> np.dtype[Any]:
    dt = dtypes.default_int_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_integer(dt):
        raise TypeError(f"{name}: dtype must be an integer type, got {dt}")
    return dt


def _float_dtype(dtype: Any, name: str) -> np.dtype[Any]:
    dt = dtypes.default_float_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_float(dt):
        raise TypeError(f"{name}: dtype must be a floating type, got {dt}")
    return dt


def _uniform(key: Any, shape: tuple[int, ...], dt: np.dtype[Any], minval: Any,
             maxval: Any) -> Any:  # fmt: skip
    import ml_dtypes

    info = ml_dtypes.finfo(dt)  # type: ignore[no-untyped-call]
    nbits, nmant = info.bits, info.nmant
    rng_bits = 8 if nmant < 8 else nbits
    uint = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}[nbits]
    bits = _bits(key, rng_bits, shape)
    if rng_bits != nbits:
        bits = lax.convert_element_type(bits, uint)
    one_bits = np.array(1.0, dt).view(uint)
    fb = lax.bitwise_or(lax.shift_right_logical(bits, np.asarray(rng_bits - nmant, uint)),
                        np.asarray(one_bits, uint))  # fmt: skip
    floats = lax.sub(lax.bitcast_convert_type(fb, dt), np.asarray(1.0, dt))
    lo = to_dtype(asarray_arg(minval, "uniform"), dt)
    hi = to_dtype(asarray_arg(maxval, "uniform"), dt)
    from pullback_api.numpy._shape import broadcast_to

    lo_b = broadcast_to(lo, shape)
    hi_b = broadcast_to(hi, shape)
    return lax.max(lo_b, lax.add(lax.mul(floats, lax.sub(hi_b, lo_b)), lo_b))


@export
@_sampler("shape", "dtype")
def uniform(key: Any, shape: Sequence[int] = (), dtype: Any = None, minval: Any = 0.0,
            maxval: Any = 1.0) -> Any:  # fmt: skip
    """Uniform floats in [minval, maxval)."""
    key = _check_key(key, "uniform")
    return _uniform(key, _shape(shape, "uniform"), _float_dtype(dtype, "uniform"), minval, maxval)


@export
@_sampler("shape", "dtype")
def normal(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Standard normal floats (sqrt(2) * erf_inv of a uniform in (-1, 1))."""
    key = _check_key(key, "normal")
    return _normal_raw(key, _shape(shape, "normal"), _float_dtype(dtype, "normal"))


def _normal_raw(key: Any, shape: tuple[int, ...], dt: np.dtype[Any]) -> Any:
    lo = np.nextafter(np.array(-1.0, dt), np.array(0.0, dt), dtype=dt) if dt != dtypes.bfloat16 \
        else np.array(-1.0 + 2.0**-7, dt)  # fmt: skip
    u = _uniform(key, shape, dt, lo, 1.0)
    return lax.mul(np.asarray(np.sqrt(2), dt), lax.erf_inv(u))


@export
@_sampler("shape", "dtype")
def truncated_normal(key: Any, lower: Any, upper: Any, shape: Sequence[int] | None = None,
                     dtype: Any = None) -> Any:  # fmt: skip
    """Normal floats truncated to [lower, upper] (inverse-CDF sampling)."""
    key = _check_key(key, "truncated_normal")
    dt = _float_dtype(dtype, "truncated_normal")
    lo = to_dtype(asarray_arg(lower), dt)
    hi = to_dtype(asarray_arg(upper), dt)
    shp = _shape(shape, "truncated_normal") if shape is not None else tuple(
        np.broadcast_shapes(aval_of(lo).shape, aval_of(hi).shape))  # fmt: skip
    sqrt2 = np.asarray(np.sqrt(2), dt)
    a = lax.erf(lax.div(lo, sqrt2))
    b = lax.erf(lax.div(hi, sqrt2))
    u = _uniform(key, shp, dt, a, b)
    out = lax.mul(sqrt2, lax.erf_inv(u))
    from pullback_api.numpy._reductions import clip

    return clip(out, lo, hi)


@export
@_sampler("shape", "mode")
def bernoulli(key: Any, p: Any = 0.5, shape: Sequence[int] | None = None, mode: str = "low") -> Any:
    """Booleans that are True with probability `p`."""
    key = _check_key(key, "bernoulli")
    p = asarray_arg(p, "bernoulli")
    dt = aval_of(p).dtype
    if not dtypes.is_float(dt):
        p = to_dtype(p, dtypes.default_float_dtype())
        dt = aval_of(p).dtype
    shp = aval_of(p).shape if shape is None else _shape(shape, "bernoulli")
    from pullback_api.numpy._shape import broadcast_to

    return lax.lt(_uniform(key, shp, dt, 0.0, 1.0), broadcast_to(p, shp))


@export
@_sampler("shape", "dtype", integer=True)
def randint(key: Any, shape: Sequence[int], minval: Any, maxval: Any, dtype: Any = None) -> Any:
    """Integers in [minval, maxval) (JAX's two-word modulus method)."""
    key = _check_key(key, "randint")
    dt = _int_dtype(dtype, "randint")
    shp = _shape(shape, "randint")
    nbits = dt.itemsize * 8
    udt = np.dtype({8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}[nbits])
    info = np.iinfo(dt)
    lo_in = asarray_arg(minval, "randint")
    hi_in = asarray_arg(maxval, "randint")
    wide = np.dtype(np.int64) if STATE.x64 else np.dtype(np.int32)
    lo_w, hi_w = to_dtype(lo_in, wide), to_dtype(hi_in, wide)
    top = np.asarray(min(info.max, np.iinfo(wide).max), wide)
    bottom = np.asarray(max(info.min, np.iinfo(wide).min), wide)
    out_of_range = lax.gt(hi_w, top)
    lo = to_dtype(lax.clamp(bottom, lo_w, top), dt)
    hi = to_dtype(lax.clamp(bottom, hi_w, top), dt)
    from pullback_api.numpy._shape import broadcast_to

    lo, hi = broadcast_to(lo, shp), broadcast_to(hi, shp)
    out_of_range = broadcast_to(out_of_range, shp)
    keys = split(key)
    k1 = lax.reshape(lax.slice(keys, [0, 0], [1, 2]), (2,))
    k2 = lax.reshape(lax.slice(keys, [1, 0], [2, 2]), (2,))
    higher, lower = _bits(k1, nbits, shp), _bits(k2, nbits, shp)
    span = lax.convert_element_type(lax.sub(hi, lo), udt)

    def full(v: int) -> Any:  # (a constant of the sample's shape)
        c = np.asarray(v, udt)
        return lax.broadcast_in_dim(c, shp, ()) if shp else c

    one = np.asarray(1, udt)
    span = lax.select(lax.le(hi, lo), full(1), span)
    span = lax.select(lax.bitwise_and(out_of_range, lax.gt(hi, lo)), lax.add(span, one), span)
    # A full-width range makes `span` wrap to 0, and x % 0 is x in XLA. The divisor is guarded
    # because XLA's constant folder crashes (SIGFPE) on an integer remainder by a constant 0.
    zero = lax.eq(span, full(0))
    safe = lax.select(zero, full(1), span)

    def rem(x: Any) -> Any:
        return lax.select(zero, x, lax.rem(x, safe))

    mult = rem(full(2 ** (nbits // 2)))
    mult = rem(lax.mul(mult, mult))
    off = rem(lax.add(lax.mul(rem(higher), mult), rem(lower)))
    return lax.add(lo, lax.convert_element_type(off, dt))


@export
@_sampler("shape", "dtype", "mode")
def gumbel(key: Any, shape: Sequence[int] = (), dtype: Any = None, mode: str | None = None) -> Any:
    """Standard Gumbel samples: -log(-log(u))."""
    key = _check_key(key, "gumbel")
    dt = _float_dtype(dtype, "gumbel")
    import ml_dtypes

    tiny = ml_dtypes.finfo(dt).tiny  # type: ignore[no-untyped-call]
    u = _uniform(key, _shape(shape, "gumbel"), dt, tiny, 1.0)
    return lax.neg(lax.log(lax.neg(lax.log(u))))


@export
@_sampler("axis", "shape", "replace", "mode")
def categorical(key: Any, logits: Any, axis: int = -1, shape: Sequence[int] | None = None,
                replace: bool = True, mode: str | None = None) -> Any:  # fmt: skip
    """Category indices drawn from `softmax(logits)` along `axis` (the Gumbel-max trick)."""
    key = _check_key(key, "categorical")
    logits = asarray_arg(logits, "categorical")
    ls = aval_of(logits).shape
    ax = axis % len(ls)
    batch = ls[:ax] + ls[ax + 1 :]
    shp = batch if shape is None else _shape(shape, "categorical")
    prefix = shp[: len(shp) - len(batch)]
    dt = aval_of(logits).dtype if dtypes.is_float(aval_of(logits).dtype) else \
        dtypes.default_float_dtype()  # fmt: skip
    logits = to_dtype(logits, dt)
    from pullback_api.numpy._reductions import argmax
    from pullback_api.numpy._shape import broadcast_to

    if replace:
        neg_axis = ax - len(ls)
        logits_shape = list(shp[len(shp) - len(batch) :])
        logits_shape.insert(neg_axis % len(ls), ls[ax])
        g = gumbel(key, (*prefix, *logits_shape), dt)
        full = (*prefix, *logits_shape)
        lg = lax.expand_dims(logits, tuple(range(len(prefix)))) if prefix else logits
        return argmax(lax.add(g, broadcast_to(lg, full)), axis=neg_axis)
    g = lax.add(logits, gumbel(key, ls, dt))
    k = math.prod(prefix)
    if k > ls[ax]:
        raise ValueError(f"categorical: {k} samples without replacement from {ls[ax]} categories")
    from pullback_api.numpy._shape import moveaxis

    _, idx = lax.top_k(moveaxis(g, ax, -1), k)  # (*batch, k)
    return lax.reshape(moveaxis(idx, -1, 0), (*prefix, *batch))


def _shuffle(key: Any, x: Any, axis: int) -> Any:
    n = aval_of(x).size
    rounds = int(np.ceil(3 * np.log(max(1, n)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        keys = split(key)
        key = lax.reshape(lax.slice(keys, [0, 0], [1, 2]), (2,))
        sub = lax.reshape(lax.slice(keys, [1, 0], [2, 2]), (2,))
        sort_keys = _bits(sub, 32, aval_of(x).shape)
        _, x = lax.sort_key_val(sort_keys, x, axis)
    return x


@export
def permutation(key: Any, x: Any, axis: int = 0, independent: bool = False) -> Any:
    """A random permutation of `arange(x)`, or of `x`'s elements along `axis`."""
    key = _check_key(key, "permutation")
    if isinstance(x, (int, np.integer)):
        return _shuffle(key, np.arange(int(x), dtype=dtypes.default_int_dtype()), 0)
    x = asarray_arg(x, "permutation")
    nd = len(aval_of(x).shape)
    if nd == 0:
        raise TypeError("permutation: x must be an integer or at least 1-dimensional")
    ax = axis % nd
    if independent or nd == 1:
        return _shuffle(key, x, ax)
    ind = _shuffle(key, np.arange(aval_of(x).shape[ax], dtype=dtypes.default_int_dtype()), 0)
    from pullback_api.numpy._indexing import take

    return take(x, ind, axis=ax)


@export
def shuffle(key: Any, x: Any, axis: int = 0) -> Any:
    """`x` shuffled along `axis` (deprecated in JAX; use permutation)."""
    return _shuffle(_check_key(key, "shuffle"), asarray_arg(x, "shuffle"), axis)


@export
def choice(key: Any, a: Any, shape: Sequence[int] = (), replace: bool = True, p: Any = None,
           axis: int = 0) -> Any:  # fmt: skip
    """Random elements of `a` (or of arange(a)), with optional probabilities `p`."""
    key = _check_key(key, "choice")
    shp = _shape(shape, "choice")
    n = int(a) if isinstance(a, (int, np.integer)) else aval_of(asarray_arg(a)).shape[axis]
    k = math.prod(shp)
    if p is None:
        if replace:
            idx = randint(key, shp, 0, n)
        else:
            if k > n:
                raise ValueError(f"choice: cannot take {k} samples from {n} without replacement")
            idx = lax.reshape(lax.slice(permutation(key, n), [0], [k]), shp)
    else:
        logits = lax.log(to_dtype(asarray_arg(p), dtypes.default_float_dtype()))
        idx = categorical(key, logits, shape=shp if replace else (k,), replace=replace)
        idx = lax.reshape(idx, shp)
    if isinstance(a, (int, np.integer)):
        return idx
    from pullback_api.numpy._indexing import take

    return take(asarray_arg(a), idx, axis=axis)


@export
@_sampler("shape", "dtype")
def exponential(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Standard exponential samples: -log1p(-u)."""
    key = _check_key(key, "exponential")
    dt = _float_dtype(dtype, "exponential")
    u = _uniform(key, _shape(shape, "exponential"), dt, 0.0, 1.0)
    return lax.neg(lax.log1p(lax.neg(u)))


@export
@_sampler("shape", "dtype")
def rademacher(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Random signs (+1 or -1) with equal probability."""
    b = bernoulli(key, 0.5, shape)
    dt = dtypes.default_int_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)
    return lax.sub(lax.mul(to_dtype(b, dt), np.asarray(2, dt)), np.asarray(1, dt))


# --- transforms of uniform and normal samples (JAX's formulas, so the values agree bit for bit)


def _numpy() -> Any:
    from pullback_api import numpy  # (it imports this module: looked up at call time)

    return numpy


def _finfo(dt: np.dtype[Any]) -> Any:
    import ml_dtypes

    return ml_dtypes.finfo(dt)  # type: ignore[no-untyped-call]


def _param_shape(name: str, shape: Any, *params: Any) -> tuple[int, ...]:
    """`shape`, or the broadcast shape of the parameters when it is None."""
    shapes = [aval_of(asarray_arg(p, name)).shape for p in params]
    if shape is None:
        return tuple(np.broadcast_shapes(*shapes)) if shapes else ()
    out = _shape(shape, name)
    try:
        np.broadcast_shapes(out, *shapes)
    except ValueError:
        raise ValueError(
            f"{name}: shape {out} does not broadcast with the parameters' shapes {shapes}"
        ) from None
    return out


@export
@_sampler("shape", "dtype")
def laplace(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Standard Laplace samples: sign(u) * log1p(-|u|) for u uniform in (-1, 1)."""
    key = _check_key(key, "laplace")
    dt = _float_dtype(dtype, "laplace")
    u = _uniform(key, _shape(shape, "laplace"), dt, -1.0 + float(_finfo(dt).epsneg), 1.0)
    return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


@export
@_sampler("shape", "dtype")
def logistic(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Standard logistic samples: log(u) - log1p(-u)."""
    key = _check_key(key, "logistic")
    dt = _float_dtype(dtype, "logistic")
    u = _uniform(key, _shape(shape, "logistic"), dt, float(_finfo(dt).tiny), 1.0)
    return lax.sub(lax.log(u), lax.log1p(lax.neg(u)))


@export
@_sampler("shape", "dtype")
def cauchy(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Standard Cauchy samples: tan(pi (u - 1/2))."""
    key = _check_key(key, "cauchy")
    dt = _float_dtype(dtype, "cauchy")
    u = _uniform(key, _shape(shape, "cauchy"), dt, float(_finfo(dt).eps), 1.0)
    return lax.tan(lax.mul(np.asarray(np.pi, dt), lax.sub(u, np.asarray(0.5, dt))))


@export
@_sampler("shape", "dtype")
def pareto(key: Any, b: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Pareto samples of shape `b`: exp(e / b) for standard exponential e."""
    key = _check_key(key, "pareto")
    dt = _float_dtype(dtype, "pareto")
    shp = _param_shape("pareto", shape, b)
    e = exponential(key, shp, dt)
    return lax.exp(lax.div(e, _broadcast_param(b, dt, shp)))


def _broadcast_param(p: Any, dt: np.dtype[Any], shape: tuple[int, ...]) -> Any:
    p = to_dtype(asarray_arg(p), dt)
    pshape = aval_of(p).shape
    return lax.broadcast_in_dim(p, shape, tuple(range(len(shape) - len(pshape), len(shape))))


@export
@_sampler("shape", "dtype")
def rayleigh(key: Any, scale: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Rayleigh samples: scale * sqrt(-2 log u)."""
    key = _check_key(key, "rayleigh")
    dt = _float_dtype(dtype, "rayleigh")
    shp = _param_shape("rayleigh", shape, scale)
    u = _uniform(key, shp, dt, 0.0, 1.0)
    root = lax.sqrt(lax.mul(lax.log(u), np.asarray(-2, dt)))
    return lax.mul(_broadcast_param(scale, dt, shp), root)


@export
@_sampler("shape", "dtype")
def lognormal(key: Any, sigma: Any = 1.0, shape: Sequence[int] | None = None,
              dtype: Any = None) -> Any:  # fmt: skip
    """Log-normal samples: exp(sigma * z) for standard normal z."""
    key = _check_key(key, "lognormal")
    dt = _float_dtype(dtype, "lognormal")
    shp = _param_shape("lognormal", shape, sigma)
    return lax.exp(lax.mul(normal(key, shp, dt), _broadcast_param(sigma, dt, shp)))


@export
@_sampler("shape", "dtype")
def weibull_min(key: Any, scale: Any, concentration: Any, shape: Sequence[int] = (),
                dtype: Any = None) -> Any:  # fmt: skip
    """Weibull samples by the inverse CDF: scale * (-log1p(-u)) ** (1 / concentration)."""
    key = _check_key(key, "weibull_min")
    dt = _float_dtype(dtype, "weibull_min")
    shp = _shape(shape, "weibull_min")
    u = _uniform(key, shp, dt, 0.0, 1.0)
    e = lax.neg(lax.log1p(lax.neg(u)))
    inv = lax.div(np.asarray(1.0, dt), _broadcast_param(concentration, dt, shp))
    return lax.mul(lax.pow(e, inv), _broadcast_param(scale, dt, shp))


@export
@_sampler("shape", "dtype")
def maxwell(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Maxwell samples: the norm of three standard normals."""
    key = _check_key(key, "maxwell")
    dt = _float_dtype(dtype, "maxwell")
    z = normal(key, (*_shape(shape, "maxwell"), 3), dt)
    return lax.sqrt(lax.reduce_sum(lax.mul(z, z), (len(aval_of(z).shape) - 1,)))


@export
@_sampler("shape", "dtype", "method")
def multivariate_normal(key: Any, mean: Any, cov: Any, shape: Sequence[int] | None = None,
                        dtype: Any = None, method: str = "cholesky") -> Any:  # fmt: skip
    """Normal samples with `mean` (..., n) and covariance `cov` (..., n, n).

    The covariance is factored as L L^T by `method`: "cholesky", "eigh" or "svd" (the last
    two also accept positive semi-definite covariances).
    """
    jnp: Any = _numpy()
    if method not in ("cholesky", "eigh", "svd"):
        raise ValueError(
            f"multivariate_normal: method must be cholesky, eigh or svd, got {method!r}"
        )
    key = _check_key(key, "multivariate_normal")
    dt = _float_dtype(dtype, "multivariate_normal")
    mean = to_dtype(asarray_arg(mean, "multivariate_normal"), dt)
    cov = to_dtype(asarray_arg(cov, "multivariate_normal"), dt)
    ms, cs = aval_of(mean).shape, aval_of(cov).shape
    if len(ms) < 1:
        raise ValueError(f"multivariate_normal: mean must have rank >= 1, got shape {ms}")
    n = ms[-1]
    if len(cs) < 2 or cs[-2:] != (n, n):
        raise ValueError(f"multivariate_normal: cov must be (..., {n}, {n}), got shape {cs}")
    batch = (
        np.broadcast_shapes(ms[:-1], cs[:-2])
        if shape is None
        else _shape(shape, "multivariate_normal")
    )
    if method == "svd":
        u, s, _ = jnp.linalg.svd(cov)
        factor = u * jnp.sqrt(s)[..., None, :]
    elif method == "eigh":
        w, v = jnp.linalg.eigh(cov)
        factor = v * jnp.sqrt(w)[..., None, :]
    else:
        factor = jnp.linalg.cholesky(cov)
    z = normal(key, (*batch, n), dt)
    return mean + jnp.einsum("...ij,...j->...i", factor, z)


@export
@_sampler("n", "shape", "dtype", "m")
def orthogonal(key: Any, n: int, shape: Sequence[int] = (), dtype: Any = None,
               m: int | None = None) -> Any:  # fmt: skip
    """Haar-random (n, m) matrices with orthonormal columns (or rows if n < m)."""
    jnp: Any = _numpy()
    key = _check_key(key, "orthogonal")
    dt = _float_dtype(dtype, "orthogonal")
    cols = n if m is None else int(m)
    z = normal(key, (*_shape(shape, "orthogonal"), max(n, cols), min(n, cols)), dt)
    q, r = jnp.linalg.qr(z)
    d = jnp.diagonal(r, axis1=-2, axis2=-1)
    x = q * jnp.expand_dims(jnp.sign(d), -2)
    return jnp.swapaxes(x, -1, -2) if n < cols else x


# --- gamma and the distributions built on it (JAX's algorithms, so that samples agree) -------


def _const(x: Any, v: float) -> Any:
    return np.asarray(v, aval_of(x).dtype)


def _gamma_one(key: Any, alpha: Any, log_space: bool) -> Any:
    """One Gamma(alpha) sample: Marsaglia and Tsang's method, alpha < 1 boosted by U^(1/alpha)."""
    from pullback_ir.control_flow import while_loop

    dt = aval_of(alpha).dtype
    zero, one = _const(alpha, 0), _const(alpha, 1)
    boost_mask = lax.ge(alpha, one)
    alpha_orig = alpha
    alpha = lax.select(boost_mask, alpha, lax.add(alpha, one))
    d = lax.sub(alpha, _const(alpha, 1.0 / 3.0))
    c = lax.div(_const(alpha, 1.0 / 3.0), lax.sqrt(d))

    def cond(state: Any) -> Any:
        _, x, v, u = state
        squeeze = lax.sub(one, lax.mul(_const(alpha, 0.0331), lax.mul(x, x)))
        rhs = lax.add(lax.mul(x, _const(alpha, 0.5)),
                      lax.mul(d, lax.add(lax.sub(one, v), lax.log(v))))  # fmt: skip
        return lax.bitwise_and(lax.ge(u, squeeze), lax.ge(lax.log(u), rhs))

    def next_xv(state: Any) -> Any:
        k, _, _ = state
        keys = _split_raw(k, (2,))
        k, sub = keys[0], keys[1]
        x = _normal_raw(sub, (), dt)
        return k, x, lax.add(one, lax.mul(x, c))

    def body(state: Any) -> Any:
        keys = _split_raw(state[0], (3,))
        k, x_key, u_key = keys[0], keys[1], keys[2]
        _, x, v = while_loop(lambda s: lax.le(s[2], zero), next_xv,
                             (x_key, zero, _const(alpha, -1)))  # fmt: skip
        big_x = lax.mul(x, x)
        big_v = lax.mul(lax.mul(v, v), v)
        u = _uniform(u_key, (), dt, 0.0, 1.0)
        return k, big_x, big_v, u

    keys = _split_raw(key, (2,))
    k, sub = keys[0], keys[1]
    _, _, v, _ = while_loop(cond, body, (k, zero, one, _const(alpha, 2)))
    if log_space:
        log_samples = lax.log1p(lax.neg(_uniform(sub, (), dt, 0.0, 1.0)))  # -exponential
        log_boost = lax.select(lax.bitwise_or(boost_mask, lax.eq(log_samples, zero)), zero,
                               lax.mul(log_samples, lax.div(one, alpha_orig)))  # fmt: skip
        return lax.add(lax.add(lax.log(d), lax.log(v)), log_boost)
    samples = lax.sub(one, _uniform(sub, (), dt, 0.0, 1.0))
    boost = lax.select(boost_mask, one, lax.pow(samples, lax.div(one, alpha_orig)))
    return lax.mul(lax.mul(d, v), boost)


def _gamma_raw(key: Any, a: Any, shape: tuple[int, ...], dt: np.dtype[Any],
               log_space: bool) -> Any:  # fmt: skip
    from pullback_api import vmap

    a = _broadcast_param(a, dt, shape)
    n = math.prod(shape)
    keys = _split_raw(key, (n,))
    flat = lax.reshape(a, (n,))
    samples = vmap(lambda k, al: _gamma_one(k, al, log_space))(keys, flat)
    return lax.reshape(samples, shape)


@export
@_sampler("shape", "dtype")
def gamma(key: Any, a: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Standard Gamma(a) samples (unit scale), by Marsaglia and Tsang's method as in JAX."""
    key = _check_key(key, "gamma")
    dt = _float_dtype(dtype, "gamma")
    return _gamma_raw(key, a, _param_shape("gamma", shape, a), dt, False)


@export
@_sampler("shape", "dtype")
def loggamma(key: Any, a: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Logarithms of Gamma(a) samples, computed in log space (accurate for small `a`)."""
    key = _check_key(key, "loggamma")
    dt = _float_dtype(dtype, "loggamma")
    return _gamma_raw(key, a, _param_shape("loggamma", shape, a), dt, True)


@export
@_sampler("shape", "dtype")
def beta(key: Any, a: Any, b: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Beta(a, b) samples, as Gamma(a) / (Gamma(a) + Gamma(b)) computed in log space."""
    key = _check_key(key, "beta")
    dt = _float_dtype(dtype, "beta")
    shp = _param_shape("beta", shape, a, b)
    keys = _split_raw(key, (2,))
    log_a = _gamma_raw(keys[0], a, shp, dt, True)
    log_b = _gamma_raw(keys[1], b, shp, dt, True)
    log_max = lax.max(log_a, log_b)
    ga = lax.exp(lax.sub(log_a, log_max))
    gb = lax.exp(lax.sub(log_b, log_max))
    return lax.div(ga, lax.add(ga, gb))


@export
@_sampler("shape", "dtype")
def dirichlet(key: Any, alpha: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Dirichlet(alpha) samples over the last axis of `alpha` (shape `shape + alpha.shape[-1:]`)."""
    key = _check_key(key, "dirichlet")
    dt = _float_dtype(dtype, "dirichlet")
    alpha = asarray_arg(alpha, "dirichlet")
    ashape = aval_of(alpha).shape
    if not ashape:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == {len(ashape)}")
    batch = ashape[:-1] if shape is None else _shape(shape, "dirichlet")
    if shape is not None:
        _param_shape("dirichlet", batch, np.zeros(ashape[:-1]))
    log_g = _gamma_raw(key, alpha, (*batch, ashape[-1]), dt, True)
    from pullback_api.nn import softmax

    return softmax(log_g, axis=-1)


@export
@_sampler("shape", "dtype")
def t(key: Any, df: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Student's t samples with `df` degrees of freedom: z * sqrt(df / 2 / Gamma(df / 2))."""
    key = _check_key(key, "t")
    dt = _float_dtype(dtype, "t")
    shp = _param_shape("t", shape, df)
    df = to_dtype(asarray_arg(df, "t"), dt)
    keys = _split_raw(key, (2,))
    n = _normal_raw(keys[0], shp, dt)
    half_df = lax.div(df, np.asarray(2, dt))
    g = _gamma_raw(keys[1], half_df, shp, dt, False)
    return lax.mul(n, lax.sqrt(lax.div(_broadcast_param(half_df, dt, shp), g)))


def _chisquare_raw(key: Any, df: Any, shp: tuple[int, ...], dt: np.dtype[Any]) -> Any:
    df = to_dtype(asarray_arg(df, "chisquare"), dt)
    two = np.asarray(2, dt)
    log_g = _gamma_raw(key, lax.div(df, two), shp, dt, True)
    return lax.mul(lax.exp(log_g), two)


@export
@_sampler("shape", "dtype")
def chisquare(key: Any, df: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Chi-square samples with `df` degrees of freedom: 2 Gamma(df / 2)."""
    key = _check_key(key, "chisquare")
    dt = _float_dtype(dtype, "chisquare")
    return _chisquare_raw(key, df, _param_shape("chisquare", shape, df), dt)


@export
@_sampler("shape", "dtype")
def f(key: Any, dfnum: Any, dfden: Any, shape: Sequence[int] | None = None,
      dtype: Any = None) -> Any:  # fmt: skip
    """F-distribution samples: (chi2(dfnum) / dfnum) / (chi2(dfden) / dfden)."""
    key = _check_key(key, "f")
    dt = _float_dtype(dtype, "f")
    shp = _param_shape("f", shape, dfnum, dfden)
    dfnum = to_dtype(asarray_arg(dfnum, "f"), dt)
    dfden = to_dtype(asarray_arg(dfden, "f"), dt)
    keys = _split_raw(key, (2,))
    num = lax.div(_chisquare_raw(keys[1], dfnum, shp, dt), _broadcast_param(dfnum, dt, shp))
    den = lax.div(_chisquare_raw(keys[0], dfden, shp, dt), _broadcast_param(dfden, dt, shp))
    return lax.div(num, den)


def _poisson_knuth(key: Any, lam: Any, shape: tuple[int, ...], dt: np.dtype[Any],
                   max_iters: Any) -> Any:  # fmt: skip
    from pullback_ir.control_flow import while_loop

    from pullback_api.numpy import any as any_

    f32 = np.dtype(np.float32)
    neg_lam = lax.neg(lam)

    def body(carry: Any) -> Any:
        i, k, rng, log_prod = carry
        keys = _split_raw(rng, (2,))
        k = lax.select(lax.gt(log_prod, neg_lam), lax.add(k, np.asarray(1, dt)), k)
        u = _uniform(keys[1], shape, f32, 0.0, 1.0)
        return lax.add(i, np.asarray(1, dt)), k, keys[0], lax.add(log_prod, lax.log(u))

    def cond(carry: Any) -> Any:
        i, log_prod = carry[0], carry[3]
        return lax.bitwise_and(any_(lax.gt(log_prod, neg_lam)), lax.lt(i, max_iters))

    k0 = lax.full(shape, 0, dt)
    lp0 = lax.full(shape, 0, f32)
    k = while_loop(cond, body, (np.asarray(0, dt), k0, key, lp0))[1]
    return lax.sub(k, np.asarray(1, dt))


def _poisson_rejection(key: Any, lam: Any, shape: tuple[int, ...], dt: np.dtype[Any],
                       max_iters: Any) -> Any:  # fmt: skip
    from pullback_ir.control_flow import while_loop

    from pullback_api.numpy import any as any_

    f32 = np.dtype(np.float32)

    def c(v: float) -> Any:
        return np.asarray(v, f32)

    log_lam = lax.log(lam)
    b = lax.add(c(0.931), lax.mul(c(2.53), lax.sqrt(lam)))
    a = lax.add(c(-0.059), lax.mul(c(0.02483), b))
    inv_alpha = lax.add(c(1.1239), lax.div(c(1.1328), lax.sub(b, c(3.4))))
    v_r = lax.sub(c(0.9277), lax.div(c(3.6224), lax.sub(b, c(2))))

    def body(carry: Any) -> Any:
        i, k_out, accepted, rng = carry
        keys = _split_raw(rng, (3,))
        u = lax.sub(_uniform(keys[1], shape, f32, 0.0, 1.0), c(0.5))
        v = _uniform(keys[2], shape, f32, 0.0, 1.0)
        us = lax.sub(c(0.5), lax.abs(u))
        k = lax.floor(lax.add(lax.add(lax.mul(lax.add(lax.div(lax.mul(c(2), a), us), b), u),
                                      lam), c(0.43)))  # fmt: skip
        s = lax.log(lax.div(lax.mul(v, inv_alpha), lax.add(lax.div(a, lax.mul(us, us)), b)))
        tt = lax.sub(lax.add(lax.neg(lam), lax.mul(k, log_lam)), lax.lgamma(lax.add(k, c(1))))
        accept1 = lax.bitwise_and(lax.ge(us, c(0.07)), lax.le(v, v_r))
        reject = lax.bitwise_or(lax.lt(k, c(0)),
                                lax.bitwise_and(lax.lt(us, c(0.013)), lax.gt(v, us)))  # fmt: skip
        accept = lax.bitwise_or(accept1, lax.bitwise_and(lax.bitwise_not(reject), lax.le(s, tt)))
        k_out = lax.select(accept, k, k_out)
        return lax.add(i, np.asarray(1, dt)), k_out, lax.bitwise_or(accepted, accept), keys[0]

    def cond(carry: Any) -> Any:
        i, _, accepted, _ = carry
        return lax.bitwise_and(any_(lax.bitwise_not(accepted)), lax.lt(i, max_iters))

    k0 = lax.broadcast_in_dim(c(-1), shape, ())
    acc0 = lax.full(shape, False, np.bool_)
    k = while_loop(cond, body, (np.asarray(0, dt), k0, acc0, key))[1]
    return lax.convert_element_type(k, dt)


@export
@_sampler("shape", "dtype")
def poisson(key: Any, lam: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Poisson(lam) samples: Knuth's method below lam = 10, transformed rejection above."""
    key = _check_key(key, "poisson")
    dt = _int_dtype(dtype, "poisson")
    shp = _param_shape("poisson", shape, lam)
    f32 = np.dtype(np.float32)
    lam = _broadcast_param(lam, f32, shp)
    use_knuth = lax.bitwise_or(lax.ne(lam, lam), lax.lt(lam, np.asarray(10, f32)))
    lam_knuth = lax.select(use_knuth, lam, lax.full(shp, 0.0, f32))
    lam_rej = lax.select(use_knuth, lax.full(shp, 1e5, f32), lam)
    max_iters = np.asarray(np.iinfo(dt).max, dt)
    result = lax.select(use_knuth, _poisson_knuth(key, lam_knuth, shp, dt, max_iters),
                        _poisson_rejection(key, lam_rej, shp, dt, max_iters))  # fmt: skip
    return lax.select(lax.eq(lam, np.asarray(0, f32)), lax.full(shp, 0, dt), result)


@export
@_sampler("shape", "dtype")
def geometric(key: Any, p: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Geometric(p) samples (trials up to the first success, from 1)."""
    key = _check_key(key, "geometric")
    dt = _int_dtype(dtype, "geometric")
    p = asarray_arg(p, "geometric")
    pdt = aval_of(p).dtype if dtypes.is_inexact(aval_of(p).dtype) else \
        dtypes.default_float_dtype()  # fmt: skip
    p = to_dtype(p, pdt)
    shp = _param_shape("geometric", shape, p)
    u = _uniform(key, shp, pdt, 0.0, 1.0)
    u = lax.select(lax.eq(u, np.asarray(0, pdt)), lax.full_like(u, 1), u)
    log_one_minus_p = _broadcast_param(lax.log1p(lax.neg(p)), pdt, shp)
    g = lax.add(lax.floor(lax.div(lax.log(u), log_one_minus_p)), np.asarray(1, pdt))
    return lax.convert_element_type(g, dt)


# Samplers composed from the ones above (a module of their own).
from pullback_api._random_compound import (  # noqa: E402
    ball as ball,
    binomial as binomial,
    double_sided_maxwell as double_sided_maxwell,
    generalized_normal as generalized_normal,
    multinomial as multinomial,
    triangular as triangular,
    wald as wald,
)

__all__ += ["ball", "binomial", "double_sided_maxwell", "generalized_normal", "multinomial",
            "triangular", "wald"]  # fmt: skip
__all__.sort()

from pullback_api._array_type import Array as _Array  # noqa: E402

_Array.register(PRNGKeyArray)  # typed key arrays are arrays, as in JAX
