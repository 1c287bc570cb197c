"""`torchreel watch`: a save re-renders exactly what it affected."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from studio import watch as watch_module
from studio.build import BuildOptions, BuildReport
from tests.studio.conftest import TINY_LESSON, copy_build, write_lesson


def test_a_lesson_save_rerenders_that_clip(built: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    media = copy_build(built, tmp_path)
    # Only the lesson's folder: edits others make to scenes/ meanwhile must not count here.
    monkeypatch.setattr(watch_module, "watched_dirs", lambda options: [tmp_path])
    reports: list[BuildReport] = []
    stop = threading.Event()
    options = BuildOptions(lesson=str(tmp_path / "tiny.toml"), quality="test", jobs=2,
                           gif=True, media=media)
    thread = threading.Thread(target=watch_module.watch, args=(options, reports.append, stop))
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not reports and time.monotonic() < deadline:
            time.sleep(0.1)
        assert reports and reports[0].rendered == []  # the first build: nothing to do
        write_lesson(tmp_path, TINY_LESSON.replace("seed = 11", "seed = 13"))
        deadline = time.monotonic() + 180
        while not any(r.rendered for r in reports) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    rendered = [clip for r in reports for clip in r.rendered]
    assert rendered == ["beta"]
    assert all(r.ok for r in reports)
