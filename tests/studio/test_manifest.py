"""Reading media/manifest.json defensively; writing it atomically (no renders)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from studio.files import BuildLock
from studio.manifest import REQUIRED_FILES, clip_files, read_manifest, write_manifest

HASH = "ab" * 32
SET = HASH[:16] + "-0123abcd"


def _entry(clip_id: str = "a", **change: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": clip_id, "title": "A", "hash": HASH, "duration_s": 2.0, "width": 256,
        "height": 144, "files": clip_files(clip_id, SET, REQUIRED_FILES),
    }
    entry.update(change)
    return entry


def _files(clip_id: str = "a", **change: str) -> dict[str, str]:
    return {**clip_files(clip_id, SET, REQUIRED_FILES), **change}


HOSTILE = {
    "hash": _entry(hash="short"),
    "hash-upper": _entry(hash=HASH.upper()),
    "duration-type": _entry(duration_s="2"),
    "duration-negative": _entry(duration_s=-1.0),
    "width-bool": _entry(width=True),
    "width-huge": _entry(width=10**9),
    "path-escape": _entry(files=_files(mp4="../../etc/passwd")),
    "path-escape-in-set": _entry(files=_files(vtt=f"a/{SET}/../../../etc/passwd")),
    "path-absolute": _entry(files=_files(vtt="/abs/a.vtt")),
    "url": _entry(files=_files(webm="https://example.com/a.webm")),
    "javascript": _entry(files=_files(poster="javascript:alert(1)")),
    "data-url": _entry(files=_files(vtt="data:text/vtt,WEBVTT")),
    "other-clips-file": _entry(files=_files(mp4=f"b/{SET}/b.mp4")),
    "other-set": _entry(files=_files(srt=f"a/{HASH[:16]}-ffffffff/a.srt")),
    "set-not-hash": _entry(files=clip_files("a", "0" * 16 + "-0123abcd", REQUIRED_FILES)),
    "old-flat-layout": _entry(files={k: f"a/a.{k}" for k in REQUIRED_FILES}),
    "unknown-file-key": _entry(files=_files(script="a/x.js")),
    "files-missing": _entry(files={"mp4": f"a/{SET}/a.mp4"}),
    "files-not-object": _entry(files=[f"a/{SET}/a.mp4"]),
    "id-newline": _entry("a\n"),
    "id-slash": _entry("a/b"),
    "id-dots": _entry(".."),
    "no-id": _entry(id=None),
    "title-bidi": _entry(title="abc\u202edef"),
    "title-newline": _entry(title="a\nb"),
    "title-long": _entry(title="x" * 81),
    "title-list": _entry(title=["A"]),
    "not-object": "a string",
}


@pytest.mark.parametrize("bad", list(HOSTILE.values()), ids=list(HOSTILE))
def test_bad_entries_are_dropped_with_a_warning_and_good_ones_kept(tmp_path: Path,
                                                                   bad: Any) -> None:
    good = _entry("b")
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": [bad, good]}))
    manifest = read_manifest(tmp_path)
    assert list(manifest.clips) == ["b"]
    assert len(manifest.warnings) == 1
    assert "entry #1" in manifest.warnings[0]
    assert "\n" not in manifest.warnings[0]


def test_a_good_entry_reads_back_whole(tmp_path: Path) -> None:
    entry = _entry("a", files=_files(gif=f"a/{SET}/a.gif",
                                     storyboard=f"a/{SET}/a-storyboard.png"))
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": [entry]}))
    manifest = read_manifest(tmp_path)
    assert manifest.warnings == []
    assert manifest.clips["a"].to_dict() == entry
    assert manifest.clips["a"].set_name == SET


def test_missing_files_refuses_symlinks(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    media = tmp_path / "media"
    (media / "a").mkdir(parents=True)
    (media / "a" / SET).symlink_to(elsewhere)
    for rel in clip_files("a", SET, REQUIRED_FILES).values():
        (elsewhere / Path(rel).name).write_text("x")
    (media / "manifest.json").write_text(json.dumps({"clips": [_entry("a")]}))
    entry = read_manifest(media).clips["a"]
    # Every file exists through the link, and none counts: the clip is rebuilt elsewhere.
    assert all((media / rel).is_file() for rel in entry.files.values())
    assert entry.missing_files(media) == list(REQUIRED_FILES)


def test_round_trip_keeps_order_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"clips": [_entry("b"), _entry("a", files=_files(gif=f"a/{SET}/a.gif"))]}))
    manifest = read_manifest(tmp_path)
    write_manifest(tmp_path, manifest, ["a", "b"])
    data = json.loads((tmp_path / "manifest.json").read_text())
    assert [c["id"] for c in data["clips"]] == ["a", "b"]
    assert data["clips"][0]["files"]["gif"] == f"a/{SET}/a.gif"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_lock_is_exclusive(tmp_path: Path) -> None:
    import fcntl

    with (BuildLock(tmp_path), open(tmp_path / ".lock") as other,
          pytest.raises(BlockingIOError)):
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(tmp_path / ".lock") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_lock_never_follows_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "outside"
    media = tmp_path / "media"
    media.mkdir()
    (media / ".lock").symlink_to(target)
    with pytest.raises(OSError), BuildLock(media):
        pass
    assert not target.exists()
