"""One clip, rendered once in a worker process and written out in every format atomically."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "RenderJob",
    "RenderResult",
    "clip_files",
    "discard_staged",
    "install_outputs",
    "remove_leftovers",
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


@dataclass(frozen=True)
class RenderResult:
    clip_id: str
    entry: dict[str, Any] | None
    error: str | None
    seconds: float
    staged: dict[str, str] | None = None  # output key -> temporary file beside its final name


def clip_files(clip_id: str, gif: bool) -> dict[str, str]:
    """Output paths of a clip, relative to media/."""
    stem = f"{clip_id}/{clip_id}"
    files = {"mp4": f"{stem}.mp4", "webm": f"{stem}.webm", "poster": f"{stem}.png",
             "vtt": f"{stem}.vtt", "srt": f"{stem}.srt", "trace": f"{stem}.json",
             "storyboard": f"{stem}-storyboard.png"}
    if gif:
        files["gif"] = f"{stem}.gif"
    return files


def _writer_class(sink: Any) -> type[Any]:
    """A Manim file writer that hands every frame to ``sink`` and writes no files itself."""
    from manim.scene.scene_file_writer import SceneFileWriter

    class StreamingFileWriter(SceneFileWriter):
        def begin_animation(self, allow_write: bool = False, **kwargs: Any) -> None:
            pass

        def end_animation(self, allow_write: bool = False) -> None:
            pass

        def write_frame(self, pixels: Any, *, repeat: int = 1) -> None:
            sink(pixels, repeat)

        def is_already_cached(self, hash_invocation: str) -> bool:
            return False

        def finish(self) -> None:
            pass

    return StreamingFileWriter


def _render(job: RenderJob, progress: Callable[[str, int], None] | None
            ) -> tuple[dict[str, Any], dict[str, str]]:
    from manim import tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    from core.trace import trace_from_json
    from scenes.registry import scene_class
    from scenes.theme import THEMES
    from studio.captions import srt_text, vtt_text
    from studio.encode import Encoders
    from studio.files import temp_path
    from studio.presets import QUALITIES
    from studio.storyboard import contact_sheet

    quality = QUALITIES[job.quality]
    media = Path(job.media)
    files = clip_files(job.clip_id, job.gif)
    finals = {key: media / rel for key, rel in files.items()}
    temps = {key: temp_path(path) for key, path in finals.items()}
    scratch = Path(tempfile.mkdtemp(prefix=".render-", dir=finals["mp4"].parent))
    try:
        encoders = Encoders(quality.width, quality.height, quality.fps, temps["mp4"],
                            temps["webm"], temps.get("gif"))
        last_report = [0.0]

        def sink(pixels: Any, repeat: int) -> None:
            encoders.write(pixels, repeat)
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
            renderer = CairoRenderer(file_writer_class=_writer_class(sink))
            scene = scene_class(job.kind)(trace=trace, theme=THEMES[job.theme],
                                          renderer=renderer, random_seed=job.seed)
            scene.storyboard_dir = str(scratch / "steps")
            scene.render()
        encoders.close(temps["poster"])
        steps = list(scene.steps)
        temps["vtt"].write_text(vtt_text(steps), encoding="utf-8")
        temps["srt"].write_text(srt_text(steps), encoding="utf-8")
        temps["trace"].write_text(job.trace_json + "\n", encoding="utf-8")
        frames = sorted((scratch / "steps").glob("*.png"))
        contact_sheet(frames, [s.caption for s in steps], job.title, temps["storyboard"])
        for tmp in temps.values():
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        if progress is not None:
            progress(job.clip_id, encoders.frames)
        entry = {"id": job.clip_id, "title": job.title, "hash": job.hash,
                 "duration_s": round(encoders.duration_s, 6), "width": quality.width,
                 "height": quality.height, "files": files}
        # The build process moves these into place once the manifest no longer vouches for
        # the old set, so a kill between two replaces can never pass for a finished clip.
        staged = {key: str(tmp) for key, tmp in temps.items()}
        temps = {}
        return entry, staged
    finally:
        for tmp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        shutil.rmtree(scratch, ignore_errors=True)


def render_clip(job: RenderJob,
                progress: Callable[[str, int], None] | None = None) -> RenderResult:
    """Render one clip; a failure is returned (one line, full log on disk), never raised."""
    start = time.monotonic()
    try:
        entry, staged = _render(job, progress)
    except Exception as exc:  # one clip failing must not stop the others
        log = Path(job.media) / job.clip_id / "error.log"
        with contextlib.suppress(OSError):
            log.write_text(traceback.format_exc(), encoding="utf-8")
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        return RenderResult(job.clip_id, None, f"{message} (details: {log})",
                            time.monotonic() - start)
    return RenderResult(job.clip_id, entry, None, time.monotonic() - start, staged)


def install_outputs(media: Path, entry: dict[str, Any], staged: dict[str, str]) -> None:
    """Move a clip's staged files onto their final names (each move atomic)."""
    files: dict[str, str] = entry["files"]
    for key, tmp in staged.items():
        os.replace(tmp, media / files[key])
    if "gif" not in files:
        # A gif from an older build would no longer match the clip.
        with contextlib.suppress(FileNotFoundError):
            (media / f"{entry['id']}/{entry['id']}.gif").unlink()


def discard_staged(staged: dict[str, str]) -> None:
    for tmp in staged.values():
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def remove_leftovers(clip_dir: Path) -> None:
    """Delete temporary files a killed build left (call only while holding the build lock)."""
    if not clip_dir.is_dir():
        return
    for path in clip_dir.iterdir():
        if path.name.startswith(".") and ".tmp" in path.name and path.is_file():
            path.unlink(missing_ok=True)
        elif path.name.startswith(".render-") and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
