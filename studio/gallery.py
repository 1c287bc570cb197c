"""media/index.html and present.html: static, offline pages of every built clip, in its theme."""

from __future__ import annotations

from html import escape
from pathlib import Path

from studio.files import atomic_write_text
from studio.manifest import ClipEntry, Manifest
from studio.present import asset, ordered_ids, palette_css, present_html

__all__ = ["clock", "embed_snippet", "gallery_html", "write_gallery"]


def clock(seconds: float) -> str:
    """A duration as a lecturer reads it: ``0:07``, ``1:30``."""
    minutes, secs = divmod(int(seconds), 60)  # as a browser's player counts: whole seconds
    return f"{minutes}:{secs:02d}"


def _video(entry: ClipEntry, prefix: str = "", controls: bool = True) -> str:
    files = entry.files
    attr = lambda key: escape(prefix + files[key], quote=True)  # noqa: E731
    chapters = (f'  <track kind="chapters" src="{attr("chapters")}" srclang="en" '
                f'label="Steps">\n' if "chapters" in files else "")
    # WebM first when there is one (--webm): the smaller file, where a browser plays it.
    webm = (f'  <source src="{attr("webm")}" type="video/webm">\n' if "webm" in files
            else "")
    # Sized by its page's column, never wider: a pasted 854 px clip would overflow most pages.
    return (f'<video{" controls" * controls} preload="metadata" width="{entry.width}" '
            f'height="{entry.height}" style="max-width: 100%; height: auto" '
            f'poster="{attr("poster")}">\n'
            f'{webm}'
            f'  <source src="{attr("mp4")}" type="video/mp4">\n'
            # Not `default`: every frame already carries its caption bar, and a browser
            # showing the track as well would lay the same sentence over it.
            f'  <track kind="captions" src="{attr("vtt")}" srclang="en" label="English">\n'
            f'{chapters}'
            f'</video>')


def embed_snippet(entry: ClipEntry, base: str = "media/") -> str:
    """The HTML a course page pastes to show a clip (paths relative to the page)."""
    return _video(entry, base)


def _steps(entry: ClipEntry) -> str:
    items = "".join(
        f'<li data-start="{start}" data-end="{end}"><button type="button">{escape(title)}'
        f'</button></li>' for start, end, title in entry.steps)
    return f'<ol class="steps">{items}</ol>' if items else ""


def _figure(n: int, entry: ClipEntry) -> str:
    clip = escape(entry.id, quote=True)
    title = escape(entry.title)
    count = len(entry.steps)
    meta = clock(entry.duration_s) + (f" · {count} step{'s' * (count != 1)}" if count else "")
    poster = escape(entry.files["poster"], quote=True)
    return (
        f'<figure id="clip-{clip}" data-clip="{clip}" data-duration="{entry.duration_s}">\n'
        f'<button type="button" class="open" aria-haspopup="dialog" aria-controls="player-{n}">'
        f'<img src="{poster}" alt="" width="{entry.width}" height="{entry.height}" '
        f'loading="lazy"><span class="badge">{clock(entry.duration_s)}</span></button>\n'
        f'<figcaption><h2>{title}</h2><p class="meta">{meta}</p></figcaption>\n'
        f'<dialog id="player-{n}" aria-label="{escape(entry.title, quote=True)}">\n'
        # The player's own controls sit under the picture: the browser's would cover the
        # caption bar at the bottom of every frame whenever the clip is paused.
        f'<div class="player">\n<div class="screen">{_video(entry, controls=False)}\n'
        f'<div class="controls"><button type="button" class="play">Play</button>'
        f'<input type="range" class="seek" min="0" max="{entry.duration_s}" step="any" '
        f'value="0" aria-label="Position"><span class="time">0:00 / '
        f'{clock(entry.duration_s)}</span></div></div>\n'
        f'<div class="side"><h3>{title}</h3>\n'
        f'{_steps(entry)}\n'
        f'<label for="embed-{n}">Embed</label>\n'
        f'<textarea id="embed-{n}" readonly>{escape(embed_snippet(entry))}</textarea>\n'
        f'<button type="button" class="copy" data-copy="embed-{n}">Copy embed code</button>'
        f'</div></div>\n'
        f'<div class="actions"><a href="present.html#{clip}">Present from this clip</a>'
        f'<button type="button" class="close">Close</button></div>\n'
        f'</dialog>\n</figure>')


def gallery_html(manifest: Manifest, order: list[str], title: str, theme: str = "dark") -> str:
    figures = [_figure(n, manifest.clips[i]) for n, i in enumerate(ordered_ids(manifest, order))]
    body = "\n".join(figures) or "<p>No clips built yet.</p>"
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{escape(title)}</title>\n'
            f'<style>{palette_css(theme)}\n{asset("gallery.css")}</style>\n</head>\n'
            f'<body data-theme="{escape(theme, quote=True)}">\n'
            f'<header><h1>{escape(title)}</h1><a href="present.html">Present</a></header>\n'
            f'<main class="grid">\n{body}\n</main>\n<script>{asset("gallery.js")}</script>\n'
            f'</body>\n</html>\n')


def _write_if_changed(path: Path, text: str) -> bool:
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write_text(path, text)
    return True


def write_gallery(media: Path, manifest: Manifest, order: list[str], title: str,
                  theme: str = "dark") -> bool:
    """Write media/index.html and media/present.html where their content changed; True when
    either was written. Both name set folders, so both are written before old sets go."""
    wrote = _write_if_changed(media / "present.html",
                              present_html(manifest, order, title, theme))
    return _write_if_changed(media / "index.html",
                             gallery_html(manifest, order, title, theme)) or wrote
