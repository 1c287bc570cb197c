"""Clip 9 drawn from its trace: strides walked in storage, the transpose, the contiguous copy."""

from __future__ import annotations

from typing import Any

from scenes.strides import StridesAndContiguity
from tests.scenes.harness import Run, golden
from tests.scenes.memory_checks import (
    check_arrows,
    check_grid,
    check_legible,
    check_marker,
    check_stride_badge,
    check_strip,
)


def checks(run: Run) -> None:
    scene: Any = run.scene
    t = scene.trace
    names = [s.name for s in scene.steps]
    assert names == [
        "layout", *(f"walk-dim{w.dim}" for w in t.walks), "transpose", "not-contiguous",
        "contiguous", "closing"]
    check_strip(scene.s0, t.source)
    check_strip(scene.s1, t.contiguous)
    for grid, facts in ((scene.x, t.source), (scene.xt, t.transposed), (scene.c, t.contiguous)):
        check_grid(grid, facts)
    check_arrows(scene.x_arrows, scene.x, scene.s0)
    check_arrows(scene.xt_arrows, scene.xt, scene.s0)
    check_arrows(scene.c_arrows, scene.c, scene.s1)
    for badge, facts in ((scene.x_stride, t.source), (scene.xt_stride, t.transposed),
                         (scene.c_stride, t.contiguous)):
        check_stride_badge(badge, facts)
    check_marker(scene.xt_marker, t.transposed_shares_storage, t.transposed.storage)
    check_marker(scene.c_marker, t.contiguous_shares_storage, t.contiguous.storage)
    texts = run.texts()
    # Every walk is labelled with its stride and drawn between the cells the trace names.
    for walk in (*t.walks, *t.transposed_walks[-1:]):
        assert any(f"dim {walk.dim}: {walk.start} → {walk.end}" in text
                   and f"+{walk.stride} cell" in text for text in texts)
    check = t.program.ops[t.check_op]
    assert check.code == "xt.is_contiguous()" and t.contiguous_result == str(
        t.transposed.is_contiguous)
    assert f"{check.code} → {t.contiguous_result}" in texts
    assert [walk for walk, _ in scene.walk_log] == [*t.walks, t.transposed_walks[-1]]
    for walk, arc in scene.walk_log:
        start = scene.s0.cell(walk.start_cell).box.get_top()
        end = scene.s0.cell(walk.end_cell).box.get_top()
        assert abs(arc.get_start()[0] - start[0]) < 1e-6
        assert abs(arc.get_end()[0] - end[0]) < 0.05
    check_legible(run)
    for s in scene.steps:
        assert s.end - s.start >= len(s.caption) / 15 - 1e-6


test_strides_dark = golden(StridesAndContiguity, "dark", checks)
test_strides_light = golden(StridesAndContiguity, "light", checks)
