"""StorageStrip, StrideArrows and StorageMarker built from real traces, and the checks failing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from manim import DOWN

from core.lesson import load_lesson
from core.memory import ResizeTrace, StridesTrace
from core.trace import trace_of
from scenes.components.storage_marker import StorageMarker
from scenes.components.storage_strip import StorageStrip
from scenes.components.stride_arrows import StrideArrows
from scenes.components.tensor_grid import TensorGrid
from scenes.theme import DARK
from tests.scenes.memory_checks import check_arrows, check_marker, check_strip


@pytest.fixture(scope="module")
def resize() -> ResizeTrace:
    return trace_of(load_lesson(), "resize", ResizeTrace)


@pytest.fixture(scope="module")
def strides() -> StridesTrace:
    return trace_of(load_lesson(), "strides", StridesTrace)


def test_uninitialised_cell_is_a_hatched_question_mark(resize: ResizeTrace) -> None:
    after = resize.grow.after
    strip = StorageStrip(after, DARK)
    check_strip(strip, after)
    for i in after.uninitialized:
        assert strip.cell(i).value.original_text == "?"
        assert hasattr(strip.cell(i), "hatch")
    # A strip drawn from the facts before the resize does not pass as the grown one.
    with pytest.raises(AssertionError):
        check_strip(StorageStrip(resize.grow.before, DARK), after)


def test_unreached_cell_is_dimmed_dashed_and_tagged(resize: ResizeTrace) -> None:
    after = resize.shrink.after
    strip = StorageStrip(after, DARK)
    check_strip(strip, after)
    assert len(strip.unreached_marks) == len(after.unreachable) == 1
    assert [t.original_text for t in strip.state_tags] == ["not reached"]
    # The same storage with every cell reached must not be accepted.
    with pytest.raises(AssertionError):
        check_strip(StorageStrip(replace(after, unreachable=()), DARK), after)


def test_arrows_follow_storage_index_not_row_order(strides: StridesTrace) -> None:
    xt = strides.transposed
    strip = StorageStrip(xt, DARK)
    grid = TensorGrid(xt, DARK, cell_height=0.4)
    grid.next_to(strip, DOWN * -1, buff=1.0)
    arrows = StrideArrows(grid, strip, DARK)
    check_arrows(arrows, grid, strip)
    assert arrows.targets == xt.storage_index != tuple(sorted(xt.storage_index))
    # Arrows drawn as if the transpose were stored row by row end on the wrong cells.
    wrong = TensorGrid(replace(xt, storage_index=tuple(range(xt.numel))), DARK, cell_height=0.4)
    wrong.move_to(grid)
    with pytest.raises(AssertionError):
        check_arrows(StrideArrows(wrong, strip, DARK), grid, strip)


def test_marker_follows_the_trace_boolean(resize: ResizeTrace) -> None:
    grow = resize.grow
    marker = StorageMarker(grow.same_storage, grow.after.storage, DARK)
    check_marker(marker, grow.same_storage, grow.after.storage)
    with pytest.raises(AssertionError):
        check_marker(marker, not grow.same_storage, grow.after.storage)
