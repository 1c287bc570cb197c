"""Glide and SlideOut move a mobject along Manim's own path, without copying the mobject."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from manim import DOWN, LEFT, FadeOut, Scene, Square, VGroup

from scenes.components.glide import Glide, Scroll, SlideOut
from scenes.components.text import label
from scenes.theme import THEMES


def _thing() -> VGroup:
    group = VGroup(Square(0.8).set_fill("#336699", 0.6).set_stroke("#ffffff", 3),
                   label("x.view(5, 1)", THEMES["dark"]))
    group.arrange(DOWN).shift(LEFT * 0.7 + DOWN * 0.2)
    return group


def _state(mobject: VGroup) -> list[Any]:
    return [a for m in mobject.family_members_with_points()
            for a in (m.points, m.fill_rgbas, m.stroke_rgbas)]


def _alike(ours: VGroup, manims: VGroup) -> None:
    for a, b in zip(_state(ours), _state(manims), strict=True):
        assert a.shape == b.shape
        assert np.allclose(a, b, rtol=0, atol=1e-12)


def _frames(ours: Any, manims: Any) -> None:
    """Both animations, begun, at several times and finished, agree on every part."""
    ours.begin()
    manims.begin()
    for alpha in (0.0, 0.1, 0.37, 0.5, 0.83, 1.0):
        ours.interpolate(alpha)
        manims.interpolate(alpha)
        _alike(ours.mobject, manims.mobject)
    ours.finish()
    manims.finish()
    _alike(ours.mobject, manims.mobject)


@pytest.mark.parametrize("scale", [1.0, 0.73])
def test_glide_is_animate_scale_shift(scale: float) -> None:
    shift = np.array([1.25, -0.4, 0.0])
    ours, manims = _thing(), _thing()
    moved = manims.animate.scale(scale).shift(shift) if scale != 1.0 else \
        manims.animate.shift(shift)
    _frames(Glide(ours, shift, scale), moved.build())
    assert not np.allclose(ours.get_center(), _thing().get_center())  # it did move


def test_slide_out_is_fade_out_and_leaves_the_mobject_whole() -> None:
    ours, manims = _thing(), _thing()
    before = [a.copy() for a in _state(ours)]
    scene = Scene()
    scene.add(ours, manims)
    slide, fade = SlideOut(ours, LEFT * 1.5), FadeOut(manims, shift=LEFT * 1.5)
    assert isinstance(slide, FadeOut) and slide.is_remover()  # rearrange counts it as leaving
    slide.begin()
    fade.begin()
    slide.interpolate(0.6)
    fade.interpolate(0.6)
    _alike(ours, manims)
    assert 0 < ours[0].get_fill_opacity() < 0.6  # half faded
    slide.finish()
    fade.finish()
    _alike(ours, manims)
    slide.clean_up_from_scene(scene)
    fade.clean_up_from_scene(scene)
    assert ours not in scene.mobjects and manims not in scene.mobjects
    for a, b in zip(_state(ours), before, strict=True):
        assert np.array_equal(a, b)  # as FadeOut leaves it: whole, where it was
    _alike(ours, manims)


def test_scrolled_code_lines_are_seen_only_in_the_window() -> None:
    theme = THEMES["dark"]
    source = [f"line_{i} = torch.ones({i + 1})" for i in range(7)]

    def lines() -> VGroup:
        group = VGroup(*(label(s, theme) for s in source)).arrange(DOWN, aligned_edge=LEFT)
        for i, line in enumerate(group):
            line.set_opacity(1.0 if i < 3 else 0.0)  # a window of 3 lines, from line 0
        return group

    ours, manims = lines(), lines()
    pitch = float(ours[0].get_y() - ours[1].get_y())
    shift = np.array([0.0, 2 * pitch, 0.0])  # two lines up: lines 2 to 4 in the window
    window_top, window_bottom = float(ours[0].get_top()[1]), float(ours[2].get_bottom()[1])
    scroll = Scroll(ours, shift, 0, 2, 3)
    scroll.begin()
    faded = 0
    for alpha in (0.15, 0.3, 0.5, 0.7, 0.85):
        scroll.interpolate(alpha)
        for line in ours:
            opacity = line[0].get_fill_opacity()
            faded += 0.0 < opacity < 1.0
            if opacity > 0.0:  # drawn: then it is inside the window, bar a third of a line
                assert line.get_bottom()[1] > window_bottom - pitch / 3 - 0.05
                assert line.get_top()[1] < window_top + pitch / 3 + 0.05
    assert faded  # lines did fade in and out, not jump
    scroll.finish()
    old = [line.animate.shift(shift).set_opacity(1.0 if 2 <= i < 5 else 0.0)
           for i, line in enumerate(manims)]
    for animation in old:
        built = animation.build()
        built.begin()
        built.finish()
    _alike(ours, manims)  # the end is the old animation's end: places and opacities


@pytest.mark.parametrize("scale", [1.0, 0.73, 0.4])
def test_a_scaled_box_is_the_scaled_copys(scale: float) -> None:
    from scenes.stage import _scaled_box

    figure = _thing()
    figure.add(label("-0.8948", THEMES["dark"]).next_to(figure, DOWN).shift(LEFT * 0.3))
    copy = figure.copy()
    if scale < 1.0:  # as Stage.arrange did: a row at full size is not scaled
        copy.scale(scale)
    assert _scaled_box(figure, scale, float(figure.width)) == (
        float(copy.get_left()[0]), float(copy.get_top()[1]), float(copy.width))
