"""The one frozen Theme: dark and light variants, a colour-blind-safe palette, one font family."""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["DARK", "LIGHT", "THEMES", "Theme", "theme_from_env"]


@dataclass(frozen=True)
class Theme:
    """Colours, fonts and sizes for every clip.

    Colours come from the Okabe–Ito palette, which stays distinct under the common forms of
    colour blindness; every colour cue is doubled by a label, a symbol or a border style.
    Sizes are Manim font sizes chosen so the smallest text is legible at 480p.
    """

    name: str
    background: str
    text: str
    muted: str
    panel: str
    operand_a: str
    operand_b: str
    result: str
    highlight: str
    error: str
    shared: str
    # Two more tensor colours (a lesson has more names than four), outside Okabe–Ito but far
    # from every colour above and from the highlight (tests/scenes/test_stage.py measures).
    violet: str = "#9F8CFF"
    rose: str = "#FFAB91"
    font: str = "DejaVu Sans"
    mono: str = "DejaVu Sans Mono"
    # What draws the characters DejaVu lacks (Hangul, CJK ideographs) in titles and captions:
    # scripts/setup.sh installs it (Debian fonts-nanum). Pango finds it through fontconfig's
    # fallback, as naming two families in ``font`` would make manim warn on every Text; the
    # storyboard sheet, drawn with PIL (no fallback of its own), uses it explicitly.
    fallback_font: str = "NanumGothic"
    title_size: float = 34
    body_size: float = 26
    cell_size: float = 24
    code_size: float = 22
    caption_size: float = 24
    small_size: float = 20


DARK = Theme(
    name="dark",
    background="#15181D",
    text="#F2F2F2",
    muted="#8A9099",
    panel="#242932",
    operand_a="#56B4E9",  # sky blue
    operand_b="#E69F00",  # orange
    result="#009E73",  # bluish green
    highlight="#F0E442",  # yellow
    error="#D55E00",  # vermillion
    shared="#CC79A7",  # reddish purple
)

LIGHT = Theme(
    name="light",
    background="#FFFFFF",
    text="#1B1B1B",
    muted="#6B7078",
    panel="#EEF0F3",
    operand_a="#0072B2",  # blue
    operand_b="#B86E00",  # orange, darkened for contrast on white
    result="#007A5A",  # bluish green, darkened
    highlight="#B8860B",  # dark yellow: pure yellow vanishes on white
    error="#C84F00",  # vermillion
    shared="#A8457F",  # reddish purple, darkened
    violet="#5E35B1",  # deep purple
    rose="#D81B60",  # raspberry
)

THEMES = {theme.name: theme for theme in (DARK, LIGHT)}


def theme_from_env() -> Theme:
    """The theme named by ``TORCHREEL_THEME`` (``dark`` when unset), for plain ``manim`` runs."""
    name = os.environ.get("TORCHREEL_THEME", "dark")
    if name not in THEMES:
        raise ValueError(f"TORCHREEL_THEME: expected one of {', '.join(THEMES)}, found {name!r}")
    return THEMES[name]
