"""The ``.. torchreel::`` Sphinx directive: clips of a lesson, built through the cache, in a page.

In ``conf.py``::

    extensions = ["torchreel.sphinx"]          # with "myst_parser", ```{torchreel} works too

In a page::

    .. torchreel:: ../lessons/default.toml view reshape
       :theme: light
       :quality: medium
       :present:

The lesson path is relative to the page (``/`` starts at the source folder); without clip ids,
every clip of the lesson. Clips build with :func:`studio.build.build` into a cache folder
(config ``torchreel_cache``, default ``torchreel-cache`` beside the output folder), one media
folder per lesson, theme and quality: a clip whose hash is built is never rendered again, and
two readers of the same clip (Sphinx's parallel reads are processes) take the build's lock in
turn, so the second finds it built. The HTML writer copies each clip's files into
``_torchreel/`` of the output; ``:present:`` adds a link to a present-mode page of those clips.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import shutil
import tempfile
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from core.lesson import LessonError
from studio.gallery import embed_snippet
from studio.guard import MediaError
from studio.manifest import ClipEntry, Manifest, read_manifest
from studio.present import present_html
from studio.presets import PUBLIC_QUALITIES

__all__ = ["TorchreelDirective", "setup", "torchreel_node"]

logger = logging.getLogger(__name__)
OUT = "_torchreel"
# What a page needs of a clip (the trace, srt and storyboard stay in the cache).
PAGE_FILES = ("mp4", "webm", "poster", "vtt", "chapters")


class torchreel_node(nodes.General, nodes.Element):  # docutils names its nodes so
    """Built clips: their manifest entries and the cache folder they are in."""


def _choice(values: tuple[str, ...]) -> Any:
    return lambda argument: directives.choice(argument, values)


class TorchreelDirective(SphinxDirective):
    required_arguments = 1
    optional_arguments = 100
    has_content = False
    option_spec = {  # noqa: RUF012 - docutils reads this class attribute
        "theme": _choice(("dark", "light")),
        # "test" is the tests' tiny size, as on the command line it is not advertised.
        "quality": _choice((*PUBLIC_QUALITIES, "test")),
        "present": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        from torchreel import ShowError, show

        rel, lesson = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(rel)
        theme = self.options.get("theme", self.config.torchreel_theme)
        quality = self.options.get("quality", self.config.torchreel_quality)
        key = (f"{Path(lesson).stem}-{hashlib.sha256(str(lesson).encode()).hexdigest()[:8]}/"
               f"{theme}-{quality}")
        media = _cache(self.env.app) / key
        try:
            reel = show(lesson, *self.arguments[1:], quality=quality, theme=theme,
                        media=media, jobs=self.config.torchreel_jobs, log=io.StringIO())
        except (LessonError, MediaError, ShowError) as exc:
            logger.warning("torchreel: %s", exc, location=self.get_location())
            return []
        for entry in reel.entries:
            state = "rendered" if entry.id in reel.rendered else "up to date"
            logger.info("torchreel: %s: %s %s", rel, entry.id, state)
        node = torchreel_node()
        node["media"] = str(reel.media)
        node["key"] = key
        node["clips"] = [e.to_dict() for e in reel.entries]
        node["present"] = "present" in self.options
        node["theme"] = theme
        self.set_source_info(node)
        return [node]


def _cache(app: Sphinx) -> Path:
    configured = app.config.torchreel_cache
    if configured:
        return (Path(app.confdir) / configured).resolve()
    # Beside the output folder, never in it: `-b html src _build/html` puts the doctrees inside
    # the output, and the cache (traces, every encoding) is not for publishing.
    return (Path(app.outdir).parent / "torchreel-cache").resolve()


def _entries(node: torchreel_node) -> list[ClipEntry]:
    manifest = read_manifest(Path(node["media"]))
    return [manifest.clips[c["id"]] for c in node["clips"] if c["id"] in manifest.clips]


def _install(source: Path, target: Path) -> None:
    """Copy one file into the HTML output, whole or not at all (parallel writers may race)."""
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return  # set folders are named by hash and never change: same name, same bytes
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(descriptor)
    try:
        shutil.copyfile(source, temp)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def visit_html(self: Any, node: torchreel_node) -> None:
    builder = self.builder
    media = Path(node["media"])
    root = Path(builder.outdir) / OUT / node["key"]
    entries = _entries(node)
    for entry in entries:
        for name in PAGE_FILES:
            if name in entry.files:
                _install(media / entry.files[name], root / entry.files[name])
    page = builder.get_target_uri(builder.current_docname)
    prefix = posixpath.relpath(f"{OUT}/{node['key']}", posixpath.dirname(page) or ".") + "/"
    parts = []
    for entry in entries:
        steps = "".join(f"<li>{self.encode(t)}</li>" for _, _, t in entry.steps)
        parts.append(f'<figure class="torchreel" data-clip="{self.attval(entry.id)}">\n'
                     f'{embed_snippet(entry, prefix)}\n<figcaption><p>{self.encode(entry.title)}'
                     f'</p><details><summary>Steps</summary><ol>{steps}</ol></details>'
                     f'</figcaption>\n</figure>\n')
    if node["present"] and entries:
        ids = [e.id for e in entries]
        name = f"present-{hashlib.sha256('/'.join(ids).encode()).hexdigest()[:12]}.html"
        manifest = Manifest(clips={e.id: e for e in entries})
        text = present_html(manifest, ids, " · ".join(e.title for e in entries),
                            node["theme"])
        target = root / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=root, delete=False,
                                             prefix=f".{name}.") as handle:
                handle.write(text)
            os.replace(handle.name, target)
        parts.append(f'<p class="torchreel-present"><a href="{self.attval(prefix + name)}">'
                     f'Present these clips step by step</a></p>\n')
    self.body.append(f'<div class="torchreel">\n{"".join(parts)}</div>\n')
    raise nodes.SkipNode


def visit_other(self: Any, node: torchreel_node) -> None:
    """Builders other than HTML leave the clips out (a video has no place in a PDF)."""
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("torchreel_cache", "", "env")
    app.add_config_value("torchreel_theme", "dark", "env")
    app.add_config_value("torchreel_quality", "low", "env")
    app.add_config_value("torchreel_jobs", 0, "")
    skip = (visit_other, None)
    app.add_node(torchreel_node, html=(visit_html, None), latex=skip, text=skip, man=skip,
                 texinfo=skip)
    app.add_directive("torchreel", TorchreelDirective)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
