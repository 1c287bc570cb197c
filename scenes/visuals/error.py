"""Errors: torch's exact message on a card, and what failed drawn from the failed op's plan."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from manim import DOWN, RIGHT, Create, DashedVMobject, FadeIn, FadeOut, Rectangle, VGroup

from core.model import Matmul, OpKind, OpRecord
from scenes.components.error_card import ErrorCard
from scenes.components.text import label, mono
from scenes.stage import Stage
from scenes.visuals.common import bring, rearrange, transient

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


def older_wording(op: OpRecord, shapes: list[tuple[int, ...]]) -> str:
    """How PyTorch before 1.7 worded torch.mm's size mismatch, from the operands' own shapes
    (the lecture quotes that text); "" when the op is not a 2-D torch.mm size mismatch."""
    if op.op != "mm" or op.error is None or "cannot be multiplied" not in op.error.message:
        return ""
    if len(shapes) < 2 or any(len(shape) != 2 for shape in shapes[:2]):
        return ""
    (a, b), (c, d) = shapes[0], shapes[1]
    return f"size mismatch, m1: [{a} x {b}], m2: [{c} x {d}]"


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
        flat = [f.facts for f in figures[:2] if len(f.facts.shape) != 2]
        if None in (left, right) or flat:
            # Not a size mismatch: torch.mm refused an operand that is not a matrix.
            wrong = flat[0] if flat else figures[0].facts
            dims = len(wrong.shape)
            failed = VGroup(label(f"{wrong.name} has {dims} dim{'' if dims == 1 else 's'}: "
                                  f"torch.mm takes 2-D matrices only", th, th.body_size, th.error))
        else:
            failed = VGroup(mono(f"inner sizes: {left} ≠ {right}", th, th.body_size, th.error))
    elif figures:
        facts = figures[0].facts
        failed = VGroup(label(f"{facts.name} holds {facts.numel} elements", th, th.body_size,
                              th.error))
        wanted = requested_shape(op)
        if op.kind in (OpKind.LAYOUT, OpKind.COPY) and wanted:
            if math.prod(wanted) != facts.numel:
                failed = VGroup(empty_grid(stage, wanted), label(
                    f"{facts.numel} cells cannot fill {' × '.join(map(str, wanted))}", th,
                    th.body_size, th.error)).arrange(RIGHT, buff=0.4)
            else:
                # The count fits: what torch refuses is the walk the strides would need.
                failed = VGroup(label(
                    f"{facts.name} reads storage with strides {facts.strides}: one stride "
                    f"cannot walk its {facts.numel} cells in that order", th, th.small_size + 2,
                    th.error))
    b = stage.bands()
    # The code panel marks the failing code: the card says only what torch said.
    card = ErrorCard(op.error, th, width=min(11.0, b.width), show_code=False)
    block = VGroup(card, failed).arrange(DOWN, buff=0.2) if len(failed) else card
    room = (b.work[1] - b.work[0]) * 0.6
    if block.height > room:
        # Never below the legibility floor: torch's words are the point of the step.
        block.scale(max(room / block.height, th.small_size / (th.small_size + 2)))
    # The card takes the bottom of the work band; the tensors move up out of its way.
    block.move_to(np.array([(b.left + b.right) / 2, b.work[0] + block.height / 2, 0.0]))
    stage.floor = block.height + 0.15
    anims = stage.arrange(keep=list(op.inputs))
    rearrange(scene, anims, 0.6)
    frames = VGroup()
    if isinstance(op.plan, Matmul):
        frames = VGroup(*(stage.cell_highlight(f.badge, th.error) for f in figures[:2]))
    scene.play(FadeIn(block, shift=DOWN * 0.2), Create(frames), run_time=0.8)
    transient(stage, block, frames)
    older = older_wording(op, [f.facts.shape for f in figures[:2]])
    if older and len(failed):
        # The lecture quoted the wording PyTorch used before: it takes the sizes' place.
        scene.wait(1.2)
        said = label(f"older PyTorch said: {older}", th, th.small_size + 2, th.muted)
        if said.width > b.width:
            said.scale_to_fit_width(b.width)
        said.move_to(failed)
        # One wording leaves before the other comes; the card lets go of the old one, so the
        # next step's fade does not bring it back.
        scene.play(FadeOut(failed), run_time=0.25)
        if isinstance(block, VGroup) and failed in block.submobjects:
            block.remove(failed)
        scene.play(FadeIn(said), run_time=0.3)
        transient(stage, said)
