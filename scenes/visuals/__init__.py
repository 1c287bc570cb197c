"""One visual per op kind: ``VISUALS[op.kind](scene, stage, op)`` plays one OpRecord."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from manim import FadeOut

from core.model import OpKind, OpRecord
from scenes.stage import MEMORY_KINDS, Stage
from scenes.visuals import (
    bridge,
    copy,
    create,
    elementwise,
    error,
    join,
    layout,
    matmul,
    query,
    reduce,
    resize,
    write,
)
from scenes.visuals.common import rearrange

__all__ = ["VISUALS", "Visual", "play_op"]

Visual = Callable[[Any, Stage, OpRecord], None]

VISUALS: dict[OpKind, Visual] = {
    OpKind.CREATE: create.play,
    OpKind.ELEMENTWISE: elementwise.play,
    OpKind.REDUCE: reduce.play,
    OpKind.MATMUL: matmul.play,
    OpKind.LAYOUT: layout.play,
    OpKind.COPY: copy.play,
    OpKind.JOIN: join.play,
    OpKind.WRITE: write.play,
    OpKind.RESIZE: resize.play,
    OpKind.BRIDGE: bridge.play,
    OpKind.QUERY: query.play,
}


def play_op(scene: Any, stage: Stage, op: OpRecord) -> None:
    """Play one op: its kind's visual, or the error card when torch raised.

    An op that is not about memory (or failed) first lets the storage strips go: the work band
    gets their height back for its tensors and its card.
    """
    if stage.strips and (op.error is not None or op.kind not in MEMORY_KINDS):
        # This step's marks were drawn where the tensors stood: they go with the strips.
        marks = [FadeOut(m) for m in stage.extras]
        stage.extras.clear()
        rearrange(scene, [*marks, *stage.drop_strips()], 0.5)
    if op.error is not None:
        error.play(scene, stage, op)
    else:
        VISUALS[op.kind](scene, stage, op)
