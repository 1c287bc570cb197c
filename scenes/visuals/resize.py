"""resize_: the same storage object; shrinking leaves cells unreached, growing moves the buffer."""

from __future__ import annotations

from typing import Any

from manim import LEFT, ORIGIN, RIGHT, UP, FadeIn, FadeOut, Succession, VGroup

from core.model import OpRecord, Resize
from scenes.components.storage_strip import StorageStrip
from scenes.stage import Stage, safe_area
from scenes.visuals.common import bring, rearrange, transient
from scenes.visuals.layout import show_storage_links
from scenes.visuals.write import previous

__all__ = ["play"]


def keep_inside(mob: Any) -> None:
    """Move (and if it must, shrink) a grown strip so it stays inside the safe area."""
    left, _, right, _ = safe_area()
    if mob.width > right - left:
        mob.scale_to_fit_width(right - left)
    dx = max(0.0, left - float(mob.get_left()[0])) - max(0.0, float(mob.get_right()[0]) - right)
    mob.shift(RIGHT * dx)


def play(scene: Any, stage: Stage, op: OpRecord) -> None:
    plan = op.plan
    assert isinstance(plan, Resize)
    before = op.inputs[0]
    (figure,) = bring(scene, stage, [before])
    old_facts = stage.facts(before)
    new_ref = op.outputs[0]
    new_facts = stage.facts(new_ref)
    strip, anims = stage.show_strip(old_facts)
    rearrange(scene, anims, 0.8)
    links = stage.arrows.pop(figure.ref, None)
    if links is not None:
        scene.play(FadeOut(links), run_time=0.3)
    # The tensor's own cells fold into the new shape; cells it loses leave, new ones are
    # hatched "?" cells (uninitialised memory: whatever bytes were there).
    out = stage.make_figure(new_facts)
    stage.remove_figure(figure.ref)
    scene.remove(figure)
    anims = stage.arrange([out], keep=[new_ref])
    rearrange(scene, anims, 0.6)
    keep = min(len(figure.cells), len(out.cells))
    cells: list[Any] = [figure.cell(k) for k in range(keep)]
    scene.add(*cells, figure.name_label, figure.badge)
    moves = [cell.animate.move_to(out.position(k)) for k, cell in enumerate(cells)]
    lost = [figure.cell(k) for k in range(keep, len(figure.cells))]
    fresh = [out.cell(k) for k in range(keep, len(out.cells))]
    out.cells.submobjects = cells + fresh
    scene.play(*moves, *(FadeOut(c) for c in lost),
               FadeOut(VGroup(figure.name_label, figure.badge)),
               FadeIn(VGroup(out.name_label, out.badge)), run_time=1.6)
    if fresh:
        scene.play(*(FadeIn(c) for c in fresh), run_time=0.6)
    scene.remove(*cells, *fresh, out.name_label, out.badge)
    scene.add(out)
    # The storage: the same object either way.
    new_strip = StorageStrip(new_facts, stage.cell_theme, cell_width=stage.w, tags_right=True,
                             cell_height=stage.h)
    new_strip.cells.set_stroke(stage.color(new_ref))
    new_strip.move_to(strip, aligned_edge=UP + LEFT)
    keep_inside(new_strip)
    if plan.buffer_moved:
        freed = stage.note(f"same storage {new_facts.storage}, new buffer; the old one is freed",
                           monospace=False)
        travellers = [strip.cell(i).value.copy() for i in range(len(strip.cells))]
        scene.play(strip.animate.shift(ORIGIN).set_opacity(0.25), run_time=0.5)
        scene.add(*travellers)
        scene.play(FadeIn(new_strip.title), FadeIn(new_strip.indices),
                   FadeIn(new_strip.offsets), FadeIn(new_strip.row_names), run_time=0.3)
        flights: list[Any] = [t.animate.move_to(new_strip.cell(i).value)
                   for i, t in enumerate(travellers)]
        scene.remove(strip)
        scene.add(new_strip.title, new_strip.indices, new_strip.offsets, new_strip.row_names)
        scene.play(Succession(*flights), run_time=0.35 * len(flights))
        scene.remove(*travellers, new_strip.title, new_strip.indices, new_strip.offsets,
                     new_strip.row_names)
        scene.add(new_strip)
        scene.play(FadeIn(freed), run_time=0.5)
        transient(stage, freed)
    else:
        scene.play(FadeOut(strip), FadeIn(new_strip), run_time=0.8)
    stage.replace_strip(strip, new_strip)
    show_storage_links(scene, stage, out)
    for alias in plan.aliases:
        shown = stage.figure(previous(stage, alias))
        if shown is not None:
            stage.rekey(shown.ref, alias, stage.facts(alias))
