"""media/ is a closed world: symlinks refused, foreign manifest paths dropped, faults in one line.

Each case compares a listing with hashes of media/ and of what lies outside it, before and after.
Renders go through the fake pool (conftest.FakePool): what is checked here is what the build
writes, moves and deletes, not what manim draws.
"""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from pathlib import Path

import pytest

import studio.build
import studio.files
import studio.guard
from core.lesson import KINDS
from studio import watch as watch_module
from studio.build import BuildOptions
from studio.cli import main
from studio.manifest import read_manifest
from tests.studio.conftest import CODE_LESSON, listing, write_lesson

CHANGED = CODE_LESSON.replace("seed = 3", "seed = 4").replace("seed = 11", "seed = 12")


def _render(folder: Path, capsys: pytest.CaptureFixture[str],
            *extra: str) -> tuple[int, str]:
    status = main(["render", "--lesson", str(folder / "tiny.toml"), "--media",
                   str(folder / "media"), "--quality", "test", *extra])
    return status, capsys.readouterr().err


@pytest.fixture()
def world(tmp_path: Path, fake: None, capsys: pytest.CaptureFixture[str]) -> Path:
    """A built media/ beside a folder 'outside' holding files a careless build would hit:
    one named like our temporaries, one like a set folder, and a victim file."""
    write_lesson(tmp_path, CODE_LESSON)
    status, err = _render(tmp_path, capsys)
    assert status == 0, err
    outside = tmp_path / "outside"
    (outside / "0123456789abcdef-01234567").mkdir(parents=True)
    (outside / "0123456789abcdef-01234567" / "keep.txt").write_text("keep")
    (outside / ".alpha.mp4.abcd1234.tmp.mp4").write_text("not ours")
    (outside / "victim.txt").write_text("victim")
    write_lesson(tmp_path, CHANGED)
    return tmp_path


def _link_clip_folder(media: Path, outside: Path) -> Path:
    real = media / "alpha"
    for child in real.iterdir():
        child.rename(outside / child.name)
    real.rmdir()
    real.symlink_to(outside)
    return real


def _link_set_folder(media: Path, outside: Path) -> Path:
    entry = read_manifest(media).clips["alpha"]
    link = media / "alpha" / f"{entry.hash[:16]}-ffffffff"
    link.symlink_to(outside)
    return link


def _link_name(name: str) -> object:
    def plant(media: Path, outside: Path) -> Path:
        link = media / name
        if link.is_dir():
            (outside / "cache").mkdir()
            for child in link.iterdir():
                child.rename(outside / "cache" / child.name)
            link.rmdir()
            link.symlink_to(outside / "cache")
        else:
            target = outside / Path(name).name
            if link.exists():
                link.rename(target)
            link.symlink_to(target)
        return link
    return plant


PLANTS = {
    "clip-folder": _link_clip_folder,
    "set-folder": _link_set_folder,
    "manifest": _link_name("manifest.json"),
    "gallery": _link_name("index.html"),
    "lock": _link_name(".lock"),
    "cache-folder": _link_name(".cache"),
    "cache-file": _link_name(".cache/traces.json"),
}


