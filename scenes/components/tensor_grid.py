"""TensorGrid: a tensor's cells with its values as torch printed them, its name and size badge."""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Mobject,
    Rectangle,
    RoundedRectangle,
    SurroundingRectangle,
    Text,
    VGroup,
)

from core.model import TensorFacts, logical_indices
from scenes.components.text import label, mono
from scenes.theme import Theme

__all__ = ["Cell", "TensorGrid"]


class Cell(VGroup):
    """One element: a box and its printed value (``?`` on a hatched box when uninitialised)."""

    def __init__(self, text: str | None, theme: Theme, width: float, height: float,
                 color: str) -> None:
        super().__init__()
        self.box = Rectangle(width=width, height=height, stroke_color=color, stroke_width=2,
                             fill_color=theme.panel, fill_opacity=1)
        self.uninitialized = text is None
        self.value = mono("?" if text is None else text, theme, theme.cell_size,
                          theme.muted if text is None else theme.text)
        if self.value.width > width * 0.9:
            self.value.scale_to_fit_width(width * 0.9)
        self.value.move_to(self.box)
        self.add(self.box)
        if text is None:
            self.hatch = _hatch(self.box, theme.muted)
            self.add(self.hatch)
        self.add(self.value)


def _hatch(box: Rectangle, color: str) -> VGroup:
    """Diagonal lines inside a box: the mark of memory that holds no value yet."""
    from manim import Line

    lines = VGroup()
    w, h = box.width, box.height
    corner = box.get_corner(DOWN + LEFT)
    steps = 6
    for i in range(1, steps * 2):
        t = i / steps
        start = corner + RIGHT * min(t, 1) * w + UP * max(t - 1, 0) * h
        end = corner + UP * min(t, 1) * h + RIGHT * max(t - 1, 0) * w
        lines.add(Line(start, end, stroke_color=color, stroke_width=1.5, stroke_opacity=0.6))
    return lines


class TensorGrid(VGroup):
    """A tensor drawn as a grid of its elements, from a trace's :class:`TensorFacts`.

    0-d tensors are one cell, 1-d a row, 2-d rows and columns; tensors with more dimensions
    draw their first 2-d slice in front of offset outlines, one per further slice.

    Parts: ``cells`` (in row-major order, see :meth:`cell`), ``name_label``, ``badge``.

    Examples
    --------
    ``TensorGrid(trace.a, theme, color=theme.operand_a)`` draws ``features``.
    """

    def __init__(self, facts: TensorFacts, theme: Theme, color: str | None = None,
                 name: str | None = None, cell_width: float | None = None,
                 show_badge: bool = True, side_labels: bool = False,
                 cell_height: float = 0.6) -> None:
        super().__init__()
        self.facts = facts
        self.theme = theme
        self.accent = color or theme.text
        texts = [t if t is not None else "?" for t in facts.printed]
        width = cell_width or max(0.9, 0.2 * max(len(t) for t in texts) + 0.4)
        height = cell_height
        shape = facts.shape
        rows, cols = (shape[-2], shape[-1]) if len(shape) >= 2 else (1, shape[0] if shape else 1)
        per_slice = rows * cols
        self.cells = VGroup()
        for k in range(per_slice):
            self.cells.add(Cell(facts.printed[k], theme, width, height, self.accent))
        for k, cell in enumerate(self.cells):
            r, c = divmod(k, cols)
            cell.move_to(RIGHT * c * width + DOWN * r * height)
        self.slices = VGroup()
        extra = facts.numel // per_slice - 1
        for i in range(min(extra, 3), 0, -1):
            ghost = Rectangle(width=width * cols, height=height * rows, stroke_color=self.accent,
                              stroke_width=1.5, stroke_opacity=0.6)
            ghost.move_to(self.cells.get_center() + (UP + RIGHT) * 0.14 * i)
            self.slices.add(ghost)
        self.add(self.slices, self.cells)
        self.name_label = label(name if name is not None else facts.name, theme,
                                theme.body_size, self.accent)
        self.badge: VGroup = VGroup()
        if show_badge:
            self.badge = size_badge(facts.size_text, theme)
        if side_labels:
            # Name on the left, size on the right: rows stacked one above another stay compact.
            self.name_label.next_to(self.cells, LEFT, buff=0.3)
            self.badge.next_to(self.cells, RIGHT, buff=0.3)
        else:
            self.name_label.next_to(self, UP, buff=0.18)
            self.badge.next_to(self.cells, DOWN, buff=0.18)
        self.add(self.name_label, self.badge)

    def cell(self, index: tuple[int, ...]) -> Cell:
        """The cell of the element at a logical index (of the first 2-d slice)."""
        position = logical_indices(self.facts.shape).index(index)
        cell = self.cells[position]
        assert isinstance(cell, Cell)
        return cell

    def row(self, r: int) -> VGroup:
        cols = self.facts.shape[-1] if self.facts.shape else 1
        return VGroup(*self.cells[r * cols:(r + 1) * cols])

    def column(self, c: int) -> VGroup:
        cols = self.facts.shape[-1] if self.facts.shape else 1
        return VGroup(*self.cells[c::cols])

    def highlight(self, part: Mobject, color: str | None = None) -> SurroundingRectangle:
        """A thick frame around a cell, row or column (a shape cue, not only a colour)."""
        return SurroundingRectangle(part, color=color or self.theme.highlight, buff=0.04,
                                    stroke_width=6)


def size_badge(text: str, theme: Theme) -> VGroup:
    """A ``torch.Size([...])`` badge on a rounded panel."""
    words: Text = mono(text, theme, theme.small_size, theme.text)
    panel = RoundedRectangle(corner_radius=0.08, width=words.width + 0.25,
                             height=words.height + 0.2, fill_color=theme.panel, fill_opacity=1,
                             stroke_color=theme.muted, stroke_width=1)
    words.move_to(panel)
    return VGroup(panel, words)
