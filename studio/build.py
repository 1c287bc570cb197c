"""The build: lesson -> traces -> hashes -> parallel renders -> manifest and gallery."""

from __future__ import annotations

import json
import multiprocessing
import os
import queue as queue_module
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.lesson import ClipSpec, Lesson, LessonError, load_lesson
from studio.files import BuildLock
from studio.guard import (
    check_clip_dirs,
    check_media,
    fault,
    prune_sets,
    remove_temporaries,
)
from studio.hashing import FACTS, ClipInputs, clip_hash, import_closure, memoised_closures
from studio.manifest import ClipEntry, Manifest, read_manifest, write_manifest
from studio.presets import DEFAULT_QUALITY, QUALITIES
from studio.render import RenderJob, RenderResult, install_set, render_clip
from studio.traces import load_cache, save_cache, trace_key
from studio.voice import choose_voice, job_narration, narrated_hash, using_voice

__all__ = [
    "BuildOptions",
    "BuildReport",
    "ClipPlan",
    "ClipStatus",
    "build",
    "default_media_dir",
    "longest_first",
    "plan_clips",
    "refresh_traces",
]

ROOT = Path(__file__).resolve().parent.parent


def default_media_dir() -> Path:
    return ROOT / "media"


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how; the command line fills this in."""

    lesson: str | None = None
    clips: tuple[str, ...] = ()
    quality: str = DEFAULT_QUALITY
    theme: str = "dark"
    jobs: int = 0  # 0: one per core
    force: bool = False
    gif: bool = False
    webm: bool = False  # a WebM beside each MP4 (opt-in: it costs as much CPU as the MP4)
    preview: bool = False  # storyboards of an edit's clips before their videos (watch)
    voice: str | None = None  # "joe" or "none"; None: the lesson's, else joe when installed
    media: Path = field(default_factory=default_media_dir)
    scheduler: str | None = None  # a Dask scheduler address or "local:N" (studio.cluster)
    cache: Path | None = None  # a shared store of rendered clips (studio.cache)


@dataclass
class ClipPlan:
    """One requested clip: its hash (when it can be drawn) and whether it needs a render."""

    clip: ClipSpec
    hash: str | None = None
    trace_json: str | None = None
    problem: str | None = None  # cannot be rendered at all (no scene, trace failed)
    reason: str | None = None  # why it needs rendering; None when up to date
    traced: bool = False  # trace_json came from torch in this build, not from the trace cache


@dataclass
class ClipStatus:
    clip_id: str
    title: str
    state: str  # "up to date", "rendered", "failed", "no scene"
    detail: str = ""
    seconds: float = 0.0
    duration_s: float | None = None


@dataclass
class BuildReport:
    statuses: list[ClipStatus]
    rendered: list[str]
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return all(s.state in ("up to date", "rendered") for s in self.statuses)


def _selected(lesson: Lesson, clip_ids: tuple[str, ...]) -> list[ClipSpec]:
    # Refuse unknown ids (a LessonError naming the file) before any work.
    return [lesson.clip(i) for i in clip_ids] if clip_ids else list(lesson.clips)


def plan_clips(lesson: Lesson, clip_ids: tuple[str, ...], quality: str, theme: str,
               cache: dict[str, dict[str, str]] | None = None,
               trace_misses: bool = True) -> list[ClipPlan]:
    """Trace and hash every requested clip (never imports manim).

    With a trace ``cache`` (see :mod:`studio.traces`), a clip whose spec, core/ and torch are
    unchanged reuses its last trace, so a build with nothing to do never imports torch either.
    """
    from scenes.registry import SCENES

    plans = []
    for clip in _selected(lesson, clip_ids):
        plan = ClipPlan(clip)
        plans.append(plan)
        if clip.kind not in SCENES:
            plan.problem = f"no scene yet for kind {clip.kind!r} (scenes/registry.py)"
            continue
        key = trace_key(lesson, clip)
        cached = (cache or {}).get(clip.id)
        if cached is not None and cached["key"] == key:
            plan.trace_json = cached["trace"]
        elif not trace_misses:
            continue  # left for trace_missing(): hash None, so it counts as out of date
        else:
            _trace(lesson, plan)
            if plan.trace_json is None:
                continue
            if cache is not None:
                cache[clip.id] = {"key": key, "trace": plan.trace_json}
        plan.hash = _hash(plan, quality, theme)
    return plans


def trace_missing(lesson: Lesson, plans: list[ClipPlan], quality: str, theme: str,
                  cache: dict[str, dict[str, str]]) -> None:
    """Trace (with torch) the clips :func:`plan_clips` left untraced, and hash them."""
    for plan in plans:
        if plan.problem is None and plan.trace_json is None:
            _trace(lesson, plan)
            if plan.trace_json is not None:
                cache[plan.clip.id] = {"key": trace_key(lesson, plan.clip),
                                       "trace": plan.trace_json}
                plan.hash = _hash(plan, quality, theme)


def _trace(lesson: Lesson, plan: ClipPlan) -> None:
    from core.trace import trace_clip, trace_to_json

    try:
        plan.trace_json = trace_to_json(trace_clip(lesson, plan.clip.id))
        plan.traced = True
    except LessonError:
        raise
    except Exception as exc:  # a bug in core: report it as this clip's failure
        plan.problem = f"tracing failed: {type(exc).__name__}: {exc}"


def _hash(plan: ClipPlan, quality: str, theme: str) -> str:
    from scenes.registry import SCENES

    module, cls = SCENES[plan.clip.kind]
    assert plan.trace_json is not None
    inputs = ClipInputs(clip_id=plan.clip.id, scene=f"{module}:{cls}",
                        modules=tuple(import_closure(module)), trace_json=plan.trace_json,
                        quality=quality, theme=theme)
    return narrated_hash(clip_hash(inputs), plan.clip)


def refresh_traces(lesson: Lesson, plans: list[ClipPlan], quality: str, theme: str) -> None:
    """Trace the clips about to render afresh, so what they draw comes from this run of torch
    (a clip already traced by this build is not traced twice)."""
    for plan in plans:
        if plan.traced:
            continue
        _trace(lesson, plan)
        if plan.problem is None:
            plan.hash = _hash(plan, quality, theme)


def _stale_reason(plan: ClipPlan, entry: ClipEntry | None, media: Path, gif: bool,
                  force: bool, webm: bool = False) -> str | None:
    if force:
        return "forced"
    if entry is None:
        return "not built yet"
    if entry.hash != plan.hash:
        return "inputs changed"
    missing = entry.missing_files(media)
    if missing:
        return f"missing {', '.join(missing)}"
    if "storyboard" not in entry.files:
        return "no storyboard"
    if "chapters" not in entry.files:
        return "no chapters"
    if gif and "gif" not in entry.files:
        return "gif requested"
    if webm and "webm" not in entry.files:
        return "webm requested"
    return None


def mark_stale(plans: list[ClipPlan], manifest: Manifest, media: Path, gif: bool,
               force: bool, webm: bool = False) -> None:
    for plan in plans:
        if plan.problem is None:
            plan.reason = _stale_reason(plan, manifest.clips.get(plan.clip.id), media, gif,
                                        force, webm)


def longest_first(plans: list[ClipPlan], manifest: Manifest) -> list[ClipPlan]:
    """Render order for balanced workers: longest clips first, by their last build's length.

    A clip never built yet may be long, so it goes first; among those, the one whose trace
    has the most operations first (a clip plays one visual per operation: in the default
    lesson, the order of op counts is the order of lengths). Ties keep lesson order. Started
    last, a long clip would keep one worker busy while the others sit idle.
    """
    def length(plan: ClipPlan) -> tuple[float, int]:
        entry = manifest.clips.get(plan.clip.id)
        if entry is not None:
            return entry.duration_s, 0
        return float("inf"), _op_count(plan.trace_json)

    return sorted(plans, key=length, reverse=True)


def _op_count(trace_json: str | None) -> int:
    """How many operations a trace records (0 for a trace without a program, or none)."""
    if not trace_json:
        return 0
    data = json.loads(trace_json)
    program = data.get("program", data)
    ops = program.get("ops") if isinstance(program, dict) else None
    return len(ops) if isinstance(ops, list) else 0


# Worker side: one process renders many clips, so manim loads once per worker. Torch never
# does: a worker draws from trace records (tests/studio/test_worker.py).

_progress_queue: Any = None


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the build process dies (e.g. SIGKILL)."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _init_worker(progress_queue: Any, parent: int) -> None:
    global _progress_queue
    _die_with_parent()
    if os.getppid() != parent:  # the build died before prctl took effect
        os._exit(1)
    _progress_queue = progress_queue
    import manim  # noqa: F401 - loaded once here, not once per clip


def _report(clip_id: str, frames: int) -> None:
    if _progress_queue is not None:
        _progress_queue.put((clip_id, frames))


def _warm() -> None:
    """Nothing: the initializer has done the imports by the time this runs."""


def _work(job: RenderJob) -> RenderResult:
    return render_clip(job, _report)


class _Progress:
    """Rich progress bars on stderr: one per clip being rendered and one overall."""

    def __init__(self, plans: list[ClipPlan], manifest: Manifest, fps: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bars = Progress(TextColumn("{task.description}"), BarColumn(),
                             MofNCompleteColumn(), TimeElapsedColumn(),
                             console=Console(stderr=True), transient=False)
        self.total = self.bars.add_task("clips", total=len(plans))
        self.tasks = {}
        self.hosts: dict[str, str] = {}
        for plan in plans:
            old = manifest.clips.get(plan.clip.id)
            # Frame totals are known only after a first render; until then the bar is a pulse.
            expected = round(old.duration_s * fps) if old else None
            self.tasks[plan.clip.id] = self.bars.add_task(f"  {plan.clip.id}", total=expected,
                                                          start=False)

    def __enter__(self) -> _Progress:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()

    def frames(self, clip_id: str, count: int) -> None:
        task = self.tasks[clip_id]
        self.bars.start_task(task)
        self.bars.update(task, completed=count)

    def where(self, clip_id: str, worker: str) -> None:
        """Name the cluster worker (or the cache) a clip is coming from."""
        self.hosts[clip_id] = worker
        self.bars.update(self.tasks[clip_id], description=f"  {clip_id} on {worker}")

    def done(self, clip_id: str, ok: bool) -> None:
        task = self.tasks[clip_id]
        self.bars.start_task(task)
        frames = next(t for t in self.bars.tasks if t.id == task).completed or 1
        host = f" on {self.hosts[clip_id]}" if clip_id in self.hosts else ""
        self.bars.update(task, total=frames, completed=frames,
                         description=f"  {clip_id}{host} {'done' if ok else 'FAILED'}")
        self.bars.advance(self.total)


class WorkerPool:
    """Render workers, started early so their imports overlap the build's own tracing."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        context = multiprocessing.get_context("spawn")
        self.progress: Any = context.Queue()
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                            initializer=_init_worker,
                                            initargs=(self.progress, os.getpid()))
        # Each submit starts at most one process: one warm-up task per worker starts them all.
        for _ in range(workers):
            self.executor.submit(_warm)

    def run(self, jobs: list[RenderJob], on_result: Any, show: _Progress) -> None:
        pending: dict[Future[RenderResult], RenderJob] = {
            self.executor.submit(_work, j): j for j in jobs}
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            while True:
                try:
                    clip_id, frames = self.progress.get_nowait()
                except queue_module.Empty:
                    break
                show.frames(clip_id, frames)
            for future in done:
                job = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    result = RenderResult(job.clip_id, None, "the worker process died", 0.0)
                except Exception as exc:
                    result = RenderResult(job.clip_id, None, f"{type(exc).__name__}: {exc}",
                                          0.0)
                on_result(result)

    def close(self, abort: bool = False) -> None:
        """Stop the workers: after their current clip, or at once (``abort``, e.g. Ctrl-C)."""
        if abort:
            # Their staged files are removed by the next build; final names are untouched.
            for process in list(getattr(self.executor, "_processes", {}).values()):
                process.terminate()
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.progress.close()


