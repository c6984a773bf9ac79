"""`pullback.monitoring`: named events and their listeners (JAX's `jax.monitoring`).

Programs mark points with `record_event` (or durations, time spans and scalars) and register
listeners that receive them, e.g. to export metrics. pullback records how long each `jit`
spends tracing, lowering and compiling, under JAX's event names:

>>> import pullback as pb
>>> from pullback import monitoring
>>> events = []
>>> monitoring.register_event_duration_secs_listener(
...     lambda event, secs, **kw: events.append(event))
>>> _ = pb.jit(lambda x: x * 3)(1.0)
>>> monitoring.BACKEND_COMPILE_EVENT in events
True
>>> monitoring.clear_event_listeners()
"""

from __future__ import annotations

from pullback_ir import monitoring as _monitoring
from pullback_ir.monitoring import *  # noqa: F403

__all__ = list(_monitoring.__all__)
