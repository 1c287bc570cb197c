"""torchreel.show and %%torchreel in a notebook executed by a real kernel (nbclient)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from studio.manifest import read_manifest
from tests.studio.conftest import copy_build

nbformat = pytest.importorskip("nbformat", reason="the 'pages' extra (scripts/setup.sh)")
nbclient = pytest.importorskip("nbclient", reason="the 'pages' extra (scripts/setup.sh)")

SNIPPET = "x = torch.arange(6.).view(2, 3)\ny = x.t()"


class _Media(HTMLParser):
    """Every video's sources and tracks, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__()
        self.videos: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "video":
            self.videos.append({"poster": a["poster"], "sources": [], "tracks": {}})
        elif tag == "source":
            self.videos[-1]["sources"].append(a["src"])
        elif tag == "track":
            self.videos[-1]["tracks"][a["kind"]] = a["src"]


def _videos(output: dict[str, Any]) -> list[dict[str, Any]]:
    parser = _Media()
    parser.feed(output["data"]["text/html"])
    return parser.videos


def test_show_and_the_cell_magic_in_a_real_kernel(built: Path, tmp_path: Path) -> None:
    copy_build(built, tmp_path)  # media/ already holds tiny.toml's clips at the test quality
    cells = [
        "import torchreel\n%load_ext torchreel",
        'torchreel.show("tiny.toml", "alpha", quality="test")',
        f"%%torchreel --quality test\n{SNIPPET}",
        f"torchreel.show(code={SNIPPET!r}, quality='test')",
        "%%torchreel --quality test\nimport os",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [cell.outputs for cell in nb.cells]
    assert all(o.get("output_type") != "error" for cell in outputs for o in cell), outputs

    lesson_media = read_manifest(tmp_path / "media")
    snippet_media = read_manifest(tmp_path / "media" / "snippets")
    [snippet_id] = snippet_media.clips
    for n, (media, clip_id) in enumerate([(lesson_media, "alpha"), (snippet_media, snippet_id),
                                          (snippet_media, snippet_id)], 1):
        shown = [o for o in outputs[n] if o["output_type"] == "execute_result"]
        assert len(shown) == 1, outputs[n]
        [video] = _videos(shown[0])
        entry = media.clips[clip_id]
        base = tmp_path / "media" if media is lesson_media else tmp_path / "media" / "snippets"
        rel = base.relative_to(tmp_path).as_posix()
        # Referenced beside the notebook, not inlined: each src is the clip's own file.
        assert video["sources"] == [f"{rel}/{entry.files['mp4']}"]  # WebM is opt-in
        assert video["tracks"] == {"captions": f"{rel}/{entry.files['vtt']}",
                                   "chapters": f"{rel}/{entry.files['chapters']}"}
        assert video["poster"] == f"{rel}/{entry.files['poster']}"
        for src in [*video["sources"], *video["tracks"].values()]:
            assert (tmp_path / src).is_file(), src
        # The step list under the video: every title as text, escaped.
        for _, _, title in entry.steps:
            assert f">{html.escape(title)}</li>" in shown[0]["data"]["text/html"]
    # The same snippet through show(): one clip, rendered once.
    assert len(list((tmp_path / "media" / "snippets" / snippet_id).iterdir())) == 1
    # Bad code: one line on stderr, no traceback, nothing displayed.
    [refusal] = outputs[4]
    assert refusal["name"] == "stderr"
    assert re.fullmatch(r"torchreel: [^\n]*snippets/snippet-[0-9a-f]{12}\.toml: [^\n]*import"
                        r"[^\n]*\n", refusal["text"]), refusal["text"]
