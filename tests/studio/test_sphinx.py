"""The `.. torchreel::` directive in a real Sphinx build of a two-page project (reST and MyST)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from studio.manifest import read_manifest

pytest.importorskip("sphinx", reason="the 'pages' extra (scripts/setup.sh)")
pytest.importorskip("myst_parser", reason="the 'pages' extra (scripts/setup.sh)")

ROOT = Path(__file__).resolve().parents[2]

# One short code clip: the smallest real render there is.
LESSON = """\
title = "Pages <sample>"
seed = 5

[[clips]]
id = "flip"
title = "Transpose: <b>no copy</b> & a new view"
code = "y = x.t()"
tensors.x = { shape = [1, 2] }
"""

CONF = """\
extensions = ["myst_parser", "torchreel.sphinx"]
project = "sample"
torchreel_quality = "test"
torchreel_jobs = 1
"""

INDEX = """\
Course
======

.. toctree::

   sub/notes

.. torchreel:: lessons/sample.toml flip
   :present:
"""

NOTES = """\
# Notes in MyST

```{torchreel} /lessons/sample.toml
:theme: dark
:quality: test
```
"""


class _Videos(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.srcs: list[str] = []
        self.links: list[str] = []
        self.videos = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.videos += tag == "video"
        if tag in ("source", "track") and a.get("src"):
            self.srcs.append(a["src"] or "")
        if tag == "video" and a.get("poster"):
            self.srcs.append(a["poster"] or "")
        if tag == "a" and "present-" in (a.get("href") or ""):
            self.links.append(a["href"] or "")


def _sphinx(src: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", *extra, str(src),
                          str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONHASHSEED": "0"})
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def _page(path: Path) -> _Videos:
    parser = _Videos()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_two_page_project_holds_the_videos_and_a_second_build_renders_nothing(
        tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "src" / "_build" / "html"
    (src / "lessons").mkdir(parents=True)
    (src / "sub").mkdir()
    (src / "lessons" / "sample.toml").write_text(LESSON)
    (src / "conf.py").write_text(CONF)
    (src / "index.rst").write_text(INDEX)
    (src / "sub" / "notes.md").write_text(NOTES)

    first = _sphinx(src, out)
    cache = src / "_build" / "torchreel-cache"
    [media] = [m.parent for m in cache.glob("*/*/manifest.json")]
    entry = read_manifest(media).clips["flip"]
    log = first.stdout + first.stderr
    # Two pages show the clip; it was rendered once.
    assert len(re.findall(r"torchreel: \S+: flip rendered", log)) == 1, log
    assert len(re.findall(r"torchreel: \S+: flip up to date", log)) == 1, log

    for page, depth in (("index.html", 0), ("sub/notes.html", 1)):
        found = _page(out / page)
        assert found.videos == 1, page
        prefix = "../" * depth + f"_torchreel/{media.relative_to(cache).as_posix()}/"
        files = [entry.files[k] for k in ("mp4", "poster", "vtt", "chapters")]  # no --webm
        assert "webm" not in entry.files
        assert sorted(found.srcs) == sorted(prefix + f for f in files), found.srcs
        for rel in files:  # copied into the output, byte for byte
            target = (out / page).parent / (prefix + rel)
            assert target.read_bytes() == (media / rel).read_bytes()
    html = (out / "index.html").read_text()
    assert "Transpose: &lt;b&gt;no copy&lt;/b&gt; &amp; a new view" in html
    [present] = _page(out / "index.html").links
    assert (out / present).is_file()

    sets = sorted(p.name for p in (media / "flip").iterdir())
    manifest_time = (media / "manifest.json").stat().st_mtime_ns
    second = _sphinx(src, out, "-E")  # a fresh environment: every directive runs again
    log = second.stdout + second.stderr
    assert "rendered" not in log, log
    assert len(re.findall(r"torchreel: \S+: flip up to date", log)) == 2, log
    assert sorted(p.name for p in (media / "flip").iterdir()) == sets
    assert (media / "manifest.json").stat().st_mtime_ns == manifest_time
    assert _page(out / "sub" / "notes.html").videos == 1


def test_bad_lesson_is_one_warning_naming_the_file(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF)
    (src / "bad.toml").write_text(LESSON.replace('"y = x.t()"', '"import os"'))
    (src / "index.rst").write_text("Bad\n===\n\n.. torchreel:: bad.toml\n")
    run = _sphinx(src, src / "_build" / "html")
    warnings = [line for line in run.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, run.stderr
    assert "index.rst" in warnings[0] and "bad.toml" in warnings[0], warnings
    assert "Traceback" not in run.stderr
