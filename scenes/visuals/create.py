"""Create: a new tensor's cells drop into the work band, one after another."""

from __future__ import annotations

from typing import Any

from core.model import OpRecord
from scenes.stage import Stage
from scenes.visuals.common import rearrange, show_figure

__all__ = ["play"]


def play(scene: Any, stage: Stage, op: OpRecord) -> None:
    for ref in op.outputs:
        figure = stage.make_figure(stage.facts(ref))
        anims = stage.arrange([figure], keep=[ref])
        rearrange(scene, anims, 0.8)
        show_figure(scene, stage, figure, run_time=min(2.0, 0.6 + 0.12 * len(figure.cells)))
