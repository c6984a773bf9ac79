"""pullback_compile: lowering to StableHLO and the XLA runtime (jit, pmap, devices, Array)."""

__version__ = "0.1.0"

__all__: list[str] = []
