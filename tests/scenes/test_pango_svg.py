"""PangoText reads Pango's SVG itself and makes Manim's Text, glyph for glyph."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from manim import Text
from manim.mobject.svg.svg_mobject import SVGMobject

import scenes.components.pango_svg as pango_svg
from core.lesson import load_lesson
from scenes.components.pango_svg import PangoText, glyph_table
from scenes.theme import THEMES

THEME = THEMES["dark"]
ROOT = Path(__file__).resolve().parents[2]

# What clips draw: values, code, shapes and strides, captions, unicode math, error text, the
# fallback font's Hangul, spaces (which have no glyph), and one character alone.
SAMPLES = [
    "tensor([[ 0.1234, -1.5000],", "-0.0000", "σ(Σ xᵢwᵢ + b) = 0.7311",
    "✗ RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)",
    "shape (2, 3) · stride (3, 1) · offset 0", "→ ← ↑ ↓ ≠ ≤ ≥ × ÷ ± ∑ ∂ ⊙ …",
    "features * weights", "a  b", "텐서의 모양", "x", "W₁ᵀ @ x + b₁", "[0] [1] [2]",
]


def _lesson_code() -> list[str]:
    """Every line of code the two lessons show."""
    lines = []
    for name in ("default.toml", "broadcasting.toml"):
        lesson = load_lesson(str(ROOT / "lessons" / name))
        for clip in lesson.clips:
            lines += [line for line in (clip.code or "").splitlines() if line.strip()]
    return lines


def _styles() -> Iterator[dict[str, Any]]:
    yield {"font": THEME.font, "font_size": THEME.body_size, "color": THEME.text}
    yield {"font": THEME.mono, "font_size": THEME.code_size, "color": THEME.text}
    yield {"font": THEME.font, "font_size": THEME.title_size, "color": THEME.highlight,
           "weight": "BOLD"}


def _same(fast: Text, manims: Text) -> None:
    """Points, colours and every other attribute of the text and of each glyph."""
    assert fast.name == manims.name == "Text"
    assert len(fast.submobjects) == len(manims.submobjects)
    for ours, theirs in zip([fast, *fast.submobjects], [manims, *manims.submobjects],
                            strict=True):
        assert ours.name == theirs.name
        assert np.array_equal(ours.points, theirs.points)
        for key, value in theirs.__dict__.items():
            if key in ("path_obj", "id_to_vgroup_dict", "submobjects", "chars"):
                continue  # Manim's parse leftovers, and the glyphs compared one by one
            mine = ours.__dict__[key]
            if isinstance(value, np.ndarray):
                assert np.array_equal(mine, value), key
            else:
                assert repr(mine) == repr(value), key


@pytest.mark.parametrize("style", list(_styles()), ids=["body", "code", "bold title"])
def test_pango_text_is_manims_text(style: dict[str, Any], monkeypatch: pytest.MonkeyPatch
                                   ) -> None:
    strings = SAMPLES + _lesson_code()
    assert len(strings) > len(SAMPLES) + 10  # the lessons' code is in the sample
    manims = [Text(s, **style) for s in strings]
    original = SVGMobject.generate_mobject

    def refused(self: SVGMobject) -> None:
        raise AssertionError(f"{self!r} was parsed by Manim, not read from Pango's SVG")

    monkeypatch.setattr(SVGMobject, "generate_mobject", refused)
    fast = [PangoText(s, **style) for s in strings]
    monkeypatch.setattr(SVGMobject, "generate_mobject", original)
    for ours, theirs in zip(fast, manims, strict=True):
        _same(ours, theirs)


def test_anything_but_cairos_shape_goes_to_manims_parser(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    svg = ('<svg><defs><g><symbol overflow="visible" id="glyph0-1"><path style="stroke:none;" '
           'd="M 1 2 L 3 4 Z "/></symbol></g></defs><g id="surface1"><g style="fill:rgb(0%,0%,0%);'
           'fill-opacity:1;"><use xlink:href="#glyph0-1" x="30" y="20"/></g></g></svg>')
    table = glyph_table(svg)
    assert table == [("M 1 2 L 3 4 Z ", "fill:rgb(0%,0%,0%);fill-opacity:1;", "stroke:none;",
                      30.0, 20.0)]
    for changed in (svg.replace("<g id", "<rect/><g id"),  # another element
                    svg.replace('x="30"', 'x="30pt"'),  # a unit
                    svg.replace("#glyph0-1", "#glyph0-2"),  # an undefined symbol
                    svg.replace('<g style="fill:rgb(0%,0%,0%);fill-opacity:1;">', "<g>")):
        assert glyph_table(changed) is None
    for outline in ("m 1 2 l 3 4 z", "M 1 2 3 4", "M 1,2 L 3,4", "M 1 2 Q 3 4 5 6", "L 1 2",
                    "M 1 2 Z L 3 4", "M 0 0 L 0.0001 0 Z"):
        assert pango_svg._template(outline) is None, outline
    # The fallback itself: with the reader refusing, PangoText is still Manim's Text.
    monkeypatch.setattr(pango_svg, "glyph_table", lambda svg: None)
    style: dict[str, Any] = {"font": THEME.font, "font_size": THEME.body_size, "color": THEME.text}
    _same(PangoText("x.view(5, 1)", **style), Text("x.view(5, 1)", **style))
