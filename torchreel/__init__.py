"""torchreel in notebooks: build clips through the incremental build and show them inline.

>>> import torchreel
>>> torchreel.show("lessons/default.toml", "view")           # doctest: +SKIP
>>> torchreel.show(code="x = torch.arange(6.).view(2, 3)\\ny = x.t()")  # doctest: +SKIP

In Jupyter the returned :class:`Reel` displays as the video with its captions and step chapters;
``%load_ext torchreel`` adds the ``%%torchreel`` cell magic (see :mod:`torchreel.magic`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from core.lesson import LessonError
from studio.manifest import ClipEntry

__all__ = ["EMBED_LIMIT", "LessonError", "Reel", "ShowError", "show", "snippet_lesson"]

# Files up to this size may be inlined (base64) when a page cannot reach them by a relative
# path; anything larger is always referenced, never copied into the notebook.
EMBED_LIMIT = 256 * 1024
MIME = {".mp4": "video/mp4", ".webm": "video/webm", ".png": "image/png", ".vtt": "text/vtt"}


class ShowError(RuntimeError):
    """A clip could not be built (its render failed or it has no scene); one line."""


@dataclass(frozen=True)
class Reel:
    """Built clips, as the manifest lists them, with where their files are."""

    media: Path
    entries: tuple[ClipEntry, ...]
    base: Path  # the folder the notebook's page is served from: paths are relative to it
    rendered: tuple[str, ...] = ()  # the clips this call rendered (the others were up to date)

    def path(self, entry: ClipEntry, key: str) -> Path:
        return self.media / entry.files[key]

    def _src(self, entry: ClipEntry, key: str) -> str:
        path = self.path(entry, key)
        try:
            return Path(os.path.relpath(path, self.base)).as_posix() if path.is_relative_to(
                self.base) else self._outside(path)
        except ValueError:
            return self._outside(path)

    def _outside(self, path: Path) -> str:
        if path.stat().st_size <= EMBED_LIMIT:
            data = base64.b64encode(path.read_bytes()).decode()
            return f"data:{MIME.get(path.suffix, 'application/octet-stream')};base64,{data}"
        return path.resolve().as_uri()

    def _figure(self, entry: ClipEntry) -> str:
        src = lambda key: escape(self._src(entry, key), quote=True)  # noqa: E731
        chapters = (f'<track kind="chapters" src="{src("chapters")}" srclang="en" '
                    f'label="Steps">' if "chapters" in entry.files else "")
        steps = "".join(f'<li data-start="{s}" data-end="{e}">{escape(t)}</li>'
                        for s, e, t in entry.steps)
        webm = (f'<source src="{src("webm")}" type="video/webm">' if "webm" in entry.files
                else "")
        return (f'<figure class="torchreel" data-clip="{escape(entry.id, quote=True)}" '
                f'style="margin: 0 0 1em; max-width: {entry.width}px">'
                f'<video controls preload="metadata" style="width: 100%; height: auto" '
                f'width="{entry.width}" height="{entry.height}" poster="{src("poster")}">'
                f'{webm}'
                f'<source src="{src("mp4")}" type="video/mp4">'
                f'<track kind="captions" src="{src("vtt")}" srclang="en" label="English">'
                f'{chapters}</video>'
                f'<figcaption><strong>{escape(entry.title)}</strong>'
                f'<details><summary>{len(entry.steps)} steps</summary><ol>{steps}</ol>'
                f'</details></figcaption></figure>')

    def _repr_html_(self) -> str:
        return "".join(self._figure(e) for e in self.entries)

    def __repr__(self) -> str:
        names = ", ".join(str(self.path(e, "mp4")) for e in self.entries)
        return f"Reel({names})"


def snippet_lesson(code: str, seed: int = 0) -> tuple[str, str]:
    """A lesson of one code clip: ``(clip id, TOML text)``; the id is named by the code.

    Trailing blank space is not part of the code: a cell's body ends in a newline, the same
    code typed as a string does not, and both are one clip.
    """
    code = code.rstrip()
    digest = hashlib.sha256(json.dumps([code, seed]).encode()).hexdigest()[:12]
    clip_id = f"snippet-{digest}"
    first = next((line.strip() for line in code.splitlines() if line.strip()), "snippet")
    title = first if len(first) <= 60 else first[:59] + "…"
    # JSON strings are TOML basic strings: the code goes in exactly as written.
    text = (f'title = "Notebook snippets"\nseed = {seed}\n\n[[clips]]\n'
            f'id = "{clip_id}"\ntitle = {json.dumps(title, ensure_ascii=False)}\n'
            f'code = {json.dumps(code, ensure_ascii=False)}\n')
    return clip_id, text


def show(lesson: str | os.PathLike[str] | None = None, *clips: str, code: str | None = None,
         seed: int = 0, quality: str = "low", theme: str = "dark",
         media: str | os.PathLike[str] = "media", jobs: int = 0,
         log: Any = None) -> Reel:
    """Build ``clips`` of ``lesson`` (or the one clip of ``code``) and return them for display.

    The build is :func:`studio.build.build`: incremental, so a clip already built with the same
    inputs is shown at once. Code snippets build into ``<media>/snippets``. Bad lesson input
    raises :class:`LessonError` (one line); a clip that could not be built, :class:`ShowError`.
    """
    from studio.build import BuildOptions, build
    from studio.files import atomic_write_text
    from studio.manifest import read_manifest

    if (code is None) == (lesson is None):
        raise TypeError("show() takes a lesson file and clip ids, or code=, not both")
    out = Path(media)
    if code is not None:
        # The snippet's lesson file stays beside its clips, so an error names a file one can
        # open, and `torchreel render --lesson` on it rebuilds the same clip.
        out = out / "snippets"
        clip_id, text = snippet_lesson(code, seed)
        out.mkdir(parents=True, exist_ok=True)
        lesson = out / f"{clip_id}.toml"
        atomic_write_text(lesson, text)
        clips = (clip_id,)
    assert lesson is not None
    report = build(BuildOptions(lesson=os.fspath(lesson), clips=tuple(clips), quality=quality,
                                theme=theme, jobs=jobs, media=out),
                   log=log if log is not None else io.StringIO())
    bad = [s for s in report.statuses if s.state not in ("up to date", "rendered")]
    if bad:
        raise ShowError("; ".join(f"{s.clip_id}: {s.state}: {s.detail}" for s in bad))
    manifest = read_manifest(out.resolve())
    return Reel(out.resolve(), tuple(manifest.clips[s.clip_id] for s in report.statuses),
                Path.cwd().resolve(), tuple(report.rendered))


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext torchreel``: registers the ``%%torchreel`` cell magic."""
    from torchreel.magic import register

    register(ipython)
