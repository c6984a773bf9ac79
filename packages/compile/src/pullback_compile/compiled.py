"""Compiling a jaxpr for one device and calling it on host arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_ir.config import STATE
from pullback_ir.jaxpr import ClosedJaxpr

from pullback_compile import _jaxlib
from pullback_compile.devices import default_device
from pullback_compile.lowering import lower_module

__all__ = ["CompiledJaxpr", "compile_jaxpr"]


class CompiledJaxpr:
    """A jaxpr lowered to StableHLO and compiled by XLA for one CPU device."""

    def __init__(self, closed: ClosedJaxpr, name: str = "fn") -> None:
        lowered = lower_module(closed, name)
        self.text = lowered.text
        self.in_avals = list(closed.in_avals)
        self.out_avals = list(closed.out_avals)
        self.device = default_device()
        self._loaded = _jaxlib.Loaded(
            self.text,
            (self.device,),
            [_jaxlib.Aval(a.shape, a.dtype) for a in self.out_avals],
            host_callbacks=tuple(lowered.callbacks),
        )

    def __call__(self, *args: Any) -> list[np.ndarray[Any, Any]]:
        """Run on host arrays (checked against the input avals); returns host arrays."""
        if len(args) != len(self.in_avals):
            raise TypeError(f"expected {len(self.in_avals)} arguments, got {len(args)}")
        bufs = []
        for i, (x, a) in enumerate(zip(args, self.in_avals, strict=True)):
            arr = np.asarray(x)
            if arr.shape != a.shape or arr.dtype != a.dtype:
                raise TypeError(
                    f"argument {i}: expected {a.str_short()}, got {arr.dtype}{list(arr.shape)}"
                )
            bufs.append(_jaxlib.device_put(arr, self.device, x64=STATE.x64))
        outs = self._loaded.execute(bufs)
        return [
            _jaxlib.to_numpy(o, a.shape, a.dtype) for o, a in zip(outs, self.out_avals, strict=True)
        ]

    def hlo_text(self) -> str:
        """The optimized HLO."""
        return self._loaded.hlo_text()


def compile_jaxpr(closed: ClosedJaxpr, name: str = "fn") -> CompiledJaxpr:
    """Lower and compile `closed` for the default CPU device."""
    return CompiledJaxpr(closed, name)
