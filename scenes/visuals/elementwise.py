"""Element-wise ops: each result element from the pair that makes it, broadcasting as ghosts."""

from __future__ import annotations

from typing import Any

from manim import DOWN, LEFT, Create, FadeIn, FadeOut, LaggedStart, Mobject, VGroup

from core.model import Broadcast, OpRecord
from scenes.components.text import label, mono
from scenes.stage import Figure, Stage
from scenes.visuals.common import bring, ghost_points, rearrange, symbol

__all__ = ["play"]

# Result elements worked out one by one before the rest drop in together.
SLOW = 3


def equation(op: OpRecord, operands: list[str], result: str) -> str:
    """``a × b = c`` for a binary op, ``exp(a) = c`` for a function, from printed values."""
    sym = symbol(op.op)
    if sym is not None and len(operands) == 2:
        return f"{operands[0]} {sym} {operands[1]} = {result}"
    if sym is not None and len(operands) == 1 and op.args:
        return f"{operands[0]} {sym} {op.args} = {result}"
    return f"{op.op}({', '.join(operands)}) = {result}"


def play(scene: Any, stage: Stage, op: OpRecord) -> None:
    plan = op.plan
    assert isinstance(plan, Broadcast)
    inputs = list(op.inputs[:len(plan.shapes)])
    figures = bring(scene, stage, inputs)
    # Room for the ghosts of every stretched input, then one layout for all of it.
    for i, figure in enumerate(figures):
        if plan.expanded[i] and not len(figure.room):
            figure.reserve(plan.out_shape)
            _label_stretch(stage, plan, i, figure)
    anims = stage.arrange(keep=inputs)
    rearrange(scene, anims, 0.8)
    _stretch(scene, stage, plan, figures)
    out_facts = stage.facts(op.outputs[0])
    out = stage.make_figure(out_facts)
    anims = stage.arrange([out], keep=[*inputs, out.ref])
    rearrange(scene, anims, 0.8)
    scene.play(FadeIn(VGroup(out.name_label, out.badge)), run_time=0.5)
    scene.remove(VGroup(out.name_label, out.badge))
    shown: list[Mobject] = []
    count = len(out.cells)
    for k in range(min(SLOW, count)):
        cells = [fig.cell(plan.sources[k][i]) for i, fig in enumerate(figures)]
        frames = VGroup(*(stage.cell_highlight(c) for c in cells))
        operands = [fig.facts.printed[plan.sources[k][i]] or "?"
                    for i, fig in enumerate(figures)]
        text = mono(equation(op, operands, out_facts.printed[k] or "?"), stage.theme,
                    stage.theme.body_size, stage.theme.text)
        stage.place_note(text)
        scene.play(Create(frames), FadeIn(text), run_time=0.6)
        scene.play(FadeIn(out.cell(k), shift=DOWN * 0.3), run_time=0.6)
        scene.wait(0.5)
        scene.play(FadeOut(frames), FadeOut(text), run_time=0.3)
        shown.append(out.cell(k))
    if count > SLOW:
        rest = [out.cell(k) for k in range(SLOW, count)]
        scene.play(LaggedStart(*(FadeIn(c, shift=DOWN * 0.3) for c in rest),
                               lag_ratio=0.2), run_time=min(3.0, 0.6 + 0.2 * len(rest)))
        shown += rest
    scene.remove(*shown)
    scene.add(out)


def _stretch(scene: Any, stage: Stage, plan: Broadcast, figures: list[Figure]) -> None:
    """Ghost copies of each broadcast input fill the result's shape: stride 0, no copy."""
    for i, (figure, dims) in enumerate(zip(figures, plan.expanded, strict=False)):
        if not dims or len(figure.ghosts):
            continue
        points = ghost_points(figure, plan.out_shape)
        first: dict[int, int] = {}
        moves: list[Any] = []
        for k, source in enumerate(s[i] for s in plan.sources):
            if source not in first:
                first[source] = k
                continue
            ghost = stage.ghost(figure.cell(source))
            # Part of the figure (on screen already): never added or removed on its own.
            figure.ghosts.add(ghost)
            moves.append(ghost.animate.move_to(points[k]))
        scene.play(LaggedStart(*moves, lag_ratio=0.1), figure.notes.animate.set_opacity(1),
                   run_time=1.4)


def _label_stretch(stage: Stage, plan: Broadcast, i: int, figure: Figure) -> None:
    """Before layout: the stride-0 note under the ghosts' room, hidden until they arrive."""
    th = stage.theme
    strides = mono(f"stride {plan.strides[i]}", th, th.small_size, th.text)
    note = label("stride 0, no copy", th, th.small_size, th.text)
    figure.notes.add(VGroup(strides, note).arrange(DOWN, aligned_edge=LEFT, buff=0.08))
    figure.notes.set_opacity(0)
    figure.relabel()
