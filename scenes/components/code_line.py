"""CodeLine: the torch code being run, monospace, with the active line and span marked."""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, Rectangle, RoundedRectangle, VGroup

from scenes.components.text import mono
from scenes.theme import Theme

__all__ = ["CodeLine"]


class CodeLine(VGroup):
    """Lines of code on a panel; :meth:`mark` points a ``▶`` at a line and boxes a span of it.

    The marker is a shape as well as a colour, so the active code reads without colour.

    Parts: ``panel``, ``lines`` (one Text per line), ``pointer``, ``span_box``.
    """

    def __init__(self, lines: tuple[str, ...] | list[str], theme: Theme,
                 max_width: float = 12.8) -> None:
        super().__init__()
        self.theme = theme
        self.source = list(lines)
        self.lines = VGroup(*(mono(line, theme, theme.code_size) for line in lines))
        self.lines.arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        if self.lines.width > max_width - 0.9:
            self.lines.scale_to_fit_width(max_width - 0.9)
        self.panel = RoundedRectangle(corner_radius=0.1, width=max_width,
                                      height=self.lines.height + 0.35, fill_color=theme.panel,
                                      fill_opacity=1, stroke_width=0)
        self.lines.move_to(self.panel).align_to(self.panel, LEFT).shift(RIGHT * 0.6)
        self.pointer = mono("▶", theme, theme.code_size, theme.highlight)
        self.pointer.set_opacity(0)
        self.span_box = Rectangle(width=0.1, height=0.1, stroke_width=0, fill_opacity=0)
        self.add(self.panel, self.span_box, self.lines, self.pointer)

    def _glyphs(self, line: int, start: int, end: int) -> VGroup:
        """Glyphs of characters ``start:end`` of a line (Manim drops spaces from Text)."""
        text = self.source[line]
        first = len(text[:start].replace(" ", ""))
        count = len(text[start:end].replace(" ", ""))
        glyphs = self.lines[line]
        return VGroup(*glyphs.submobjects[first:first + count])

    def mark(self, line: int, columns: tuple[int, int] | None = None) -> VGroup:
        """Return ``pointer`` and ``span_box`` moved to a line, boxing characters
        ``columns`` = (start, end) of it (an op record's span), or the whole line."""
        target = self.lines[line]
        pointer = self.pointer.copy().set_opacity(1)
        pointer.next_to(target, LEFT, buff=0.2)
        part = self._glyphs(line, *columns) if columns is not None else VGroup(target)
        box = Rectangle(width=part.width + 0.16, height=target.height + 0.14,
                        stroke_color=self.theme.highlight, stroke_width=2.5,
                        fill_color=self.theme.highlight, fill_opacity=0.18)
        box.move_to(part).set_y(target.get_y())
        return VGroup(pointer, box)
