"""Clip 12: view, reshape and resize_ side by side, every answer backed by an earlier trace."""

from __future__ import annotations

import functools

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, FadeOut, Rectangle, VGroup, Write

from core.summary import SummaryCell, SummaryRow, SummaryTrace
from scenes.base import TraceScene
from scenes.components.pango_svg import PangoText
from scenes.components.text import label
from scenes.stage import safe_area
from scenes.theme import Theme

__all__ = ["SummaryTable", "cited_clips"]

# Column widths in scene units: the operation, then one per question (the last is the longest).
# Columns in scene units: 13.1 in all, inside the 32 px safe margins (13.15 wide).
WIDTHS = (1.4, 2.9, 1.7, 1.75, 1.75, 3.6)
CARD_WIDTH = sum(WIDTHS)
# Width of the question-and-answer column of an evidence card.
HEAD_WIDTH = 4.0


class SummaryTable(TraceScene[SummaryTrace]):
    """The table, one row at a time with its evidence, then whole; the poster is the table."""

    clip_id = "summary"
    trace_type = SummaryTrace

    def construct(self) -> None:
        t = self.trace
        th = self.theme
        # The code each row rests on, as the earlier clips ran it: one line per row.
        self.show_code(t.source)
        assert self.code is not None
        self.top = self.code.get_bottom()[1] - 0.25
        self.head = table_row(("", *t.columns), th, bold=True)
        self.rows = [table_row((row.operation, *(c.answer for c in row.cells)), th)
                     for row in t.rows]
        self.head.move_to((0.0, self.top - self.head.height / 2, 0.0))

        # Section: one row at a time, each answer with the fact behind it
        self.cards: list[VGroup] = []
        shown: VGroup | None = None
        for row in t.rows:
            clips = _clips_set(row)
            self.step(f"row-{row.operation}",
                      f"{row.operation}: each answer is what torch did in the "
                      f"{' and '.join(clips)} clip{'s' if len(clips) > 1 else ''}.")
            self.point_at_span(row.span)
            card = evidence_card(row, t.columns, th)
            room = self.top - (self.caption_bar.get_top()[1] + 0.2
                               if self.caption_bar is not None else safe_area()[1] + 1.2)
            if card.height > room:
                card.scale(room / card.height)
            card.next_to(np.array([safe_area()[0], self.top, 0.0]), DOWN, buff=0,
                         aligned_edge=LEFT)
            self.play(*([FadeOut(shown)] if shown is not None else []),
                      FadeIn(card, shift=UP * 0.1), run_time=0.8)
            shown = card
            self.cards.append(card)

        # Section: the whole table
        self.step("table", "The whole table: every answer comes from what torch did, "
                           "not from a rule typed in.")
        assert shown is not None
        # The whole table needs the height the code had: each row's line was marked with its
        # card; the table is about all three.
        assert self.code is not None and self.code_mark is not None
        self.play(FadeOut(shown), FadeOut(self.code), FadeOut(self.code_mark), run_time=0.4)
        self.code = self.code_mark = None
        self.table = VGroup(self.head, *self.rows)
        below = self.head
        for cells in self.rows:
            cells.next_to(below, DOWN, buff=0)
            below = cells
        self.table.move_to((0.0, safe_area()[3] - self.table.height / 2, 0.0))
        self.play(FadeIn(self.head), FadeIn(VGroup(*self.rows), lag_ratio=0.3), run_time=1.2)

        self._closing_table(
            t.title, "In short: whether memory is shared is a fact torch reports: check it, "
                     "never assume.")

    def _closing_table(self, title: str, caption: str) -> None:
        """The closing frame (the poster) is the table itself, under the clip's title."""
        self.step("closing", caption)
        self.heading = label(title, self.theme, self.theme.title_size, self.theme.text,
                             weight="BOLD")
        assert self.caption_bar is not None
        top, bottom = safe_area()[3], self.caption_bar.get_top()[1] + 0.25
        poster = VGroup(self.heading.copy(), self.table.copy()).arrange(DOWN, buff=0.4)
        poster.move_to((0.0, (top + bottom) / 2, 0.0))
        self.heading.move_to(poster[0])
        self.play(self.table.animate.move_to(poster[1]), Write(self.heading), run_time=1.0)
        self.finish()


