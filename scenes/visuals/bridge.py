"""Bridge: a NumPy array and a tensor over one buffer; the same cells, two libraries."""

from __future__ import annotations

from typing import Any

from manim import FadeIn

from core.model import OpRecord
from scenes.stage import Stage
from scenes.visuals.common import bring, rearrange, show_figure, transient

__all__ = ["play"]


def play(scene: Any, stage: Stage, op: OpRecord) -> None:
    (source,) = bring(scene, stage, op.inputs[:1])
    out_facts = stage.facts(op.outputs[0])
    figure = stage.make_figure(out_facts)
    anims = stage.arrange([figure], keep=[source.ref, figure.ref])
    rearrange(scene, anims, 0.8)
    show_figure(scene, stage, figure)
    same = source.facts.buffer == out_facts.buffer
    text = (f"{source.facts.name} and {out_facts.name}: one buffer {out_facts.buffer}, no copy"
            if same else f"{out_facts.name} has its own buffer {out_facts.buffer}")
    note = stage.note(text, monospace=False)
    scene.play(FadeIn(note), run_time=0.5)
    transient(stage, note)
