"""Render order: the longest clips go to the workers first, so two workers finish together."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest

import studio.build
from studio.build import BuildOptions, build
from tests.studio.conftest import CODE_LESSON, FakePool, write_lesson

THREE = CODE_LESSON + """
[[clips]]
id = "gamma"
kind = "code"
title = "Gamma"
code = '''
y = features + weights
z = y * weights'''
tensors.features = { shape = [1, 2] }
tensors.weights = { like = "features" }
"""


class RecordingPool(FakePool):
    order: ClassVar[list[str]] = []

    def run(self, jobs: list[Any], on_result: Any, show: Any) -> None:
        RecordingPool.order = [job.clip_id for job in jobs]
        super().run(jobs, on_result, show)


@pytest.mark.usefixtures("fake")
def test_longest_clip_first_and_a_new_clip_before_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(studio.build, "WorkerPool", RecordingPool)
    lesson = write_lesson(tmp_path, THREE)
    media = tmp_path / "media"
    options = BuildOptions(lesson=str(lesson), quality="test", jobs=2, media=media)
    build(options)
    # Nothing built: the most operations first (gamma has two), ties in lesson order.
    assert RecordingPool.order == ["gamma", "alpha", "beta"]
    # Lengths as the last build recorded them (FakePool writes 1 s; a real build, the clip's).
    manifest = json.loads((media / "manifest.json").read_text())
    lengths = {"alpha": 2.0, "beta": 1.0, "gamma": 7.5}
    for entry in manifest["clips"]:
        entry["duration_s"] = lengths[entry["id"]]
    manifest["clips"] = [e for e in manifest["clips"] if e["id"] != "beta"]
    (media / "manifest.json").write_text(json.dumps(manifest))
    build(BuildOptions(lesson=str(lesson), quality="test", jobs=2, media=media, force=True))
    assert RecordingPool.order == ["beta", "gamma", "alpha"]


@pytest.mark.usefixtures("fake")
def test_a_build_traces_each_clip_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import core.trace

    traced: list[str] = []
    real = core.trace.trace_clip

    def counting(lesson: Any, clip_id: str) -> Any:
        traced.append(clip_id)
        return real(lesson, clip_id)

    monkeypatch.setattr(core.trace, "trace_clip", counting)
    lesson = write_lesson(tmp_path, THREE)
    media = tmp_path / "media"
    build(BuildOptions(lesson=str(lesson), quality="test", jobs=2, media=media))
    assert sorted(traced) == ["alpha", "beta", "gamma"]  # cold: traced, then rendered
    traced.clear()
    build(BuildOptions(lesson=str(lesson), quality="test", jobs=2, media=media))
    assert traced == []  # nothing to do: every trace comes from the cache
    build(BuildOptions(lesson=str(lesson), quality="test", jobs=2, media=media, force=True))
    assert sorted(traced) == ["alpha", "beta", "gamma"]  # rendered again from fresh traces
