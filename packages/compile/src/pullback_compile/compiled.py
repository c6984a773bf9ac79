"""Compiling a jaxpr for one device and calling it on host arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_ir.jaxpr import ClosedJaxpr

from pullback_compile.devices import default_device
from pullback_compile.jit import executable_for

__all__ = ["CompiledJaxpr", "compile_jaxpr"]


class CompiledJaxpr:
    """A jaxpr lowered to StableHLO and compiled by XLA for one CPU device."""

    def __init__(self, closed: ClosedJaxpr, name: str = "fn") -> None:
        self._exe = executable_for(closed, name, default_device())
        self.text = self._exe.lowered.text
        self.in_avals = list(closed.in_avals)
        self.out_avals = list(closed.out_avals)

    def __call__(self, *args: Any) -> list[np.ndarray[Any, Any]]:
        """Run on host arrays (checked against the input avals); returns host arrays."""
        if len(args) != len(self.in_avals):
            raise TypeError(f"expected {len(self.in_avals)} arguments, got {len(args)}")
        arrays = []
        for i, (x, a) in enumerate(zip(args, self.in_avals, strict=True)):
            arr = np.asarray(x)
            if arr.shape != a.shape or arr.dtype != a.dtype:
                raise TypeError(
                    f"argument {i}: expected {a.str_short()}, got {arr.dtype}{list(arr.shape)}"
                )
            arrays.append(arr)
        return [np.asarray(o) for o in self._exe.run(arrays)]

    def hlo_text(self) -> str:
        """The optimized HLO."""
        return self._exe.loaded.hlo_text()


def compile_jaxpr(closed: ClosedJaxpr, name: str = "fn") -> CompiledJaxpr:
    """Lower and compile `closed` for the default CPU device."""
    return CompiledJaxpr(closed, name)
