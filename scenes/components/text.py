"""Text in the theme's pinned fonts, and line wrapping that keeps text inside a width."""

from __future__ import annotations

import textwrap

from manim import DOWN, LEFT, Text, VGroup

from scenes.theme import Theme

__all__ = ["label", "mono", "wrapped"]

# Measured on DejaVu Sans in Manim: a character averages about size / 130 scene units (the
# monospace face about size / 110). Wrapping uses a slightly wider estimate, then scales the
# block down if a line still came out too wide.
_CHAR_WIDTH_PER_SIZE = 1 / 115


def label(text: str, theme: Theme, size: float | None = None, color: str | None = None,
          weight: str = "NORMAL") -> Text:
    """One line of proportional text in the theme's font."""
    return Text(text, font=theme.font, font_size=size or theme.body_size,
                color=color or theme.text, weight=weight)


def mono(text: str, theme: Theme, size: float | None = None, color: str | None = None) -> Text:
    """One line of monospace text (code, values) in the theme's monospace font."""
    return Text(text, font=theme.mono, font_size=size or theme.code_size,
                color=color or theme.text)


def wrapped(text: str, theme: Theme, max_width: float, size: float | None = None,
            color: str | None = None, *, monospace: bool = False) -> VGroup:
    """Text broken into left-aligned lines no wider than ``max_width`` scene units."""
    size = size or theme.body_size
    columns = max(8, int(max_width / (size * _CHAR_WIDTH_PER_SIZE)))
    make = mono if monospace else label
    lines = VGroup(*(make(line, theme, size, color) for line in
                     textwrap.wrap(text, columns, break_long_words=True) or [""]))
    lines.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
    if lines.width > max_width:
        lines.scale_to_fit_width(max_width)
    return lines
