"""pullback_autodiff: forward and reverse-mode automatic differentiation."""

__version__ = "0.1.0"

__all__: list[str] = []
