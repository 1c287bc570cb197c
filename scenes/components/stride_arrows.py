"""Arrows from a tensor's cells to the storage cells they read, and the strides badge."""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Arrow,
    Create,
    GrowArrow,
    LaggedStart,
    Line,
    RoundedRectangle,
    VGroup,
    VMobject,
)

from core.model import TensorFacts
from scenes.components.storage_strip import StorageStrip
from scenes.components.tensor_grid import TensorGrid
from scenes.components.text import mono
from scenes.theme import Theme

__all__ = ["StrideArrows", "grid_over_strip", "header", "stride_badge", "walk_arrow"]

# Horizontal offsets, in cell widths, of the lanes the arrows of upper rows drop through.
_LANES = (-0.44, 0.44)


class StrideArrows(VGroup):
    """One arrow per element of ``grid``, ending on the storage cell ``storage_index`` names.

    The target cells come from the trace (torch's own element addresses), never from a
    stride formula evaluated here. Arrows leave each grid cell from ``side`` (its bottom by
    default) and end just off the top or bottom of the storage cell, whichever faces the grid.

    For a grid of several rows, arrows of the upper rows first drop through a lane beside the
    values of the rows below (``leads``), so no arrow crosses a printed value.

    Parts: ``arrows`` (in the grid's row-major order), ``leads``, ``targets`` (storage index
    per arrow).
    """

    def __init__(self, grid: TensorGrid, strip: StorageStrip, theme: Theme,
                 color: str | None = None, side: np.ndarray = DOWN) -> None:
        super().__init__()
        self.targets = tuple(grid.facts.storage_index[:len(grid.cells)])
        above = grid.cells.get_center()[1] > strip.cells.get_center()[1]
        rows = grid.facts.shape[-2] if len(grid.facts.shape) >= 2 else 1
        cols = len(grid.cells) // rows
        bottom = grid.cells.get_bottom()[1]
        self.arrows = VGroup()
        self.leads = VGroup()
        for k, (cell, target) in enumerate(zip(grid.cells, self.targets, strict=True)):
            box = strip.cell(target).box
            end = box.get_top() + UP * 0.04 if above else box.get_bottom() + DOWN * 0.04
            start = cell.get_critical_point(side)
            row = k // cols
            if side is DOWN and row < rows - 1:
                # Upper rows drop in a lane beside the values of the cells below, then turn.
                lane = _LANES[row % len(_LANES)] * cell.width
                start = start + RIGHT * lane
                knee = np.array([start[0], bottom, 0.0])
                self.leads.add(Line(start, knee, stroke_width=3, color=color or theme.text))
                start = knee
            arrow = Arrow(start, end, buff=0, stroke_width=3, color=color or theme.text,
                          max_tip_length_to_length_ratio=0.12, tip_length=0.18,
                          max_stroke_width_to_length_ratio=10)
            self.arrows.add(arrow)
        self.add(self.leads)
        self.add(self.arrows)

    def grow(self, lag_ratio: float = 0.15) -> AnimationGroup:
        """The arrows growing one after another, as one animation."""
        return AnimationGroup(
            *(Create(lead) for lead in self.leads),
            LaggedStart(*(GrowArrow(a) for a in self.arrows if isinstance(a, Arrow)),
                        lag_ratio=lag_ratio))


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


def header(grid: TensorGrid, stride: VGroup, *extra: VMobject) -> VGroup:
    """Put a grid's name, size badge and strides badge in one line above its cells."""
    line = VGroup(grid.name_label, grid.badge, stride, *extra).arrange(RIGHT, buff=0.25)
    line.next_to(grid.cells, UP, buff=0.15).align_to(grid.cells, LEFT)
    return line


def grid_over_strip(facts: TensorFacts, theme: Theme, color: str, *, cell_width: float,
                    cell_height: float, strip: StorageStrip, strip_x: float, x: float,
                    top: float) -> tuple[TensorGrid, VGroup, VGroup]:
    """A tensor's grid above a storage strip, in a column starting at ``x``.

    The cells sit as far right of the strip's cells as ``x`` is right of ``strip_x`` (the x the
    strip's column starts at), their top just under ``top``; the name, size and strides badges
    form one header line starting at ``x``. Returns the grid (strides badge included), the
    strides badge and the header line.
    """
    grid = TensorGrid(facts, theme, color, cell_width=cell_width, cell_height=cell_height)
    stride = stride_badge(facts, theme)
    left = x + strip.cells.get_left()[0] - strip_x
    grid.cells.shift((left - grid.cells.get_left()[0]) * RIGHT
                     + (top - 0.5 - grid.cells.get_top()[1]) * UP)
    line = header(grid, stride)
    line.shift((x - line.get_left()[0]) * RIGHT)
    grid.add(stride)
    return grid, stride, line
