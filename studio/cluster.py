"""Rendering on a Dask cluster: one task per clip, its files shipped back as bytes with checksums.

A task gets the clip's :class:`~studio.render.RenderJob` (the trace JSON and the options), renders
it with :func:`studio.render.render_clip` into a private folder on the worker and returns every
output file as bytes with its SHA-256. The client checks the sums, writes the files into a fresh
stage in media/ and hands the result to the build's own install step, so the lock, the manifest
and the gallery keep the guarantees of a local build. A worker that dies mid-clip is Dask's to
handle: the scheduler gives the task to another worker (``distributed.scheduler.allowed-failures``
tries); a clip that fails on every try is reported like a local failure.

manim keeps one global config per process, so a worker process renders one clip at a time
(``--nthreads 1``; a lock here makes sure of it on a worker started with more threads).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import logging
import os
import queue
import re
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from studio.render import RenderJob, RenderResult, new_stage

__all__ = [
    "ClusterError",
    "ClusterPool",
    "Shipped",
    "job_versions",
    "render_on_worker",
    "scheduler_arg",
    "worker_versions",
]

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "torchreel-progress"
# How long to wait for a scheduler to answer, and for a first worker to join it.
CONNECT_TIMEOUT_S = 10
WORKER_WAIT_S = 60
LOCAL = re.compile(r"local:([0-9]{1,2})")
MAX_LOCAL_WORKERS = 64


class ClusterError(Exception):
    """The cluster cannot take the build (unreachable, no workers, other versions): one line,
    exit 2, raised before the build writes anything."""

    status = 2


def scheduler_arg(text: str) -> str:
    """--scheduler: ``local:N`` (1..64 worker processes here) or a scheduler address."""
    match = LOCAL.fullmatch(text)
    if match is not None:
        if not 1 <= int(match.group(1)) <= MAX_LOCAL_WORKERS:
            raise argparse.ArgumentTypeError(
                f"expected local:N with N from 1 to {MAX_LOCAL_WORKERS}, found {text!r}")
        return text
    if text.startswith("local") or not re.fullmatch(r"([a-z]+://)?[^\s/]+:[0-9]+", text):
        raise argparse.ArgumentTypeError(
            f"expected a scheduler address such as tcp://HOST:8786, or local:N, found {text!r}")
    return text


@cache
def _source_digest() -> str:
    """What this checkout's code is: a worker running other scene code would draw other frames."""
    digest = hashlib.sha256()
    for package in ("core", "scenes", "studio"):
        for path in sorted((ROOT / package).rglob("*.py")):
            digest.update(f"{path.relative_to(ROOT)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def worker_versions() -> dict[str, str]:
    """The versions a clip's hash assumes: torchreel (with its sources), manim and torch."""
    return {"torchreel": f"{metadata.version('torchreel')} (sources {_source_digest()})",
            "manim": metadata.version("manim"), "torch": metadata.version("torch")}


def job_versions(job: RenderJob) -> dict[str, str]:
    """:func:`worker_versions`, plus the voice engine when the clip is narrated (its hash
    covers the engine, so a worker with another piper or voice would not draw the same clip)."""
    versions = worker_versions()
    voice = getattr(job, "voice", "none")
    if voice != "none":
        from studio.voice import engine_id

        versions["voice"] = engine_id(voice)
    return versions


def _report_versions() -> dict[str, str]:
    """Run on each worker by the client: what that worker would render with."""
    return worker_versions()


def _warm() -> None:
    """Run on each worker on connect: import the renderer in the background, so the first clip
    does not pay for it (a thread, so the worker keeps answering its scheduler meanwhile)."""

    def imports() -> None:
        import manim  # noqa: F401

        import studio.render  # noqa: F401

    threading.Thread(target=imports, daemon=True).start()


def _versions_text(versions: dict[str, str]) -> str:
    return ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))


def mismatch(worker: str, theirs: dict[str, str], ours: dict[str, str]) -> str:
    return (f"worker {worker} runs {_versions_text(theirs)}, but this build runs "
            f"{_versions_text(ours)}; refusing it (the clips' hashes would not describe its "
            f"frames): install the same torchreel, manim and torch on every worker")


