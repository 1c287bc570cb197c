"""media/index.html: a static, offline page with every built clip, its captions and an embed."""

from __future__ import annotations

from html import escape
from pathlib import Path

from studio.files import atomic_write_text
from studio.manifest import ClipEntry, Manifest

__all__ = ["embed_snippet", "gallery_html", "write_gallery"]

STYLE = """
body { font-family: "DejaVu Sans", sans-serif; margin: 2rem auto; max-width: 60rem;
       background: #15181D; color: #F2F2F2; }
figure { margin: 0 0 2.5rem; }
video { width: 100%; background: #000; }
figcaption h2 { font-size: 1.2rem; margin: .6rem 0; }
textarea { width: 100%; height: 6.5rem; font-family: "DejaVu Sans Mono", monospace;
           font-size: .8rem; background: #242932; color: #F2F2F2; border: 0; }
button { margin-top: .3rem; }
"""

SCRIPT = """
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", () => {
    const area = document.getElementById(button.dataset.copy);
    area.select();
    const done = () => { button.textContent = "Copied"; };
    if (navigator.clipboard) { navigator.clipboard.writeText(area.value).then(done, () => {
      document.execCommand("copy"); done(); }); }
    else { document.execCommand("copy"); done(); }
  });
}
"""


def _video(entry: ClipEntry, prefix: str = "") -> str:
    files = entry.files
    attr = lambda key: escape(prefix + files[key], quote=True)  # noqa: E731
    return (f'<video controls preload="metadata" width="{entry.width}" '
            f'height="{entry.height}" poster="{attr("poster")}">\n'
            f'  <source src="{attr("webm")}" type="video/webm">\n'
            f'  <source src="{attr("mp4")}" type="video/mp4">\n'
            # Not `default`: every frame already carries its caption bar, and a browser
            # showing the track as well would lay the same sentence over it.
            f'  <track kind="captions" src="{attr("vtt")}" srclang="en" label="English">\n'
            f'</video>')


def embed_snippet(entry: ClipEntry, base: str = "media/") -> str:
    """The HTML a course page pastes to show a clip (paths relative to the page)."""
    return _video(entry, base)


def gallery_html(manifest: Manifest, order: list[str], title: str) -> str:
    ids = [i for i in order if i in manifest.clips]
    ids += sorted(set(manifest.clips) - set(ids))
    figures = []
    for n, clip_id in enumerate(ids):
        entry = manifest.clips[clip_id]
        snippet = escape(embed_snippet(entry))
        figures.append(
            f'<figure id="clip-{escape(entry.id, quote=True)}" '
            f'data-clip="{escape(entry.id, quote=True)}" data-duration="{entry.duration_s}">\n'
            f'{_video(entry)}\n'
            f'<figcaption><h2>{escape(entry.title)}</h2>\n'
            f'<label for="embed-{n}">Embed</label>\n'
            f'<textarea id="embed-{n}" readonly>{snippet}</textarea>\n'
            f'<button type="button" data-copy="embed-{n}">Copy embed code</button>'
            f'</figcaption>\n</figure>')
    body = "\n".join(figures) or "<p>No clips built yet.</p>"
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n'
            f'<h1>{escape(title)}</h1>\n{body}\n<script>{SCRIPT}</script>\n</body>\n</html>\n')


def write_gallery(media: Path, manifest: Manifest, order: list[str], title: str) -> bool:
    """Write media/index.html if its content changed; True when written."""
    text = gallery_html(manifest, order, title)
    path = media / "index.html"
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write_text(path, text)
    return True
