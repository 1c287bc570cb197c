"""Matrix products: inner sizes compared, then each result element as a row-by-column dot."""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import DOWN, LEFT, RIGHT, Create, FadeIn, FadeOut, VGroup

from core.model import Matmul, OpRecord
from scenes.components.text import mono
from scenes.stage import Figure, Stage
from scenes.visuals.common import bring, rearrange, transient

__all__ = ["TERM_HOLD", "dims_table", "play"]

# Each term of a dot product stays on screen this long, so it can be read.
TERM_HOLD = 1.2
# Result elements worked out term by term; the rest drop in together.
SLOW = 2


def dims_table(stage: Stage, plan: Matmul, a: str, b: str, out: str) -> VGroup:
    """Sizes of a, b and the result in columns, right-aligned as broadcasting aligns them."""
    th = stage.theme
    rows = [(name, [d.a if who == "a" else d.b if who == "b" else d.out for d in plan.dims])
            for name, who in ((a, "a"), (b, "b"), (out, "out"))]
    columns = len(plan.dims)
    table = VGroup()
    for name, sizes in rows:
        line: VGroup = VGroup(mono(name, th, th.small_size + 2, th.text))
        for size in sizes:
            line.add(mono("·" if size is None else str(size), th, th.small_size + 2, th.text))
        table.add(line)
    roles = VGroup(mono("", th, th.small_size, th.muted),
                   *(mono(d.role, th, th.small_size, th.text) for d in plan.dims))
    grid: Any = VGroup(roles, *table)
    width = max(m.width for line in grid for m in line[1:]) + 0.3
    name_width = max(line[0].width for line in grid) + 0.3
    for r, line in enumerate(grid):
        line[0].move_to(np.array([0.0, -r * 0.42, 0.0]), aligned_edge=LEFT)
        for c in range(columns):
            line[c + 1].move_to(np.array([name_width + (c + 1) * width, -r * 0.42, 0.0]),
                                aligned_edge=RIGHT)
    return grid


def in_order(scene: Any, stage: Stage, a_fig: Figure, b_fig: Figure) -> None:
    """Operands read left to right as the call writes them: a second operand standing before
    the first leaves and comes back right after it (sliding past it would cross it)."""
    refs = list(stage.figures)
    if a_fig is b_fig or refs.index(a_fig.ref) < refs.index(b_fig.ref):
        return
    scene.play(FadeOut(b_fig), run_time=0.3)
    stage.remove_figure(b_fig.ref)
    refs = list(stage.figures)
    at = refs.index(a_fig.ref) + 1
    anims = stage.arrange([b_fig], keep=[a_fig.ref, b_fig.ref],
                          before=refs[at] if at < len(refs) else None)
    rearrange(scene, anims, 0.6)
    scene.play(FadeIn(b_fig), run_time=0.4)


def play(scene: Any, stage: Stage, op: OpRecord) -> None:
    plan = op.plan
    assert isinstance(plan, Matmul)
    th = stage.theme
    a_fig, b_fig = bring(scene, stage, op.inputs[:2])
    in_order(scene, stage, a_fig, b_fig)
    a, b = plan.inner
    inner = mono(f"inner sizes: {a} = {b}", th, th.body_size, th.text)
    stage.place_note(inner)
    frames = VGroup(stage.cell_highlight(a_fig.badge), stage.cell_highlight(b_fig.badge))
    scene.play(Create(frames), FadeIn(inner), run_time=0.6)
    scene.wait(1.0)
    scene.play(FadeOut(frames), FadeOut(inner), run_time=0.3)
    out_facts = stage.facts(op.outputs[0])
    out = stage.make_figure(out_facts)
    anims = stage.arrange([out], keep=[*op.inputs[:2], out.ref])
    rearrange(scene, anims, 0.8)
    scene.play(FadeIn(VGroup(out.name_label, out.badge)), run_time=0.5)
    scene.remove(VGroup(out.name_label, out.badge))
    shown = []
    for k, terms in enumerate(plan.terms):
        if k >= SLOW:
            break
        frames = VGroup(*(stage.cell_highlight(a_fig.cell(i)) for i, _ in terms),
                        *(stage.cell_highlight(b_fig.cell(j)) for _, j in terms))
        scene.play(Create(frames), run_time=0.5)
        for t, (i, j) in enumerate(terms):
            text = (f"{a_fig.facts.printed[i]} × {b_fig.facts.printed[j]} = "
                    f"{plan.products[k][t]}     sum {plan.partials[k][t]}")
            words = mono(text, th, th.body_size - 2, th.text)
            stage.place_note(words)
            pair = VGroup(stage.cell_highlight(a_fig.cell(i), th.text),
                          stage.cell_highlight(b_fig.cell(j), th.text))
            scene.play(FadeIn(words), Create(pair), run_time=0.3)
            scene.wait(TERM_HOLD)
            scene.play(FadeOut(words), FadeOut(pair), run_time=0.2)
        scene.play(FadeIn(out.cell(k), shift=DOWN * 0.3), FadeOut(frames), run_time=0.5)
        shown.append(out.cell(k))
    rest = [out.cell(k) for k in range(len(shown), len(out.cells))]
    if rest:
        scene.play(*(FadeIn(c, shift=DOWN * 0.3) for c in rest), run_time=0.8)
    scene.remove(*shown, *rest)
    scene.add(out)
    if any(d.role == "batch" for d in plan.dims):
        # The dims table takes the bottom of the work band; the tensors move up for it.
        table = dims_table(stage, plan, op.inputs[0].name, op.inputs[1].name, out_facts.name)
        band = stage.bands()
        table.move_to(np.array([(band.left + band.right) / 2,
                                band.work[0] + table.height / 2, 0.0]))
        stage.floor = table.height + 0.15
        # The table holds the operands' sizes: they may leave to keep the result legible.
        anims = stage.arrange(keep=[out.ref])
        rearrange(scene, anims, 0.6)
        scene.play(FadeIn(table), run_time=0.6)
        transient(stage, table)
