"""Incremental builds, kills, concurrent builds and damaged manifests, on real tiny renders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio import hashing
from studio.build import BuildOptions, build
from studio.manifest import read_manifest
from tests.studio.conftest import (
    ROOT,
    TINY_LESSON,
    copy_build,
    snapshot,
    torchreel,
    write_lesson,
)


def _options(folder: Path, media: Path, **extra: object) -> BuildOptions:
    return BuildOptions(lesson=str(folder / "tiny.toml"), quality="test", jobs=2,
                        media=media, **extra)  # type: ignore[arg-type]


def test_first_build_renders_every_clip(built: Path) -> None:
    result = json.loads((built / "done.json").read_text())
    assert result["returncode"] == 0, result["stderr"]
    manifest = json.loads((built / "media" / "manifest.json").read_text())
    assert [c["id"] for c in manifest["clips"]] == ["alpha", "beta"]
    for clip in manifest["clips"]:
        assert set(clip) == {"id", "title", "hash", "duration_s", "width", "height", "files",
                             "steps"}
        # No WebM unless asked for (--webm; tests/studio/test_outputs.py).
        assert set(clip["files"]) == {"mp4", "poster", "vtt", "srt", "trace", "gif",
                                      "chapters", "storyboard"}
        assert (clip["width"], clip["height"]) == (256, 144)
        for rel in clip["files"].values():
            assert not Path(rel).is_absolute()
            assert (built / "media" / rel).is_file()
    assert "2 rendered" in result["stdout"]


def test_noop_renders_nothing_and_imports_neither_manim_nor_torch(
    built: Path, tmp_path: Path
) -> None:
    media = copy_build(built, tmp_path)
    before = snapshot(media)
    code = (
        "import sys\nfrom studio.cli import main\n"
        f"status = main(['render', '--lesson', {str(tmp_path / 'tiny.toml')!r}, '--media', "
        f"{str(media)!r}, '--quality', 'test', '--gif'])\n"
        "assert not any(m == 'manim' or m.startswith('manim.') for m in sys.modules), "
        "'manim imported'\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        # A no-op's time is mostly imports (bench/bench.py compares it with a bare Python).
        "assert 'numpy' not in sys.modules, 'numpy imported'\n"
        "assert 'studio.cluster' not in sys.modules, 'studio.cluster imported'\n"
        "sys.exit(status)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "nothing to render" in run.stderr
    assert "0 rendered" in run.stdout
    assert snapshot(media) == before


def test_lesson_entry_edit_rerenders_only_that_clip(built: Path, tmp_path: Path) -> None:
    media = copy_build(built, tmp_path)
    alpha = read_manifest(media).clips["alpha"]
    alpha_before = (media / alpha.files["mp4"]).read_bytes()
    write_lesson(tmp_path, TINY_LESSON.replace("seed = 11", "seed = 12"))
    report = build(_options(tmp_path, media, gif=True))
    assert report.ok
    assert report.rendered == ["beta"]
    assert read_manifest(media).clips["alpha"] == alpha
    assert (media / alpha.files["mp4"]).read_bytes() == alpha_before
    assert build(_options(tmp_path, media, gif=True)).rendered == []


def test_component_edit_rerenders_every_clip_that_uses_it(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = copy_build(built, tmp_path)
    real = hashing.read_source

    def edited(path: Path) -> bytes:
        data = real(path)
        return data + b"\nEDITED = 1\n" if path.name == "caption_bar.py" else data

    monkeypatch.setattr(hashing, "read_source", edited)
    report = build(_options(tmp_path, media, gif=True))
    assert report.ok
    assert sorted(report.rendered) == ["alpha", "beta"]


def test_hand_edited_manifest_entry_is_rebuilt_with_a_warning(
    built: Path, tmp_path: Path
) -> None:
    media = copy_build(built, tmp_path)
    data = json.loads((media / "manifest.json").read_text())
    data["clips"][0]["hash"] = 12345
    (media / "manifest.json").write_text(json.dumps(data))
    report = build(_options(tmp_path, media, gif=True))
    assert report.ok
    assert report.rendered == ["alpha"]
    assert any("entry #1" in w and "hash" in w for w in report.warnings)
    assert read_manifest(media).warnings == []


@pytest.mark.parametrize("text", ["{not json", "[]", '{"clips": {"alpha": 1}}', "\xff\xfe"],
                         ids=["broken-json", "list", "clips-not-list", "binary"])
def test_corrupt_manifest_does_not_crash_a_build(built: Path, tmp_path: Path,
                                                 text: str) -> None:
    media = copy_build(built, tmp_path)
    (media / "manifest.json").write_bytes(text.encode("latin-1"))
    manifest = read_manifest(media)
    assert manifest.clips == {}
    assert len(manifest.warnings) == 1
    # `list` reads the same manifest: every clip out of date, a warning, no crash.
    run = torchreel("list", "--lesson", str(tmp_path / "tiny.toml"), "--media", str(media),
                    "--quality", "test")
    assert run.returncode == 0, run.stderr
    assert "warning" in run.stderr
    assert run.stdout.count("out of date") == 2


def _staged_files(media: Path) -> list[Path]:
    """Temporary files, and whatever is inside a worker's hidden .stage-/.render- folder."""
    return [p for p in media.rglob("*")
            if (p.name.startswith(".") and ".tmp" in p.name)
            or any(part.startswith((".stage-", ".render-"))
                   for part in p.relative_to(media).parts)]


