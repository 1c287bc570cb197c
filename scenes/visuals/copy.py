"""Copy: torch writes the values into a new storage, in its own order, then the tensor reads it."""

from __future__ import annotations

from typing import Any

from manim import FadeIn

from core.model import Layout, OpRecord
from scenes.components.storage_marker import StorageMarker
from scenes.stage import Figure, Stage
from scenes.visuals.common import (
    bring,
    on_chip,
    rearrange,
    show_figure,
    transient,
    with_stride_badge,
)
from scenes.visuals.layout import show_storage_links

__all__ = ["play"]


def play(scene: Any, stage: Stage, op: OpRecord) -> None:
    plan = op.plan
    assert isinstance(plan, Layout)
    (source,) = bring(scene, stage, op.inputs[:1])
    out_facts = stage.facts(op.outputs[0])
    strip, anims = stage.show_strip(out_facts)
    values: list[Any] = [c.value for c in strip.cells]
    for value in values:
        value.set_opacity(0)
    rearrange(scene, anims, 0.8)
    order = plan.write_order or tuple(range(len(plan.sources)))
    # One value at a time, in torch's order, each on a chip (it passes over the cells below
    # its own instead of printing through them) that leaves its cell when its turn comes and
    # becomes the storage cell's value as it lands.
    per = 0.5 if len(order) <= 8 else 0.3
    for k in order:
        traveller = on_chip(source.cell(plan.sources[k]).value.copy(), stage)
        target = strip.cell(out_facts.storage_index[k]).value
        scene.play(traveller.animate.move_to(target), run_time=per)
        target.set_opacity(1)
        scene.remove(traveller)
    marker = StorageMarker(False, out_facts.storage, stage.theme, subject=out_facts.name)
    figure: Figure = stage.make_figure(out_facts)
    with_stride_badge(figure)
    anims = stage.arrange([figure], keep=[source.ref, figure.ref])
    rearrange(scene, anims, 0.8)
    show_figure(scene, stage, figure, run_time=1.0)
    show_storage_links(scene, stage, figure)
    stage.place_note(marker)
    scene.play(FadeIn(marker), run_time=0.5)
    transient(stage, marker)
