"""Checks shared by the memory clips: storage strips, stride arrows and markers against a trace."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.model import TensorFacts
from scenes.components.storage_marker import StorageMarker
from scenes.components.storage_strip import StorageStrip
from scenes.components.stride_arrows import StrideArrows
from scenes.components.tensor_grid import TensorGrid
from tests.scenes.harness import Run


def check_legible(run: Run, floor: float = 20.0) -> None:
    """No text drawn at the end of any step is smaller than the theme's small size."""
    for snap in run.snapshots:
        for lab in snap.labels:
            assert lab.size >= floor - 0.25, (
                f"step {snap.step!r}: {lab.text!r} is drawn at {lab.size:.1f} points")


def _text(mob: Any) -> str:
    return str(mob.original_text)


def check_strip(strip: StorageStrip, facts: TensorFacts,
                title: tuple[str, ...] | None = None) -> None:
    """Every cell's value, index and byte offset is the trace's; '?' only where uninitialised.

    ``title``: the words the strip's title must read (``storage S0`` unless given).
    """
    assert strip.facts.storage == facts.storage
    assert _text(strip.title).split() == list(title or ("storage", facts.storage))
    assert len(strip.cells) == facts.storage_elements
    for i, text in enumerate(facts.storage_printed):
        cell = strip.cell(i)
        if text is None:
            assert _text(cell.value) == "?" and cell.uninitialized
            assert hasattr(cell, "hatch")
        else:
            assert _text(cell.value) == text
            assert not cell.uninitialized
        assert _text(strip.indices[i]) == str(i)
        assert _text(strip.offsets[i]) == str(facts.storage_byte_offsets[i])
    tags = [_text(tag) for tag in strip.state_tags]
    assert sum(t.endswith("not reached") for t in tags) == len(facts.unreachable)
    assert len(strip.unreached_marks) == len(facts.unreachable)
    assert sum(t.endswith("uninitialized") for t in tags) == len(facts.uninitialized)
    for tag in tags:
        if tag.startswith("← "):
            # A tag beside the strip points at its last cell.
            state = facts.unreachable if tag.endswith("not reached") else facts.uninitialized
            assert state == (facts.storage_elements - 1,), f"{tag!r} points at the wrong cell"
    for i in facts.unreachable:
        assert strip.cell(i).box.get_fill_opacity() < 0.5, f"unreached cell {i} is not dimmed"


def check_grid(grid: TensorGrid, facts: TensorFacts) -> None:
    assert _text(grid.badge[1]) == facts.size_text
    for cell, text in zip(grid.cells, facts.printed, strict=True):
        assert _text(cell.value) == ("?" if text is None else text)


def check_arrows(arrows: StrideArrows, grid: TensorGrid, strip: StorageStrip) -> None:
    """Each arrow ends on the storage cell the trace's storage_index names for its element."""
    assert arrows.targets == grid.facts.storage_index[:len(grid.cells)]
    for k, arrow in enumerate(arrows.arrows):
        box = strip.cell(grid.facts.storage_index[k]).box
        end = arrow.get_end()
        assert abs(end[0] - box.get_center()[0]) < 1e-6, f"arrow {k} misses its cell"
        gap = min(abs(end[1] - box.get_top()[1]), abs(end[1] - box.get_bottom()[1]))
        assert gap < 0.1, f"arrow {k} stops short of its storage cell"
        start, cell = arrow.get_start(), grid.cells[k]
        assert cell.get_left()[0] <= start[0] <= cell.get_right()[0] or np.linalg.norm(
            start - cell.get_center()) < cell.width, f"arrow {k} does not leave its cell"


def check_marker(marker: StorageMarker, same: bool, storage: str) -> None:
    assert marker.same is same
    words = _text(marker.words)
    assert storage in words
    assert ("same storage" in words) is same and ("new storage" in words) is (not same)


def check_stride_badge(badge: object, facts: TensorFacts) -> None:
    assert _text(badge[1]) == f"stride {facts.strides}"  # type: ignore[index]
