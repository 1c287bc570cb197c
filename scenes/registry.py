"""Which Scene class draws each clip kind: the one map the studio and the tests read."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

__all__ = ["SCENES", "scene_class", "scene_module_file"]

# Kinds that are a program and nothing more play through the one code clip: the stage and one
# visual per op. Their story builders (core/) still check that the code teaches what the
# storyboard needs. Neuron, two-layer network and summary keep story layouts of their own.
CODE = ("scenes.code_clip", "CodeClip")

# kind -> (module, class). Modules are imported only when a clip of that kind is drawn.
SCENES: dict[str, tuple[str, str]] = {
    "elementwise-product": CODE,
    "view": CODE,
    "sum": CODE,
    "neuron": ("scenes.neuron", "NeuronOutput"),
    "matmul-shapes": CODE,
    "mm-vs-matmul": CODE,
    "two-layer-network": ("scenes.two_layer", "TwoLayerForwardPass"),
    "reshape": CODE,
    "resize": CODE,
    "strides": CODE,
    "numpy-bridge": CODE,
    "summary": ("scenes.summary", "SummaryTable"),
    "code": CODE,
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
