"""PathReplayCamera and StillLayerRenderer draw every frame byte for byte as Manim's own Camera and
renderer do."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Camera,
    Circle,
    FadeIn,
    FadeOut,
    ReplacementTransform,
    Scene,
    Square,
    Text,
    Triangle,
    VGroup,
    tempconfig,
)
from manim.renderer.cairo_renderer import CairoRenderer

from core.lesson import load_lesson
from core.trace import trace_clip
from scenes.fastcairo import PathReplayCamera, StillLayerRenderer
from scenes.registry import scene_class
from scenes.theme import THEMES
from studio.render import _writer_class, whole_frames


class Moves(Scene):
    """Still text, text that fades and moves, shapes that transform, a wait; still shapes drawn
    above the moving ones (thick miter-joined strokes, half transparent) that they pass under."""

    def construct(self) -> None:
        words = Text("y = x.view(3, 2)", font_size=30).to_edge(UP)
        self.add(words)
        square = Square().shift(DOWN)
        self.add(square)
        above = VGroup(Triangle(stroke_width=14).scale(0.6).shift(DOWN + 0.5 * RIGHT),
                       Square(fill_opacity=0.5, stroke_width=3).scale(0.3).to_edge(DOWN),
                       Text("still", font_size=24).to_corner(UP + RIGHT))
        self.add(above)
        self.play(FadeIn(square), words.animate.shift(RIGHT), run_time=0.4)
        self.wait(0.2)
        circle = Circle(color="#e69f00").shift(DOWN + RIGHT)
        self.play(ReplacementTransform(square, circle), run_time=0.4)
        caption = VGroup(Text("one", font_size=24), Text("two", font_size=24)).arrange(RIGHT)
        self.play(FadeIn(caption), FadeOut(words), run_time=0.4)
        self.wait(0.2)


class Grows(Scene):
    """A group that gains a shape mid-play (by an updater) under a still label drawn above it,
    and a play whose only animated mobject leaves the frame."""

    def construct(self) -> None:
        group = VGroup(Circle(radius=0.5).shift(LEFT))
        self.add(group)
        self.add(Text("above", font_size=40).shift(0.2 * DOWN))
        added: list[Any] = []

        def grow(mobject: Any, dt: float) -> None:
            if dt and not added:
                added.append(Square(side_length=1.5, fill_opacity=0.6, color="#e69f00"))
                mobject.add(added[0])
            mobject.shift(0.05 * RIGHT)

        group.add_updater(grow)
        self.wait(0.4)
        group.clear_updaters()
        self.play(group.animate.shift(12 * RIGHT), run_time=0.4)


def _frames(make: Any, camera: type[Camera], quality: dict[str, Any],
            renderer_class: type[CairoRenderer] = CairoRenderer) -> list[str]:
    hashes: list[str] = []

    def sink(pixels: Any, repeat: int) -> None:
        hashes.extend([hashlib.sha256(pixels.tobytes()).hexdigest()] * repeat)

    options = {**quality, "disable_caching": True, "write_to_movie": True,
               "save_sections": False, "preview": False, "verbosity": "ERROR",
               "progress_bar": "none", "renderer": "cairo"}
    with tempconfig(options):
        renderer = renderer_class(file_writer_class=_writer_class(whole_frames(sink)),
                                  camera_class=camera)
        scene = make(renderer)
        scene.render()
        if isinstance(renderer.camera, PathReplayCamera):
            assert renderer.camera.replayed > 0  # the test must exercise replaying
        if isinstance(renderer, StillLayerRenderer):
            assert renderer.layered > 0  # and the still layer
            assert renderer.bands > 0  # and frames handed over as their changed rows
    return hashes


LOW = {"pixel_width": 854, "pixel_height": 480, "frame_rate": 15}
HIGH = {"pixel_width": 1920, "pixel_height": 1080, "frame_rate": 60}


@pytest.mark.parametrize("quality", [LOW], ids=["low"])
def test_a_short_scene_is_pixel_identical(quality: dict[str, Any], tmp_path: Any) -> None:
    quality = {**quality, "media_dir": str(tmp_path)}
    ours = _frames(lambda r: Moves(renderer=r), PathReplayCamera, quality, StillLayerRenderer)
    manims = _frames(lambda r: Moves(renderer=r), Camera, quality)
    assert len(ours) == len(manims) > 20
    assert ours == manims


def test_a_growing_group_under_a_still_label_is_pixel_identical(tmp_path: Any) -> None:
    quality = {**LOW, "media_dir": str(tmp_path)}
    ours = _frames(lambda r: Grows(renderer=r), PathReplayCamera, quality, StillLayerRenderer)
    assert ours == _frames(lambda r: Grows(renderer=r), Camera, quality)
    assert len(set(ours)) > 8  # the frames move


# Every default clip at low and high is compared by the benchmark (bench/bench.py --frames);
# here, two clips, so the slow tier stays short.
@pytest.mark.slow
@pytest.mark.parametrize(("clip", "quality"), [("view", LOW), ("elementwise-product", HIGH)],
                         ids=["view-low", "elementwise-high"])
def test_a_default_clip_is_pixel_identical(clip: str, quality: dict[str, Any],
                                           tmp_path: Any) -> None:
    lesson = load_lesson(None)
    spec = lesson.clip(clip)
    trace = trace_clip(lesson, clip)
    quality = {**quality, "media_dir": str(tmp_path)}

    def make(renderer: CairoRenderer) -> Scene:
        scene: Scene = scene_class(spec.kind)(trace=trace, theme=THEMES["dark"],
                                               renderer=renderer, random_seed=spec.seed)
        return scene

    assert (_frames(make, PathReplayCamera, quality, StillLayerRenderer)
            == _frames(make, Camera, quality))


def _paths_of(vmobject: Any) -> tuple[list[Any], list[Any]]:
    """The cairo path Manim's camera builds for ``vmobject`` and the one PathReplayCamera
    builds (on a miss), as lists of (kind, coordinates)."""
    import cairo

    found = []
    for camera in (Camera(), PathReplayCamera()):
        surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, 64, 64)
        ctx = cairo.Context(surface)
        ctx.scale(7.3, -5.1)
        camera.set_cairo_context_path(ctx, vmobject)
        found.append(list(ctx.copy_path()))
    return found[0], found[1]


def test_a_built_path_is_manims_path() -> None:
    from manim import Arrow, DashedLine, Line, VMobject

    gap = VMobject()
    gap.set_points(np.concatenate([Square().points, Circle().shift(3 * RIGHT).points,
                                   Line(LEFT, UP).points]))
    near = Square()
    near.points[4] += 1e-9  # a seam within tolerance: no split
    odd = VMobject()
    odd.set_points(Square().points[:6])  # a curve and a half
    nan = Square()
    nan.points[2, 0] = np.nan  # Manim draws nothing; so must we
    for mobject in [*Text("Σ 1.25 €").family_members_with_points(), Square(), Circle(),
                    Triangle().scale(1e6), Arrow(LEFT, RIGHT), DashedLine(LEFT, RIGHT),
                    gap, near, odd, nan, VMobject()]:
        manims, ours = _paths_of(mobject)
        assert ours == manims
    assert len(_paths_of(gap)[0]) > len(_paths_of(near)[0])  # the test sees subpaths split
