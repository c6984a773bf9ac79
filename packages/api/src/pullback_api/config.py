"""`pullback.config`: the process-wide switches, set the way JAX's are.

>>> from pullback_api import config
>>> config.update("jax_enable_x64", True)
>>> config.jax_enable_x64
True
>>> config.update("jax_enable_x64", False)
"""

from __future__ import annotations

from typing import Any

from pullback_ir import config as _ir_config

__all__ = ["config", "read", "update"]

_OPTIONS = {
    "jax_enable_x64": ("x64", "64-bit dtypes (float64, int64) instead of their 32-bit forms"),
    "jax_enable_checks": ("checks", "check every jaxpr a transformation produces"),
    "jax_disable_jit": ("disable_jit", "call jitted functions directly, loops in Python"),
}

#: Options with a value other than a bool, kept here: name -> (current value, checker/setter).
_VALUE_OPTIONS: dict[str, Any] = {
    # The precision of float32 matrix products and convolutions. XLA's CPU backend computes
    # them in full float32 whatever is asked, so every setting gives the same results here;
    # the value is kept and read back as in JAX.
    "jax_default_matmul_precision": None,
    # The number of virtual CPU devices (pmap and sharding over the CPU); it takes effect
    # only before the CPU backend starts, as in JAX.
    "jax_num_cpu_devices": None,
    # The backend programs run on: "cpu" (or a comma-separated list, for jax_platforms);
    # only a backend this process has is accepted.
    "jax_platform_name": None,
    "jax_platforms": None,
    # JAX's leak checker (a tracer kept past its transformation). pullback does not look for
    # such leaks: the switch is kept and read back, and a leaked tracer fails when it is used.
    "jax_check_tracer_leaks": False,
}
#: The options JAX 0.12 added: name -> (JAX's default, what pullback does with the option).
#: They are accepted, checked against the default's type, kept and read back.
_JAX012_OPTIONS: dict[str, tuple[Any, str]] = {
    "jax_random_normal_mode": ("low", "random.normal's algorithm; only 'low' (JAX's default) "
                               "is implemented"),
    "jax_legacy_random_uniform": (True, "random.uniform's float conversion; only the legacy "
                                  "one (JAX's default) is implemented"),
    **{name: (default, "a numerics choice of JAX's lowerings; pullback's are fixed (no effect)")
       for name, default in (("jax_accurate_default_erfc", True), ("jax_accurate_erf_inv", True),
                             ("jax_accurate_logistic", False), ("jax_tanh_sech_jvp", False),
                             ("jax_use_hlo_logistic_lowering", None))},
    **{name: (default, "an internal switch of JAX's implementation (no effect)")
       for name, default in (("jax_custom_jvp3", False), ("jax_use_rgv3", True),
                             ("jax_remat_barrier_no_cotangents", False),
                             ("jax_use_cpp_shard_args", False), ("jax_partitioning", False),
                             ("jax_raise_on_ppermute_sort_diff", True),
                             ("jax_export_deserialize_expired_versions", False),
                             ("jax_mosaic_unzip_debug_locations", True),
                             ("jax_pallas_auto_assign_collective_ids", "no"),
                             ("jax_pallas_auto_assign_collective_ids_limit", 25))},
    **{name: (default, "the distributed runtime's security settings (issue 18; no effect)")
       for name, default in (("jax_distributed_verify_secure_credentials", False),
                             ("jax_mtls_ca_file", None), ("jax_mtls_cert_file", None),
                             ("jax_mtls_key_file", None), ("jax_mtls_peer_uri_prefix", None))},
}  # fmt: skip
#: The JAX 0.12 options whose other values pullback does not implement: name -> allowed.
_JAX012_ONLY = {"jax_random_normal_mode": ("low",), "jax_legacy_random_uniform": (True,)}
_VALUE_OPTIONS.update({name: default for name, (default, _) in _JAX012_OPTIONS.items()})

_PRECISIONS = (None, "default", "high", "highest", "bfloat16", "tensorfloat32", "float32",
               "bfloat16_3x", "fastest", "ANY_F8_ANY_F8_F32")  # fmt: skip


