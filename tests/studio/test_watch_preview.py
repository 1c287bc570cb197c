"""`torchreel watch` shows an edited clip's storyboard before its video: the same sheet, sooner."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
from PIL import Image

from studio.build import BuildOptions, build
from studio.manifest import read_manifest
from studio.preview import PREVIEW, preview_path
from tests.studio.conftest import TINY_LESSON, copy_build, write_lesson


def test_an_edit_gets_its_storyboard_first_and_it_is_the_videos(built: Path,
                                                                  tmp_path: Path) -> None:
    media = copy_build(built, tmp_path)
    options = BuildOptions(lesson=str(tmp_path / "tiny.toml"), quality="test", jobs=1,
                           gif=True, media=media)
    # Up to date first (sources under scenes/ and core/ may have changed since `built`).
    assert build(options).ok
    out = io.StringIO()
    preview = dataclasses.replace(options, preview=True)
    assert build(preview, out).rendered == []
    assert not (media / PREVIEW).exists()  # nothing stale, nothing previewed
    write_lesson(tmp_path, TINY_LESSON.replace("seed = 11", "seed = 13"))
    report = build(preview, out)
    assert report.rendered == ["beta"]
    sheet = preview_path(media, "beta")
    log = out.getvalue()
    assert f"storyboard of beta (the video follows): {sheet}" in log
    assert log.index("storyboard of beta") < log.index("rendering 1 clip")
    assert sorted(p.name for p in (media / PREVIEW).iterdir()) == ["beta-storyboard.png"]
    entry = read_manifest(media).clips["beta"]
    with Image.open(sheet) as quick, Image.open(media / entry.files["storyboard"]) as full:
        assert quick.size == full.size
        # Every step's closing frame and caption, drawn without the animations between them.
        assert np.array_equal(np.asarray(quick.convert("RGB")), np.asarray(full.convert("RGB")))
