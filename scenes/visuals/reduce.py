"""Reductions: each group of input elements slides together into the element it makes."""

from __future__ import annotations

from typing import Any

from manim import DOWN, RIGHT, Create, FadeIn, FadeOut, LaggedStart, Mobject, VGroup

from core.model import OpRecord, Reduce
from scenes.components.storage_strip import change_value
from scenes.components.text import mono
from scenes.stage import Stage
from scenes.visuals.common import bring, rearrange, transient

__all__ = ["play"]

# Groups whose running total is written out term by term; the rest fold in together.
SLOW_GROUPS = 2


def play(scene: Any, stage: Stage, op: OpRecord) -> None:
    plan = op.plan
    assert isinstance(plan, Reduce)
    (source,) = bring(scene, stage, op.inputs[:1])
    out_facts = stage.facts(op.outputs[0])
    out = stage.make_figure(out_facts)
    anims = stage.arrange([out], keep=[source.ref, out.ref])
    rearrange(scene, anims, 0.8)
    scene.play(FadeIn(VGroup(out.name_label, out.badge)), run_time=0.5)
    scene.remove(VGroup(out.name_label, out.badge))
    th = stage.theme
    shown: list[Mobject] = []
    if not plan.partials:
        # No running total to show (softmax, max ...): each group lights up and every result
        # element it makes drops in.
        made: dict[tuple[int, ...], list[int]] = {}
        for k, group in enumerate(plan.groups):
            made.setdefault(tuple(group), []).append(k)
        for group, ks in made.items():
            frames = VGroup(*(stage.cell_highlight(source.cell(i)) for i in group))
            cells = [out.cell(k) for k in ks]
            scene.play(Create(frames), run_time=0.5)
            scene.play(LaggedStart(*(FadeIn(c, shift=DOWN * 0.3) for c in cells),
                                   lag_ratio=0.2), run_time=0.9)
            scene.play(FadeOut(frames), run_time=0.3)
            shown += cells
    for k, group in enumerate(plan.groups if plan.partials else ()):
        target = out.cell(k)
        if k < SLOW_GROUPS or len(plan.groups) <= SLOW_GROUPS + 1:
            frames = VGroup(*(stage.cell_highlight(source.cell(i)) for i in group))
            scene.play(Create(frames), run_time=0.5)
            travellers = [source.cell(i).copy() for i in group]
            # The first element lands in the result's place and becomes the running total;
            # each next one comes beside it, and the total changes to what torch's partial
            # sums hold (``previous + x = new``).
            running = travellers[0]
            for j, traveller in enumerate(travellers):
                if j == 0:
                    text = f"sum so far: {plan.partials[k][0]}"
                else:
                    text = (f"{plan.partials[k][j - 1]} + {source.facts.printed[group[j]]}"
                            f" = {plan.partials[k][j]}")
                words = mono(text, th, th.body_size, th.text)
                stage.place_note(words)
                if j == 0:
                    scene.play(running.animate.move_to(target), FadeIn(words), run_time=0.7)
                    if plan.partials[k][0] != running.value.original_text:
                        scene.play(*change_value(running, plan.partials[k][0], th),
                                   run_time=0.4)
                else:
                    scene.play(traveller.animate.next_to(running, RIGHT, buff=0.08),
                               FadeIn(words), run_time=0.6)
                    scene.play(traveller.animate.move_to(running).set_opacity(0),
                               *change_value(running, plan.partials[k][j], th), run_time=0.5)
                    scene.remove(traveller)
                scene.wait(0.5)
                scene.play(FadeOut(words), run_time=0.25)
            # torch's own result takes over from the running total (they differ only when the
            # partial sums were rounded for print).
            final = target.value.original_text if hasattr(target, "value") else None
            if final is not None and final != running.value.original_text:
                scene.play(*change_value(running, final, th), run_time=0.4)
            scene.remove(running)
            scene.add(target)
            scene.play(FadeOut(frames), run_time=0.4)
        else:
            scene.play(FadeIn(target, shift=DOWN * 0.3), run_time=0.35)
        shown.append(target)
    if plan.rounded and any(plan.rounded):
        note = stage.note("the digits shown are rounded: torch adds the full values",
                          monospace=False)
        scene.play(FadeIn(note), run_time=0.4)
        transient(stage, note)
    scene.remove(*shown)
    scene.add(out)
