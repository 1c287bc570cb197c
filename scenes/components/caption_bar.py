"""CaptionBar: one sentence per teaching step at the bottom of the frame."""

from __future__ import annotations

from manim import DOWN, RoundedRectangle, VGroup, config

from scenes.components.text import wrapped
from scenes.theme import Theme

__all__ = ["CaptionBar"]


class CaptionBar(VGroup):
    """A sentence on a panel pinned to the bottom edge; at most two lines at caption size.

    Parts: ``panel``, ``words``.
    """

    def __init__(self, sentence: str, theme: Theme) -> None:
        super().__init__()
        self.sentence = sentence
        width = config.frame_width - 0.6
        self.words = wrapped(sentence, theme, width - 0.6, theme.caption_size)
        self.panel = RoundedRectangle(corner_radius=0.12, width=width,
                                      height=max(0.75, self.words.height + 0.3),
                                      fill_color=theme.panel, fill_opacity=0.96,
                                      stroke_color=theme.muted, stroke_width=1)
        self.panel.to_edge(DOWN, buff=0.2)
        self.words.move_to(self.panel)
        self.add(self.panel, self.words)