def table_row(texts: tuple[str, ...], theme: Theme, bold: bool = False) -> VGroup:
    """One table row: a bordered box per column, its text wrapped inside.

    Parts: ``boxes``, ``texts`` (one wrapped block per column).
    """
    row = VGroup()
    blocks = [fitted(text, theme, width - 0.25, theme.highlight if bold else theme.text)
              for text, width in zip(texts, WIDTHS, strict=True)]
    height = max(b.height for b in blocks) + 0.3
    boxes = VGroup()
    x = -sum(WIDTHS) / 2
    for block, width in zip(blocks, WIDTHS, strict=True):
        box = Rectangle(width=width, height=height, stroke_color=theme.muted, stroke_width=1.5,
                        fill_color=theme.panel, fill_opacity=1 if bold else 0)
        box.move_to((x + width / 2, 0.0, 0.0))
        if len(block.get_family()) > 1 and block.width > 0:
            block.move_to(box).align_to(box, LEFT).shift(RIGHT * 0.12)
        boxes.add(box)
        x += width
    row.add(boxes, *blocks)
    row.boxes = boxes  # type: ignore[attr-defined]
    row.texts = VGroup(*blocks)  # type: ignore[attr-defined]
    return row


def fitted(text: str, theme: Theme, width: float, color: str) -> VGroup:
    """Words greedily packed into lines measured (not estimated) to fit ``width``."""
    space = _width("a a", theme.font, theme.small_size) - _width("aa", theme.font,
                                                                  theme.small_size)
    lines: list[list[str]] = []
    used = 0.0
    for word in text.split():
        size = _width(word, theme.font, theme.small_size)
        # A small margin: a line measured word by word can come out a hair wider than the sum.
        if lines and used + space + size <= width - 0.12:
            lines[-1].append(word)
            used += space + size
        else:
            lines.append([word])
            used = size
    block = VGroup(*(label(" ".join(line), theme, theme.small_size, color) for line in lines))
    block.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
    return block


@functools.lru_cache(maxsize=4096)
def _width(text: str, font: str, size: float) -> float:
    return float(PangoText(text, font=font, font_size=size).width)


def evidence_card(row: SummaryRow, columns: tuple[str, ...], theme: Theme) -> VGroup:
    """A row as a card: each question, its answer, and the traced fact behind it.

    Parts: ``title``, ``items`` (one per column: question, answer, evidence and source clip).
    """
    title = label(row.operation, theme, theme.body_size, theme.text, weight="BOLD")
    items = VGroup()
    for column, cell in zip(columns, row.cells, strict=True):
        # Two columns: the question and its answer, then the fact behind it and its clip.
        head = fitted(f"{column} {cell.answer}", theme, HEAD_WIDTH, theme.highlight)
        body = fitted(f"← {cell.evidence}  ({cited_clips(cell)})", theme,
                      CARD_WIDTH - HEAD_WIDTH - 0.25, theme.text)
        body.move_to(head, aligned_edge=UP + LEFT).shift(RIGHT * (HEAD_WIDTH + 0.25))
        items.add(VGroup(head, body))
    items.arrange(DOWN, aligned_edge=LEFT, buff=0.07)
    card = VGroup(title, items).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
    card.title = title  # type: ignore[attr-defined]
    card.items = items  # type: ignore[attr-defined]
    return card


def cited_clips(cell: SummaryCell) -> str:
    """The clips a cell's evidence comes from: ``view clip``, ``view and reshape clips``."""
    ids = cell.clip_ids
    return f"{' and '.join(ids)} clip{'s' if len(ids) > 1 else ''}"


def _clips_set(row: SummaryRow) -> list[str]:
    return list(dict.fromkeys(c for cell in row.cells for c in cell.clip_ids))

