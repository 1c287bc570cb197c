"""Clip 8 drawn from its trace: a cell cut off by shrinking; growing keeps the storage, moves
its buffer and leaves a hatched '?'."""

from __future__ import annotations

from typing import Any

from scenes.resize import ResizeInPlace
from tests.scenes.harness import NUMBER, Run, golden
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
    shrink, grow = t.shrink, t.grow
    assert [s.name for s in scene.steps] == [
        "copy", "shrink", "grow-copy", "grow", "bytes", "uninitialized", "view-refused",
        "closing"]
    check_strip(scene.s1_before, shrink.before)
    check_strip(scene.s1, shrink.after)
    check_strip(scene.s2, grow.before)
    check_strip(scene.s3, grow.after)
    assert shrink.lost and all(scene.s1.cell(i) for i in shrink.lost)
    assert len(scene.s1.unreached_marks) == len(shrink.lost)
    for i in grow.uninitialized:
        cell = scene.s3.cell(i)
        assert cell.value.original_text == "?" and not NUMBER.search(cell.value.original_text)
    for grid, facts in ((scene.s_before, shrink.before), (scene.s, shrink.after),
                        (scene.g_before, grow.before), (scene.g, grow.after)):
        check_grid(grid, facts)
    check_arrows(scene.s_before_arrows, scene.s_before, scene.s1_before)
    check_arrows(scene.s_arrows, scene.s, scene.s1)
    check_arrows(scene.g_before_arrows, scene.g_before, scene.s2)
    check_arrows(scene.g_arrows, scene.g, scene.s3)
    for badge, facts in ((scene.s_stride, shrink.after), (scene.g_stride, grow.after)):
        check_stride_badge(badge, facts)
    check_marker(scene.s_marker, shrink.same_storage, shrink.after.storage)
    check_marker(scene.g_marker, grow.same_storage, grow.after.storage)
    assert t.view_error.message in run.texts()
    # Growing keeps the storage object and moves its buffer: both said, from the trace.
    assert grow.same_storage and grow.buffer_moved
    assert scene.s2.facts.storage == scene.s3.facts.storage == grow.after.storage
    assert scene.buffer_old[0].original_text == f"buffer {grow.before.buffer}\nfreed"
    # The new buffer is read by g and by every alias the trace says followed it.
    assert grow.aliases and all(a.buffer == grow.after.buffer for a in grow.aliases)
    assert scene.buffer_new[0].original_text == f"buffer {grow.after.buffer}: " + ", ".join(
        [grow.after.name, *(a.name for a in grow.aliases)])
    captions = {s.name: s.caption for s in scene.steps}
    assert "stays the same object" in captions["grow"]
    assert f"new buffer {grow.after.buffer}" in captions["grow"]
    assert f"frees {grow.before.buffer}" in captions["bytes"]
    assert "whatever bytes were there" in captions["uninitialized"]
    everything = " ".join([*run.texts(), *captions.values()])
    assert "never a number" not in everything and "new storage" not in everything
    check_legible(run)
    for s in scene.steps:
        assert s.end - s.start >= len(s.caption) / 15 - 1e-6


test_resize_dark = golden(ResizeInPlace, "dark", checks)
test_resize_light = golden(ResizeInPlace, "light", checks)