@dataclass(frozen=True)
class Shipped:
    """What a task sends back: the entry and every file as (bytes, sha256), or an error."""

    clip_id: str
    worker: str
    seconds: float
    entry: dict[str, Any] | None = None
    files: dict[str, tuple[bytes, str]] = dataclasses.field(default_factory=dict)
    error: str | None = None
    log: str | None = None  # the traceback of a failed render


class VersionMismatch(Exception):
    """Raised in a task on a worker whose versions differ from the client's."""


_one_clip_at_a_time = threading.Lock()


def render_on_worker(job: RenderJob, versions: dict[str, str]) -> Shipped:
    """The task: render ``job`` in a private folder on this worker and ship its files back."""
    from distributed import get_worker

    from studio.render import render_clip

    worker = get_worker()
    name = str(worker.address)
    mine = job_versions(job)
    if mine != versions:
        raise VersionMismatch(mismatch(name, mine, versions))

    def progress(clip_id: str, frames: int) -> None:
        worker.log_event(TOPIC, {"clip": clip_id, "frames": frames, "worker": name})

    with _one_clip_at_a_time, tempfile.TemporaryDirectory(
            prefix="torchreel-", dir=worker.local_directory) as private:
        media = Path(private)
        (media / job.clip_id).mkdir()
        progress(job.clip_id, 0)
        result = render_clip(dataclasses.replace(job, media=str(media)), progress)
        if result.entry is None or result.stage is None:
            log = media / job.clip_id / "error.log"
            error = (result.error or "").split(" (details: ")[0]
            return Shipped(job.clip_id, name, result.seconds, error=error,
                           log=log.read_text(encoding="utf-8") if log.is_file() else None)
        stage = Path(result.stage)
        files = {}
        for key, rel in result.entry["files"].items():
            data = (stage / Path(rel).name).read_bytes()
            files[key] = (data, hashlib.sha256(data).hexdigest())
        return Shipped(job.clip_id, name, result.seconds, entry=result.entry, files=files)