def build(options: BuildOptions, log: Any = None) -> BuildReport:
    """Render what is out of date; never raises for one clip's failure (see the report).

    Raises :class:`LessonError` for bad lesson input and :class:`MediaError` when media/ cannot
    be written (a symlink, a file, read-only, full), each before or instead of a traceback.
    """
    log = log if log is not None else sys.stderr
    lesson = load_lesson(options.lesson)
    media = options.media.resolve()
    voice, note = choose_voice(options.voice, lesson)
    if note is not None:
        print(f"torchreel: {note}", file=log)
    try:
        with memoised_closures(media / FACTS), using_voice(voice):
            return _build(options, lesson, media, log)
    except OSError as exc:
        raise fault(exc, media) from None


def _build(options: BuildOptions, lesson: Lesson, media: Path, log: Any) -> BuildReport:
    # Every refusal comes before the first write, so a refused build changes nothing.
    check_media(media)
    check_clip_dirs(media, [c.id for c in _selected(lesson, options.clips)])
    cache = load_cache(media)
    cached_before = json.dumps(cache, sort_keys=True)
    # With a shared --cache, trace now: a clip the cache holds then starts no render worker.
    plans = plan_clips(lesson, options.clips, options.quality, options.theme, cache,
                       trace_misses=options.cache is not None)
    # A first look without the lock: if anything may need rendering, start the workers now,
    # so they import manim while this process traces and waits for the lock.
    mark_stale(plans, read_manifest(media), media, options.gif, options.force, options.webm)
    store = None
    if options.cache is not None:
        from studio.cache import open_cache

        store = open_cache(options.cache)
    likely = sum(p.problem is None and p.reason is not None
                 and not (store is not None and store.has(p.hash, options.gif, options.webm))
                 for p in plans)
    pool = _pool(options, likely) if likely else None
    try:
        report = _build_locked(options, lesson, media, plans, cache, cached_before, pool, log,
                               store)
    except BaseException:
        if pool is not None:
            pool.close(abort=True)
        raise
    if pool is not None:
        pool.close()
    return report


