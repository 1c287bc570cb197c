"""The stage's rules that need no clip: colours, caption lines, cell positions, bands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.lesson import load_lesson
from core.model import ProgramTrace
from core.trace import trace_clip
from core.tracer import trace_code
from scenes.components.caption_band import balanced_lines
from scenes.stage import MARGIN, Stage, cell_positions, safe_area, tensor_hues
from scenes.theme import DARK, LIGHT, Theme

LESSON = Path(__file__).resolve().parents[2] / "lessons" / "broadcasting.toml"
# Colours closer than this (CIE76 ΔE) read as one hue on a projector.
FAR = 50.0


def lab(color: str) -> np.ndarray:
    """CIE L*a*b* (D65) of a hex colour."""
    rgb = np.array([int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def distance(a: str, b: str) -> float:
    return float(np.linalg.norm(lab(a) - lab(b)))


@pytest.mark.parametrize("theme", [DARK, LIGHT], ids=["dark", "light"])
def test_highlight_is_far_from_every_tensor_hue(theme: Theme) -> None:
    stage = Stage(trace_code("x = torch.ones(2)", "--code", 7), theme)
    for hue in tensor_hues(theme):
        assert distance(stage.highlight, hue) >= FAR, (theme.name, hue)
    # Tensor hues tell tensors apart: no two of them are close either.
    hues = tensor_hues(theme)
    for i, a in enumerate(hues):
        for b in hues[i + 1:]:
            assert distance(a, b) >= 30, (theme.name, a, b)


def test_a_name_keeps_its_colour_across_the_lesson() -> None:
    lesson = load_lesson(LESSON)
    seen: dict[str, str] = {}
    for clip in lesson.clips:
        trace = trace_clip(lesson, clip.id)
        assert isinstance(trace, ProgramTrace)
        stage = Stage(trace, DARK)
        named = {t.name for t in trace.tensors if t.name.isidentifier()}
        colors = [stage.color(name) for name in named]
        assert len(set(colors)) == len(colors), f"{clip.id}: two tensors share a colour"
        for name in named:
            # The colour comes from the name; only a clash inside one clip may move it.
            seen.setdefault(name, stage.color(name))


def test_lesson_names_map_to_one_colour() -> None:
    lesson = load_lesson(LESSON)
    colors: dict[str, set[str]] = {}
    for clip in lesson.clips:
        trace = trace_clip(lesson, clip.id)
        assert isinstance(trace, ProgramTrace)
        stage = Stage(trace, DARK)
        for t in trace.tensors:
            if t.name.isidentifier():
                colors.setdefault(t.name, set()).add(stage.color(t.name))
    assert all(len(c) == 1 for c in colors.values()), colors


@pytest.mark.parametrize("sentence", [
    "permute(1, 0) swaps the dims: rows become columns. The same cells, the same storage; "
    "only the strides swap.",
    "Writing through r changes the storage, so x changes too.",
    "one two three four five six seven eight nine ten eleven twelve",
])
def test_caption_lines_never_end_on_one_word(sentence: str) -> None:
    for columns in range(12, 80):
        lines = balanced_lines(sentence, columns)
        assert " ".join(lines) == sentence
        if len(lines) >= 2:
            assert len(lines[-1].split()) > 1 or len(lines[-2].split()) < 3


def test_cell_positions_follow_row_major_order() -> None:
    points = cell_positions((2, 3), 1.0, 0.5)
    assert [tuple(p[:2]) for p in points] == [(0, 0), (1, 0), (2, 0), (0, -0.5), (1, -0.5),
                                              (2, -0.5)]
    assert len(cell_positions((), 1.0, 0.5)) == 1
    three = cell_positions((2, 1, 2), 1.0, 0.5)
    assert three[2][0] > three[1][0]  # the second slice sits right of the first


def test_bands_stack_inside_the_safe_area() -> None:
    left, bottom, right, top = safe_area()
    assert right - left == pytest.approx(14.222 - 2 * MARGIN, abs=0.01)
    stage = Stage(trace_code("x = torch.arange(6.).view(2, 3)\ny = x.t()", "--code", 7), DARK)
    b = stage.bands()
    assert b.code[1] <= top and b.caption[0] >= bottom
    assert b.caption[1] <= b.storage[0] <= b.storage[1] <= b.work[0] < b.work[1] <= b.code[0]
