"""Shared studio fixtures: a tiny lesson and one real build reused by the read-only tests."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Two elementwise clips of 1x2 tensors: the smallest real renders there are.
TINY_LESSON = """\
title = "Tiny <lesson> & friends"
seed = 3

[[clips]]
id = "alpha"
kind = "elementwise-product"
title = "Alpha: <b>bold</b> & \\"quoted\\""
tensors.features = { shape = [1, 2] }
tensors.weights = { like = "features" }
code = "features * weights"

[[clips]]
id = "beta"
kind = "elementwise-product"
title = "Beta"
seed = 11
tensors.features = { shape = [1, 2] }
tensors.weights = { like = "features" }
code = "features * weights"
"""


# The same two clips written as code clips, for tests that render through FakePool: code clips
# parse under every lesson format since they came, whichever story kinds keep their settings.
CODE_LESSON = """\
title = "Tiny <lesson> & friends"
seed = 3

[[clips]]
id = "alpha"
kind = "code"
title = "Alpha: <b>bold</b> & \\"quoted\\""
code = "y = features * weights"
tensors.features = { shape = [1, 2] }
tensors.weights = { like = "features" }

[[clips]]
id = "beta"
kind = "code"
title = "Beta"
seed = 11
code = "y = features * weights"
tensors.features = { shape = [1, 2] }
tensors.weights = { like = "features" }
"""


def code_clip_job(folder: Path, media: Path) -> dict[str, Any]:
    """The fields of a RenderJob for CODE_LESSON's clip alpha at the test quality, traced by
    torch here, rendering into ``media`` (its clip folder made)."""
    from core.lesson import parse_lesson
    from core.trace import trace_clip, trace_to_json

    lesson = parse_lesson(CODE_LESSON, str(folder / "tiny.toml"))
    clip = lesson.clip("alpha")
    (media / clip.id).mkdir(parents=True)
    return {"clip_id": clip.id, "title": clip.title, "kind": clip.kind, "seed": clip.seed,
            "trace_json": trace_to_json(trace_clip(lesson, clip.id)), "hash": "0" * 64,
            "quality": "test", "theme": "dark", "media": str(media), "gif": False,
            "webm": False}


def write_lesson(folder: Path, text: str = TINY_LESSON) -> Path:
    path = folder / "tiny.toml"
    path.write_text(text, encoding="utf-8")
    return path


def torchreel(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a new process."""
    return subprocess.run([sys.executable, "-m", "studio.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONHASHSEED": "0"})


def snapshot(media: Path) -> dict[str, bytes]:
    """Every file under media/ (but the lock) by relative path."""
    return {str(p.relative_to(media)): p.read_bytes() for p in sorted(media.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def copy_build(built: Path, dest: Path) -> Path:
    media = dest / "media"
    shutil.copytree(built / "media", media)
    shutil.copy(built / "tiny.toml", dest / "tiny.toml")
    return media


def _once(tmp_path_factory: pytest.TempPathFactory, name: str,
          make: Callable[[Path], subprocess.CompletedProcess[str]]) -> Path:
    """A folder ``name`` made once per test session even under pytest-xdist: the first worker
    runs ``make(folder)`` while holding a lock, the others wait and reuse what it made (its
    return code and output in done.json)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # every xdist worker has its own base temp
        shared = shared.parent
    folder = shared / name
    with open(shared / f"{name}.lock", "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        done = folder / "done.json"
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            result = make(folder)
            done.write_text(json.dumps({"returncode": result.returncode,
                                        "stdout": result.stdout, "stderr": result.stderr}))
    return folder


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder with tiny.toml and media/ built from it at the test quality, with a gif.

    Built once per test session (see :func:`_once`). Tests copy it before changing anything.
    """
    def make(folder: Path) -> subprocess.CompletedProcess[str]:
        lesson = write_lesson(folder)
        return torchreel("render", "--lesson", str(lesson), "--media", str(folder / "media"),
                         "--quality", "test", "--gif")

    yield _once(tmp_path_factory, "studio-built", make)


@pytest.fixture(scope="session")
def built_webm(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``built`` with its first clip (alpha) rendered again with ``--webm`` (WebM is opt-in):
    alpha has a WebM, beta has none. Built once per session, like ``built``."""
    def make(folder: Path) -> subprocess.CompletedProcess[str]:
        copy_build(built, folder)
        return torchreel("render", "alpha", "--lesson", str(folder / "tiny.toml"), "--media",
                         str(folder / "media"), "--quality", "test", "--gif", "--webm")

    yield _once(tmp_path_factory, "studio-built-webm", make)


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    """Renders go through :class:`FakePool`, and code clips count as drawable even where no
    code scene is registered (what is tested is the build's file handling, not a scene)."""
    import studio.build
    from scenes import registry

    monkeypatch.setattr(studio.build, "WorkerPool", FakePool)
    monkeypatch.setitem(registry.SCENES, "code",
                        registry.SCENES.get("code", ("scenes.base", "TraceScene")))


class FakePool:
    """A render pool that draws nothing: each clip's outputs are written in this process as
    text ``<hash>:<key>:<generation>``, through the real staging and the build's real install.

    For tests of what a build writes, moves and deletes, where a real render would only add
    seconds. Install with ``monkeypatch.setattr(studio.build, "WorkerPool", FakePool)``.
    """

    generation = "fake"

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def run(self, jobs: list[Any], on_result: Any, show: Any) -> None:
        from studio.render import RenderResult, new_stage

        for job in jobs:
            stage = new_stage(Path(job.media), job.clip_id, job.hash, job.gif)
            for key in stage.files:
                stage.path(key).write_text(f"{job.hash}:{key}:{self.generation}")
            entry = {"id": job.clip_id, "title": job.title, "hash": job.hash,
                     "duration_s": 1.0, "width": 256, "height": 144, "files": stage.files}
            on_result(RenderResult(job.clip_id, entry, None, 0.0, str(stage.folder)))

    def close(self, abort: bool = False) -> None:
        pass


def listing(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` (symlinks not followed): a file's sha256, a link's target."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out
