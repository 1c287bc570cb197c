"""CaptionBand: a step's sentence, left-aligned at one fixed x, never ending on a lone word."""

from __future__ import annotations

import textwrap

from manim import DOWN, LEFT, RoundedRectangle, VGroup

from scenes.components.text import label
from scenes.theme import Theme

__all__ = ["CaptionBand", "balanced_lines"]

def balanced_lines(sentence: str, columns: int) -> list[str]:
    """Wrap ``sentence`` to ``columns`` characters; a last line of one word takes a word more.

    A lone word on the last line reads as an afterthought; moving one word down from the line
    above keeps both lines within ``columns``.
    """
    lines = textwrap.wrap(sentence, columns) or [""]
    if len(lines) >= 2 and len(lines[-1].split()) == 1:
        before = lines[-2].split()
        if len(before) >= 3:
            lines[-2] = " ".join(before[:-1])
            lines[-1] = f"{before[-1]} {lines[-1]}"
    return lines


class CaptionBand(VGroup):
    """The caption panel of a stage's caption band: text starts at ``left`` + padding, always.

    Parts: ``panel``, ``words`` (one Text per line).
    """

    def __init__(self, sentence: str, theme: Theme, *, left: float, right: float,
                 bottom: float, height: float, pad: float = 0.22) -> None:
        super().__init__()
        self.sentence = sentence
        width = right - left
        size = theme.caption_size
        # The sentence's own average character width decides where lines break.
        per_char = label(sentence, theme, size, theme.text).width / max(1, len(sentence))
        columns = max(12, int((width - 2 * pad) / max(per_char, 1e-3) * 0.96))
        self.words = VGroup(*(label(line, theme, size, theme.text)
                              for line in balanced_lines(sentence, columns)))
        self.words.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        if self.words.width > width - 2 * pad:
            self.words.scale_to_fit_width(width - 2 * pad)
        if self.words.height > height - 0.2:
            self.words.scale_to_fit_height(height - 0.2)
        self.panel = RoundedRectangle(corner_radius=0.12, width=width, height=height,
                                      fill_color=theme.panel, fill_opacity=0.96,
                                      stroke_color=theme.muted, stroke_width=1)
        self.panel.move_to(((left + right) / 2, bottom + height / 2, 0.0))
        self.words.move_to(self.panel).align_to(self.panel, LEFT).shift(pad * (-LEFT))
        self.add(self.panel, self.words)