@pytest.mark.parametrize("plant", list(PLANTS))
def test_a_symlink_inside_media_is_refused_and_nothing_changes(
    world: Path, plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    media, outside = world / "media", world / "outside"
    link = PLANTS[plant](media, outside)  # type: ignore[operator]
    before = (listing(media), listing(outside))
    status, err = _render(world, capsys, "--force")
    assert status == 2
    assert err == (f"torchreel: {link}: refusing to write through a symlink inside media/ (it "
                   f"points to {os.readlink(link)}); remove it or choose another --media\n")
    assert (listing(media), listing(outside)) == before


def test_a_planted_error_log_symlink_is_replaced_not_followed(world: Path) -> None:
    from studio.render import RenderJob, render_clip

    media, outside = world / "media", world / "outside"
    (media / "alpha" / "error.log").symlink_to(outside / "victim.txt")
    before = listing(outside)
    job = RenderJob(clip_id="alpha", title="A", kind="elementwise-product", seed=1,
                    trace_json='{"_type": "NoSuchTrace"}', hash="ab" * 32, quality="test",
                    theme="dark", media=str(media), gif=False)
    result = render_clip(job)
    assert result.entry is None and result.error is not None
    assert listing(outside) == before
    log = media / "alpha" / "error.log"
    assert not log.is_symlink() and "Traceback" in log.read_text()
    assert not [p for p in (media / "alpha").iterdir() if p.name.startswith(".")]


HOSTILE_PATHS = ["../../outside/victim.txt", "../outside/victim.txt", "/etc/passwd",
                 "https://example.com/x.mp4", "javascript:alert(1)", "data:text/html,<b>x",
                 "alpha/../../outside/victim.txt", "beta/{beta_set}/beta.mp4"]


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_hostile_manifest_paths_never_reach_a_delete_or_the_gallery(
    world: Path, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    media, outside = world / "media", world / "outside"
    data = json.loads((media / "manifest.json").read_text())
    beta_set = data["clips"][1]["files"]["mp4"].split("/")[1]
    hostile = path.format(beta_set=beta_set)
    for key in ("mp4", "poster", "vtt"):
        data["clips"][0]["files"][key] = hostile
    # A second entry for a clip the lesson lacks, with the same path, must go too.
    data["clips"].append({**data["clips"][0], "id": "ghost"})
    (media / "manifest.json").write_text(json.dumps(data))
    before = listing(outside)
    status, err = _render(world, capsys)
    assert status == 0, err
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 2  # one per dropped entry, each once
    assert all("is not" in w or "not in a set folder" in w for w in warnings), warnings
    assert listing(outside) == before
    page = (media / "index.html").read_text()
    for needle in ("javascript:", "https:", "data:", "../", "/etc/", "ghost"):
        assert needle not in page
    manifest = read_manifest(media)
    assert list(manifest.clips) == ["alpha", "beta"] and manifest.warnings == []
    assert not (media / "ghost").exists()


def test_media_that_is_a_file(tmp_path: Path, fake: None,
                              capsys: pytest.CaptureFixture[str]) -> None:
    write_lesson(tmp_path, CODE_LESSON)
    (tmp_path / "media").write_text("not a folder")
    status, err = _render(tmp_path, capsys)
    assert (status, err) == (2, f"torchreel: {tmp_path / 'media'}: expected a folder for the "
                                f"build's outputs, found a file\n")
    assert (tmp_path / "media").read_text() == "not a folder"


def test_media_under_a_file(tmp_path: Path, fake: None,
                            capsys: pytest.CaptureFixture[str]) -> None:
    write_lesson(tmp_path, CODE_LESSON)
    (tmp_path / "file").write_text("x")
    status = main(["render", "--lesson", str(tmp_path / "tiny.toml"), "--media",
                   str(tmp_path / "file" / "media"), "--quality", "test"])
    err = capsys.readouterr().err
    assert (status, err) == (2, f"torchreel: {tmp_path / 'file' / 'media'}: cannot create the "
                                f"media folder: {tmp_path / 'file'} is a file\n")


def test_read_only_media(world: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    media = world / "media"
    real = os.statvfs

    class ReadOnly:
        def __init__(self, path: object) -> None:
            self.f_flag = real(path).f_flag | os.ST_RDONLY  # type: ignore[arg-type]

    # Tests run as root, which chmod cannot stop; a read-only mount is what the flag reports.
    monkeypatch.setattr(studio.guard.os, "statvfs", ReadOnly)
    before = listing(media)
    status, err = _render(world, capsys)
    assert (status, err) == (1, f"torchreel: {media}: Read-only file system\n")
    assert listing(media) == before


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EDQUOT])
def test_a_full_or_failing_disk_is_one_line_and_leaves_the_old_files(
    world: Path, code: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    media = world / "media"
    real = os.fsync

    def failing(descriptor: int) -> None:
        real(descriptor)
        raise OSError(code, os.strerror(code))

    # The first write of this build is the trace cache, written through atomic_path.
    monkeypatch.setattr(studio.files.os, "fsync", failing)
    before = listing(media)
    status, err = _render(world, capsys)
    assert (status, err) == (1, f"torchreel: {media / '.cache' / 'traces.json'}: "
                                f"{os.strerror(code)}\n")
    assert listing(media) == before


def test_watch_survives_bad_saves_and_a_planted_symlink(
    world: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    media = world / "media"
    monkeypatch.setattr(watch_module, "watched_dirs", lambda options: [world])
    monkeypatch.setattr(watch_module, "DEBOUNCE_S", 0.1)
    reports: list[object] = []
    stop = threading.Event()
    options = BuildOptions(lesson=str(world / "tiny.toml"), quality="test", media=media)
    thread = threading.Thread(target=watch_module.watch, args=(options, reports.append, stop))
    lines: list[str] = []

    def wait_for(test: object) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not test():  # type: ignore[operator]
            lines.extend(capsys.readouterr().err.splitlines())
            time.sleep(0.05)

    def save(text: str) -> None:
        # Whole saves, as an editor's rename makes them: a build reading a half-written file
        # would report (rightly) a line this test does not list.
        partial = lesson.with_suffix(".part")
        partial.write_text(text)
        os.replace(partial, lesson)

    lesson = world / "tiny.toml"
    thread.start()
    try:
        wait_for(lambda: len(reports) == 1)
        bad = [("seed = 4", "seed = 18446744073709551616", "key 'seed'"),
               ('id = "alpha"', 'id = "ew\\n"', "key 'id'"),
               ('kind = "code"', 'kind = ["sum"]', "key 'kind'")]
        for old, new, key in bad:
            save(CHANGED.replace(old, new, 1))
            # Wait for this save's own error: a save can give two builds, and a late repeat
            # of the last error must not count as this one (the next save would then replace
            # the file before it was read).
            wait_for(lambda key=key: any(key in x for x in lines))
        entry = read_manifest(media).clips["alpha"]
        beta = read_manifest(media).clips["beta"]
        link = media / "alpha" / f"{entry.hash[:16]}-ffffffff"
        link.symlink_to(world / "outside")
        save(CHANGED.replace("seed = 12", "seed = 13"))
        wait_for(lambda: any("refusing to write through a symlink" in x for x in lines))
        link.unlink()
        save(CHANGED.replace("seed = 12", "seed = 14"))
        wait_for(lambda: len(reports) >= 2)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    # One save can give two builds, each printing the same line: each distinct line once.
    errors = list(dict.fromkeys(x for x in lines
                                if x.startswith(f"torchreel: {lesson}") or "refusing" in x))
    assert errors == [
        f"torchreel: {lesson}: key 'seed': expected a whole number from 0 to 4294967295, found "
        f"18446744073709551616",
        f"torchreel: {lesson}: clip '#1': key 'id': expected letters, digits and single dashes "
        f"(at most 64), found 'ew\\n'",
        f"torchreel: {lesson}: clip 'alpha': key 'kind': expected one of "
        f"{', '.join(KINDS)}, found ['sum']",
        f"torchreel: {link}: refusing to write through a symlink inside media/ (it points to "
        f"{world / 'outside'}); remove it or choose another --media",
    ]
    # The first build, then the one after the link was removed (a save may split in two).
    assert len(reports) >= 2
    assert all(r.ok for r in reports)  # type: ignore[attr-defined]
    assert read_manifest(media).clips["beta"].hash != beta.hash  # seed 14 was built
