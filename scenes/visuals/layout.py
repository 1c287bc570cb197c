"""Layout: a view moves its input's very cells into the new shape, over the same storage."""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import (
    UP,
    Create,
    FadeIn,
    GrowArrow,
    LaggedStart,
    Mobject,
    VGroup,
)

from core.model import Layout, OpRecord, logical_indices
from scenes.components.text import mono
from scenes.stage import Figure, Stage
from scenes.visuals.common import adopt, bring, order_text, rearrange, transient, with_stride_badge

__all__ = ["play", "show_storage_links", "stride_step"]


def play(scene: Any, stage: Stage, op: OpRecord) -> None:
    """Cells move (row to column, rows to columns); then arrows, read order and a stride step."""
    assert isinstance(op.plan, Layout)
    (source,) = bring(scene, stage, op.inputs[:1])
    out_facts = stage.facts(op.outputs[0])

    def decorate(figure: Figure) -> list[Mobject]:
        return [with_stride_badge(figure)]

    figure = adopt(scene, stage, op, source, out_facts, op.plan.sources, decorate)
    show_storage_links(scene, stage, figure)
    stride_step(scene, stage, figure)


def show_storage_links(scene: Any, stage: Stage, figure: Figure) -> VGroup:
    """The storage strip under the tensor, one arrow per element to the cell torch reads,
    drawn in read order, each storage cell numbered with the positions that read it."""
    strip, anims = stage.show_strip(figure.facts, keep=[figure.ref], badges=[figure.ref])
    # The figures move first; a new strip then fades in right under this figure (arrows run
    # downwards), a strip already on screen slides there.
    arriving = [a for a in anims if isinstance(a, FadeIn) and a.mobject is strip]
    rearrange(scene, [a for a in anims if a not in arriving], 0.8)
    aligned = stage.align_strip(strip, figure, now=bool(arriving))
    if aligned or arriving:
        scene.play(*aligned, *arriving, run_time=0.6)
    arrows: Any = stage.arrows_to_storage(figure, strip)
    facts = figure.facts
    numbers = VGroup()
    th = stage.theme
    readers: dict[int, list[int]] = {}
    for k, index in enumerate(facts.storage_index):
        readers.setdefault(index, []).append(k + 1)
    for index, positions in sorted(readers.items()):
        text = mono(order_text(positions), th, th.small_size, stage.highlight)
        box = strip.cell(index).box
        if text.width > box.width * 0.95:
            text.scale_to_fit_width(box.width * 0.95)
        text.next_to(box, UP, buff=0.04)
        numbers.add(text)
    # The arrows end just above the read-order numbers, on the storage cell's centre line.
    targets: list[int] = list(arrows.storage_targets)
    for parts, target in zip(arrows, targets, strict=True):
        arrow = parts[-1]
        top = strip.cell(target).box.get_top()[1] + 0.36
        arrow.put_start_and_end_on(arrow.get_start(),
                                   np.array([strip.cell(target).box.get_x(), top, 0.0]))
    grow: list[Any] = []
    for parts, k in zip(arrows, range(len(arrows)), strict=True):
        pieces: list[Any] = list(parts)
        steps: list[Any] = [Create(p) for p in pieces[:-1]]
        steps.append(GrowArrow(pieces[-1]))
        grow.append(LaggedStart(*steps, lag_ratio=0.6))
        del k
    scene.play(LaggedStart(*grow, lag_ratio=0.25), run_time=min(4.0, 0.9 + 0.25 * len(arrows)))
    scene.play(LaggedStart(*(FadeIn(n, scale=1.4) for n in numbers), lag_ratio=0.3),
               run_time=min(3.0, 0.5 + 0.25 * len(numbers)))
    previous = stage.arrows.pop(figure.ref, None)
    if previous is not None:
        scene.remove(previous)
    links = VGroup(arrows, numbers)
    links.arrows = arrows  # type: ignore[attr-defined]
    links.numbers = numbers  # type: ignore[attr-defined]
    stage.arrows[figure.ref] = links
    return links


def stride_step(scene: Any, stage: Stage, figure: Figure) -> None:
    """One step along the first dim longer than 1: frames on the two tensor cells and on the
    two storage cells torch reads for them, and how far apart those are (the stride)."""
    facts = figure.facts
    strip = stage.strip(facts.storage)
    dims = [d for d, n in enumerate(facts.shape) if n > 1]
    if strip is None or not dims:
        return
    # A stride-0 dim first: that step is the surprising one.
    d = next((d for d in dims if facts.strides[d] == 0), dims[0])
    indices = logical_indices(facts.shape)
    step = tuple(1 if i == d else 0 for i in range(len(facts.shape)))
    k = indices.index(step)
    first, second = facts.storage_index[0], facts.storage_index[k]
    frames = VGroup(stage.cell_highlight(figure.cell(0)), stage.cell_highlight(figure.cell(k)),
                    stage.cell_highlight(strip.cell(first).box),
                    stage.cell_highlight(strip.cell(second).box))
    stride = facts.strides[d]
    where = ("the same storage cell: stride 0, no copy" if stride == 0
             else f"+{stride} in storage (stride {stride})")
    note = stage.note(f"one step along dim {d}: {where}", monospace=False)
    scene.play(Create(frames[:2]), run_time=0.6)
    scene.play(Create(frames[2:]), FadeIn(note), run_time=0.8)
    transient(stage, frames, note)
