"""Queries: a Python answer (stride(), is_contiguous(), shape) shown as console output."""

from __future__ import annotations

from typing import Any

from manim import Create, FadeIn, VGroup

from core.model import OpRecord
from scenes.stage import Stage
from scenes.visuals.common import bring, console, transient

__all__ = ["play"]


def play(scene: Any, stage: Stage, op: OpRecord) -> None:
    if op.op == "np.random.default_rng":
        # Plumbing: a NumPy generator has no value to show; the array it draws is the step.
        return
    figures = bring(scene, stage, op.inputs[:1]) if op.inputs else []
    frames = VGroup(*(stage.cell_highlight(f.cells) for f in figures))
    answer = console(stage, op.code, op.result or "")
    scene.play(Create(frames), FadeIn(answer), run_time=0.8)
    transient(stage, frames, answer)
