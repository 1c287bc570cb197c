"""`torchreel watch`: rebuild on save; the hashes decide which clips an edit affected."""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.lesson import LessonError, default_lesson_path
from core.text import shown
from studio.build import ROOT, BuildOptions, BuildReport, build, print_summary
from studio.guard import MediaError

__all__ = ["watch", "watched_dirs"]

DEBOUNCE_S = 0.5


def watched_dirs(options: BuildOptions) -> list[Path]:
    """The lesson's folder and the project packages a clip's frames come from."""
    lesson = Path(options.lesson) if options.lesson else default_lesson_path()
    dirs = {lesson.resolve().parent, ROOT / "scenes", ROOT / "core"}
    return sorted(d for d in dirs if d.is_dir())


def _warm() -> None:
    """Import what a preview needs once, while the watcher waits for the first save."""
    import manim  # noqa: F401
    import torch  # noqa: F401

    import scenes.registry  # noqa: F401


def _relevant(path: str, media: Path) -> bool:
    p = Path(path)
    return p.suffix in (".py", ".toml") and media not in p.parents


def watch(options: BuildOptions, on_build: Callable[[BuildReport], None] | None = None,
          stop: threading.Event | None = None) -> int:
    """Build, then rebuild after every burst of saves until interrupted (or ``stop`` is set)."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    changed = threading.Event()
    media = options.media.resolve()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            paths = [str(event.src_path), str(getattr(event, "dest_path", "") or "")]
            if event.event_type != "opened" and any(_relevant(p, media) for p in paths if p):
                changed.set()

    observer: Any = Observer()
    folders = watched_dirs(options)
    for folder in folders:
        observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()
    stop = stop or threading.Event()
    print(f"torchreel: watching {', '.join(map(str, folders))} "
          f"(Ctrl-C to stop)", file=sys.stderr)
    warm = False
    try:
        changed.set()
        while not stop.is_set():
            if not changed.wait(0.2):
                continue
            # Editors save in bursts (write, rename, chmod): wait for quiet, then build once.
            while changed.is_set():
                changed.clear()
                time.sleep(DEBOUNCE_S)
            started = time.monotonic()
            try:
                # Storyboards of an edit's clips first (seconds), then their videos.
                report = build(dataclasses.replace(options, preview=True))
            except (LessonError, MediaError) as exc:
                # A half-typed lesson is normal while editing, and a full disk or a stray
                # symlink can be fixed while we wait: say why in one line, keep watching.
                print(f"torchreel: {shown(str(exc))}", file=sys.stderr)
                continue
            print_summary(report, started)
            if on_build is not None:
                on_build(report)
            if not warm:
                _warm()
                warm = True
    except KeyboardInterrupt:
        pass
    finally:
        observer.stop()
        observer.join()
    return 0
