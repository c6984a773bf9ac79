"""pullback_ir: dtypes, avals, primitives, tracing, jaxprs and the reference interpreter."""

from pullback_ir import lax as lax, operators as _operators, primitives as primitives
from pullback_ir.avals import ShapedArray as ShapedArray, ShapeDtypeStruct as ShapeDtypeStruct
from pullback_ir.config import enable_checks as enable_checks, enable_x64 as enable_x64
from pullback_ir.dce import dce_jaxpr as dce_jaxpr
from pullback_ir.errors import (
    ConcretizationTypeError as ConcretizationTypeError,
    InvalidJaxprError as InvalidJaxprError,
    MissingRuleError as MissingRuleError,
    TracerArrayConversionError as TracerArrayConversionError,
    TracerBoolConversionError as TracerBoolConversionError,
    TracerIntegerConversionError as TracerIntegerConversionError,
    TypePromotionError as TypePromotionError,
    UnexpectedTracerError as UnexpectedTracerError,
)
from pullback_ir.interpreter import eval_closed_jaxpr as eval_closed_jaxpr, eval_jaxpr as eval_jaxpr
from pullback_ir.jaxpr import (
    ClosedJaxpr as ClosedJaxpr,
    Jaxpr as Jaxpr,
    JaxprEqn as JaxprEqn,
    Literal as Literal,
    Var as Var,
    check_jaxpr as check_jaxpr,
)
from pullback_ir.primitive import Primitive as Primitive
from pullback_ir.staging import make_jaxpr as make_jaxpr, trace_to_jaxpr as trace_to_jaxpr
from pullback_ir.trace import (
    EvalTrace as EvalTrace,
    Trace as Trace,
    Tracer as Tracer,
    current_trace as current_trace,
    set_current_trace as set_current_trace,
)

del _operators  # imported to register the tracer operators

__version__ = "0.1.0"

__all__ = [
    "ClosedJaxpr",
    "ConcretizationTypeError",
    "EvalTrace",
    "InvalidJaxprError",
    "Jaxpr",
    "JaxprEqn",
    "Literal",
    "MissingRuleError",
    "Primitive",
    "ShapeDtypeStruct",
    "ShapedArray",
    "Trace",
    "Tracer",
    "TracerArrayConversionError",
    "TracerBoolConversionError",
    "TracerIntegerConversionError",
    "TypePromotionError",
    "UnexpectedTracerError",
    "Var",
    "check_jaxpr",
    "current_trace",
    "dce_jaxpr",
    "enable_checks",
    "enable_x64",
    "eval_closed_jaxpr",
    "eval_jaxpr",
    "lax",
    "make_jaxpr",
    "primitives",
    "set_current_trace",
    "trace_to_jaxpr",
]
