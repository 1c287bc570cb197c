"""Golden last frames of two broadcasting-lesson clips (slow: they render frames)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.lesson import load_lesson
from core.trace import trace_clip
from scenes.code_clip import CodeClip
from tests.scenes.harness import Run, golden

LESSON = Path(__file__).resolve().parents[2] / "lessons" / "broadcasting.toml"


def clip_of(clip_id: str) -> type[CodeClip]:
    """A CodeClip bound to one clip of the broadcasting lesson (golden() reads clip_id)."""

    class Bound(CodeClip):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("trace", trace_clip(load_lesson(LESSON), clip_id))
            super().__init__(*args, **kwargs)

    Bound.clip_id = clip_id
    Bound.__name__ = f"CodeClip_{clip_id.replace('-', '_')}"
    return Bound


def checks(run: Run) -> None:
    scene: Any = run.scene
    assert scene.steps[-1].name == "closing"
    assert min(scene.holds) >= 1.5 - 1e-6


test_permute_dark = pytest.mark.slow(golden(clip_of("permute"), "dark", checks))
test_write_through_slice_light = pytest.mark.slow(
    golden(clip_of("write-through-slice"), "light", checks))
