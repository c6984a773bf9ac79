"""Named events for instrumentation (JAX's `jax.monitoring`): listeners see each one recorded.

Four kinds of record, each with its own listeners: an event, an event with a duration in
seconds, an event with a start and end time, and a scalar value. Keyword arguments recorded
with an event are passed on to its listeners. pullback itself records the durations of
tracing, lowering and XLA compilation under JAX's event names (`JAXPR_TRACE_EVENT`,
`JAXPR_TO_MLIR_MODULE_EVENT`, `BACKEND_COMPILE_EVENT`).

Example:
    >>> from pullback_ir import monitoring
    >>> seen = []
    >>> monitoring.register_event_listener(lambda event, **kw: seen.append((event, kw)))
    >>> monitoring.record_event("/my/app/start", run=3)
    >>> seen
    [('/my/app/start', {'run': 3})]
    >>> monitoring.clear_event_listeners()
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

JAXPR_TRACE_EVENT = "/jax/core/compile/jaxpr_trace_duration"
JAXPR_TO_MLIR_MODULE_EVENT = "/jax/core/compile/jaxpr_to_mlir_module_duration"
BACKEND_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"

Listener = Callable[..., Any]

# One list per kind of record: the listeners, in registration order.
_EVENT: list[Listener] = []
_DURATION: list[Listener] = []
_SPAN: list[Listener] = []
_SCALAR: list[Listener] = []


def record_event(event: str, **kwargs: str | int) -> None:
    """Tell every event listener that `event` happened (`listener(event, **kwargs)`)."""
    for listener in tuple(_EVENT):
        listener(event, **kwargs)


def record_event_duration_secs(event: str, duration: float, **kwargs: str | int) -> None:
    """Tell every duration listener that `event` took `duration` seconds."""
    for listener in tuple(_DURATION):
        listener(event, duration, **kwargs)


def record_event_time_span(
    event: str, start_time: float, end_time: float, **kwargs: str | int
) -> None:
    """Tell every time-span listener that `event` ran from `start_time` to `end_time`."""
    for listener in tuple(_SPAN):
        listener(event, start_time, end_time, **kwargs)


def record_scalar(event: str, value: float | int, **kwargs: str | int) -> None:
    """Tell every scalar listener the value `value` of `event`."""
    for listener in tuple(_SCALAR):
        listener(event, value, **kwargs)


def register_event_listener(callback: Listener) -> None:
    """Call `callback(event, **kwargs)` on each `record_event`."""
    _EVENT.append(callback)


def register_event_duration_secs_listener(callback: Listener) -> None:
    """Call `callback(event, duration, **kwargs)` on each `record_event_duration_secs`."""
    _DURATION.append(callback)


def register_event_time_span_listener(callback: Listener) -> None:
    """Call `callback(event, start_time, end_time, **kwargs)` on each time span recorded."""
    _SPAN.append(callback)


def register_scalar_listener(callback: Listener) -> None:
    """Call `callback(event, value, **kwargs)` on each `record_scalar`."""
    _SCALAR.append(callback)


def get_event_listeners() -> list[Listener]:
    """The event listeners (a copy)."""
    return list(_EVENT)


def get_event_duration_listeners() -> list[Listener]:
    """The duration listeners (a copy)."""
    return list(_DURATION)


def get_event_time_span_listeners() -> list[Listener]:
    """The time-span listeners (a copy)."""
    return list(_SPAN)


def get_scalar_listeners() -> list[Listener]:
    """The scalar listeners (a copy)."""
    return list(_SCALAR)


def clear_event_listeners() -> None:
    """Remove every listener of every kind."""
    for listeners in (_EVENT, _DURATION, _SPAN, _SCALAR):
        listeners.clear()


def _unregister(listeners: list[Listener], callback: Listener, kind: str) -> None:
    if callback not in listeners:
        raise ValueError(f"monitoring: {callback!r} is not a registered {kind} listener")
    listeners.remove(callback)


def unregister_event_listener(callback: Listener) -> None:
    """Remove an event listener.

    Raises:
        ValueError: if `callback` is not registered.
    """
    _unregister(_EVENT, callback, "event")


def unregister_event_duration_listener(callback: Listener) -> None:
    """Remove a duration listener.

    Raises:
        ValueError: if `callback` is not registered.
    """
    _unregister(_DURATION, callback, "duration")


def unregister_event_time_span_listener(callback: Listener) -> None:
    """Remove a time-span listener.

    Raises:
        ValueError: if `callback` is not registered.
    """
    _unregister(_SPAN, callback, "time span")


def unregister_scalar_listener(callback: Listener) -> None:
    """Remove a scalar listener.

    Raises:
        ValueError: if `callback` is not registered.
    """
    _unregister(_SCALAR, callback, "scalar")
