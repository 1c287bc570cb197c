"""Code clips played from their traces: every visual checked construct-only (the fast tier)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.lesson import load_lesson
from core.model import OpKind, ProgramTrace
from core.trace import trace_clip
from core.tracer import trace_code
from scenes.theme import DARK, LIGHT, Theme
from tests.scenes.code_checks import check_code_run, run_code_clip

LESSON = Path(__file__).resolve().parents[2] / "lessons" / "broadcasting.toml"
DEFAULT = Path(__file__).resolve().parents[2] / "lessons" / "default.toml"

# One short snippet per visual the broadcasting lesson does not reach.
SNIPPETS = {
    "matmul": "a = torch.arange(6.).view(2, 3)\nb = torch.ones(3, 2)\nc = a @ b",
    "matmul-batch": "a = torch.ones(2, 1, 2)\nb = torch.ones(2, 1)\nc = a @ b",
    "matmul-error": "x = torch.ones(1, 5)\nw = torch.ones(1, 5)\ny = torch.mm(x, w)",
    "view-error": "v = torch.arange(5.)\nv.view(2, 3)",
    "resize": "g = torch.arange(5.)\nh = g.view(5)\ng.resize_(2, 2)\ng.resize_(2, 3)",
    "copy": "a = torch.arange(6.).view(2, 3)\nb = a.t()\nc = b.contiguous()",
    "bridge": "a = torch.ones(3)\nn = a.numpy()\na.mul_(2)",
}


def lesson_ids() -> list[str]:
    return [clip.id for clip in load_lesson(LESSON).clips]


@pytest.mark.parametrize("clip_id", lesson_ids())
def test_broadcasting_lesson_clip(clip_id: str, tmp_path: Path) -> None:
    trace = trace_clip(load_lesson(LESSON), clip_id)
    assert isinstance(trace, ProgramTrace)
    check_code_run(run_code_clip(trace, DARK, tmp_path))


def default_code_ids() -> list[str]:
    """The default lesson's clips that play through the code clip (all but the story kinds)."""
    from scenes.registry import CODE, SCENES

    return [clip.id for clip in load_lesson(DEFAULT).clips if SCENES[clip.kind] == CODE]


def test_nine_default_clips_play_through_the_stage() -> None:
    assert set(default_code_ids()) == {"elementwise-product", "sum", "matmul-shapes",
                                       "mm-vs-matmul", "view", "reshape", "resize", "strides",
                                       "numpy-bridge"}


@pytest.mark.parametrize("theme", [DARK, LIGHT], ids=["dark", "light"])
@pytest.mark.parametrize("clip_id", default_code_ids())
def test_default_lesson_clip(clip_id: str, theme: Theme, tmp_path: Path) -> None:
    trace: Any = trace_clip(load_lesson(DEFAULT), clip_id)
    program = trace if isinstance(trace, ProgramTrace) else trace.program
    check_code_run(run_code_clip(program, theme, tmp_path))


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_visual_on_snippet(name: str, tmp_path: Path) -> None:
    trace = trace_code(SNIPPETS[name], "--code", 7)
    check_code_run(run_code_clip(trace, LIGHT, tmp_path))


def test_every_op_kind_is_played_somewhere() -> None:
    lesson = load_lesson(LESSON)
    traces = [trace_clip(lesson, clip.id) for clip in lesson.clips]
    kinds = {op.kind for t in traces if isinstance(t, ProgramTrace) for op in t.ops}
    kinds |= {op.kind for src in SNIPPETS.values() for op in trace_code(src, "--code", 7).ops}
    assert kinds == set(OpKind)


def _shown(message: str, texts: list[str]) -> bool:
    """Was ``message`` on screen, whatever lines it was wrapped into?"""
    def squeeze(text: str) -> str:
        return "".join(text.split())

    return squeeze(message) in squeeze("".join(texts))


def _default_run(clip_id: str, tmp_path: Path) -> tuple[Any, Any, list[str]]:
    """The story trace, the code run of its program, and every text the run showed."""
    trace: Any = trace_clip(load_lesson(DEFAULT), clip_id)
    record = run_code_clip(trace.program, DARK, tmp_path)
    steps = [s.caption for s in record.scene.steps]
    return trace, record, [*record.run.texts(), *steps]


def test_matmul_shapes_shows_the_error_then_the_lectures_older_wording(tmp_path: Path) -> None:
    trace, record, texts = _default_run("matmul-shapes", tmp_path)
    mm = next(op for op in trace.program.ops if op.op == "mm" and op.error is not None)
    assert _shown(mm.error.message, texts)
    a, b = (trace.program.tensor(ref).shape for ref in mm.inputs)
    # PyTorch before 1.7 said it this way; the sizes are the operands' own.
    older = f"size mismatch, m1: [{a[0]} x {a[1]}], m2: [{b[0]} x {b[1]}]"
    assert any(older in text for text in texts)
    assert record.scene.steps[-1].caption == trace.program.takeaway


def test_mm_vs_matmul_refusals_say_what_torch_mm_wants(tmp_path: Path) -> None:
    trace, _, texts = _default_run("mm-vs-matmul", tmp_path)
    failed = [op for op in trace.program.ops if op.op == "mm" and op.error is not None]
    assert len(failed) == 3  # a 1-D, two batched, a stray batch dim
    for op in failed:
        assert _shown(op.error.message, texts)
    assert not any("None" in text for text in texts)


def test_resize_draws_the_uninitialised_cell_and_the_moved_buffer(tmp_path: Path) -> None:
    trace, _, texts = _default_run("resize", tmp_path)
    grow = next(op for op in trace.program.ops if op.kind == OpKind.RESIZE
                and op.plan.buffer_moved)
    out = trace.program.tensor(grow.outputs[0])
    assert any(text == "?" for text in texts)
    assert any(f"same storage {out.storage}" in text for text in texts)
    assert not any("never a number" in text for text in texts)


def test_view_errors_say_what_torch_refused(tmp_path: Path) -> None:
    trace, _, texts = _default_run("reshape", tmp_path)
    refused = [op for op in trace.program.ops if op.error is not None]
    assert refused
    for op in refused:
        assert _shown(op.error.message, texts)
        shown = [t for t in texts if "cannot fill" in t]
        # "N cells cannot fill a × b" only where the counts differ (xt.view(6) is a stride
        # problem: six cells would fill six).
        for text in shown:
            wanted = text.split("cannot fill ")[1].split(" × ")
            assert int(text.split()[0]) != int(np.prod([int(w) for w in wanted]))
