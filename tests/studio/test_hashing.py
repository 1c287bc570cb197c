"""Clip hashes: what changes them and what must not (no renders here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.lesson import load_lesson
from core.model import TensorFacts
from core.serial import to_dict
from studio import hashing
from studio.build import plan_clips
from studio.hashing import ClipInputs, clip_hash, import_closure, stable_trace_json
from tests.studio.conftest import write_lesson


def test_volatile_addresses_are_dropped_and_nothing_else() -> None:
    """Records name their own volatile fields (core.model.volatile); only those are dropped."""
    facts = TensorFacts(name="x", code="x", dtype="torch.float32", shape=(1,), strides=(1,),
                        storage_offset=0, numel=1, element_size=4, is_contiguous=True,
                        data_ptr=1, storage_data_ptr=2, values=(1.5,))
    trace = {"a": to_dict(facts), "items": [{"x": 6, "data_ptr": 7}]}
    assert trace["a"]["_volatile"] == ["data_ptr", "storage_data_ptr"]
    moved = json.loads(json.dumps(trace))
    moved["a"]["data_ptr"] = 999
    moved["a"]["storage_data_ptr"] = 777
    assert stable_trace_json(json.dumps(trace)) == stable_trace_json(json.dumps(moved))
    kept = json.loads(stable_trace_json(json.dumps(trace)))
    assert "data_ptr" not in kept["a"] and "_volatile" not in kept["a"]
    assert kept["a"]["values"] == [1.5]
    # A key of the same name that no record declared volatile stays in the hash.
    assert kept["items"] == [{"x": 6, "data_ptr": 7}]
    changed = json.loads(json.dumps(trace))
    changed["a"]["storage_offset"] = 1
    assert stable_trace_json(json.dumps(changed)) != stable_trace_json(json.dumps(trace))


def test_closure_of_the_code_clip_scene() -> None:
    closure = import_closure("scenes.code_clip")
    for module in ("scenes", "scenes.code_clip", "scenes.base", "scenes.theme", "scenes.stage",
                   "scenes.visuals", "scenes.visuals.layout", "scenes.components",
                   "scenes.components.tensor_grid", "scenes.components.caption_bar", "core",
                   "core.model", "core.lesson"):
        assert module in closure
    assert not any(m.startswith(("manim", "torch", "numpy", "studio")) for m in closure)


def test_closure_follows_every_import_form(tmp_path: Path) -> None:
    files = {
        "scenes/__init__.py": "",
        "scenes/clip.py": "from .components import grid\nimport core.facts\n",
        "scenes/components/__init__.py": "",
        "scenes/components/grid.py": "from ..theme import DARK\nfrom scenes.components.text "
                                     "import label\n",
        "scenes/components/text.py": "def label(): pass\n",
        "scenes/components/unused.py": "",
        "scenes/theme.py": "import os\nDARK = 1\n",
        "core/__init__.py": "",
        "core/facts.py": "def f():\n    from core import lazy\n",
        "core/lazy.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert import_closure("scenes.clip", tmp_path) == [
        "core", "core.facts", "core.lazy", "scenes", "scenes.clip", "scenes.components",
        "scenes.components.grid", "scenes.components.text", "scenes.theme"]


def test_closures_are_reused_within_one_pass_and_seen_afresh_after(tmp_path: Path) -> None:
    files = {"scenes/__init__.py": "", "scenes/clip.py": "from scenes import a\n",
             "scenes/a.py": "", "scenes/b.py": ""}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    with hashing.memoised_closures():
        first = import_closure("scenes.clip", tmp_path)
        (tmp_path / "scenes/clip.py").write_text("from scenes import a, b\n")
        # Within the pass the module list stands (every clip of a kind hashes the same list).
        assert import_closure("scenes.clip", tmp_path) == first == [
            "scenes", "scenes.a", "scenes.clip"]
    # The next pass (a watch rebuild) sees the new import.
    assert import_closure("scenes.clip", tmp_path) == ["scenes", "scenes.a", "scenes.b",
                                                      "scenes.clip"]


def _inputs(**change: str) -> ClipInputs:
    base = {"clip_id": "c", "scene": "scenes.code_clip:CodeClip",
            "trace_json": json.dumps({"_volatile": ["data_ptr"], "data_ptr": 1, "v": [1.0]}),
            "quality": "low",
            "theme": "dark"}
    base.update(change)
    return ClipInputs(modules=tuple(import_closure("scenes.code_clip")), **base)


def test_hash_covers_quality_theme_and_trace_but_not_addresses() -> None:
    reference = clip_hash(_inputs())
    assert clip_hash(_inputs()) == reference
    moved = {"_volatile": ["data_ptr"], "data_ptr": 2, "v": [1.0]}
    assert clip_hash(_inputs(trace_json=json.dumps(moved))) == reference
    changed = {"_volatile": ["data_ptr"], "data_ptr": 1, "v": [2.0]}
    assert clip_hash(_inputs(trace_json=json.dumps(changed))) != reference
    assert clip_hash(_inputs(quality="high")) != reference
    assert clip_hash(_inputs(theme="light")) != reference
    assert clip_hash(_inputs(scene="scenes.other:Other")) != reference


def _hashes(lesson_path: Path) -> dict[str, str | None]:
    lesson = load_lesson(lesson_path)
    return {p.clip.id: p.hash for p in plan_clips(lesson, (), "test", "dark")}


def _edit(monkeypatch: pytest.MonkeyPatch, suffix: str, added: bytes = b"\nEDITED = 1\n"
          ) -> None:
    """Pretend a source file was edited (``added`` appended), without touching the real file."""
    real = hashing.read_source

    def edited(path: Path) -> bytes:
        data = real(path)
        return data + added if path.as_posix().endswith(suffix) else data

    monkeypatch.setattr(hashing, "read_source", edited)


def _rewrite(monkeypatch: pytest.MonkeyPatch, suffix: str, old: bytes, new: bytes) -> None:
    """Pretend one occurrence of ``old`` in a source file became ``new``."""
    real = hashing.read_source

    def edited(path: Path) -> bytes:
        data = real(path)
        if not path.as_posix().endswith(suffix):
            return data
        assert old in data, (suffix, old)
        return data.replace(old, new, 1)

    monkeypatch.setattr(hashing, "read_source", edited)


# Every clip draws its captions with it (code clips directly, story clips through CaptionBar).
COMPONENT = "scenes/components/caption_band.py"


@pytest.mark.parametrize(("old", "new"), [
    (b'"""', b'"""Reworded: ', ),
    (b"\n\n", b"\n# a comment on its own line\n\n"),
    (b"from __future__ import annotations\n",
     b"from __future__ import annotations  # trailing comment\n\n\n"),
], ids=["docstring", "comment", "blank-lines"])
def test_comments_docstrings_and_blank_lines_do_not_rehash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: bytes, new: bytes
) -> None:
    lesson = write_lesson(tmp_path)
    before = _hashes(lesson)
    _rewrite(monkeypatch, COMPONENT, old, new)
    assert hashing.read_source(hashing.ROOT / COMPONENT) != (hashing.ROOT / COMPONENT
                                                             ).read_bytes()
    assert _hashes(lesson) == before


@pytest.mark.parametrize(("old", "new"), [
    (b"buff=0.1)", b"buff=0.11)"),  # a number that places the caption's lines
    (b"from scenes", b"import math\nfrom scenes"),  # an import: frames may depend on it
    (b"super().__init__()", b"super().__init__()\n        self.z_index = 0"),
], ids=["number", "import", "statement"])
def test_every_code_edit_rehashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: bytes, new: bytes
) -> None:
    lesson = write_lesson(tmp_path)
    before = _hashes(lesson)
    _rewrite(monkeypatch, COMPONENT, old, new)
    after = _hashes(lesson)
    assert all(after[c] != before[c] for c in before)


def test_a_string_that_is_not_a_docstring_rehashes(tmp_path: Path) -> None:
    source = tmp_path / "scenes" / "clip.py"
    source.parent.mkdir()
    (tmp_path / "scenes" / "__init__.py").write_text("")
    source.write_text('"""Doc."""\nLABEL = "a"\n')
    first = hashing.source_digest("scenes.clip", source)
    source.write_text('"""Another doc."""\n\n# note\nLABEL = "a"  # same\n')
    assert hashing.source_digest("scenes.clip", source) == first
    source.write_text('"""Doc."""\nLABEL = "b"\n')
    assert hashing.source_digest("scenes.clip", source) != first


def test_parsed_facts_are_kept_in_media_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = tmp_path / "media" / hashing.FACTS
    lesson = write_lesson(tmp_path)
    monkeypatch.setattr(hashing, "_known", {})
    with hashing.memoised_closures(facts):
        before = _hashes(lesson)
    stored = json.loads(facts.read_text())
    assert len(stored) > 10
    # A fresh process parses nothing: every source it hashes is found in the file.
    monkeypatch.setattr(hashing, "_known", {})

    def no_parse(*args: object, **kwargs: object) -> object:
        raise AssertionError("parsed a source the facts file already knew")

    with monkeypatch.context() as patch:
        patch.setattr(hashing, "_tree_digest", no_parse)
        with hashing.memoised_closures(facts):
            assert _hashes(lesson) == before
    # A damaged file is a miss, never an error, and is rewritten whole.
    monkeypatch.setattr(hashing, "_known", {})
    facts.write_text("{not json")
    with hashing.memoised_closures(facts):
        assert _hashes(lesson) == before
    assert json.loads(facts.read_text()) == stored


def test_component_edit_changes_every_clip_that_imports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lesson = write_lesson(tmp_path)
    before = _hashes(lesson)
    assert all(before.values())
    _edit(monkeypatch, "scenes/components/tensor_grid.py")
    after = _hashes(lesson)
    assert all(after[c] != before[c] for c in before)


def test_edit_outside_the_closure_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lesson = write_lesson(tmp_path)
    before = _hashes(lesson)
    closure = import_closure("scenes.code_clip")
    outside = [p for p in (hashing.ROOT / "scenes").rglob("*.py")
               if ".".join(p.relative_to(hashing.ROOT).with_suffix("").parts) not in closure
               and p.name != "__init__.py"]
    assert outside, "expected a scenes module the code clip does not import"
    _edit(monkeypatch, outside[0].relative_to(hashing.ROOT).as_posix())
    assert _hashes(lesson) == before


def test_lesson_entry_edit_changes_only_that_clip(tmp_path: Path) -> None:
    from tests.studio.conftest import TINY_LESSON

    before = _hashes(write_lesson(tmp_path))
    edited = TINY_LESSON.replace("seed = 11", "seed = 12")
    after = _hashes(write_lesson(tmp_path, edited))
    assert after["alpha"] == before["alpha"]
    assert after["beta"] != before["beta"]