def test_kill_mid_render_keeps_outputs_and_manifest(built: Path, tmp_path: Path) -> None:
    media = copy_build(built, tmp_path)
    before = snapshot(media)
    lesson = str(tmp_path / "tiny.toml")
    process = subprocess.Popen(
        [sys.executable, "-m", "studio.cli", "render", "alpha", "--lesson", lesson, "--media",
         str(media), "--quality", "test", "--gif", "--theme", "light"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # Kill once the worker is encoding into its temporary files.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(
                p.stat().st_size > 0 for p in _staged_files(media) if p.is_file()):
            time.sleep(0.05)
        assert _staged_files(media), "the render never started"
        time.sleep(1.0)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    after = snapshot(media)
    # Every final name holds exactly what it held before; only hidden temporaries differ.
    def finals(files: dict[str, bytes]) -> dict[str, bytes]:
        return {k: v for k, v in files.items()
                if not any(part.startswith(".") for part in Path(k).parts)}

    assert finals(after) == finals(before)
    assert len(finals(before)) >= 16
    json.loads((media / "manifest.json").read_text())
    # The next run completes, and cleans up what the killed one left behind.
    run = torchreel("render", "alpha", "--lesson", lesson, "--media", str(media), "--quality",
                    "test", "--gif", "--theme", "light")
    assert run.returncode == 0, run.stderr
    assert "1 rendered" in run.stdout
    assert _staged_files(media) == []
    assert not list(media.rglob(".render-*"))


def test_two_concurrent_builds(tmp_path: Path) -> None:
    lesson = str(write_lesson(tmp_path))
    media = tmp_path / "media"
    args = [sys.executable, "-m", "studio.cli", "render", "alpha", "--lesson", lesson,
            "--media", str(media), "--quality", "test"]
    first = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 60
    while not (media / ".lock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    out1, err1 = first.communicate(timeout=240)
    out2, err2 = second.communicate(timeout=240)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    # One build rendered the clip; the other waited for it and found it up to date.
    assert sorted([("1 rendered" in out1), ("1 rendered" in out2)]) == [False, True]
    assert "waiting" in err1 + err2
    manifest = read_manifest(media)
    assert manifest.warnings == []
    assert list(manifest.clips) == ["alpha"]
    assert _staged_files(media) == []


def test_clip_without_a_scene_is_reported_and_fails_the_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from scenes import registry
    from studio.cli import main

    monkeypatch.setattr(registry, "SCENES", {})
    lesson = write_lesson(tmp_path)
    status = main(["render", "--lesson", str(lesson), "--media", str(tmp_path / "m"),
                   "--quality", "test"])
    out = capsys.readouterr().out
    assert status == 1
    assert "no scene yet for kind 'elementwise-product'" in " ".join(out.split())


def test_one_failing_clip_does_not_stop_the_others(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.trace

    media = copy_build(built, tmp_path)
    beta = read_manifest(media).clips["beta"]
    beta_before = (media / beta.files["mp4"]).read_bytes()
    real = core.trace.trace_to_json

    def broken_for_beta(trace: object) -> str:
        text: str = real(trace)  # type: ignore[arg-type]
        # A trace no scene can load: the worker fails on beta only.
        return '{"_type": "NoSuchTrace"}' if '"clip_id": "beta"' in text else text

    monkeypatch.setattr(core.trace, "trace_to_json", broken_for_beta)
    (media / ".cache" / "traces.json").unlink()  # make the build trace beta (brokenly) again
    write_lesson(tmp_path, TINY_LESSON.replace("seed = 3", "seed = 4"))
    report = build(_options(tmp_path, media, gif=True))
    states = {s.clip_id: s for s in report.statuses}
    assert states["alpha"].state == "rendered"
    assert states["beta"].state == "failed"
    assert "NoSuchTrace" in states["beta"].detail
    assert not report.ok
    assert (media / "beta" / "error.log").is_file()
    # beta's last good outputs stay; the manifest vouches only for what was built.
    assert read_manifest(media).clips["beta"] == beta
    assert (media / beta.files["mp4"]).read_bytes() == beta_before
    assert read_manifest(media).clips["alpha"].hash != json.loads(
        (built / "media" / "manifest.json").read_text())["clips"][0]["hash"]
