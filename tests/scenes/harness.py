"""Construct-only runs of a clip: what is on screen at the end of every step, checked."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from manim import Mobject, Text, config, tempconfig

from core.serial import to_dict
from scenes.base import TraceScene
from scenes.theme import Theme

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")
# Addresses are drawn in hex: a hex token must be the hex form of a whole number in the trace.
HEX = re.compile(r"0x[0-9a-fA-F]+")


@dataclass
class Label:
    text: str
    box: tuple[float, float, float, float]  # left, bottom, right, top
    owner: int
    size: float = 0.0  # font size as drawn, after any scaling


@dataclass
class Snapshot:
    step: str
    labels: list[Label]
    boxes: list[tuple[str, tuple[float, float, float, float]]]


@dataclass
class Run:
    """What a construct-only run showed: a snapshot at every step's end and after every play."""

    scene: TraceScene[Any]
    snapshots: list[Snapshot] = field(default_factory=list)
    plays: list[Snapshot] = field(default_factory=list)

    def texts(self) -> list[str]:
        """Every text shown at any moment a play ended."""
        return [label.text for snap in self.plays + self.snapshots for label in snap.labels]


def _visible(mob: Mobject) -> bool:
    fill = float(np.max(mob.get_fill_opacities())) if len(mob.points) else 0.0
    stroke = float(np.max(mob.get_stroke_opacities())) if len(mob.points) else 0.0
    return max(fill, stroke) > 0.05


def _box(mob: Mobject) -> tuple[float, float, float, float]:
    left, bottom = mob.get_corner(np.array([-1.0, -1.0, 0.0]))[:2]
    right, top = mob.get_corner(np.array([1.0, 1.0, 0.0]))[:2]
    return float(left), float(bottom), float(right), float(top)


def snapshot(scene: TraceScene[Any], step: str) -> Snapshot:
    labels: list[Label] = []
    boxes: list[tuple[str, tuple[float, float, float, float]]] = []
    for owner, top in enumerate(scene.mobjects):
        for mob in top.get_family():
            if isinstance(mob, Text) and any(_visible(g) for g in mob.get_family()):
                labels.append(Label(mob.original_text, _box(mob), owner, float(mob.font_size)))
            elif not mob.submobjects and len(mob.points) and _visible(mob):
                boxes.append((type(mob).__name__, _box(mob)))
    return Snapshot(step, labels, boxes)


def construct_only(scene_class: type[TraceScene[Any]], theme: Theme, tmp_path: Path,
                   trace: Any = None) -> Run:
    """Run ``construct`` with no video written, recording every step's end state."""
    run: Run

    class Recorded(scene_class):  # type: ignore[valid-type, misc]
        def inspect_step(self, name: str) -> None:
            run.snapshots.append(snapshot(self, name))

        def play(self, *args: Any, **kwargs: Any) -> None:
            super().play(*args, **kwargs)
            run.plays.append(snapshot(self, f"play {len(run.plays)}"))

    Recorded.__name__ = scene_class.__name__
    with tempconfig({"dry_run": True, "disable_caching": True, "media_dir": str(tmp_path),
                     "pixel_height": 480, "pixel_width": 854, "frame_rate": 15,
                     "write_to_movie": False, "verbosity": "ERROR", "progress_bar": "none"}):
        scene = Recorded(trace=trace, theme=theme, skip_animations=True)
        run = Run(scene)
        scene.render()
    return run


def trace_strings(trace: Any) -> set[str]:
    """Every number the trace holds as text or as a whole number: what may be drawn."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(NUMBER.findall(value))
        elif isinstance(value, bool):
            return
        elif isinstance(value, int):
            found.add(str(value))
            found.add(hex(value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(json.dumps(to_dict(trace))))
    return found


def check_numbers_come_from_trace(run: Run) -> None:
    allowed = trace_strings(run.scene.trace)
    for snap in run.plays + run.snapshots:
        for label in snap.labels:
            for address in HEX.findall(label.text):
                assert address.lower() in allowed, (
                    f"step {snap.step!r}: {label.text!r} shows {address}, which no trace value "
                    f"holds"
                )
            for number in NUMBER.findall(HEX.sub(" ", label.text)):
                assert number in allowed, (
                    f"step {snap.step!r}: {label.text!r} shows {number}, which no trace value holds"
                )


def check_inside_frame(run: Run, margin: float = 0.01) -> None:
    half_w, half_h = config.frame_width / 2 + margin, config.frame_height / 2 + margin
    for snap in run.snapshots:
        for name, (left, bottom, right, top) in [(lab.text, lab.box) for lab in snap.labels] + \
                snap.boxes:
            assert -half_w <= left and right <= half_w and -half_h <= bottom and top <= half_h, (
                f"step {snap.step!r}: {name} at {(left, bottom, right, top)} leaves the frame"
            )


def check_no_text_overlaps(run: Run, tolerance: float = 0.02) -> None:
    for snap in run.snapshots:
        labels = snap.labels
        for i, a in enumerate(labels):
            for b in labels[i + 1:]:
                overlap_x = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
                overlap_y = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
                assert overlap_x <= tolerance or overlap_y <= tolerance, (
                    f"step {snap.step!r}: {a.text!r} overlaps {b.text!r}"
                )


def check_all(run: Run) -> None:
    assert run.snapshots, "the clip recorded no steps"
    assert run.snapshots[-1].step == "closing", "the clip must end on its closing frame"
    check_numbers_come_from_trace(run)
    check_inside_frame(run)
    check_no_text_overlaps(run)


__module_test__ = "scenes"


def golden(scene_class: type[TraceScene[Any]], theme_name: str,
           checks: Any = None) -> Any:
    """A test of one clip in one theme: its golden last frame (Manim's frame comparison,
    control data under tests/scenes/control_data, regenerated with ``--set_test``), plus
    every construct-time check of :func:`check_all` and the clip's own ``checks(run)``."""
    import functools

    from manim.utils.testing.frames_comparison import frames_comparison

    runs: list[Run] = []

    class Tested(scene_class):  # type: ignore[valid-type, misc]
        theme_name = "dark"

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            runs.append(Run(self))

        def inspect_step(self, name: str) -> None:
            runs[-1].snapshots.append(snapshot(self, name))

        def play(self, *args: Any, **kwargs: Any) -> None:
            super().play(*args, **kwargs)
            runs[-1].plays.append(snapshot(self, f"play {len(runs[-1].plays)}"))

    Tested.theme_name = theme_name
    Tested.__name__ = scene_class.__name__

    def construct(scene: TraceScene[Any]) -> None:
        scene_class.construct(scene)

    construct.__name__ = f"test_{scene_class.clip_id.replace('-', '_')}_{theme_name}"
    compared = frames_comparison(base_scene=Tested, last_frame=True)(construct)

    @functools.wraps(compared)
    def test(*args: Any, **kwargs: Any) -> None:
        compared(*args, **kwargs)
        run = runs[-1]
        check_all(run)
        if checks is not None:
            checks(run)

    return test
