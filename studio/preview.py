"""Storyboard previews: the frame that ends each step, every animation skipped, in seconds."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from core.text import shown
from studio.files import atomic_path
from studio.guard import MediaError

__all__ = ["PREVIEW", "PREVIEW_MAX", "preview_clips", "preview_path", "storyboard_preview"]

# In media/: one sheet per clip, replaced by each preview; the clip's set keeps its own.
PREVIEW = Path(".cache") / "preview"
# An edit's worth of clips gets a preview before the videos render; a cold build does not.
PREVIEW_MAX = 3


def preview_path(media: Path, clip_id: str) -> Path:
    return media / PREVIEW / f"{clip_id}-storyboard.png"


def storyboard_preview(media: Path, clip_id: str, title: str, kind: str, seed: int,
                       trace_json: str, quality: str, theme: str) -> Path:
    """Play the clip with every animation skipped, keep each step's closing frame, and write
    the contact sheet to :func:`preview_path` (atomically). Returns its path.

    The frames are the clip's own (the same scene, the same end state of every step); only
    the animations between them are not drawn, so this takes the time of building the scene.
    """
    from manim import tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    from core.trace import trace_from_json
    from scenes.fastcairo import PathReplayCamera
    from scenes.registry import scene_class
    from scenes.theme import THEMES
    from studio.presets import QUALITIES
    from studio.render import _writer_class
    from studio.storyboard import contact_sheet

    folder = media / PREVIEW
    for path in (media / ".cache", folder, preview_path(media, clip_id)):
        if path.is_symlink():
            raise MediaError(f"{path}: refusing to write through a symlink inside media/")
    folder.mkdir(parents=True, exist_ok=True)
    size = QUALITIES[quality]
    scratch = Path(tempfile.mkdtemp(prefix=".render-", dir=media / ".cache"))
    try:
        options = {
            "pixel_width": size.width, "pixel_height": size.height, "frame_rate": size.fps,
            "disable_caching": True, "write_to_movie": False, "save_sections": False,
            "preview": False, "media_dir": str(scratch / "manim"), "verbosity": "ERROR",
            "progress_bar": "none", "renderer": "cairo",
        }

        def nowhere(pixels: Any, repeat: int, rows: tuple[int, int] | None) -> None:
            """No frames are written while skipping; the storyboard frames are saved apart."""

        with tempconfig(options):
            renderer = CairoRenderer(file_writer_class=_writer_class(nowhere),
                                     camera_class=PathReplayCamera, skip_animations=True)
            scene = scene_class(kind)(trace=trace_from_json(trace_json), theme=THEMES[theme],
                                      renderer=renderer, random_seed=seed)
            scene.storyboard_dir = str(scratch / "steps")
            scene.storyboard_only = True
            scene.render()
        frames = sorted((scratch / "steps").glob("*.png"))
        out = preview_path(media, clip_id)
        with atomic_path(out) as temporary:
            contact_sheet(frames, [s.caption for s in scene.steps], title, temporary)
        return out
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def preview_clips(media: Path, plans: list[Any], quality: str, theme: str, log: Any
                  ) -> list[Path]:
    """Preview each of ``plans`` (the build's clips about to render, traced) and print each
    sheet's path; nothing when there are more than PREVIEW_MAX. A clip whose preview fails
    is left to its render, which reports why."""
    if len(plans) > PREVIEW_MAX:
        return []
    written = []
    for plan in plans:
        clip = plan.clip
        try:
            path = storyboard_preview(media, clip.id, clip.title, clip.kind, clip.seed,
                                      plan.trace_json or "", quality, theme)
        except MediaError:
            raise
        except Exception as exc:  # the render comes next and reports the failure
            print(f"torchreel: no storyboard preview for {clip.id}: "
                  f"{shown(type(exc).__name__ + ': ' + str(exc))}", file=log)
            continue
        written.append(path)
        print(f"torchreel: storyboard of {clip.id} (the video follows): {shown(str(path))}",
              file=log, flush=True)
    return written
