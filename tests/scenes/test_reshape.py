"""Clip 7 drawn from its trace: a view on the contiguous tensor, a copy on the transposed one."""

from __future__ import annotations

from typing import Any

from scenes.reshape import ReshapeMayCopy
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
    assert [s.name for s in scene.steps] == [
        "contiguous", "reshape-view", "transposed", "view-refused", "copy", "reshape-refused",
        "closing"]
    check_strip(scene.s0, t.source)
    check_strip(scene.s1, t.flat)
    assert scene.s0.facts.storage != scene.s1.facts.storage
    for grid, facts in ((scene.x, t.source), (scene.r, t.reshaped), (scene.xt, t.transposed),
                        (scene.f, t.flat)):
        check_grid(grid, facts)
    check_arrows(scene.x_arrows, scene.x, scene.s0)
    check_arrows(scene.r_arrows, scene.r, scene.s0)
    check_arrows(scene.xt_arrows, scene.xt, scene.s0)
    check_arrows(scene.f_arrows, scene.f, scene.s1)
    for badge, facts in ((scene.x_stride, t.source), (scene.r_stride, t.reshaped),
                         (scene.xt_stride, t.transposed), (scene.f_stride, t.flat)):
        check_stride_badge(badge, facts)
    check_marker(scene.r_marker, t.reshaped_shares_storage, t.reshaped.storage)
    check_marker(scene.f_marker, t.flat_shares_storage, t.flat.storage)
    # Which outcome happened is said from the trace's booleans.
    captions = {s.name: s.caption for s in scene.steps}
    assert ("returned a view" in captions["reshape-view"]) is t.reshaped_shares_storage
    assert ("copied" in captions["copy"]) is (not t.flat_shares_storage)
    assert t.view_error.message in " ".join(run.texts()).replace("\n", " ") or any(
        t.view_error.type in text for text in run.texts())
    assert t.bad.message in " ".join(run.texts())
    assert scene.bad_card.error == t.bad
    check_legible(run)
    for s in scene.steps:
        assert s.end - s.start >= len(s.caption) / 15 - 1e-6


test_reshape_dark = golden(ReshapeMayCopy, "dark", checks)
test_reshape_light = golden(ReshapeMayCopy, "light", checks)
