"""Errors: torch's exact message on a card, and what failed drawn from the failed op's plan."""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import DOWN, RIGHT, Create, DashedVMobject, FadeIn, Rectangle, VGroup

from core.model import Matmul, OpKind, OpRecord
from scenes.components.error_card import ErrorCard
from scenes.components.text import label, mono
from scenes.stage import Stage
from scenes.visuals.common import bring, transient

__all__ = ["play"]


def requested_shape(op: OpRecord) -> tuple[int, ...]:
    """The sizes a failed view/reshape asked for, read from its arguments as written.

    The trace keeps the arguments as text (``op.args``); a ``-1`` or a keyword makes the
    request more than plain sizes, and nothing is drawn for it.
    """
    parts = [p.strip() for p in op.args.strip("()[] ").split(",") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts):
        return ()
    return tuple(int(p) for p in parts)


def empty_grid(stage: Stage, shape: tuple[int, ...]) -> VGroup:
    """Dashed empty cells in the shape torch was asked for (2-d or less)."""
    rows, cols = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0] if shape else 1)
    grid = VGroup()
    for r in range(rows):
        for c in range(cols):
            box = Rectangle(width=stage.w, height=stage.h, stroke_color=stage.theme.error,
                            stroke_width=2)
            box.move_to(np.array([c * stage.w, -r * stage.h, 0.0]))
            grid.add(DashedVMobject(box, num_dashes=12))
    return grid


def play(scene: Any, stage: Stage, op: OpRecord) -> None:
    assert op.error is not None
    th = stage.theme
    figures = bring(scene, stage, list(op.inputs)) if op.inputs else []
    failed: VGroup = VGroup()
    if isinstance(op.plan, Matmul):
        left, right = op.plan.inner
        failed = VGroup(mono(f"inner sizes: {left} ≠ {right}", th, th.body_size, th.error))
    elif figures:
        facts = figures[0].facts
        failed = VGroup(label(f"{facts.name} holds {facts.numel} elements", th, th.body_size,
                              th.error))
        wanted = requested_shape(op)
        if op.kind in (OpKind.LAYOUT, OpKind.COPY) and wanted:
            failed = VGroup(empty_grid(stage, wanted), label(
                f"{facts.numel} cells cannot fill {' × '.join(map(str, wanted))}", th,
                th.body_size, th.error)).arrange(RIGHT, buff=0.4)
    b = stage.bands()
    card = ErrorCard(op.error, th, width=min(11.0, b.width))
    block = VGroup(card, failed).arrange(DOWN, buff=0.2) if len(failed) else card
    room = (b.work[1] - b.work[0]) * 0.55
    if block.height > room:
        block.scale_to_fit_height(room)
    # The card takes the bottom of the work band; the tensors move up out of its way.
    block.move_to(np.array([(b.left + b.right) / 2, b.work[0] + block.height / 2, 0.0]))
    stage.floor = block.height + 0.15
    anims = stage.arrange(keep=list(op.inputs))
    if anims:
        scene.play(*anims, run_time=0.6)
    frames = VGroup()
    if isinstance(op.plan, Matmul):
        frames = VGroup(*(stage.cell_highlight(f.badge, th.error) for f in figures[:2]))
    scene.play(FadeIn(block, shift=DOWN * 0.2), Create(frames), run_time=0.8)
    transient(stage, block, frames)
