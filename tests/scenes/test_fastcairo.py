"""PathReplayCamera draws every frame byte for byte as Manim's own Camera does."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from manim import (
    DOWN,
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
    VGroup,
    tempconfig,
)
from manim.renderer.cairo_renderer import CairoRenderer

from core.lesson import load_lesson
from core.trace import trace_clip
from scenes.fastcairo import PathReplayCamera
from scenes.registry import scene_class
from scenes.theme import THEMES
from studio.render import _writer_class


class Moves(Scene):
    """Still text, text that fades and moves, shapes that transform, a wait."""

    def construct(self) -> None:
        words = Text("y = x.view(3, 2)", font_size=30).to_edge(UP)
        self.add(words)
        square = Square().shift(DOWN)
        self.play(FadeIn(square), words.animate.shift(RIGHT), run_time=0.4)
        self.wait(0.2)
        circle = Circle(color="#e69f00").shift(DOWN + RIGHT)
        self.play(ReplacementTransform(square, circle), run_time=0.4)
        caption = VGroup(Text("one", font_size=24), Text("two", font_size=24)).arrange(RIGHT)
        self.play(FadeIn(caption), FadeOut(words), run_time=0.4)
        self.wait(0.2)


def _frames(make: Any, camera: type[Camera], quality: dict[str, Any]) -> list[str]:
    hashes: list[str] = []

    def sink(pixels: Any, repeat: int) -> None:
        hashes.extend([hashlib.sha256(pixels.tobytes()).hexdigest()] * repeat)

    options = {**quality, "disable_caching": True, "write_to_movie": True,
               "save_sections": False, "preview": False, "verbosity": "ERROR",
               "progress_bar": "none", "renderer": "cairo"}
    with tempconfig(options):
        renderer = CairoRenderer(file_writer_class=_writer_class(sink), camera_class=camera)
        scene = make(renderer)
        scene.render()
        if isinstance(renderer.camera, PathReplayCamera):
            assert renderer.camera.replayed > 0  # the test must exercise replaying
    return hashes


LOW = {"pixel_width": 854, "pixel_height": 480, "frame_rate": 15}
HIGH = {"pixel_width": 1920, "pixel_height": 1080, "frame_rate": 60}


@pytest.mark.parametrize("quality", [LOW], ids=["low"])
def test_a_short_scene_is_pixel_identical(quality: dict[str, Any], tmp_path: Any) -> None:
    quality = {**quality, "media_dir": str(tmp_path)}
    ours = _frames(lambda r: Moves(renderer=r), PathReplayCamera, quality)
    manims = _frames(lambda r: Moves(renderer=r), Camera, quality)
    assert len(ours) == len(manims) > 20
    assert ours == manims


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

    assert _frames(make, PathReplayCamera, quality) == _frames(make, Camera, quality)
