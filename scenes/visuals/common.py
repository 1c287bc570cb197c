"""Moves every visual shares: bring tensors on stage, hand cells from one tensor to another."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from manim import (
    DOWN,
    RIGHT,
    Animation,
    FadeIn,
    FadeOut,
    LaggedStart,
    Mobject,
    RoundedRectangle,
    VGroup,
)

from core.model import OpRecord, TensorFacts, TensorRef
from scenes.components.stride_arrows import stride_badge
from scenes.components.tensor_grid import Cell
from scenes.components.text import label, mono
from scenes.stage import GHOST_OPACITY, Figure, Stage, cell_positions, is_named

__all__ = [
    "adopt",
    "bring",
    "console",
    "drop_in",
    "order_text",
    "settle",
    "show_figure",
    "symbol",
    "transient",
]

# How an op is written in the equations on screen.
SYMBOLS = {
    "add": "+", "sub": "−", "mul": "×", "div": "÷", "pow": "**", "true_divide": "÷",
    "gt": ">", "lt": "<", "ge": "≥", "le": "≤", "eq": "==", "ne": "!=",
}


def symbol(op: str) -> str | None:
    """The infix symbol of a binary op, or None for a function written ``op(a)``."""
    return SYMBOLS.get(op.removesuffix("_"))


def settle(scene: Any, figure: Mobject, parts: Sequence[Mobject]) -> None:
    """After parts of ``figure`` were animated in one by one, keep the figure as one mobject."""
    scene.remove(*parts)
    scene.add(figure)


def show_figure(scene: Any, stage: Stage, figure: Figure, *, lagged: bool = True,
                run_time: float = 1.0) -> None:
    """Bring a figure placed by the stage onto the screen: cells drop in one after another."""
    parts = [figure.name_label, figure.badge]
    anims: list[Any] = [FadeIn(VGroup(*parts))]
    if lagged and len(figure.cells) > 1:
        anims.append(LaggedStart(*(FadeIn(c, shift=DOWN * 0.25) for c in figure.cells),
                                 lag_ratio=0.15))
    else:
        anims.append(FadeIn(figure.cells, shift=DOWN * 0.25))
    scene.play(*anims, run_time=run_time)
    scene.remove(VGroup(*parts), *figure.cells, figure.cells)
    scene.add(figure)


def bring(scene: Any, stage: Stage, refs: Sequence[TensorRef],
          reserve: dict[TensorRef, tuple[int, ...]] | None = None) -> list[Figure]:
    """Figures for ``refs``, made and shown if they are not on stage, at full opacity."""
    reserve = reserve or {}
    new: list[Figure] = []
    for ref in dict.fromkeys(refs):
        if stage.figure(ref) is None:
            new.append(stage.make_figure(stage.facts(ref), reserve.get(ref)))
    anims = stage.arrange(new, keep=refs)
    dimmed = [f for f in (stage.figure(r) for r in refs)
              if f is not None and f not in new and getattr(f, "dimmed", False)]
    for figure in dimmed:
        anims.append(figure.cells.animate.set_opacity(1))
        figure.dimmed = False  # type: ignore[attr-defined]
    if anims:
        scene.play(*anims, run_time=0.8)
    for figure in new:
        show_figure(scene, stage, figure, run_time=0.8)
    found = [stage.figure(r) for r in refs]
    assert all(f is not None for f in found)
    return [f for f in found if f is not None]


def adopt(scene: Any, stage: Stage, op: OpRecord, source: Figure, out_facts: TensorFacts,
          sources: Sequence[int],
          decorate: Callable[[Figure], Sequence[Mobject]] | None = None) -> Figure:
    """The output of a view takes over the very cells of its input and moves them into place.

    Output element ``k`` shows input element ``sources[k]``: the first output element to show
    an input element gets that input's cell itself; any further one (a stride-0 repeat) gets a
    dashed ghost copy that slides out of it. If a later op reads the input, a dimmed copy of
    it stays where it was (a new mobject: the cells themselves moved on).
    """
    out = stage.make_figure(out_facts)
    extra = list(decorate(out)) if decorate is not None else []
    keep_input = is_named(source.ref)
    links = stage.arrows.pop(source.ref, None)
    anims = stage.arrange([out], keep=[source.ref, out.ref])
    if links is not None:
        anims.append(FadeOut(links))
    if anims:
        scene.play(*anims, run_time=0.8)
    # The stage placed ``out`` with fresh cells: their centres are where the old cells go.
    targets = [out.position(k) for k in range(len(out.cells))]
    fresh = list(out.cells)
    order = list(stage.figures)
    stage.remove_figure(source.ref)
    scene.remove(source)
    left_behind: Figure | None = None
    if keep_input:
        left_behind = source.copy()
        left_behind.cells.set_opacity(GHOST_OPACITY)
        left_behind.dimmed = True  # type: ignore[attr-defined]
        stage.figures[source.ref] = left_behind
        # The input keeps its place in the row: figures never swap places.
        stage.figures = {r: stage.figures[r] for r in order if r in stage.figures} | {
            r: f for r, f in stage.figures.items() if r not in order}
        scene.add(left_behind)
    moved: list[Any] = []
    ghosts: list[Any] = []
    first: dict[int, int] = {}
    cells: list[Cell | None] = []
    for k, s in enumerate(sources):
        if s not in first:
            first[s] = k
            origin = source.cell(s)
            cells.append(origin)
            scene.add(origin)
            # A gentle arc, one cell a moment after another: crossing paths stay apart.
            builder: Any = origin.animate(path_arc=0.7)  # type: ignore[operator]
            moved.append(builder.move_to(targets[k]))
        else:
            cells.append(None)
    leaving = [source.cell(s) for s in range(len(source.cells)) if s not in first]
    labels: list[Any] = [source.name_label, source.badge, *source.header_extra, *source.ghosts,
              *source.notes]
    if not keep_input:
        scene.add(*labels)
    arrivals: Any = VGroup(out.name_label, out.badge, *extra)  # type: ignore[arg-type]
    departures = [FadeOut(VGroup(*labels))] if not keep_input else []
    scene.play(LaggedStart(*moved, lag_ratio=0.12), FadeIn(arrivals), *departures,
               *(FadeOut(c) for c in leaving), run_time=2.0)
    # Stride-0 repeats slide out of the cell they repeat, now in its new place.
    for k, s in enumerate(sources):
        if cells[k] is None:
            ghost = stage.ghost(source.cell(s))
            ghost.move_to(targets[first[s]])
            scene.add(ghost)
            cells[k] = ghost
            ghosts.append(ghost.animate.move_to(targets[k]))
    if ghosts:
        scene.play(LaggedStart(*ghosts, lag_ratio=0.08), run_time=1.4)
    out.cells.submobjects = [c for c in cells if c is not None]
    placed: list[Any] = list(out.cells)
    for cell in placed:
        cell.box.set_stroke(out.hue)
        if hasattr(cell, "dashes"):
            cell.dashes.set_stroke(out.hue)
    scene.remove(*placed, arrivals, *leaving)
    del fresh
    scene.add(out)
    return out


def drop_in(cell: Mobject) -> Animation:
    return FadeIn(cell, shift=DOWN * 0.3)


def transient(stage: Stage, *mobs: Mobject) -> None:
    """Mark mobjects as belonging to this step only: the next step clears them."""
    stage.extras.extend(mobs)


def order_text(positions: Sequence[int]) -> str:
    """Read positions 1..n of a storage cell: ``3``, ``1–4`` for a run, ``2,5`` otherwise."""
    if len(positions) == 1:
        return str(positions[0])
    if list(positions) == list(range(positions[0], positions[0] + len(positions))):
        return f"{positions[0]}–{positions[-1]}"
    return ",".join(str(p) for p in positions)


def with_stride_badge(figure: Figure) -> VGroup:
    """A ``stride (...)`` badge to the right of the size badge (part of the figure)."""
    badge = stride_badge(figure.facts, figure.theme)
    figure.add_to_header(badge)
    figure.stride = badge  # type: ignore[attr-defined]
    return badge


def console(stage: Stage, code: str, result: str) -> VGroup:
    """``>>> code`` and Python's answer, the way a console shows them, on a panel."""
    th = stage.theme
    prompt = mono(f">>> {code}", th, th.code_size)
    answer = mono(result, th, th.code_size, stage.highlight)
    lines = VGroup(prompt, answer).arrange(RIGHT, buff=0.4)
    panel = RoundedRectangle(corner_radius=0.08, width=lines.width + 0.4,
                             height=lines.height + 0.2, fill_color=th.panel, fill_opacity=1,
                             stroke_color=th.muted, stroke_width=1)
    panel.move_to(lines)
    group = VGroup(panel, lines)
    stage.place_note(group)
    return group


def ghost_points(figure: Figure, out_shape: tuple[int, ...]) -> list[np.ndarray]:
    """Where each element of a broadcast result sits when drawn from ``figure``'s first cell."""
    first = figure.position(0)
    return [first + p for p in cell_positions(out_shape, figure.w, figure.h)]


def words(stage: Stage, text: str, color: str | None = None) -> Mobject:
    return label(text, stage.theme, stage.theme.small_size, color or stage.theme.text)
