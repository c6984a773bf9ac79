"""pullback_ir: dtypes, avals, primitives, tracing, jaxprs and the reference interpreter."""

__version__ = "0.1.0"

__all__: list[str] = []