def _pool(options: BuildOptions, jobs: int) -> Any:
    """This machine's worker processes, or the Dask cluster of ``--scheduler``."""
    if options.scheduler is not None:
        from studio.cluster import ClusterPool

        return ClusterPool(options.scheduler)
    return WorkerPool(min(options.jobs or os.cpu_count() or 1, jobs))


def _build_locked(options: BuildOptions, lesson: Lesson, media: Path, plans: list[ClipPlan],
                  cache: dict[str, dict[str, str]], cached_before: str,
                  pool: Any, log: Any, store: Any = None) -> BuildReport:
    quality = QUALITIES[options.quality]
    trace_missing(lesson, plans, options.quality, options.theme, cache)
    order = [c.id for c in lesson.clips]
    statuses: dict[str, ClipStatus] = {}
    rendered: list[str] = []
    with BuildLock(media, log):
        remove_temporaries(media, order)
        manifest = read_manifest(media)
        for warning in manifest.warnings:
            print(f"torchreel: warning: {warning}", file=log)
        mark_stale(plans, manifest, media, options.gif, options.force, options.webm)
        todo = [p for p in plans if p.problem is None and p.reason is not None]
        refresh_traces(lesson, todo, options.quality, options.theme)
        todo = [p for p in todo if p.problem is None]
        if options.preview and todo:
            from studio.preview import preview_clips

            preview_clips(media, todo, options.quality, options.theme, log)
        for plan in todo:
            cache[plan.clip.id] = {"key": trace_key(lesson, plan.clip),
                                   "trace": plan.trace_json or ""}
        if json.dumps(cache, sort_keys=True) != cached_before:
            save_cache(media, cache)
        for plan in plans:
            c = plan.clip
            if plan.problem is not None:
                state = "no scene" if plan.problem.startswith("no scene yet") else "failed"
                statuses[c.id] = ClipStatus(c.id, c.title, state, plan.problem)
            elif plan.reason is None:
                entry = manifest.clips[c.id]
                statuses[c.id] = ClipStatus(c.id, c.title, "up to date",
                                            duration_s=entry.duration_s)
        if not todo:
            print(f"torchreel: nothing to render: {len(statuses)} clip(s) checked, "
                  f"{sum(s.state == 'up to date' for s in statuses.values())} up to date",
                  file=log)
        else:
            for plan in todo:
                (media / plan.clip.id).mkdir(exist_ok=True)
            jobs = [RenderJob(clip_id=p.clip.id, title=p.clip.title, kind=p.clip.kind,
                              seed=p.clip.seed, trace_json=p.trace_json or "",
                              hash=p.hash or "", quality=options.quality, theme=options.theme,
                              media=str(media), gif=options.gif, webm=options.webm,
                              **job_narration(p.clip))
                    for p in longest_first(todo, manifest)]
            own = None
            with _Progress(todo, manifest, quality.fps) as show:

                def on_result(result: RenderResult) -> None:
                    clip = lesson.clip(result.clip_id)
                    if result.entry is not None and result.stage is not None:
                        entry = ClipEntry(**result.entry)
                        # The new set appears in one rename under a fresh name, and one
                        # manifest write switches the clip from the old set to it: a kill at
                        # any moment leaves the whole old set or the whole new one in use.
                        install_set(media, result.entry, result.stage)
                        manifest.clips[entry.id] = entry
                        write_manifest(media, manifest, order)
                        rendered.append(entry.id)
                        statuses[clip.id] = ClipStatus(
                            clip.id, clip.title, "rendered",
                            "copied from cache" if result.where == "cache" else result.where,
                            seconds=result.seconds, duration_s=entry.duration_s)
                        if store is not None and result.where != "cache":
                            store.keep(media, result.entry, options.gif)
                    else:
                        statuses[clip.id] = ClipStatus(clip.id, clip.title, "failed",
                                                       result.error or "", result.seconds)
                    if result.where:
                        show.where(result.clip_id, result.where)
                    show.done(result.clip_id, result.entry is not None)

                if store is not None:
                    jobs = store.serve(jobs, media, on_result)
                    for warning in store.warnings:
                        print(f"torchreel: warning: {warning}", file=log)
                if jobs and pool is None:  # the first look saw nothing to do; another build
                    pool = own = _pool(options, len(jobs))  # undid that, or the cache failed
                if jobs:
                    print(f"torchreel: rendering {len(jobs)} clip(s) at {options.quality} "
                          f"({quality.width}x{quality.height}, {quality.fps} fps) with "
                          f"{pool.workers} worker(s)", file=log)
                try:
                    if jobs:
                        pool.run(jobs, on_result, show)
                except BaseException:
                    if own is not None:
                        own.close(abort=True)
                    raise
                if own is not None:
                    own.close()
        write_manifest(media, manifest, order)
        from studio.gallery import write_gallery

        write_gallery(media, manifest, order, lesson.title, options.theme)
        # Only now may the sets the manifest stopped naming go: the gallery no longer names them.
        prune_sets(media, {i: {manifest.clips[i].set_name} if i in manifest.clips else set()
                           for i in order})
    ordered = [statuses[p.clip.id] for p in plans]
    return BuildReport(ordered, rendered, manifest.warnings)


def print_summary(report: BuildReport, started: float, out: Any = None) -> None:
    """The table at the end of a build."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="torchreel build")
    for column in ("clip", "status", "length", "render time", "detail"):
        table.add_column(column)
    for s in report.statuses:
        table.add_row(s.clip_id, s.state,
                      f"{s.duration_s:.1f} s" if s.duration_s is not None else "",
                      f"{s.seconds:.1f} s" if s.seconds else "", s.detail)
    console = Console(file=out or sys.stdout, width=140)
    console.print(table)
    console.print(f"{len(report.rendered)} rendered, "
                  f"{sum(s.state == 'up to date' for s in report.statuses)} already up to date, "
                  f"{sum(s.state not in ('up to date', 'rendered') for s in report.statuses)} "
                  f"not built, in {time.monotonic() - started:.1f} s")
