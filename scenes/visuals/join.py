"""cat and stack: values fly one at a time from the inputs into a new tensor's cells."""

from __future__ import annotations

from typing import Any

from manim import FadeIn, VGroup

from core.model import Join, OpRecord
from scenes.stage import Stage
from scenes.visuals.common import bring, fly, rearrange, transient

__all__ = ["play"]


def play(scene: Any, stage: Stage, op: OpRecord) -> None:
    plan = op.plan
    assert isinstance(plan, Join)
    inputs = bring(scene, stage, op.inputs)
    out_facts = stage.facts(op.outputs[0])
    out = stage.make_figure(out_facts)
    anims = stage.arrange([out], keep=[*op.inputs, out.ref])
    rearrange(scene, anims, 0.8)
    scene.play(FadeIn(VGroup(out.name_label, out.badge)), run_time=0.5)
    scene.remove(VGroup(out.name_label, out.badge))
    travellers = [inputs[position].cell(element).copy() for position, element in plan.sources]
    scene.add(*travellers)
    # One value in flight at a time, each on a path that crosses no other value.
    fly(scene, stage, [(t, out.position(k)) for k, t in enumerate(travellers)],
        away=[*op.inputs, out.ref])
    scene.remove(*travellers)
    scene.add(out)
    how = "joins along dim" if op.op == "cat" else "puts the inputs along a new dim"
    note = stage.note(f"{op.op} {how} {plan.dim}: {out_facts.size_text}", monospace=False)
    scene.play(FadeIn(note), run_time=0.5)
    transient(stage, note)
