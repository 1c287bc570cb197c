"""`torchreel list`: each clip of the lesson and whether its media is up to date."""

from __future__ import annotations

import sys
from typing import Any

from core.lesson import load_lesson
from studio.build import BuildOptions, mark_stale, plan_clips
from studio.hashing import memoised_closures
from studio.manifest import read_manifest
from studio.traces import load_cache
from studio.voice import choose_voice, using_voice

__all__ = ["list_clips"]


def list_clips(options: BuildOptions, out: Any = None) -> list[tuple[str, str]]:
    """Print a table of (clip, status) and return its rows; reads, never writes or locks."""
    from rich.console import Console
    from rich.table import Table

    lesson = load_lesson(options.lesson)
    media = options.media.resolve()
    # The trace cache is read, never written: `list` changes nothing on disk.
    voice, _ = choose_voice(options.voice, lesson)
    with memoised_closures(), using_voice(voice):
        plans = plan_clips(lesson, options.clips, options.quality, options.theme,
                           load_cache(media))
    manifest = read_manifest(media)
    for warning in manifest.warnings:
        print(f"torchreel: warning: {warning}", file=sys.stderr)
    mark_stale(plans, manifest, media, options.gif, options.force)
    table = Table(title=f"{lesson.title} ({options.quality}, {options.theme})")
    for column in ("clip", "kind", "status", "title"):
        table.add_column(column)
    rows = []
    for plan in plans:
        if plan.problem is not None:
            status = plan.problem
        elif plan.reason is None:
            status = "up to date"
        else:
            status = f"out of date ({plan.reason})"
        rows.append((plan.clip.id, status))
        table.add_row(plan.clip.id, plan.clip.kind, status, plan.clip.title)
    Console(file=out or sys.stdout, width=140).print(table)
    return rows