def _write_new(path: Path, data: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def unpack(shipped: Shipped, job: RenderJob) -> RenderResult:
    """Write a task's files into a fresh stage in media/: a result the build installs as its own."""
    from studio.files import atomic_write_text

    media = Path(job.media)
    if shipped.entry is None:
        log = media / job.clip_id / "error.log"
        detail = ""
        if shipped.log is not None:
            atomic_write_text(log, shipped.log)
            detail = f" (details: {log})"
        return RenderResult(job.clip_id, None, f"{shipped.error} on {shipped.worker}{detail}",
                            shipped.seconds, where=shipped.worker)
    stage = new_stage(media, job.clip_id, job.hash, job.gif, job.webm)
    try:
        if set(shipped.files) != set(stage.files):
            raise ValueError(f"the worker sent {sorted(shipped.files)}, not "
                             f"{sorted(stage.files)}")
        for key, (data, digest) in shipped.files.items():
            if hashlib.sha256(data).hexdigest() != digest:
                raise ValueError(f"{key} arrived with another checksum than it left with")
            _write_new(stage.path(key), data)
        descriptor = os.open(stage.folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except ValueError as exc:
        import shutil

        shutil.rmtree(stage.folder, ignore_errors=True)
        return RenderResult(job.clip_id, None, f"{exc} ({shipped.worker})", shipped.seconds,
                            where=shipped.worker)
    except BaseException:
        import shutil

        shutil.rmtree(stage.folder, ignore_errors=True)
        raise
    entry = {**shipped.entry, "files": stage.files}
    return RenderResult(job.clip_id, entry, None, shipped.seconds, str(stage.folder),
                        where=shipped.worker)


class ClusterPool:
    """The build's render pool on a Dask cluster: same ``run``/``close`` as the local pool.

    ``scheduler`` is a scheduler address (``tcp://HOST:8786``) or ``local:N``, which starts a
    ``LocalCluster`` of N single-threaded worker processes here.
    """

    def __init__(self, scheduler: str) -> None:
        from distributed import Client, LocalCluster

        self.scheduler = scheduler
        self.cluster: Any = None
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.install_s = 0.0
        self.shipped_bytes = 0
        self.installed = 0
        self.pending: list[Any] = []
        logging.getLogger("distributed").setLevel(logging.ERROR)
        local = LOCAL.fullmatch(scheduler)
        try:
            if local is not None:
                import dask

                # Dask samples every task's stack 100 times a second for its dashboard; a clip
                # is one opaque task, so that only costs CPU (about a quarter of the cluster
                # path's overhead, measured with bench/cluster.py).
                dask.config.set({"distributed.worker.profile.enabled": False})
                self.cluster = LocalCluster(n_workers=int(local.group(1)), threads_per_worker=1,
                                            processes=True, dashboard_address=None,
                                            silence_logs=logging.ERROR)
                self.client = Client(self.cluster, timeout=CONNECT_TIMEOUT_S)
            else:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            self._stop()
            raise ClusterError(f"--scheduler {scheduler}: cannot reach the Dask scheduler "
                               f"({' '.join(str(exc).split())})") from None
        try:
            self.workers = self._check_workers()
            self.client.subscribe_topic(TOPIC, lambda event: self.events.put(event[1]))
        except BaseException:
            self.close(abort=True)
            raise

    def _check_workers(self) -> int:
        try:
            self.client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            raise ClusterError(f"--scheduler {self.scheduler}: no worker joined the scheduler "
                               f"in {WORKER_WAIT_S} s (start one with `dask worker "
                               f"{self.scheduler} --nthreads 1`)") from None
        ours = worker_versions()
        for address, theirs in sorted(self.client.run(_report_versions).items()):
            if theirs != ours:
                raise ClusterError(mismatch(address, theirs, ours))
        self.client.run(_warm)
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def _drain(self, show: Any, where: dict[str, str]) -> None:
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return
            clip_id, worker = event["clip"], event["worker"]
            if where.get(clip_id) != worker:
                where[clip_id] = worker
                show.where(clip_id, worker)
            show.frames(clip_id, event["frames"])

    def run(self, jobs: list[RenderJob], on_result: Any, show: Any) -> None:
        from distributed import KilledWorker

        pending = {self.client.submit(render_on_worker, job, job_versions(job),
                                      key=f"torchreel-{job.clip_id}-{uuid.uuid4().hex}",
                                      pure=False): job for job in jobs}
        self.pending = list(pending)
        where: dict[str, str] = {}
        try:
            while pending:
                self._drain(show, where)
                finished = [f for f in pending if f.status != "pending"]
                if not finished:
                    time.sleep(0.1)
                    continue
                for future in finished:
                    job = pending.pop(future)
                    try:
                        shipped: Shipped = future.result()
                    except KilledWorker:
                        result = RenderResult(job.clip_id, None, "every worker that tried "
                                              "this clip died (Dask's allowed-failures)", 0.0)
                    except Exception as exc:
                        message = " ".join(f"{type(exc).__name__}: {exc}".split())
                        result = RenderResult(job.clip_id, None, message, 0.0)
                    else:
                        start = time.monotonic()
                        self.shipped_bytes += sum(len(d) for d, _ in shipped.files.values())
                        result = unpack(shipped, job)
                        on_result(result)
                        self.install_s += time.monotonic() - start
                        self.installed += result.entry is not None
                        continue
                    on_result(result)
                    self._drain(show, where)
        except BaseException:
            # Ctrl-C or a fault here: the cluster's tasks for this build stop too.
            self.client.cancel(list(pending), force=True)
            raise
        if self.installed:
            print(f"torchreel: cluster: {self.installed} clip(s) from {self.scheduler}, "
                  f"{self.shipped_bytes / 1e6:.1f} MB shipped; client install "
                  f"{self.install_s:.2f} s in all, "
                  f"{1000 * self.install_s / self.installed:.0f} ms per clip",
                  file=sys.stderr)

    def _stop(self) -> None:
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def close(self, abort: bool = False) -> None:
        """Disconnect (and stop a ``local:N`` cluster); with ``abort``, cancel what is queued."""
        client = getattr(self, "client", None)
        if client is not None:
            if abort and self.pending:
                client.cancel(self.pending, force=True)
            client.close()
        self._stop()
