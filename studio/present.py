"""media/present.html: one clip at a time, full window, played step by step from the keyboard.

The page is one file with its script and style inline and each clip's step boundaries (its
chapters, from the manifest) in a JSON block, so it works from ``file://`` with no network.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from studio.manifest import ClipEntry, Manifest

__all__ = ["ASSETS", "clip_data", "ordered_ids", "palette_css", "present_html", "script_json"]

ASSETS = Path(__file__).resolve().parent / "assets"


def asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def ordered_ids(manifest: Manifest, order: list[str]) -> list[str]:
    """The manifest's clips in lesson order, any others after them by id."""
    ids = [i for i in order if i in manifest.clips]
    return ids + sorted(set(manifest.clips) - set(ids))


def palette_css(theme: str) -> str:
    """CSS custom properties from the build's theme (scenes/theme.py), for the pages."""
    from scenes.theme import THEMES

    t = THEMES[theme]
    colours = {"background": t.background, "text": t.text, "muted": t.muted, "panel": t.panel,
               "accent": t.operand_a, "highlight": t.highlight,
               # The letterbox around a clip: the clip's own background, so its edges vanish.
               "video": t.background}
    body = " ".join(f"--{k}: {v};" for k, v in colours.items())
    return f":root {{ color-scheme: {t.name}; {body} }}"


def clip_data(entry: ClipEntry) -> dict[str, Any]:
    """What the page's script needs of one clip; paths relative to media/."""
    files = entry.files
    return {"id": entry.id, "title": entry.title, "duration": entry.duration_s,
            "width": entry.width, "height": entry.height, "poster": files["poster"],
            "webm": files.get("webm"), "mp4": files["mp4"], "vtt": files["vtt"],
            "chapters": files.get("chapters"),
            "steps": [{"start": s, "end": e, "title": t} for s, e, t in entry.steps]}


def script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>``, no ``<!--``, whatever the text."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def present_html(manifest: Manifest, order: list[str], title: str, theme: str = "dark") -> str:
    clips = [clip_data(manifest.clips[i]) for i in ordered_ids(manifest, order)]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{escape(title)}</title>\n'
        f'<style>{palette_css(theme)}\n{asset("present.css")}</style>\n</head>\n'
        f'<body data-lesson="{escape(title, quote=True)}" data-theme="{escape(theme, quote=True)}"'
        f' data-state="loading">\n'
        '<header><h1 id="title"></h1><span id="where"></span>'
        '<a href="index.html">All clips</a></header>\n'
        '<main><video id="video" preload="auto" playsinline tabindex="-1"></video></main>\n'
        '<nav aria-label="Steps"><h2>Steps</h2><ol id="steps"></ol></nav>\n'
        '<footer><button type="button" id="previous">← Previous step</button>'
        '<button type="button" id="next">Next step →</button>'
        '<button type="button" id="fullscreen">Full screen</button>'
        '<span><kbd>→</kbd> <kbd>Space</kbd> <kbd>PgDn</kbd> next step · '
        '<kbd>←</kbd> <kbd>PgUp</kbd> replay the previous · <kbd>↑</kbd> <kbd>↓</kbd> '
        '<kbd>Home</kbd> <kbd>End</kbd> clips · <kbd>f</kbd> full screen</span></footer>\n'
        f'<script type="application/json" id="torchreel-clips">{script_json(clips)}</script>\n'
        f'<script>{asset("present.js")}</script>\n</body>\n</html>\n')