def _set_jax012_option(name: str, value: Any) -> None:
    default, _ = _JAX012_OPTIONS[name]
    kinds: tuple[type, ...] = (str,) if default is None else (type(default),)
    if not isinstance(value, kinds) and not (default is None and value is None):
        raise TypeError(f"config.update: {name} takes a {kinds[0].__name__}, got {value!r}")
    if name == "jax_random_normal_mode" and value not in ("low", "high", "highest"):
        raise ValueError(f"config.update: {name} must be 'low', 'high' or 'highest', got "
                         f"{value!r}")  # fmt: skip
    if name in _JAX012_ONLY and value not in _JAX012_ONLY[name]:
        raise NotImplementedError(
            f"config.update: {name}={value!r} is not implemented in pullback (only JAX's "
            f"default, {default!r})"
        )
    _VALUE_OPTIONS[name] = value


def _set_value_option(name: str, value: Any) -> None:
    if name in _JAX012_OPTIONS:
        _set_jax012_option(name, value)
        return
    if name == "jax_check_tracer_leaks":
        if not isinstance(value, (bool, int)):
            raise TypeError(f"config.update: {name} takes a bool, got {value!r}")
        _VALUE_OPTIONS[name] = bool(value)
        return
    if name == "jax_default_matmul_precision":
        v = getattr(value, "name", value)
        if isinstance(v, str):
            v = v.lower() if v.lower() in _PRECISIONS else v
        if v not in _PRECISIONS:
            raise ValueError(
                f"config.update: jax_default_matmul_precision must be one of {_PRECISIONS}, "
                f"got {value!r}"
            )
        _VALUE_OPTIONS[name] = v
        return
    if name in ("jax_platform_name", "jax_platforms"):
        from pullback_compile import set_platforms

        # Before the first computation this chooses the backends and the default one (no
        # backend starts here, so that jax_num_cpu_devices may still follow); afterwards a
        # platform the process lacks is refused.
        try:
            set_platforms(str(value) if value else None)
        except ValueError as e:
            raise ValueError(f"config.update: {name}={value!r}: {e}") from None
        _VALUE_OPTIONS[name] = value
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"config.update: jax_num_cpu_devices takes a positive int, got {value!r}")
    from pullback_compile import set_cpu_device_count

    set_cpu_device_count(value)
    _VALUE_OPTIONS[name] = value


def _attr(name: str) -> str:
    try:
        return _OPTIONS[name][0]
    except KeyError:
        raise AttributeError(
            f"unrecognized config option {name!r}; pullback knows "
            f"{sorted([*_OPTIONS, *_VALUE_OPTIONS])}"
        ) from None


def update(name: str, value: Any) -> None:
    """Set a switch, e.g. `update("jax_enable_x64", True)`.

    Raises:
        AttributeError: for an unknown option name.
        TypeError: for a non-bool value.
    """
    if name in _VALUE_OPTIONS:
        _set_value_option(name, value)
        return
    if name == "jax_numpy_dtype_promotion":
        if value not in ("standard", "strict"):
            raise ValueError(f"{value!r} is not a valid NumpyDtypePromotion")
        _ir_config.STATE.strict_promotion = value == "strict"
        return
    if name == "jax_numpy_rank_promotion":
        if value not in ("allow", "warn", "raise"):
            raise ValueError(f"{value!r} is not a valid NumpyRankPromotion")
        _ir_config.STATE.rank_promotion = value
        return
    attr = _attr(name)
    if not isinstance(value, (bool, int)):
        raise TypeError(f"config.update: {name} takes a bool, got {value!r}")
    setattr(_ir_config.STATE, attr, bool(value))


def read(name: str) -> Any:
    """The current value of a switch."""
    if name in _VALUE_OPTIONS:
        return _VALUE_OPTIONS[name]
    if name == "jax_numpy_dtype_promotion":
        return "strict" if _ir_config.STATE.strict_promotion else "standard"
    if name == "jax_numpy_rank_promotion":
        return _ir_config.STATE.rank_promotion
    return bool(getattr(_ir_config.STATE, _attr(name)))


class _Config:
    """The `config` object: `config.update(...)`, `config.jax_enable_x64`."""

    update = staticmethod(update)
    read = staticmethod(read)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("jax_"):
            return read(name)
        raise AttributeError(name)

    def __repr__(self) -> str:
        names = [*_OPTIONS, *_VALUE_OPTIONS]
        return "Config(" + ", ".join(f"{k}={read(k)!r}" for k in names) + ")"


config = _Config()


def __getattr__(name: str) -> Any:
    if name.startswith("jax_"):
        return read(name)
    raise AttributeError(f"module 'pullback.config' has no attribute {name!r}")
