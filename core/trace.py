"""One entry point from a lesson's clip to its trace, and the loader of traces from JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from core.arithmetic import (
    ElementwiseTrace,
    NeuronTrace,
    SumTrace,
    TwoLayerTrace,
    elementwise_trace,
    neuron_trace,
    sum_trace,
    two_layer_trace,
)
from core.lesson import ClipSpec, Lesson, LessonError
from core.matmul import MatmulShapesTrace, MmVsMatmulTrace, matmul_shapes_trace, mm_vs_matmul_trace
from core.memory import (
    NumpyBridgeTrace,
    ReshapeTrace,
    ResizeTrace,
    StridesTrace,
    ViewTrace,
    numpy_bridge_trace,
    reshape_trace,
    resize_trace,
    strides_trace,
    view_trace,
)
from core.model import ProgramTrace
from core.program import program_trace
from core.serial import from_dict, to_json
from core.summary import SummaryTrace, summary_trace

__all__ = [
    "TRACE_TYPES",
    "Trace",
    "trace_clip",
    "trace_from_json",
    "trace_lesson",
    "trace_of",
    "trace_to_json",
]

T = TypeVar("T")

Trace = (
    ElementwiseTrace | SumTrace | NeuronTrace | TwoLayerTrace | MatmulShapesTrace
    | MmVsMatmulTrace | ViewTrace | ReshapeTrace | ResizeTrace | StridesTrace | NumpyBridgeTrace
    | SummaryTrace | ProgramTrace
)

BUILDERS: dict[str, Callable[[ClipSpec], Any]] = {
    "elementwise-product": elementwise_trace,
    "sum": sum_trace,
    "neuron": neuron_trace,
    "matmul-shapes": matmul_shapes_trace,
    "mm-vs-matmul": mm_vs_matmul_trace,
    "view": view_trace,
    "reshape": reshape_trace,
    "resize": resize_trace,
    "strides": strides_trace,
    "numpy-bridge": numpy_bridge_trace,
    "two-layer-network": two_layer_trace,
}

TRACE_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (ElementwiseTrace, SumTrace, NeuronTrace, TwoLayerTrace, MatmulShapesTrace,
                MmVsMatmulTrace, ViewTrace, ReshapeTrace, ResizeTrace, StridesTrace,
                NumpyBridgeTrace, SummaryTrace, ProgramTrace)
}


BUILDERS["code"] = program_trace


def trace_clip(lesson: Lesson, clip_id: str) -> Trace:
    """Build one clip's trace with torch (a summary builds the clips it draws on)."""
    clip = lesson.clip(clip_id)
    if clip.kind == "summary":
        s = clip.settings
        return summary_trace(
            clip.id, clip.title,
            view_trace(lesson.clip(s["view_clip"])),
            reshape_trace(lesson.clip(s["reshape_clip"])),
            resize_trace(lesson.clip(s["resize_clip"])),
        )
    trace: Trace = BUILDERS[clip.kind](clip)
    return trace


def trace_of(lesson: Lesson, clip_id: str, cls: type[T]) -> T:
    """A clip's trace, checked to be of the class the caller draws."""
    trace = trace_clip(lesson, clip_id)
    if not isinstance(trace, cls):
        kind = lesson.clip(clip_id).kind
        raise LessonError(f"{lesson.path}: clip {clip_id!r}: key 'kind': expected a clip this "
                          f"scene draws ({cls.__name__}), found {kind!r}")
    return trace


def trace_lesson(lesson: Lesson, clip_ids: list[str] | None = None) -> list[Trace]:
    """Traces of the named clips (all clips when none are named), in lesson order."""
    wanted = clip_ids or [clip.id for clip in lesson.clips]
    for clip_id in wanted:
        lesson.clip(clip_id)  # refuse unknown ids before any work
    return [trace_clip(lesson, clip_id) for clip_id in wanted]


def trace_to_json(trace: Trace) -> str:
    return to_json(trace)


def trace_from_json(text: str) -> Trace:
    """Load a trace written by :func:`trace_to_json`; its ``_type`` names the class."""
    data = json.loads(text)
    cls = TRACE_TYPES[data["_type"]]
    loaded: Trace = from_dict(cls, data)
    return loaded
