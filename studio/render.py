"""One clip, rendered once in a worker process and written out in every format atomically."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.files import atomic_write_text, fsync_path
from studio.manifest import OPTIONAL_FILES, REQUIRED_FILES, clip_files

__all__ = [
    "RenderJob",
    "RenderResult",
    "Stage",
    "install_set",
    "new_stage",
    "render_clip",
]


@dataclass(frozen=True)
class RenderJob:
    """Everything a worker needs: no lesson parsing or torch calls happen in the worker."""

    clip_id: str
    title: str
    kind: str
    seed: int
    trace_json: str
    hash: str
    quality: str
    theme: str
    media: str
    gif: bool
    webm: bool = False  # also a WebM (VP9) beside the MP4 (--webm)
    # Narration (studio/voice.py): "none" renders a silent clip, as before narration came.
    voice: str = "none"
    speak: tuple[tuple[str, str], ...] = ()  # step number or name -> the words to say
    audio_dir: str | None = None  # a lecturer's recordings, one file per step


@dataclass(frozen=True)
class RenderResult:
    clip_id: str
    entry: dict[str, Any] | None
    error: str | None
    seconds: float
    stage: str | None = None  # the finished set's private folder, renamed into place on install
    where: str = ""  # who made it when not this machine's pool: a cluster worker, "cache"


@dataclass(frozen=True)
class Stage:
    """A private folder (``.stage-*`` in the clip's folder) where one set of outputs is written
    under its final names before one rename makes it the set folder ``set_name``."""

    folder: Path
    set_name: str
    files: dict[str, str]  # output key -> path relative to media/ once installed

    def path(self, key: str) -> Path:
        return self.folder / Path(self.files[key]).name


def new_stage(media: Path, clip_id: str, digest: str, gif: bool, webm: bool = False) -> Stage:
    folder = Path(tempfile.mkdtemp(prefix=".stage-", dir=media / clip_id))
    # mkdtemp makes folders private; the set is served to browsers once installed.
    os.chmod(folder, 0o755)
    wanted = {"gif": gif, "webm": webm}
    keys = [k for k in (*REQUIRED_FILES, *OPTIONAL_FILES) if wanted.get(k, True)]
    set_name = f"{digest[:16]}-{secrets.token_hex(4)}"
    return Stage(folder, set_name, clip_files(clip_id, set_name, keys))


def whole_frames(sink: Callable[[Any, int], None]) -> Callable[..., None]:
    """A sink for :func:`_writer_class` that gives ``sink`` every frame whole, bands applied
    (a new array each time: for tests and the benchmark, where a copy costs nothing)."""
    frame: list[Any] = []

    def apply(pixels: Any, repeat: int, rows: tuple[int, int] | None = None) -> None:
        if rows is None:
            frame[:] = [pixels.copy()]
        else:
            frame[0] = frame[0].copy()
            frame[0][rows[0]:rows[1]] = pixels
        sink(frame[0], repeat)

    return apply


def _writer_class(sink: Any) -> type[Any]:
    """A Manim file writer that hands every frame to ``sink(pixels, repeat, rows)`` and writes
    no files itself. ``rows`` is None when ``pixels`` is the whole frame, or ``(top, bottom)``
    when they are only those rows and the rest is as in the frame before (StillLayerRenderer's
    bands: see :func:`whole_frames` for a sink that wants whole frames)."""
    from manim.scene.scene_file_writer import SceneFileWriter

    class StreamingFileWriter(SceneFileWriter):
        def begin_animation(self, allow_write: bool = False, **kwargs: Any) -> None:
            pass

        def end_animation(self, allow_write: bool = False) -> None:
            pass

        takes_rows = True  # StillLayerRenderer may hand over only the rows that changed

        def write_frame(self, pixels: Any, *, repeat: int = 1,
                        rows: tuple[int, int] | None = None) -> None:
            sink(pixels, repeat, rows)

        def is_already_cached(self, hash_invocation: str) -> bool:
            return False

        def finish(self) -> None:
            pass

    return StreamingFileWriter


def _render(job: RenderJob, progress: Callable[[str, int], None] | None
            ) -> tuple[dict[str, Any], str]:
    from manim import tempconfig

    from core.trace import trace_from_json
    from scenes.fastcairo import PathReplayCamera, StillLayerRenderer
    from scenes.registry import scene_class
    from scenes.theme import THEMES
    from studio.captions import chapters, chapters_text, srt_text, vtt_text
    from studio.encode import Encoders, add_audio
    from studio.jsontext import standard_json
    from studio.presets import QUALITIES
    from studio.storyboard import contact_sheet
    from studio.voice import SAMPLE_RATE, narrator_for

    quality = QUALITIES[job.quality]
    media = Path(job.media)
    narrator = narrator_for(job.voice, media, job.speak, job.audio_dir)
    stage = new_stage(media, job.clip_id, job.hash, job.gif, job.webm)
    scratch = Path(tempfile.mkdtemp(prefix=".render-", dir=media / job.clip_id))
    done = False
    try:
        encoders = Encoders(quality.width, quality.height, quality.fps, stage.path("mp4"),
                            stage.path("webm") if job.webm else None,
                            stage.path("gif") if job.gif else None)
        last_report = [0.0]

        def sink(pixels: Any, repeat: int, rows: tuple[int, int] | None) -> None:
            encoders.write(pixels, repeat, rows)
            now = time.monotonic()
            if progress is not None and now - last_report[0] > 0.25:
                last_report[0] = now
                progress(job.clip_id, encoders.frames)

        options = {
            "pixel_width": quality.width, "pixel_height": quality.height,
            "frame_rate": quality.fps, "disable_caching": True, "write_to_movie": True,
            "format": "mp4", "save_sections": False, "preview": False,
            "media_dir": str(scratch / "manim"), "verbosity": "ERROR",
            "progress_bar": "none", "renderer": "cairo",
        }
        trace = trace_from_json(job.trace_json)
        with tempconfig(options):
            renderer = StillLayerRenderer(file_writer_class=_writer_class(sink),
                                          camera_class=PathReplayCamera)
            scene = scene_class(job.kind)(trace=trace, theme=THEMES[job.theme],
                                          renderer=renderer, random_seed=job.seed)
            scene.storyboard_dir = str(scratch / "steps")
            scene.narrator = narrator
            scene.render()
        encoders.close(stage.path("poster"))
        steps = list(scene.steps)
        if narrator is not None:
            track = narrator.track([s.start for s in steps], encoders.duration_s)
            add_audio(stage.path("mp4"), track, SAMPLE_RATE)
            if job.webm:
                add_audio(stage.path("webm"), track, SAMPLE_RATE)
        stage.path("vtt").write_text(vtt_text(steps), encoding="utf-8")
        stage.path("srt").write_text(srt_text(steps), encoding="utf-8")
        marks = chapters(steps, encoders.duration_s)
        stage.path("chapters").write_text(chapters_text(marks), encoding="utf-8")
        stage.path("trace").write_text(standard_json(job.trace_json) + "\n", encoding="utf-8")
        frames = sorted((scratch / "steps").glob("*.png"))
        contact_sheet(frames, [s.caption for s in steps], job.title, stage.path("storyboard"))
        for key in stage.files:
            fsync_path(stage.path(key))
        fsync_path(stage.folder)
        if progress is not None:
            progress(job.clip_id, encoders.frames)
        entry = {"id": job.clip_id, "title": job.title, "hash": job.hash,
                 "duration_s": round(encoders.duration_s, 6), "width": quality.width,
                 "height": quality.height, "files": stage.files,
                 "steps": tuple(tuple(m) for m in marks)}
        done = True
        return entry, str(stage.folder)
    finally:
        if not done:
            shutil.rmtree(stage.folder, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


def render_clip(job: RenderJob,
                progress: Callable[[str, int], None] | None = None) -> RenderResult:
    """Render one clip; a failure is returned (one line, full log on disk), never raised."""
    start = time.monotonic()
    try:
        entry, stage = _render(job, progress)
    except Exception as exc:  # one clip failing must not stop the others
        log = Path(job.media) / job.clip_id / "error.log"
        # Replaced, never written through: a planted error.log symlink leads nowhere.
        with contextlib.suppress(OSError):
            atomic_write_text(log, traceback.format_exc())
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        return RenderResult(job.clip_id, None, f"{message} (details: {log})",
                            time.monotonic() - start)
    return RenderResult(job.clip_id, entry, None, time.monotonic() - start, stage)


def install_set(media: Path, entry: dict[str, Any], stage: str) -> None:
    """Make a staged set the clip's set folder in one rename.

    The folder's name is new, so nothing the manifest or the gallery names is touched: until
    the manifest is rewritten to name it, the new set is an unreferenced folder that the next
    build deletes, and after that the old set is (see :func:`studio.guard.prune_sets`).
    """
    files: dict[str, str] = entry["files"]
    final = media / Path(files["mp4"]).parent
    os.rename(stage, final)
    fsync_path(final.parent)
