"""StorageStrip: a tensor's flat storage, one cell per element, with index and byte offset."""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    Animation,
    DashedVMobject,
    FadeIn,
    FadeOut,
    Rectangle,
    Text,
    VGroup,
)
from manim.utils.rate_functions import smooth, squish_rate_func

from core.model import TensorFacts
from scenes.components.tensor_grid import Cell
from scenes.components.text import label, mono
from scenes.theme import Theme

__all__ = ["StorageStrip", "cell_width_for", "change_value"]

# Opacity of a storage cell the tensor cannot reach: dimmed, and also given a dashed border
# and a "not reached" tag, so the state never rests on colour alone.
UNREACHED_OPACITY = 0.35


def cell_width_for(theme: Theme, *texts: str | None, fill: float = 0.88) -> float:
    """The narrowest cell width that holds the widest printed value at the theme's cell size,
    the value filling ``fill`` of the cell's width."""
    longest = max((t for t in texts if t is not None), key=len, default="?")
    return max(0.8, round(mono(longest, theme, theme.cell_size).width / fill + 0.005, 2))


class StorageStrip(VGroup):
    """The storage behind a tensor, drawn from :class:`TensorFacts` only.

    Every storage cell shows its value as torch printed it (``storage_printed``); under the
    cells a row of storage indices and a row of byte offsets (``storage_byte_offsets``), each
    headed on the left. Cells the tensor cannot reach (``unreachable``) are dimmed, get a dashed
    border and a ``not reached`` tag; uninitialised cells are hatched ``?`` cells tagged
    ``uninitialized``, never a number. The title names the storage (``storage`` / ``S0``):
    two strips with the same label are one memory.

    Parts: ``title``, ``cells`` (one :class:`Cell` per storage cell), ``indices``, ``offsets``,
    ``row_names``, ``unreached_marks``, ``state_tags`` (under their cells, or beside the strip
    with ``tags_right`` when the cells in question are the last ones).

    Examples
    --------
    ``StorageStrip(trace.view, theme)`` draws the five cells of ``S0`` under ``v``.
    """

    def __init__(self, facts: TensorFacts, theme: Theme, color: str | None = None,
                 cell_width: float | None = None, title: str | None = None,
                 tags_right: bool = False, cell_height: float = 0.6) -> None:
        super().__init__()
        self.facts = facts
        self.theme = theme
        accent = color or theme.muted
        width = cell_width or cell_width_for(theme, *facts.storage_printed)
        height = cell_height
        self.cells = VGroup()
        for i, text in enumerate(facts.storage_printed):
            cell = Cell(text, theme, width, height, accent)
            cell.move_to(RIGHT * i * width)
            self.cells.add(cell)
        self.indices = VGroup()
        self.offsets = VGroup()
        for i, box in enumerate(self.cells):
            index = mono(str(i), theme, theme.small_size, theme.text)
            index.next_to(box, DOWN, buff=0.12)
            offset = mono(str(facts.storage_byte_offsets[i]), theme, theme.small_size,
                          theme.muted)
            offset.next_to(box, DOWN, buff=0.5)
            self.indices.add(index)
            self.offsets.add(offset)
        self.row_names = VGroup(label("index", theme, theme.small_size, theme.text),
                                label("byte", theme, theme.small_size, theme.muted))
        for name, row in zip(self.row_names, (self.indices, self.offsets), strict=True):
            name.next_to(self.cells, LEFT, buff=0.25).set_y(row[0].get_y())
        # Two short lines keep the column left of the cells narrow: two strips fit side by side.
        self.title = label(title or f"storage\n{facts.storage}", theme, theme.body_size, accent)
        self.title.next_to(self.cells, LEFT, buff=0.25)
        self.row_names.align_to(self.title, RIGHT)
        self.unreached_marks = VGroup()
        self.state_tags = VGroup()
        states = [(i, "not reached") for i in facts.unreachable]
        states += [(i, "uninitialized") for i in facts.uninitialized]
        for i in facts.unreachable:
            cell = self.cell(i)
            cell.set_opacity(UNREACHED_OPACITY)
            border = DashedVMobject(
                Rectangle(width=width - 0.12, height=height - 0.12, stroke_color=theme.text,
                          stroke_width=3), num_dashes=16)
            border.move_to(cell)
            self.unreached_marks.add(border)
        # Beside the strip only when every tagged cell is the last one, which the arrow faces.
        beside = tags_right and all(i == len(self.cells) - 1 for i, _ in states)
        for i, text in states:
            if beside:
                self.state_tags.add(label(f"← {text}", theme, theme.small_size, theme.text))
            else:
                self.state_tags.add(self._tag(text, i))
        if beside and len(self.state_tags):
            self.state_tags.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
            self.state_tags.next_to(self.cells, RIGHT, buff=0.15)
        self.add(self.title, self.cells, self.indices, self.offsets, self.row_names,
                 self.unreached_marks, self.state_tags)

    def _tag(self, text: str, i: int) -> Text:
        tag = label(text, self.theme, self.theme.small_size, self.theme.text)
        tag.next_to(self.offsets[i], DOWN, buff=0.12)
        return tag

    def cell(self, i: int) -> Cell:
        """The cell of storage index ``i``."""
        cell = self.cells[i]
        assert isinstance(cell, Cell)
        return cell


def change_value(cell: Cell, text: str | None, theme: Theme) -> list[Animation]:
    """Animations that swap a cell's printed value for ``text`` (a new trace value).

    The new text becomes ``cell.value`` so later frames read the value the trace holds.
    """
    old = cell.value
    new = mono("?" if text is None else text, theme, theme.cell_size, theme.text)
    # The cell may have been scaled with its figure: the new value takes the old one's scale.
    fresh = mono(old.original_text, theme, theme.cell_size, theme.text)
    if fresh.height > 0 and old.height > 0:
        new.scale(old.height / fresh.height)
    if new.width > cell.box.width * 0.9:
        new.scale_to_fit_width(cell.box.width * 0.9)
    new.move_to(cell.box)
    cell.remove(old)
    cell.add(new)
    cell.value = new
    # The old digits leave before the new ones come: two numbers cross-faded on one spot
    # read as neither.
    return [FadeOut(old, rate_func=squish_rate_func(smooth, 0.0, 0.5)),
            FadeIn(new, rate_func=squish_rate_func(smooth, 0.5, 1.0))]
