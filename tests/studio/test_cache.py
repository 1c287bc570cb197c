"""The shared clip store (--cache): builds that share it, concurrent inserts, damaged entries."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest

import studio.build
from studio.build import BuildOptions, build
from studio.cache import ClipCache, open_cache
from studio.guard import MediaError
from studio.manifest import read_manifest
from tests.studio.conftest import CODE_LESSON, FakePool, write_lesson

DIGEST = "ab" * 32


def _options(tmp_path: Path, media: Path, **extra: Any) -> BuildOptions:
    return BuildOptions(lesson=str(tmp_path / "tiny.toml"), quality="test", jobs=1,
                        media=media, **extra)


def _files(media: Path) -> dict[str, dict[str, bytes]]:
    """Each clip's outputs by key, as bytes, read through the manifest."""
    manifest = read_manifest(media)
    assert manifest.warnings == []
    return {c: {k: (media / rel).read_bytes() for k, rel in e.files.items()}
            for c, e in manifest.clips.items()}


class CountingPool(FakePool):
    """FakePool that records every job it is asked to render."""

    jobs: ClassVar[list[str]] = []

    def run(self, jobs: list[Any], on_result: Any, show: Any) -> None:
        CountingPool.jobs += [j.clip_id for j in jobs]
        super().run(jobs, on_result, show)


@pytest.fixture()
def counting(fake: None, monkeypatch: pytest.MonkeyPatch) -> type[CountingPool]:
    monkeypatch.setattr(CountingPool, "jobs", [])
    monkeypatch.setattr(studio.build, "WorkerPool", CountingPool)
    return CountingPool


def test_second_build_sharing_the_cache_renders_nothing(
        tmp_path: Path, counting: type[CountingPool]) -> None:
    write_lesson(tmp_path, CODE_LESSON)
    store = tmp_path / "shared"
    first = build(_options(tmp_path, tmp_path / "one", cache=store))
    assert first.ok and counting.jobs == ["alpha", "beta"]
    counting.jobs.clear()
    second = build(_options(tmp_path, tmp_path / "two", cache=store))
    assert second.ok and counting.jobs == []
    assert [s.detail for s in second.statuses] == ["copied from cache"] * 2
    assert _files(tmp_path / "two") == _files(tmp_path / "one")
    # The copies are the clip's own: same hash, fresh set folders of the second media.
    one, two = read_manifest(tmp_path / "one"), read_manifest(tmp_path / "two")
    assert {c: e.hash for c, e in one.clips.items()} == {c: e.hash for c, e in two.clips.items()}


def test_a_gif_entry_serves_a_build_without_gif_but_not_the_reverse(
        tmp_path: Path, counting: type[CountingPool]) -> None:
    write_lesson(tmp_path, CODE_LESSON)
    store = tmp_path / "shared"
    assert build(_options(tmp_path, tmp_path / "plain", cache=store)).ok
    counting.jobs.clear()
    assert build(_options(tmp_path, tmp_path / "gif", cache=store, gif=True)).ok
    assert counting.jobs == ["alpha", "beta"]  # no GIF in the store yet: rendered
    counting.jobs.clear()
    assert build(_options(tmp_path, tmp_path / "again", cache=store, gif=True)).ok
    assert counting.jobs == []
    assert "gif" in read_manifest(tmp_path / "again").clips["alpha"].files


def _sources(folder: Path, tag: str) -> dict[str, Path]:
    folder.mkdir(parents=True)
    out = {}
    for key in ("mp4", "vtt", "poster"):
        out[key] = folder / key
        out[key].write_bytes(f"{tag}:{key}".encode() * 1000)
    return out


def _insert(store: ClipCache, digest: str, files: dict[str, Path], start: threading.Barrier,
            won: list[bool]) -> None:
    start.wait()
    won.append(store.add(digest, False, files, {"duration_s": 1.0}))


