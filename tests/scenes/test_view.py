"""Clip 6 drawn from its trace: one storage under weights and v, arrows, the change, the error."""

from __future__ import annotations

from typing import Any

from scenes.view import ViewSharesStorage
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
    assert [s.name for s in scene.steps] == ["storage", "view", "change", "refused", "closing"]
    # After the change the strip, weights and v all show the values torch printed afterwards.
    check_strip(scene.strip, t.source_after)
    check_grid(scene.weights, t.source_after)
    check_grid(scene.v, t.view_after)
    check_arrows(scene.weights_arrows, scene.weights, scene.strip)
    check_arrows(scene.v_arrows, scene.v, scene.strip)
    check_marker(scene.marker, t.shares_storage, t.view.storage)
    check_stride_badge(scene.w_stride, t.source)
    check_stride_badge(scene.v_stride, t.view)
    texts = run.texts()
    for value in t.source.printed:
        assert value in texts
    assert t.bad.message in " ".join(texts)
    check_legible(run)
    for s in scene.steps:
        assert s.end - s.start >= len(s.caption) / 15 - 1e-6


test_view_dark = golden(ViewSharesStorage, "dark", checks)
test_view_light = golden(ViewSharesStorage, "light", checks)
