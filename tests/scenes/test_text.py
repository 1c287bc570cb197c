"""Text made once per string and copied: the same points as Manim's own Text, lighter copies."""

from __future__ import annotations

import numpy as np
from manim import Text

from scenes.components.text import label, made_text, mono
from scenes.theme import THEMES

THEME = THEMES["dark"]


def _points(mobject: Text) -> list[np.ndarray]:
    return [m.points for m in mobject.get_family()]


def test_a_made_text_has_manims_points_and_no_svg_paths() -> None:
    fresh = Text("x.view(5, 1)", font=THEME.mono, font_size=THEME.code_size, color=THEME.text)
    for _ in range(2):  # built, then copied from the first
        made = mono("x.view(5, 1)", THEME)
        assert len(made.get_family()) == len(fresh.get_family())
        for a, b in zip(_points(made), _points(fresh), strict=True):
            assert np.array_equal(a, b)
        assert made.get_color() == fresh.get_color()
        assert all(getattr(m, "path_obj", None) is None for m in made.get_family())
        assert made.id_to_vgroup_dict == {}
    assert any(getattr(m, "path_obj", None) is not None for m in fresh.get_family())
    assert fresh.id_to_vgroup_dict


def test_each_call_gets_its_own_copy() -> None:
    first = label("Shared words", THEME)
    first.shift((1.0, 2.0, 0.0)).set_color("#ff0000")
    second = label("Shared words", THEME)
    assert second is not first
    assert not np.array_equal(second.get_center(), first.get_center())
    assert second.get_color() != first.get_color()
    # Style is part of the key: another size or weight is another text.
    assert made_text("Shared words", THEME.font, 30, THEME.text).width != second.width
    assert label("Shared words", THEME, weight="BOLD").width != second.width
