"""A kill at every moment of installing a clip's outputs leaves its whole old or whole new set.

The build is frozen at each file-system step it takes (each rename, each atomic replace, each
delete), before and after the step: a copy of media/ taken then is exactly what a SIGKILL at that
moment would leave, because nothing after it (not even a ``finally``) has run yet. Each frozen
copy is checked, then built again, and that next build must leave no temporary file behind.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from studio.build import BuildOptions, build
from studio.guard import SET_NAME, TEMP_DIR, TEMP_FILE
from studio.manifest import read_manifest
from tests.studio.conftest import CODE_LESSON, FakePool, write_lesson

NEW_LESSON = CODE_LESSON.replace("seed = 3", "seed = 4").replace("seed = 11", "seed = 12")
CLIPS = ("alpha", "beta")


class Killed(BaseException):
    """Stands for SIGKILL: no handler of the build catches it."""


class _Sources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.clip = ""
        self.refs: dict[str, set[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "figure":
            self.clip = found.get("data-clip") or ""
            self.refs[self.clip] = set()
        for name in ("src", "poster"):
            if tag in ("video", "source", "track") and found.get(name):
                self.refs[self.clip].add(found[name] or "")


def _gallery_refs(media: Path) -> dict[str, set[str]]:
    parser = _Sources()
    parser.feed((media / "index.html").read_text(encoding="utf-8"))
    return parser.refs


def _generation(media: Path, files: dict[str, str] | set[str],
                hashes: dict[str, str]) -> str:
    """'old' or 'new' when every file is present and all come from that one render, else a
    description of the mix."""
    rels = files.values() if isinstance(files, dict) else files
    contents = set()
    for rel in rels:
        path = media / rel
        if not path.is_file():
            return f"missing {rel}"
        digest, _, generation = path.read_text().split(":")
        if hashes[generation] != digest:
            return f"{rel} holds a {generation} file with another hash"
        contents.add(generation)
    return contents.pop() if len(contents) == 1 else f"mixed {sorted(contents)}"


def _options(folder: Path, media: Path) -> BuildOptions:
    return BuildOptions(lesson=str(folder / "tiny.toml"), quality="test", media=media)


@pytest.fixture()
def old_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              fake: None) -> tuple[Path, dict[str, Any]]:
    """media/ built (by the fake pool) from the tiny lesson: the 'old' sets."""
    monkeypatch.setattr(FakePool, "generation", "old")
    write_lesson(tmp_path, CODE_LESSON)
    media = tmp_path / "media"
    assert build(_options(tmp_path, media)).ok
    old = {c: e.hash for c, e in read_manifest(media).clips.items()}
    return media, old


def _steps(monkeypatch: pytest.MonkeyPatch, at: Callable[[str, int, str], None]) -> None:
    """Call ``at(kind, n, when)`` before and after every rename, replace and tree delete."""
    counter = [0]

    def wrap(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any, **kwargs: Any) -> Any:
            n = counter[0]
            counter[0] += 1
            at(name, n, "before")
            result = real(*args, **kwargs)
            at(name, n, "after")
            return result
        return step

    monkeypatch.setattr(os, "replace", wrap("replace", os.replace))
    monkeypatch.setattr(os, "rename", wrap("rename", os.rename))
    monkeypatch.setattr(shutil, "rmtree", wrap("rmtree", shutil.rmtree))


def _count_steps(tmp_path: Path, media: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    scratch = tmp_path / "count"
    shutil.copytree(media, scratch / "media", symlinks=True)
    write_lesson(scratch, NEW_LESSON)
    seen: list[str] = []
    with monkeypatch.context() as patch:
        _steps(patch, lambda kind, n, when: seen.append(kind) if when == "before" else None)
        assert build(_options(scratch, scratch / "media")).ok
    return seen


def test_a_kill_at_every_install_step_leaves_whole_sets(
    old_build: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media, old = old_build
    monkeypatch.setattr(FakePool, "generation", "new")
    steps = _count_steps(tmp_path, media, monkeypatch)
    # The new build: the trace cache, each clip's set renamed in and the manifest naming it,
    # the gallery and the present page, then each old set deleted.
    assert steps == ["replace", "rename", "replace", "rename", "replace", "replace", "replace",
                     "rmtree", "rmtree"]
    seen_generations: dict[str, set[str]] = {c: set() for c in CLIPS}
    for n in range(len(steps)):
        for when in ("before", "after"):
            case = tmp_path / f"kill-{n}-{when}"
            shutil.copytree(media, case / "media", symlinks=True)
            write_lesson(case, NEW_LESSON)
            frozen = tmp_path / f"frozen-{n}-{when}"

            def at(kind: str, k: int, moment: str, n: int = n, when: str = when,
                   case: Path = case, frozen: Path = frozen) -> None:
                if (k, moment) == (n, when):
                    shutil.copytree(case / "media", frozen, symlinks=True)
                    raise Killed

            with monkeypatch.context() as patch:
                _steps(patch, at)
                with pytest.raises(Killed):
                    build(_options(case, case / "media"))
            manifest = read_manifest(frozen)
            assert manifest.warnings == []
            gallery = _gallery_refs(frozen)
            for clip in CLIPS:
                entry = manifest.clips[clip]
                hashes = {"old": old[clip], "new": _new_hash(frozen, clip)}
                # The manifest vouches for a whole set, and so does the gallery.
                state = _generation(frozen, entry.files, hashes)
                assert state in ("old", "new"), (steps[n], when, clip, state)
                assert entry.hash == hashes[state]
                shown = _generation(frozen, gallery[clip], hashes)
                assert shown in ("old", "new"), (steps[n], when, clip, shown)
                seen_generations[clip] |= {state, shown}
            _rebuild_cleans_up(case.parent / f"again-{n}-{when}", frozen, monkeypatch)
    # Both outcomes happen: the kills fall on both sides of each clip's switch.
    assert seen_generations == {c: {"old", "new"} for c in CLIPS}


def _new_hash(media: Path, clip: str) -> str:
    """The hash a 'new' file of ``clip`` names (the new build's hash for it), if any exists."""
    for folder in (media / clip).iterdir():
        for path in folder.iterdir():
            digest, _, generation = path.read_text().split(":")
            if generation == "new":
                return digest
    return ""


def _rebuild_cleans_up(folder: Path, frozen: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder.mkdir()
    media = folder / "media"
    shutil.copytree(frozen, media, symlinks=True)
    write_lesson(folder, NEW_LESSON)
    assert build(_options(folder, media)).ok
    manifest = read_manifest(media)
    leftovers = [p for p in media.rglob("*")
                 if TEMP_FILE.fullmatch(p.name) or TEMP_DIR.fullmatch(p.name)]
    assert leftovers == []
    gallery = _gallery_refs(media)
    for clip in CLIPS:
        entry = manifest.clips[clip]
        # Only the set the manifest names is left, and the gallery shows exactly its files.
        assert [p.name for p in (media / clip).iterdir()] == [entry.set_name]
        assert SET_NAME.fullmatch(entry.set_name)
        assert gallery[clip] == {entry.files[k] for k in ("mp4", "webm", "poster", "vtt",
                                                          "chapters") if k in entry.files}
        assert {re.sub(r":.*", "", (media / rel).read_text()) for rel in
                entry.files.values()} == {entry.hash}
