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

from pullback_ir.monitoring import (
    BACKEND_COMPILE_EVENT as BACKEND_COMPILE_EVENT,
    JAXPR_TO_MLIR_MODULE_EVENT as JAXPR_TO_MLIR_MODULE_EVENT,
    JAXPR_TRACE_EVENT as JAXPR_TRACE_EVENT,
    clear_event_listeners as clear_event_listeners,
    get_event_duration_listeners as get_event_duration_listeners,
    get_event_listeners as get_event_listeners,
    get_event_time_span_listeners as get_event_time_span_listeners,
    get_scalar_listeners as get_scalar_listeners,
    record_event as record_event,
    record_event_duration_secs as record_event_duration_secs,
    record_event_time_span as record_event_time_span,
    record_scalar as record_scalar,
    register_event_duration_secs_listener as register_event_duration_secs_listener,
    register_event_listener as register_event_listener,
    register_event_time_span_listener as register_event_time_span_listener,
    register_scalar_listener as register_scalar_listener,
    unregister_event_duration_listener as unregister_event_duration_listener,
    unregister_event_listener as unregister_event_listener,
    unregister_event_time_span_listener as unregister_event_time_span_listener,
    unregister_scalar_listener as unregister_scalar_listener,
)

__all__ = [
    "BACKEND_COMPILE_EVENT",
    "JAXPR_TO_MLIR_MODULE_EVENT",
    "JAXPR_TRACE_EVENT",
    "clear_event_listeners",
    "get_event_duration_listeners",
    "get_event_listeners",
    "get_event_time_span_listeners",
    "get_scalar_listeners",
    "record_event",
    "record_event_duration_secs",
    "record_event_time_span",
    "record_scalar",
    "register_event_duration_secs_listener",
    "register_event_listener",
    "register_event_time_span_listener",
    "register_scalar_listener",
    "unregister_event_duration_listener",
    "unregister_event_listener",
    "unregister_event_time_span_listener",
    "unregister_scalar_listener",
]
