"""CaptionBar: one sentence per teaching step in the caption band of the safe area."""

from __future__ import annotations

from scenes.components.caption_band import CaptionBand
from scenes.stage import CAPTION_HEIGHT, safe_area
from scenes.theme import Theme

__all__ = ["CaptionBar"]


class CaptionBar(CaptionBand):
    """The caption of a story clip: the band a code clip's stage uses, inside the 32 px safe
    margin, its text starting at one fixed x in every step.

    Parts: ``panel``, ``words`` (one Text per line).
    """

    def __init__(self, sentence: str, theme: Theme) -> None:
        left, bottom, right, _ = safe_area()
        super().__init__(sentence, theme, left=left, right=right, bottom=bottom,
                         height=CAPTION_HEIGHT)
