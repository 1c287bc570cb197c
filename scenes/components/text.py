"""Text in the theme's pinned fonts, and line wrapping that keeps text inside a width."""

from __future__ import annotations

import textwrap
from collections import OrderedDict

from manim import DOWN, LEFT, Text, VGroup

from scenes.components.pango_svg import PangoText
from scenes.theme import Theme

__all__ = ["label", "made_text", "mono", "wrapped"]

# Measured on DejaVu Sans in Manim: a character averages about size / 130 scene units (the
# monospace face about size / 110). Wrapping uses a slightly wider estimate, then scales the
# block down if a line still came out too wide.
_CHAR_WIDTH_PER_SIZE = 1 / 115


_MADE: OrderedDict[tuple[str, str, float, str, str], Text] = OrderedDict()
_MADE_MAX = 512


def made_text(text: str, font: str, size: float, color: str, weight: str = "NORMAL") -> Text:
    """A ``Text``, built (laid out by Pango, read from its SVG by :class:`PangoText`, which
    makes Manim's glyphs at a quarter of the cost) once per distinct string and style in a
    process, and copied after that.

    Manim keeps each letter's parsed SVG path (``path_obj``) after it has made the letter's
    points from it, and every copy (each Transform copies its mobjects) copies those paths
    too. Nothing reads them once the points exist, so they are dropped: a copy of a caption
    costs a sixth of what it did, and the points, hence the frames, are the same.
    """
    key = (text, font, float(size), color, weight)
    made = _MADE.get(key)
    if made is None:
        made = PangoText(text, font=font, font_size=size, color=color, weight=weight)
        # The SVG's own tree of groups, a second set of mobjects beside the letters (about
        # four per letter), kept for Tex's substring lookups: Text never reads it again.
        made.id_to_vgroup_dict = {}
        for part in made.get_family():
            if getattr(part, "path_obj", None) is not None:
                setattr(part, "path_obj", None)  # noqa: B010 - not every Mobject has it
        _MADE[key] = made
        if len(_MADE) > _MADE_MAX:
            _MADE.popitem(last=False)
    else:
        _MADE.move_to_end(key)
    return made.copy()


def label(text: str, theme: Theme, size: float | None = None, color: str | None = None,
          weight: str = "NORMAL") -> Text:
    """One line of proportional text in the theme's font."""
    return made_text(text, theme.font, size or theme.body_size, color or theme.text, weight)


def mono(text: str, theme: Theme, size: float | None = None, color: str | None = None) -> Text:
    """One line of monospace text (code, values) in the theme's monospace font."""
    return made_text(text, theme.mono, size or theme.code_size, color or theme.text)


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
