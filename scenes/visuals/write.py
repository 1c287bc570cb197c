"""In-place writes: the value goes down the writer's arrow into storage, then up every alias's."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from manim import (
    UP,
    Arrow,
    Create,
    FadeOut,
    GrowArrow,
    Mobject,
    MoveAlongPath,
    VGroup,
)

from core.model import OpRecord, TensorRef, Write
from scenes.components.storage_strip import change_value
from scenes.components.text import mono
from scenes.stage import Figure, Stage
from scenes.visuals.common import bring, on_chip, polyline, rearrange, transient

__all__ = ["play", "previous"]


def previous(stage: Stage, ref: TensorRef) -> TensorRef:
    """The version of ``ref``'s name just before ``ref`` (what the screen shows before a write)."""
    older = [t.ref for t in stage.trace.tensors if t.name == ref.name and t.version < ref.version]
    return max(older, key=lambda r: r.version) if older else ref


def _token(text: str, stage: Stage) -> VGroup:
    """A written value on its way, on a chip (:func:`on_chip`)."""
    return on_chip(mono(text, stage.theme, stage.theme.cell_size, stage.highlight), stage)


def _inside(points: list[Any], token: Mobject, stage: Stage) -> list[Any]:
    """The path with the token kept inside the safe area: a lane beside a column at the edge
    of the frame would carry half the chip off screen."""
    half = token.width / 2
    kept = []
    for point in points:
        point = point.copy()
        point[0] = min(max(point[0], stage.left + half), stage.right - half)
        kept.append(point)
    return kept


def travel(scene: Any, flights: list[tuple[Any, Mobject, Callable[[], list[Any]]]]) -> None:
    """Values travel one after another, and each cell takes its new value as its value
    arrives: cause, then effect, one element at a time (tokens waiting on their cells, or
    landed on them, would print two numbers in one place). About 1.4 s for one value, at most
    about 3 s for many."""
    each = 1.4 if len(flights) == 1 else max(0.2, min(0.5, 3.0 / len(flights)))
    for move, token, land in flights:
        scene.play(move, run_time=each)
        scene.play(*land(), FadeOut(token), run_time=max(0.2, each * 0.6))


def play(scene: Any, stage: Stage, op: OpRecord) -> None:
    plan = op.plan
    assert isinstance(plan, Write)
    before = op.inputs[0] if op.inputs else previous(stage, plan.writer)
    alias_refs = [previous(stage, ref) for ref, _ in plan.aliases]
    figures = bring(scene, stage, [before, *alias_refs])
    writer, aliases = figures[0], figures[1:]
    strip, anims = stage.show_strip(stage.facts(before),
                                    keep=[writer.ref, *(f.ref for f in aliases)])
    rearrange(scene, anims, 0.8)
    th = stage.theme
    down = stage.arrows_to_storage(writer, strip, plan.elements)
    old_links = stage.arrows.pop(writer.ref, None)
    if old_links is not None:
        scene.play(FadeOut(old_links), run_time=0.3)
    frames = VGroup(*(stage.cell_highlight(writer.cell(k)) for k in plan.elements))
    scene.play(Create(frames), run_time=0.5)
    # 1. The writer's own elements take the new value.
    swaps = []
    for k, text in zip(plan.elements, plan.printed, strict=True):
        swaps += change_value(writer.cell(k), text, th)
    scene.play(*swaps, run_time=0.6)
    # 2. Down the writer's arrows into the storage cells.
    parts_of: list[Any] = list(down)
    scene.play(*(Create(p) for parts in parts_of for p in parts[:-1]),
               *(GrowArrow(parts[-1]) for parts in parts_of), run_time=0.8)
    flights: list[tuple[Any, Mobject, Callable[[], list[Any]]]] = []
    for k, parts, text, cell_index in zip(plan.elements, down, plan.printed, plan.cells,
                                          strict=True):
        token = _token(text, stage)
        token.move_to(writer.cell(k))
        # Along the arrow itself: to its start on the cell's edge, down its lane, into storage.
        points = [writer.cell(k).get_center(), parts[0].get_start()]
        points += [p.get_end() for p in parts]
        flights.append((MoveAlongPath(token, polyline(_inside(points, token, stage))), token,
                        partial(change_value, strip.cell(cell_index), text, th)))
    travel(scene, flights)
    stage.rekey(writer.ref, plan.writer, stage.facts(plan.writer))
    # 3. Up to every alias that reaches those cells, in the order the trace gives.
    ups = VGroup()
    for figure, (ref, elements) in zip(aliases, plan.aliases, strict=True):
        ups.add(_alias(scene, stage, figure, ref, elements))
    transient(stage, frames, down, ups)


def _alias(scene: Any, stage: Stage, figure: Figure, ref: TensorRef,
           elements: tuple[int, ...]) -> VGroup:
    th = stage.theme
    facts = stage.facts(ref)
    # A NumPy array is its own storage object over the writer's buffer: it reads the same
    # cells of the strip on stage.
    strip = stage.strip(facts.storage) or next(
        (s for s in stage.strips.values() if s.facts.buffer == facts.buffer), None)
    assert strip is not None
    arrows = VGroup()
    flights: list[tuple[Any, Mobject, Callable[[], list[Any]]]] = []
    for k in elements:
        storage_cell = strip.cell(facts.storage_index[k]).box
        start = storage_cell.get_top() + UP * 0.04
        end = figure.cell(k).get_bottom()
        arrow = Arrow(start, end, buff=0, stroke_width=2.5, color=figure.hue,
                      max_tip_length_to_length_ratio=0.15, tip_length=0.16)
        arrows.add(arrow)
        token = _token(facts.printed[k] or "?", stage)
        token.move_to(storage_cell)
        path = _inside([storage_cell.get_center(), start, end, figure.cell(k).get_center()],
                       token, stage)
        flights.append((MoveAlongPath(token, polyline(path)), token,
                        partial(change_value, figure.cell(k), facts.printed[k], th)))
    grown: list[Any] = list(arrows)
    scene.play(*(GrowArrow(a) for a in grown), run_time=0.7)
    travel(scene, flights)
    stage.rekey(figure.ref, ref, facts)
    return arrows
