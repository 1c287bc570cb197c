"""Which Scene class draws each clip kind: the one map the studio and the tests read."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

__all__ = ["SCENES", "scene_class", "scene_module_file"]

# kind -> (module, class). Modules are imported only when a clip of that kind is drawn.
SCENES: dict[str, tuple[str, str]] = {
    "elementwise-product": ("scenes.elementwise", "ElementwiseProduct"),
    "view": ("scenes.view", "ViewSharesStorage"),
    "sum": ("scenes.sum", "SumTwoWays"),
    "neuron": ("scenes.neuron", "NeuronOutput"),
    "matmul-shapes": ("scenes.matmul_shapes", "MatmulNeedsMatchingShapes"),
    "mm-vs-matmul": ("scenes.mm_vs_matmul", "MmVersusMatmul"),
    "two-layer-network": ("scenes.two_layer", "TwoLayerForwardPass"),
    "reshape": ("scenes.reshape", "ReshapeMayCopy"),
    "resize": ("scenes.resize", "ResizeInPlace"),
    "strides": ("scenes.strides", "StridesAndContiguity"),
    "numpy-bridge": ("scenes.numpy_bridge", "NumpyBridge"),
    "summary": ("scenes.summary", "SummaryTable"),
    "code": ("scenes.code_clip", "CodeClip"),
}


def scene_class(kind: str) -> type[Any]:
    """The Scene class for a clip kind."""
    module, name = SCENES[kind]
    cls: type[Any] = getattr(importlib.import_module(module), name)
    return cls


def scene_module_file(kind: str) -> str:
    """Path of the module that draws a kind (part of a clip's content hash)."""
    spec = importlib.util.find_spec(SCENES[kind][0])
    assert spec is not None and spec.origin is not None
    return spec.origin
