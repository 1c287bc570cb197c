"""Builds on a Dask LocalCluster of two worker processes: same outputs, killed worker, refusals."""

from __future__ import annotations

import json
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.build import BuildOptions, build
from studio.hashing import stable_trace_json
from studio.manifest import read_manifest
from tests.studio.conftest import copy_build, snapshot, torchreel, write_lesson

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """One LocalCluster for the module: starting one costs seconds."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as local:
        yield local.scheduler_address


def _options(lesson: Path, media: Path, **extra: Any) -> BuildOptions:
    return BuildOptions(lesson=str(lesson), quality="test", gif=True, media=media, **extra)


def _frames(path: Path) -> list[bytes]:
    import av

    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24").tobytes()
                for frame in container.decode(video=0)]


def _outputs(media: Path) -> dict[str, dict[str, Path]]:
    manifest = read_manifest(media)
    assert manifest.warnings == []
    return {c: {k: media / rel for k, rel in e.files.items()} for c, e in manifest.clips.items()}


def _assert_same_outputs(local: Path, other: Path) -> None:
    """Every output of every clip equal byte for byte, or for videos, frame for frame."""
    mine, theirs = _outputs(local), _outputs(other)
    assert sorted(mine) == sorted(theirs) == ["alpha", "beta"]
    old, new = read_manifest(local), read_manifest(other)
    for clip in mine:
        assert old.clips[clip].hash == new.clips[clip].hash
        assert old.clips[clip].duration_s == new.clips[clip].duration_s
        assert sorted(mine[clip]) == sorted(theirs[clip])
        for key, path in mine[clip].items():
            if key == "trace":  # memory addresses differ from run to run; the hash skips them
                assert (stable_trace_json(path.read_text(encoding="utf-8"))
                        == stable_trace_json(theirs[clip][key].read_text(encoding="utf-8")))
            elif path.read_bytes() != theirs[clip][key].read_bytes():
                # Encoders may pack the same frames differently; the frames must be equal.
                assert key in ("mp4", "webm", "gif"), (clip, key)
                assert _frames(path) == _frames(theirs[clip][key]), (clip, key)


def test_cluster_build_equals_local_build_and_fills_the_cache(
        built: Path, cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert json.loads((built / "done.json").read_text())["returncode"] == 0
    media = copy_build(built, tmp_path / "local")  # the local build, for comparison
    lesson = tmp_path / "local" / "tiny.toml"
    store = tmp_path / "cache"
    on_cluster = tmp_path / "cluster"
    report = build(_options(lesson, on_cluster, scheduler=cluster, cache=store))
    assert report.ok and sorted(report.rendered) == ["alpha", "beta"]
    workers = {s.detail for s in report.statuses}
    assert all(w.startswith("tcp://") for w in workers), workers
    _assert_same_outputs(media, on_cluster)

    # A second build on another media folder, sharing the cache: nothing is rendered.
    import studio.build

    class NoPool:
        def __init__(self, *args: object) -> None:
            raise AssertionError("a build served wholly by the cache started render workers")

    monkeypatch.setattr(studio.build, "WorkerPool", NoPool)
    served = tmp_path / "served"
    again = build(_options(lesson, served, cache=store))
    assert again.ok
    assert [s.detail for s in again.statuses] == ["copied from cache"] * 2
    _assert_same_outputs(on_cluster, served)


def test_killed_worker_clip_is_retried_and_the_manifest_is_whole(
        built: Path, cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from distributed import Client

    import studio.build

    with Client(cluster) as client:
        pids: dict[str, int] = client.run(os.getpid)
    hosts: dict[str, str] = {}
    killed: list[str] = []
    where, frames = studio.build._Progress.where, studio.build._Progress.frames

    def record(self: Any, clip_id: str, worker: str) -> None:
        hosts[clip_id] = worker
        where(self, clip_id, worker)

    def kill_once(self: Any, clip_id: str, count: int) -> None:
        # The first clip to report a rendered frame loses its worker process mid-clip.
        if count > 0 and not killed and hosts.get(clip_id) in pids:
            killed.append(hosts[clip_id])
            os.kill(pids[hosts[clip_id]], signal.SIGKILL)
        frames(self, clip_id, count)

    monkeypatch.setattr(studio.build._Progress, "where", record)
    monkeypatch.setattr(studio.build._Progress, "frames", kill_once)
    media = tmp_path / "media"
    report = build(_options(built / "tiny.toml", media, scheduler=cluster, force=True))
    assert killed, "no worker reported a frame, so none was killed"
    assert report.ok, report.statuses
    assert killed[0] not in {s.detail for s in report.statuses}  # done again elsewhere
    outputs = _outputs(media)
    assert sorted(outputs) == ["alpha", "beta"]
    for files in outputs.values():
        assert all(p.is_file() for p in files.values())
        assert len(_frames(files["mp4"])) > 0
    # Nothing half-written stays: only the two set folders, no stage.
    assert sorted(p.name for p in (media / "alpha").iterdir() if p.name.startswith(".")) == []


def test_worker_with_other_versions_is_refused_and_nothing_is_written(
        built: Path, cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import studio.cluster

    real = studio.cluster.worker_versions()
    # This build claims another torch: the real workers must be refused, naming both.
    claimed = {**real, "torch": real["torch"] + ".other"}
    monkeypatch.setattr(studio.cluster, "worker_versions", lambda: claimed)
    media = copy_build(built, tmp_path)
    before = snapshot(media)
    with pytest.raises(studio.cluster.ClusterError) as refused:
        build(_options(tmp_path / "tiny.toml", media, scheduler=cluster, force=True))
    message = str(refused.value)
    assert "\n" not in message and refused.value.status == 2
    assert f"torch {real['torch']}," in message and f"torch {claimed['torch']}" in message
    assert snapshot(media) == before


def test_a_task_on_a_worker_with_other_versions_refuses_to_render(
        cluster: str, tmp_path: Path) -> None:
    from distributed import Client

    from studio.cluster import VersionMismatch, render_on_worker, worker_versions
    from studio.render import RenderJob

    job = RenderJob(clip_id="alpha", title="Alpha", kind="code", seed=0, trace_json="{}",
                    hash="0" * 64, quality="test", theme="dark", media=str(tmp_path), gif=False)
    claimed = {**worker_versions(), "manim": "0.0.other"}
    with Client(cluster) as client, pytest.raises(VersionMismatch, match=r"manim 0\.0\.other"):
        client.submit(render_on_worker, job, claimed, pure=False).result()


def test_unreachable_scheduler_is_one_line_exit_2_and_touches_nothing(
        built: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    media = copy_build(built, tmp_path)
    before = snapshot(media)
    result = torchreel("render", "--lesson", str(tmp_path / "tiny.toml"), "--media", str(media),
                       "--quality", "test", "--force", "--scheduler", f"tcp://127.0.0.1:{port}")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Dask scheduler" in lines[0], lines
    assert f"tcp://127.0.0.1:{port}" in lines[0]
    assert snapshot(media) == before


@pytest.mark.parametrize("text", ["local:0", "local:65", "nowhere", "local"])
def test_bad_scheduler_argument_is_a_usage_error(text: str, tmp_path: Path) -> None:
    from studio.cli import main

    lesson = write_lesson(tmp_path)
    with pytest.raises(SystemExit) as usage:
        main(["render", "--lesson", str(lesson), "--scheduler", text])
    assert usage.value.code == 2
    assert not (tmp_path / "media").exists()


def test_failed_render_on_a_worker_is_reported_with_its_log_here(
        cluster: str, tmp_path: Path) -> None:
    from distributed import Client

    from studio.cluster import Shipped, render_on_worker, unpack, worker_versions
    from studio.render import RenderJob

    (tmp_path / "alpha").mkdir()
    job = RenderJob(clip_id="alpha", title="Alpha", kind="code", seed=0, trace_json="{}",
                    hash="0" * 64, quality="test", theme="dark", media=str(tmp_path), gif=False)
    with Client(cluster) as client:
        shipped: Shipped = client.submit(render_on_worker, job, worker_versions(),
                                         pure=False).result()
    assert shipped.entry is None and shipped.error and "\n" not in shipped.error
    assert shipped.log is not None and "Traceback" in shipped.log
    result = unpack(shipped, job)
    log = tmp_path / "alpha" / "error.log"
    assert result.entry is None and result.error is not None
    assert result.error.endswith(f"on {shipped.worker} (details: {log})")
    assert log.read_text(encoding="utf-8") == shipped.log
    assert sorted(p.name for p in (tmp_path / "alpha").iterdir()) == ["error.log"]


def test_a_file_that_arrives_changed_is_not_installed(tmp_path: Path) -> None:
    import hashlib

    from studio.cluster import Shipped, unpack
    from studio.manifest import OPTIONAL_FILES, REQUIRED_FILES
    from studio.render import RenderJob

    (tmp_path / "alpha").mkdir()
    job = RenderJob(clip_id="alpha", title="Alpha", kind="code", seed=0, trace_json="{}",
                    hash="0" * 64, quality="test", theme="dark", media=str(tmp_path), gif=False)
    keys = [k for k in (*REQUIRED_FILES, *OPTIONAL_FILES) if k not in ("gif", "webm")]
    files = {k: (k.encode(), hashlib.sha256(k.encode()).hexdigest()) for k in keys}
    files["mp4"] = (b"changed on the way", files["mp4"][1])
    entry = {"id": "alpha", "title": "Alpha", "hash": "0" * 64, "duration_s": 1.0,
             "width": 256, "height": 144, "files": {}}
    result = unpack(Shipped("alpha", "tcp://w", 1.0, entry=entry, files=files), job)
    assert result.entry is None and result.error is not None
    assert "mp4 arrived with another checksum" in result.error
    assert list((tmp_path / "alpha").iterdir()) == []  # its stage is gone