def test_concurrent_inserts_of_one_hash_leave_one_valid_entry(tmp_path: Path) -> None:
    store = ClipCache(tmp_path / "shared")
    writers = 8
    for round_ in range(5):
        digest = f"{round_:02x}" * 32
        sources = [_sources(tmp_path / f"src-{round_}-{i}", f"writer{i}") for i in range(writers)]
        start = threading.Barrier(writers)
        won: list[bool] = []
        threads = [threading.Thread(target=_insert, args=(store, digest, s, start, won))
                   for s in sources]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(won) == [False] * (writers - 1) + [True]
        shard = store.folder(digest).parent
        assert [p.name for p in shard.iterdir()] == [digest]  # no temporaries left behind
        out = tmp_path / f"out-{round_}"
        out.mkdir()
        extra = store.copy_into(digest, False, {k: out / k for k in ("mp4", "vtt", "poster")})
        assert extra == {"duration_s": 1.0}
        # Whole files of one writer, never a mix of two.
        tags = {(out / k).read_bytes().split(b":")[0] for k in ("mp4", "vtt", "poster")}
        assert len(tags) == 1


def test_concurrent_inserts_from_processes(tmp_path: Path) -> None:
    """Separate processes (as two builds on two machines would be) racing on one hash."""
    import multiprocessing

    sources = [_sources(tmp_path / f"src-{i}", f"p{i}") for i in range(4)]
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_add_in_process, args=(tmp_path / "shared", s))
                 for s in sources]
    for p in processes:
        p.start()
    for p in processes:
        p.join(30)
        assert p.exitcode == 0
    store = ClipCache(tmp_path / "shared")
    assert [p.name for p in store.folder(DIGEST).parent.iterdir()] == [DIGEST]
    meta = json.loads((store.folder(DIGEST) / "meta.json").read_text())
    assert sorted(meta["files"]) == ["mp4", "poster", "vtt"]


def _add_in_process(root: Path, files: dict[str, Path]) -> None:
    ClipCache(root).add(DIGEST, False, files, {"duration_s": 2.0})


def test_damaged_entry_is_a_miss_and_leaves_nothing(tmp_path: Path) -> None:
    store = ClipCache(tmp_path / "shared")
    assert store.add(DIGEST, False, _sources(tmp_path / "src", "x"), {"width": 4})
    (store.folder(DIGEST) / "vtt").write_bytes(b"bit rot")
    out = tmp_path / "out"
    out.mkdir()
    assert store.copy_into(DIGEST, False, {k: out / k for k in ("mp4", "vtt")}) is None
    assert list(out.iterdir()) == []
    assert any("vtt does not match its checksum" in w for w in store.warnings)
    # A key the entry lacks is a miss too.
    assert store.copy_into(DIGEST, False, {"gif": out / "gif"}) is None


def test_a_webm_is_served_only_from_an_entry_that_has_one(tmp_path: Path) -> None:
    """WebM is opt-in: an entry with one (key ``-webm``) serves builds with and without it; an
    entry from before the opt-in holds one under the plain key and serves it; an entry
    without one is a miss for a build that asks for it."""
    store = ClipCache(tmp_path / "shared")
    plain, with_webm, old = "a" * 64, "b" * 64, "c" * 64
    files = _sources(tmp_path / "src", "x")
    assert store.add(plain, False, files, {})
    webm = tmp_path / "src" / "webm"
    webm.write_bytes(b"x:webm")
    assert store.add(with_webm, False, {**files, "webm": webm}, {})
    assert store.folder(store.key(with_webm, False, True)).name == f"{with_webm}-webm"
    assert store.add(old, False, {**files, "webm": webm}, {})
    # As written before the opt-in: the same files under the plain key.
    os.rename(store.folder(store.key(old, False, True)), store.folder(old))
    for digest, served in ((plain, False), (with_webm, True), (old, True)):
        out = tmp_path / f"out-{digest[0]}"
        out.mkdir()
        asked = {k: out / k for k in ("mp4", "webm")}
        assert store.has(digest, False, True)
        assert (store.copy_into(digest, False, asked) is not None) is served, digest
        assert (out / "webm").is_file() is served
        assert store.copy_into(digest, False, {"mp4": out / "mp4-only"}) is not None


def test_cache_that_is_a_file_is_refused_in_one_line(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_text("")
    with pytest.raises(MediaError) as refused:
        open_cache(plain)
    assert refused.value.status == 2 and "expected a folder for --cache" in str(refused.value)


def test_sweep_removes_only_old_temporaries(tmp_path: Path) -> None:
    store = open_cache(tmp_path / "shared")
    old = store.root / "ab" / ".tmp-old"
    new = store.root / "ab" / ".tmp-new"
    old.mkdir(parents=True)
    new.mkdir()
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (day_ago, day_ago))
    store.sweep()
    assert not old.exists() and new.exists()
