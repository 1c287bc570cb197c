"""resize_: the same storage object; shrinking leaves cells unreached, growing moves the buffer."""

from __future__ import annotations

from typing import Any

from manim import LEFT, RIGHT, UP, FadeIn, FadeOut, Succession, VGroup

from core.model import OpRecord, Resize
from scenes.components.storage_strip import StorageStrip
from scenes.stage import Stage, safe_area
from scenes.visuals.common import bring, fly, rearrange, transient
from scenes.visuals.layout import show_storage_links
from scenes.visuals.write import previous

__all__ = ["play"]

# How far the old bytes rise out of a buffer being freed (into the arrows' room above it).
ARROW_LIFT = 0.45


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
    # The new shape is drawn where the tensor stands: its cells fold there, and only then do
    # the figures re-lay out (a neighbour sliding over the folding cells would hide them).
    out.move_to(figure, aligned_edge=UP + LEFT)
    stage.swap_figure(figure.ref, out)
    scene.remove(figure)
    keep = min(len(figure.cells), len(out.cells))
    cells: list[Any] = [figure.cell(k) for k in range(keep)]
    scene.add(*cells, figure.name_label, figure.badge)
    lost = [figure.cell(k) for k in range(keep, len(figure.cells))]
    fresh = [out.cell(k) for k in range(keep, len(out.cells))]
    targets = [out.position(k) for k in range(keep)]
    out.cells.submobjects = cells + fresh
    # Lost cells and the old header go first; then the kept cells travel, one at a time, into
    # the new shape; then the new header.
    scene.play(*(FadeOut(c) for c in lost), FadeOut(VGroup(figure.name_label, figure.badge)),
               run_time=0.4)
    fly(scene, stage, list(zip(cells, targets, strict=True)), away=[figure.ref, new_ref])
    scene.play(FadeIn(VGroup(out.name_label, out.badge)), run_time=0.4)
    if fresh:
        scene.play(*(FadeIn(c) for c in fresh), run_time=0.6)
    scene.remove(*cells, *fresh, out.name_label, out.badge)
    scene.add(out)
    rearrange(scene, stage.arrange(keep=[new_ref]), 0.6)
    # The storage: the same object either way.
    new_strip = StorageStrip(new_facts, stage.cell_theme, cell_width=stage.w, tags_right=True,
                             cell_height=stage.h)
    new_strip.cells.set_stroke(stage.color(new_ref))
    new_strip.move_to(strip, aligned_edge=UP + LEFT)
    keep_inside(new_strip)
    if plan.buffer_moved:
        freed = stage.note(f"same storage {new_facts.storage}, new buffer; the old one is freed",
                           monospace=False)
        # The old bytes are lifted out of the old buffer, which is then freed; the new
        # buffer appears in its place and the bytes go in, one at a time.
        travellers = [strip.cell(i).value.copy() for i in range(len(strip.cells))]
        scene.add(*travellers)
        labels = VGroup(strip.title, strip.indices, strip.offsets, strip.row_names,
                        strip.unreached_marks, strip.state_tags)
        # Arrows of other views into the old buffer go with it (they are drawn again after).
        for ref in [r for r, f in stage.figures.items()
                    if f.facts.storage == strip.facts.storage and r in stage.arrows]:
            labels.add(stage.arrows.pop(ref))
        scene.play(FadeOut(labels), strip.cells.animate.set_opacity(0.25),
                   *(t.animate.shift(UP * ARROW_LIFT) for t in travellers), run_time=0.6)
        scene.play(FadeOut(strip.cells), run_time=0.4)
        scene.remove(strip)
        boxes = [new_strip.cell(i).box for i in range(len(new_strip.cells))]
        arriving = VGroup(new_strip.title, new_strip.indices, new_strip.offsets,
                          new_strip.row_names, *boxes)
        scene.play(FadeIn(arriving), run_time=0.5)
        flights: list[Any] = [t.animate.move_to(new_strip.cell(i).value)
                              for i, t in enumerate(travellers)]
        scene.play(Succession(*flights), run_time=0.35 * len(flights))
        scene.remove(*travellers, arriving)
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
