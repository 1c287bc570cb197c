"""Queries: a Python answer (stride(), is_contiguous(), shape) shown as console output."""

from __future__ import annotations

from typing import Any

from manim import DOWN, RIGHT, Create, FadeIn, FadeOut, VGroup

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
    answer.console = True  # type: ignore[attr-defined]
    # Answers of one line stack, newest last, in the note area or under the tensors, where
    # they fit at full size; else the older ones go (two answers in one place read as
    # neither).
    earlier = [m for m in stage.extras if getattr(m, "console", False)]
    moves: list[Any] = []
    if earlier:
        copies: list[Any] = [m.copy() for m in earlier]
        stack = VGroup(*copies, answer.copy()).arrange(
            DOWN, aligned_edge=RIGHT, buff=0.08)
        left, bottom, right, top = stage.note_box()
        if (stack.height <= top - bottom and stack.width <= right - left
                and stage.place_note(stack)) or stage.place_under(stack):
            moves = [m.animate.move_to(place) for m, place in zip(earlier, stack, strict=False)]
            answer.move_to(stack[-1])
        else:
            moves = [FadeOut(m) for m in earlier]
            for m in earlier:
                stage.extras.remove(m)
    if moves:
        scene.play(*moves, run_time=0.4)
    scene.play(Create(frames), FadeIn(answer), run_time=0.8)
    transient(stage, frames, answer)
