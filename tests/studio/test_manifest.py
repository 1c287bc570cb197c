"""Reading media/manifest.json defensively; writing it atomically (no renders)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from studio.files import BuildLock
from studio.manifest import read_manifest, write_manifest


def _entry(**change: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "a", "title": "A", "hash": "ab" * 32, "duration_s": 2.0, "width": 256,
        "height": 144,
        "files": {k: f"a/a.{k}" for k in ("mp4", "webm", "poster", "vtt", "srt", "trace")},
    }
    entry.update(change)
    return entry


def _files(**change: str) -> dict[str, str]:
    files: dict[str, str] = _entry()["files"]
    return {**files, **change}


@pytest.mark.parametrize("bad", [
    _entry(hash="short"), _entry(duration_s="2"), _entry(duration_s=-1.0), _entry(width=True),
    _entry(files=_files(mp4="../../etc/passwd")), _entry(files=_files(vtt="/abs/a.vtt")),
    _entry(files={"mp4": "a/a.mp4"}), _entry(id=None), "a string",
], ids=["hash", "duration-type", "duration-negative", "width-bool", "path-escape",
        "path-absolute", "files-missing", "no-id", "not-object"])
def test_bad_entries_are_dropped_with_a_warning_and_good_ones_kept(tmp_path: Path,
                                                                   bad: Any) -> None:
    good = _entry(id="b")
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": [bad, good]}))
    manifest = read_manifest(tmp_path)
    assert list(manifest.clips) == ["b"]
    assert len(manifest.warnings) == 1
    assert "entry #1" in manifest.warnings[0]


def test_round_trip_keeps_order_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"clips": [_entry(id="b"), _entry(id="a", files=_files(gif="a/a.gif"))]}))
    manifest = read_manifest(tmp_path)
    write_manifest(tmp_path, manifest, ["a", "b"])
    data = json.loads((tmp_path / "manifest.json").read_text())
    assert [c["id"] for c in data["clips"]] == ["a", "b"]
    assert data["clips"][0]["files"]["gif"] == "a/a.gif"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_lock_is_exclusive(tmp_path: Path) -> None:
    import fcntl

    with (BuildLock(tmp_path), open(tmp_path / ".lock") as other,
          pytest.raises(BlockingIOError)):
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(tmp_path / ".lock") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
