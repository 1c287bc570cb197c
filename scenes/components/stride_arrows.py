"""Arrows from a tensor's cells to the storage cells they read, and the strides badge."""

from __future__ import annotations

import numpy as np
from manim import DOWN, UP, Arrow, GrowArrow, LaggedStart, RoundedRectangle, VGroup

from core.facts import TensorFacts
from scenes.components.storage_strip import StorageStrip
from scenes.components.tensor_grid import TensorGrid
from scenes.components.text import mono
from scenes.theme import Theme

__all__ = ["StrideArrows", "stride_badge", "walk_arrow"]


class StrideArrows(VGroup):
    """One arrow per element of ``grid``, ending on the storage cell ``storage_index`` names.

    The target cells come from the trace (torch's own element addresses), never from a
    stride formula evaluated here. Arrows leave each grid cell from ``side`` (its bottom by
    default) and end just off the top or bottom of the storage cell, whichever faces the grid.

    Parts: ``arrows`` (in the grid's row-major order), ``targets`` (storage index per arrow).
    """

    def __init__(self, grid: TensorGrid, strip: StorageStrip, theme: Theme,
                 color: str | None = None, side: np.ndarray = DOWN) -> None:
        super().__init__()
        self.targets = tuple(grid.facts.storage_index[:len(grid.cells)])
        above = grid.cells.get_center()[1] > strip.cells.get_center()[1]
        self.arrows = VGroup()
        for cell, target in zip(grid.cells, self.targets, strict=True):
            box = strip.cell(target).box
            end = box.get_top() + UP * 0.04 if above else box.get_bottom() + DOWN * 0.04
            start = cell.get_critical_point(side)
            arrow = Arrow(start, end, buff=0, stroke_width=3, color=color or theme.text,
                          max_tip_length_to_length_ratio=0.12, tip_length=0.18,
                          max_stroke_width_to_length_ratio=10)
            self.arrows.add(arrow)
        self.add(self.arrows)

    def grow(self, lag_ratio: float = 0.15) -> LaggedStart:
        """The arrows growing one after another, as one animation."""
        return LaggedStart(*(GrowArrow(a) for a in self.arrows if isinstance(a, Arrow)),
                           lag_ratio=lag_ratio)


def walk_arrow(strip: StorageStrip, start_cell: int, end_cell: int, theme: Theme,
               color: str | None = None) -> VGroup:
    """An arc over the strip from one storage cell to another, labelled with the cells moved.

    The two cells are a :class:`~core.memory.StrideWalk`'s ``start_cell`` and ``end_cell``.
    """
    from manim import CurvedArrow

    start = strip.cell(start_cell).box.get_top() + UP * 0.05
    end = strip.cell(end_cell).box.get_top() + UP * 0.05
    arc = CurvedArrow(start, end, angle=-1.2, color=color or theme.highlight, stroke_width=4,
                      tip_length=0.2)
    return VGroup(arc)


def stride_badge(facts: TensorFacts, theme: Theme) -> VGroup:
    """``stride (s0, s1)`` on a rounded panel, the strides exactly as torch reports them."""
    words = mono(f"stride {facts.strides}", theme, theme.small_size, theme.text)
    panel = RoundedRectangle(corner_radius=0.08, width=words.width + 0.25,
                             height=words.height + 0.2, fill_color=theme.panel, fill_opacity=1,
                             stroke_color=theme.muted, stroke_width=1)
    words.move_to(panel)
    return VGroup(panel, words)
